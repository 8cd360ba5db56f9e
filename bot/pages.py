"""Sending replies: cards become embeds, long text is split, several pages get Previous/Next buttons."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import socket
import weakref
from collections.abc import Callable, Coroutine, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

import aiohttp
import discord
from discord.ext import commands

from papers_bot.bot.replies import (
    MESSAGE,
    PAGE_SOURCES,
    SOMETHING_WENT_WRONG,
    Card,
    Reply,
    bib_reply,
    related_pages,
    why_reply,
)
from papers_bot.errors import PaperNotFound, PapersBotError, StoreBusy
from papers_bot.format import DISCORD
from papers_bot.library import Library
from papers_bot.text import clip

log = logging.getLogger("papers_bot.bot")
T = TypeVar("T")
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


def parts(reply: Reply, *, embeds: bool = True, view: discord.ui.View | None = None) -> dict:
    """A reply as a message's content and embeds (and `view`'s buttons, where there is one: discord.py's
    interaction replies take no `view=None`); where the bot may not embed links, its cards as text."""
    said = {"view": view} if view else {}
    if embeds or not reply.cards:
        return {"content": reply.content or None, "embeds": [embed(c) for c in reply.cards], **said}
    return {"content": clip(reply.text(), MESSAGE - len(NO_EMBEDS), markdown=True) + NO_EMBEDS, "embeds": [],
            **said}


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


VOTE = r"vote:(?P<way>up|down):(?P<card>\d+)"  # (a vote button's custom id: the way and the card's row id)
_NUMBERED = re.compile(r"(\d+)\. ")


def vote_buttons(page: Reply, cards: Mapping[str, int]) -> list[discord.ui.Button]:
    """A 👍 and a 👎 under a page for each of its result cards that has a vote card (`cards`: paper id -> card
    id), numbered as the cards are; anyone may vote (VoteButton records it)."""
    ups: list[discord.ui.Button] = []
    downs: list[discord.ui.Button] = []
    for position, card in enumerate(page.cards, 1):
        if card.paper_id is None or card.paper_id not in cards:
            continue
        shown = _NUMBERED.match(card.title)
        number = shown[1] if shown else str(position)
        for way, sign, row in (("up", "👍", ups), ("down", "👎", downs)):
            row.append(discord.ui.Button(label=f"{sign} {number}", custom_id=f"vote:{way}:{cards[card.paper_id]}",
                                         row=2 if way == "down" else 1, style=discord.ButtonStyle.secondary))
    return ups + downs


def answer_votes(reply: Reply, cards: Mapping[str, int]) -> discord.ui.View | None:
    """A 👍 and a 👎 for each paper a question's answer quotes (`reply.papers`; `cards`: paper id -> card id), a
    row each with the paper's title, as a view that is sent but not kept (VoteButton records them)."""
    shown = [(paper_id, title) for paper_id, title in reply.papers if paper_id in cards][:5]  # (Discord's 5 rows)
    if not shown:
        return None
    view = discord.ui.View(timeout=None)
    for row, (paper_id, title) in enumerate(shown):
        for way, label in (("up", clip(f"👍 {title}", 80)), ("down", "👎")):
            view.add_item(discord.ui.Button(label=label, custom_id=f"vote:{way}:{cards[paper_id]}", row=row,
                                            style=discord.ButtonStyle.secondary))
    view.stop()
    return view


async def answer_view(bot: discord.Client, question: str, reply: Reply) -> discord.ui.View | None:
    """The vote buttons under a question's answer (its vote cards made as a search's are)."""
    return answer_votes(reply, await vote_cards(bot, question, [paper_id for paper_id, _ in reply.papers]))


MORE = r"more:(?P<first>\d+)"  # (a result page's menu: its first card's id, for a custom id unique in the message)


