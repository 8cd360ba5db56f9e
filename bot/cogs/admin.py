"""Admin commands: !reload (Manage Server, the server's admin role, or the bot owner) and !sync (owner)."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command
from papers_bot.bot.pages import send_texts
from papers_bot.text import plural


class NotAdmin(commands.CheckFailure):
    """Only server admins (Manage Server), the configured admin role or the bot owner can reload the papers."""

    def __init__(self) -> None:
        super().__init__(self.__doc__)


async def is_admin(ctx: BotContext) -> bool:
    """Checked on every call, for prefix and slash alike (slash default permissions are only a hint)."""
    if await ctx.bot.is_owner(ctx.author):
        return True
    if ctx.guild is None or not isinstance(ctx.author, discord.Member):
        return False
    if ctx.author.guild_permissions.manage_guild:
        return True
    role = ctx.bot.settings_for(ctx.guild).admin_role
    return role is not None and any(role in (str(r.id), r.name) for r in ctx.author.roles)


class Admin(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot

    @hybrid_command("reload")
    async def reload(self, ctx: BotContext, file: discord.Attachment | None = None) -> None:
        """Re-read the data folder (or, without one, the library's own files) and attached listing files."""
        if not await is_admin(ctx):
            raise NotAdmin()
        attachments = list(ctx.message.attachments) if ctx.interaction is None else [file] if file else []
        if attachments and len(self.bot.guilds) > 1 and not await self.bot.is_owner(ctx.author):
            # (a server's admins, or whoever its own admin_role names, may re-read the host's files; papers of
            # their own would be searched in every server of the bot)
            raise commands.CheckFailure("Attached listings add papers that every server of this bot searches: here "
                                        "only the bot's owner may attach them. `!reload` alone re-reads the "
                                        "host's files.")
        limit, size = self.bot.config.max_attachment_bytes, sum(a.size for a in attachments)
        if size > limit:  # they are held in memory while they load
            raise commands.BadArgument(
                f"The attached listings are {size:,} bytes; they can be at most {limit:,} in all."
            )
        await ctx.defer()
        attached = [(f"attachment/{a.filename}", await a.read()) for a in attachments]
        await send_texts(ctx, await self.bot.papers.run(replies.reload_messages, self.bot.config.data_dir, attached))
        self.bot.dispatch("papers_loaded")  # (the channels that follow something hear of the new papers)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: BotContext, scope: str = "global") -> None:
        """Register the slash commands with Discord: `!sync` everywhere (takes up to an hour), `!sync here` now."""
        if scope == "here" and ctx.guild is not None:
            self.bot.tree.copy_global_to(guild=ctx.guild)
            synced = await self.bot.tree.sync(guild=ctx.guild)
        else:
            synced = await self.bot.tree.sync()
        await ctx.send(f"Registered {registered(synced)} ({'this server' if scope == 'here' else 'globally'}).")


def registered(synced: Sequence[app_commands.AppCommand]) -> str:
    """`16 slash commands and 1 message menu`: what a sync registered, each kind counted apart (a message's
    "Find papers about this" is no slash command)."""
    menus = sum(c.type is discord.AppCommandType.message for c in synced)
    said = plural(len(synced) - menus, "slash command")
    return f"{said} and {plural(menus, 'message menu')}" if menus else said


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Admin(bot))
