"""Searching: !papers, !paper, !related, !author, !stats, !help (each also a slash command)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command, prefix_of
from papers_bot.bot.commands import command_help
from papers_bot.bot.pages import may_embed, paper_view, parts, send_pages, send_texts
from papers_bot.bot.service import LibraryThreads
from papers_bot.store.paper import id_in

AUTOCOMPLETE = 25  # choices at most (Discord's limit)


def rate(bot: PapersBot, guild: discord.Guild | None) -> tuple[int, float]:
    """Searches and questions a member may ask, per seconds, in a server (its own cooldown, else the file's)."""
    settings = bot.settings_for(guild)
    return settings.cooldown_uses, settings.cooldown_seconds


def user_cooldown(ctx: BotContext) -> commands.Cooldown:
    return commands.Cooldown(*rate(ctx.bot, ctx.guild))


def user_at_rate(ctx: BotContext) -> tuple[int, int, float]:
    """A cooldown's bucket: per user, and per rate, so that a server's new cooldown counts at once."""
    return (ctx.author.id, *rate(ctx.bot, ctx.guild))


def with_filters(query: str, *, author: str | None = None, year: str | None = None, category: str | None = None,
                 code: bool = False) -> str:
    """`/papers`' options added to its query, in the query language (`author:"Jinwen Ma" year:2023`)."""
    said = [query]
    if author and author.strip():
        said.append('author:"' + author.replace('"', "").strip() + '"')
    if year and year.strip():
        said.append("year:" + "".join(year.split()))
    if category and category.strip():
        said.append("cat:" + "".join(category.split()))
    if code:
        said.append("has:code")
    return " ".join(said)


async def paper_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a paper id: the papers whose titles best match what is typed (ids as they are)."""
    found = await interaction.client.papers.run(replies.paper_choices, current)  # type: ignore[attr-defined]
    return [app_commands.Choice(name=name, value=value) for name, value in found]


async def author_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for an author: the library's names that start with what is typed, or whose family name does."""
    found = await interaction.client.papers.run(  # type: ignore[attr-defined]
        lambda library: library.author_names(current, limit=AUTOCOMPLETE))
    return [app_commands.Choice(name=name[:100], value=name[:100]) for name in found]


class Papers(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot

    @property
    def threads(self) -> LibraryThreads:
        return self.bot.papers

    @hybrid_command("papers")
    @app_commands.autocomplete(author=author_choices)
    @commands.dynamic_cooldown(user_cooldown, user_at_rate)
    async def papers(self, ctx: BotContext, *, query: str, author: str | None = None, year: str | None = None,
                     category: str | None = None, code: bool = False) -> None:
        """Find the papers that best match some words."""
        # (the slash command's options as the query language says them; `!papers` writes them in the query)
        query = with_filters(query, author=author, year=year, category=category, code=code)
        await ctx.defer()
        pages = await self.threads.run(replies.papers_pages, query)
        await send_pages(ctx, pages, kind="s", key=query)

    @hybrid_command("paper")
    @app_commands.autocomplete(paper_id=paper_choices)
    async def paper(self, ctx: BotContext, paper_id: str) -> None:
        """Show one paper in full, by the id shown with search results or its arXiv id."""
        await ctx.defer()
        if id_in(paper_id):  # (an arXiv id or link: its card, or that the library does not hold it)
            reply = await self.threads.run(replies.link_reply, paper_id, prefix=self.bot.settings_for(ctx.guild).prefix)
        else:
            reply = await self.threads.run(replies.paper_reply, paper_id)
        await ctx.reply(**parts(reply, embeds=may_embed(ctx), view=await paper_view(self.bot, reply)))

    @hybrid_command("related")
    @app_commands.autocomplete(paper_id=paper_choices)
    async def related(self, ctx: BotContext, paper_id: str) -> None:
        """The papers most like one paper, never itself."""
        await ctx.defer()
        await send_pages(ctx, await self.threads.run(replies.related_pages, paper_id), kind="r", key=paper_id)

    @hybrid_command("author")
    @app_commands.autocomplete(name=author_choices)
    async def author(self, ctx: BotContext, *, name: str) -> None:
        """An author's papers and profile."""
        await ctx.defer()
        await send_pages(ctx, await self.threads.run(replies.author_pages, name), kind="a", key=name)

    @hybrid_command("stats")
    async def stats(self, ctx: BotContext) -> None:
        """What is in the library."""
        await ctx.defer()
        await ctx.reply(await self.threads.run(replies.stats_reply))

    @hybrid_command("help")
    async def help(self, ctx: BotContext, command: str | None = None) -> None:
        """How to use papers-bot."""
        prefix = prefix_of(ctx)
        # (a long configured prefix can take the list past one message: then it is split at a line)
        await send_texts(ctx, replies.pagify(command_help(command, prefix) if command else replies.help_text(prefix)))


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Papers(bot))
