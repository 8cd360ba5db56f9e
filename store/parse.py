"""Listing files -> Paper records. Pure: reads text, writes nothing.

Four formats, detected per file: the paper feed, arXiv abstracts, an author's profile page, and arXiv
metadata JSON lines (streamed). A malformed entry inside a good file is skipped with a warning that names
file and line; a file that cannot be read or is in no known format raises a ParseError naming the file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from papers_bot.errors import ParseError, UnknownFormatError
from papers_bot.store.paper import Paper, Source, iso_date, normalise_arxiv_id
from papers_bot.store.tex import has_tex, tex_to_text
from papers_bot.text import clip

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
# `CVJan 30, 2025Code`: category, date (year optional), code flag, run together.
HEADER = re.compile(
    r"(?P<category>[A-Z][A-Za-z\-.]*?)"
    r"(?P<date>(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?)"
    r"(?P<code>Code)?"
)
# The lookbehind starts a match only where a run of spaces starts: tried inside a long run, `\s+` made it quadratic.
ET_AL = re.compile(r",?(?<!\s)\s+et al\.?$")
ARXIV_LINE = re.compile(r"arXiv:\s*(\S+)")
CREATED_LINE = re.compile(r"Created:\s*(\d{4}-\d{2}-\d{2})(?:\s+Updated:\s*(\d{4}-\d{2}-\d{2}))?")
PROFILE_COUNT = re.compile(r"\d[\d,]*\s*Papers")
# One name in an author list: capitalised words, initials, particles (van, de, bin), hyphens, apostrophes.
_NAME_WORD = (
    r"(?:[A-Z\u00C0-\u024F][\w'\u2019.\-]*"
    r"|(?:van|von|der|den|de|da|das|dos|do|du|di|del|della|la|le|bin|ibn|al|el|ten|ter|y|e)(?=\s))"
)
AUTHOR_NAME = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,5}}")
# Where a split point may be, found at C speed; `_split_point` decides. Its superset: a character that is A-Z
# or not ASCII, not after a space, quote or hyphen, before a-z, `.` or a character that is not ASCII.
_SPLIT_HINT = re.compile(r"(?<![ \t'\u2019\-])[^\x00-\x40\x5b-\x7f](?=[^\x00-\x2d\x2f-\x60\x7b-\x7f])")
_NAME_PREFIX = re.compile(r"(?:^|[\s,])(?:Mc|Mac|De|Di|Da|La|Le|Van|Von)$")
_ONE_NAME = re.compile(r"[A-Z\u00C0-\u024F][\w'\u2019.\-]*")  # a mononym in a profile's author line
MAX_LINE = 1 << 20  # a JSON line longer than this is malformed, not a paper
MAX_NAME = 200  # characters between commas: a longer stretch is not one author's name
# `\ud800`: a JSON escape that may be half of a surrogate pair; after decoding, a lone half is not text.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_WARNINGS = 1000  # per file; more are counted, not kept
DETECT_BYTES = 1 << 16  # a larger file holding a NUL byte in its first this many is binary, refused unread
# How far into a text file its format must show. Each format does within its first entry (a feed's first line is a
# header, a profile's figures come before its first paper, an arXiv abstract is at most a few KB before its
# `arXiv:` and `Created:` lines), so a larger file in none is refused after reading this much, not read whole.
FORMAT_BYTES = 1 << 20
_NO_FORMAT = (
    "not a known listing format (expected a paper feed, arXiv abstracts, an author profile or arXiv metadata "
    "JSON lines; see README 'Data formats')"
)
MAX_ID = 1000  # bytes: arXiv's ids have 9-30
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _parser_key() -> bytes:
    """What a line becomes depends on this code: the parser, the TeX decoding, the paper model and the rows
    stored (and pylatexenc). Their source text is the parser's version: any change to them re-reads every line,
    with nothing to remember to bump."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha1(importlib.metadata.version("pylatexenc").encode())
    for module in ("parse.py", "tex.py", "paper.py", "db.py"):
        h.update((here / module).read_bytes())
    return h.digest()