def more_menu(page: Reply, cards: Mapping[str, int]) -> discord.ui.Select | None:
    """A menu under a page of results: each card's BibTeX, related papers, and why it is a result (MoreMenu
    answers it)."""
    options, first = [], None
    for position, card in enumerate(page.cards, 1):
        if card.paper_id is None or card.paper_id not in cards:
            continue
        shown = _NUMBERED.match(card.title)
        number, card_id = shown[1] if shown else str(position), cards[card.paper_id]
        first = card_id if first is None else first
        options += [discord.SelectOption(label=f"BibTeX of {number}", value=f"bib:{card_id}"),
                    discord.SelectOption(label=f"Papers related to {number}", value=f"related:{card_id}"),
                    discord.SelectOption(label=f"Why {number} is a result", value=f"why:{card_id}")]
    if first is None:
        return None
    return discord.ui.Select(custom_id=f"more:{first}", placeholder="BibTeX, related papers, why a result…",
                             options=options[:25], row=3)


def card_items(page: Reply, cards: Mapping[str, int]) -> list[discord.ui.Item]:
    """What goes under a page of results besides its page buttons: the votes and the menu."""
    menu = more_menu(page, cards)
    return [*vote_buttons(page, cards), *([menu] if menu else [])]


def votes_view(page: Reply, cards: Mapping[str, int]) -> discord.ui.View | None:
    """The vote buttons and menu of a one-page reply, as a view that is sent but not kept (VoteButton and
    MoreMenu answer them)."""
    items = card_items(page, cards)
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


class Pages(discord.ui.View):
    """Previous/Next through a search's pages; only the person who asked can turn them. `kind` and `key` (a
    PAGE_SOURCES letter and the query) are in the buttons' custom ids: PageTurn turns them after a restart.
    With `votes` (paper id -> vote card id), each page's result cards get 👍/👎 buttons too."""

    def __init__(self, pages: list[Reply], *, owner_id: int, kind: str = "", key: str = "", index: int = 0,
                 timeout: float | None = None, embeds: bool = True, votes: Mapping[str, int] | None = None) -> None:
        super().__init__(timeout=TIMEOUT if timeout is None else timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.embeds = embeds
        self.votes = votes or {}
        self.index = max(0, min(len(pages) - 1, index))
        self.message: discord.Message | None = None
        if kind:
            self.previous.custom_id = turn_id(kind, "prev", owner_id, key)
            self.next.custom_id = turn_id(kind, "next", owner_id, key)
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1
        for item in [i for i in self.children if str(getattr(i, "custom_id", "")).startswith(("vote:", "more:"))]:
            self.remove_item(item)
        for item in card_items(self.pages[self.index], self.votes):
            self.add_item(item)

    def current(self) -> dict:
        return parts(self.pages[self.index], embeds=self.embeds)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if str(dict(interaction.data or {}).get("custom_id", "")).startswith(("vote:", "more:")):
            return False  # (anyone's vote or choice: VoteButton and MoreMenu answer them)
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
        """Grey the page buttons out on the message: these pages no longer turn (votes still count)."""
        self.previous.disabled = self.next.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException:  # the message is gone or not ours to edit any more
            pass
        except CONNECTION_ERRORS as e:  # (a timeout's task: raised, it was "Task exception was never retrieved")
            log.info("page buttons of message %s left as they were: cannot reach Discord (%s)", self.message.id,
                     e or type(e).__name__)


ItemCallback = Callable[[Any, discord.Interaction], Coroutine[Any, Any, None]]


def apologising(callback: ItemCallback) -> ItemCallback:
    """A button's or menu's callback that tells its user when it fails (discord.py only logs a failed persistent
    item's callback, which the error reports pick up: the user was left at "thinking…")."""

    @functools.wraps(callback)
    async def run(item: Any, interaction: discord.Interaction) -> None:
        try:
            await callback(item, interaction)
        except Exception:
            try:
                if interaction.response.is_done():
                    await interaction.followup.send(SOMETHING_WENT_WRONG, ephemeral=True)
                else:
                    await interaction.response.send_message(SOMETHING_WENT_WRONG, ephemeral=True)
            except (discord.HTTPException, *CONNECTION_ERRORS):
                log.warning("could not tell the user about an error in a button or menu")
            raise

    return run


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

    @apologising
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
                     embeds=interaction.app_permissions.embed_links,
                     votes=await vote_cards(bot, page_query(self.kind, self.key), card_ids(pages)))
        view.message = interaction.message
        if interaction.message is not None:
            live_pages(interaction.client)[interaction.message.id] = view
        await interaction.response.edit_message(**view.current(), view=view)


