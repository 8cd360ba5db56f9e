"""The records: Paper, which parsers produce and the store keeps; StoredPaper, a paper as the store gives it back;
and the author records of a lookup."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from papers_bot.store.tex import tex_to_text

# New-style (2310.05873, 0704.0001v2) and old-style (math/0406594, hep-th/9901001v3) arXiv ids.
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_VERSION = re.compile(r"v\d+$")
_URL = re.compile(r"https?://[^\s<>\"'\]}]+")
_CODE_HOSTS = ("github.com/", "gitlab.com/")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Source:
    """Where a paper was read: file (as the user named it), 1-based line and format."""

    file: str
    line: int
    format: str


@dataclass
class Paper:
    """One paper as read from a listing; everything the store keeps about it."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False
    affiliation: str | None = None
    abstract: str = ""
    comment: str | None = None
    category: str | None = None
    categories: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None  # ISO date when the year is known
    date_text: str | None = None  # the date as the listing wrote it
    updated: str | None = None
    arxiv_id: str | None = None
    source_id: str | None = None  # an id the listing gave (arXiv metadata `id`), opaque
    doi: str | None = None
    journal_ref: str | None = None
    has_code_flag: bool = False
    raw: str | None = None  # JSON: the fields as the record wrote them, where decoding TeX changed them
    sources: list[Source] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The paper's primary key: its arXiv id, else the listing's id, else one made from its title."""
        if self.arxiv_id:
            return self.arxiv_id
        if self.source_id:
            return self.source_id
        return title_id(self.title)

    @functools.cached_property
    def title_key(self) -> str | None:
        return normalise_title(self.title) or None

    @property
    def links(self) -> list[str]:
        """Every URL in the abstract and comment, in order, without duplicates."""
        found = find_urls(self.abstract) + find_urls(self.comment or "")
        return list(dict.fromkeys(found))

    @property
    def code_url(self) -> str | None:
        return code_link(self.links)

    @property
    def has_code(self) -> bool:
        return self.has_code_flag or self.code_url is not None

    @property
    def url(self) -> str | None:
        """The best link for the paper; never an invented one."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.doi:
            return f"https://doi.org/{quote(self.doi, safe='/:;()._-')}"
        if self.title:
            return f"https://arxiv.org/search/?query={quote_plus(self.title)}&searchtype=title"
        return None

    @property
    def pdf_url(self) -> str | None:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.arxiv_id else None

    @property
    def display_title(self) -> str:
        return self.title or display_name(self.abstract) or (self.arxiv_id or self.id)


@dataclass(frozen=True)
class StoredPaper:
    """A paper as the store holds it, decoded: what searches, facts, the formats and `--json` read."""

    id: str
    title: str = ""
    display_title: str = ""
    authors: tuple[str, ...] = ()
    authors_truncated: bool = False
    affiliation: str | None = None
    abstract: str = ""
    comment: str | None = None
    category: str | None = None
    categories: tuple[str, ...] = ()
    year: int | None = None
    date: str | None = None
    date_text: str | None = None
    updated: str | None = None
    arxiv_id: str | None = None
    source_id: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    code_url: str | None = None
    has_code: bool = False  # a code link, or the listing said so
    has_code_flag: bool = False  # the listing said so
    links: tuple[str, ...] = ()
    raw: str | None = None
    sources: tuple[Source, ...] = ()  # where it was read (a paper shown in full)
    listed_by: tuple[str, ...] = ()  # the authors whose profile pages list it (what the index is given)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, sources: Iterable[Source] = (),
                 listed_by: Iterable[str] = ()) -> StoredPaper:
        """The one decoder of a `papers` row: its JSON columns as tuples, its flags as bools.

        (Filled in as the row's own dict: a frozen dataclass's __init__ sets its 27 fields one by one, which
        doubled what decoding costs every search per paper shown. STORE_ONLY and the fields are the papers
        table's columns exactly, which a test checks.)"""
        values = dict(row)
        for column in STORE_ONLY:
            del values[column]
        values["authors"] = _tuple(values["authors"])
        values["categories"] = _tuple(values["categories"])
        values["links"] = _tuple(values["links"])
        values["authors_truncated"] = bool(values["authors_truncated"])
        values["has_code"] = bool(values["has_code"])
        values["has_code_flag"] = bool(values["has_code_flag"])
        values["sources"] = tuple(sources)
        values["listed_by"] = tuple(listed_by)
        paper = object.__new__(cls)
        paper.__dict__.update(values)
        return paper

    def as_paper(self) -> Paper:
        """The record a load merges a new listing of this paper into."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(Paper)}
        return Paper(**{**values, "authors": list(self.authors), "categories": list(self.categories),
                        "sources": list(self.sources)})


STORE_ONLY = ("title_key", "content_hash")  # the papers table's columns that only loads read


def _tuple(text: str | None) -> tuple[str, ...]:
    return () if not text or text == "[]" else tuple(json.loads(text))


@dataclass(frozen=True)
class AuthorProfile:
    """An author's profile page, as the store keeps it."""

    name: str
    category: str | None
    h_index: int | None
    paper_count: int | None
    citations: int | None
    scores: dict[str, str]  # the page's other figures: {"Novelty": "54%", "AI Score": "38"}
    source: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuthorProfile:
        return cls(**{**row, "scores": json.loads(row["scores"] or "{}")})


