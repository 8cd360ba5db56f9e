"""The query language: what a person types -> words, phrases, exclusions and filters. Pure; never raises.

    seismic fault "segment anything" -ultrasound author:"Jinwen Ma" year:2019-2021 cat:CV has:code sort:date
    papers by Jinwen Ma on style transfer since 2022 with code
    related 2310.05873

Anything that is not a filter is text: an unknown `key:value`, a lone `-`, an unbalanced quote, emoji. The
parser never passes the text on as syntax; search.py builds the index query from the parsed parts.

Operators (`author:`, `year:`, `cat:`, `has:code`, `sort:date`, and `"phrases"` in a search) are what the person
asked for, to the letter. What the parser reads from plain words (`by Jinwen Ma`, `in 2023`, `since 2022`, `with
code`, `newest`) is `inferred`: a preference, which the search drops when no paper satisfies it. In a question,
quoted text is part of what is asked (a title it cites, a term it stresses), not a phrase every answer must hold;
so it is in a search whose quotes stand inside a sentence (`_sentence`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from papers_bot.store.paper import normalise_arxiv_id

MAX_CHARS = 2000  # longer input is cut (a pasted abstract says what it is about in its first 2,000 characters)

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"|(?P<val>[^\s"]+))|"(?P<phrase>[^"]+)"|(?P<word>[^\s"]+))'
)
_YEAR = r"(?:19|20)\d\d"
_NUMBER = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of)"
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "few": 3, "couple of": 2}
# "with code", "have code", "that released code", "with a github repo", "including code links": the code filter in
# words, for searches and questions (CODE_FILTER) and for counts (retrieval.facts), one definition for both.
CODE_WORDS = (
    r"(?:(?:that|which)\s+)?(?:with|have|has|had|having|got|come with|came with|release[sd]?|releasing|"
    r"provide[sd]?|providing|share[sd]?|sharing|include[sd]?|including)\s+"
    r"(?:(?:a|an|any|their|its|the|public|publicly|available|released|official|github|open[\s-]source|source|code)\s+)*"
    r"(?:code|code links?|repos?|repositor(?:y|ies)|github|implementations?)"
)
OPEN_SOURCE = r"open[\s-]sourced?(?:\s+code)?"
# In a search, "code" stays a word where it is a topic ("hash codes", "code generation"): the filter's words
# come first, or end the phrase.
CODE_FILTER = re.compile(
    rf"^\W*{CODE_WORDS}\b"  # (first, whatever follows: "with code GAN papers", a follow-up "with code")
    rf"|\b{CODE_WORDS}(?=\s*(?:$|[?.!,;:)]|(?:on|about|for|from|in|and|or|by|since|before|after|that|which|please|"
    r"available|released|online|published|newest|latest|first|only|too)\b))"
    rf"|\b{OPEN_SOURCE}\b",
    re.I,
)
_PLAIN = [
    # "since 2022", "after 2021", "before 2020", "from 2019 to 2021", "in 2023", "from 2017", "between 2019 and 2021"
    (re.compile(rf"\b(?:from|between)\s+({_YEAR})\s+(?:to|and|-|until)\s+({_YEAR})\b", re.I), "range"),
    # "gan papers 2019 2020", "in 2019 or 2020", "2019, 2020 and 2021": the years they span
    (re.compile(rf"(?:\b(?:in|from|during)\s+)?(?<![\w.:/-])({_YEAR})(?:\s*(?:,|and|or|&|\+)?\s*{_YEAR})+"
                r"(?![\w.:/-])", re.I), "years"),
    (re.compile(rf"^\s*(?:papers?|articles?|work)\s+(?:from|of)\s+({_YEAR})\b", re.I), "in"),
    (re.compile(rf"\bsince\s+({_YEAR})\b", re.I), "since"),
    (re.compile(rf"\bafter\s+({_YEAR})\b", re.I), "after"),
    (re.compile(rf"\b(?:before|older than|earlier than|prior to)\s+({_YEAR})\b", re.I), "before"),
    # "papers from the 2010s", "in the 1990's"
    (re.compile(r"\b(?:(?:in|from|during|of)\s+)?(?:the\s+)?((?:19|20)\d)0'?s\b", re.I), "decade"),
    (re.compile(rf"\b(?:in|during|published in|from|of)\s+({_YEAR})\b(?!\s*[-\u2013]\s*\d)", re.I), "in"),
    # "in the last two years", "over the past 3 years", "this year", "last year": counted back from the newest
    # paper's year (search.py), so an answer never depends on the day it is asked.
    (re.compile(rf"\b(?:in|over|during|from|within)?\s*the\s+(?:last|past)\s+{_NUMBER}\s+years?\b", re.I), "recent"),
    (re.compile(r"\b(?:in\s+|from\s+)?(?:the\s+)?(?:last|past)\s+year\b|\bthis\s+year\b", re.I), "recent1"),
    (re.compile(r"\b(?:in\s+|from\s+|during\s+)?(?:the\s+)?(?:last|past)\s+decade\b", re.I), "recent10"),
    (re.compile(r"\b(?:in\s+|from\s+|during\s+)?this\s+decade\b", re.I), "this decade"),
    (CODE_FILTER, "code"),
    # "oldest GAN papers", "earliest first", "older ones", "the first papers on GANs": oldest first (answer.py)
    (re.compile(r"\b(?:oldest|earliest|older|earlier)(?:\s+(?:ones|first))?\b|\bfirst(?=\s+(?:papers?|articles?|"
                r"works?|ones)\b)", re.I), "oldest"),
    (re.compile(r"\b(?:newest|latest|newer|most recent|recently|recent)(?:\s+(?:ones|first))?\b|"
                r"\b(?:what's|whats|what is|anything|something)\s+new\b", re.I), "newest"),
    # "gan papers 2019": a year alone, in a short question (a pasted paragraph's years are citations)
    (re.compile(rf"(?<![\w.:/-])({_YEAR})(?![\w.:/-])", re.I), "bare year"),
]
# A pasted paragraph ("Recent articles have analyzed ...", "... the catalog in the library") asks about its
# topic: words read as "newest first", or "in the library" as where to look, only in a question of at most this
# many words (read so in every paragraph, "in the library" cost CISI's searches 0.2% of nDCG@10).
NEWEST_WORDS = 20
# Where the question says the papers are: "in the library", "in your collection" (not a topic).
_WHERE = re.compile(r"\b(?:in|from|of|on)\s+(?:the|this|your|our|my)\s+(?:library|collection|database|bot)\b", re.I)
_BY_PAPERS = re.compile(r"\b(?:papers?|articles?|works?|publications?|written|authored|published)\s+$", re.I)
# "papers by Jinwen Ma on ...", "by Ahmed Elgammal": capitalised words after "by" form an author's name.
_BY_AUTHOR = re.compile(r"\bby\s+((?:[A-Z][\w'\-.]*)(?:\s+(?:van|von|de|der|da|di|le|la|[A-Z][\w'\-.]*)){0,4})")


# The constraints a query can hold (ParsedQuery.without, describe): each narrows which papers answer.
CONSTRAINTS = ("authors", "years", "categories", "has_code", "phrases")


@dataclass
class ParsedQuery:
    text: str = ""  # the words to rank by (BM25), filters removed
    phrases: list[str] = field(default_factory=list)  # must appear as written (after analysis)
    excluded: list[str] = field(default_factory=list)  # words or phrases that must not appear
    authors: list[str] = field(default_factory=list)  # each must be among the paper's authors
    inferred_authors: list[str] = field(default_factory=list)  # the same, read from `by X` (search.py resolves it)
    excluded_authors: list[str] = field(default_factory=list)  # `-author:`: none may be
    year_from: int | None = None
    year_to: int | None = None
    categories: list[str] = field(default_factory=list)  # any of them
    has_code: bool = False
    sort_by_date: bool = False
    oldest_first: bool = False  # "oldest", "earliest first": the answer lists its papers oldest first (answer.py)
    related: str | None = None  # papers like this paper id
    recent_years: int | None = None  # "in the last two years": this many years up to the newest paper's (search.py)
    this_decade: bool = False  # "this decade": from the start of the newest paper's decade (search.py)
    notes: list[str] = field(default_factory=list)  # what the parser did not understand, for a hint
    # Which of authors, years, has_code, sort_by_date were read from plain words (a preference, see above).
    inferred: set[str] = field(default_factory=set)
    by: str | None = None  # "by" + capitalised words: an author's name if the library knows one (search.py)
    all_words: bool = False  # rank by every word, question words too (when the others find nothing)
    by_papers: bool = False  # ... and they follow "papers" or "written": a name, whether the library knows it

    @property
    def filtered(self) -> bool:
        return bool(self.authors or self.inferred_authors or self.year_from or self.year_to or self.categories
                    or self.has_code)

    @property
    def by_date(self) -> bool:
        """Whether the papers are asked for in date order (newest or oldest first), with or without a topic."""
        return self.sort_by_date or self.oldest_first

    def describe(self, kinds: Iterable[str] = CONSTRAINTS + ("sort_by_date",)) -> str:
        """These constraints in words, for replies: `by Jinwen Ma, 2019–2021, category cv, with code, newest first`."""
        kinds = set(kinds)
        bits = [f"by {a}" for a in self.authors + self.inferred_authors] if "authors" in kinds else []
        bits += [f"not by {a}" for a in self.excluded_authors] if "authors" in kinds else []
        if "years" in kinds and (self.year_from or self.year_to):
            if self.year_from == self.year_to:
                bits.append(str(self.year_from))
            elif self.year_to is None:
                bits.append(f"since {self.year_from}")
            elif self.year_from is None:
                bits.append(f"up to {self.year_to}")
            else:
                bits.append(f"{self.year_from}–{self.year_to}")
        bits += [f"category {c}" for c in self.categories] if "categories" in kinds else []
        bits += ["with code"] * (self.has_code and "has_code" in kinds)
        bits += [f'"{p}"' for p in self.phrases] if "phrases" in kinds else []
        bits += ["newest first"] * (self.sort_by_date and "sort_by_date" in kinds)
        return ", ".join(bits)

    def without(self, kinds: Iterable[str]) -> ParsedQuery:
        """A copy with these constraints dropped (their words stay in `text`)."""
        kinds = set(kinds)
        empty = ParsedQuery()
        changes: dict = {k: getattr(empty, k) for k in kinds if k in ("authors", "categories", "has_code", "phrases")}
        if "authors" in kinds:
            changes.update(excluded_authors=[], inferred_authors=[])
        if "years" in kinds:
            changes.update(year_from=None, year_to=None, recent_years=None, this_decade=False)
        return dataclasses.replace(self, **changes, inferred=self.inferred - kinds)

    def without_inferred(self, kind: str) -> ParsedQuery:
        """A copy without what was read from plain words as `kind`; what an operator asked for stays."""
        if kind == "authors":
            return dataclasses.replace(self, inferred_authors=[], inferred=self.inferred - {kind})
        return self.without({kind})

    def describe_inferred(self, kind: str) -> str:
        """What was read from plain words as `kind`, in words."""
        if kind == "authors":
            return ", ".join(f"by {a}" for a in self.inferred_authors)
        return self.describe({kind})

    def has(self, kinds: Iterable[str]) -> bool:
        """Whether any of these constraints is set."""
        return bool(self.describe(set(kinds) - {"sort_by_date"}))


def parse_query(text: str, *, question: bool = False) -> ParsedQuery:
    """What `text` asks for; with `question`, quoted text is words (see the module docstring)."""
    q = ParsedQuery()
    text = (text or "")[:MAX_CHARS]
    m = re.match(r"\s*related\s+(?:to\s+)?(\S+)\s*$", text, re.IGNORECASE)
    if m and (normalise_arxiv_id(m.group(1)) or re.search(r"\d", m.group(1))):  # an id; "related to unlearning": words
        q.related = m.group(1)
        return q
    if question or _sentence(text):  # quotes are words, but an operator's quoted value stays its value
        text = re.sub(r'(?<![:\w])"([^"]*)"?|[\u201c\u201d]', lambda m: f" {m.group(1) or ''} ", text)
    text = _plain_language(text, q)
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        neg, key, value = m.group("neg"), (m.group("key") or "").lower(), m.group("qval") or m.group("val")
        if key and value is not None and not neg and _filter(q, key, value.strip()):
            continue
        if key and neg and key in _KEYS and value:
            if key == "author":
                q.excluded_authors.append(" ".join(value.split()))
            else:
                q.notes.append(f"`-{key}:` cannot exclude; searched as words")
                words.append(value)
            continue
        if key:
            q.notes.append(f"`{key}:` is not a filter here; searched as words")
            words.append(f"{key} {value or ''}")
            continue
        if m.group("phrase"):
            if neg:
                q.excluded.append(m.group("phrase"))
            else:
                q.phrases.append(m.group("phrase"))
            if not neg:
                words.append(m.group("phrase"))
            continue
        word = m.group("word")
        if neg and word:
            q.excluded.append(word)
        elif word:
            words.append(word)
    q.text = " ".join(words).strip()
    return q


SENTENCE_WORDS = 8  # this many words outside quotes, or a question mark: quotes are inside a sentence


def _sentence(text: str) -> bool:
    """Whether quotes in `text` stand inside a sentence (a pasted question quoting a title) rather than in a
    search's list of words and phrases."""
    outside = _OPERATOR.sub(" ", re.sub(r'"[^"]*"', " ", text))
    return "?" in outside or len(re.findall(r"\w+", outside)) >= SENTENCE_WORDS


