"""The Discord bot: a commands.Bot that takes its library and configuration in its constructor."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import logging
import math
import os
import signal
import stat
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands, tasks

from papers_bot.bot.commands import BY_NAME, command
from papers_bot.bot.pages import CONNECTION_ERRORS, MoreMenu, PageTurn, PaperButton, VoteButton
from papers_bot.bot.replies import SOMETHING_WENT_WRONG
from papers_bot.bot.reports import ErrorReports
from papers_bot.bot.service import LibraryThreads
from papers_bot.config import Config, ConfigError
from papers_bot.errors import PapersBotError
from papers_bot.format import DISCORD
from papers_bot.library import Library
from papers_bot.settings import ServerSettings, ServerSettingsCache
from papers_bot.text import clip

log = logging.getLogger("papers_bot.bot")
MAX_RATE_LIMIT_WAIT = 300.0  # seconds any request may wait on Discord's rate limits
REFUSED_PAUSE = 600  # seconds the bot leaves a channel alone after Discord refused it a post there
RETRY_MAX = 60.0  # seconds: the longest wait between attempts to reach Discord

COGS = ("papers_bot.bot.cogs.papers", "papers_bot.bot.cogs.questions", "papers_bot.bot.cogs.admin",
        "papers_bot.bot.cogs.follows", "papers_bot.bot.cogs.research",
        "papers_bot.bot.cogs.settings")
# Gateway close codes that say the shard settings are wrong for this bot: what to do, in one line.
SHARDING_REFUSED = {
    4010: "Discord refused the shard this process identified as: check shard_ids and shard_count (env "
          "PAPERS_BOT_SHARD_IDS, PAPERS_BOT_SHARD_COUNT); every process of the bot needs the same shard_count",
    4011: "Discord requires more shards for the servers this bot is in (one per 2,500 at most): set shard_count = "
          "\"auto\" (env PAPERS_BOT_SHARD_COUNT), or a larger shard_count in every process (README: Sharding)",
}
TRIM_EVERY = 60.0  # seconds between handing the heap's free memory back to the system
HEARTBEAT_EVERY = 15.0  # seconds between writes of the health file (`papers-bot health` allows 4 missed)
FUTURE_SLACK = 5.0  # seconds a heartbeat may be dated ahead of the reader's clock (the same clock: rounding only)


def _malloc_trim():
    """glibc's malloc_trim, or None (musl, macOS). glibc keeps memory freed inside its heap for reuse; a bot
    that allocates and frees all day (messages, rate-limit buckets, threads) then grows in RSS while its live
    memory stays flat (bench/bot_load.py measured about 2 MB a minute at 97 messages/s)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()

# The bot never joins a voice channel: discord.py's start-up warnings that its voice libraries (PyNaCl, davey)
# are missing would only alarm an operator.
for _flag in ("warn_nacl", "warn_dave"):
    if hasattr(discord.VoiceClient, _flag):
        setattr(discord.VoiceClient, _flag, False)