# Lines and files are hashed with the parser's version first (SHA-1: hardware-accelerated, 1.4 µs for an arXiv
# line where BLAKE2 takes 4; it detects changes, no adversary is involved).
_PARSER_HASH = hashlib.sha1(_parser_key())


def line_hash(raw: bytes) -> int:
    """A raw line's hash with the parser's version, as a signed 64-bit integer (what SQLite stores)."""
    h = _PARSER_HASH.copy()
    h.update(raw)
    return int.from_bytes(h.digest()[:8], "big", signed=True)


def file_hash(path: Path) -> str:
    """A file's content hash with the parser's version."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, _PARSER_HASH.copy).hexdigest()


@dataclass
class Listing:
    """What one file held: its format, its papers, warnings for skipped entries, and profile data."""

    file: str
    format: str
    papers: Iterator[Paper]
    warnings: list[str] = field(default_factory=list)
    profile: dict | None = None
    size: int = 0  # bytes in the file
    changed: Callable[[], bool] = lambda: False  # whether the file is no longer as it was when opened
    position: int = 0  # bytes read so far (for progress bars)
    unlisted_warnings: int = 0
    path: Path | None = None  # the file read (None: bytes held in memory, or a harvested page)
    stamp: tuple[int, int, int] = (0, 0, 0)  # its size, mtime and inode when opened
    # Called with each JSON line's number and bytes before it is decoded: True to pass over it (a load that
    # knows the line unchanged since it last stored it)
    skip: Callable[[int, bytes], bool] | None = None

    def warn(self, message: str) -> None:
        """Keep a warning (the first MAX_WARNINGS of a file; after that only their number)."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.unlisted_warnings += 1


def read_listing(path: str | Path, *, name: str | None = None) -> Listing:
    """Open a listing file, detect its format and return its papers (streamed for JSON lines)."""
    path = Path(path)
    name = name or str(path)
    try:
        before = _file_state(path)
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ParseError(f"cannot read file ({e.strerror or e})", file=name) from e
    listing = _read(head, before[0], lambda: path.open("rb"), name)
    listing.path, listing.stamp = path, before
    listing.changed = lambda: _file_state(path, missing=(-1, -1, -1)) != before
    return listing


def _file_state(path: Path, *, missing: tuple[int, int, int] | None = None) -> tuple[int, int, int]:
    """Size, modification time and inode: another program writing or replacing the file changes one of them."""
    try:
        st = path.stat()
    except OSError:
        if missing is None:
            raise
        return missing
    return st.st_size, st.st_mtime_ns, st.st_ino


def read_listing_bytes(data: bytes, *, name: str) -> Listing:
    """A listing held in memory (a file attached to a Discord message): parsed without touching disk."""
    return _read(data[:4096], len(data), lambda: io.BytesIO(data), name)


def _read(head: bytes, size: int, open_binary: Callable[[], IO[bytes]], name: str) -> Listing:
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        _check_jsonl(open_binary, name)
        listing = Listing(name, "arxiv-jsonl", iter(()), size=size)
        listing.papers = _stream_jsonl(open_binary, listing)
        return listing
    if size > DETECT_BYTES:  # (a listing is text: a large file that starts as binary is refused unread)
        with open_binary() as f:
            start = f.read(FORMAT_BYTES)
        if b"\x00" in start[:DETECT_BYTES]:
            raise UnknownFormatError(_NO_FORMAT + "; it holds binary data", file=name)
        whole_lines = start[: start.rfind(b"\n") + 1]  # (a line longer than the rest is read on: it may be an entry)
        if size > FORMAT_BYTES and len(whole_lines) >= FORMAT_BYTES // 2 and detect_format(
            whole_lines.decode("utf-8-sig", "replace").splitlines()
        ) is None:
            raise UnknownFormatError(_NO_FORMAT + f" (none shows in its first {FORMAT_BYTES >> 20} MB)", file=name)
    try:
        with open_binary() as f:
            raw = f.read()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ParseError(f"not UTF-8 text (byte 0x{raw[e.start]:02x})", file=name, line=line) from e
    except OSError as e:
        raise ParseError(f"cannot read file ({e.strerror or e})", file=name) from e
    listing = parse_text(text, name=name)
    listing.size = listing.position = len(raw)
    return listing


