"""Plain questions in channels: answered in the configured channels, on a mention, and in the answer's thread."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections import OrderedDict
from typing import Final

import discord
from discord.ext import commands

from papers_bot.bot import permissions, replies
from papers_bot.bot.client import (
    BotContext,
    PapersBot,
    channel_keys,
    hold_back,
    hybrid_command,
    user_message,
)
from papers_bot.bot.cogs.papers import rate, user_at_rate, user_cooldown
from papers_bot.bot.pages import answer_view, may_embed, paper_view, parts
from papers_bot.bot.replies import MESSAGE, SOMETHING_WENT_WRONG
from papers_bot.retrieval.answer import Context

log = logging.getLogger("papers_bot.questions")

# An arXiv abstract or PDF link: in an answer channel, answered with the paper's card.
ARXIV_LINK = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/[^\s<>|]+", re.IGNORECASE)
MAX_THREADS = 1000  # threads whose questions and papers the bot remembers for follow-ups
MAX_BUCKETS = 10_000  # askers' cooldowns kept before the spent ones are dropped
# Minutes of quiet before Discord archives an answer's thread (the least it allows). Archived threads leave
# discord.py's cache, so a busy bot holds the last hour's threads, not a day's; a new message reopens one.
THREAD_ARCHIVE_MINUTES: Final = 60
# A follow-up in the asker's own answer thread counts against a bucket of its own, this many times the cooldown's
# uses: a conversation about an answer ("who wrote it?", "more") neither spends nor is held back by the
# allowance for new questions, and a thread cannot be used to ask without limit either.
FOLLOW_UP_USES = 2
Buckets = dict[tuple[int, bool, int, float], commands.Cooldown]


def question_wait(buckets: Buckets, asker: int, *, uses: int, seconds: float, follow_up: bool,
                  now: float | None = None) -> float | None:
    """Seconds `asker` must wait before this question is answered, or None: answer it (it is counted). `uses`
    questions per `seconds` (the cooldown setting); follow-ups in the asker's own answer thread have their own
    bucket of FOLLOW_UP_USES times as many."""
    now = time.time() if now is None else now
    allowed = uses * FOLLOW_UP_USES if follow_up else uses  # (not `rate`: the function this module imports)
    # (one per rate too: a server's own cooldown counts at once, and asking in a laxer server never resets it)
    key = (asker, follow_up, allowed, seconds)
    bucket = buckets.get(key)
    if bucket is None:
        bucket = buckets[key] = commands.Cooldown(allowed, seconds)
    if len(buckets) > MAX_BUCKETS:  # (the buckets of askers whose window has passed hold nothing)
        for old in [k for k, b in buckets.items() if b.get_tokens(now) == b.rate and k != key]:
            del buckets[old]
    return bucket.update_rate_limit(now)


class Questions(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot
        self.buckets: Buckets = {}  # (asker, a follow-up in their own thread, uses, seconds) -> their cooldown
        self.threads: OrderedDict[int, Context] = OrderedDict()  # thread id -> what it is about so far
        self.askers: dict[int, int] = {}  # thread id -> who asked the question it was opened on (the threads')
        self.answered: OrderedDict[int, int] = OrderedDict()  # question id -> its answer's id (the last ones)
        self.deleted: OrderedDict[int, None] = OrderedDict()  # ids of messages deleted lately

    def _in_answer_channel(self, channel: discord.abc.Messageable) -> bool:
        """Configured by id, by `server/channel` (the server's name or id), or by a plain name that only one of
        the bot's servers has a channel by."""
        if not isinstance(channel, discord.TextChannel):
            return False
        settings = self.bot.settings_for(channel.guild)
        named = channel_keys(channel) & settings.answer_channels
        if "answer_channels" in settings.own:  # (the server's own: a plain name is its channel)
            return bool(named)
        return bool(named - {channel.name}) or (bool(named) and channel.name not in self.bot.ambiguous)

    def _answer_thread(self, channel: discord.abc.Messageable) -> bool:
        """A thread the bot started on one of its answers (remembered, or from before a restart)."""
        me = self.bot.user
        return getattr(channel, "id", None) in self.threads or (
            isinstance(channel, discord.Thread) and me is not None and channel.owner_id == me.id
        )

    def question_in(self, message: discord.Message) -> tuple[str, bool] | None:
        """The question a message asks the bot, and whether it is surely for the bot (a mention, a DM, an answer
        thread, or any message in an answer channel with `answer_every_message`); None when it is not for the
        bot. A message in an answer channel that is not surely for it is answered if it reads as a request for
        papers (`retrieval.answer.reads_as_request`)."""
        if message.author.bot or not message.content.strip():
            return None
        me = self.bot.user
        role = message.guild.self_role if message.guild else None  # the bot's own role: mentioning it is asking it
        mentioned = (me is not None and me in message.mentions) or (role is not None and role in message.role_mentions)
        text = message.content
        if me:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        if role:
            text = text.replace(role.mention, " ")
        text = text.strip()
        if not text:
            return None
        if mentioned or message.guild is None or self._answer_thread(message.channel):
            return text, True
        if self._in_answer_channel(message.channel):
            return text, self.bot.settings_for(message.guild).every_message(message.channel.id)
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._answer(message)

    @commands.Cog.listener()
    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        """An edited question is answered again: in its answer, edited in place, if it had one."""
        if before.content != after.content:  # (Discord also sends an edit when it adds a link's preview)
            await self._answer(after, edited=True)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, event: discord.RawMessageDeleteEvent) -> None:
        self.deleted[event.message_id] = None  # (a question deleted while its answer is worked out gets none)
        while len(self.deleted) > MAX_THREADS:
            self.deleted.popitem(last=False)

    @hybrid_command("ask")
    @commands.dynamic_cooldown(user_cooldown, user_at_rate)
    async def ask(self, ctx: BotContext, *, question: str) -> None:
        """Ask a question: the same answer, and the same thread for follow-ups, as a question in a channel."""
        await ctx.defer()
        context = self.threads.get(ctx.channel.id, Context())
        answer, after = await self.bot.papers.run(replies.answer_replies, question, context=context,
                                                  prefix=self.bot.settings_for(ctx.guild).prefix)
        embeds = may_embed(ctx)
        votes = await answer_view(self.bot, question, answer[0])
        first = await ctx.reply(**parts(answer[0], embeds=embeds, view=votes))
        for reply in answer[1:]:
            await ctx.send(**parts(reply, embeds=embeds))
        await self._remember(ctx.channel, ctx.guild, first, question, after, ctx.author.id,
                             follow_ups=answer[0].follow_ups)

    async def _answer(self, message: discord.Message, *, edited: bool = False) -> None:
        found = self.question_in(message)
        if found is None or not self.bot.may_post(message.channel.id):
            return
        question, sure = found
        prefix = self.bot.settings_for(message.guild).prefix
        if (await self.bot.get_context(message)).valid:
            return  # a command (e.g. "@bot papers x"): the command handles it
        link = ARXIV_LINK.search(question)
        if link and not edited and "?" not in ARXIV_LINK.sub(" ", question):
            with contextlib.suppress(discord.Forbidden):
                reply = await self.bot.papers.run(replies.link_reply, link.group(), prefix=prefix)
                view = await paper_view(self.bot, reply)
                await message.reply(**parts(reply, embeds=may_embed(message), view=view))
            return
        if not sure and not await self.bot.papers.run(replies.reads_as_request, question):
            return  # (chat in an answer channel)
        uses, seconds = rate(self.bot, message.guild)  # (the server's own cooldown, else the file's)
        follow_up = self.askers.get(message.channel.id) == message.author.id
        if question_wait(self.buckets, message.author.id, uses=uses, seconds=seconds, follow_up=follow_up):
            await hold_back(message)
            return
        context = self.threads.get(message.channel.id, Context())
        previous = self.answered.get(message.id) if edited else None
        try:
            answer, after = await self.bot.papers.run(replies.answer_replies, question, context=context,
                                                     prefix=prefix)
            if message.id in self.deleted:
                return
            embeds = may_embed(message)
            votes = await answer_view(self.bot, question, answer[0])
            if previous is not None and hasattr(message.channel, "get_partial_message"):
                edited_answer = await message.channel.get_partial_message(previous).edit(
                    **parts(answer[0], embeds=embeds), view=votes)
                if not await self._rename_thread(previous, question, after):
                    await self._remember(message.channel, message.guild, edited_answer, question, after,
                                         message.author.id, follow_ups=answer[0].follow_ups)
                return
            first = await message.reply(**parts(answer[0], embeds=embeds, view=votes))
            for reply in answer[1:]:
                await message.channel.send(**parts(reply, embeds=embeds))
        except discord.Forbidden as error:  # the channel does not let the bot post: an apology would fail too
            self.bot.refused(message.channel, error)
            return
        except Exception as error:  # a listener's errors would otherwise be silent for the asker
            if message.id in self.deleted:  # (deleted as the answer went out: Discord refuses a reply to it)
                log.info("a question was deleted before its answer was posted; not answered")
                return
            text = user_message(error, prefix)
            if text is None:
                log.exception("answering %r failed", question)
                text = SOMETHING_WENT_WRONG
            await message.reply(text)
            return
        self.answered[message.id] = first.id
        while len(self.answered) > MAX_THREADS:
            self.answered.popitem(last=False)
        await self._remember(message.channel, message.guild, first, question, after, message.author.id,
                             follow_ups=answer[0].follow_ups)

    async def _rename_thread(self, answer_id: int, question: str, after: Context) -> bool:
        """The thread on an answer, renamed after its edited question (and its context made the new question's);
        False when the answer has no thread."""
        thread = self.bot.get_channel(answer_id)  # (a thread started on a message has the message's id)
        if thread is None and answer_id in self.threads:  # (archived: out of discord.py's cache)
            with contextlib.suppress(discord.HTTPException):
                thread = await self.bot.fetch_channel(answer_id)
        me = self.bot.user
        if not isinstance(thread, discord.Thread) or me is None or thread.owner_id != me.id:
            return False
        self.threads[answer_id] = after
        name = replies.thread_name(question)
        if thread.name != name:
            try:
                await thread.edit(name=name)
            except (discord.HTTPException, discord.RateLimited) as e:  # (Discord allows 2 renames in 10 minutes)
                log.info("the thread of an edited question keeps its name (%s)", e)
        return True

    async def _remember(self, channel: discord.abc.Messageable, guild: discord.Guild | None, answer: discord.Message,
                        question: str, after: Context, asker: int, *, follow_ups: bool) -> None:
        """Keep what the conversation is about: in the thread it was asked in, or in a new thread on the answer
        if it found papers (under "No paper ..." a thread would only be clutter)."""
        key = getattr(channel, "id", None)
        if key is not None and (key in self.threads or self._answer_thread(channel)):
            self.threads[key] = after
            self.threads.move_to_end(key)
            return
        if guild is None or not isinstance(channel, discord.TextChannel) or not follow_ups:
            return
        if not self.bot.settings_for(guild).answer_threads:  # (the server opens none: follow-ups name the topic)
            return
        allowed = channel.permissions_for(guild.me)
        if missing := permissions.missing(allowed, ("create_public_threads", "send_messages_in_threads")):
            await _note(answer, f"(No thread for follow-ups: I lack {' and '.join(missing)} in this channel, so "
                                "ask again with the whole question.)")
            return
        # A thread started on a message has the message's id: remembered before Discord creates it, so a
        # follow-up posted the moment the thread appears is already answered in context.
        self.threads[answer.id] = after
        self.askers[answer.id] = asker
        try:
            # (by the channel: a slash command's answer, a webhook message, does not know its server)
            await channel.create_thread(name=replies.thread_name(question), message=answer,
                                        auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as e:
            self.threads.pop(answer.id, None)
            self.askers.pop(answer.id, None)
            log.info("no follow-up thread for a question (%s)", e)
            return
        while len(self.threads) > MAX_THREADS:
            gone, _ = self.threads.popitem(last=False)
            self.askers.pop(gone, None)


async def _note(answer: discord.Message, note: str) -> None:
    """Add a line under an answer (its cards stay)."""
    content = f"{answer.content}\n{note}" if answer.content else note
    if len(content) <= MESSAGE:
        with contextlib.suppress(discord.HTTPException):
            await answer.edit(content=content)


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Questions(bot))
