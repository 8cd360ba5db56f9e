"""New papers from arXiv: its OAI-PMH interface (sets, from a date, page by page) and its RSS feeds (a day's
announcements), loaded through the same all-or-nothing load as files.

A good citizen, as arXiv asks of harvesters: one request at a time, at least MIN_DELAY seconds apart, a
User-Agent that says who asks, `503 Retry-After` honoured, transient failures retried with growing waits, and
after a run that failed, nothing until the next run. HTTP by aiohttp (discord.py's own client): each response
is streamed to a temporary file, never held whole in memory, then parsed as a stream (store/arxiv.py).

Resumable and crash-safe: a page's papers and the resumption token after it commit in one transaction
(`state.page_loaded`), so a harvest killed anywhere goes on at the next run from the page it had not loaded; a
page loaded twice only finds its papers unchanged. A run that completes sets the next run's `from` to the date
it began (the same day's records are asked for again rather than missed).
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import importlib.metadata
import ipaddress
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import aiohttp

from papers_bot.config import Config
from papers_bot.errors import PapersBotError, ParseError, StoreBusy
from papers_bot.library import Library
from papers_bot.store import arxiv, state
from papers_bot.store.db import HARVESTED
from papers_bot.store.parse import Listing

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_DELAY = 3.0  # seconds between requests to arXiv (its terms); only a server on this machine may get less
RETRIES = 5  # attempts after the first, for a transient failure (the network, a 5xx, a 503)
MAX_RETRY_AFTER = 600.0  # seconds: a server asking for a longer wait is left until the next run
BUSY_RETRIES = 12  # a page's load waits out another load (a `!reload`) this many times, BUSY_WAIT apart
BUSY_WAIT = 5.0
MAX_PAGE_BYTES = 512 << 20  # one OAI-PMH page (arXiv's are a few MB)
MAX_FEED_BYTES = 32 << 20  # one RSS feed (a busy category's day is under 1 MB)
CHUNK = 1 << 16
TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120)


class HarvestError(PapersBotError):
    """A harvest run stopped short; what it loaded stays, and the next run goes on from there."""


@dataclass(frozen=True)
class Target:
    """One thing to harvest: an OAI-PMH set, or a category's RSS feed."""

    kind: str  # "oai" or "rss"
    name: str  # `cs:cs:CV`, or `cs.CV`

    @property
    def source(self) -> str:
        """How its papers' sources name it, and its row in `harvests`."""
        return f"{HARVESTED}{self.kind}/{self.name}"

    def __str__(self) -> str:
        return f"set {self.name}" if self.kind == "oai" else f"feed {self.name}"


def targets(config: Config) -> list[Target]:
    return [Target("oai", s) for s in config.harvest_sets] + [Target("rss", c) for c in config.harvest_feeds]


def user_agent(contact: str | None) -> str:
    who = f"; {contact}" if contact else ""
    try:
        version = importlib.metadata.version("papers-bot")
    except importlib.metadata.PackageNotFoundError:  # (run from the folders, not installed)
        version = "dev"
    return f"papers-bot/{version} (a Discord bot answering questions about research papers; harvests metadata{who})"


