"""Following: !follow, !unfollow, !following (and their slash twins); the scheduled harvest, and the digests
each following channel is posted after every harvest or load.

The scheduled work runs as discord.ext.tasks loops on the event loop, with every library call and every page's
load in the bot's worker threads (bot.papers.run): a slow or failing harvest never holds up an answer.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time

import aiohttp
import discord
from discord.ext import commands, tasks

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command
from papers_bot.bot.cogs.admin import is_admin
from papers_bot.bot.pages import send_texts
from papers_bot.harvest import Harvester, targets
from papers_bot.library import Library
from papers_bot.store.state import Digest

log = logging.getLogger("papers_bot.bot.follows")
DIGEST_EVERY = 10.0  # minutes between looks for papers another process loaded (`papers-bot load`, a cron harvest)
PATIENCE = 24 * 3600.0  # seconds a channel that refuses the bot keeps its digest waiting (see Follows._refused)


class NotFollower(commands.CheckFailure):
    """Only members who can manage this channel (Manage Channels), server admins, or the configured follow role
    can change what it follows."""

    def __init__(self) -> None:
        super().__init__(" ".join(str(self.__doc__).split()))


async def may_follow(ctx: BotContext) -> bool:
    """Checked on every call: Manage Channels in the channel, a reload admin, or the follow role (`everyone`:
    anyone)."""
    if await is_admin(ctx):
        return True
    if ctx.guild is None or not isinstance(ctx.author, discord.Member):
        return False
    role = ctx.bot.config.follow_role
    if role is not None and role.casefold() == "everyone":
        return True
    if ctx.channel.permissions_for(ctx.author).manage_channels:
        return True
    return role is not None and any(role.casefold() in (str(r.id), r.name.casefold()) for r in ctx.author.roles)


def channel_of(ctx: BotContext) -> str:
    """The channel a follow belongs to: a thread's follows are its text channel's; a forum post's, the post's own
    (a forum takes no messages of its own)."""
    channel = ctx.channel
    if isinstance(channel, discord.Thread) and channel.parent_id and not isinstance(channel.parent,
                                                                                 discord.ForumChannel):
        return str(channel.parent_id)  # (a media channel is a forum too)
    return str(channel.id)


class Follows(commands.Cog):
    def __init__(self, bot: PapersBot) -> None:
        self.bot = bot
        self.harvester = Harvester(bot.library, bot.config, run_blocking=bot.papers.run)
        self._posting = asyncio.Lock()  # one round of digests at a time
        self._refused_since: dict[str, float] = {}  # channel id -> when it began refusing the bot (monotonic)
        if bot.config.harvest_times:
            self.harvest.change_interval(time=list(bot.config.harvest_times))

    async def cog_load(self) -> None:
        if targets(self.bot.config) and self.bot.config.harvest_times:
            self.harvest.start()
        self.look_for_changes.start()

    async def cog_unload(self) -> None:
        self.harvest.cancel()
        self.look_for_changes.cancel()

    @hybrid_command("follow")
    async def follow(self, ctx: BotContext, *, query: str) -> None:
        """Post the new papers that match a query in this channel."""
        if ctx.guild is None:
            raise commands.NoPrivateMessage(replies.FOLLOWS_ARE_FOR_CHANNELS)
        if not await may_follow(ctx):
            raise NotFollower()
        text = replies.as_follow(query)
        channel = channel_of(ctx)
        await ctx.defer()
        added = await self.bot.papers.run(lambda library: library.follow(
            channel, text, guild_id=str(ctx.guild.id) if ctx.guild else None, added_by=str(ctx.author.id)))
        number = [f.id for f in await self.bot.papers.run(lambda library: library.following(channel))].index(added.id)
        await ctx.reply(replies.followed(added, number + 1, self.bot.config.prefix))

    @hybrid_command("unfollow")
    async def unfollow(self, ctx: BotContext, number: int) -> None:
        """Stop one of this channel's follows."""
        if ctx.guild is None:
            raise commands.NoPrivateMessage(replies.FOLLOWS_ARE_FOR_CHANNELS)
        if not await may_follow(ctx):
            raise NotFollower()
        channel = channel_of(ctx)
        gone = await self.bot.papers.run(lambda library: library.unfollow(channel, number))
        await ctx.reply(replies.unfollowed(gone, number))

    @hybrid_command("following")
    async def following(self, ctx: BotContext) -> None:
        """What this channel follows."""
        if ctx.guild is None:
            raise commands.NoPrivateMessage(replies.FOLLOWS_ARE_FOR_CHANNELS)
        channel = channel_of(ctx)
        mine = await self.bot.papers.run(lambda library: library.following(channel))
        await send_texts(ctx, replies.following_texts(mine, self.bot.config.prefix))

    @commands.Cog.listener()
    async def on_papers_loaded(self) -> None:
        """A `!reload` changed the library: the channels that follow something hear of its new papers now."""
        await self.post_digests()

    @tasks.loop(time=datetime.time(3, 0, tzinfo=datetime.UTC))  # (the configured times: set in __init__)
    async def harvest(self) -> None:
        try:
            reports = await self.harvester.run()
            for report in reports:
                (log.warning if report.failed else log.info)("scheduled harvest: %s", report.line())
        except Exception:  # (a bug: logged, and the bot answers on; the next run is tomorrow's)
            log.exception("the scheduled harvest failed")
        await self.post_digests()

    @tasks.loop(minutes=DIGEST_EVERY)
    async def look_for_changes(self) -> None:
        await self.post_digests()

    @look_for_changes.before_loop
    async def _connected(self) -> None:
        await self.bot.wait_until_ready()

    async def post_digests(self) -> None:
        """Each following channel's digest of the papers its follows match that it has not been shown."""
        async with self._posting:
            try:
                digests = await self.bot.papers.run(
                    lambda library: library.digests(revisions=self.bot.config.announce_revisions))
            except Exception:
                log.exception("finding the digests failed; they are tried again in %.0f minutes", DIGEST_EVERY)
                return
            for digest in digests:
                try:
                    await self._post(digest)
                except Exception:  # (one channel's trouble never keeps the others' digests)
                    log.exception("posting the digest of channel %s failed; it is tried again in %.0f minutes",
                                  digest.channel_id, DIGEST_EVERY)

    async def _drop(self, digest: Digest, why: str) -> None:
        """A digest no one can be shown: logged and counted as covered, so that it never holds back the change
        log every other channel's digests read (the channel's follows stay: `!unfollow`, or give the bot access)."""
        log.warning("channel %s follows %d queries, but %s: its digest is dropped", digest.channel_id,
                    len(digest.follow_ids), why)
        self._refused_since.pop(digest.channel_id, None)
        await self.bot.papers.run(Library.digested, digest)

    async def _refused(self, digest: Digest, why: str) -> None:
        """Discord refused the bot this channel: its digest waits, for at most PATIENCE (a permission an admin
        took away by mistake is given back within a day; a channel gone for good must not hold the log back)."""
        since = self._refused_since.setdefault(digest.channel_id, time.monotonic())
        if time.monotonic() - since > PATIENCE:
            await self._drop(digest, f"{why} for over {PATIENCE / 3600:.0f} hours")
        else:
            log.warning("channel %s: %s; its digest waits", digest.channel_id, why)

    async def _post(self, digest: Digest) -> None:
        """Post one digest, message by message, each message's papers recorded as shown just before it goes (a
        paper is never shown twice) and forgotten again if it cannot be posted; the follows have covered the
        digest's changes once every message is posted (or Discord rejected one as such)."""
        channel = self.bot.get_channel(int(digest.channel_id))
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(int(digest.channel_id))
            except discord.NotFound:
                return await self._drop(digest, "it no longer exists")
            except discord.Forbidden:  # (the bot left its server, or may not see it)
                return await self._refused(digest, "the bot may not see it")
        if not isinstance(channel, discord.abc.Messageable):  # (a forum or media channel: posts, not messages)
            return await self._drop(digest, "it takes no messages")
        if not self.bot.may_post(int(digest.channel_id)):
            return await self._refused(digest, "it refused the bot a post a short while ago")
        for text, papers in replies.digest_messages(digest, self.bot.config.prefix):
            before = await self.bot.papers.run(Library.announcing, digest.channel_id, papers)
            try:
                await channel.send(text, suppress_embeds=True)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as e:
                await self.bot.papers.run(Library.unannounce, digest.channel_id, papers, before)
                if isinstance(e, discord.Forbidden):
                    self.bot.refused(channel, e)
                    return await self._refused(digest, "Discord refused the bot a post there")
                if not isinstance(e, discord.HTTPException) or e.status >= 500 or e.status == 429:
                    log.warning("could not post a digest in channel %s (%s: %s); it is tried again in %.0f minutes",
                                digest.channel_id, type(e).__name__, e, DIGEST_EVERY)
                    return
                # (Discord rejected this message itself: sent again it would be rejected again, forever)
                log.error("Discord rejected a digest message in channel %s (%s); its papers are left out",
                          digest.channel_id, e)
        self._refused_since.pop(digest.channel_id, None)
        await self.bot.papers.run(Library.digested, digest)


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Follows(bot))
