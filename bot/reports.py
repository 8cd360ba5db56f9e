"""Error reports: each unexpected exception the bot logs, sent to its owners (or a channel, or a webhook).

A logging handler on the bot's and discord.py's loggers sees every record that carries an exception at ERROR,
wherever it was logged: a command's failure (prefix, slash, app menu), a button's, a listener's, a background
task's (harvest, digests), a worker thread's (the index's repair). It adds the report's id to that log line, and
sends one report per kind of error (its type and where it was raised) per REPORT_EVERY seconds; the repeats in
between are counted in the next. A report names the command but holds no other user text: the exception's own
message (which may quote what a user typed) stays in the log line that has the report's id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from papers_bot.bot.pages import CONNECTION_ERRORS
from papers_bot.config import TOKEN_SHAPE
from papers_bot.text import clip, redact_urls

if TYPE_CHECKING:
    from papers_bot.bot.client import PapersBot

log = logging.getLogger("papers_bot.reports")
REPORT_EVERY = 600.0  # seconds: at most one report of a kind of error in this long
FRAMES = 6  # the innermost frames a report shows (the log line has them all)
MESSAGE = 2000
LOGGERS = ("papers_bot", "discord")  # (a handler on a parent sees what its children log)
# What discord.py's own loggers of an exception were doing, for the report's "In:" line.
DISCORD_WHERE = {"discord.ui.view": "a button or menu", "discord.app_commands.tree": "an app command",
                 "discord.ext.tasks": "a background task", "discord.client": "an event listener"}


@dataclass(frozen=True)
class Report:
    """One report: its id (also in the log line), what failed, where, and the last frames."""

    id: str
    kind: str
    where: str
    frames: str
    repeats: int = 0

    def text(self) -> str:
        """The report as one Discord message (at most 2,000 characters; nothing in it can ping anyone)."""
        head = [f"**Error report `{self.id}`** (the log line with this id has the whole error)",
                f"**{clip(self.kind, 300)}**", f"In: {clip(self.where, 200)}"]
        if self.repeats:
            head.append(f"And {self.repeats:,} more like it since the last report of it.")
        head_text = "\n".join(head)
        lines = self.frames.replace('```', '` ` `').splitlines()  # (a source line cannot end the block)
        while lines:  # (the innermost frames are kept: they are where it failed)
            text = f"{head_text}\n```\n" + "\n".join(lines) + "\n```"
            if len(text) <= MESSAGE:
                return text
            lines = lines[1:]
        return clip(head_text, MESSAGE)


def unwrapped(error: BaseException) -> BaseException:
    """The exception a command raised, out of discord.py's wrappers (CommandInvokeError, HybridCommandError)."""
    while isinstance(getattr(error, "original", None), BaseException):
        error = error.original  # type: ignore[attr-defined]
    return error


def _short_path(path: str) -> str:
    """A source file as a report names it: from the package (`papers_bot/...`, `discord/...`), not the host's
    folders (which may name its users)."""
    parts = path.replace(os.sep, "/").split("/")
    for root in ("papers_bot", "discord", "aiohttp"):
        if root in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(root) - 1:])
    return os.path.basename(path)