class OneLineConnectionErrors(logging.Filter):
    """A record carrying a connection error becomes one line that names it (the README promises one line per
    record; an outage wrote a 58-line traceback per attempt to reconnect); any other exception keeps its
    traceback: that is a bug to see whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, CONNECTION_ERRORS):
            record.msg = f"cannot reach Discord ({error or type(error).__name__}): {record.getMessage()}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


# (A logger's filters see the records logged on it, not its children's: each of discord.py's loggers has it.)
for _name in ("discord.client", "discord.gateway", "discord.http", "discord.shard", "discord.ext.tasks"):
    logging.getLogger(_name).addFilter(OneLineConnectionErrors())


class ReconnectBackoff(discord.backoff.ExponentialBackoff):
    """discord.py's wait between attempts to reconnect, at most RETRY_MAX: its own grows to a random 0-1024 s, so
    after a long outage the bot stayed away for up to 17 minutes after Discord was back (99 s measured after a
    90 s outage)."""

    def delay(self) -> float:  # type: ignore[override]  # (the base overloads on its integral flag)
        return min(super().delay(), RETRY_MAX)


discord.client.ExponentialBackoff = ReconnectBackoff  # type: ignore[misc]  # (Client.connect makes one per run)


class PapersBot(commands.Bot):
    def __init__(self, library: Library, config: Config, *, clock: Callable[[], float] = time.time,
                 **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # to read questions asked in channels (a privileged intent)
        super().__init__(
            command_prefix=_prefixes,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),  # nothing the bot posts can ping anyone
            owner_ids=set(config.owner_ids) or None,
            # (a request Discord would hold back longer raises RateLimited: no reply, no digest message waits
            # longer than this, which is half the digests' lease; discord.py accepts no less than 30)
            max_ratelimit_timeout=max(MAX_RATE_LIMIT_WAIT, 30.0),
            **options,
        )
        self.library = library  # (not the bot's to close: whoever created it does, `run`)
        self.papers = LibraryThreads(library)  # what the cogs call, never on the event loop
        self.config = config
        self.server_settings = ServerSettingsCache(config)  # each server's own settings over the file's
        self._refused: dict[int, float] = {}  # channel id -> when the bot may try posting there again
        self.clock = clock  # the health file's times
        self.last_event: float | None = None  # clock() of the last gateway event
        # Since when the bot has been without the gateway (None: connected): from the start until READY, and
        # from each drop until discord.py has resumed or identified again.
        self.lost_since: float | None = clock()
        self.lost_shards: set[int] = set()  # a sharded bot's shards without the gateway (one back is not all back)
        self.started = clock()  # (`!about`'s uptime)
        self._health_lock = threading.Lock()  # (a heartbeat still being written never overwrites the last one)
        self._stopped = False
        self._health_checked: bool | None = None  # (whether the health file is a heartbeat: checked once)
        self.ambiguous: set[str] = set()  # plain answer-channel names two servers share (not used), kept current
        self.unhealthy_since: float | None = None  # clock() when the bot was first seen unhealthy (None: healthy)
        self.exit_status = 0  # what `run` returns: 1 after the bot stopped itself, unhealthy too long
        self._exiting: asyncio.Future[None] | None = None
        self.reports = ErrorReports(self, clock=clock)
        self.add_check(self._may_answer_in)
        self.tree.error(self._on_app_command_error)

    def settings_for(self, guild: discord.abc.Snowflake | int | None) -> ServerSettings:
        """What the bot goes by in a server (its own settings over the file's); the file's in DMs."""
        return self.server_settings.get(guild if isinstance(guild, int) or guild is None else guild.id)

    def may_post(self, channel_id: int) -> bool:
        """False for a while after Discord refused the bot a post in the channel (it lacks a permission there)."""
        until = self._refused.get(channel_id)
        if until is None or until <= time.monotonic():
            self._refused.pop(channel_id, None)
            return True
        return False

    def refused(self, channel: discord.abc.Messageable, error: discord.Forbidden) -> None:
        """Discord refused a post: say so in one log line, and leave the channel alone for REFUSED_PAUSE."""
        channel_id = getattr(channel, "id", 0)
        if channel_id not in self._refused:
            where = getattr(channel, "guild", None)
            log.warning("cannot post in #%s%s: %s (Discord says %s); not answering there for %d minutes",
                        getattr(channel, "name", channel_id), f" ({where.name})" if where else "",
                        "the bot lacks a permission there (see `papers-bot invite` for those it needs)",
                        error.text or error.status, REFUSED_PAUSE // 60)
        self._refused[channel_id] = time.monotonic() + REFUSED_PAUSE

    async def _may_answer_in(self, ctx: commands.Context) -> bool:
        """Prefix commands in a channel that refused the bot are left alone (a slash command's answer goes by
        the interaction, which the channel's permissions do not stop)."""
        if ctx.interaction is None and not self.may_post(ctx.channel.id):
            raise Refused()
        return True

    async def setup_hook(self) -> None:
        self.reports.attach()
        if not (self.owner_id or self.owner_ids):  # who owns the bot, known before any command: checking it in a
            app = await self.application_info()  # slash command would be a REST call before its 3-second defer
            if app.team:
                self.owner_ids = {member.id for member in app.team.members}
            else:
                self.owner_id = app.owner.id
        for cog in COGS:
            await self.load_extension(cog)
        # (page buttons whose view went with a restart; every vote and every choice in a results menu)
        self.add_dynamic_items(PageTurn, VoteButton, MoreMenu, PaperButton)
        gc.collect()
        gc.freeze()  # what start-up made lives as long as the bot: keep it out of full collections (shorter pauses)
        if MALLOC_TRIM is not None:
            self.release_memory.start()
        if self.config.health_file or self.config.unhealthy_exit:
            self.heartbeat.start()

    def _find_ambiguous(self) -> set[str]:
        # (a server with answer channels of its own means its own channels by their names)
        guilds = [g for g in self.guilds if "answer_channels" not in self.settings_for(g).own]
        self.ambiguous = ambiguous_names(guilds, self.config.plain_channels)
        return self.ambiguous

    # Servers and channels come and go and are renamed: the ambiguous names are found again then, not per message.
    async def on_guild_join(self, _guild: discord.Guild) -> None:
        self._find_ambiguous()

    async def on_guild_remove(self, _guild: discord.Guild) -> None:
        self._find_ambiguous()

    async def on_guild_channel_create(self, _channel: discord.abc.GuildChannel) -> None:
        self._find_ambiguous()

    async def on_guild_channel_delete(self, _channel: discord.abc.GuildChannel) -> None:
        self._find_ambiguous()

    async def on_guild_channel_update(self, _before: discord.abc.GuildChannel, _after: Any) -> None:
        self._find_ambiguous()

    async def on_guild_available(self, _guild: discord.Guild) -> None:
        self._find_ambiguous()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "socket_event_type":  # (every gateway event: noted here, with no listener task for it)
            self.last_event = self.clock()
        elif event_name == "disconnect" and self.lost_since is None:  # (once per outage: again each attempt)
            self.lost_since = self.clock()
        elif event_name == "shard_disconnect":
            self.lost_shards.add(args[0])
        elif event_name in ("shard_ready", "shard_resumed"):
            self.lost_shards.discard(args[0])
        # (A shard of a running bot back is the bot back once no other is lost: discord.py says "ready" again only
        # when every shard identified again. At start, its shards' first READYs come before the bot's.)
        if not self.lost_shards and (event_name in ("ready", "resumed") or
                                     (event_name in ("shard_ready", "shard_resumed") and self.is_ready())):
            self.lost_since = None
        super().dispatch(event_name, *args, **kwargs)

    @tasks.loop(seconds=HEARTBEAT_EVERY)
    async def heartbeat(self) -> None:
        """The health file: whether the bot is connected (else since when not), when Discord last sent it
        something, and whether the library answers; and an exit once the bot has been unhealthy too long."""
        try:
            await asyncio.wait_for(self.papers.run(Library.ping), 10)
            library = "ok"
        except Exception as e:  # (a locked, lost or damaged database, or a stuck one)
            library = f"{type(e).__name__}: {e}"
        if self.config.health_file:
            await asyncio.to_thread(self._write_health, library=library)
        self._exit_if_unhealthy(library)

    def _health(self, *, stopped: bool = False, **state: Any) -> dict[str, Any]:
        """The state the health file holds (and `papers-bot health` judges)."""
        return {"time": self.clock(), "pid": os.getpid(), "stopped": stopped,
                "connected": self.lost_since is None and not stopped, "lost_since": self.lost_since,
                "last_event": self.last_event, "guilds": len(self.guilds), "read_only": self.library.read_only,
                **state}

    def _write_health(self, *, stopped: bool = False, **state: Any) -> None:
        """Write the health file whole (a reader never sees half of it); after the one saying the bot stopped,
        no other."""
        assert self.config.health_file is not None  # (written only with one)
        with self._health_lock:
            if self._stopped or not self._health_file_is_ours():
                return
            self._stopped = stopped
            write_health(self.config.health_file, self._health(stopped=stopped, **state))

    def _exit_if_unhealthy(self, library: str) -> None:
        """Stop the bot, to exit with status 1, once it has been unhealthy (as `papers-bot health` would say) for
        longer than unhealthy_exit: systemd or compose then starts it afresh, which mends what reconnecting
        cannot (a stuck library, a session Discord keeps refusing). The gateway grace comes first, so an outage
        of Discord's is waited out for both before the bot restarts, and a restart storm needs a long one."""
        limit = self.config.unhealthy_exit
        if not limit or self._exiting is not None:
            return
        now = self.clock()
        problems = problems_in(self._health(library=library), now=now, grace=self.config.gateway_grace)
        if not problems:
            self.unhealthy_since = None
            return
        if self.unhealthy_since is None or now < self.unhealthy_since:  # (or the clock was set back)
            self.unhealthy_since = now
        if now - self.unhealthy_since > limit:
            log.error("unhealthy for %.0f s, over unhealthy_exit (%g s): %s; exiting with status 1 so that the service "
                      "manager starts the bot again", now - self.unhealthy_since, limit, "; ".join(problems))
            self.exit_status = 1
            self._exiting = asyncio.ensure_future(self.close())  # (not awaited: close() stops this very loop)

    def _health_file_is_ours(self) -> bool:
        """Whether the health file may be written: absent, or a heartbeat (any other file there, a database or a
        configuration file named by mistake, is never replaced; said once)."""
        if self._health_checked is None:
            path = self.config.health_file
            assert path is not None
            try:
                found = json.loads(read_health(path) or "{}") if os.path.lexists(path) else {}
                ours = isinstance(found, dict) and (not found or {"time", "pid"} <= found.keys())
            except (OSError, ValueError):
                ours = False
            if not ours:
                log.error("health_file %s holds something other than a heartbeat: it is left as it is, and no "
                          "heartbeat is written (name a file of its own)", path)
            self._health_checked = ours
        return self._health_checked

    @tasks.loop(seconds=TRIM_EVERY)
    async def release_memory(self) -> None:
        await asyncio.to_thread(MALLOC_TRIM, 0)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)%s", self.user, len(self.guilds), self.which_shards())
        for name in sorted(self._find_ambiguous()):
            log.warning("answer channel %r is a channel of several servers, so it is not used; write it as "
                        "server/%s or the channel's id", name, name)
        flags = self.application_flags
        if not (flags.gateway_message_content or flags.gateway_message_content_limited):
            log.warning(
                "The Message Content intent is not enabled for this bot: questions asked in channels arrive "
                "empty and only commands and mentions work. Enable it in the Developer Portal: Applications > "
                "your bot > Bot > Privileged Gateway Intents > Message Content Intent."
            )

    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        await reply_to_error(ctx, error)

    async def _on_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        """An app command's failure (the message menu: a hybrid command's goes to on_command_error, as
        discord.py's own handler leaves it)."""
        command = interaction.command
        if command is not None and command._has_any_error_handlers():
            return
        name = command.name if command is not None else None
        message = user_message(error, "/")
        if message is None:
            log.error("app command %r failed", name, exc_info=error, extra={"command": name})
            message = SOMETHING_WENT_WRONG
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about an error in the app command %r", name)

    def which_shards(self) -> str:
        """The shards this process runs, as the log says them ("" unsharded)."""
        return ""

    async def close(self) -> None:
        """Disconnect, and let the library calls still running finish, without blocking the event loop. The
        Library stays open: whoever created it closes it."""
        self.release_memory.cancel()
        self.heartbeat.cancel()
        await self.reports.aclose()  # (the reports on their way go before the connection does)
        if self.config.health_file:  # (at once: `papers-bot health` must not call a stopped bot healthy)
            try:
                await asyncio.to_thread(self._write_health, stopped=True, library="stopped")
            except OSError as e:  # (the bot stops all the same; the file goes stale instead)
                log.warning("could not write the health file %s: %s", self.config.health_file, e)
        await super().close()
        await self.papers.aclose()


class ShardedPapersBot(PapersBot, commands.AutoShardedBot):
    """PapersBot on several gateway connections (shards), each carrying its share of the servers."""

    def which_shards(self) -> str:
        return f" on shard(s) {', '.join(map(str, sorted(self.shards)))} of {self.shard_count}"


def make_bot(library: Library, config: Config, **options: Any) -> PapersBot:
    """The bot `config` asks for: unsharded, or running its `shard_ids` (all of them when none are named) of
    `shard_count` shards, as many as Discord recommends with "auto"."""
    if config.shard_count is None:
        return PapersBot(library, config, **options)
    count = None if config.shard_count == "auto" else config.shard_count
    return ShardedPapersBot(library, config, shard_count=count, shard_ids=list(config.shard_ids) or None, **options)


BotContext = commands.Context[PapersBot]  # what the cogs' commands get: ctx.bot is a PapersBot
CommandCallback = Callable[..., Coroutine[Any, Any, None]]


def hybrid_command(name: str) -> Callable[[CommandCallback], commands.HybridCommand[Any, ..., None]]:
    """A prefix and slash command as the command table (bot/commands.py) names and describes it: its options'
    descriptions, and for an admin command, hidden in servers from members without Manage Server and never
    offered in DMs. (Typed with `...`: mypy cannot solve discord.py's union of callback types for a command
    defined on a cog's method.)"""
    spec = command(name)

    def decorate(callback: CommandCallback) -> commands.HybridCommand[Any, ..., None]:
        if spec.options:
            callback = app_commands.describe(**dict(spec.options))(callback)
        if spec.admin:
            callback = app_commands.default_permissions(manage_guild=True)(callback)
        if spec.admin or spec.guild_only:
            callback = app_commands.guild_only()(callback)
        return commands.hybrid_command(name=spec.name, aliases=list(spec.aliases), description=spec.help)(callback)

    return decorate


def channel_keys(channel: discord.TextChannel) -> set[str]:
    """How answer_channels can name a channel: its id, `server/channel` by the server's id or name, its name."""
    guild = channel.guild
    return {str(channel.id), f"{guild.id}/{channel.name}", f"{guild.name}/{channel.name}", channel.name}


def ambiguous_names(guilds: Sequence[discord.Guild], plain: frozenset[str]) -> set[str]:
    """The plain channel names that more than one of the bot's servers has a text channel by."""
    if not plain:
        return set()
    servers: dict[str, int] = {}
    for guild in guilds:
        for name in plain & {c.name for c in guild.text_channels}:
            servers[name] = servers.get(name, 0) + 1
    return {name for name, count in servers.items() if count > 1}


def _prefixes(bot: PapersBot, message: discord.Message) -> list[str]:
    """What a command starts with: the server's prefix, a mention of the bot, or of its own (managed) role."""
    prefixes = commands.when_mentioned_or(bot.settings_for(message.guild).prefix)(bot, message)
    role = message.guild.self_role if message.guild else None
    return prefixes + ([f"{role.mention} "] if role else [])


def prefix_of(ctx: commands.Context) -> str:
    """How the person who ran a command writes commands: `/` for a slash command, else the server's prefix."""
    return "/" if ctx.interaction is not None else ctx.bot.settings_for(ctx.guild).prefix


# What a command's argument must be, for the sentence a wrong one gets (`!unfollow abc`).
_KINDS = {int: "a whole number", float: "a number"}


def bad_argument(ctx: commands.Context) -> str | None:
    """A converter's refusal as a sentence: what was given, what the command wants, and how it is written."""
    parameter, given = ctx.current_parameter, ctx.current_argument
    if parameter is None or ctx.command is None or ctx.command.name not in BY_NAME:
        return None
    spec = command(ctx.command.name)
    kind = _KINDS.get(parameter.converter, "something else")
    about = dict(spec.options).get(parameter.name, "")
    prefix = prefix_of(ctx)
    return (f"{DISCORD.code(clip(given or '', 60))} is not {kind}: `{prefix}{spec.name} {spec.usage}` wants "
            f"{about or parameter.name}.")


def slow_down(retry_after: float) -> str:
    """The reply to a user who asks faster than the configured cooldown allows."""
    return f"Slow down a little: try again in {max(1, round(retry_after))} s."


SLOW_DOWN = "\N{HOURGLASS WITH FLOWING SAND}"


async def hold_back(message: discord.Message) -> None:
    """Tell someone who asks in a channel faster than the cooldown allows, quietly: a reaction on their message
    (a "Slow down" line per refused question would be the channel's to read). A slash command's is ephemeral."""
    with contextlib.suppress(discord.HTTPException):  # (no Add Reactions there: nothing is said)
        await message.add_reaction(SLOW_DOWN)


def user_message(error: Exception, prefix: str) -> str | None:
    """The short reply for a mistake a user can fix, or None for an unexpected error. Error texts can quote what
    the user typed or a file's name, so they are made inert like any other untrusted text."""
    if isinstance(error, (commands.HybridCommandError, commands.CommandInvokeError)):
        error = error.original
    if isinstance(error, discord.app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, commands.MissingRequiredArgument):
        return f"Missing `{error.param.name}`. Try `{prefix}help`."
    if isinstance(error, commands.CommandOnCooldown):
        return slow_down(error.retry_after)
    if isinstance(error, (commands.CheckFailure, discord.app_commands.CheckFailure)):
        return DISCORD.text(str(error)) or "You can't use that command here."
    if isinstance(error, discord.app_commands.TransformerError):  # (a slash option's value this server cannot take)
        return "That is not a value the command can use here: choose one that Discord offers for this server."
    if isinstance(error, commands.UserInputError):  # bad or unparsable arguments (an unclosed quote)
        return f"{DISCORD.text(str(error))} Try `{prefix}help`."
    if isinstance(error, PapersBotError):
        return DISCORD.text(str(error))
    return None


class Refused(commands.CheckFailure):
    """The channel refused the bot's posts a short while ago: nothing is said there (it would be refused too)."""


async def reply_to_error(ctx: BotContext, error: commands.CommandError) -> None:
    if isinstance(error, (commands.CommandNotFound, Refused)):
        return
    original = getattr(error, "original", error)
    if isinstance(original, discord.Forbidden):
        ctx.bot.refused(ctx.channel, original)  # (an apology in the same channel would be refused as well)
        return
    if isinstance(error, commands.CommandOnCooldown) and ctx.interaction is None:
        await hold_back(ctx.message)
        return
    # (a converter's refusal of what was typed: `int("abc")` failed; other BadArguments say their own sentence)
    converting = type(error) is commands.BadArgument and isinstance(error.__cause__, ValueError)
    message = bad_argument(ctx) if converting else None
    message = message or user_message(error, prefix_of(ctx))
    if message is None:
        name = ctx.command and ctx.command.qualified_name
        log.error("command %r failed", name, exc_info=error, extra={"command": name})
        message = SOMETHING_WENT_WRONG
    try:
        await ctx.reply(message, ephemeral=True)
    except discord.HTTPException:
        log.exception("could not tell the user about an error")


class RedactToken(logging.Filter):
    """Keeps the bot token out of every log line, even inside an exception's text."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = message.replace(self.token, "[token]"), None
            if record.exc_info:  # the whole traceback: the token may be in a chained exception's text
                text = record.exc_text or logging.Formatter().formatException(record.exc_info)
                record.exc_text = text.replace(self.token, "[token]")
        return True


def write_health(path: str, state: dict[str, Any]) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as f:
        json.dump(state, f)
    os.replace(temporary, path)


MAX_HEALTH_BYTES = 64 << 10  # a heartbeat is a few hundred bytes


def read_health(path: str) -> str:
    """The health file's text: a regular file of at most MAX_HEALTH_BYTES (never a device or a pipe, which
    would be read forever or waited on); OSError or ValueError saying what it is otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file")
        data = os.read(fd, MAX_HEALTH_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_HEALTH_BYTES:
        raise ValueError(f"over {MAX_HEALTH_BYTES >> 10} KB: not a heartbeat")
    return data.decode("utf-8", "replace")


def _finite(value: Any) -> float | None:
    """A time from the health file, or None if it is not a finite number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def health_problems(path: str, *, max_age: float = 4 * HEARTBEAT_EVERY, grace: float = Config.gateway_grace,
                    now: float | None = None) -> list[str]:
    """What the health file says is wrong with the running bot (`papers-bot health`); none: healthy. A bot
    without the gateway for up to `grace` seconds is reconnecting, as discord.py routinely does."""
    try:
        state = json.loads(read_health(path))
    except (OSError, ValueError) as e:
        return [f"no heartbeat in {path} ({e}): is `papers-bot run` running, with this health_file?"]
    if not isinstance(state, dict) or _finite(state.get("time")) is None:
        return [f"{path} holds no heartbeat (a JSON object with a numeric \"time\"): is it the health_file of "
                "`papers-bot run`?"]
    return problems_in(state, max_age=max_age, grace=grace, now=now)


def problems_in(state: dict[str, Any], *, max_age: float = 4 * HEARTBEAT_EVERY, grace: float = Config.gateway_grace,
                now: float | None = None) -> list[str]:
    """What a heartbeat says is wrong (the bot judges its own this way too: `unhealthy_exit`)."""
    beat = _finite(state.get("time"))
    assert beat is not None  # (checked by the reader)
    if state.get("stopped"):
        return ["the bot has stopped (papers-bot run is not running)"]
    now = time.time() if now is None else now
    problems = []
    age = now - beat
    if age < -FUTURE_SLACK:
        problems.append(f"the last heartbeat is dated {-age:.0f} s in the future: was the clock set back?")
    elif not age <= max_age:  # (a NaN max_age too)
        problems.append(f"the last heartbeat is {age:.0f} s old: the bot is stuck or stopped")
    lost = _finite(state.get("lost_since"))
    if not state.get("connected"):
        if lost is not None and lost > beat + FUTURE_SLACK:  # (lost after its own heartbeat: a clock set back)
            problems.append("not connected to Discord, since a time after its last heartbeat (was the clock set "
                            "back?); it keeps trying: see its log")
        elif lost is None or not 0 <= now - lost <= grace:
            problems.append("not connected to Discord" + (f" for {now - lost:.0f} s" if lost is not None else "") +
                            " (it keeps trying; see its log)")
    if state.get("library") != "ok":
        problems.append(f"the library does not answer: {state.get('library')}")
    return problems


def _open_library(config: Config) -> Library:
    """The configured library, after saying which it is and what in the configuration should not be left so."""
    for warning in config.warnings():
        log.warning("%s", warning)
    log.info("library: %s", os.path.abspath(config.db))
    return Library(config.db, vectors="background")  # (the first answer never waits for the papers' vectors)


async def _after_ready(bot: PapersBot, then: Callable[[PapersBot], Awaitable[None]]) -> None:
    await bot.wait_until_ready()
    await then(bot)


def usable_token(config: Config, unset: str) -> str:
    """The bot token, or a ConfigError saying it is not set and `unset` (what it is for). What a token may hold is
    checked where every setting is (config.py), so a token with a line break never reaches aiohttp's headers."""
    if not config.token:
        raise ConfigError(f"DISCORD_TOKEN is not set: {unset}")
    return config.token


def point_at(config: Config) -> None:
    """Send REST calls and the gateway to another base (an HTTP proxy, or a test server) when configured."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base.rstrip("/")
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


async def run(config: Config, *, when_ready: Callable[[PapersBot], Awaitable[None]] | None = None,
              clock: Callable[[], float] = time.time) -> int:
    """Run the bot until SIGINT/SIGTERM, a fatal error or too long unhealthy; returns the exit status. `when_ready`
    is awaited once the bot is first connected and ready (bench/bot_load.py starts its measurements there)."""
    token = usable_token(config, "create a bot in the Discord Developer Portal and export its token, or try the "
                                 "bot without Discord: papers-bot chat")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    point_at(config)
    library = await asyncio.to_thread(_open_library, config)
    bot = make_bot(library, config, clock=clock)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    closing: set[asyncio.Future[None]] = set()  # the loop holds its tasks weakly: keep the close running

    def stop(sig: signal.Signals) -> None:
        log.info("%s: shutting down", sig.name)
        stopping.set()
        closing.add(asyncio.ensure_future(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop, sig)
    ready = asyncio.ensure_future(_after_ready(bot, when_ready)) if when_ready else None
    try:
        async with bot:
            delay = 1.0
            while not stopping.is_set() and not bot.is_closed():
                try:
                    await bot.start(token)
                    break
                except (TimeoutError, aiohttp.ClientConnectionError, OSError) as e:
                    # Discord (or the network) unreachable: one line, and again later, waiting longer each time.
                    log.error("cannot reach Discord (%s); trying again in %.0f s", e or type(e).__name__, delay)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stopping.wait(), delay)
                    delay = min(delay * 2, RETRY_MAX)
    except discord.PrivilegedIntentsRequired:
        log.error(
            "Discord refused the Message Content intent. Enable it in the Developer Portal: Applications > "
            "your bot > Bot > Privileged Gateway Intents > Message Content Intent, then start again."
        )
        return 1
    except discord.LoginFailure:
        log.error("Discord rejected the token in DISCORD_TOKEN; copy it again from the Developer Portal.")
        return 1
    except discord.ConnectionClosed as e:
        if e.code not in SHARDING_REFUSED:
            raise
        log.error("%s", SHARDING_REFUSED[e.code])
        return 1
    finally:
        if ready is not None:
            ready.cancel()
        await asyncio.to_thread(library.close)  # (it waits for running searches: not on the event loop)
    log.info("stopped")
    return bot.exit_status