def parse_text(text: str, *, name: str = "<text>") -> Listing:
    """Detect which text format `text` is in and parse it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fmt = detect_format(lines)
    if fmt is None:
        raise UnknownFormatError(_NO_FORMAT, file=name)
    listing = Listing(name, fmt, iter(()))
    parser: Callable[[list[str], Listing], list[Paper]] = _PARSERS[fmt]
    listing.papers = iter(parser(lines, listing))
    return listing


def detect_format(lines: list[str]) -> str | None:
    nonblank = [(i, s.strip()) for i, s in enumerate(lines) if s.strip()]
    if not nonblank:
        return None
    if any(ARXIV_LINE.fullmatch(s) for _, s in nonblank) and any(CREATED_LINE.fullmatch(s) for _, s in nonblank):
        return "arxiv-abstracts"
    first_header = next((i for i, s in nonblank if HEADER.fullmatch(s)), None)
    if first_header is None:
        return None
    if any(PROFILE_COUNT.fullmatch(s) or s.startswith("h-index") for i, s in nonblank if i < first_header):
        return "profile"
    if first_header == nonblank[0][0]:
        return "feed"
    return None


def split_title_authors(line: str) -> tuple[str, list[str], bool] | None:
    """Split a feed line where the title runs into the author list: `...Style NormsAhmed Elgammal, ...`.

    Returns (title, authors, truncated) or None when no split leaves a valid author list. A split point is a
    capital letter (or an initial, `J.`) right after a title character with no space between; the rest of the
    line must be a comma-separated list of names. Of those, the first whose first author does not itself
    contain another split point wins: camel case inside titles (GANSpace, MoMA) would put the title's tail in
    the first "name", and camel case in later names (JaeHyun) is left alone.
    """
    line = line.strip()
    rest = ET_AL.sub("", line)
    truncated = rest != line
    pieces = rest.split(",")
    # Every piece after the last one that is not a name must be a name, so the split is in that one (within
    # MAX_NAME characters of its end) or later. Each piece is checked once, split points are found by a regex:
    # a long line takes linear time.
    last_bad = max((k for k, p in enumerate(pieces) if not _is_name(p)), default=0)
    end = sum(len(p) + 1 for p in pieces[: last_bad + 1]) - 1
    hints = _SPLIT_HINT.finditer(rest, max(end - min(len(pieces[last_bad]), MAX_NAME), 1))
    points = (m.start() for m in hints if _split_point(rest, m.start()))
    for i, following in itertools.pairwise(itertools.chain(points, [len(rest)])):
        end = rest.find(",", i)
        first = rest[i : end if end >= 0 else len(rest)].strip()
        if AUTHOR_NAME.fullmatch(first) and following >= i + len(first):
            return rest[:i].strip(), [a.strip() for a in rest[i:].split(",")], truncated
    return None


def _is_name(text: str) -> bool:
    return len(text) <= MAX_NAME and AUTHOR_NAME.fullmatch(text.strip()) is not None


def _split_point(text: str, i: int) -> bool:
    if not text[i].isupper() or text[i - 1] in " \t'\u2019-":
        return False
    if not (text[i + 1].islower() or text[i + 1] == "."):
        return False
    return not _NAME_PREFIX.search(text[max(i - 4, 0) : i])  # inside McDonald, MacKay, DeVries, LeCun


def split_authors(line: str) -> tuple[list[str], bool, str | None]:
    """`A, B et al. · mit` -> (["A", "B"], truncated=True, affiliation="mit")."""
    affiliation = None
    if "·" in line:
        line, affiliation = (part.strip() for part in line.rsplit("·", 1))
    cleaned = ET_AL.sub("", line.strip())
    truncated = cleaned != line.strip()
    authors = [a.strip() for a in cleaned.split(",") if a.strip()]
    return authors, truncated, affiliation or None


def parse_header(s: str) -> dict | None:
    m = HEADER.fullmatch(s.strip())
    if not m:
        return None
    year = int(m["year"]) if m["year"] else None
    date = iso_date(f"{year:04d}-{MONTHS[m['month']]:02d}-{int(m['day']):02d}") if year else None
    if year and date is None and iso_date(f"{year:04d}-01-01") is None:  # (a year to come is no year either)
        year = None
    return {
        "category": m["category"],
        "year": year,
        "date": date,
        "date_text": m["date"],
        "has_code_flag": bool(m["code"]),
    }


def _entries(lines: list[str]) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Group lines into entries that each start at a header line; yields (header index, [(index, text)])."""
    start = None
    block: list[tuple[int, str]] = []
    for i, raw in enumerate(lines):
        s = raw.strip()
        if HEADER.fullmatch(s):
            if start is not None:
                yield start, block
            start, block = i, []
        elif start is not None and s:
            block.append((i, s))
    if start is not None:
        yield start, block


