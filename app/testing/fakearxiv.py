"""A fake arXiv on 127.0.0.1: its OAI-PMH interface (`ListRecords` in the `arXiv` format, pages with resumption
tokens, `from` and sets, its errors) and its RSS feeds, for the tests and bench/harvest.py. The harvester is
pointed at it by configuration (`oai_url`, `rss_url`), as the bot is pointed at the fake Discord.

It is also the hostile server the harvester must survive. Faults are scripted per request (`fail`, in order;
`always` once that is used up), each a tuple:

- `(503, seconds)` a 503 with Retry-After; `(500,)`; `("drop",)` a dropped connection; `("malformed",)` the page
  cut off mid-record;
- `("drip", pace)` the usual reply, a byte every `pace` seconds;
- `("redirect", location, status=302)` (location None: the same address again, a loop when repeated);
- `("body", text or bytes, content_type="text/html")` that reply instead: an HTML page (`HTML_PAGE`,
  `XHTML_LOGIN`), another document, a bomb (`laughs()`, `deep()`, `huge()`);
- the usual page, lying: `("same-token",)` its token always `same` (the list never moves on), `("endless",
  size)` always one more token, cursors growing past `completeListSize=size`, `("count", text)` that
  `completeListSize`, `("encoding", name)` that XML declaration, `("namespace", uri)` that namespace.

`latency` makes every reply wait that long before it begins (a slow server). `expire_tokens()` makes every
token given so far unknown (`badResumptionToken`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from papers_bot.config import oai_set

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MAX_TOKENS = 10_000
HTML_PAGE = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
             "<p>The proxy could not reach the server.</p></body></html>")
XHTML_LOGIN = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head>"
               "<title>Sign in</title></head><body><form><input name=\"user\"/></form></body></html>")


def laughs(root: str = f"<OAI-PMH xmlns={quoteattr(OAI_NS)}><ListRecords>&c;</ListRecords></OAI-PMH>") -> str:
    """A billion-laughs document: entities that expand to far more than they take."""
    return ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            f'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>{root}')


def deep(levels: int = 100_000) -> str:
    """An OAI-PMH reply nested `levels` elements deep."""
    return f"<OAI-PMH xmlns={quoteattr(OAI_NS)}><ListRecords>" + "<x>" * levels + "</x>" * levels + \
        "</ListRecords></OAI-PMH>"


def huge(size: int) -> str:
    """An OAI-PMH reply of about `size` bytes (a comment that goes on)."""
    return f"<OAI-PMH xmlns={quoteattr(OAI_NS)}><ListRecords><!--" + "x" * size + "--></ListRecords></OAI-PMH>"


@dataclass
class Record:
    """One paper as arXiv's OAI-PMH `arXiv` format has it (authors: (keyname, forenames[, suffix[, affiliation]]))."""

    id: str
    title: str = "A paper"
    abstract: str = "An abstract."
    authors: Sequence[Sequence[str]] = (("Lovelace", "Ada"),)
    categories: str = "cs.CV"
    created: str = "2026-11-30"
    updated: str | None = None
    datestamp: str = "2026-12-01"
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    msc_class: str | None = None
    acm_class: str | None = None
    license: str | None = None
    deleted: bool = False

    def xml(self) -> str:
        status = ' status="deleted"' if self.deleted else ""
        sets = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in set_specs(self.categories))
        header = (f"<header{status}><identifier>oai:arXiv.org:{escape(self.id)}</identifier>"
                  f"<datestamp>{self.datestamp}</datestamp>{sets}</header>")
        if self.deleted:
            return f"<record>{header}</record>"
        authors = "".join(
            "<author>" + "".join(f"<{tag}>{escape(value)}</{tag}>"
                                 for tag, value in zip(("keyname", "forenames", "suffix", "affiliation"), a) if value)
            + "</author>" for a in self.authors
        )
        optional = [("updated", self.updated), ("comments", self.comments), ("report-no", self.report_no),
                    ("msc-class", self.msc_class), ("acm-class", self.acm_class), ("journal-ref", self.journal_ref),
                    ("doi", self.doi), ("license", self.license)]
        extra = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in optional[1:] if value)
        return (
            f"<record>{header}<metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\" "
            f"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><id>{escape(self.id)}</id>"
            f"<created>{self.created}</created>" + (f"<updated>{self.updated}</updated>" if self.updated else "")
            + f"<authors>{authors}</authors><title>{escape(self.title)}</title>"
            f"<categories>{escape(self.categories)}</categories>{extra}"
            f"<abstract>{escape(self.abstract)}</abstract></arXiv></metadata></record>"
        )


def set_specs(categories: str) -> list[str]:
    """The OAI sets a paper is in, as arXiv forms them: `cs.CV` -> `cs:cs:CV`, `hep-th` -> `physics:hep-th`,
    `astro-ph.CO` -> `physics:astro-ph:CO` (a set also holds its subsets' papers: `in_set`)."""
    return [oai_set(c) for c in categories.split()]


