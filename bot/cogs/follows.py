"""Following: !follow, !unfollow, !following (and their slash twins); the scheduled harvest, and the digests
each following channel is posted after every harvest or load.

The scheduled work runs as discord.ext.tasks loops on the event loop, with every library call and every page's
load in the bot's worker threads (bot.papers.run): a slow or failing harvest never holds up an answer.

A digest message is written to an outbox with its nonce before it is posted and settled after (`_send`); one a
stop or a failure left pending is looked for in its channel before it is posted again (`_settle`); a round is
posted under the database lease `digests`, so two processes on one database never both post it. The scheduled
harvest runs under the lease `harvest`, kept for HARVEST_HOLD after each run, so that of several processes on
one library (shards of one bot) one harvests at each scheduled time and the others leave it to it.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Callable

import aiohttp
import discord
from discord.ext import commands, tasks

from papers_bot.bot import replies
from papers_bot.bot.client import BotContext, PapersBot, hybrid_command, prefix_of
from papers_bot.bot.cogs.admin import is_admin
from papers_bot.bot.pages import send_texts
from papers_bot.harvest import Harvester, targets
from papers_bot.library import Library
from papers_bot.store import state
from papers_bot.store.state import Digest, Post

log = logging.getLogger("papers_bot.bot.follows")
DIGEST_EVERY = 10.0  # minutes between looks for papers another process loaded (`papers-bot load`, a cron harvest)
PATIENCE = 24 * 3600.0  # seconds a channel that refuses the bot keeps its digest waiting (see Follows._refused)
ROUND = "digests"  # the lease one process holds while it posts a round of digests
LEASE = 600.0  # seconds it is held for, renewed before each message (a crashed holder's lapses after this)
HARVEST = "harvest"  # the lease of the process that runs the scheduled harvests
# Seconds it is kept after a harvest begins and again after it ends: longer than processes' clocks and loops
# disagree, so a process whose harvest fires a little later skips it instead of harvesting the same again.
HARVEST_HOLD = 3600.0
LOOK_BACK = 100  # messages since a pending post was written that are looked through for it (one request)
SKEW = datetime.timedelta(minutes=5)  # looked for from this long before it was written (clocks disagree)


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
    role = ctx.bot.settings_for(ctx.guild).follow_role
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
        self._round: asyncio.Task[None] | None = None  # the task posting a round of digests, if one is
        self._stopping = False
        self.holder = state.lease_holder()  # (of the digests' lease)
        self._leasing: asyncio.Future[bool] | None = None  # the last call taking or renewing it
        self._harvester_lease = False  # whether this process took the harvest's lease (given up when it stops)
        self.clock: Callable[[], float] = time.time  # Unix time: since when a channel refuses the bot
        if bot.config.harvest_times:
            self.harvest.change_interval(time=list(bot.config.harvest_times))

    async def cog_load(self) -> None:
        if targets(self.bot.config) and self.bot.config.harvest_times:
            self.harvest.start()
        self.look_for_changes.start()

    async def cog_unload(self) -> None:
        """A stop: a round of digests is cut short (a message waiting on Discord's rate limiter stays in the
        outbox, and is settled after the restart), and its lease given up before the bot's threads go."""
        self._stopping = True
        self.harvest.cancel()
        self.look_for_changes.cancel()
        if (round_ := self._round) is not None:
            if not round_.cancelling():
                round_.cancel()
            await asyncio.wait({round_})
        if self._harvester_lease:  # (another process harvests from the next scheduled time, not an hour later)
            await self.bot.papers.run(Library.release, HARVEST, self.holder)

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
        await ctx.reply(replies.followed(added, number + 1, prefix_of(ctx)))

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
        await send_texts(ctx, replies.following_texts(mine, prefix_of(ctx)))

    @commands.Cog.listener()
    async def on_papers_loaded(self) -> None:
        """A `!reload` changed the library: the channels that follow something hear of its new papers now."""
        await self.post_digests()

    @tasks.loop(time=datetime.time(3, 0, tzinfo=datetime.UTC))  # (the configured times: set in __init__)
    async def harvest(self) -> None:
        try:
            if not await self._harvest_lease():
                log.info("another process on this library runs the scheduled harvests; this one leaves them to it")
                return
            reports = await self.harvester.run()
            for report in reports:
                (log.warning if report.failed else log.info)("scheduled harvest: %s", report.line())
            await self._harvest_lease()
        except Exception:  # (a bug: logged, and the bot answers on; the next run is tomorrow's)
            log.exception("the scheduled harvest failed")
        await self.post_digests()

    async def _harvest_lease(self) -> bool:
        """Take or renew the harvest's lease: whether this process runs the harvest (a read-only library's is
        run, to say why it cannot load)."""
        if self.bot.library.read_only:
            return True
        self._harvester_lease = await self.bot.papers.run(Library.lease, HARVEST, self.holder, HARVEST_HOLD)
        return self._harvester_lease

    @tasks.loop(minutes=DIGEST_EVERY)
    async def look_for_changes(self) -> None:
        await self.post_digests()

    @look_for_changes.before_loop
    async def _connected(self) -> None:
        await self.bot.wait_until_ready()

    async def post_digests(self) -> None:
        """Each following channel's digest of the papers its follows match that it has not been shown: first the
        posts a stop or a failure left pending, then the new digests, by the one process that holds the lease."""
        async with self._posting:
            # (a round that waited for the one a stop cut short; a read-only library, where nothing posted could be
            # recorded: digests need a library the bot may write)
            if self._stopping or self.bot.library.read_only:
                return
            self._round = asyncio.current_task()
            try:
                try:
                    if await self._lease():
                        await self._round_of_digests()
                    else:
                        log.info("another process is posting the digests; this one leaves them to it")
                finally:  # (shielded: a stop cancels the round, and the lease must still go)
                    await asyncio.shield(self._give_up_lease())
            except Exception:
                log.exception("a round of digests failed; they are tried again in %.0f minutes", DIGEST_EVERY)
            finally:
                self._round = None

    async def _lease(self) -> bool:
        """Take or renew the digests' lease: whether this process holds it. The call is kept: one a stop cut short
        goes on in its thread, and giving the lease up waits for it."""
        self._leasing = asyncio.ensure_future(self.bot.papers.run(Library.lease, ROUND, self.holder, LEASE))
        return await asyncio.shield(self._leasing)

    async def _give_up_lease(self) -> None:
        if self._leasing is not None:
            await asyncio.wait({self._leasing})
        await self.bot.papers.run(Library.release, ROUND, self.holder)

    async def _round_of_digests(self) -> None:
        for post in await self.bot.papers.run(Library.pending_posts):
            try:
                await self._settle(post)
            except Exception:  # (one channel's trouble never keeps the others' digests)
                log.exception("settling a digest message in channel %s failed; it is tried again in %.0f minutes",
                              post.channel_id, DIGEST_EVERY)
        digests = await self.bot.papers.run(
            lambda library: library.digests(revisions=self.bot.config.announce_revisions))
        for digest in digests:
            try:
                await self._post(digest)
            except Exception:
                log.exception("posting the digest of channel %s failed; it is tried again in %.0f minutes",
                              digest.channel_id, DIGEST_EVERY)

    async def _drop(self, digest: Digest, why: str) -> None:
        """A digest no one can be shown: logged and counted as covered, so that it never holds back the change
        log every other channel's digests read (the channel's follows stay: `!unfollow`, or give the bot access)."""
        log.warning("channel %s follows %d queries, but %s: its digest is dropped", digest.channel_id,
                    len(digest.follow_ids), why)
        await self.bot.papers.run(Library.digested, digest)

    async def _refused(self, digest: Digest, why: str) -> None:
        """Discord refused the bot this channel: its digest waits, for at most PATIENCE (a permission an admin
        took away by mistake is given back within a day; a channel gone for good must not hold the log back).
        Since when is kept in the database: a restart does not start the day again."""
        now = self.clock()
        since = await self.bot.papers.run(Library.refused_since, digest.channel_id, now)
        if now - since > PATIENCE:
            await self._drop(digest, f"{why} for over {PATIENCE / 3600:.0f} hours")
        else:
            log.warning("channel %s: %s; its digest waits", digest.channel_id, why)

    async def _channel(self, channel_id: str) -> discord.abc.Messageable | str:
        """The channel a digest goes to, or why it cannot: `gone`, `hidden` (the bot may not see it) or `no
        messages` (a forum or media channel: posts, not messages)."""
        channel = self.bot.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(int(channel_id))
            except discord.NotFound:
                return "gone"
            except discord.Forbidden:  # (the bot left its server, or may not see it)
                return "hidden"
        if not isinstance(channel, discord.abc.Messageable):
            return "no messages"
        return channel

    async def _post(self, digest: Digest) -> None:
        """Post one digest, message by message; the follows have covered the digest's changes once every message
        is posted (or Discord rejected one as such)."""
        channel = await self._channel(digest.channel_id)
        if channel == "gone":
            return await self._drop(digest, "it no longer exists")
        if channel == "hidden":
            return await self._refused(digest, "the bot may not see it")
        if isinstance(channel, str):
            return await self._drop(digest, "it takes no messages")
        if not self.bot.may_post(int(digest.channel_id)):
            return await self._refused(digest, "it refused the bot a post a short while ago")
        for text, papers in replies.digest_messages(digest, self.bot.settings_for(
                int(digest.guild_id) if digest.guild_id else None).prefix):
            if not await self._lease():
                log.warning("the lease on the digests lapsed mid-round; the rest is left to its new holder")
                return
            post = await self.bot.papers.run(Library.posting, digest.channel_id, text, papers)
            sent = await self._send(channel, post)
            if sent is None:
                return
            if sent is False:
                return await self._refused(digest, "Discord refused the bot a post there")
        await self.bot.papers.run(Library.digested, digest)

    async def _send(self, channel: discord.abc.Messageable, post: Post) -> bool | None:
        """Post a message of the outbox, with its nonce (Discord answers a retry of a request it carried out with
        the message it made). True: settled (posted, or rejected as such); False: refused (403); None: it may or
        may not have gone out (a 5xx, a timeout, the network), so it stays pending for the next round."""
        try:
            # (a wait on Discord's rate limiter longer than MAX_RATE_LIMIT_WAIT, half the lease renewed before the
            # send, raises RateLimited instead: the send never outlasts the lease, so no other process takes it
            # over and posts the same message meanwhile)
            await channel.send(post.content, suppress_embeds=True, nonce=post.nonce)
        except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError) as e:
            if isinstance(e, discord.Forbidden):
                await self.bot.papers.run(Library.posted, post, shown=False)
                self.bot.refused(channel, e)
                return False
            if not isinstance(e, discord.HTTPException) or e.status >= 500 or e.status == 429:
                log.warning("could not post a digest message in channel %s (%s: %s); it is looked for and posted "
                            "if need be in %.0f minutes", post.channel_id, type(e).__name__, e, DIGEST_EVERY)
                return None
            # (Discord rejected this message itself: sent again it would be rejected again, forever)
            log.error("Discord rejected a digest message in channel %s (%s); its papers are left out",
                      post.channel_id, e)
            await self.bot.papers.run(Library.posted, post, shown=False)
            return True
        await self.bot.papers.run(Library.posted, post, shown=True)
        return True

    async def _settle(self, post: Post) -> None:
        """A post a stop, a crash or a failure left pending: looked for among the channel's recent messages, and
        posted (with its nonce) only if it is surely not there. Where that cannot be told (the bot may not read
        the channel's history, or too much was said there since), it is given up: at most once."""
        channel = await self._channel(post.channel_id)
        if isinstance(channel, str):  # (one the bot may no longer see may have had it: counted as shown)
            log.warning("a digest message for channel %s was pending, but the channel is %s: it is given up",
                        post.channel_id, channel)
            return await self.bot.papers.run(Library.posted, post, shown=channel == "hidden")
        written = datetime.datetime.fromisoformat(post.written_at) - SKEW
        seen = 0
        try:
            async for message in channel.history(limit=LOOK_BACK, after=written):
                seen += 1
                if message.author == self.bot.user and message.content.strip() == post.content.strip():
                    log.info("a pending digest message had gone out in channel %s", post.channel_id)
                    return await self.bot.papers.run(Library.posted, post, shown=True)
        except discord.Forbidden:
            seen = LOOK_BACK
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as e:
            log.warning("could not read channel %s to settle a pending digest message (%s: %s); it is tried again "
                        "in %.0f minutes", post.channel_id, type(e).__name__, e, DIGEST_EVERY)
            return
        if seen >= LOOK_BACK:
            log.warning("a digest message for channel %s was pending, and the bot cannot tell whether it went out "
                        "(it may not read the channel's history, or much was said there since): it is given up, "
                        "never posted twice", post.channel_id)
            return await self.bot.papers.run(Library.posted, post, shown=True)
        if self.bot.may_post(int(post.channel_id)) and await self._lease():  # (renewed: as before every send)
            await self._send(channel, post)


async def setup(bot: PapersBot) -> None:
    await bot.add_cog(Follows(bot))
