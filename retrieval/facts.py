"""Questions about the library's facts, answered exactly from the store and index, with the papers that show it:
how many (papers, by an author, with code, per year, per category, at a venue), an author's profile figures,
what an author published (by year, newest first), who wrote a paper, when it was published, its arXiv id and
links, its code, its venue, the papers at a venue, and named papers side by side.

`fact(db, index, question)` recognises the question (`_KINDS`: patterns tried in order, on the whole question
and then on each of its sentences) and the paper or author it names (`find_named`, `find_person`), and answers;
None when it is not a fact question. A fact the library does not hold is a Fact with `established` False,
saying what could not be established; the caller then adds the passage answer. Numbers are counted, never
guessed. A pattern that only may be a fact question ("Jinwen Ma papers from 2019", "hybridnorm authors") gives
None, not "no such author", when what it names is not in the library.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils
import tantivy

from papers_bot.errors import PaperNotFound
from papers_bot.retrieval.analysis import analyze, author_keys, author_query_keys, clean, name_analyzer, question_terms
from papers_bot.retrieval.index import Snapshot, match_count, paper_id
from papers_bot.retrieval.names import MIN_KEY, VENUE_PATTERN, name_key, spans, venue_of, venues_in
from papers_bot.retrieval.query import CODE_WORDS, OPEN_SOURCE, ParsedQuery, parse_query
from papers_bot.retrieval.search import filter_queries, papers_by, search
from papers_bot.store import db as store
from papers_bot.store.paper import AuthorLookup, StoredPaper, doi_in, id_in
from papers_bot.text import clip, plural

MAX_QUESTION = 300  # characters: a fact question is short
SHOWN = 10  # supporting papers listed with a fact (the count says how many there are)
MAX_NAMED = 5  # papers compared side by side
MAX_PART_WORDS = 8  # a paper's name in a question is at most this long ("the paper on few-shot GAN training")
MAX_NAME_WORDS = 4  # ... and one that matched nothing is taken for a name (not a topic) up to this long
MIN_TITLE_TERMS = 2  # a title matched by its words, not a name: it must hold at least these many, and all


@dataclass
class Fact:
    """One established (or missing) fact, in a sentence, with the papers that support it."""

    kind: str
    statement: str  # plain text; the front end escapes it
    papers: list[StoredPaper] = field(default_factory=list)  # the first SHOWN supporting papers
    total: int | None = None  # how many papers support it, when there are more than shown
    established: bool = True  # False: the library does not hold it (`statement` says what is missing)
    side_by_side: bool = False  # papers compared: each with its authors, year, venue, code and a line


# ---------------------------------------------------------------------------------------------- who and what


def find_person(db: sqlite_utils.Database, index: Snapshot, name: str, *, partial: bool = True) -> AuthorLookup:
    """The author `name` means, written any way (`Salton, G.` for `Gerard Salton`): their name as stored and
    profile, or `candidates` when several people fit; `partial`: part of a name too (`store.find_author`: a scan
    of every author, for the `author` command, not for every question). Raises PaperNotFound when none fits."""
    try:
        return store.find_author(db, name, papers=False, partial=partial)
    except PaperNotFound:
        pass
    ids, _ = papers_by(index, name, limit=200)
    wanted = set(author_query_keys(name))
    names = sorted({a for p in store.get_papers(db, ids) for a in p.authors if wanted & set(author_keys(a))})
    if not names:
        raise PaperNotFound(f"no author called {name!r}; try part of the name, e.g. a surname")
    if len(names) > 1:
        return AuthorLookup(None, candidates=tuple(names))
    return store.find_author(db, names[0], papers=False)


_PAPER_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:paper|article|preprint|work|model|method|approach|one)s?\s+(?:(?:called|named|titled|on|"
    r"about)\s+)?|(?:called|named|titled)\s+)?",
    re.I,
)
# Words a phrase naming a paper may hold besides its name ("the SANA 1.5 paper", "the original GrowCLIP").
_FILLER = frozenset("the a an paper papers article preprint model method approach work one this that its original "
                    "framework authors team group people".split())
# A phrase that starts so is a topic, not a paper: "where can I read about partial differential operators".
_TOPICAL = re.compile(r"^(?:about|on|regarding|concerning|for|into|papers?\s+(?:on|about)|more\b|anything\b)", re.I)
_TRAILING = re.compile(r"(?:\s+(?:paper|article|preprint|model|method|pdf|code|repo|github|link|arxiv page))+$", re.I)
_QUOTES = " \"'“”‘’`.,;:!?()<>"
_NAME_EDGES = " \"'“”‘’`,;:!?()<>"  # (a name keeps its initials' dots: `Salton, G.`)


def find_named(db: sqlite_utils.Database, index: Snapshot, phrase: str, *,
               titles: bool = True) -> list[StoredPaper]:
    """The paper(s) `phrase` names: an arXiv id or URL, a DOI, a name it goes by (`SANA 1.5`, `PixArt-alpha`,
    `fastgan`: `retrieval.names`, tried on the longest runs of words first), else (`titles`) the best title match
    if its title holds every word of a phrase of MIN_TITLE_TERMS words or more. Empty when the library has none.
    Without `titles` only names: "who proposed diffusion models" asks about a concept, not a title's words."""
    phrase = _TRAILING.sub("", _PAPER_WORDS.sub("", phrase.strip(_QUOTES))).strip(_QUOTES)
    if not phrase:
        return []
    if ref := id_in(phrase):
        try:
            return [store.get_paper(db, ref)]
        except PaperNotFound:
            pass
    if doi := doi_in(phrase):
        row = db.conn.execute("SELECT id FROM papers WHERE doi = ? COLLATE NOCASE", [doi]).fetchone()
        if row:
            return store.get_papers(db, [row[0]])
    if _TOPICAL.match(phrase):
        return []
    words = phrase.split()
    searcher = index.searcher()
    for start, end in [(0, len(words)), *spans(words)]:  # (the whole phrase first: a full title)
        key = name_key(" ".join(words[start:end]))
        if len(key) < MIN_KEY or (end - start == 1 and not _name_like(index, words[start])):
            continue
        if any(w.lower().strip(_QUOTES) not in _FILLER for w in words[:start] + words[end:]):
            continue  # ("the next SANA version" does not name SANA 1.5)
        found = searcher.search(tantivy.Query.term_query(index.schema, "name_key", key), MAX_NAMED, count=False)
        if found.hits:
            return store.get_papers(db, [paper_id(searcher, a) for _, a in found.hits])
    # Else the papers whose titles hold every word: one, if the phrase has only two ("the nonconvex
    # regularization paper"); up to three, with more ("Open Knowledge Base Canonicalization" names two).
    terms = set(question_terms(phrase))
    if not titles or len(terms) < MIN_TITLE_TERMS:  # ("GANs", "diffusion": a topic, not a paper's title)
        return []
    held = [h.paper for h in search(db, index, phrase, k=4).hits if terms <= set(analyze(h.paper.display_title))]
    if len(held) > 1:  # several: only the titles the phrase begins ("Open Knowledge Base Canonicalization" two
        # papers' titles), not those it is a topic of ("knowledge graph unlearning")
        held = [p for p in held if name_key(p.display_title).startswith(name_key(phrase))]
    return held[:3]