def in_set(record: Record, spec: str | None) -> bool:
    return spec is None or any(s == spec or s.startswith(spec + ":") for s in set_specs(record.categories))


class Synthetic(Sequence[Record]):
    """`n` made-up records, made when asked for (a large first harvest without holding them all)."""

    def __init__(self, n: int, *, datestamp: str = "2026-12-01") -> None:
        self.n, self.datestamp = n, datestamp

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if not 0 <= i < self.n:
            raise IndexError(i)
        words = ("seismic", "diffusion", "segmentation", "transformer", "graph", "fault", "sparse", "hashing")
        topic = " ".join(words[(i * k) % len(words)] for k in (1, 3, 5))
        return Record(
            id=f"{2600 + i // 99999 % 100:04d}.{i % 99999 + 1:05d}", title=f"Synthetic study {i} of {topic}",
            abstract=f"We study {topic} at scale, the {i}th time. Code: https://github.com/example/p{i}",
            authors=(("Person", f"Author{i % 997}"), ("Other", f"Writer{i % 131}")),
            categories="cs.CV cs.LG" if i % 2 else "cs.CV", created="2026-11-30", datestamp=self.datestamp,
            comments=f"{i % 20 + 4} pages",
        )


@dataclass
class Item:
    """One announcement in a category's RSS feed."""

    id: str  # with its version: `2612.00001v1` ("": an item without one, no link or guid either)
    title: str = "An announced paper"
    abstract: str = "What it does."
    authors: str = "Ada Lovelace, Charles Babbage"
    categories: Sequence[str] = ("cs.CV",)
    kind: str = "new"  # new, cross, replace, replace-cross

    def xml(self, day: datetime.date) -> str:
        bare = self.id.rsplit("v", 1)[0]
        tags = "".join(f"<category>{escape(c)}</category>" for c in self.categories)
        description = f"arXiv:{self.id} Announce Type: {self.kind} \nAbstract: {self.abstract}" if self.id else \
            self.abstract
        ids = (f"<link>https://arxiv.org/abs/{bare}</link><guid isPermaLink=\"false\">oai:arXiv.org:{self.id}</guid>"
               if self.id else "")
        return (f"<item><title>{escape(self.title)}</title>{ids}<description>{escape(description)}</description>{tags}"
                f"<pubDate>{day:%a, %d %b %Y} 00:00:00 -0500</pubDate>"
                f"<arxiv:announce_type>{self.kind}</arxiv:announce_type>"
                f"<dc:creator>{escape(self.authors)}</dc:creator></item>")


@dataclass
class Request:
    at: float  # time.monotonic() when it arrived
    path: str
    query: dict[str, str]
    user_agent: str


