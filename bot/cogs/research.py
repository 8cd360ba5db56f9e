"""What researchers do with papers they found: !bib, !trend, !forget (and /bib, /trend, /forget)."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command
from papers_bot.bot.cogs.papers import paper_choices
from papers_bot.bot.pages import may_embed, parts, patiently, send_texts
from papers_bot.errors import PapersBotError
from papers_bot.format import DISCORD

FIND_ABOUT = "Find papers about this"  # (a message's context menu: right-click > Apps)


async def bib_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for `/bib`: the ids typed so far, and the next one from title words."""
    found = await interaction.client.papers.run(replies.bib_choices, current)  # type: ignore[attr-defined]
    return [app_commands.Choice(name=name, value=value) for name, value in found]


class Research(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot
        self.find_about = app_commands.ContextMenu(name=FIND_ABOUT, callback=self.find_papers_about)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.find_about)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.find_about.name, type=self.find_about.type)

    async def find_papers_about(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The papers that best match a message's text, as `/papers` shows them (its first page)."""
        text = " ".join(message.content.split())[:replies.MAX_ABOUT]
        if not text:
            await interaction.response.send_message("That message has no text to search for.", ephemeral=True)
            return
        await interaction.response.defer()
        try:
            pages = await self.bot.papers.run(replies.papers_pages, text)
        except PapersBotError as e:
            await interaction.followup.send(DISCORD.text(str(e)), ephemeral=True)
            return
        await interaction.followup.send(**parts(pages[0], embeds=interaction.app_permissions.embed_links))

    @hybrid_command("bib")
    @app_commands.autocomplete(paper_ids=bib_choices)
    async def bib(self, ctx: BotContext, *, paper_ids: str) -> None:
        """BibTeX entries for papers, to cite them."""
        await ctx.defer()
        bib = await self.bot.papers.run(replies.bib_export, paper_ids)
        # (a slash command's answer may attach what the bot's role may: the interaction says so, as the channel does)
        texts, data = replies.bib_messages(bib, may_attach=ctx.bot_permissions.attach_files)
        if data is not None:
            await ctx.reply(texts[0], file=discord.File(io.BytesIO(data), filename=replies.BIB_FILE))
            return
        await send_texts(ctx, texts)

    @hybrid_command("trend")
    async def trend(self, ctx: BotContext, *, query: str) -> None:
        """Papers per year that match a query, as a chart."""
        await ctx.defer()
        may_attach = ctx.bot_permissions.attach_files
        text, png = await self.bot.papers.run(replies.trend_reply, query, chart=may_attach)
        if png is None:
            await ctx.reply(f"{text}\n{replies.NO_CHART}")
            return
        await ctx.reply(text, file=discord.File(io.BytesIO(png), filename=replies.TREND_FILE))

    @hybrid_command("why")
    @app_commands.autocomplete(paper_id=paper_choices)
    async def why(self, ctx: BotContext, paper_id: str, *, query: str) -> None:
        """Why a paper is a result for a query."""
        await ctx.defer()
        reply = await self.bot.papers.run(replies.why_reply, f"{paper_id} {query}")
        await ctx.reply(**parts(reply, embeds=may_embed(ctx)))

    @hybrid_command("about")
    async def about(self, ctx: BotContext) -> None:
        """The bot's version, the library's size and freshness, and uptime."""
        uptime = self.bot.clock() - self.bot.started
        await ctx.reply(await self.bot.papers.run(replies.about_text, uptime=uptime))

    @hybrid_command("ping")
    async def ping(self, ctx: BotContext) -> None:
        """Whether the bot and its library answer, and how fast."""
        await ctx.reply(await self.bot.papers.run(replies.ping_text, latency=self.bot.latency))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A bare mention of the bot (nothing else said) gets a short hello with how to ask."""
        me = self.bot.user
        if message.author.bot or me is None:
            return
        role = message.guild.self_role if message.guild else None
        bare = {f"<@{me.id}>", f"<@!{me.id}>", *([role.mention] if role else [])}
        if message.content.strip() in bare and self.bot.may_post(message.channel.id):
            try:
                await message.reply(replies.hello(self.bot.settings_for(message.guild).prefix))
            except discord.Forbidden as error:
                self.bot.refused(message.channel, error)

    @hybrid_command("forget")
    async def forget(self, ctx: BotContext) -> None:
        """Delete every vote you gave."""
        await ctx.defer(ephemeral=True)
        count = await patiently(self.bot, lambda library: library.forget_votes(ctx.author.id))
        said = f"Deleted your {count} vote{'s' * (count != 1)}." if count else "You have no votes to delete."
        await ctx.reply(said, ephemeral=True)


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Research(bot))