def _feed_entry(body: list[tuple[int, str]]) -> tuple[dict, int] | str:
    """A feed entry's body: the title run into the authors on one line, then the abstract."""
    split = split_title_authors(body[0][1])
    if split is None:
        return "cannot tell the title from the authors"
    title, authors, truncated = split
    return {"title": title, "authors": authors, "authors_truncated": truncated}, 1


def _profile_entry(body: list[tuple[int, str]]) -> tuple[dict, int] | str:
    """A profile entry's body: title, author line (maybe `· affiliation`), then the abstract."""
    authors, truncated, affiliation = split_authors(body[1][1])
    if not authors or not all(AUTHOR_NAME.fullmatch(a) or _ONE_NAME.fullmatch(a) for a in authors):
        return "no author line after the title"
    return {"title": body[0][1], "authors": authors, "authors_truncated": truncated, "affiliation": affiliation}, 2


def _parse_entries(lines: list[str], listing: Listing, read_body: Callable) -> list[Paper]:
    """Papers of a feed or profile: each entry is a header line and a body that `read_body` splits."""
    papers = []
    for start, body in _entries(lines):
        fields = read_body(body) if len(body) >= 2 else "entry has no title, authors or abstract"
        if isinstance(fields, tuple) and len(body) <= fields[1]:
            fields = "entry has no abstract"
        if isinstance(fields, str):
            line = body[0][0] + 1 if body else start + 1
            listing.warn(f"{listing.file}:{line}: {fields}; skipped")
            continue
        values, abstract_at = fields
        header = parse_header(lines[start])
        assert header is not None  # (an entry starts at a header line)
        papers.append(
            Paper(
                **values,
                abstract=" ".join(s for _, s in body[abstract_at:]),
                sources=[Source(listing.file, start + 1, listing.format)],
                **header,
            )
        )
    return papers


def _parse_feed(lines: list[str], listing: Listing) -> list[Paper]:
    return _parse_entries(lines, listing, _feed_entry)


def _parse_profile(lines: list[str], listing: Listing) -> list[Paper]:
    listing.profile = _profile_header(lines)
    return _parse_entries(lines, listing, _profile_entry)


_PROFILE_FIGURES = [
    ("h_index", re.compile(r"h-index\s*([\d,]+)")),
    ("paper_count", re.compile(r"([\d,]+)\s*papers")),
    ("citations", re.compile(r"([\d,]+)\s*citations")),
]


