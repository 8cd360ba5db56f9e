"""New papers from arXiv: its OAI-PMH interface (sets, from a date, page by page) and its RSS feeds (a day's
announcements), loaded through the same all-or-nothing load as files.

A good citizen, as arXiv asks of harvesters: one request at a time, at least MIN_DELAY seconds apart, a
User-Agent that says who asks, `503 Retry-After` honoured, transient failures retried with growing waits,
redirects followed a hop at a time (each hop spaced as its host needs), one harvest of a library at a time
across processes (`harvest_lock`), and after a run that failed, nothing until the next run. HTTP by aiohttp
(discord.py's own client): each response is streamed to a temporary file, never held whole in memory, then
parsed as a stream (store/arxiv.py).

Safe against a server that misbehaves: `Limits` bounds what a run spends on one (the waits of a request, the
time a response takes to arrive, its size, its redirects, the pages of a list), a resumption token sent twice
ends the run, and a reply that is not what was asked for is an error naming it, never "nothing new".

Resumable and crash-safe: a page's papers and the resumption token after it commit in one transaction
(`state.page_loaded`), so a harvest killed anywhere goes on at the next run from the page it had not loaded; a
page loaded twice only finds its papers unchanged. A run that completes sets the next run's `from` to the date
it began (the same day's records are asked for again rather than missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import email.utils
import fcntl
import functools
import importlib.metadata
import ipaddress
import logging
import math
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urljoin, urlsplit

import aiohttp

from papers_bot.config import Config
from papers_bot.errors import PapersBotError, ParseError, StoreBusy
from papers_bot.library import Library
from papers_bot.store import arxiv, state
from papers_bot.store.db import HARVESTED
from papers_bot.store.parse import Listing
from papers_bot.text import clip, plural, redact_url, redact_urls

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_DELAY = 3.0  # seconds between requests to arXiv (its terms); only a server on this machine may get less
RETRIES = 5  # attempts after the first, for a transient failure (the network, a 5xx, a 503)
BUSY_RETRIES = 12  # a page's load waits out another load (a `!reload`) this many times, BUSY_WAIT apart
BUSY_WAIT = 5.0
CHUNK = 1 << 16
TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120)
REDIRECTS = {301, 302, 303, 307, 308}
PAGE_SLACK = 5  # pages a list may run over twice what its completeListSize implies


@dataclass(frozen=True)
class Limits:
    """What one run may spend on a server before it stops (HarvestError) and leaves the rest to the next run;
    tests pass small ones, never waiting real minutes."""

    page_deadline: float = 600.0  # seconds from asking for a page to its last byte, over all its redirect hops and
    # retries (a server that drips, or redirects and fails slowly); the polite waits between them are not counted
    retry_wait: float = 600.0  # seconds one request may wait in all between its attempts (Retry-After included)
    redirects: int = 5  # hops one request may follow
    pages: int = 10_000  # pages in one run when the list does not say its size (arXiv's whole: ~2,500)
    page_bytes: int = 512 << 20  # one OAI-PMH page (arXiv's are a few MB)
    feed_bytes: int = 32 << 20  # one RSS feed (a busy category's day is under 1 MB)


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
    if value.isascii() and value.isdigit():  # (str.isdigit alone takes `²`)
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def after(wait: float) -> str:
    """A wait, as the log says when the next try comes: `at once`, `in 0.4 s`, `in 12 s`."""
    if wait < 0.005:
        return "at once"
    return f"in {wait:.2g} s" if wait < 10 else f"in {wait:.0f} s"


def unwritable(e: OSError) -> str:
    """A file of the harvester's own that could not be written, in words: its downloads are in the temporary
    folder (a write error names no file)."""
    where = e.filename or f"its download in {tempfile.gettempdir()}"
    return f"cannot write {where} ({e.strerror or e}): free space there, or set TMPDIR to a folder with room"



class Client:
    """One polite HTTP client: a request at a time, each `spacing(its url)` after the end of the one before,
    redirects followed a hop at a time (each hop a request like any other), transient failures retried with
    doubling waits, 503's Retry-After honoured. Once it gives up (a server that keeps failing, drips, loops or
    asks for a long wait) the run asks nothing more (`gave_up`)."""

    def __init__(self, *, spacing: Callable[[str], float], contact: str | None = None, retries: int = RETRIES,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, limits: Limits = Limits()) -> None:
        self.spacing = spacing
        self.retries = retries
        self.sleep = sleep
        self.limits = limits
        self.user_agent = user_agent(contact)
        self.gave_up: str | None = None  # why it stopped asking (a server down, or asking to wait): for this run
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._ended = -math.inf  # time.monotonic() when the last request ended

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession(headers={"User-Agent": self.user_agent}, timeout=TIMEOUT)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def _turn(self, url: str, wait: float, deadline: asyncio.Timeout) -> None:
        pause = max(self._ended + self.spacing(url) - time.monotonic(), wait)
        if pause > 0:  # (the polite waits are retry_wait's to bound, not the page deadline's: it stands still)
            loop, when = asyncio.get_running_loop(), deadline.when()
            began = loop.time()
            deadline.reschedule(None)
            await self.sleep(pause)
            if when is not None:
                deadline.reschedule(when + loop.time() - began)

    @staticmethod
    def _location(response: aiohttp.ClientResponse, shown: str) -> str:
        """Where a redirect goes; HarvestError when it is no web address this client can ask."""
        said = response.headers["Location"]
        try:
            location = urljoin(str(response.url), said)
            scheme = urlsplit(location).scheme
        except ValueError as e:  # (`http://[oops/oai`: urllib cannot even split it)
            raise HarvestError(f"{shown} redirects to {clip(redact_urls(said), 100)!r}, not an address it can "
                               f"ask ({e})") from e
        if scheme not in ("http", "https"):
            raise HarvestError(f"{shown} redirects to {redact_url(location)}, not a web address")
        return location

    def _give_up(self, why: str) -> HarvestError:
        self.gave_up = why
        return HarvestError(f"{why}; leaving it until the next run")

    async def fetch(self, url: str, params: dict[str, str], out: IO[bytes], *, limit: int) -> None:
        """GET `url` into `out` (emptied first), streamed; HarvestError when it cannot be had, or not within the
        page deadline (its redirects and retries included)."""
        async with self._lock:
            try:
                async with asyncio.timeout(self.limits.page_deadline) as deadline:
                    await self._attempts(url, params, out, limit, deadline)
            except TimeoutError as e:
                if not deadline.expired():
                    raise
                # (a server that drips, or redirects and fails slowly, would hold the run for ever)
                raise self._give_up(f"{redact_url(url)}: a response took more than {self.limits.page_deadline:g} s "
                                    "to arrive whole (its redirects and retries included)") from e

    async def _attempts(self, url: str, params: dict[str, str], out: IO[bytes], limit: int,
                        deadline: asyncio.Timeout) -> None:
        """The attempts at one request, spaced by growing waits (or those the server asks for)."""
        wait, waited, problem = 0.0, 0.0, ""
        for attempt in range(self.retries + 1):
            problem, asked = await self._attempt(url, params, out, limit, wait, deadline)
            if not problem:
                return
            wait = asked if asked is not None else self._backoff(url, attempt)
            if attempt == self.retries:
                break
            if waited + wait > self.limits.retry_wait:
                raise self._give_up(
                    (f"{redact_url(url)} asked to wait {wait:.0f} s (Retry-After)" if asked is not None
                     else problem) + (f" after {waited:.0f} s of waits" if waited else "")
                    + f": more than the {self.limits.retry_wait:.0f} s one request may wait")
            waited += wait
            log.warning("%s; trying again %s (attempt %d of %d)", problem, after(wait), attempt + 2,
                        self.retries + 1)
        raise self._give_up(f"{problem}; gave up after {self.retries + 1} attempts")

    async def _attempt(self, url: str, params: dict[str, str], out: IO[bytes], limit: int, wait: float,
                       deadline: asyncio.Timeout) -> tuple[str, float | None]:
        """One attempt, following redirects: ("", None) when `out` holds the response, else a transient problem
        and the wait the server asked for (None: it asked for none)."""
        assert self._session is not None, "use the client as `async with Client(...)`"
        for _hop in range(self.limits.redirects + 1):
            await self._turn(url, wait, deadline)
            wait, shown = 0.0, redact_url(url)
            try:
                async with self._session.get(url, params=params, allow_redirects=False) as response:
                    if response.status in REDIRECTS and "Location" in response.headers:
                        url, params = self._location(response, shown), {}  # (the next hop, asked as it says)
                        continue
                    if response.status in (429, 503):
                        return (f"{shown} answered {response.status} (busy)",
                                retry_after(response.headers.get("Retry-After")))
                    if response.status >= 500:
                        return f"{shown} answered {response.status}", None
                    if response.status != 200:
                        raise HarvestError(f"{shown} answered {response.status} {response.reason or ''}: check "
                                           "the URL and the set or category".replace("  ", " "))
                    await self._save(response, out, limit, shown)
                    return "", None
            except TimeoutError as e:  # (aiohttp's own: a connection or a read that stalled)
                return f"{shown}: {type(e).__name__}: {redact_urls(str(e))}", None
            except aiohttp.InvalidURL as e:  # (never better on asking again; its text is the address)
                raise HarvestError(f"{redact_urls(str(e))} is not an address it can ask: check the setting") from e
            except aiohttp.ClientError as e:
                return f"{shown}: {type(e).__name__}: {redact_urls(str(e))}", None
            finally:
                self._ended = time.monotonic()
        raise self._give_up(f"{shown}: more than {self.limits.redirects} redirects (a loop?)")

    @staticmethod
    async def _save(response: aiohttp.ClientResponse, out: IO[bytes], limit: int, shown: str) -> None:
        out.seek(0)
        out.truncate()
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > limit:
                raise HarvestError(f"{shown}: the response is larger than {limit / (1 << 20):g} MB; refused")
            out.write(chunk)
        out.flush()

    def _backoff(self, url: str, attempt: int) -> float:
        delay = self.spacing(url)
        return max(delay, 1.0 if delay >= MIN_DELAY else 0.05) * 2 ** attempt


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


@contextlib.contextmanager
def harvest_lock(db_path: Path) -> Iterator[bool]:
    """Hold the library's harvest lock while the block runs: True, or False when another harvest holds it (in
    any process). A file beside the database (the real one: a symlink to it takes the same lock), flock'ed: the
    lock goes with its process, however that ends. HarvestError when the lock file cannot be had."""
    real = db_path.resolve()
    lock = real.with_name(real.name + ".harvest-lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise HarvestError(f"cannot take the harvest lock {lock} ({e.strerror})") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        except OSError as e:
            raise HarvestError(f"cannot take the harvest lock {lock} ({e.strerror})") from e
        yield True
    finally:
        os.close(fd)  # (which releases the lock)


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
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, clock: Clock = utcnow,
                 limits: Limits = Limits()) -> None:
        self.library = library
        self.config = config
        self.clock = clock  # (the day a run begins is its next run's `from`: tests pass a fixed one)
        self.run_blocking: RunBlocking = run_blocking or (lambda call, *args: _in_thread(call, library, *args))
        self.sleep = sleep
        self.limits = limits
        self.lock = asyncio.Lock()  # one run at a time in this process (and `harvest_lock`: in any)

    async def run(self, chosen: Sequence[Target] | None = None, *, since: str | None = None) -> list[Report]:
        """Harvest each target in turn (all configured ones by default); `since` overrides the stored `from`."""
        chosen = list(chosen if chosen is not None else targets(self.config))
        async with self.lock:
            with contextlib.ExitStack() as stack:
                try:  # (only the lock's own failure is said so: what fails later is said by its target's report)
                    taken = stack.enter_context(harvest_lock(self.library.db_path))
                except HarvestError as e:
                    return [Report(t, failed=True, outcome=f"stopped: {e}") for t in chosen]
                if not taken:  # (never two harvests at once: they would double the rate arXiv is asked at)
                    return [Report(t, failed=True, outcome="stopped: another harvest of this library is running; "
                                   "left to that one") for t in chosen]
                return await self._run(chosen, since)

    async def _run(self, chosen: list[Target], since: str | None) -> list[Report]:
        # Each request is spaced as the host it asks needs (a redirect to another host: that host's).
        spacing = functools.partial(delay_for, delay=self.config.harvest_delay)
        async with Client(spacing=spacing, contact=self.config.harvest_contact, sleep=self.sleep,
                          limits=self.limits) as client:
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
                except (PapersBotError, OSError) as e:  # (HarvestError, a page's ParseError, a library that
                    # refuses writes; OSError: the harvester's own files, as the library says its own failures)
                    said = str(e) if isinstance(e, PapersBotError) else unwritable(e)
                    report.failed, report.outcome = True, f"stopped: {said}"
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
        seen = {asked} if asked else set()  # the tokens of this run: one sent twice is a list going round
        cap: int | None = None  # pages this run may ask for, once the list says its size
        url = redact_url(self.config.oai_url)
        with tempfile.TemporaryDirectory(prefix="papers-bot-harvest-") as folder:
            path = Path(folder) / "page.xml"
            while True:
                params = {"verb": "ListRecords", "resumptionToken": asked} if asked else {
                    **first, **({"from": run_from} if run_from else {})}
                end = await self._page(client, params, path, target)
                if end.error == "noRecordsMatch" and not asked:
                    report.outcome = (f"no new records since {run_from or 'the start'}: " + (
                        quiet_reason(run_from, self.today()) if progress.total_records else
                        f"no record of {target} has ever come: check the set name ({target.name}; arXiv's are "
                        "like cs or cs:cs:CV)"))
                    await self.run_blocking(_finish, target.source, report.outcome)
                    return
                if end.error == "badResumptionToken" and asked and not restarted:
                    # (a token arXiv no longer knows, after a long stop: the run starts again from its `from`)
                    log.warning("harvest: arXiv no longer knows the token of %s; starting its run again from %s",
                                target, run_from or "the start")
                    await self.run_blocking(_begin, target.source, run_from, self.today())
                    asked, restarted, earlier, seen = None, True, 0, set()
                    continue
                if end.error == "noRecordsMatch":  # (to a token: the rest of a list cannot match nothing)
                    raise HarvestError(f"{url} answered noRecordsMatch ({end.message or 'no explanation'}) to the "
                                       f"resumption token {clip(str(asked), 40)!r}: not a reply it understands; the "
                                       "next run asks for that page again")
                if end.error:
                    check = (f": check the set name ({target.name}; arXiv's are like cs or cs:cs:CV)"
                             if end.error in ("noSetHierarchy", "badArgument") else "")
                    raise HarvestError(f"{url} answered {end.error}: {end.message or 'no explanation'}{check}")
                if not asked and not end.records and not end.token:  # (OAI-PMH says noRecordsMatch for none)
                    raise HarvestError(f"{url}: an empty ListRecords, neither records nor noRecordsMatch: not a "
                                       "reply OAI-PMH allows")
                if end.foreign and end.foreign == end.records - end.deleted:
                    raise HarvestError(f"{url}: {plural(end.foreign, 'record')} and none in the arXiv format asked "
                                       f"for (their metadata: {end.format})")
                if end.token and end.token in seen:
                    raise HarvestError(f"{url} sent the resumption token {clip(end.token, 40)!r} twice in one run: "
                                       "its list goes round in a loop")
                if end.token:
                    seen.add(end.token)
                if cap is None and end.complete_size is not None:  # (a size that lies high still meets `pages`)
                    cap = min(2 * math.ceil(end.complete_size / max(end.records, 1)) + PAGE_SLACK, self.limits.pages)
                if end.token and report.pages + 1 >= (cap or self.limits.pages):
                    raise HarvestError(f"{url}: the list of {target} has not ended after {report.pages + 1:,} pages, "
                                       + (f"more than twice the pages its size ({plural(end.complete_size, 'record')}) "
                                          "needs" if cap and cap < self.limits.pages and end.complete_size is not None
                                          else "the most one run asks for"))
                report.pages += 1
                page_name = f"{url} ({target}, page {report.pages})"
                listing = arxiv.oai_listing(path, name=page_name, source=target.source)
                done = not end.token
                records = report.records + end.records
                outcome = f"{plural(earlier + records, 'record')}, complete" if done else ""

                def also(db: Any, asked: str | None = asked, end: arxiv.PageEnd = end, done: bool = done,
                         outcome: str = outcome) -> None:
                    state.page_loaded(db, target.source, asked=asked, token=end.token, records=end.records)
                    if done:
                        state.finish_run(db, target.source, outcome)

                summary = await self._load(listing, also)
                report.records, report.added, report.updated = records, report.added + summary.added, \
                    report.updated + summary.updated
                report.warnings += summary.warnings
                log.info("harvest: %s page %d: %s (%d new, %d updated)%s", target, report.pages,
                         plural(end.records, "record"), summary.added, summary.updated,
                         f"; {earlier + records:,} of {end.complete_size:,}" if end.complete_size else "")
                if done:
                    report.outcome = (f"{plural(records, 'record')} ({report.added:,} new, {report.updated:,} "
                                      f"updated) in {plural(report.pages, 'page')}"
                                      + (f", after {earlier:,} in an earlier try" if earlier else ""))
                    return
                asked = end.token

    async def _page(self, client: Client, params: dict[str, str], path: Path, target: Target) -> arxiv.PageEnd:
        """One page, downloaded whole and read through; a page that breaks off is asked for once more."""
        for attempt in range(2):
            with path.open("w+b") as out:
                await client.fetch(self.config.oai_url, params, out, limit=self.limits.page_bytes)
            try:
                return await asyncio.to_thread(arxiv.page_end, path,
                                               name=f"{redact_url(self.config.oai_url)} ({target})")
            except ParseError as e:
                if attempt:
                    raise HarvestError(f"{e}; the next run asks for this page again") from e
                log.warning("harvest: %s; asking for the page again", e)
        raise AssertionError("unreachable")

    async def _rss(self, client: Client, target: Target, report: Report) -> None:
        await self.run_blocking(_begin, target.source, None, self.today())
        url = f"{self.config.rss_url.rstrip('/')}/{target.name}"
        with tempfile.TemporaryFile() as out:
            await client.fetch(url, {}, out, limit=self.limits.feed_bytes)
            out.seek(0)
            data = out.read()
        feed = await asyncio.to_thread(arxiv.read_feed, data, name=redact_url(url), source=target.source)
        report.records, report.pages, report.warnings = len(feed.papers), 1, list(feed.warnings)
        for warning in feed.warnings:
            log.warning("harvest: %s", warning)
        if feed.items and not feed.papers:
            raise HarvestError(f"{redact_url(url)}: none of its {plural(feed.items, 'item')} is an arXiv "
                               f"announcement ({feed.warnings[0]})")
        if not feed.papers:
            report.outcome = "no announcements in today's feed: " + feed_quiet_reason(self.today(), feed.skip_days)
            await self.run_blocking(_finish, target.source, report.outcome)
            return
        outcome = f"{plural(len(feed.papers), 'announcement')} ({feed.revised:,} of them new versions)" + (
            f", {plural(len(feed.warnings), 'item')} skipped" if feed.warnings else "")

        def also(db: Any) -> None:
            state.page_loaded(db, target.source, asked=None, token=None, records=len(feed.papers))
            state.finish_run(db, target.source, outcome)

        summary = await self._load(Listing(redact_url(url), arxiv.RSS_FORMAT, iter(feed.papers)), also)
        report.added, report.updated = summary.added, summary.updated
        report.warnings += summary.warnings
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
            else "not finished (still running, or stopped without a word)"))
        if p.last_outcome:
            lines.append(f"  {p.last_outcome}")
        # One statement of where the next run starts: a run part way through goes on from its next page.
        received = f"  records received in all (re-sent ones counted again): {p.total_records:,}"
        if p.token:
            lines.append(f"  part way through a run from {p.run_from or 'the start'} "
                         f"({plural(p.run_records, 'record')} so far): the next run goes on from its next page")
            lines.append(received)
        else:
            lines.append(received + (f"; next run asks from {p.next_from or 'the start'}" if target.kind == "oai"
                                     else ""))
    when = next_run(config, now)
    lines.append(f"Next run: {when:%Y-%m-%d %H:%M} UTC, by the running bot (or run `papers-bot harvest`)." if when
                 else "Next run: none scheduled.")
    return lines