_OPERATOR = re.compile(r'(?:^|(?<=\s))-?[A-Za-z]+:(?:"[^"]*"|\S+)|(?:^|(?<=\s))-\S+')


_KEYS = {"author", "year", "years", "cat", "category", "has", "sort"}


def _filter(q: ParsedQuery, key: str, value: str) -> bool:
    """Apply `key:value`; False when it is not a filter we know or its value makes no sense."""
    if key == "author" and value:
        q.authors.append(" ".join(value.split()))
        return True
    if key in ("year", "years"):
        q.inferred.discard("years")  # (an operator is what was asked, whatever plain words said)
        m = re.fullmatch(rf"({_YEAR})(?:\s*(-|\.\.)\s*({_YEAR})?)?|(-|\.\.)({_YEAR})", value)
        if not m:
            q.notes.append(f"`year:{value}` is not a year or a range like 2019-2021")
            return True
        if m.group(5):
            q.year_to = int(m.group(5))
        else:
            q.year_from = int(m.group(1))
            q.year_to = int(m.group(3)) if m.group(3) else (None if m.group(2) else q.year_from)
        if q.year_from and q.year_to and q.year_from > q.year_to:
            q.year_from, q.year_to = q.year_to, q.year_from
        return True
    if key in ("cat", "category") and value:
        q.categories.append(value.lower())
        return True
    if key == "has" and value.lower() == "code":
        q.has_code = True
        q.inferred.discard("has_code")
        return True
    if key == "sort" and value.lower() in ("date", "new", "newest", "recent"):
        q.sort_by_date = True
        q.inferred.discard("sort_by_date")
        return True
    return False