def _named_in(db: sqlite_utils.Database, index: Snapshot, sentence: str) -> list[StoredPaper]:
    """The paper a sentence mentions by a name it goes by (`I liked the TIME paper a lot`), if any."""
    words = [w.strip(_QUOTES) for w in sentence.split()]
    searcher = index.searcher()
    for start, end in spans(words):
        key = name_key(" ".join(words[start:end]))
        if len(key) < MIN_KEY or not any(_name_like(index, w) for w in words[start:end]):
            continue
        if end - start == 1 and not _name_like(index, words[start]):
            continue  # (one common lower-case word inside a sentence is a word)
        found = searcher.search(tantivy.Query.term_query(index.schema, "name_key", key), 1, count=False)
        if found.hits:
            return store.get_papers(db, [paper_id(searcher, a) for _, a in found.hits])
    return []


def _rare(index: Snapshot, word: str) -> bool:
    """A word the papers (almost) never use: a name (`fastgan`, `AlphaFold`), not a topic."""
    terms = [t for t in analyze(word) if len(t) > 2 or len(analyze(word)) == 1]  # ("DALL-E": "dall" says it)
    rare = max(2, index.searcher().num_docs // 1000)  # (a name the papers use, in a repository's URL or so)
    return bool(terms) and all(index.doc_freq("text", t) <= rare for t in terms)


def _name_like(index: Snapshot, word: str) -> bool:
    """Whether one word may be a paper's name: written with a capital or digit (`TIME`, `GrowCLIP`), or rare in
    the papers (`fastgan`); "time" or "can" in lower case are words."""
    return any(c.isupper() or c.isdigit() for c in word) or _rare(index, word)


def _names_a_paper(index: Snapshot, phrase: str) -> bool:
    """Whether a phrase that matched no paper was meant as a paper's name the library never uses (`AlphaFold`,
    `DALL-E 3`), not a topic (`training GANs on small datasets`) or a name its papers do use (`SAM`, which the
    passages then show): then the answer says no paper has that name."""
    words = _TRAILING.sub("", _PAPER_WORDS.sub("", phrase.strip(_QUOTES))).split()
    if _TOPICAL.match(" ".join(words)):
        return False
    if len(words) > 1:  # (as a name is written: a capital or a digit)
        words = [w for w in words if any(c.isupper() or c.isdigit() for c in w)] if len(words) <= MAX_NAME_WORDS else []
    return any(_unused(index, w) for w in words)


def _unused(index: Snapshot, word: str) -> bool:
    """In no paper's title, and (almost) in no paper at all: `Imagen`, which one abstract compares with."""
    terms = [t for t in analyze(word) if len(t) > 2 or len(analyze(word)) == 1]
    return bool(terms) and _rare(index, word) and all(index.doc_freq("title", t) == 0 for t in terms)


# --------------------------------------------------------------------------------------------------- counting


def _count(index: Snapshot, parsed: ParsedQuery, words: list[str],
           venue: tantivy.Query | None = None, *, no_code: bool = False) -> tuple[int, list[str]]:
    """How many papers meet `parsed`'s filters (and are at `venue`, and have no code) and hold every one of
    `words`, and the ids of the newest SHOWN."""
    if venue is not None:
        parsed = dataclasses.replace(parsed, year_from=None, year_to=None)  # (the venue's year says it)
    clauses = [(tantivy.Occur.Must, q) for q in filter_queries(index, parsed)]
    if no_code:
        clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(index.schema, "has_code", 1)))
    clauses += [(tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "text", w)) for w in words]
    clauses.append((tantivy.Occur.Must, venue or tantivy.Query.term_query(index.schema, "kind", "paper")))
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.boolean_query(clauses), SHOWN, count=True, order_by_field="date")
    return match_count(found), [paper_id(searcher, a) for _, a in found.hits]


def _which(parsed: ParsedQuery, person: str | None, words: list[str], venue: str | None = None, *,
           no_code: bool = False) -> str:
    """`by Jinwen Ma at ICML 2023 from 2024 in CV with code mentioning diffusion`: what was counted, in words."""
    parts = [f"by {person}"] if person else []
    if venue:
        parts.append(f"at {venue}")
    elif parsed.year_from is not None or parsed.year_to is not None:
        low, high = parsed.year_from, parsed.year_to
        parts.append(f"from {low}" if low == high else f"from {low} to {high}" if low and high
                     else f"since {low}" if low else f"up to {high}")
    if parsed.categories:
        parts.append("in " + " or ".join(c.upper() if c != "unknown" else "no category" for c in parsed.categories))
    if parsed.has_code:
        parts.append("with code")
    if no_code:
        parts.append("without code")
    if words:
        parts.append("mentioning " + " and ".join(words))
    return (" " + " ".join(parts)) if parts else ""


def as_said(text: str, terms: list[str]) -> list[str]:
    """The words of `text` that `terms` were analysed from, as written ("diffusion", not "diffus")."""
    said: dict[str, str] = {}
    for word in re.findall(r"[\w'-]+", text):
        for term in analyze(word):
            said.setdefault(term, word)
    return [said.get(t, t) for t in terms]



# "with code", "have a github repo", "open-source": the code filter in the words a search reads it in, wherever
# they stand in a count ("how many papers with code does Jinwen Ma have").
_HAVE_CODE = re.compile(rf"\b(?:{CODE_WORDS}|{OPEN_SOURCE})\b", re.I)
_NO_CODE = re.compile(
    r"\b(?:(?:have|has|with)\s+no|without|lacking|missing|(?:have|has|do|does)(?:n't| not)(?:\s+(?:have|got))?)\s+"
    r"(?:any\s+)?(?:(?:public|released|open[\s-]source|source)\s+)?(?:code|repo|repository|implementation)s?\b",
    re.I,
)
# What a count or a list is about, when it is about words: "mentioning diffusion", "on style transfer".
_TOPIC = re.compile(
    r"\b(?:mention(?:s|ing)?|(?:talk(?:s|ing)?\s+)?about|on|regarding|concerning|discuss(?:es|ing)?|cover(?:s|ing)?|"
    r"contain(?:s|ing)?|"
    r"use|uses|using|with the words?|titled|that say)\s+(?P<topic>.+)$",
    re.I,
)


