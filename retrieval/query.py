"""The query language: what a person types -> words, phrases, exclusions and filters. Pure; never raises.

    seismic fault "segment anything" -ultrasound author:"Jinwen Ma" year:2019-2021 cat:CV has:code sort:date
    papers by Jinwen Ma on style transfer since 2022 with code
    related 2310.05873

Anything that is not a filter is text: an unknown `key:value`, a lone `-`, an unbalanced quote, emoji. The
parser never passes the text on as syntax; search.py builds the index query from the parsed parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHARS = 2000  # longer input is cut (a pasted abstract says what it is about in its first 2,000 characters)

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"|(?P<val>[^\s"]+))|"(?P<phrase>[^"]+)"|(?P<word>[^\s"]+))'
)
_YEAR = r"(?:19|20)\d\d"
_PLAIN = [
    # "since 2022", "after 2021", "before 2020", "from 2019 to 2021", "in 2023", "between 2019 and 2021"
    (re.compile(rf"\b(?:from|between)\s+({_YEAR})\s+(?:to|and|-|until)\s+({_YEAR})\b", re.I), "range"),
    (re.compile(rf"\b(?:since|from)\s+({_YEAR})\b", re.I), "since"),
    (re.compile(rf"\bafter\s+({_YEAR})\b", re.I), "after"),
    (re.compile(rf"\bbefore\s+({_YEAR})\b", re.I), "before"),
    (re.compile(rf"\b(?:in|during|published in)\s+({_YEAR})\b", re.I), "in"),
    (re.compile(r"\b(?:with|that (?:have|release|released)|having)\s+(?:released\s+|public\s+|open\s+)?(?:source\s+)?code\b", re.I), "code"),
    (re.compile(r"\b(?:newest|latest)(?:\s+first)?\b|\bmost recent\b", re.I), "newest"),
]
# "papers by Jinwen Ma on ...", "by Ahmed Elgammal": capitalised words after "by" form an author's name.
_BY_AUTHOR = re.compile(r"\bby\s+((?:[A-Z][\w'\-.]*)(?:\s+(?:van|von|de|der|da|di|le|la|[A-Z][\w'\-.]*)){0,4})")


@dataclass
class ParsedQuery:
    text: str = ""  # the words to rank by (BM25), filters removed
    phrases: list[str] = field(default_factory=list)  # must appear as written (after analysis)
    excluded: list[str] = field(default_factory=list)  # words or phrases that must not appear
    authors: list[str] = field(default_factory=list)  # each must be among the paper's authors
    year_from: int | None = None
    year_to: int | None = None
    categories: list[str] = field(default_factory=list)  # any of them
    has_code: bool = False
    sort_by_date: bool = False
    related: str | None = None  # papers like this paper id
    notes: list[str] = field(default_factory=list)  # what the parser did not understand, for a hint

    @property
    def filtered(self) -> bool:
        return bool(self.authors or self.year_from or self.year_to or self.categories or self.has_code)

    def describe(self) -> str:
        """The filters in words, for replies: `by Jinwen Ma, 2019–2021, CV, with code, newest first`."""
        bits = [f"by {a}" for a in self.authors]
        if self.year_from or self.year_to:
            if self.year_from == self.year_to:
                bits.append(str(self.year_from))
            elif self.year_to is None:
                bits.append(f"since {self.year_from}")
            elif self.year_from is None:
                bits.append(f"up to {self.year_to}")
            else:
                bits.append(f"{self.year_from}–{self.year_to}")
        bits += [f"category {c}" for c in self.categories]
        bits += ["with code"] * self.has_code + ["newest first"] * self.sort_by_date
        return ", ".join(bits)


def parse_query(text: str) -> ParsedQuery:
    q = ParsedQuery()
    text = (text or "")[:MAX_CHARS]
    m = re.match(r"\s*related\s+(?:to\s+)?(\S+)\s*$", text, re.IGNORECASE)
    if m:
        q.related = m.group(1)
        return q
    text = _plain_language(text, q)
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        neg, key, value = m.group("neg"), (m.group("key") or "").lower(), m.group("qval") or m.group("val")
        if key and value is not None and not neg and _filter(q, key, value.strip()):
            continue
        if key:
            q.notes.append(f"`{key}:` is not a filter here; searched as words")
            words.append(f"{key} {value or ''}")
            continue
        if m.group("phrase"):
            (q.excluded if neg else q.phrases).append(m.group("phrase"))
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


def _filter(q: ParsedQuery, key: str, value: str) -> bool:
    """Apply `key:value`; False when it is not a filter we know or its value makes no sense."""
    if key == "author" and value:
        q.authors.append(" ".join(value.split()))
        return True
    if key in ("year", "years"):
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
        return True
    if key == "sort" and value.lower() in ("date", "new", "newest", "recent"):
        q.sort_by_date = True
        return True
    return False


def _plain_language(text: str, q: ParsedQuery) -> str:
    """Take the filters people write in plain words out of the text."""
    for pattern, kind in _PLAIN:
        m = pattern.search(text)
        if not m:
            continue
        if kind == "range":
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            q.year_from, q.year_to = a, b
        elif kind == "since":
            q.year_from = int(m.group(1))
        elif kind == "after":
            q.year_from = int(m.group(1)) + 1
        elif kind == "before":
            q.year_to = int(m.group(1)) - 1
        elif kind == "in" and q.year_from is None and q.year_to is None:
            q.year_from = q.year_to = int(m.group(1))
        elif kind == "code":
            q.has_code = True
        elif kind == "newest":
            q.sort_by_date = True
        else:
            continue
        text = text[: m.start()] + " " + text[m.end() :]
    m = _BY_AUTHOR.search(text)
    if m and len(m.group(1).split()) >= 2:
        q.authors.append(m.group(1))
        text = text[: m.start()] + " " + text[m.end() :]
    # "papers by X on style transfer": "on" introduced the topic; it is a stop word anyway.
    return text
