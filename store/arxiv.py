"""What arXiv's own feeds hold -> Paper records. Pure: reads a downloaded response, writes nothing.

Two feeds. OAI-PMH `ListRecords` pages in the `arXiv` metadata format (one page, as saved to a file, is read by
streaming: the records one at a time, then its resumption token); and the RSS (or Atom) feed of one category's
announcements. Each record is made into the same record as a line of arXiv's metadata snapshot and read by
`parse.paper_from_arxiv_json`: one set of rules for ids, TeX in names and titles, categories, dates and links,
whichever way a paper arrived.

Both are untrusted input from the network. The XML parsers refuse a DTD (so no entity can be declared, let alone
expanded: defusedxml), and a feed is parsed by feedparser only once it has none either. A reply that is not
what was asked for (an HTML page, another XML document, an unknown encoding) raises naming what it is: it must
never read as a day with nothing new.
"""

from __future__ import annotations

import calendar
import datetime
import email.utils
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import feedparser
from defusedxml import DefusedXmlException, DTDForbidden

from papers_bot.errors import ParseError as ListingError
from papers_bot.store.paper import Paper, Source
from papers_bot.store.parse import Listing, paper_from_arxiv_json
from papers_bot.text import clip

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
OAI_FORMAT = "arxiv-oai"
MAX_DEPTH = 64  # elements nested in an OAI-PMH page
_LISTED = {f"{OAI}record", f"{OAI}resumptionToken"}  # what ListRecords holds
RSS_FORMAT = "arxiv-rss"
# The fields of the `arXiv` format that are the metadata snapshot's, under the snapshot's names.
_FIELDS = {"id": "id", "title": "title", "abstract": "abstract", "comments": "comments",
           "journal-ref": "journal-ref", "doi": "doi", "categories": "categories"}


@dataclass
class PageEnd:
    """What a ListRecords page says besides its records: an OAI error, or where the list goes on."""

    error: str | None = None  # the OAI error code (`noRecordsMatch`, `badResumptionToken`, ...)
    message: str = ""
    token: str | None = None  # None (or ""): the list is complete
    complete_size: int | None = None  # records in the whole list, as the server counts them
    records: int = 0
    deleted: int = 0
    foreign: int = 0  # records whose metadata is not in the `arXiv` format asked for
    format: str = ""  # what the first of them holds instead, in words


def what_it_is(tag: str) -> str:
    """What an XML document whose root element is `tag` is, in words (a reply that is not the one asked for)."""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local.lower() == "html":
        return "an HTML page"
    return f"an XML document <{local}> " + (f"in the namespace {namespace}" if namespace else "without a namespace")