def _topic(text: str) -> tuple[list[str], list[str], str]:
    """The topic words a count or list names (analysed, and as written), and the text before them. Only words
    after a topic marker count ("how many papers came out in 2019" counts no words)."""
    match = _TOPIC.search(text)
    if not match:
        return [], [], text
    topic = parse_query(match.group("topic"), question=True).text
    terms = [t for t in question_terms(topic, all_if_none=False) if t not in _filler_terms()]
    return terms, as_said(topic, terms), text[: match.start()]


_CATEGORY = re.compile(r"\b(?:in\s+)?(?:the\s+)?(?:category\s+)?([a-z]{2,8}\.[A-Za-z]{2}|[A-Z]{2,4})\b(?:\s+category)?")


def _categories_in(index: Snapshot, text: str) -> tuple[list[str], str]:
    """Category codes a question names (`CV papers`, `in cs.LG`) that the library files papers under (a feed's
    `LG` for `cs.LG` too), and the text without them."""
    found = []

    def take(match: re.Match[str]) -> str:
        term = match.group(1).lower()
        for candidate in (term, term.rsplit(".", 1)[-1]):
            if index.doc_freq("category", candidate):
                found.append(candidate)
                return " "
        return match.group(0)

    return found, _CATEGORY.sub(take, text)


def _venue_at(index: Snapshot, name: str, year: int) -> tuple[str, tantivy.Query]:
    """Papers at venue `name` in `year`: as their comments write it (`ICML 2023`), or with no year written there
    and published that year."""
    key = name.lower()
    written = tantivy.Query.term_query(index.schema, "venue", f"{key}@{year}")
    unwritten = tantivy.Query.boolean_query([
        (tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "venue", f"{key}@")),
        (tantivy.Occur.Must, tantivy.Query.range_query(index.schema, "year", tantivy.FieldType.Integer, year, year)),
    ])
    either = tantivy.Query.boolean_query([(tantivy.Occur.Should, written), (tantivy.Occur.Should, unwritten)])
    return f"{name} {year}", either


def _venue_in(index: Snapshot, text: str) -> tuple[str | None, tantivy.Query | None, str]:
    """A venue the text names (`ICML 2023`): in words, as the query for the papers at it, and the text without
    it. The year is the one written beside the venue, or, where none is, the paper's year."""
    found = venues_in(text)
    if not found:
        return None, None, text
    name, year = found[0]
    rest = VENUE_PATTERN.sub(" ", text)
    if year is None:
        return name, tantivy.Query.term_query(index.schema, "venue", name.lower()), rest
    return (*_venue_at(index, name, year), rest)


_BARE_YEAR = re.compile(r"(?<![\w.-])((?:19|20)\d\d)(?![\w.-])")


@dataclass
class _Filters:
    """What a count or list question narrows to, read from its words."""

    parsed: ParsedQuery
    words: list[str]  # topic words (analysed), every one required
    said: list[str]  # the same as written
    venue: str | None
    venue_query: tantivy.Query | None
    no_code: bool = False  # "have no code", "without code"
    understood: bool = True  # False: words the count did not read (then no number is given)


def _filters_in(index: Snapshot, text: str) -> _Filters:
    no_code = bool(_NO_CODE.search(text))
    text = _NO_CODE.sub(" ", text)
    has_code = bool(_HAVE_CODE.search(text))
    text = _HAVE_CODE.sub(" ", text)  # (before the topic: "mentioning diffusion and have code")
    venue, venue_query, text = _venue_in(index, text)
    categories, text = _categories_in(index, text)
    text, years = _years_said(text)
    understood = not _UNSURE.search(text)  # ("not in CV", "2023 or 2024": read wrongly, better not read)
    words, said, before = _topic(text)
    # ("papers" first: "papers from 2019" are 2019's, as `search` reads it, where "from 2019" alone is "since")
    parsed = parse_query("papers " + text, question=True)
    if years is not None:
        parsed = dataclasses.replace(parsed, year_from=years[0], year_to=years[1])
    if venue_query is not None and parsed.year_from is not None and parsed.year_from == parsed.year_to:
        venue, venue_query = _venue_at(index, venue or "", parsed.year_from)  # ("at ICLR in 2024")
        parsed = dataclasses.replace(parsed, year_from=None, year_to=None)  # (the venue's year says it)
    elif venue_query is not None and (parsed.year_from is not None or parsed.year_to is not None):
        understood = False
    parsed = dataclasses.replace(parsed, authors=[], inferred_authors=[], categories=categories or parsed.categories,
                                 has_code=parsed.has_code or has_code)
    leftover = parse_query("papers " + before, question=True).text
    if {t for t in analyze(leftover) if not t.isdigit()} - _filler_terms():
        understood = False  # ("have a DOI", "until 2019"): a word this count did not read
    return _Filters(parsed, words, said, venue, venue_query, no_code, understood)


_UNSURE = re.compile(r"\b(?:not|n't|never|except|excluding|other than|besides|or|either|neither|nor|only)\b|n't\b",
                     re.I)
_FILLER_WORDS = """
are is was were be been being there in the library collection database have has had do does did published publish
written write wrote released release out came come appeared appear total altogether overall so far of you your
hold holds contain contains loaded any all paper papers article articles work works publication publications
preprints preprint many how number count got get available listed stored indexed currently now today yet exist
exists by from with this these those that which what and me tell show give list recent recently most latest newest
we us our here together jointly both accepted presented link links
"""


@functools.cache
def _filler_terms() -> frozenset[str]:
    return frozenset(t for w in _FILLER_WORDS.split() for t in analyze(w))


def _years_said(text: str) -> tuple[str, tuple[int | None, int | None] | None]:
    """The years a count names where `parse_query` reads a search differently: "are from 2019" (that year, not
    since), "2017 or earlier", "2020 or later", a bare "2024 papers"; the text without them."""
    for pattern, span in _YEAR_PHRASES:
        match = pattern.search(text)
        if match:
            year = int(next(g for g in match.groups() if g))
            return text[: match.start()] + " " + text[match.end():], span(year)
    bare = set(_BARE_YEAR.findall(text))
    if len(bare) == 1 and not re.search(r"\b(?:since|after|before|from|to|until|between|in|during)\s+(?:19|20)\d\d",
                                        text, re.I):
        year = int(bare.pop())
        return _BARE_YEAR.sub(" ", text), (year, year)
    return text, None