async def vote_cards(bot: discord.Client, query: str | None, ids: Sequence[str]) -> dict[str, int]:
    """The vote cards of the papers shown for `query` (paper id -> card id): none without a query (an author's
    papers answer none), nor where the library cannot keep votes."""
    if query is None or not ids:
        return {}
    try:
        return await bot.papers.run(lambda library: library.vote_cards(query, ids))  # type: ignore[attr-defined]
    except PapersBotError as e:  # (the search is answered all the same, without vote buttons)
        log.warning("no vote buttons on the results for %r: %s", query, e)
        return {}


def page_query(kind: str, key: str) -> str | None:
    """The query a command's pages answer, which their votes judge papers for: a search's, `related <id>`'s."""
    return {"s": key, "r": f"related {key}"}.get(kind)


def card_ids(pages: list[Reply]) -> list[str]:
    """The papers a command's pages show as cards, in order."""
    return [c.paper_id for page in pages for c in page.cards if c.paper_id]


VOTE_WAIT = 600.0  # seconds a vote waits for a load to end (an interaction's token lasts 15 minutes)
VOTE_RETRY = 1.0  # seconds between a waiting vote's tries


async def patiently(bot: discord.Client, call: Callable[[Library], T], *, wait: float = VOTE_WAIT) -> T:
    """`call(library)` in the library's threads, tried again every VOTE_RETRY seconds while a load writes
    (StoreBusy), for up to `wait`: a vote given during a load is kept when it ends; no worker thread waits."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        try:
            return await bot.papers.run(call)  # type: ignore[attr-defined]
        except StoreBusy:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(VOTE_RETRY)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=VOTE):
    """A 👍 or 👎 under a result card, from anyone, at any time (the card's question and paper are in the
    database, by the id in the button): recorded, replacing the voter's earlier vote on it."""

    def __init__(self, way: str, card_id: int) -> None:
        super().__init__(discord.ui.Button(label="👍" if way == "up" else "👎", custom_id=f"vote:{way}:{card_id}"))
        self.way, self.card_id = way, card_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str],
                             /) -> VoteButton:
        return cls(match["way"], int(match["card"]))

    @apologising
    async def callback(self, interaction: discord.Interaction) -> None:
        # (a vote may wait for a load to end: the interaction is answered "thinking…" at once, privately)
        await interaction.response.defer(ephemeral=True, thinking=True)
        value = 1 if self.way == "up" else -1
        guild = str(interaction.guild_id) if interaction.guild_id else None
        try:
            card, before = await patiently(interaction.client, lambda library: library.vote(
                self.card_id, interaction.user.id, value, guild_id=guild))
        except PapersBotError as e:
            await interaction.followup.send(DISCORD.text(str(e)), ephemeral=True)
            return
        await interaction.followup.send(vote_said(card.paper_id, card.query, value, before), ephemeral=True)


class MoreMenu(discord.ui.DynamicItem[discord.ui.Select], template=MORE):
    """The menu under a page of results, from anyone, at any time: a card's BibTeX, its related papers, or why
    it is a result, answered privately (the card's query and paper are in the database, by the id in the value)."""

    def __init__(self, first: int) -> None:
        super().__init__(discord.ui.Select(custom_id=f"more:{first}", options=[discord.SelectOption(label="…")]))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str],
                             /) -> MoreMenu:
        return cls(int(match["first"]))

    @apologising
    async def callback(self, interaction: discord.Interaction) -> None:
        values: Any = dict(interaction.data or {}).get("values") or [""]
        what, _, number = str(values[0]).partition(":")
        await answer_privately(interaction, more_reply, what, int(number) if number.isdigit() else 0)


def more_reply(library: Library, what: str, card_id: int) -> Reply:
    """What the results' menu shows for a card: its BibTeX, the first page of papers related to it, or why."""
    card = library.vote_card(card_id)
    return paper_more(library, what, card.paper_id, card.query)


def paper_more(library: Library, what: str, paper_id: str, query: str = "") -> Reply:
    """A paper's BibTeX, the first page of papers related to it, or why it is a result for `query`."""
    if what == "bib":
        return bib_reply(library, paper_id)
    if what == "related":
        return related_pages(library, paper_id)[0]
    return why_reply(library, f"{paper_id} {query}")


