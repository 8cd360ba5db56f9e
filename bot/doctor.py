"""`papers-bot doctor`: connect as the bot and say what it can and cannot do, where, and how to fix each."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from papers_bot.bot import permissions
from papers_bot.bot.client import ambiguous_names, channel_keys, point_at, usable_token
from papers_bot.bot.commands import COMMANDS
from papers_bot.config import Config
from papers_bot.library import Library
from papers_bot.settings import ServerSettingsCache, override_line, unusable
from papers_bot.store import db as store
from papers_bot.store.state import GuildSetting
from papers_bot.text import plural

READY_TIMEOUT = 30.0  # seconds to wait for Discord's READY and the servers


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FIX '} {self.what}" + (f"\n       -> {self.fix}" if self.fix else "")


def library_findings(config: Config) -> tuple[list[Finding], list[GuildSetting]]:
    """The database and index: there, readable, in step; the data folder readable. And the servers' own settings
    kept in the database."""
    found: list[Finding] = []
    if not os.path.exists(config.db):
        found.append(Finding(False, f"no database at {os.path.abspath(config.db)}",
                             "the bot would start a new one with the sample papers: set db to your library's path"))
        return found, []
    library = Library(config.db, sample_if_new=False, vectors="later")  # (a look: it writes no vectors)
    try:
        overrides = library.guild_settings()
        stats = library.stats()
        papers = stats["papers"]
        in_step = store.in_step(library.db, library.index.store_version)
        found.append(Finding(True, f"library {os.path.abspath(config.db)}: {papers:,} papers"))
        found.append(Finding(in_step, "its index is in step with it" if in_step else "its index is behind it",
                             "" if in_step else "it is rebuilt when the bot starts; if that fails, see the log"))
        pending = stats["vectors"]["pending"]
        found.append(Finding(True, "every paper has its vector (ranking by meaning)" if not pending else
                             f"{plural(pending, 'paper')} without a vector yet: they rank by words alone until the "
                             "bot (or `papers-bot load`) embeds them"))
        if library.read_only:
            found.append(Finding(False, f"it is read-only: {library.read_only}",
                                 "searches work; !reload needs write access for the bot's user"))
    finally:
        library.close()
    if config.data_dir is not None:
        readable = os.access(config.data_dir, os.R_OK | os.X_OK)
        found.append(Finding(readable, f"data folder {config.data_dir} is {'readable' if readable else 'unreadable'}",
                             "" if readable else "let the bot's user read it (and its files)"))
    return found, overrides


async def registered_commands(client: discord.Client) -> Finding:
    """Whether every slash command is registered, globally or in the bot's servers; or why that is not known."""
    assert client.application_id is not None  # (set at login)
    try:
        registered = {c["name"] for c in await client.http.get_global_commands(client.application_id)}
        for guild in client.guilds:
            guild_commands = await client.http.get_guild_commands(client.application_id, guild.id)
            registered |= {c["name"] for c in guild_commands}
    except discord.HTTPException as e:  # (a 5xx, a 429 after discord.py's retries, a 403)
        return Finding(False, f"could not read the registered slash commands: Discord answered {e.status} "
                       f"({e.text or e.response.reason})", "run papers-bot doctor again in a while")
    unsynced = sorted({c.name for c in COMMANDS} - registered)
    return Finding(not unsynced, "slash commands registered" if not unsynced else
                   f"slash commands not registered: {', '.join('/' + n for n in unsynced)}",
                   "" if not unsynced else "as the bot's owner, type !sync (every server, up to an hour) or "
                   "!sync here (this server, at once)")


def server_findings(client: discord.Client, config: Config, commands: Finding,
                    overrides: Sequence[GuildSetting] = ()) -> list[Finding]:
    found = []
    servers = ServerSettingsCache(config)
    servers.load(overrides)
    flags = client.application_flags
    intent = flags.gateway_message_content or flags.gateway_message_content_limited
    found.append(Finding(bool(intent), "the Message Content intent is " + ("on" if intent else "off"),
                         "" if intent else "Developer Portal > your application > Bot > Privileged Gateway Intents > "
                         "Message Content Intent: without it only commands and mentions are seen"))
    found.append(commands)
    if not client.guilds:
        found.append(Finding(False, "the bot is in no server", "add it with the link `papers-bot invite` prints"))
    plain = [g for g in client.guilds if "answer_channels" not in servers.get(g.id).own]
    for name in sorted(ambiguous_names(plain, config.plain_channels)):
        found.append(Finding(False, f"answer channel {name!r} is in several servers, so it is not used",
                             f"write it as server/{name} or the channel's id"))
    matched: set[str] = set()
    for guild in client.guilds:
        me = guild.me
        missing = permissions.missing(me.guild_permissions)
        found.append(Finding(not missing, f"server {guild.name}: " + ("every permission the bot needs" if not missing
                             else "missing " + ", ".join(missing)),
                             "" if not missing else f"Server Settings > Roles > {me.top_role.name}: allow them, or "
                             "invite it again with the link `papers-bot invite` prints"))
        for row in (o for o in overrides if o.guild_id == str(guild.id)):
            ok = unusable(row) is None
            found.append(Finding(ok, f"  its own setting {override_line(row)}",
                                 "" if ok else "set it again with /settings set, or /settings reset it"))
        answer_channels = servers.get(guild.id).answer_channels
        for channel in guild.text_channels:
            names = channel_keys(channel)
            if not names & answer_channels:
                continue
            matched |= names & config.answer_channels
            missing = permissions.missing(channel.permissions_for(me))
            found.append(Finding(not missing, f"  #{channel.name}: " + ("answers questions here" if not missing
                                 else "missing " + ", ".join(missing)),
                                 "" if not missing else f"#{channel.name} > Edit Channel > Permissions > "
                                 f"{me.top_role.name}: allow them"))
    for name in sorted(config.answer_channels - matched):
        found.append(Finding(False, f"answer channel {name!r} is in none of the bot's servers",
                             "use a channel id (Developer Mode > right-click > Copy Channel ID) or server/channel"))
    return found


async def check(config: Config) -> list[Finding]:
    """Every finding: the library's, then (with a token) Discord's."""
    found, overrides = await asyncio.to_thread(library_findings, config)
    token = usable_token(config, "doctor connects as the bot to see what it can do")
    point_at(config)
    # (Without the Message Content intent: if the portal has it off, asking for it would refuse the connection,
    # and doctor would not get to say so.)
    intents = discord.Intents.default()
    # (A sharded bot's servers are seen on all its shards: Discord refuses one connection past 2,500 of them.)
    client = discord.Client(intents=intents) if config.shard_count is None else discord.AutoShardedClient(
        intents=intents, shard_count=None if config.shard_count == "auto" else config.shard_count)
    async with client:
        await client.login(token)
        connection = asyncio.create_task(client.connect(reconnect=False))
        try:
            await asyncio.wait_for(client.wait_until_ready(), READY_TIMEOUT)
            found += server_findings(client, config, await registered_commands(client), overrides)
        finally:
            await client.close()
            connection.cancel()
    return found