_YEAR_PHRASES: list[tuple[re.Pattern[str], Callable[[int], tuple[int | None, int | None]]]] = [
    (re.compile(r"\b(?:from|in)?\s*((?:19|20)\d\d)\s+(?:or|and)\s+(?:earlier|before|older)\b", re.I),
     lambda y: (None, y)),
    (re.compile(r"\b(?:from|in)?\s*((?:19|20)\d\d)\s+(?:or|and)\s+(?:later|after|newer|since)\b|"
                r"\b(?:from\s+)?((?:19|20)\d\d)\s+onwards?\b", re.I), lambda y: (y, None)),
    (re.compile(r"\b(?:are|were|is|was|published|released|appeared|come|came)\s+(?:out\s+)?(?:from|in)\s+"
                r"((?:19|20)\d\d)\b(?!\s*(?:to|-|until|and|or)\b)", re.I), lambda y: (y, y)),
]


# --------------------------------------------------------------------------------------------- the questions

_CONTRACTIONS = [
    (re.compile(r"\b(?:wat|wht|wut)\b", re.I), "what"),
    (re.compile(r"\b(what|who|where|how|when|which|that|there)(?:'s|’s|s)\b(?!')", re.I), r"\1 is"),
    (re.compile(r"\b(what|who|where|how|when|which)(?:'re|’re)\b", re.I), r"\1 are"),
]
_FRAME = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|also|hey|hi|hello|yo|um+|well|then|now|quick (?:question|one)|question|everyone|"
    r"all|folks|there)[\s,:!-]+)*"
    r"(?:(?:please|pls)\s+)?(?:(?:can|could|would) you\s+(?:please\s+)?)?(?:(?:tell|show|give|list) me\s+)?"
    r"(?:do you know\s+)?(?:i (?:want|would like|need) to know\s+)?(?:i wonder\s+)?",
    re.I,
)
# Where a sentence ends: after ?, ! or :, or a full stop after a word (not an initial: "J. Ma").
_SENTENCE = re.compile(r"(?<=[?!:])\s+|(?<=[^\W\d_]{2}\.)\s+(?=[^\W\d_])")
_POLITE = re.compile(r"(?:[\s,]+(?:pls|plz|please|thanks|thank you|thx|ty|cheers|anyone|folks|guys))+[\s!?.]*$", re.I)
_REFERS = re.compile(r"\b(?:it|its|this paper|that paper|this one|that one)\b", re.I)
_REFERENCE = re.compile(
    r"(?:it|this|that|they|them|these|those|this one|that one|the first one|the (?:first |last )?(?:paper|article|"
    r"one)|this (?:paper|article|work)|that (?:paper|article|work)|its?)",
    re.I,
)
_PLURAL_REFERENCE = {"they", "them", "these", "those"}


def fact(db: sqlite_utils.Database, index: Snapshot, question: str,
         *, context_papers: list[StoredPaper] | None = None) -> Fact | None:
    """The fact `question` asks for, or None when it asks for none (see the module's docstring).
    `context_papers`: the papers of the answer before it in a thread, which "it" and "this paper" refer to."""
    text = " ".join(clean(question).split())  # (one space between words: no pattern meets a run of thousands)
    if len(text) > MAX_QUESTION:
        return None  # (a pasted paragraph is a topic, not a fact question)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    context = context_papers or []
    for number, candidate in reversed(list(enumerate(sentences))) if len(sentences) > 1 else []:
        if not context and _REFERS.search(candidate):  # ("I liked the TIME paper. Who wrote it?")
            context = next((named for before in reversed(sentences[:number])
                            if (named := _named_in(db, index, before))), [])
    # The last sentence first (where the question usually is), the whole text last ("... h-index? What is it?").
    unsure = None  # (a sentence's "no such author" gives way to another sentence's established fact)
    for candidate in [*reversed(sentences), text] if len(sentences) > 1 else [text]:
        answered = _answer(db, index, _tidy(candidate), context)
        if answered is not None and answered.established:
            return answered
        unsure = unsure or answered
    return unsure


def _tidy(text: str) -> str:
    """One sentence of a question without its greeting and its politeness: what the patterns read."""
    text = _FRAME.sub("", text.strip()).strip()
    return _POLITE.sub("", text).strip().rstrip("?.!:, ")


def _answer(db: sqlite_utils.Database, index: Snapshot, text: str, context: list[StoredPaper]) -> Fact | None:
    for pattern, answer in _KINDS:
        match = pattern.search(text)
        if match:
            try:
                found = answer(_Ask(db, index, text, match, context))
            except _Unclear as e:
                return Fact("paper", str(e), established=False)
            if found is not None:
                return found
    return None


_NOT_A_NAME = re.compile(r"(?:a|an|the|every|each|any|typical)\b", re.I)  # ("a typical NeurIPS paper")


class _Unclear(Exception):
    """The question refers to a paper ("it") that nothing before it names."""


