"""Plain questions in channels: answered in the configured channels, on a mention, and in the answer's thread."""

from __future__ import annotations

import contextlib
import logging
import re
from collections import OrderedDict
from typing import Final

import discord
from discord.ext import commands

from papers_bot.bot import permissions, replies
from papers_bot.bot.client import (
    SOMETHING_WENT_WRONG,
    BotContext,
    PapersBot,
    channel_keys,
    hybrid_command,
    slow_down,
    user_message,
)
from papers_bot.bot.cogs.papers import rate, user_at_rate, user_cooldown
from papers_bot.bot.pages import may_embed, parts
from papers_bot.bot.replies import MESSAGE
from papers_bot.retrieval.answer import Context

log = logging.getLogger("papers_bot.questions")

# An arXiv abstract or PDF link: in an answer channel, answered with the paper's card.
ARXIV_LINK = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/[^\s<>|]+", re.IGNORECASE)
MAX_THREADS = 1000  # threads whose questions and papers the bot remembers for follow-ups
# Minutes of quiet before Discord archives an answer's thread (the least it allows). Archived threads leave
# discord.py's cache, so a busy bot holds the last hour's threads, not a day's; a new message reopens one.
THREAD_ARCHIVE_MINUTES: Final = 60


class Questions(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot
        # (per user, and per rate: a server's new cooldown counts at once)
        self.cooldowns: commands.DynamicCooldownMapping[discord.Message] = commands.DynamicCooldownMapping(
            lambda message: commands.Cooldown(*rate(bot, message.guild)),
            lambda message: (message.author.id, *rate(bot, message.guild)))
        self.threads: OrderedDict[int, Context] = OrderedDict()  # thread id -> what it is about so far
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
        first = await ctx.reply(**parts(answer[0], embeds=embeds))
        for reply in answer[1:]:
            await ctx.send(**parts(reply, embeds=embeds))
        await self._remember(ctx.channel, ctx.guild, first, question, after)

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
                await message.reply(**parts(reply, embeds=may_embed(message)))
            return
        if not sure and not await self.bot.papers.run(replies.reads_as_request, question):
            return  # (chat in an answer channel)
        bucket = self.cooldowns.get_bucket(message)  # (None only for a mapping without a cooldown)
        retry = bucket.update_rate_limit() if bucket is not None else None
        if retry:
            await message.reply(slow_down(retry))
            return
        context = self.threads.get(message.channel.id, Context())
        previous = self.answered.get(message.id) if edited else None
        try:
            answer, after = await self.bot.papers.run(replies.answer_replies, question, context=context,
                                                     prefix=prefix)
            if message.id in self.deleted:
                return
            embeds = may_embed(message)
            if previous is not None and hasattr(message.channel, "get_partial_message"):
                await message.channel.get_partial_message(previous).edit(**parts(answer[0], embeds=embeds))
                return
            first = await message.reply(**parts(answer[0], embeds=embeds))
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
        await self._remember(message.channel, message.guild, first, question, after)

    async def _remember(self, channel: discord.abc.Messageable, guild: discord.Guild | None, answer: discord.Message,
                        question: str, after: Context) -> None:
        """Keep what the conversation is about: in the thread it was asked in, or in a new thread on the answer."""
        key = getattr(channel, "id", None)
        if key is not None and (key in self.threads or self._answer_thread(channel)):
            self.threads[key] = after
            self.threads.move_to_end(key)
            return
        if guild is None or not isinstance(channel, discord.TextChannel):
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
        try:
            # (by the channel: a slash command's answer, a webhook message, does not know its server)
            await channel.create_thread(name=replies.thread_name(question), message=answer,
                                        auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as e:
            self.threads.pop(answer.id, None)
            log.info("no follow-up thread for a question (%s)", e)
            return
        while len(self.threads) > MAX_THREADS:
            self.threads.popitem(last=False)


async def _note(answer: discord.Message, note: str) -> None:
    """Add a line under an answer (its cards stay)."""
    content = f"{answer.content}\n{note}" if answer.content else note
    if len(content) <= MESSAGE:
        with contextlib.suppress(discord.HTTPException):
            await answer.edit(content=content)


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Questions(bot))
