"""Text analysis shared by the index, queries and passage ranking: one analyser, so they always agree.

The analysers run inside tantivy (Rust): Unicode-aware tokens (letters and digits of any script), lowercase,
ASCII folding (café = cafe), English stop words and the Snowball English stemmer for text; names are only
tokenised, lowercased and folded.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable

import tantivy

from papers_bot.store.tex import tex_to_text

TEXT = "papers_en"
NAMES = "papers_names"

# Words a question is phrased with rather than what it asks about. Function words (interrogatives, pronouns,
# auxiliaries, politeness, what a contraction leaves: the s of what's) are dropped wherever they stand; request
# words (and filler: "anything") only in the question's opening frame
# ("which papers ...", "find me articles on ..."), since elsewhere they can be the topic ("the need for
# information", "research libraries"). Stemmed with the same analyser before use.
FUNCTION_WORDS = """
which what whats who whom whose where when why how
me my i we you us our your please can could would should do does did is are was were be been has have
about regarding related relating there here any some
s t ll ve re
""".split()
REQUEST_WORDS = """
paper papers article articles work works study studies publication publications research
find show list give tell get search look looking want need know
published publish released release written appeared appear out come came anything something everything stuff
best good top great interesting important key relevant recommended
""".split()
QUESTION_WORDS = FUNCTION_WORDS + REQUEST_WORDS
# What a pasted question carries besides its words: abbreviations, citations' volume, issue and page numbers
# (`Vol. 31, No. 6, pp. 438-444`, `613-641`). Removed before analysis, so they never score.
_NOISE = re.compile(
    r"\b(?:e\.\s?g|i\.\s?e|et\s+al|etc|cf|viz|vs)\b\.?"
    r"|\b(?:vols?|nos?|pp?|pages?)\.?\s*\d+(?:\s*[-\u2013]+\s*\d+)?"
    r"|\b\d+\s*[-\u2013]+\s*\d+\b",
    re.IGNORECASE,
)


def _analyzer(*filters: tantivy.Filter) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    for f in (tantivy.Filter.remove_long(40), tantivy.Filter.lowercase(), tantivy.Filter.ascii_fold(), *filters):
        builder = builder.filter(f)
    return builder.build()


def per_thread(make: Callable[[], tantivy.TextAnalyzer]) -> Callable[[], tantivy.TextAnalyzer]:
    """One analyser per thread: tantivy's is not safe to share, and searches run in several worker threads
    (two at once in one analyser fail with "RuntimeError: Already borrowed")."""
    local = threading.local()

    @functools.wraps(make)
    def get() -> tantivy.TextAnalyzer:
        if not hasattr(local, "analyzer"):
            local.analyzer = make()
        return local.analyzer

    return get


@per_thread
def text_analyzer() -> tantivy.TextAnalyzer:
    return _analyzer(tantivy.Filter.stopword("english"), tantivy.Filter.stemmer("english"))


@per_thread
def name_analyzer() -> tantivy.TextAnalyzer:
    return _analyzer()


# Lowercase words that belong to a surname: "Laurens van der Maaten", "Ludwig von Mises".
_PARTICLES = frozenset("van von der den de da das dos do du di del della la le bin ibn al el ten ter".split())


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def _name_tokens(word: str) -> list[str]:
    """`name_analyzer` on one word of a name; for ASCII, the same tokens without the call into tantivy (a load
    splits every author's name: most are ASCII, and one call costs more than the whole split)."""
    if word.isascii():
        return [t for t in _ASCII_WORD.findall(word.lower()) if len(t) < 40]  # (as remove_long(40))
    return name_analyzer().analyze(word)


# `John Smith Jr.`, `Smith Jr., John`, `Henry Ford II`: a generational suffix is not the surname.
_SUFFIX = re.compile(r",?\s+(?:Jr|Sr|II|III|IV)\.?(?=\s*(?:,|$))")


def split_name(name: str) -> tuple[list[str], list[str]]:
    """A person's name as (given name parts, surname parts), analysed: `Salton, G.` and `G. Salton` -> (["g"],
    ["salton"]); `L. van der Maaten` -> (["l"], ["van", "der", "maaten"]); `C.-P. Yuan` -> (["c", "p"], ["yuan"])."""
    last, comma, first = _SUFFIX.sub("", clean(name)).partition(",")
    if comma and first.strip():
        return [t for w in first.split() for t in _name_tokens(w)], [t for w in last.split() for t in _name_tokens(w)]
    words = last.split()
    if len(words) >= 2 and len(words[-1].strip(".")) == 1 and len(words[0].strip(".")) > 1:
        words = words[-1:] + words[:-1]  # `Salton G`: surname first, initials after (as indexes print names)
    cut = len(words) - 1
    while cut > 0 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    given = [t for w in words[:cut] for t in _name_tokens(w)]
    return given, [t for w in words[cut:] for t in _name_tokens(w)]


@functools.lru_cache(maxsize=1 << 16)  # (loads meet the same authors again and again)
def author_keys(name: str) -> tuple[str, ...]:
    """The terms a paper's author is found by (the index's `author_name`): the whole name, `~surname initial`,
    `=surname initial` when the name gives only initials, else `^surname first-given-name`, and `@surname`.
    `Gerard Salton` and `Salton, G.` meet at `~salton g`; a search for the whole name also takes `=salton g`
    (not another Salton, G-something)."""
    given, surname = split_name(name)
    if not surname:
        return ()
    last = " ".join(surname)
    keys = [" ".join(given + surname), f"@{last}"]
    if given:
        keys.append(f"~{last} {given[0][0]}")
        if all(len(g) == 1 for g in given):
            keys.append(f"={last} {given[0]}")
        elif len(given[0]) > 1:
            keys.append(f"^{last} {given[0]}")  # (the first given name: `Michael I. Jordan` for `Michael Jordan`)
    return tuple(dict.fromkeys(keys))


def author_query_keys(name: str) -> tuple[str, ...]:
    """The `author_name` terms any of which finds papers by `name` as a person typed it (see `author_keys`; TeX
    as arXiv writes names is read too: `M\\"uller`)."""
    given, surname = split_name(tex_to_text(name))
    if not surname:
        return ()
    last = " ".join(surname)
    if not given:
        return (f"@{last}",)
    if all(len(g) == 1 for g in given):
        return (f"~{last} {given[0]}",)
    if len(given) == 1:  # `Michael Jordan` also finds `Michael I. Jordan` (as initials find every first name)
        return (" ".join(given + surname), f"={last} {given[0][0]}", f"^{last} {given[0]}")
    return (" ".join(given + surname), f"={last} {given[0][0]}")


def clean(text: str) -> str:
    """Text any part of the program can print and analyse: lone surrogates (undecodable bytes from a
    terminal or a file) become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8") if text else ""


def analyze(text: str) -> list[str]:
    """Text -> index terms (what `text` contributes to the title/abstract fields)."""
    return text_analyzer().analyze(clean(text))


@functools.cache
def _terms_of(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for w in words for t in analyze(w))


def strip_noise(text: str) -> str:
    """`text` without abbreviations and citation numbers (see `_NOISE`)."""
    return _NOISE.sub(" ", text)


def question_terms(text: str, *, all_if_none: bool = True) -> list[str]:
    """The terms a question asks about, in order and with repeats (a word said twice weighs twice): analysed,
    function words dropped, request words dropped from its opening; all of them if nothing else is left (unless
    not `all_if_none`: "papers by Jinwen Ma" asks for no words, only the filter)."""
    terms = analyze(strip_noise(text))
    function, request = _terms_of(tuple(FUNCTION_WORDS)), _terms_of(tuple(REQUEST_WORDS))
    content = [t for t in terms if t not in function]
    opening = next((i for i, t in enumerate(content) if t not in request), len(content))
    return content[opening:] or (terms if all_if_none else [])


_WORD = re.compile(r"\w+", re.UNICODE)


def term_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in `text` whose analysed form is one of `terms` (for highlighting)."""
    spans = []
    for m in _WORD.finditer(text):
        if any(t in terms for t in analyze(m.group(0))):
            spans.append(m.span())
    return spans