def _sniffed(head: bytes) -> str | None:
    """What a reply that is not XML at all is, from its first bytes: an HTML page (a proxy's or a login page), or
    nothing (None: say what the XML parser says)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text:
        return "an empty reply"
    return "an HTML page" if text.startswith((b"<!doctype html", b"<html")) else None


_DECLARED = re.compile(rb"""<\?xml[^>]*\bencoding\s*=\s*["']([^"']{1,40})["']""")


def _unreadable(e: Exception, head: bytes, *, expected: str) -> str | None:
    """Why a reply the parser could not read is not `expected`, when it is something else that can be named:
    an HTML page (its `<!DOCTYPE html>` is not a DTD to refuse, it is not XML at all), an unknown encoding."""
    if isinstance(e, LookupError):  # (`encoding="x-klingon"`: the codec lookup fails)
        return f"declares an encoding Python does not know ({e}), not {expected} it can read"
    if isinstance(e, ValueError) and not isinstance(e, (UnicodeError, DefusedXmlException)):  # (expat: `multi-byte
        # encodings are not supported`)
        declared = _DECLARED.search(head)
        said = f" ({declared[1].decode('ascii', 'replace')})" if declared else ""
        return f"declares an encoding{said} the XML parser cannot read ({e}), not {expected} it can read"
    if isinstance(e, UnicodeError):
        return f"holds bytes that are not in the encoding it declares ({e.__class__.__name__}), not {expected}"
    if isinstance(e, DTDForbidden) and (e.name or "").lower() == "html":
        return f"an HTML page, not {expected}"
    sniffed = _sniffed(head)
    return f"{sniffed}, not {expected}" if sniffed else None


def _events(path: Path, name: str) -> Iterator[tuple[str, Element]]:
    """The page's records, resumption token and error, as its elements end (each record cleared after use). A
    reply that is not OAI-PMH (its root in the OAI-PMH namespace, holding ListRecords or an error) raises naming
    what it is: it must never read as a page of no records."""
    depth, understood = 0, False
    try:
        for event, element in SafeET.iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            tag = element.tag
            if event == "start":
                depth += 1
                if depth == 1 and tag != f"{OAI}OAI-PMH":
                    raise ListingError(f"{what_it_is(tag)}, not an OAI-PMH reply", file=name)
                if depth == 3 and understood and tag not in _LISTED:  # (what a list holds, or nothing is read)
                    raise ListingError(f"ListRecords holds {what_it_is(tag)}, not records", file=name)
                if depth > MAX_DEPTH:  # (arXiv's records nest 8 deep; a bomb nests thousands)
                    raise ListingError(f"elements nested more than {MAX_DEPTH} deep: not an arXiv page", file=name)
                understood = understood or tag in (f"{OAI}ListRecords", f"{OAI}error")
                continue
            depth -= 1
            if tag == f"{OAI}record":
                yield "record", element
                element.clear()
            elif tag in (f"{OAI}resumptionToken", f"{OAI}error"):
                yield tag.removeprefix(OAI), element
    except (ParseError, DefusedXmlException, LookupError, ValueError) as e:
        with path.open("rb") as f:
            head = f.read(1024)
        if why := _unreadable(e, head, expected="an OAI-PMH reply"):
            raise ListingError(why, file=name) from e
        if isinstance(e, DefusedXmlException):
            raise ListingError(f"refused: the response declares a DTD or entities ({type(e).__name__})",
                               file=name) from e
        assert isinstance(e, ParseError)
        line, column = e.position
        raise ListingError(f"not a complete OAI-PMH response (malformed XML at column {column}: {e.msg})",
                           file=name, line=line) from e
    if not understood:
        raise ListingError("an OAI-PMH reply with neither ListRecords nor an error: not a reply to ListRecords",
                           file=name)


def page_end(path: Path, *, name: str) -> PageEnd:
    """Read a saved ListRecords page through (checking it is whole) for its error or token and record count."""
    end = PageEnd()
    for kind, element in _events(path, name):
        if kind == "record":
            end.records += 1
            header = element.find(f"{OAI}header")
            deleted = header is not None and header.get("status") == "deleted"
            metadata = element.find(f"{OAI}metadata")
            end.deleted += deleted
            if not deleted and (metadata is None or metadata.find(f"{ARXIV}arXiv") is None):
                end.foreign += 1
                end.format = end.format or (what_it_is(metadata[0].tag) if metadata is not None and len(metadata)
                                            else "none")
        elif kind == "error":
            end.error, end.message = element.get("code") or "unknown", " ".join((element.text or "").split())
        else:
            end.token = (element.text or "").strip() or None
            size = element.get("completeListSize")
            # (ASCII digits only: str.isdigit takes `²`, which int() refuses; and no more than any list holds, as
            # int() refuses thousands of digits)
            end.complete_size = int(size) if size and size.isascii() and size.isdigit() and len(size) <= 18 else None
    return end


def oai_listing(path: Path, *, name: str, source: str) -> Listing:
    """A saved ListRecords page as a listing: its papers streamed, as a load reads them. `name` says where the
    page came from (in warnings); `source` is how its papers remember it (`harvest/oai/cs:cs:CV`)."""
    listing = Listing(name, OAI_FORMAT, iter(()), size=path.stat().st_size)
    listing.papers = _oai_papers(path, listing, source)
    return listing


def _oai_papers(path: Path, listing: Listing, source: str) -> Iterator[Paper]:
    number = 0
    for kind, element in _events(path, listing.file):
        if kind != "record":
            continue
        number += 1
        header = element.find(f"{OAI}header")
        if header is not None and header.get("status") == "deleted":
            continue  # (arXiv withdraws papers, it does not delete them: a deleted record leaves the paper be)
        metadata = element.find(f"{OAI}metadata/{ARXIV}arXiv")
        if metadata is None:
            listing.warn(f"{listing.file}: record {number} has no arXiv metadata; skipped")
            continue
        try:
            yield paper_from_arxiv_json(oai_record(metadata), Source(source, 0, OAI_FORMAT))
        except (ValueError, TypeError) as e:
            listing.warn(f"{listing.file}: record {number}: not an arXiv record ({clip(str(e), 80)}); skipped")


def oai_record(metadata: Element) -> dict[str, Any]:
    """An `<arXiv>` metadata element as the snapshot's record: `authors_parsed` from keyname/forenames/suffix,
    the first version's date from `<created>`, `update_date` from `<updated>`."""
    record: dict[str, Any] = {key: metadata.findtext(f"{ARXIV}{tag}") for key, tag in _FIELDS.items()}
    parsed = [
        [author.findtext(f"{ARXIV}keyname") or "", author.findtext(f"{ARXIV}forenames") or "",
         author.findtext(f"{ARXIV}suffix") or ""]
        for author in metadata.iterfind(f"{ARXIV}authors/{ARXIV}author")
    ]
    record["authors_parsed"] = [p for p in parsed if p[0] or p[1]]
    record["authors"] = ", ".join(" ".join(filter(None, (p[1], p[0], p[2]))) for p in record["authors_parsed"])
    created = metadata.findtext(f"{ARXIV}created")
    record["versions"] = [{"version": "v1", "created": created}] if created else []
    record["update_date"] = metadata.findtext(f"{ARXIV}updated") or created
    return record