@dataclass
class _Ask:
    db: sqlite_utils.Database
    index: Snapshot
    text: str
    match: re.Match[str]
    context: list[StoredPaper]

    def group(self, name: str) -> str:
        return (self.match.groupdict().get(name) or "").strip()

    def papers(self, phrase: str, *, titles: bool = True) -> list[StoredPaper]:
        """The papers a phrase names; "it", "this paper", "them" are the thread's last answer's."""
        said = phrase.strip(_QUOTES).lower()
        if _REFERENCE.fullmatch(said):
            if not self.context:
                raise _Unclear("Which paper do you mean? Ask with its title or its name (e.g. SANA 1.5).")
            return self.context if said in _PLURAL_REFERENCE else self.context[:1]
        return find_named(self.db, self.index, phrase, titles=titles)

    def person(self, text: str, *, sure: bool) -> tuple[AuthorLookup | Fact | None, str]:
        """The author the start of `text` names (its longest start of up to six words that is one: "jinwen ma
        from 2019" -> Jinwen Ma, "from 2019"), and the rest. When none is: a Fact saying so if the question
        is `sure` to name a person and this looks like a name, else None."""
        text = re.sub(r"^(?:the\s+)?(?:author|researcher|professor|prof\.?|dr\.?)\s+", "", text.strip(), flags=re.I)
        if venues_in(text[:20]):
            return None, text  # ("papers from ICLR 2023": a venue, not a person)
        words = text.split()
        for skip in range(min(3, len(words))):  # ("Does Jinwen Ma have a high h-index": the name after "Does")
            if skip and not words[skip][:1].isupper():
                continue
            found, rest = self._person_at(words[skip:], sure=sure)
            if found is not None:
                return found, rest
        name = " ".join(words[:3]).strip(_NAME_EDGES)
        if sure and re.search(r"(?:^|\s)[A-Z]", name) and not _NOT_A_NAME.match(name):
            return Fact("author", f"No author called {name} in the library.", established=False), ""
        return None, text

    def coauthor(self, rest: str) -> tuple[AuthorLookup | Fact | None, str]:
        """A second author after the first ("Bingchen Liu and Ahmed Elgammal ... together"), and the rest."""
        match = re.match(r"^(?:and|&|with)\s+(.+?)(?:\s+(?:together|jointly|both))?$", rest.strip(), re.I)
        if not match:
            return None, re.sub(r"\b(?:together|jointly)\b", " ", rest)
        other, after = self.person(match.group(1), sure=True)
        return other, re.sub(r"\b(?:together|jointly|both)\b", " ", after)

    def _person_at(self, words: list[str], *, sure: bool) -> tuple[AuthorLookup | Fact | None, str]:
        for n in range(min(6, len(words)), 0, -1):
            name = re.sub(r"(?:'s|’s|s'|’)$", "", " ".join(words[:n])).strip(_NAME_EDGES)
            if len(name) < 2 or (len(name) == 2 and not name[0].isupper()) or not re.search(r"[^\W\d_]", name):
                continue
            try:
                found: AuthorLookup | None = find_person(self.db, self.index, name, partial=False)
            except PaperNotFound:
                found = _one_named(self.db, self.index, name) if n == 1 and sure else None
            if found is None:
                continue
            if found.name is not None and not _same_words(name, found.name):
                continue  # ("the" is in "Matthew": a part of a word names no one)
            if found.name is None and (n > 1 or not sure):
                continue  # (a part of a name that several fit: a longer start, or nothing)
            if found.name is None:
                return Fact("author", f"Several authors fit {name}: {', '.join(found.candidates[:10])}. "
                            "Which one?", established=False), ""
            return found, " ".join(words[n:])
        return None, " ".join(words)


def _one_named(db: sqlite_utils.Database, index: Snapshot, word: str) -> AuthorLookup | None:
    """The one author a word of whose name `word` is ("papers by Jinwen": a first name alone), if one is."""
    try:
        found = find_person(db, index, word, partial=True)
    except PaperNotFound:
        return None
    return found if found.name is not None and _same_words(word, found.name) else None


def _same_words(said: str, name: str) -> bool:
    """Whether every word of `said` is a word of `name`, an initial standing for one (`J. Ma` in `Jinwen Ma`)."""
    have = set(name_analyzer().analyze(clean(name)))
    for word in name_analyzer().analyze(clean(said)):
        if word not in have and not (len(word) == 1 and any(h.startswith(word) for h in have)):
            return False
    return True


def _no_paper(phrase: str) -> Fact:
    return Fact("paper", f"No paper in the library is called {phrase.strip(_QUOTES)}.", established=False)


def _one_paper(ask: _Ask, kind: str, line: Callable[[StoredPaper], str], *, titles: bool = True) -> Fact | None:
    """A fact about the paper(s) a question names, one sentence each."""
    phrase = ask.group("paper")
    found = ask.papers(phrase, titles=titles)
    if not found:
        return _no_paper(phrase) if _names_a_paper(ask.index, phrase) else None
    return Fact(kind, " ".join(line(p) for p in found[:3]), papers=found[:3])


MAX_TITLE = 200  # characters of a title in a fact's sentence (the paper itself follows, in full)
MAX_AUTHORS = 20  # authors named in one (a collaboration of 700 is "and 680 more")


def _title(paper: StoredPaper) -> str:
    return clip(str(paper.display_title), MAX_TITLE)


def _authors_line(paper: StoredPaper) -> str:
    names = paper.authors
    if not names:
        return f"The listing of {_title(paper)} names no authors."
    shown = ", ".join(names[:MAX_AUTHORS])
    if len(names) > MAX_AUTHORS:
        shown += f" and {len(names) - MAX_AUTHORS:,} more"
    more = " et al. (the listing cuts the list short)" if paper.authors_truncated else ""
    return f"{_title(paper)} is by {shown}{more}."


def _date_line(paper: StoredPaper) -> str:
    if paper.date:
        updated = f", updated {paper.updated}" if paper.updated and paper.updated != paper.date else ""
        return f"{_title(paper)} was published on {paper.date}{updated}."
    if paper.year:
        return f"{_title(paper)} was published in {paper.year}."
    return f"The listing of {_title(paper)} gives no date."


def _id_line(paper: StoredPaper) -> str:
    if paper.arxiv_id:
        return f"The arXiv id of {_title(paper)} is {paper.arxiv_id}."
    return f"The listing of {_title(paper)} gives no arXiv id (its id here is {paper.id})."


def _links_line(paper: StoredPaper) -> str:
    links = [name for name, url in (("its arXiv page", paper.arxiv_id and paper.url),
                                    ("a PDF", paper.pdf_url), ("its code", paper.code_url)) if url]
    if not links and paper.url:
        links = ["a search for its title"]
    return f"{_title(paper)}: " + (" and ".join(links) + ", linked below" if links else "no links in the listing") + "."


def _code_line(paper: StoredPaper) -> str:
    if paper.code_url:
        return f"Yes: {_title(paper)} has released code (linked below)."
    if paper.has_code:
        return f"Yes: the listing says {_title(paper)} has released code, but gives no link."
    return f"No code is listed for {_title(paper)}."


def _venue_line(paper: StoredPaper) -> str:
    venue = venue_of(paper)
    if venue:
        comment = paper.comment if not paper.journal_ref else None
        return f"{_title(paper)} appeared at {venue}" + (f" (the listing says: {comment})." if comment else ".")
    return f"The listing of {_title(paper)} names no venue (no journal reference, and no venue in its comment)."


def _about(kind: str, line: Callable[[StoredPaper], str], *, titles: bool = True) -> Callable[[_Ask], Fact | None]:
    return lambda ask: _one_paper(ask, kind, line, titles=titles)


_FIGURE_FILLER = frozenset("have has got a an any high good known public their his her the".split())


