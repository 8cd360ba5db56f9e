"""BibTeX entries for stored papers: `papers-bot bib`, `!bib` and `/bib` all call `bibtex`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from papers_bot.store.paper import StoredPaper

# arXiv's archives: a paper's primaryClass is one of these, or one of their subject classes (`cs.CV`,
# `astro-ph.GA`, `hep-th`). A feed's bare `CV` is not a category arXiv knows, so it is never written.
ARCHIVES = frozenset(
    "cs math stat eess econ q-bio q-fin physics astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph "
    "nlin nucl-ex nucl-th quant-ph".split())
_CATEGORY = re.compile(r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[A-Za-z]+(?:-[a-z]+)*))?")
# What a key skips to reach the title's first real word (`A Survey of ...` -> `survey`).
_LEAD_WORDS = frozenset("a an the on of in for to towards toward is are do does how what why when".split())
# LaTeX's special characters and how a .bib field writes them (accents stay as they are: UTF-8 .bib files are
# read by biber and by BibTeX with inputenc alike).
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _SPECIAL))
MAX_IDS = 100  # papers in one export: a reference list, not the library


def escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped, its accents kept, its spacing folded."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], " ".join(text.split()))


def _title(text: str) -> str:
    """A title escaped, with the words whose capitals matter (`SAM`, `GrowCLIP`, `2.5D`) braced, so that a
    bibliography style that lowercases titles leaves them as written."""
    words = []
    for word in text.split():
        core = word.rstrip(":;,.!?")  # (the punctuation after a word stays outside its braces)
        said = escape(core)
        braced = f"{{{said}}}" if any(c.isupper() for c in core[1:]) else said
        words.append(braced + escape(word[len(core):]))
    return " ".join(words)


def primary_class(paper: StoredPaper) -> str | None:
    """The paper's first arXiv category name (`cs.CV`), or None when it has none (a feed's `CV`)."""
    for name in (paper.category, *paper.categories):
        match = _CATEGORY.fullmatch(name or "")
        if match and match["archive"] in ARCHIVES and (match["subject"] or "-" in match["archive"]):
            return name
    return None


def _ascii_word(text: str) -> str:
    """`Müller` -> `muller`: a key's letters, accents folded, lowercase, letters and digits only."""
    folded = unicodedata.normalize("NFKD", text.casefold())  # (`Groß` -> `gross`)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def surname(author: str) -> str:
    """An author's surname as written: before the comma (`Chen, Ran`), else the last word (`Ran Chen`)."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    words = author.split()
    return words[-1] if words else ""


def base_key(paper: StoredPaper) -> str:
    """The readable part of a citation key: first author's surname, year, first title word (`chen2024seismic`);
    a part the listing does not know (or that has no Latin letters) is left out; without a name or a word, the
    key is `paper` and the year."""
    name = _ascii_word(surname(paper.authors[0])) if paper.authors else ""
    words = [w for w in (_ascii_word(w) for w in paper.title.split()) if w]
    first = next((w for w in words if w not in _LEAD_WORDS), words[0] if words else "")
    return f"{name or ('' if first else 'paper')}{paper.year or ''}{first}"


def keys(papers: Sequence[StoredPaper]) -> list[str]:
    """Each paper's key; a second paper with the same key gets `b`, a third `c`: a letter only where two
    would otherwise share one, so a paper's key is the same in every export it is alone in."""
    seen: dict[str, int] = {}
    made = []
    for paper in papers:
        key = base_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        made.append(key if count == 0 else key + _letters(count))
    return made


def _letters(n: int) -> str:
    """1 -> `b`, 24 -> `y`, 25 -> `zb`: a suffix that never runs out."""
    return "z" * ((n - 1) // 24) + "bcdefghijklmnopqrstuvwxy"[(n - 1) % 24]


def entry(paper: StoredPaper, key: str) -> str:
    """One BibTeX entry: `@article` when a journal reference or a DOI is known, else `@misc`; only the fields
    the listing knows."""
    # (an untitled paper's display title is made from its abstract: not its title, so not written as one)
    fields: list[tuple[str, str]] = [("title", _title(paper.title))] if paper.title else []
    if paper.authors:
        names = [escape(a) for a in paper.authors] + (["others"] if paper.authors_truncated else [])
        fields.append(("author", " and ".join(names)))
    if paper.journal_ref:
        fields.append(("journal", escape(paper.journal_ref)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.doi:
        fields.append(("doi", escape(paper.doi)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if category := primary_class(paper):
            fields.append(("primaryClass", category))
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    kind = "article" if paper.journal_ref or paper.doi else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex(papers: Sequence[StoredPaper]) -> str:
    """A .bib file's text for these papers, in the order given, each key told apart from the others."""
    return "".join(entry(p, k) + "\n\n" for p, k in zip(papers, keys(papers))).rstrip("\n") + "\n"