def _plain_language(text: str, q: ParsedQuery) -> str:
    """Take the filters people write in plain words out of the text (as inferred preferences)."""
    short = len(text.split()) <= NEWEST_WORDS
    if short:
        text = _WHERE.sub(" ", text)
    for pattern, kind in _PLAIN:
        m = pattern.search(text)
        if not m or (kind in ("newest", "oldest", "years", "decade", "recent10", "this decade", "bare year")
                     and not short):
            continue
        if kind in ("range", "years", "since", "after", "before", "decade", "in", "recent", "recent1", "recent10",
                    "this decade", "bare year"):
            if q.year_from is not None or q.year_to is not None or q.recent_years or q.this_decade:
                continue
            q.inferred.add("years")
        if kind == "range":
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            q.year_from, q.year_to = a, b
        elif kind == "years":
            listed = [int(y) for y in re.findall(_YEAR, m.group())]
            q.year_from, q.year_to = min(listed), max(listed)
        elif kind == "since":
            q.year_from = int(m.group(1))
        elif kind == "after":
            q.year_from = int(m.group(1)) + 1
        elif kind == "before":
            q.year_to = int(m.group(1)) - 1
        elif kind == "decade":
            q.year_from, q.year_to = int(m.group(1)) * 10, int(m.group(1)) * 10 + 9
        elif kind in ("in", "bare year"):
            q.year_from = q.year_to = int(m.group(1))
        elif kind == "recent":
            said = m.group(1).lower()
            q.recent_years = int(said) if said.isdigit() else _NUMBERS[" ".join(said.split())]
        elif kind in ("recent1", "recent10"):
            q.recent_years = 1 if kind == "recent1" else 10
        elif kind == "this decade":
            q.this_decade = True
        elif kind == "code":
            q.has_code = True
            q.inferred.add("has_code")
        elif kind == "oldest":
            q.oldest_first = True
        elif kind == "newest":
            q.sort_by_date = True
            q.inferred.add("sort_by_date")
        text = text[: m.start()] + " " + text[m.end() :]
    m = _BY_AUTHOR.search(text)
    if m and len(m.group(1).split()) >= 2:
        q.by = m.group(1).rstrip(".")  # (search.py keeps the longest start of it that names an author)
        q.by_papers = bool(_BY_PAPERS.search(text[: m.start()]))
    # "papers by X on style transfer": "on" introduced the topic; it is a stop word anyway.
    return text