PAPER = r"paper:(?P<what>bib|related):(?P<paper>.+)"  # (a paper card's button: what it shows, and the paper's id)
PAPER_BUTTONS = (("bib", "BibTeX"), ("related", "Related"))


async def paper_view(bot: discord.Client, reply: Reply) -> discord.ui.View | None:
    """BibTeX and Related buttons under a reply that shows one paper's card (`!paper`, an arXiv link), as a view
    that is sent but not kept (PaperButton answers them, after a restart too). An id too long for a button's
    custom id is kept in a card row of the database, whose number the buttons carry (`paper:bib:#12`); where the
    library cannot keep one, no buttons."""
    if len(reply.cards) != 1 or not (paper_id := reply.cards[0].paper_id):
        return None
    if len(f"paper:related:{paper_id}") > 100 or paper_id.startswith("#"):
        card = (await vote_cards(bot, "", [paper_id])).get(paper_id)
        if card is None:
            return None
        paper_id = f"#{card}"
    view = discord.ui.View(timeout=None)
    for what, label in PAPER_BUTTONS:
        view.add_item(discord.ui.Button(label=label, custom_id=f"paper:{what}:{paper_id}"))
    view.stop()
    return view


class PaperButton(discord.ui.DynamicItem[discord.ui.Button], template=PAPER):
    """BibTeX or Related under a paper's card, from anyone, at any time (the paper's id is in the button),
    answered privately."""

    def __init__(self, what: str, paper_id: str) -> None:
        super().__init__(discord.ui.Button(label=dict(PAPER_BUTTONS)[what], custom_id=f"paper:{what}:{paper_id}"))
        self.what, self.paper_id = what, paper_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str],
                             /) -> PaperButton:
        return cls(match["what"], match["paper"])

    @apologising
    async def callback(self, interaction: discord.Interaction) -> None:
        card = self.paper_id.removeprefix("#")
        if card != self.paper_id and card.isdigit():  # (a paper whose id is kept in a card row: see paper_view)
            await answer_privately(interaction, more_reply, self.what, int(card))
        else:
            await answer_privately(interaction, paper_more, self.what, self.paper_id)


async def answer_privately(interaction: discord.Interaction, call: Callable[..., Reply], *args: Any) -> None:
    """A button's or menu's answer, `call(library, *args)` in the library's threads, seen only by whoever clicked."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        reply = await interaction.client.papers.run(call, *args)  # type: ignore[attr-defined]
    except PapersBotError as e:
        await interaction.followup.send(DISCORD.text(str(e)), ephemeral=True)
        return
    await interaction.followup.send(**parts(reply, embeds=interaction.app_permissions.embed_links), ephemeral=True)


def vote_said(paper_id: str, query: str, value: int, before: int | None) -> str:
    """What a voter is told: what was recorded, and how to take it back."""
    sign = "👍" if value > 0 else "👎"
    what = f"{sign} for `{paper_id}` on **{DISCORD.text(clip(query, 200))}**"
    if before == value:
        return f"You had said {what} already."
    changed = " (changed from 👍)" if before == 1 else " (changed from 👎)" if before == -1 else ""
    return f"Noted: {what}{changed}. Thank you: votes make the ranking better. `/forget` deletes all your votes."


async def send_pages(ctx: commands.Context, pages: list[Reply], *, kind: str = "", key: str = "") -> discord.Message:
    """Reply with the first page; with more than one, attach the Previous/Next view; a search's result cards get
    vote buttons.

    A new search stops (and greys out) the user's pages that still turn, as their timeout would, so a busy bot
    holds one search per user, not every search of the last minutes."""
    votes = await vote_cards(ctx.bot, page_query(kind, key), card_ids(pages))
    if len(pages) == 1:
        return await ctx.reply(**parts(pages[0], embeds=may_embed(ctx), view=votes_view(pages[0], votes)))
    view = Pages(pages, owner_id=ctx.author.id, kind=kind, key=key, embeds=may_embed(ctx), votes=votes)
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
