"""Sending replies: cards become embeds, long text is split, several pages get Previous/Next buttons."""

from __future__ import annotations

import logging
import re
import socket
import weakref
from collections.abc import MutableMapping

import aiohttp
import discord
from discord.ext import commands

from papers_bot.bot.replies import MESSAGE, PAGE_SOURCES, Card, Reply
from papers_bot.errors import PaperNotFound, PapersBotError
from papers_bot.format import DISCORD
from papers_bot.text import clip

log = logging.getLogger("papers_bot.bot")
TIMEOUT = 300.0
# What losing the network or Discord raises (not every OSError: a file not found in a handler is a bug).
CONNECTION_ERRORS = (aiohttp.ClientError, ConnectionError, TimeoutError, socket.gaierror, discord.ConnectionClosed,
                     discord.GatewayNotFound, discord.DiscordServerError)
GONE = "What these pages showed is no longer in the library (a load removed it since): search again."
NO_EMBEDS = "\n(I may not embed links in this channel, so the cards come as text: an admin can give me Embed Links.)"


def may_embed(where: commands.Context | discord.Message) -> bool:
    """Whether the bot's embeds show where it answers: Discord drops them without Embed Links (a slash
    command's answer goes by the interaction, which may embed)."""
    if isinstance(where, commands.Context):
        return where.interaction is not None or where.bot_permissions.embed_links
    channel, guild = where.channel, where.guild
    if guild is None or not isinstance(channel, (discord.abc.GuildChannel, discord.Thread)):
        return True
    return channel.permissions_for(guild.me).embed_links


def parts(reply: Reply, *, embeds: bool = True) -> dict:
    """A reply as a message's content and embeds; where the bot may not embed links, its cards as text."""
    if embeds or not reply.cards:
        return {"content": reply.content or None, "embeds": [embed(c) for c in reply.cards]}
    return {"content": clip(reply.text(), MESSAGE - len(NO_EMBEDS), markdown=True) + NO_EMBEDS, "embeds": []}


def embed(card: Card) -> discord.Embed:
    e = discord.Embed(title=card.title, url=card.url, description=card.description or None, colour=0x5865F2)
    for name, value in card.fields:
        e.add_field(name=name, value=value, inline=False)
    if card.footer:
        e.set_footer(text=card.footer)
    return e


KEPT = 60  # characters of a query kept in its buttons' custom ids (Discord allows 100 in all)
ONLY_THE_ASKER = "Only the person who searched can turn these pages; run the search yourself to browse."


def live_pages(client: discord.Client) -> MutableMapping[int, Pages]:
    """The pages that turn in this bot, by message (PapersBot.live_pages: a weak mapping)."""
    pages: MutableMapping[int, Pages] = client.__dict__.setdefault("live_pages", weakref.WeakValueDictionary())
    return pages


def turn_id(kind: str, step: str, owner_id: int, key: str) -> str:
    """A page button's custom id: what it shows and for whom, so that it still works after a restart."""
    return f"pages:{kind}:{step}:{owner_id}:{key if len(key) <= KEPT else ''}"