def kind_of(error: BaseException) -> tuple[str, str]:
    """The kind of an error (its type and the innermost of the bot's own frames, else the innermost) and its
    last FRAMES frames as text."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "papers_bot" in _short_path(f.filename)] or frames
    at = f" at {_short_path(ours[-1].filename)}:{ours[-1].lineno} in {ours[-1].name}" if ours else ""
    shown = [f'File "{_short_path(f.filename)}", line {f.lineno}, in {f.name}\n    {(f.line or "").strip()}'
             for f in frames[-FRAMES:]]
    return f"{type(error).__name__}{at}", "\n".join([*shown, type(error).__name__])


def scrub(text: str, hidden: Iterable[str]) -> str:
    """`text` without secrets: the `hidden` strings (the token, the webhook), passwords in addresses, and
    anything shaped like a bot token."""
    for secret in hidden:
        if secret:
            text = text.replace(secret, "[secret]")
    return TOKEN_SHAPE.sub("[token]", redact_urls(text))


class ErrorReports(logging.Handler):
    """Sends reports of the exceptions logged on LOGGERS while attached (`attach`, `aclose`)."""

    def __init__(self, bot: PapersBot, *, clock: Callable[[], float] = time.monotonic,
                 every: float = REPORT_EVERY) -> None:
        super().__init__(logging.ERROR)
        self.bot = bot
        self.clock = clock
        self.every = every
        self._last: dict[str, float] = {}  # kind -> clock() of its last report
        self._missed: dict[str, int] = {}  # kind -> repeats since its last report
        self._refused: set[int] = set()  # owners whose DMs Discord refused (said once each)
        self._sending: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state_lock = threading.Lock()  # (worker threads log too)

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self)

    async def aclose(self) -> None:
        """No more reports; the ones on their way get a moment to arrive."""
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(self)
        if self._sending:
            _, late = await asyncio.wait(self._sending, timeout=5)
            for task in late:
                task.cancel()

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or record.name == log.name or isinstance(unwrapped(error), CONNECTION_ERRORS):
            return
        try:
            report = self._note(record, unwrapped(error))
            if report is not None and self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._start, report)
        except Exception:
            self.handleError(record)

    def _note(self, record: logging.LogRecord, error: BaseException) -> Report | None:
        """Give the log line its report's id; the report to send, or None while its kind was reported lately."""
        report_id = secrets.token_hex(4)
        # (the handlers of the root logger, which write the log, run after this one: they print the id)
        record.msg, record.args = f"{record.getMessage()} [error report {report_id}]", None
        kind, frames = kind_of(error)
        now = self.clock()
        with self._state_lock:
            last = self._last.get(kind)
            if last is not None and 0 <= now - last < self.every:  # (a clock set back: the window is over)
                self._missed[kind] = self._missed.get(kind, 0) + 1
                return None
            self._last[kind] = now
            repeats = self._missed.pop(kind, 0)
        command = getattr(record, "command", None)
        where = (f"the command `{command}`" if command else
                 DISCORD_WHERE.get(record.name, f"{record.name}, in {record.funcName}"))
        hidden = [self.bot.config.token or "", self.bot.config.error_webhook or ""]
        return Report(report_id, scrub(kind, hidden), where, scrub(frames, hidden), repeats)

    def _start(self, report: Report) -> None:
        task = asyncio.ensure_future(self.send(report))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def send(self, report: Report) -> None:
        """To the webhook, else the channel, else each owner by DM. A report that cannot go is a line in the log
        (never another report)."""
        config = self.bot.config
        text = report.text()
        none = discord.AllowedMentions.none()
        try:
            if config.error_webhook:
                webhook = discord.Webhook.from_url(config.error_webhook, client=self.bot)
                await webhook.send(text, username="papers-bot errors", allowed_mentions=none)
            elif config.error_channel:
                channel = self.bot.get_channel(config.error_channel) or await self.bot.fetch_channel(
                    config.error_channel)
                await channel.send(text, allowed_mentions=none)  # type: ignore[union-attr]
            else:
                for owner in await self.owners():
                    await self._direct(owner, text)
        # (RuntimeError: the bot's HTTP session closed under a report sent as it stops, seen once in review)
        except (discord.HTTPException, RuntimeError, *CONNECTION_ERRORS) as e:
            log.warning("could not send error report %s (%s); it is in the log only",
                        report.id, scrub(str(e) or type(e).__name__, [config.token or "", config.error_webhook or ""]))

    async def owners(self) -> list[int]:
        """The bot's owners: owner_ids, else the application's owner or every member of its team."""
        bot = self.bot
        return sorted(bot.owner_ids or ({bot.owner_id} if bot.owner_id else set()))

    async def _direct(self, owner: int, text: str) -> None:
        try:
            user = self.bot.get_user(owner) or await self.bot.fetch_user(owner)
            await user.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden as e:
            if owner not in self._refused:
                self._refused.add(owner)
                log.warning("cannot send error reports to owner %s by DM: Discord refused (%s; they accept no DMs "
                            "from this bot); set error_channel or error_webhook to receive them", owner,
                            e.text or e.status)