# -- RSS and Atom ----------------------------------------------------------------------------------------

_ANNOUNCED = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.S)


@dataclass
class Feed:
    """One category's announcements: its papers, and what the feed says of the day."""

    papers: list[Paper]
    revised: int = 0  # of them, new versions of papers announced before (`replace`)
    skip_days: tuple[str, ...] = ()  # the days the feed says it has no announcements (Saturday, Sunday)
    items: int = 0  # in the feed, the unreadable ones (skipped, each with a warning) included
    warnings: list[str] = field(default_factory=list)


# The roots of the documents feedparser is given: RSS 2.0, Atom, RSS 1.0 (RDF).
_FEED_ROOTS = {"rss", "{http://www.w3.org/2005/Atom}feed", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"}


def read_feed(data: bytes, *, name: str, source: str) -> Feed:
    """An arXiv RSS or Atom feed (as rss.arxiv.org serves it) -> its papers. A feed that declares a DTD is
    refused before feedparser reads it (no entity in it is expanded), one that is not a feed at all raises naming
    it. Held in memory whole (feedparser reads a document so; a day's feed is under 1 MB, and the harvester refuses
    one over 32 MB)."""
    try:  # (the whole document, in whatever encoding it declares: a DTD anywhere in it is refused)
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, LookupError, ValueError) as e:
        if why := _unreadable(e, data[:1024], expected="an RSS or Atom feed"):
            raise ListingError(why, file=name) from e
        if isinstance(e, DefusedXmlException):
            raise ListingError(f"refused: the feed declares a DTD or entities ({type(e).__name__})",
                               file=name) from e
        assert isinstance(e, ParseError)
        raise ListingError(f"not an RSS or Atom feed (malformed XML at line {e.position[0]}: {e.msg})",
                           file=name) from e
    if root.tag not in _FEED_ROOTS:  # (an XHTML login page parses, and would read as a day of no announcements)
        raise ListingError(f"{what_it_is(root.tag)}, not an RSS or Atom feed", file=name)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("bozo") and not parsed.entries and not parsed.feed:
        raise ListingError(f"not an RSS or Atom feed ({clip(str(parsed.get('bozo_exception') or 'unreadable'), 80)})",
                           file=name)
    feed = Feed([], items=len(parsed.entries))
    skip = parsed.feed.get("skipdays") or ""
    feed.skip_days = tuple(re.findall(r"[A-Z][a-z]+day", str(skip)))
    for number, entry in enumerate(parsed.entries, 1):
        try:
            paper, revised = _feed_paper(entry, Source(source, 0, RSS_FORMAT))
        except (ValueError, TypeError) as e:  # (one bad item costs that item, never the day's others)
            said = clip(str(entry.get("id") or entry.get("link") or "no id"), 40)
            feed.warnings.append(f"{name}: item {number} ({said}): not an arXiv announcement "
                                 f"({clip(str(e), 80)}); skipped")
            continue
        if paper is not None:
            feed.papers.append(paper)
            feed.revised += revised
    return feed