def _profile_header(lines: list[str]) -> dict:
    """The profile page's header: the author's name, main category and figures (h-index, papers, ...)."""
    head = []
    for raw in lines:
        s = raw.strip()
        if HEADER.fullmatch(s) or PROFILE_COUNT.fullmatch(s):
            break
        if s:
            head.append(s)
    profile: dict = {"name": head[0] if head else None, "category": None, "scores": {}}
    for s in head[1:]:
        for key, pattern in _PROFILE_FIGURES:
            m = pattern.fullmatch(s)
            if m:
                profile[key] = int(m.group(1).replace(",", ""))
                break
        else:
            m = re.fullmatch(r"(.*?[A-Za-z%])\s*([\d.,]+%?)", s)
            if m:
                profile["scores"][m.group(1).strip()] = m.group(2)
            elif profile["category"] is None and re.fullmatch(r"[A-Z]{2,}", s):
                profile["category"] = s
    return profile


def _parse_arxiv_abstracts(lines: list[str], listing: Listing) -> list[Paper]:
    papers = []
    block: list[tuple[int, str]] = []
    closed: Paper | None = None  # the paper whose arXiv line came last: a `Created:` line belongs to it
    for i, raw in enumerate(lines):
        s = raw.strip()
        m = ARXIV_LINE.fullmatch(s)
        if not m:
            c = CREATED_LINE.fullmatch(s)
            if c and not block:
                if closed is not None:
                    closed.date, closed.updated = iso_date(c.group(1)), iso_date(c.group(2))
                    closed.year = int(closed.date[:4]) if closed.date else None
                closed = None
            elif s:
                block.append((i, s))
            continue
        arxiv_id = normalise_arxiv_id(m.group(1))
        closed = None
        if not block or arxiv_id is None:
            what = "no abstract before it" if not block else f"{m.group(1)!r} is not an arXiv id"
            listing.warn(f"{listing.file}:{i + 1}: {what}; skipped")
            block = []
            continue
        # The abstract is the first paragraph; a short last paragraph after it is the comment.
        paragraphs = _paragraphs(block, lines)
        abstract = paragraphs[0]
        comment = " ".join(paragraphs[1:]) or None
        closed = Paper(
            abstract=abstract,
            comment=comment,
            arxiv_id=arxiv_id,
            sources=[Source(listing.file, block[0][0] + 1, listing.format)],
        )
        papers.append(closed)
        block = []
    if block:
        listing.warn(f"{listing.file}:{block[0][0] + 1}: entry has no arXiv id line; skipped")
    return papers


def _paragraphs(block: list[tuple[int, str]], lines: list[str]) -> list[str]:
    """Join consecutive non-blank lines of a block into paragraphs."""
    paragraphs: list[list[str]] = []
    previous = None
    for i, s in block:
        if previous is None or any(not lines[j].strip() for j in range(previous + 1, i)):
            paragraphs.append([])
        paragraphs[-1].append(s)
        previous = i
    return [" ".join(p) for p in paragraphs]


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def paper_from_arxiv_json(obj: dict, source: Source) -> Paper:
    """One object of the arXiv metadata snapshot -> Paper (the id is kept as given, an opaque string). Title,
    abstract, comments and names are TeX there: decoded (`store.tex`), the record's own text kept in `raw`."""
    raw_id = _clean(obj.get("id"))
    if not raw_id:
        raise ValueError("no `id`")
    if len(raw_id.encode("utf-8", "replace")) > MAX_ID:  # (tantivy cannot delete by a term that long)
        raise ValueError(f"`id` is longer than {MAX_ID} bytes")
    if _CONTROL.search(raw_id):  # (`\x00meta` is the index's own record; no real id holds a control character)
        raise ValueError("`id` holds control characters")
    if not isinstance(obj.get("title", ""), str) or not isinstance(obj.get("abstract", ""), str):
        raise ValueError("`title` and `abstract` must be strings")
    arxiv_id = normalise_arxiv_id(raw_id)
    raw: dict[str, str] = {}
    title = _decoded("title", _clean(obj.get("title")), raw)
    abstract = _decoded("abstract", _clean(obj.get("abstract")), raw)
    comment = _decoded("comments", _clean(obj.get("comments")), raw)
    authors, authors_raw = _authors_from_json(obj)
    if authors_raw is not None:
        raw["authors"] = authors_raw
    categories = _clean(obj.get("categories")).split()
    versions = obj.get("versions") or []
    created = _version_date(versions[0]) if versions and isinstance(versions, list) else None
    updated = iso_date(_clean(obj.get("update_date")))
    date = created or updated
    return Paper(
        title=title,
        authors=authors,
        abstract=abstract,
        comment=comment or None,
        category=categories[0] if categories else None,
        categories=categories,
        year=int(date[:4]) if date else None,
        date=date,
        updated=updated,
        arxiv_id=arxiv_id,
        source_id=None if arxiv_id else raw_id,
        doi=_clean(obj.get("doi")) or None,
        journal_ref=_clean(obj.get("journal-ref")) or None,
        raw=json.dumps(raw, ensure_ascii=False) if raw else None,
        sources=[source],
    )