@dataclass(frozen=True)
class AuthorLookup:
    """Who a name found: one author (`name`), with their profile if the library has one and, when asked for, their
    papers newest first (`total` in all); or, when the name was ambiguous, no one and the `candidates`."""

    name: str | None
    candidates: tuple[str, ...] = ()
    profile: AuthorProfile | None = None
    papers: tuple[StoredPaper, ...] = ()
    total: int | None = None


def code_link(links: list[str]) -> str | None:
    """The first link to a code host."""
    return next((u for u in links if any(h in u for h in _CODE_HOSTS)), None)


def merge(old: Paper, new: Paper) -> Paper:
    """One paper from two listings of it: `new`'s values win, `old` fills what `new` lacks."""
    values = {}
    for f in dataclasses.fields(Paper):
        a, b = getattr(old, f.name), getattr(new, f.name)
        values[f.name] = b if b not in (None, "", [], False) else a
    # The author list and its truncation flag go together: a complete list beats a truncated one, whichever
    # came last; of two truncated lists the longer one wins.
    lists = [(a.authors, a.authors_truncated) for a in (new, old) if a.authors]
    complete = [entry for entry in lists if not entry[1]]
    if lists:
        values["authors"], values["authors_truncated"] = (
            complete[0] if complete else max(lists, key=lambda e: len(e[0]))
        )
    values["has_code_flag"] = old.has_code_flag or new.has_code_flag
    values["sources"] = list(dict.fromkeys(old.sources + new.sources))
    return Paper(**values)


def normalise_title(title: str) -> str:
    """The form two listings of one paper's title share: case, accents, punctuation and spacing folded."""
    folded = title.casefold()
    if not folded.isascii():  # (ASCII has no accents to fold: most titles skip the per-character pass)
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def title_id(title: str) -> str:
    """A stable, typeable id for a paper that has no arXiv id: slug of its title plus a short hash (of the title
    as written when it has no word characters: `🚀🚀` and `!!!???` are two papers, not one)."""
    key = normalise_title(title) or " ".join(title.split())
    slug = "-".join(key.split()[:3])[:32].strip("-") or "paper"
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def normalise_arxiv_id(text: str) -> str | None:
    """`2310.05873v2` -> `2310.05873`; None when the text is not an arXiv id."""
    text = text.strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    if not ARXIV_ID.fullmatch(text):
        return None
    return _VERSION.sub("", text)


def id_in(text: str) -> str | None:
    """An arXiv id in a pasted reference: `https://arxiv.org/abs/2310.05873`, `/pdf/2310.05873v2`, `arXiv:...`."""
    match = re.search(r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*)(" + ARXIV_ID.pattern + r")", text, re.I)
    if match:
        return match.group(1)
    match = re.search(r"(?<![\w.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\w.])", text)
    return match.group(1) if match else None


def doi_in(text: str) -> str | None:
    match = re.search(r"\b(10\.\d{4,9}/[^\s\"<>]+)", text)
    return match.group(1).rstrip(".,;)") if match else None


def find_urls(text: str) -> list[str]:
    """URLs in running text, without the punctuation that ends a sentence around them."""
    urls = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)}")
        if url.count("(") > url.count(")"):
            url += ")"
        urls.append(url)
    return urls


# "we introduce Geom-Erasing, a ...", "This paper introduces PIXART-$\alpha$, ...", "called AntNet".
_INTRODUCES = re.compile(
    r"\b(?:introduces?|proposed?|proposes|presents?|develops?|called|named|dubbed|termed)\s+"
    r"(?:a\s+|an\s+|the\s+)?([A-Z][\w$\\{}\-.]*[\w$}])"
)


def display_name(abstract: str, *, limit: int = 80) -> str:
    """A readable name for an untitled paper: the method the abstract introduces, else its opening words."""
    for match in _INTRODUCES.finditer(abstract):
        name = match.group(1)
        # A method name looks like one: GrowCLIP, EPIC, Geom-Erasing, PIXART-$\alpha$ -- not "Two".
        if sum(c.isupper() for c in name) >= 2 or any(c.isdigit() or c in "-$" for c in name):
            return tex_to_text(name)
    first = re.split(r"(?<=[.!?])\s+", abstract.strip(), maxsplit=1)[0]
    first = tex_to_text(first).rstrip(".")
    if len(first) <= limit:
        return first
    # (not text.clip: this name is stored, in every untitled paper's row, so its rule stays as it was)
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def iso_date(text: str | None, *, latest: datetime.date | None = None) -> str | None:
    """`2024-01-05` (or a longer timestamp starting with it) -> `2024-01-05`; None when it is not a real date, or
    is later than `latest` (by default tomorrow, UTC: no paper is dated after it, and a `9999-12-31` would lead
    every `sort:date`). The listing's own text keeps what it said."""
    try:
        day = datetime.date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None
    if latest is None:
        latest = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)
    return day.isoformat() if day <= latest else None