def _profile_figure(figure: str, label: str, *, sure: bool = True) -> Callable[[_Ask], Fact | None]:
    def answer(ask: _Ask) -> Fact | None:
        found, rest = ask.person(ask.group("name"), sure=sure)
        if not isinstance(found, AuthorLookup) or not set(rest.lower().split()) <= _FIGURE_FILLER:
            return found if isinstance(found, Fact) else None  # ("Does Jinwen Ma have a high h-index": fine)
        name, profile = found.name or "", found.profile
        ids, total = papers_by(ask.index, name, limit=SHOWN)
        value = getattr(profile, figure) if profile else None
        if profile is None or value is None:
            why = "no profile of theirs is loaded" if profile is None else "their profile does not give it"
            return Fact("profile", f"No {label} is known for {name}: {why} ({plural(total, 'paper')} by {name} in "
                        "the library).", established=False)
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        return Fact("profile", f"{name}'s {label} is {shown}, as their profile page ({profile.source}) gives it.",
                    papers=store.get_papers(ask.db, ids), total=total)

    return answer


def _affiliation(ask: _Ask) -> Fact | None:
    found, rest = ask.person(ask.group("name"), sure=True)
    if not isinstance(found, AuthorLookup) or rest.strip():
        return found if isinstance(found, Fact) else None
    name = found.name or ""
    ids, total = papers_by(ask.index, name, limit=200)
    papers = store.get_papers(ask.db, ids)
    places = sorted({p.affiliation for p in papers if p.affiliation})
    if not places:
        return Fact("profile", f"No affiliation is known for {name}: none of their {plural(total, 'paper')} in the "
                    "library gives one.", established=False)
    return Fact("profile", f"{name}'s papers give the affiliation {', '.join(places)}.",
                papers=[p for p in papers if p.affiliation][:SHOWN])


# "how many papers has Jinwen Ma published", "... does jinwen ma have", "... by Jinwen Ma": who a count is of.
_COUNT_BY = [
    re.compile(r"\b(?:has|have|did|does|do)\s+(?P<name>.+?)\s+(?:published|written|authored|co-?authored|publish|"
               r"write|author|put out|got|have|has)\b(?P<after>.*)$", re.I),
    re.compile(r"\b(?:by|from)\s+(?P<name>(?!(?:19|20)\d\d\b)[^\d\s].*)$", re.I),
]


_COUNT_FRAME = re.compile(
    r"\b(?:are there|is there|do you have|have you got|(?:do|does) (?:the|this|your) (?:library|collection) "
    r"(?:have|hold|contain)|(?:are |is )?in (?:the|this|your) (?:library|collection|database)|in total|altogether|"
    r"so far)\b",
    re.I,
)


# A count of papers in general, not in the library: "how many papers should I read", "... on arXiv", "each year".
_NOT_THE_LIBRARY = re.compile(
    r"\b(?:should|must|would|could|can|need to|do i|does one|to read|get accepted|typical(?:ly)?|usually|on average|"
    r"average|each year|per year|every year|a year|per day|a day|in the world|worldwide|on arxiv|exist|ever)\b",
    re.I,
)


def _count_question(ask: _Ask) -> Fact | None:
    """A count; None when it is of someone the library does not know and may not be a person ("by hand"), or of
    papers in general ("how many papers should I read")."""
    if _NOT_THE_LIBRARY.search(ask.group("rest")):
        return None
    text = _COUNT_FRAME.sub(" ", f"{ask.group('qualifier')} {ask.group('rest')}")
    person = None
    for pattern in _COUNT_BY:
        match = pattern.search(text)
        if not match or venues_in(match.group("name")):
            continue
        named = match.group("name")
        found, rest = ask.person(named, sure=pattern is _COUNT_BY[0] or named[:1].isupper())
        if found is None:
            return None
        if isinstance(found, Fact):
            return found
        person = found
        other, rest = ask.coauthor(rest)
        if isinstance(other, Fact):
            return other
        text = f"{text[: match.start()]} {rest} {match.groupdict().get('after') or ''}"
        return _counted(ask, _filters_in(ask.index, text), person, other)
    return _counted(ask, _filters_in(ask.index, text), person)


def _counted(ask: _Ask, f: _Filters, person: AuthorLookup | None,
             other: AuthorLookup | None = None) -> Fact | None:
    if not f.understood:
        return None  # (a count of something else than what was asked is worse than the passages)
    people = [p.name for p in (person, other) if p and p.name]
    parsed = dataclasses.replace(f.parsed, authors=people)
    total, ids = _count(ask.index, parsed, f.words, f.venue_query, no_code=f.no_code)
    which = _which(parsed, " and ".join(people) or None, f.said, f.venue, no_code=f.no_code)
    statement = f"The library holds {plural(total, 'paper')}{which}."
    profile = person.profile if person else None
    if person and not other and which == f" by {person.name}" and profile and profile.paper_count is not None:
        statement += f" Their profile page counts {profile.paper_count:,}."
    return Fact("count", statement, papers=store.get_papers(ask.db, ids), total=total)


def _paper_count(ask: _Ask) -> Fact | None:
    found, rest = ask.person(ask.group("name"), sure=True)
    if not isinstance(found, AuthorLookup) or rest.strip():
        return found if isinstance(found, Fact) else None
    return _counted(ask, _filters_in(ask.index, ""), found)


def _authors_count(ask: _Ask) -> Fact:
    total = ask.db.conn.execute("SELECT COUNT(DISTINCT name) FROM paper_authors").fetchone()[0]
    profiles = ask.db.conn.execute("SELECT COUNT(*) FROM authors").fetchone()[0]
    return Fact("count", f"The library's papers name {plural(total, 'author')} ({profiles:,} with a profile page).")


def _author_papers(*, sure: bool) -> Callable[[_Ask], Fact | None]:
    """An author's papers (in a year, newest first); None for a topic ("papers by Jinwen Ma on geometry", which
    the passage answer ranks)."""

    def answer(ask: _Ask) -> Fact | None:
        found, rest = ask.person(ask.group("name"), sure=sure)
        if not isinstance(found, AuthorLookup):
            return found
        other, rest = ask.coauthor(rest)
        if isinstance(other, Fact):
            return other
        f = _filters_in(ask.index, f"{ask.group('before')} {rest} {ask.group('rest')}")
        if f.words or f.venue or not f.understood:
            return None
        people = [p.name for p in (found, other) if p and p.name]
        parsed = dataclasses.replace(f.parsed, authors=people)
        total, ids = _count(ask.index, parsed, [], no_code=f.no_code)
        which = _which(parsed, " and ".join(people), [], no_code=f.no_code)
        listed = ", newest first:" if total else "."  # (no list follows "0 papers")
        return Fact("author-papers", f"The library holds {plural(total, 'paper')}{which}{listed}",
                    papers=store.get_papers(ask.db, ids), total=total)

    return answer