@dataclass
class FakeArxiv:
    records: Sequence[Record] = ()
    page_size: int = 3
    feeds: dict[str, list[Item]] = field(default_factory=dict)
    feed_day: datetime.date = datetime.date(2026, 12, 1)
    fail: list[tuple[Any, ...] | None] = field(default_factory=list)  # per request, in order (None: no fault)
    always: tuple[Any, ...] | None = None  # the fault of every request once `fail` is used up
    requests: list[Request] = field(default_factory=list)
    no_sets: Sequence[str] = ()  # sets it answers `badArgument` for (as arXiv does a set it does not have)
    latency: float = 0.0  # seconds each reply waits before it begins
    port: int = 0

    def __post_init__(self) -> None:
        self._lists: dict[str, tuple[list[int], int]] = {}  # token -> (the list's record numbers, where it goes on)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def oai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oai"

    @property
    def rss_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rss"

    def expire_tokens(self) -> None:
        self._lists.clear()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/oai", self._oai)
        app.router.add_get("/rss/{category}", self._rss)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _fault(self, request: web.Request) -> tuple[web.StreamResponse | None, tuple[Any, ...]]:
        """This request's fault (`fail`, then `always`), and the reply it is when it replaces the usual one."""
        self.requests.append(Request(time.monotonic(), request.path, dict(request.query),
                                     request.headers.get("User-Agent", "")))
        fault = (self.fail.pop(0) if self.fail else self.always) or ("none",)
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault[0] == 503:
            return web.Response(status=503, headers={"Retry-After": str(fault[1])}, text="busy"), fault
        if fault[0] == 500:
            return web.Response(status=500, text="oops"), fault
        if fault[0] == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500), fault
        if fault[0] == "redirect":
            location = fault[1] if fault[1] is not None else request.path_qs
            return web.Response(status=fault[2] if len(fault) > 2 else 302, headers={"Location": location}), fault
        if fault[0] == "body":
            body = fault[1].encode() if isinstance(fault[1], str) else fault[1]
            return web.Response(body=body, content_type=fault[2] if len(fault) > 2 else "text/html"), fault
        return None, fault  # (the usual reply, perhaps altered: `_send`, `_oai`)

    async def _send(self, request: web.Request, text: str, content_type: str,
                    fault: tuple[Any, ...]) -> web.StreamResponse:
        if fault[0] == "malformed":
            text = text[: len(text) // 2]
        elif fault[0] == "encoding":
            text = text.replace('encoding="UTF-8"', f"encoding={quoteattr(fault[1])}", 1)
        if fault[0] != "drip":
            return web.Response(text=text, content_type=content_type)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        try:
            for byte in text.encode():
                await response.write(bytes([byte]))
                await asyncio.sleep(fault[1])
        except ConnectionError:  # (the harvester gave up on it)
            pass
        return response

    async def _oai(self, request: web.Request) -> web.StreamResponse:
        reply, fault = await self._fault(request)
        if reply is not None:
            return reply
        q = request.query
        if q.get("verb") != "ListRecords":
            return self._error("badVerb", "only ListRecords here")
        if "resumptionToken" in q:
            if q["resumptionToken"] not in self._lists:
                return self._error("badResumptionToken", "the token is not known or has expired")
            numbers, start = self._lists[q["resumptionToken"]]  # (a token is good until it expires, as arXiv's)
        else:
            if q.get("metadataPrefix") != "arXiv":
                return self._error("cannotDisseminateFormat", "only arXiv")
            if q.get("set") in self.no_sets:
                return self._error("badArgument", f"invalid set: {q['set']}")
            since = q.get("from")
            numbers = [i for i, r in enumerate(self.records)
                       if in_set(r, q.get("set")) and (since is None or r.datestamp >= since)]
            start = 0
            if not numbers:
                return self._error("noRecordsMatch", "no records match")
        page = numbers[start : start + self.page_size]
        after = start + len(page)
        token, cursor, size = "", str(start), str(len(numbers))
        if after < len(numbers):
            token = f"{next(self._ids)}|{after}"
            self._lists[token] = (numbers, after)
            while len(self._lists) > MAX_TOKENS:  # (the oldest expire)
                del self._lists[next(iter(self._lists))]
        if fault[0] == "same-token":  # (the first page again, for ever)
            page, token = numbers[: self.page_size], "same"
            self._lists[token] = (numbers, 0)
        elif fault[0] == "endless":  # (one more page, for ever, whatever the list's size says)
            number = next(self._ids)
            page, token, cursor, size = numbers[: self.page_size], f"endless|{number}", str(
                number * self.page_size), str(fault[1])
            self._lists[token] = (numbers, 0)
        elif fault[0] == "count":
            size = fault[1]
        body = "".join(self.records[i].xml() for i in page)
        resumption = (f"<resumptionToken cursor={quoteattr(cursor)} completeListSize={quoteattr(size)}>"
                      f"{escape(token)}</resumptionToken>") if token or start else ""
        text = self._envelope(f"<ListRecords>{body}{resumption}</ListRecords>")
        if fault[0] == "namespace":
            text = text.replace(f"xmlns={quoteattr(OAI_NS)}", f"xmlns={quoteattr(fault[1])}" if fault[1] else "")
        return await self._send(request, text, "text/xml", fault)

    def _envelope(self, inner: str) -> str:
        return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH xmlns={quoteattr(OAI_NS)}>"
                f"<responseDate>{datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}</responseDate>"
                f"<request verb=\"ListRecords\">{escape(self.oai_url)}</request>{inner}</OAI-PMH>")

    def _error(self, code: str, message: str) -> web.Response:
        return web.Response(text=self._envelope(f"<error code={quoteattr(code)}>{escape(message)}</error>"),
                            content_type="text/xml")

    async def _rss(self, request: web.Request) -> web.StreamResponse:
        reply, fault = await self._fault(request)
        if reply is not None:
            return reply
        category = request.match_info["category"]
        if category not in self.feeds:
            return web.Response(status=404, text="no such feed")
        items = "".join(item.xml(self.feed_day) for item in self.feeds[category])
        text = (
            "<?xml version='1.0' encoding=\"UTF-8\"?><rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel>"
            f"<title>{escape(category)} updates on arXiv.org</title><link>http://rss.arxiv.org/rss/{category}</link>"
            "<description>arXiv announcements</description><language>en-us</language>"
            "<skipDays><day>Sunday</day><day>Saturday</day></skipDays>"
            f"{items}</channel></rss>"
        )
        return await self._send(request, text, "application/rss+xml", fault)


@contextlib.asynccontextmanager
async def serving_arxiv(**options: Any) -> AsyncIterator[FakeArxiv]:
    fake = FakeArxiv(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def main() -> None:
    """`python -m papers_bot.testing.fakearxiv --records N [--page-size P]`: serve N synthetic records on a free
    port of 127.0.0.1 (printed as `port N`) until killed: bench/harvest.py's arXiv, in a process of its own."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()

    async def serve() -> None:
        async with serving_arxiv(records=Synthetic(args.records), page_size=args.page_size) as fake:
            sys.stdout.write(f"port {fake.port}\n")
            sys.stdout.flush()
            await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
