"""Searching: !papers, !paper, !author, !stats, !help (each also a slash command)."""

from __future__ import annotations

import weakref

from discord.ext import commands

from papers_bot.bot import replies
from papers_bot.bot.commands import command
from papers_bot.bot.pages import Pages, embed, send_pages, send_texts
from papers_bot.bot.service import LibraryThreads


def user_cooldown(ctx: commands.Context) -> commands.Cooldown:
    """Per-user rate, from the bot's configuration."""
    config = ctx.bot.config
    return commands.Cooldown(config.cooldown_uses, config.cooldown_seconds)


class Papers(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.pages: weakref.WeakValueDictionary[int, Pages] = weakref.WeakValueDictionary()  # by user id

    @property
    def threads(self) -> LibraryThreads:
        return self.bot.papers  # type: ignore[attr-defined]

    # (mypy cannot solve discord.py's union of callback types for a hybrid command on a method: arg-type)
    @commands.hybrid_command(name="papers", aliases=list(command("papers").aliases), description=command("papers").help)  # type: ignore[arg-type]
    @commands.dynamic_cooldown(user_cooldown, commands.BucketType.user)
    async def papers(self, ctx: commands.Context, *, query: str) -> None:
        """Find the papers that best match some words."""
        await ctx.defer()
        result = await self.threads.run(lambda library: library.search(query, k=replies.SEARCH_RESULTS, passages=True))
        pages = replies.search_pages(result)
        await send_pages(ctx, pages, self.pages)

    @commands.hybrid_command(name="paper", description=command("paper").help)  # type: ignore[arg-type]
    async def paper(self, ctx: commands.Context, paper_id: str) -> None:
        """Show one paper in full, by the id shown with search results or its arXiv id."""
        await ctx.defer()
        reply = await self.threads.run(replies.paper_reply, paper_id)
        await ctx.reply(embeds=[embed(c) for c in reply.cards])

    @commands.hybrid_command(name="author", description=command("author").help)  # type: ignore[arg-type]
    async def author(self, ctx: commands.Context, *, name: str) -> None:
        """An author's papers and profile."""
        await ctx.defer()
        await send_texts(ctx, await self.threads.run(replies.author_messages, name))

    @commands.hybrid_command(name="stats", description=command("stats").help)  # type: ignore[arg-type]
    async def stats(self, ctx: commands.Context) -> None:
        """What is in the library."""
        await ctx.defer()
        await ctx.reply(await self.threads.run(replies.stats_reply))

    @commands.hybrid_command(name="help", description=command("help").help)  # type: ignore[arg-type]
    async def help(self, ctx: commands.Context) -> None:
        """How to use papers-bot."""
        await ctx.reply(replies.help_text(self.bot.config.prefix))  # type: ignore[attr-defined]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Papers(bot))