def _decoded(key: str, written: str, raw: dict[str, str]) -> str:
    """`written` with its TeX decoded; what it was goes into `raw[key]` when that changed it."""
    if not has_tex(written):
        return written
    text = tex_to_text(written)
    if text != written:
        raw[key] = written
    return text


# `C. -P.` (how authors_parsed splits hyphenated initials) -> `C.-P.`
_SPLIT_INITIALS = re.compile(r"(?<=\.) (?=-[A-Z])")


def _authors_from_json(obj: dict) -> tuple[list[str], str | None]:
    """The author names, TeX decoded, and the record's author text when decoding changed it (else None)."""
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for part in parsed:
            if isinstance(part, list) and part:
                # [last, first, suffix] -> "first last suffix"
                name = _clean(" ".join([str(x) for x in (*part[1:2], part[0], *part[2:3]) if x is not None]))
                if name:
                    names.append(name)
    else:
        text = _clean(obj.get("authors"))
        names = [a.strip() for a in re.split(r",\s*|\s+and\s+", text) if a.strip()]
    together = "\n".join(names)
    if not has_tex(together) and ". -" not in together:
        return names, None  # (most records: one look at all the names)
    decoded = [_SPLIT_INITIALS.sub("", tex_to_text(name)) for name in names]
    if decoded == names:
        return names, None
    written = obj.get("authors")
    return decoded, written if isinstance(written, str) and written else json.dumps(names, ensure_ascii=False)