def _compare(ask: _Ask) -> Fact | None:
    """Named papers side by side. Each part must be short enough to be a name (a long question that says
    "compared with experiment" is about a topic), and two of them must name papers."""
    parts = [p.strip() for p in re.split(r"\s*(?:,|\band\b|\bvs\.?|\bversus\b|\bcompared?\b|\bwith\b|\bto\b|&|/)\s*",
                                         ask.group("papers")) if p.strip()]
    if not 2 <= len(parts) <= MAX_NAMED or any(len(p.split()) > MAX_PART_WORDS for p in parts):
        return None
    found: list[StoredPaper] = []
    missing = []
    for part in parts:
        named = ask.papers(part)
        if named:
            found += [p for p in named[:1] if p.id not in {f.id for f in found}]
        elif _names_a_paper(ask.index, part):
            missing.append(part)
    if len(found) < 2:
        if not found or not missing or not ask.group("asked"):
            return None  # ("compare GANs and VAEs": topics, unless one of them is a paper here)
        return Fact("compare", f"No paper in the library is called {' or '.join(missing)}.", papers=found,
                    established=False, side_by_side=True)
    statement = f"{len(found)} papers side by side" + (f" (none is called {', '.join(missing)})" if missing else "")
    return Fact("compare", statement + ":", papers=found, side_by_side=True)


def _venue_papers(ask: _Ask) -> Fact | None:
    if not venues_in(ask.text) or _ABOUT_A_VENUE.search(ask.text) or _NOT_THE_LIBRARY.search(ask.text):
        return None
    f = _filters_in(ask.index, _LIST_WORDS.sub(" ", ask.text))
    if f.venue_query is None or not f.understood:
        return None
    total, ids = _count(ask.index, f.parsed, f.words, f.venue_query)
    which = _which(f.parsed, None, f.said)
    if not total:
        return Fact("venue-papers", f"No paper in the library names {f.venue} in its comment or journal reference"
                    f"{which}.", established=False)
    return Fact("venue-papers", f"The library holds {plural(total, 'paper')} at {f.venue}{which} (as their "
                "comments or journal references say):", papers=store.get_papers(ask.db, ids), total=total)


# A question about a venue itself, not about the papers at it.
_ABOUT_A_VENUE = re.compile(r"\b(?:awards?|deadlines?|acceptance rate|reviews?|reviewers?|submissions?|submit|rebuttal|"
                            r"location|held|registration|fee|page limit|template|format)\b", re.I)
# The words of a question that lists papers, which say nothing about which ones.
_LIST_WORDS = re.compile(
    r"\b(?:which|what|papers?|articles?|works?|were|was|are|is|got|get|been|has|have|accepted|published|presented|"
    r"appeared|appear|to appear|anything|everything|all|list|show)\b",
    re.I,
)
_PAPER = r"(?P<paper>.+?)"
_NAME = r"(?P<name>.+?)"
_WHAT = r"^(?:(?:what|which)(?:\s+is|\s+are|\s+was)?\s+)?(?:the\s+)?"
_PUBLISHED = (r"(?:published|released|out|come out|came out|submitted|posted|appear|appeared|written|announced|"
              r"put out|uploaded)")
_WHO = r"(?:wrote|authored|is behind|are behind|was behind)"
# Who made a thing: of a paper named by name; "who proposed diffusion models" asks about a concept.
_ORIGIN = r"(?:created|made|developed|proposed|introduced|invented|designed|built|came up with|trained|released)"
_PAPERS = r"(?:papers?|publications?|works?|articles?|preprints?|research)"
_CODE = (r"(?:(?:any|its|their|the|an?|public|open[\s-]source|source|official|github)\s+)*"
         r"(?:code|implementation|repo|repository|github|source)")
_HINDEX = r"h[\s-]?index"
_CITATIONS = r"(?:(?:total |overall )?(?:citations?|citation count|cites)|number of citations|citation total)"
_I = re.I