def delay_for(url: str, delay: float) -> float:
    """The wait between requests to `url`'s host: at least MIN_DELAY, unless the host is this machine (a test's
    or a benchmark's fake arXiv)."""
    host = urlsplit(url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    return max(delay, 0.0) if local else max(delay, MIN_DELAY)


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


class Client:
    """One polite HTTP client: a request at a time, `delay` apart (from the end of one to the start of the next),
    transient failures retried with doubling waits, 503's Retry-After honoured. Once it gives up (a server that
    keeps failing, or asks for a long wait) the run asks nothing more (`gave_up`)."""

    def __init__(self, *, delay: float, contact: str | None = None, retries: int = RETRIES,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.delay = delay
        self.retries = retries
        self.sleep = sleep
        self.user_agent = user_agent(contact)
        self.gave_up: str | None = None  # why it stopped asking (a server down, or asking to wait): for this run
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._ready_at = 0.0  # time.monotonic() before which no request starts

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession(headers={"User-Agent": self.user_agent}, timeout=TIMEOUT)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def _turn(self, wait: float = 0.0) -> None:
        pause = max(self._ready_at - time.monotonic(), wait)
        if pause > 0:
            await self.sleep(pause)

    async def fetch(self, url: str, params: dict[str, str], out: IO[bytes], *, limit: int) -> None:
        """GET `url` into `out` (emptied first), streamed; HarvestError when it cannot be had."""
        assert self._session is not None, "use the client as `async with Client(...)`"
        async with self._lock:
            wait, problem = 0.0, ""
            for attempt in range(self.retries + 1):
                await self._turn(wait)
                try:
                    async with self._session.get(url, params=params) as response:
                        if response.status in (429, 503):
                            asked = retry_after(response.headers.get("Retry-After"))
                            if asked is not None and asked > MAX_RETRY_AFTER:
                                self.gave_up = f"{url} asked to wait {asked:.0f} s (Retry-After)"
                                raise HarvestError(f"{self.gave_up}; leaving it until the next run")
                            problem = f"{url} answered {response.status} (busy)"
                            wait = asked if asked is not None else self._backoff(attempt)
                            continue
                        if response.status >= 500:
                            problem, wait = f"{url} answered {response.status}", self._backoff(attempt)
                            continue
                        if response.status != 200:
                            raise HarvestError(f"{url} answered {response.status} {response.reason or ''}: check "
                                               "the URL and the set or category".replace("  ", " "))
                        out.seek(0)
                        out.truncate()
                        size = 0
                        async for chunk in response.content.iter_chunked(CHUNK):
                            size += len(chunk)
                            if size > limit:
                                raise HarvestError(f"{url}: the response is larger than {limit >> 20} MB; refused")
                            out.write(chunk)
                        out.flush()
                        return
                except (aiohttp.ClientError, TimeoutError) as e:
                    problem, wait = f"{url}: {type(e).__name__}: {e}", self._backoff(attempt)
                finally:
                    self._ready_at = time.monotonic() + self.delay
                log.warning("%s; trying again in %.0f s (attempt %d of %d)", problem, wait, attempt + 2,
                            self.retries + 1)
            self.gave_up = f"{problem}; gave up after {self.retries + 1} attempts"
            raise HarvestError(self.gave_up)

    def _backoff(self, attempt: int) -> float:
        return max(self.delay, 1.0 if self.delay >= MIN_DELAY else 0.05) * 2 ** attempt


RunBlocking = Callable[..., Awaitable[Any]]


async def _in_thread(call: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(call, *args)


@dataclass
class Report:
    """What one run of one target did."""

    target: Target
    records: int = 0
    added: int = 0
    updated: int = 0
    pages: int = 0
    outcome: str = ""
    failed: bool = False
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.target}: {self.outcome}"


Clock = Callable[[], datetime.datetime]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def quiet_reason(since: str | None, until: str, *, skip_days: Sequence[str] = ()) -> str:
    """Why a run from `since` to `until` (UTC dates) brought nothing, in words: arXiv announces once a day, Sunday
    to Thursday evenings, and nothing on Saturdays and Sundays (nor on its holidays), so an empty run after a
    weekend, or a second run on one day, is expected, not a fault."""
    end = datetime.date.fromisoformat(until)
    start = datetime.date.fromisoformat(since) if since else end - datetime.timedelta(7)
    days = [start + datetime.timedelta(n) for n in range((end - start).days)]  # (the days before `until`)
    weekend = {"Saturday", "Sunday", *skip_days}
    if not days:
        return ("the last run was today, and arXiv announces once a day (Sunday to Thursday, 20:00 US Eastern): "
                "the next announcement comes then")
    if all(d.strftime("%A") in weekend for d in days):
        return ("arXiv announces nothing on Saturdays and Sundays, so nothing new is expected until its next "
                "announcement (Sunday to Thursday, 20:00 US Eastern)")
    return ("arXiv had nothing new here on weekdays either: a holiday (arXiv keeps a few), or check that the set "
            "or category exists (`papers-bot harvest --status` shows what is configured)")


def feed_quiet_reason(day: str, skip_days: Sequence[str] = ()) -> str:
    """Why a category's feed on the UTC date `day` holds no announcements: none follow Fridays and Saturdays
    (arXiv announces Sunday to Thursday evenings, so Saturday's and Sunday's feeds are empty)."""
    if datetime.date.fromisoformat(day).strftime("%A") in {"Saturday", "Sunday", *skip_days}:
        return ("arXiv announces nothing on Fridays and Saturdays, so the feed is empty on Saturdays and Sundays; "
                "Sunday evening's announcement (US Eastern) comes next")
    return "a holiday (arXiv keeps a few), or check that the category exists"


class Harvester:
    """Harvests `config`'s targets into `library`. Library calls go through `run_blocking(fn, library, ...)`:
    threads of the bot's own (bot.papers.run), or asyncio.to_thread at the command line."""

    def __init__(self, library: Library, config: Config, *, run_blocking: RunBlocking | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, clock: Clock = utcnow) -> None:
        self.library = library
        self.config = config
        self.clock = clock  # (the day a run begins is its next run's `from`: tests pass a fixed one)
        self.run_blocking: RunBlocking = run_blocking or (lambda call, *args: _in_thread(call, library, *args))
        self.sleep = sleep
        self.lock = asyncio.Lock()  # one run at a time in this process

    async def run(self, chosen: Sequence[Target] | None = None, *, since: str | None = None) -> list[Report]:
        """Harvest each target in turn (all configured ones by default); `since` overrides the stored `from`."""
        chosen = list(chosen if chosen is not None else targets(self.config))
        # One client for the run: its requests are spaced as the strictest of the hosts it asks needs (two sets
        # are two lists from one server, asked one after the other).
        delay = max(delay_for(self.config.oai_url if t.kind == "oai" else self.config.rss_url,
                              self.config.harvest_delay) for t in chosen) if chosen else 0.0
        async with self.lock, Client(delay=delay, contact=self.config.harvest_contact, sleep=self.sleep) as client:
            reports = []
            for target in chosen:
                report = Report(target)
                try:
                    if client.gave_up:  # (never on to the next set or feed after a failure: until the next run)
                        raise HarvestError(f"not asked this run: {client.gave_up}")
                    if target.kind == "oai":
                        await self._oai(client, target, report, since)
                    else:
                        await self._rss(client, target, report)
                except PapersBotError as e:  # (HarvestError, a page's ParseError, a library that refuses writes)
                    report.failed, report.outcome = True, f"stopped: {e}"
                    try:
                        await self.run_blocking(_failed, target.source, report.outcome)
                    except PapersBotError as also:
                        log.warning("harvest: cannot note that %s stopped (%s)", target, also)
                reports.append(report)
                log.info("harvest: %s", report.line())
            return reports

    def today(self) -> str:
        return self.clock().astimezone(datetime.UTC).date().isoformat()

    async def _load(self, listing: Listing, also: Callable[..., None]) -> Any:
        """Load one page, waiting out another load (a `!reload`) for a while."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                return await self.run_blocking(_load, [listing], also)
            except StoreBusy as e:
                if attempt == BUSY_RETRIES:
                    raise HarvestError(str(e)) from e
                await self.sleep(BUSY_WAIT)
        raise AssertionError("unreachable")

    async def _oai(self, client: Client, target: Target, report: Report, since: str | None) -> None:
        progress: state.Progress = await self.run_blocking(_progress, target.source)
        first = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": target.name}
        run_from = since or progress.next_from
        earlier = 0  # records of this run loaded before (by a run that stopped part way)
        if progress.token and since is None:
            asked: str | None = progress.token
            run_from, earlier = progress.run_from, progress.run_records
            log.info("harvest: %s goes on from the page it had not loaded (token %s)", target, asked)
            await self.run_blocking(_resume, target.source)
        else:
            asked = None
            await self.run_blocking(_begin, target.source, run_from, self.today())
        restarted = False
        with tempfile.TemporaryDirectory(prefix="papers-bot-harvest-") as folder:
            path = Path(folder) / "page.xml"
            while True:
                params = {"verb": "ListRecords", "resumptionToken": asked} if asked else {
                    **first, **({"from": run_from} if run_from else {})}
                end = await self._page(client, params, path, target)
                if end.error == "noRecordsMatch":
                    report.outcome = (f"no new records since {run_from or 'the start'}: "
                                      + quiet_reason(run_from, self.today()))
                    await self.run_blocking(_finish, target.source, report.outcome)
                    return
                if end.error == "badResumptionToken" and asked and not restarted:
                    # (a token arXiv no longer knows, after a long stop: the run starts again from its `from`)
                    log.warning("harvest: arXiv no longer knows the token of %s; starting its run again from %s",
                                target, run_from or "the start")
                    await self.run_blocking(_begin, target.source, run_from, self.today())
                    asked, restarted, earlier = None, True, 0
                    continue
                if end.error:
                    raise HarvestError(f"arXiv answered {end.error}: {end.message or 'no explanation'}")
                report.pages += 1
                page_name = f"{self.config.oai_url} ({target}, page {report.pages})"
                listing = arxiv.oai_listing(path, name=page_name, source=target.source)
                done = not end.token
                records = report.records + end.records
                outcome = f"{earlier + records:,} records, complete" if done else ""

                def also(db: Any, asked: str | None = asked, end: arxiv.PageEnd = end, done: bool = done,
                         outcome: str = outcome) -> None:
                    state.page_loaded(db, target.source, asked=asked, token=end.token, records=end.records)
                    if done:
                        state.finish_run(db, target.source, outcome)

                summary = await self._load(listing, also)
                report.records, report.added, report.updated = records, report.added + summary.added, \
                    report.updated + summary.updated
                report.warnings += summary.warnings
                log.info("harvest: %s page %d: %d records (%d new, %d updated)%s", target, report.pages, end.records,
                         summary.added, summary.updated,
                         f"; {records:,} of {end.complete_size:,}" if end.complete_size else "")
                if done:
                    report.outcome = (f"{records:,} records ({report.added:,} new, {report.updated:,} updated) in "
                                      f"{report.pages} pages" + (f", after {earlier:,} in an earlier try" if earlier
                                                                 else ""))
                    return
                asked = end.token

    async def _page(self, client: Client, params: dict[str, str], path: Path, target: Target) -> arxiv.PageEnd:
        """One page, downloaded whole and read through; a page that breaks off is asked for once more."""
        for attempt in range(2):
            with path.open("w+b") as out:
                await client.fetch(self.config.oai_url, params, out, limit=MAX_PAGE_BYTES)
            try:
                return await asyncio.to_thread(arxiv.page_end, path, name=f"{self.config.oai_url} ({target})")
            except ParseError as e:
                if attempt:
                    raise HarvestError(f"{e}; the next run asks for this page again") from e
                log.warning("harvest: %s; asking for the page again", e)
        raise AssertionError("unreachable")

    async def _rss(self, client: Client, target: Target, report: Report) -> None:
        await self.run_blocking(_begin, target.source, None, self.today())
        url = f"{self.config.rss_url.rstrip('/')}/{target.name}"
        with tempfile.TemporaryFile() as out:
            await client.fetch(url, {}, out, limit=MAX_FEED_BYTES)
            out.seek(0)
            data = out.read()
        feed = await asyncio.to_thread(arxiv.read_feed, data, name=url, source=target.source)
        report.records, report.pages = len(feed.papers), 1
        if not feed.papers:
            report.outcome = "no announcements in today's feed: " + feed_quiet_reason(self.today(), feed.skip_days)
            await self.run_blocking(_finish, target.source, report.outcome)
            return
        outcome = f"{len(feed.papers):,} announcements ({feed.revised:,} of them new versions)"

        def also(db: Any) -> None:
            state.page_loaded(db, target.source, asked=None, token=None, records=len(feed.papers))
            state.finish_run(db, target.source, outcome)

        summary = await self._load(Listing(url, arxiv.RSS_FORMAT, iter(feed.papers)), also)
        report.added, report.updated, report.warnings = summary.added, summary.updated, summary.warnings
        report.outcome = f"{outcome}: {summary.added:,} new, {summary.updated:,} updated"


# What the harvester asks of the library, each run where `run_blocking` runs it (never on the event loop).
def _progress(library: Library, source: str) -> state.Progress:
    with library.reading() as (db, _):
        return state.progress(db, source)


def _begin(library: Library, source: str, run_from: str | None, started: str) -> None:
    library.write(lambda db: state.begin_run(db, source, run_from=run_from, started=started))


def _resume(library: Library, source: str) -> None:
    library.write(lambda db: state.resume_run(db, source))


def _finish(library: Library, source: str, outcome: str) -> None:
    library.write(lambda db: state.finish(db, source, outcome))


def _failed(library: Library, source: str, outcome: str) -> None:
    library.write(lambda db: state.run_failed(db, source, outcome))


def _load(library: Library, listings: list[Listing], also: Callable[..., None]) -> Any:
    return library.load([], listings=listings, also=also)


def next_run(config: Config, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the bot next harvests (UTC), or None: nothing to harvest."""
    if not targets(config) or not config.harvest_times:
        return None
    now = now or utcnow()
    for days in (0, 1):
        day = now.date() + datetime.timedelta(days)
        for at in config.harvest_times:
            when = datetime.datetime.combine(day, at, tzinfo=datetime.UTC)
            if when > now:
                return when
    return None


def status(library: Library | None, config: Config, now: datetime.datetime | None = None) -> list[str]:
    """`papers-bot harvest --status`: each target's last run, what it brought, why nothing if so, the next
    (`library` None: there is none yet, so nothing was harvested)."""
    rows: dict[str, state.Progress] = {}
    if library is not None:
        with library.reading() as (db, _):
            rows = {p.source: p for p in state.all_progress(db)}
    chosen = targets(config)
    lines = []
    if not chosen:
        lines.append("Nothing is configured to harvest (harvest_sets, harvest_feeds: see README 'Keeping the "
                     "library current').")
    for target in chosen + [Target(*s.removeprefix(HARVESTED).split("/", 1)) for s in rows
                            if s not in {t.source for t in chosen}]:
        p = rows.get(target.source, state.Progress(target.source))
        configured = "" if target in chosen else " (no longer configured)"
        lines.append(f"{target}{configured}:")
        if p.last_started is None:
            lines.append("  never harvested")
            continue
        ended = "stopped" if (p.last_outcome or "").startswith("stopped") else "finished"
        lines.append(f"  last run: started {p.last_started}, " + (
            f"{ended} {p.last_finished}" if p.last_finished and p.last_finished >= p.last_started
            else "not finished (still running, or stopped without a word: the next run goes on)"))
        if p.last_outcome:
            lines.append(f"  {p.last_outcome}")
        if p.token:
            lines.append(f"  part way through a run from {p.run_from or 'the start'} ({p.run_records:,} records so "
                         "far): the next run goes on from there")
        lines.append(f"  records fetched in all: {p.total_records:,}; next run asks from {p.next_from or 'the start'}"
                     if target.kind == "oai" else f"  records fetched in all: {p.total_records:,}")
    when = next_run(config, now)
    lines.append(f"Next run: {when:%Y-%m-%d %H:%M} UTC, by the running bot (or run `papers-bot harvest`)." if when
                 else "Next run: none scheduled.")
    return lines
