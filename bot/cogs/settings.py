"""A server's own settings: /settings (and !settings) show, set, reset and log; each server's kept in the
library's database and looked up by `PapersBot.settings_for`, read again here when they change.

Members with Manage Server see and change their server's; the bot's owner, every server's. A server the bot has
left keeps its settings KEEP_AFTER_LEAVING (state.py), looked at when the bot starts, daily, and as it joins and
leaves servers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from papers_bot.bot.client import BotContext, CommandCallback, PapersBot, prefix_of
from papers_bot.bot.commands import command
from papers_bot.bot.pages import send_texts
from papers_bot.bot.replies import pagify
from papers_bot.library import Library
from papers_bot.settings import (
    OVERRIDABLE,
    PER_CHANNEL,
    SettingError,
    change_line,
    checked,
    quoted,
    setting_named,
    show_lines,
)
from papers_bot.text import plural

log = logging.getLogger("papers_bot.bot.settings")
READ_AGAIN_EVERY = 60.0  # seconds: another process on the library (a shard) changed a server's settings
LOG_SHOWN = 10  # changes `/settings log` shows
CHANNEL_MENTION = "<#{}>"


class NotSettingsAdmin(commands.CheckFailure):
    """Only members with Manage Server (and the bot's owner) can see or change this server's settings."""

    def __init__(self) -> None:
        super().__init__(self.__doc__)


class NotInServer(commands.NoPrivateMessage):
    """Settings belong to a server: use /settings in one of its channels."""

    def __init__(self) -> None:
        super().__init__(self.__doc__)


async def may_change_settings(ctx: BotContext) -> bool:
    """Checked on every call, prefix and slash alike: the owner, or Manage Server in this server."""
    if ctx.guild is None:
        raise NotInServer()
    if await ctx.bot.is_owner(ctx.author):
        return True
    if isinstance(ctx.author, discord.Member) and ctx.author.guild_permissions.manage_guild:
        return True
    raise NotSettingsAdmin()


def settings_group(callback: CommandCallback) -> commands.HybridGroup[Any, ..., None]:
    """/settings (and !settings): shows them, and holds set, reset and log; for admins, in servers. (Made through a
    callback typed `...`, as client.hybrid_command is, for mypy.)"""
    callback = app_commands.default_permissions(manage_guild=True)(app_commands.guild_only()(callback))
    return commands.hybrid_group(name="settings", description=command("settings").help, fallback="show",
                                 invoke_without_command=True)(callback)


def subcommand(group: commands.HybridGroup[Any, ..., None], name: str,
               description: str) -> Callable[[CommandCallback], commands.HybridCommand[Any, ..., None]]:
    def decorate(callback: CommandCallback) -> commands.HybridCommand[Any, ..., None]:
        return group.command(name=name, description=description)(callback)

    return decorate


async def setting_choices(_interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The settings a server may change whose names hold what was typed."""
    typed = current.strip().casefold()
    return [app_commands.Choice(name=name, value=name) for name in OVERRIDABLE if typed in name]


class Settings(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot
        self._changes = 0  # settings changed by this process (a reading of them all begun before one is stale)

    async def cog_load(self) -> None:
        self.bot.server_settings.load(await self.bot.papers.run(Library.guild_settings))
        self.read_again.start()
        self.note_servers.start()

    async def cog_unload(self) -> None:
        self.read_again.cancel()
        self.note_servers.cancel()

    async def cog_check(self, ctx: BotContext) -> bool:  # type: ignore[override]
        return await may_change_settings(ctx)

    @settings_group
    async def settings(self, ctx: BotContext) -> None:
        """This server's settings, and whether each is its own or the configuration file's."""
        lines = show_lines(self.bot.settings_for(ctx.guild))
        head = f"**This server's settings** (change one: `{prefix_of(ctx)}settings set <name> <value>`)"
        await send_texts(ctx, pagify("\n".join([head, *lines])))

    @subcommand(settings, "set", "change one of this server's settings")
    @app_commands.describe(**dict(command("settings").options))
    @app_commands.autocomplete(name=setting_choices)
    async def set_(self, ctx: BotContext, name: str, *, value: str,
                   channel: discord.TextChannel | None = None) -> None:
        """`!settings set answer_every_message true #papers`: a channel mention in a prefix command's value is
        the `channel` option of the slash command."""
        try:
            await self._set(ctx, name, value, channel)
        except SettingError as e:  # (its message is made for Discord: not escaped again)
            await ctx.reply(str(e))

    async def _set(self, ctx: BotContext, name: str, value: str, channel: discord.TextChannel | None) -> None:
        assert ctx.guild is not None  # (cog_check)
        key = setting_named(name)
        channel_id = str(channel.id) if channel else ""
        if key in PER_CHANNEL and not channel_id and ctx.message.channel_mentions and ctx.interaction is None:
            channel_id = str(ctx.message.channel_mentions[0].id)
            value = value.replace(CHANNEL_MENTION.format(channel_id), " ")
        if channel_id and key not in PER_CHANNEL:
            raise SettingError(f"`{key}` is for the whole server, not one channel; "
                               f"{', '.join(f'`{k}`' for k in sorted(PER_CHANNEL))} can be set for one channel.")
        if channel_id and ctx.guild.get_channel(int(channel_id)) is None:
            raise SettingError("That channel is not one of this server's.")
        stored = checked(key, value)
        await ctx.defer()
        guild_id = str(ctx.guild.id)
        old = await self.bot.papers.run(lambda library: library.set_guild_setting(
            guild_id, key, stored, by=str(ctx.author.id), channel_id=channel_id))
        await self._reread(guild_id)
        where = f" in {CHANNEL_MENTION.format(channel_id)}" if channel_id else ""
        was = "the default" if old is None else quoted(old)
        await ctx.reply(f"`{key}`{where} is now {quoted(stored)} in this server (it was {was})."
                        + (f" Commands start with {quoted(stored)} now." if key == "prefix" else ""))

    @subcommand(settings, "reset", "put one of this server's settings, or all, back to the default")
    @app_commands.describe(name="the setting; leave it out to reset every one")
    @app_commands.autocomplete(name=setting_choices)
    async def reset(self, ctx: BotContext, name: str | None = None) -> None:
        assert ctx.guild is not None
        try:
            key = setting_named(name) if name else None
        except SettingError as e:
            await ctx.reply(str(e))
            return
        await ctx.defer()
        guild_id = str(ctx.guild.id)
        gone = await self.bot.papers.run(lambda library: library.reset_guild_settings(
            guild_id, key, by=str(ctx.author.id)))
        await self._reread(guild_id)
        what = f"`{key}`" if key else "Every setting"
        if not gone:
            await ctx.reply(f"{what} was the default already: nothing changed.")
            return
        await ctx.reply(f"{what} is back to the default in this server ({plural(len(gone), 'value')} removed).")

    @subcommand(settings, "log", "who changed this server's settings, and when")
    async def changes(self, ctx: BotContext) -> None:
        assert ctx.guild is not None
        guild_id = str(ctx.guild.id)
        changes = await self.bot.papers.run(lambda library: library.setting_changes(guild_id, limit=LOG_SHOWN))
        if not changes:
            await ctx.reply("No setting of this server has been changed: it goes by the configuration file.")
            return
        await send_texts(ctx, pagify("**Latest changes**, newest first\n" + "\n".join(map(change_line, changes))))

    async def _reread(self, guild_id: str) -> None:
        """A server's settings changed: its look-up from now on, and the answer channels' names."""
        self._changes += 1
        rows = await self.bot.papers.run(lambda library: library.guild_settings(guild_id))
        self.bot.server_settings.changed(guild_id, rows)
        self.bot._find_ambiguous()

    @tasks.loop(seconds=READ_AGAIN_EVERY)
    async def read_again(self) -> None:
        """Every server's settings read again: another process on the library may have changed some."""
        changes = self._changes
        try:
            rows = await self.bot.papers.run(Library.guild_settings)
        except Exception:
            log.exception("could not read the servers' settings; tried again in %.0f s", READ_AGAIN_EVERY)
            return
        if changes == self._changes:  # (else one changed here meanwhile, and this reading may predate it)
            self.bot.server_settings.load(rows)
            self.bot._find_ambiguous()  # (a server's own answer channels may have come or gone)

    @read_again.before_loop
    async def _ready(self) -> None:
        await self.bot.wait_until_ready()

    @tasks.loop(hours=24)
    async def note_servers(self) -> None:
        """The servers the bot is in, noted (the first time once it is ready, then daily); the settings of one
        it left KEEP_AFTER_LEAVING ago deleted."""
        await self.bot.wait_until_ready()
        if self.bot.library.read_only:  # (nothing can be deleted: they stay until it can be written)
            return
        present = [str(g.id) for g in self.bot.guilds]
        try:
            gone = await self.bot.papers.run(Library.guilds_present, present, self.bot.clock(), ours=self._ours)
        except Exception:
            log.exception("could not note the servers the bot is in; tried again tomorrow")
            return
        for guild_id in gone:
            log.info("server %s: its settings are deleted, 30 days after the bot left it", guild_id)
            self.bot.server_settings.changed(guild_id, [])

    def _ours(self, guild_id: str) -> bool:
        """Whether a server is this process's to see: of its shards (Discord's guild-to-shard rule)."""
        count = self.bot.shard_count or 1
        if isinstance(self.bot, discord.AutoShardedClient):
            shards = set(self.bot.shards)
        else:
            shards = {self.bot.shard_id or 0}
        return (int(guild_id) >> 22) % count in shards

    @commands.Cog.listener()
    async def on_guild_join(self, _guild: discord.Guild) -> None:
        await self.note_servers()

    @commands.Cog.listener()
    async def on_guild_remove(self, _guild: discord.Guild) -> None:
        await self.note_servers()


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Settings(bot))