class Pages(discord.ui.View):
    """Previous/Next through a search's pages; only the person who asked can turn them. `kind` and `key` (a
    PAGE_SOURCES letter and the query) are in the buttons' custom ids: PageTurn turns them after a restart."""

    def __init__(self, pages: list[Reply], *, owner_id: int, kind: str = "", key: str = "", index: int = 0,
                 timeout: float | None = None, embeds: bool = True) -> None:
        super().__init__(timeout=TIMEOUT if timeout is None else timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.embeds = embeds
        self.index = max(0, min(len(pages) - 1, index))
        self.message: discord.Message | None = None
        if kind:
            self.previous.custom_id = turn_id(kind, "prev", owner_id, key)
            self.next.custom_id = turn_id(kind, "next", owner_id, key)
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1

    def current(self) -> dict:
        return parts(self.pages[self.index], embeds=self.embeds)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(ONLY_THE_ASKER, ephemeral=True)
        return False

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        await interaction.response.edit_message(**self.current(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._turn(interaction, +1)

    async def on_timeout(self) -> None:
        await self.disable()

    async def disable(self) -> None:
        """Grey the buttons out on the message: these pages no longer turn."""
        for item in self.children:
            item.disabled = True  # type: ignore[attr-defined]
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException:  # the message is gone or not ours to edit any more
            pass
        except CONNECTION_ERRORS as e:  # (a timeout's task: raised, it was "Task exception was never retrieved")
            log.info("page buttons of message %s left as they were: cannot reach Discord (%s)", self.message.id,
                     e or type(e).__name__)


TURN = r"pages:(?P<kind>[a-z]):(?P<step>prev|next):(?P<owner>\d+):(?P<key>.*)"  # (turn_id's form)


class PageTurn(discord.ui.DynamicItem[discord.ui.Button], template=TURN):
    """A page button whose view is gone (the bot restarted): the pages are made again from the query in its custom
    id and turned; a query too long to have been kept is answered politely."""

    def __init__(self, kind: str, step: str, owner_id: int, key: str) -> None:
        super().__init__(discord.ui.Button(label="Next" if step == "next" else "Previous",
                                           custom_id=turn_id(kind, step, owner_id, key)))
        self.kind, self.step, self.owner_id, self.key = kind, step, owner_id, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str],
                             /) -> PageTurn:
        return cls(match["kind"], match["step"], int(match["owner"]), match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        live = live_pages(interaction.client).get(interaction.message.id) if interaction.message else None
        if live is not None and not live.is_finished():
            return  # (the view in memory turns it: discord.py offers its clicks here too)
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(ONLY_THE_ASKER, ephemeral=True)
            return
        source = PAGE_SOURCES.get(self.kind)
        if source is None or not self.key:
            await interaction.response.send_message(
                "These pages are from before the bot restarted and could not be kept: run the search again.",
                ephemeral=True)
            return
        shown = re.search(r"\(page (\d+) of \d+\)", interaction.message.content if interaction.message else "")
        index = (int(shown[1]) - 1 if shown else 0) + (1 if self.step == "next" else -1)
        bot = interaction.client
        try:
            pages = await bot.papers.run(source, self.key)  # type: ignore[attr-defined]
        except PaperNotFound:  # (`related <id>` pages, or an author's, removed since by a load --replace)
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        except PapersBotError as e:
            await interaction.response.send_message(DISCORD.text(str(e)), ephemeral=True)
            return
        view = Pages(pages, owner_id=self.owner_id, kind=self.kind, key=self.key, index=index,
                     embeds=interaction.app_permissions.embed_links)
        view.message = interaction.message
        if interaction.message is not None:
            live_pages(interaction.client)[interaction.message.id] = view
        await interaction.response.edit_message(**view.current(), view=view)


async def send_pages(ctx: commands.Context, pages: list[Reply], *, kind: str = "", key: str = "") -> discord.Message:
    """Reply with the first page; with more than one, attach the Previous/Next view.

    A new search stops (and greys out) the user's pages that still turn, as their timeout would, so a busy bot
    holds one search per user, not every search of the last minutes."""
    if len(pages) == 1:
        return await ctx.reply(**parts(pages[0], embeds=may_embed(ctx)))
    view = Pages(pages, owner_id=ctx.author.id, kind=kind, key=key, embeds=may_embed(ctx))
    view.message = await ctx.reply(**view.current(), view=view)
    live = live_pages(ctx.bot)
    previous = [v for v in list(live.values()) if v.owner_id == ctx.author.id and not v.is_finished()]
    live[view.message.id] = view
    for old in previous:
        old.stop()
        await old.disable()
    return view.message


async def send_texts(ctx: commands.Context, texts: list[str]) -> list[discord.Message]:
    """Reply with a long answer as several messages, each within the 2,000-character limit.

    Only the first is a reply, so in a busy channel each answer points at its question once."""
    first = await ctx.reply(texts[0])
    return [first, *[await ctx.send(text) for text in texts[1:]]]