def _feed_paper(entry: Any, source: Source) -> tuple[Paper | None, bool]:
    """One item: `arXiv:2501.00001v2 Announce Type: replace Abstract: ...` in its description, the names in
    dc:creator (or Atom authors), its categories as tags, the announcement's date."""
    summary = str(entry.get("summary", ""))
    m = _ANNOUNCED.match(summary)
    arxiv_id = m["id"] if m else str(entry.get("link", "")).rstrip("/").rsplit("/", 1)[-1]
    kind = (m["type"] if m else str(entry.get("arxiv_announce_type", "new"))).lower()
    names = [str(a.get("name", "")) for a in entry.get("authors", []) if a.get("name")]
    authors = names if len(names) > 1 else str(entry.get("author", "")).split(",") if entry.get("author") else []
    day = _announced(entry)
    revised = kind.startswith("replace")
    record = {
        "id": arxiv_id,
        "title": str(entry.get("title", "")),
        "abstract": summary[m.end():] if m else summary,
        "authors": ", ".join(a.strip() for a in authors if a.strip()),
        "categories": " ".join(str(t.get("term", "")) for t in entry.get("tags", []) if t.get("term")),
        # A new paper's announcement dates its first version, near enough (OAI-PMH's `created`, when it comes,
        # is exact), and is its last update (so that it reads as a first version: state.version_of). A
        # revision's announcement is only its update: the first version's date is kept from what the library
        # holds (a load fills what a listing lacks), and a paper known only from a revision has none.
        "versions": [] if revised else [{"version": "v1", "created": day}],
        "update_date": day,
    }
    paper = paper_from_arxiv_json(record, source)
    if revised:
        paper.date = paper.year = None
    return paper, revised


def _announced(entry: Any) -> str | None:
    """The UTC day an item was announced: its RSS date (RFC 822) or Atom date (ISO 8601) read as written, else
    feedparser's reading of it. (feedparser read `Mon, 01 Jan 0001 00:00:00 +1400` as the year 1400.)"""
    text = str(entry.get("published") or entry.get("updated") or "").strip()
    for read in (email.utils.parsedate_to_datetime, datetime.datetime.fromisoformat):
        try:
            when = read(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if f"{when.year:04d}" not in text:  # (email.utils makes the year 0001 into 2001)
            return None
        try:
            return (when.astimezone(datetime.UTC) if when.tzinfo else when).date().isoformat()
        except (ValueError, OverflowError):  # (a day that falls outside the calendar in UTC)
            return None
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm(parsed))) if parsed and not text else None