def _version_date(version: object) -> str | None:
    """`{"created": "Mon, 2 Apr 2007 19:18:42 GMT"}` (the snapshot's) or `{"created": "2007-04-02"}` (arXiv's
    OAI-PMH feed's) -> `2007-04-02`."""
    created = version.get("created") if isinstance(version, dict) else None
    if isinstance(created, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", created.strip()):
        return iso_date(created)
    m = re.search(r"(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})", created or "")
    if not m or m.group(2) not in MONTHS:
        return None
    return iso_date(f"{m.group(3)}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}")


def _check_jsonl(open_binary: Callable[[], IO[bytes]], name: str) -> None:
    """A file that starts with `{` is arXiv metadata JSON lines only if its first record is one, on one line."""
    with open_binary() as f:
        for number, raw in enumerate(_bounded_lines(f), 1):
            if raw is not None and not raw.strip():
                continue
            try:
                obj = json.loads((raw or b"").decode("utf-8-sig"))
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                obj = None
            if isinstance(obj, dict) and "id" in obj and ("title" in obj or "abstract" in obj):
                return
            raise UnknownFormatError(
                "starts like JSON but its first line is not an arXiv metadata record (one JSON object per line "
                "with `id` and `title` or `abstract`)",
                file=name,
                line=number,
            )


def _stream_jsonl(open_binary: Callable[[], IO[bytes]], listing: Listing) -> Iterator[Paper]:
    """Yield papers from arXiv metadata JSON lines one line at a time; bad lines become warnings."""
    try:
        f = open_binary()
    except OSError as e:
        raise ParseError(f"cannot read file ({e.strerror or e})", file=listing.file) from e
    with f:
        for number, raw in enumerate(_bounded_lines(f), 1):
            listing.position = f.tell()
            where = f"{listing.file}:{number}"
            if raw is None:
                listing.warn(f"{where}: line longer than {MAX_LINE} bytes; skipped")
                continue
            if not raw.strip() or (listing.skip is not None and listing.skip(number, raw)):
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig") if number == 1 else raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                if _SURROGATE_ESCAPE.search(raw) and _SURROGATE.search(json.dumps(obj, ensure_ascii=False)):
                    raise ValueError("a \\u escape is half a surrogate pair, not a character")
                yield paper_from_arxiv_json(obj, Source(listing.file, number, listing.format))
            except UnicodeDecodeError:
                listing.warn(f"{where}: not UTF-8 text; skipped")
            except (ValueError, TypeError, RecursionError) as e:
                listing.warn(f"{where}: not an arXiv metadata record ({_short(e)}); skipped")


def _bounded_lines(f: IO[bytes]) -> Iterator[bytes | None]:
    """Lines of a binary file; None for a line over MAX_LINE bytes (read through without keeping it)."""
    while True:
        line = f.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (more := f.readline(MAX_LINE)) and not more.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _short(e: Exception) -> str:
    return clip(str(e), 80)


_PARSERS: dict[str, Callable[[list[str], Listing], list[Paper]]] = {
    "feed": _parse_feed,
    "profile": _parse_profile,
    "arxiv-abstracts": _parse_arxiv_abstracts,
}


LISTING_SUFFIXES = {".txt", ".json", ".jsonl", ".ndjson", ""}


def _check_name(path: Path) -> None:
    """A file is remembered by its name (`sources`), so the name must be text: not undecodable bytes."""
    shown = str(path).encode("utf-8", "replace").decode("utf-8")
    if shown != str(path):
        raise ParseError("the file name is not valid UTF-8; rename the file", file=shown)


def listing_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to load for `paths`: named files as they are; in folders, every non-hidden listing file
    (.txt, .json, .jsonl, .ndjson or no suffix; READMEs and other documents are passed over), sorted. Nothing
    outside a folder is read through it: a link in it to a file or folder elsewhere is refused, by name."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            root = p.resolve()
            found = []
            for f in p.rglob("*"):
                if any(part.startswith(".") or part.endswith(".index") for part in f.relative_to(p).parts):
                    continue
                if f.suffix.lower() not in LISTING_SUFFIXES or f.name.upper().startswith("README"):
                    continue
                _check_name(f)
                try:
                    target = f.resolve()
                except (RuntimeError, OSError) as e:  # (a link to itself, or a -> b -> a)
                    raise ParseError(f"a link that cannot be followed ({e}); remove it", file=str(f)) from e
                if not target.is_relative_to(root):
                    raise ParseError(
                        f"links outside {p}; put the file itself in the folder (links out of it are not read)",
                        file=str(f),
                    )
                if f.is_file():
                    found.append(f)
            files.extend(sorted(found))
        elif p.is_file():
            _check_name(p)
            files.append(p)
        elif p.exists():  # (a FIFO or device: reading it could wait forever)
            raise ParseError("not a regular file; name a listing file or a folder of them", file=str(p))
        else:
            raise ParseError("no such file or folder", file=str(p))
    return files


def sample_folder() -> Path:
    """The bundled sample corpus (the three listings the bot was specified from)."""
    return Path(__file__).resolve().parent / "sample"  # resolved: an editable install links each file
