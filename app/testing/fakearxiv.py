"""A fake arXiv on 127.0.0.1: its OAI-PMH interface (`ListRecords` in the `arXiv` format, pages with resumption
tokens, `from` and sets, its errors) and its RSS feeds, for the tests and bench/harvest.py. The harvester is
pointed at it by configuration (`oai_url`, `rss_url`), as the bot is pointed at the fake Discord.

Faults are scripted per request (`fail`): a 503 with Retry-After, a 500, a page cut off mid-record (malformed),
a dropped connection; `expire_tokens()` makes every token given so far unknown (`badResumptionToken`).
"""

from __future__ import annotations

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

    id: str  # with its version: `2612.00001v1`
    title: str = "An announced paper"
    abstract: str = "What it does."
    authors: str = "Ada Lovelace, Charles Babbage"
    categories: Sequence[str] = ("cs.CV",)
    kind: str = "new"  # new, cross, replace, replace-cross

    def xml(self, day: datetime.date) -> str:
        bare = self.id.rsplit("v", 1)[0]
        tags = "".join(f"<category>{escape(c)}</category>" for c in self.categories)
        description = f"arXiv:{self.id} Announce Type: {self.kind} \nAbstract: {self.abstract}"
        return (f"<item><title>{escape(self.title)}</title><link>https://arxiv.org/abs/{bare}</link>"
                f"<description>{escape(description)}</description>"
                f"<guid isPermaLink=\"false\">oai:arXiv.org:{self.id}</guid>{tags}"
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
    requests: list[Request] = field(default_factory=list)
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

    async def _fault(self, request: web.Request) -> web.StreamResponse | None:
        self.requests.append(Request(time.monotonic(), request.path, dict(request.query),
                                     request.headers.get("User-Agent", "")))
        if not self.fail:
            return None
        fault = self.fail.pop(0)
        if fault is None:  # (this request is answered as usual)
            return None
        if fault[0] == 503:
            return web.Response(status=503, headers={"Retry-After": str(fault[1])}, text="busy")
        if fault[0] == 500:
            return web.Response(status=500, text="oops")
        if fault[0] == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if fault[0] == "malformed":
            return None  # (the page is made, then cut off: `_oai`)
        return None

    async def _oai(self, request: web.Request) -> web.StreamResponse:
        malformed = bool(self.fail) and self.fail[0] is not None and self.fail[0][0] == "malformed"
        fault = await self._fault(request)
        if fault is not None:
            return fault
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
            since = q.get("from")
            numbers = [i for i, r in enumerate(self.records)
                       if in_set(r, q.get("set")) and (since is None or r.datestamp >= since)]
            start = 0
            if not numbers:
                return self._error("noRecordsMatch", "no records match")
        page = numbers[start : start + self.page_size]
        after = start + len(page)
        token = ""
        if after < len(numbers):
            token = f"{next(self._ids)}|{after}"
            self._lists[token] = (numbers, after)
            while len(self._lists) > MAX_TOKENS:  # (the oldest expire)
                del self._lists[next(iter(self._lists))]
        body = "".join(self.records[i].xml() for i in page)
        resumption = (f"<resumptionToken cursor=\"{start}\" completeListSize=\"{len(numbers)}\">{escape(token)}"
                      "</resumptionToken>") if token or start else ""
        text = self._envelope(f"<ListRecords>{body}{resumption}</ListRecords>")
        if malformed:
            text = text[: len(text) // 2]
        return web.Response(text=text, content_type="text/xml")

    def _envelope(self, inner: str) -> str:
        return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH xmlns={quoteattr(OAI_NS)}>"
                f"<responseDate>{datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}</responseDate>"
                f"<request verb=\"ListRecords\">{escape(self.oai_url)}</request>{inner}</OAI-PMH>")

    def _error(self, code: str, message: str) -> web.Response:
        return web.Response(text=self._envelope(f"<error code={quoteattr(code)}>{escape(message)}</error>"),
                            content_type="text/xml")

    async def _rss(self, request: web.Request) -> web.StreamResponse:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        category = request.match_info["category"]
        if category not in self.feeds:
            return web.Response(status=404, text="no such feed")
        items = "".join(item.xml(self.feed_day) for item in self.feeds[category])
        text = (
            "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel>"
            f"<title>{escape(category)} updates on arXiv.org</title><link>http://rss.arxiv.org/rss/{category}</link>"
            "<description>arXiv announcements</description><language>en-us</language>"
            "<skipDays><day>Sunday</day><day>Saturday</day></skipDays>"
            f"{items}</channel></rss>"
        )
        return web.Response(text=text, content_type="application/rss+xml")


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
    import asyncio
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
