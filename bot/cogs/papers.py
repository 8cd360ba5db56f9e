"""Searching: !papers, !paper, !author, !stats, !help (each also a slash command)."""

from __future__ import annotations

from discord.ext import commands

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command, prefix_of
from papers_bot.bot.commands import command_help
from papers_bot.bot.pages import may_embed, parts, send_pages
from papers_bot.bot.service import LibraryThreads
from papers_bot.store.paper import id_in


def user_cooldown(ctx: BotContext) -> commands.Cooldown:
    """Per-user rate, from the bot's configuration."""
    config = ctx.bot.config
    return commands.Cooldown(config.cooldown_uses, config.cooldown_seconds)


class Papers(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot

    @property
    def threads(self) -> LibraryThreads:
        return self.bot.papers

    @hybrid_command("papers")
    @commands.dynamic_cooldown(user_cooldown, commands.BucketType.user)
    async def papers(self, ctx: BotContext, *, query: str) -> None:
        """Find the papers that best match some words."""
        await ctx.defer()
        pages = await self.threads.run(replies.papers_pages, query)
        await send_pages(ctx, pages, kind="s", key=query)

    @hybrid_command("paper")
    async def paper(self, ctx: BotContext, paper_id: str) -> None:
        """Show one paper in full, by the id shown with search results or its arXiv id."""
        await ctx.defer()
        if id_in(paper_id):  # (an arXiv id or link: its card, or that the library does not hold it)
            reply = await self.threads.run(replies.link_reply, paper_id, prefix=self.bot.config.prefix)
        else:
            reply = await self.threads.run(replies.paper_reply, paper_id)
        await ctx.reply(**parts(reply, embeds=may_embed(ctx)))

    @hybrid_command("author")
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
        await ctx.reply(command_help(command, prefix) if command else replies.help_text(prefix))


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Papers(bot))
