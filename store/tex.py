"""TeX in arXiv's metadata -> text: accents, escapes and text markup decoded; math kept readable. Pure.

arXiv writes names, titles and abstracts as TeX (`J. M\\"uller`, `{\\O}. S{\\o}rensen`, `\\emph{foliations}`).
pylatexenc does the decoding: it is the maintained LaTeX-to-Unicode converter, and it knows every accent and
symbol macro. It is slow (about 100 µs a call), so the text is cut into TeX fragments by a regular expression and
each distinct fragment is converted once: accents and escapes are a small set that repeats across millions of
names, and a macro with a text argument (`\\emph{...}`) is converted once per macro with a placeholder for its
argument, which is decoded in turn. Text with no backslash, brace, dollar, `--` or `~` is returned as it is.

Math (`$...$`) stays as written, except a single symbol or letter with at most a simple super- or subscript
(`$\\alpha$` -> `α`, `$\\ell^2$` -> `ℓ^2`, `$k$-means` -> `k-means`): never lost, and no cost per distinct formula.
"""

from __future__ import annotations

import functools
import logging
import re

from pylatexenc.latex2text import LatexNodes2Text


def has_tex(text: str) -> bool:
    """Whether `text` may hold TeX: without a backslash, brace, dollar, `--` or `~` it has none. (Five `in` scans
    run at memchr speed; one regular expression for them is fifty times slower on an abstract.)"""
    return "\\" in text or "$" in text or "{" in text or "--" in text or "~" in text

_FRAGMENT = re.compile(
    r"(?P<math>\$[^$]*\$)"
    r"|(?P<group>\{\\(?P<gname>[A-Za-z]+)\s+(?P<gtext>[^{}]*)\})"  # {\em text}, {\bf text}
    # \emph{x}, \c{c}, \href{u}{x}
    r"|(?P<macro>\\(?P<mname>[A-Za-z]+)\*?\s*\{(?P<marg>[^{}]*)\}(?:\{(?P<marg2>[^{}]*)\})?)"
    r"|(?P<symbol>\{\\[^A-Za-z\s]\s*(?:\{[A-Za-z]?\}|\\[ij]|[A-Za-z])?\}|\{\\[A-Za-z]+\}"  # {\o}, {\'e}, {\"\i}
    r"|\\(?:ss|aa|AA|ae|AE|oe|OE|[oOijlL]) (?=[a-z])"  # a letter inside a word: `S\o rensen` (TeX eats the space)
    # \ss, \alpha, \"u, \'{e}, \%
    r"|\\[A-Za-z]+\*?|\\[^A-Za-z\s](?:\{[A-Za-z]?\}|\{\\[ij]\}|\\[ij](?![A-Za-z])|[A-Za-z])?"
    r"|-{2,3}|~)"
)
_SIMPLE_MATH = re.compile(r"\$\s*(?:\\[A-Za-z]+|[A-Za-z0-9])\s*(?:[\^_](?:[A-Za-z0-9]|\{[A-Za-z0-9]{1,3}\}))?\s*\$")
_HOLE = "\x01"
_OPEN, _CLOSE = "\x02", "\x03"  # a kept formula's braces, while the text's grouping braces are dropped
_converters: dict[str, LatexNodes2Text] = {}
# pylatexenc warns about each macro whose argument it could not fill (`\frac{` cut short): malformed TeX is
# ordinary in listings, and such a fragment is kept as written.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)


def tex_to_text(text: str) -> str:
    """`text` with TeX decoded (see the module docstring); any text is valid, malformed TeX is kept as it is."""
    if not text or not has_tex(text):
        return text
    decoded = _decode_fragments(text).replace("{", "").replace("}", "")  # (grouping braces: `{GAN}s`)
    return " ".join(decoded.replace(_OPEN, "{").replace(_CLOSE, "}").split())


_STARTS = ("\\", "$", "{", "--", "~")  # where a fragment can start


def _decode_fragments(text: str) -> str:
    """`text` with each TeX fragment decoded. The fragments are looked for only where one can start (found by
    `str.find`): trying the pattern at every character cost 100 µs on an abstract with one formula, this 4."""
    at = {start: text.find(start) for start in _STARTS}
    out, done = [], 0
    while True:
        found = [i for i in at.values() if i >= 0]
        if not found:
            break
        i = min(found)
        m = _FRAGMENT.match(text, i)
        end = m.end() if m else i + 1
        if m:
            out += [text[done:i], _fragment(m)]
            done = end
        for start, j in at.items():
            if 0 <= j < end:
                at[start] = text.find(start, end)
    out.append(text[done:])
    return "".join(out)


def _fragment(m: re.Match[str]) -> str:
    if m.group("math"):
        if _SIMPLE_MATH.fullmatch(m.group(0)):
            return _convert(m.group(0), "text")
        return m.group(0).replace("{", _OPEN).replace("}", _CLOSE)  # (kept as written, braces and all)
    if m.group("group"):
        return _with_argument("{\\" + m.group("gname") + " " + _HOLE + "}", m.group("gtext"))
    if m.group("macro"):
        arg, second = m.group("marg"), m.group("marg2")
        if m.group("mname") == "url":
            return arg + (tex_to_text(second) if second else "")  # (verbatim: `~` and `%` are the address's)
        if second is not None:  # \frac{a}{b}, \textcolor{red}{x}, \href{url}{x}: as pylatexenc reads it, else both
            whole = _convert(m.group(0))
            return whole if _converted(whole) else f"{tex_to_text(arg)} {tex_to_text(second)}"
        if len(arg) <= 1:  # an accent on one letter (\c{c}, \v{s}): the whole fragment is one of a small set
            whole = _convert(m.group(0))
            return whole if _converted(whole) else arg
        return _with_argument("\\" + m.group("mname") + "{" + _HOLE + "}", arg)
    whole = _convert(_DOTLESS.sub(r"\1{\2}", m.group(0)))
    if _converted(whole) or m.group(0) in _SPACING:
        return whole
    # pylatexenc drops some macros outright (\LaTeX, \TeX, \+): their name or character is kept instead.
    return m.group(0).strip("{}").lstrip("\\").strip()


_SPACING = {"\\,", "\\;", "\\:", "\\!", "\\/", "\\ ", "\\\\", "~"}
_DOTLESS = re.compile(r"(\\[\"'`^~=.])\s*\{?\\([ij])(?![A-Za-z])\}?")  # \"\i: the accent on i itself (ï), not on ı


def _converted(text: str) -> bool:
    """Whether pylatexenc made text of a fragment: not nothing, not the macro left as it was, not a template."""
    return bool(text) and "\\" not in text and "%s" not in text


def _with_argument(template: str, argument: str) -> str:
    """`\\emph{text}` as pylatexenc converts `\\emph{<hole>}`, the hole filled with the decoded text; a macro it
    drops or cannot convert (`\\texttt`, `\\mbox`) keeps its text: markup goes, words never do."""
    shape = _convert(template)
    if shape.count(_HOLE) != 1 or not _converted(shape.replace(_HOLE, "x")):
        return tex_to_text(argument)
    return shape.replace(_HOLE, tex_to_text(argument))


@functools.lru_cache(maxsize=1 << 14)
def _convert(fragment: str, math: str = "verbatim") -> str:
    converter = _converters.get(math)
    if converter is None:
        converter = _converters[math] = LatexNodes2Text(math_mode=math)
    try:
        return converter.latex_to_text(fragment)
    except Exception:  # (pylatexenc parses tolerantly; anything it still cannot read stays as written)
        return fragment