def _p(pattern: str, flags: int = _I) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_KINDS: list[tuple[re.Pattern[str], Callable[[_Ask], Fact | None]]] = [
    # Side by side.
    (_p(r"^(?P<asked>compare|comparing|contrast|comparison (?:of|between)|side by side)[:\s]+(?P<papers>.+)$"),
     _compare),
    (_p(r"^(?P<asked>(?:what (?:is|are) )?(?:the )?differences? between)\s+(?P<papers>.+)$"), _compare),
    (_p(r"^(?:how does\s+)?(?P<papers>.+?\s+(?:vs\.?|versus|compared? (?:to|with))\s+.+)$"), _compare),
    (_p(r"^(?P<papers>.+?)\s+side by side$"), _compare),
    # An author's profile figures.
    (_p(_WHAT + _HINDEX + r"\s+(?:of|for)\s+" + _NAME + "$"), _profile_figure("h_index", "h-index")),
    (_p(_WHAT + _NAME + r"(?:'s|’s|s')?\s+" + _HINDEX + "$"), _profile_figure("h_index", "h-index")),
    (_p(r"^how many (?:citations|cites|times)\s+(?:does|has|did|have|is|was)\s+" + _NAME +
        r"\s+(?:have|got|get|received|receive|been cited|cited)$"), _profile_figure("citations", "citation count")),
    (_p(r"^how (?:often|much|many times) (?:is|has|was) " + _NAME + r" (?:been )?cited$"),
     _profile_figure("citations", "citation count")),
    (_p(_WHAT + _CITATIONS + r"\s+(?:of|for)\s+" + _NAME + "$"), _profile_figure("citations", "citation count")),
    (_p(_WHAT + _NAME + r"(?:'s|’s|s')?\s+" + _CITATIONS + "$"), _profile_figure("citations", "citation count")),
    (_p(r"^(?:where|(?:which|what) (?:university|institution|company|lab|organi[sz]ation|school))\s+(?:does|did|do|is|"
        r"was)\s+" + _NAME + r"\s+(?:work|study|research|based|at|from|with|affiliated(?: with)?)"
        r"(?:\s+(?:for|at|in))?$"),
     _affiliation),
    (_p(_WHAT + r"affiliations?\s+(?:of|for)\s+" + _NAME + "$"), _affiliation),
    (_p(_WHAT + _NAME + r"(?:'s|’s|s')\s+affiliations?$"), _affiliation),
    # Counts.
    (_p(r"^how many (?:different |distinct |unique )?(?:authors|researchers|people)(?: are there| (?:are|do you "
        r"have) in (?:the|this|your) (?:library|collection|database)| (?:does|do) (?:the|this|your|you) (?:library|"
        r"collection|database)? ?(?:know|have|hold|list|name)(?: about)?)?$"), _authors_count),
    (_p(r"^how many\s+(?:of (?:the|your|these|those)\s+)?(?P<qualifier>(?:[A-Za-z.]+|(?:19|20)\d\d)\s+)?" + _PAPERS
        + r"\b(?P<rest>.*)$"), _count_question),
    (_p(r"^(?:what is\s+)?(?:the\s+)?(?:total\s+)?(?:number|no\.?|count|#) of " + _PAPERS + r"\b(?P<rest>.*)$"),
     _count_question),
    (_p(r"^how (?:big|large) is (?:the|your|this) (?:library|collection)$"), lambda ask: _count_question(ask)),
    (_p(r"^" + _NAME + r"(?:'s|’s|s')?\s+(?:paper|publication) count$"), _paper_count),
    # What an author published.
    (_p(r"^what (?:did|has|have)\s+" + _NAME + r"\s+(?:publish|published|write|written|put out)\b(?P<rest>.*)$"),
     _author_papers(sure=True)),
    (_p(r"^(?:(?:what|which) (?:is|are) )?(?P<before>(?:the |list |all )?(?:latest |newest |most recent |recent |all "
        r")?(?:(?:19|20)\d\d )?)" + _PAPERS + r"\s+(?:by|from|of)\s+" + _NAME + r"(?P<rest>)$"),
     _author_papers(sure=True)),
    (_p(r"^(?:everything|all(?: of)?(?: the)?(?: " + _PAPERS + r")?)\s+(?:that\s+)?" + _NAME +
        r"\s+(?:has|have|had)\s+(?:written|published|authored|done|put out)(?P<rest>)$"), _author_papers(sure=True)),
    (_p(r"^(?:anything|something|any papers?|what is there)\s+(?:new\s+)?(?:by|from)\s+" + _NAME + r"(?P<rest>)$"),
     _author_papers(sure=True)),
    (_p(r"^" + _NAME + r"(?:'s|’s|s')\s+(?P<before>(?:latest |newest |recent |most recent )?)" + _PAPERS +
        r"(?P<rest>.*)$"), _author_papers(sure=True)),
    (_p(r"^" + _NAME + r"\s+(?P<before>(?:latest |newest |recent |most recent )?)" + _PAPERS + r"(?P<rest>.*)$"),
     _author_papers(sure=False)),
    # About one paper.
    (_p(r"^who\s+" + _ORIGIN + r"\s+" + _PAPER + "$"), _about("authors", _authors_line, titles=False)),
    (_p(r"^who\s+(?:" + _WHO + r"|(?:are|were) the authors of|is the author of)\s+" + _PAPER + "$"),
     _about("authors", _authors_line)),
    (_p(r"^(?:who are |what are )?(?:the )?authors? (?:of|for|behind)\s+" + _PAPER + "$"),
     _about("authors", _authors_line)),
    (_p(r"^" + _PAPER + r"(?:'s|’s)?\s+authors?$"), _about("authors", _authors_line)),
    (_p(r"^when (?:was|were|did|is)\s+" + _PAPER + r"\s+" + _PUBLISHED + "$"), _about("date", _date_line)),
    (_p(r"^(?:in )?(?:what|which) year (?:was|were|did|is)\s+" + _PAPER + r"(?:\s+" + _PUBLISHED + r")?(?:\s+from)?$"),
     _about("date", _date_line)),
    (_p(_WHAT + r"(?:publication |release )?date of\s+" + _PAPER + "$"), _about("date", _date_line)),
    (_p(r"^" + _PAPER + r"(?:'s|’s)?\s+(?:publication |release )?date$"), _about("date", _date_line)),
    (_p(_WHAT + r"arxiv (?:id|number|identifier|link)s?\s+(?:of|for)\s+" + _PAPER + "$"), _about("id", _id_line)),
    (_p(_WHAT + _PAPER + r"(?:'s|’s)?\s+arxiv (?:id|number|identifier)$"), _about("id", _id_line)),
    (_p(r"^(?:(?:is there|where is|where can i find|got|have you got|do you have)\s+)?(?:the |an? |any )?" + _CODE +
        r"\s+(?:for|of)\s+" + _PAPER + "$"), _about("code", _code_line)),
    (_p(r"^(?:does|did|has)\s+" + _PAPER + r"\s+(?:have|has|release|released|provide|come with|got|share)\s+" + _CODE
        + "$"), _about("code", _code_line)),
    (_p(r"^(?:is|was|are|has|have)\s+" + _PAPER + r"\s+(?:been\s+)?open[\s-]?sourced?$"), _about("code", _code_line)),
    (_p(r"^(?:is|are)\s+(?:the |there )?" + _CODE + r"\s+(?:for|of)\s+" + _PAPER +
        r"\s+(?:available|out|released|public|online|anywhere)$"), _about("code", _code_line)),
    # ("sketch to image synthesis with code": the code filter on a topic, not a question about one paper's code)
    (_p(r"^" + _PAPER + r"(?<!\bwith)(?<!\bhave)(?<!\bhas)(?<!\breleased)(?:'s|’s)?\s+"
        r"(?:code|github|repo|repository|implementation)$"), _about("code", _code_line)),
    (_p(r"^(?:(?:got|have you got|do you have|any|is there|can i (?:get|have|see)|could i (?:get|have)|send me)\s+)?"
        r"(?:the |an? )?(?:links?|urls?|pdfs?)\s+(?:to |for |of )" + _PAPER + "$"), _about("links", _links_line)),
    (_p(r"^where can i (?:find|read|get|download)\s+" + _PAPER + "$"), _about("links", _links_line)),
    (_p(r"^" + _PAPER + r"(?:'s|’s)?\s+(?:links?|pdf|url)$"), _about("links", _links_line)),
    (_p(r"^(?:where|(?:in|at|to) (?:which|what) (?:venue|conference|journal)|(?:which|what) (?:venue|conference|"
        r"journal))\s+(?:was|is|did|were)\s+" + _PAPER + r"\s+(?:(?:get|got|be|been)\s+)?"
        r"(?:published|accepted|presented|appear|appeared|in|at)(?:\s+(?:in|at|to))?$"),
     _about("venue", _venue_line)),
    (_p(r"^(?:was|is|has)\s+" + _PAPER + r"\s+(?:been\s+)?(?:accepted|published|presented)(?:\s+(?:anywhere|somewhere|"
        r"at a (?:conference|venue)|in a journal))?$"), _about("venue", _venue_line)),
    (_p(_WHAT + r"venue (?:of|for)\s+" + _PAPER + "$"), _about("venue", _venue_line)),
    (_p(r"^" + _PAPER + r"(?:'s|’s)?\s+venue$"), _about("venue", _venue_line)),
    # Papers at a venue: any question about papers that names one.
    (_p(r"\b(?:accepted|published|presented|appeared|papers?|articles?|anything)\b"), _venue_papers),
]
