"""Following end to end: the real discord.py client against the fake Discord, harvesting from the fake arXiv."""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import time
from pathlib import Path

from papers_bot.testing.fakearxiv import Record, serving_arxiv
from papers_bot.testing.fakediscord import READ_MESSAGE_HISTORY, SEND_MESSAGES, FakeDiscord
from tests.conftest import arxiv_record, write_jsonl
from tests.test_bot import nothing_unexpected, running, say  # noqa: F401  (the bot tests' autouse check)

RECORDS = [
    Record(id="2612.00001", title="Seismic fault SAM", abstract="SAM for faults.", authors=(("Ma", "Jinwen"),)),
    Record(id="2612.00002", title="Deep hashing of images", abstract="Hashing."),
    Record(id="2612.00003", title="Seismic inversion networks", abstract="Waves.", authors=(("Other", "Bo"),)),
    Record(id="2612.00004", title="Graph coloring", abstract="Graphs.", authors=(("Ma", "Jinwen"),)),
]


async def until(condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time")


def quasar_listing(folder) -> Path:
    """A listing file of one new paper, on quasars."""
    return write_jsonl(folder / "new.jsonl", [arxiv_record(id="2612.00009", title="Quasar lensing surveys")])


async def follow_then_load(fake: FakeDiscord, bot, listing: Path, *, deny: int = 0) -> None:
    """#papers follows `quasar` (an admin asks), the bot loses `deny` there, then `listing` is loaded."""
    await say(fake, "!follow quasar", user="admin", channel="papers")
    if deny:
        await fake.deny_bot("papers", deny)
    await bot.papers.run(lambda lib: lib.load([listing]))


def digests_in(fake: FakeDiscord, start: int, channel: str = "papers") -> list[str]:
    return [p["content"] for p in fake.posted[start:]
            if p["channel_id"] == fake.channels[channel] and p["content"].startswith("**New papers**")]


async def test_follow_harvest_digest_once_unfollow_and_restart(fake_discord, library):
    async with serving_arxiv(records=RECORDS, page_size=2) as arxiv:
        settings = {"harvest_sets": ["cs.CV"], "oai_url": arxiv.oai_url, "harvest_delay": 0}
        async with running(fake_discord, library, **settings) as bot:
            [refused] = await say(fake_discord, "!follow seismic", user="member", channel="papers")
            [first] = await say(fake_discord, "!follow seismic", user="admin", channel="papers")
            [second] = await say(fake_discord, '!follow author "Jinwen Ma"', user="admin", channel="papers")
            cog = bot.get_cog("Follows")
            start = len(fake_discord.posted)
            await cog.harvest()  # (the scheduled task's work, now)
            [digest] = digests_in(fake_discord, start)
            await cog.harvest()  # (the same records again: nothing new to show)
            await cog.post_digests()
            assert len(digests_in(fake_discord, start)) == 1
            [listed] = await say(fake_discord, "!following", channel="papers")
            [stopped] = await say(fake_discord, "!unfollow 1", user="admin", channel="papers")
        async with running(fake_discord, library, **settings):  # a restart keeps them
            [after] = await say(fake_discord, "!following", channel="papers")
    assert "Manage Channels" in refused["content"]
    assert first["content"].startswith("Following `seismic` in this channel (number 1)")
    assert "(number 2)" in second["content"] and 'author:"Jinwen Ma"' in second["content"]
    assert "**1.** `seismic`: 2 new papers" in digest and "**2.** `author:\"Jinwen Ma\"`: 1 new paper" in digest
    assert digest.index("Seismic inversion networks") and "Graph coloring" in digest and "hashing" not in digest
    assert "(<https://arxiv.org/abs/2612.00001>)" in digest  # (linked, with no embed under it)
    assert "1. `seismic`" in listed["content"] and "2. `author:\"Jinwen Ma\"`" in listed["content"]
    assert stopped["content"].startswith("Stopped following `seismic`")
    assert "1. `author:\"Jinwen Ma\"`" in after["content"] and "seismic" not in after["content"]


async def test_a_reload_that_adds_papers_posts_the_digest(fake_discord, library):
    listing = json.dumps(arxiv_record(id="2612.00009", title="Quasar lensing surveys")).encode() + b"\n"
    async with running(fake_discord, library):
        await say(fake_discord, "!follow quasar", user="admin", channel="papers")
        start = len(fake_discord.posted)
        await say(fake_discord, "!reload", user="admin", attachments=[("new.jsonl", listing)])
        await until(lambda: digests_in(fake_discord, start))
    [digest] = digests_in(fake_discord, start)
    assert "Quasar lensing surveys" in digest


async def test_a_refused_digest_is_not_lost(fake_discord, library, tmp_path):
    listing = quasar_listing(tmp_path)
    async with running(fake_discord, library) as bot:
        await follow_then_load(fake_discord, bot, listing, deny=SEND_MESSAGES)
        cog = bot.get_cog("Follows")
        start = len(fake_discord.posted)
        await cog.post_digests()
        assert digests_in(fake_discord, start) == [] and fake_discord.forbidden
        await fake_discord.deny_bot("papers", 0)
        bot._refused.clear()  # (the pause after a refusal has passed)
        await cog.post_digests()
        assert len(digests_in(fake_discord, start)) == 1


async def test_slash_follow_and_following(fake_discord, library):
    async with running(fake_discord, library):
        followed = await fake_discord.slash("follow", {"query": "diffusion"}, user="admin", channel="papers")
        await fake_discord.wait_for_answer(int(followed["id"]))
        asked = await fake_discord.slash("following", channel="papers")
        listed = await fake_discord.wait_for_answer(int(asked["id"]))
        dm = await say(fake_discord, "!following", channel="dm")
    assert "1. `diffusion`" in listed["content"]
    assert "Follows belong to a Discord channel" in dm[0]["content"]


async def test_a_deleted_channels_digest_is_dropped_and_holds_nothing_back(fake_discord, library, tmp_path):
    listing = quasar_listing(tmp_path)
    async with running(fake_discord, library) as bot:
        await bot.papers.run(lambda lib: lib.follow("999999999999", "quasar"))  # (a channel since deleted)
        await bot.papers.run(lambda lib: lib.load([listing]))
        await bot.get_cog("Follows").post_digests()
        assert await bot.papers.run(lambda lib: lib.digests()) == []


async def test_the_harvest_runs_at_the_configured_times_only_when_something_is_configured(fake_discord, library):
    async with running(fake_discord, library, harvest_sets=["cs.CV"], harvest_times=["04:30", "16:00"]) as bot:
        loop = bot.get_cog("Follows").harvest
        assert loop.is_running() and loop.next_iteration is not None
        assert loop.next_iteration.astimezone(datetime.UTC).time().isoformat() in ("04:30:00", "16:00:00")
    async with running(fake_discord, library) as bot:  # (no set, no feed: harvesting is opt-in)
        assert not bot.get_cog("Follows").harvest.is_running()


async def test_a_slow_harvest_never_holds_up_an_answer(fake_discord, library):
    async with serving_arxiv(records=RECORDS, page_size=1) as arxiv:
        arxiv.fail = [(503, 2)]  # (arXiv asks the harvest to wait 2 s)
        settings = {"harvest_sets": ["cs.CV"], "oai_url": arxiv.oai_url, "harvest_delay": 0.5}
        async with running(fake_discord, library, **settings) as bot:
            harvesting = asyncio.create_task(bot.get_cog("Follows").harvest())
            await asyncio.sleep(0.2)
            [answer] = await say(fake_discord, "!papers seismic")
            assert not harvesting.done()  # (the answer came while the harvest still waited on arXiv)
            await harvesting
    assert answer["embeds"] and len(arxiv.requests) == len(RECORDS) + 1


async def test_a_digest_the_network_cut_off_is_posted_next_time(fake_discord, library, tmp_path, monkeypatch):
    import aiohttp
    import discord

    listing = quasar_listing(tmp_path)
    real_send = discord.TextChannel.send
    failures = [aiohttp.ClientOSError(104, "Connection reset by peer")]

    async def send(channel, *args, **kwargs):
        if failures:
            raise failures.pop()
        return await real_send(channel, *args, **kwargs)

    async with running(fake_discord, library) as bot:
        await say(fake_discord, "!follow quasar", user="admin", channel="papers")
        await bot.papers.run(lambda lib: lib.load([listing]))
        monkeypatch.setattr(discord.TextChannel, "send", send)
        cog = bot.get_cog("Follows")
        start = len(fake_discord.posted)
        await cog.post_digests()
        assert digests_in(fake_discord, start) == [] and not failures
        await cog.post_digests()
        [digest] = digests_in(fake_discord, start)
    assert "Quasar lensing surveys" in digest


async def test_a_channel_refusing_the_bot_for_too_long_no_longer_holds_its_digest(fake_discord, library, tmp_path,
                                                                                   monkeypatch):
    listing = quasar_listing(tmp_path)
    async with running(fake_discord, library) as bot:
        await follow_then_load(fake_discord, bot, listing, deny=SEND_MESSAGES)
        cog = bot.get_cog("Follows")
        await cog.post_digests()  # (refused: it waits)
        assert len(await bot.papers.run(lambda lib: lib.digests())) == 1
        monkeypatch.setattr(sys.modules[type(cog).__module__], "PATIENCE", 0.0)  # (the module the bot loaded)
        await cog.post_digests()  # (refused for longer than its patience: dropped, its follow kept)
        assert await bot.papers.run(lambda lib: lib.digests()) == []
        assert len(await bot.papers.run(lambda lib: lib.following(str(fake_discord.channels["papers"])))) == 1


class QuickRetries:
    """discord.py's asyncio with no pauses between its retries of a 5xx (1, 3, 5, 7 and 9 seconds)."""

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result=None):
        return await asyncio.sleep(0, result)


async def started(bot):
    """The bot's follows cog, its looks for changes (the first made on connecting) stopped: the test's rounds are
    the only ones."""
    cog = bot.get_cog("Follows")
    looking = cog.look_for_changes.get_task()
    cog.look_for_changes.cancel()
    if looking is not None:
        await asyncio.wait({looking})
    return cog


def nothing_left_to_post(library) -> bool:
    return library.pending_posts() == [] and all(d.papers == [] for d in library.digests())


async def rate_limited(fake: FakeDiscord, bot, listing: Path, seconds: float):
    """A digest to post in #papers, whose one post in `seconds` a reply has just taken; the bot's Follows cog."""
    cog = await started(bot)
    await follow_then_load(fake, bot, listing)
    fake.rate_limit("/channels/", 1, seconds)
    await say(fake, "!following", channel="papers")
    return cog


async def test_a_stop_while_a_digest_waits_on_the_rate_limit_posts_it_once_after_the_restart(fake_discord, library,
                                                                                            tmp_path):
    start = len(fake_discord.posted)
    async with running(fake_discord, library) as bot:
        cog = await rate_limited(fake_discord, bot, quasar_listing(tmp_path), 200)  # (a wait discord.py takes)
        posting = asyncio.create_task(cog.post_digests())
        await until(lambda: library.pending_posts())  # (written to the outbox; its send waits on the limiter)
    await asyncio.wait({posting}, timeout=5)
    if not posting.done():  # (a bot that went on waiting: stopped as a kill would)
        posting.cancel()
    assert digests_in(fake_discord, start) == [] and len(library.pending_posts()) == 1
    fake_discord.lift_rate_limits()
    async with running(fake_discord, library) as bot:
        cog = await started(bot)
        await cog.post_digests()
        await cog.post_digests()
    assert len(digests_in(fake_discord, start)) == 1 and nothing_left_to_post(library)


async def test_a_send_held_by_the_rate_limiter_past_its_limit_stays_pending_and_posts_once(fake_discord, library,
                                                                                         tmp_path, monkeypatch):
    from papers_bot.bot import client

    monkeypatch.setattr(client, "MAX_RATE_LIMIT_WAIT", 30.0)  # (discord.py's least; ten minutes' wait is over it)
    start = len(fake_discord.posted)
    async with running(fake_discord, library) as bot:
        cog = await rate_limited(fake_discord, bot, quasar_listing(tmp_path), 600)
        await asyncio.wait_for(cog.post_digests(), 20)  # (its send gave up waiting inside the lease: pending)
        assert digests_in(fake_discord, start) == [] and len(library.pending_posts()) == 1
        fake_discord.lift_rate_limits()
        bot.http._buckets.clear()  # (and discord.py forgets the ten minutes it was told to wait: time has passed)
        await asyncio.wait_for(cog.post_digests(), 20)  # (not in the channel: posted now, with its nonce)
        await asyncio.wait_for(cog.post_digests(), 20)
    assert len(digests_in(fake_discord, start)) == 1 and nothing_left_to_post(library)


async def answered_with_502s(fake: FakeDiscord, bot, listing: Path, monkeypatch) -> int:
    """A digest Discord creates, then answers with a 502 every one of discord.py's tries (its pauses between
    them skipped); where the fake's posts stood before it."""
    import discord.http

    monkeypatch.setattr(discord.http, "asyncio", QuickRetries())
    cog = await started(bot)
    await follow_then_load(fake, bot, listing)
    start = len(fake.posted)
    fake.fail_after_create("papers", 502, times=5)
    await cog.post_digests()
    assert len(digests_in(fake, start)) == 1 and len(bot.library.pending_posts()) == 1
    return start


async def test_a_5xx_after_discord_created_the_digest_posts_it_once(fake_discord, library, tmp_path, monkeypatch):
    async with running(fake_discord, library) as bot:
        start = await answered_with_502s(fake_discord, bot, quasar_listing(tmp_path), monkeypatch)
        await bot.get_cog("Follows").post_digests()  # (the next round: found in the channel, not posted again)
        await bot.get_cog("Follows").post_digests()
    assert len(digests_in(fake_discord, start)) == 1 and nothing_left_to_post(library)


async def test_a_restart_finds_a_pending_digest_that_went_out_and_does_not_post_it_again(fake_discord, library,
                                                                                        tmp_path, monkeypatch):
    async with running(fake_discord, library) as bot:
        start = await answered_with_502s(fake_discord, bot, quasar_listing(tmp_path), monkeypatch)
    fake_discord.nonce_window = 0  # (restarted after Discord forgot the nonce: only the channel can tell)
    async with running(fake_discord, library) as bot:
        await (await started(bot)).post_digests()
    assert len(digests_in(fake_discord, start)) == 1 and nothing_left_to_post(library)


async def test_a_pending_digest_the_bot_cannot_look_for_is_given_up_not_posted_twice(fake_discord, library,
                                                                                     tmp_path, monkeypatch):
    async with running(fake_discord, library) as bot:
        start = await answered_with_502s(fake_discord, bot, quasar_listing(tmp_path), monkeypatch)
    fake_discord.nonce_window = 0
    await fake_discord.deny_bot("papers", READ_MESSAGE_HISTORY)  # (a crash, and then the history is hidden)
    async with running(fake_discord, library) as bot:
        await (await started(bot)).post_digests()
    assert len(digests_in(fake_discord, start)) == 1 and nothing_left_to_post(library)  # (at most once)


async def test_two_bots_on_one_database_post_one_digest(fake_discord, library, tmp_path, monkeypatch):
    import threading

    from papers_bot.library import Library

    listing = quasar_listing(tmp_path)
    other = Library(library.db_path)
    real = Library.digests
    computed: list[Library] = []
    both = threading.Event()

    def digests(self, **options):  # (each round's digests, chosen before either posts: the rounds overlap)
        found = real(self, **options)
        computed.append(self)
        if len(computed) == 2:
            both.set()
        both.wait(10)
        return found

    try:
        async with running(fake_discord, library) as first, running(fake_discord, other) as second:
            one, two = await started(first), await started(second)
            library.follow(str(fake_discord.channels["papers"]), "quasar")
            library.load([listing])
            start = len(fake_discord.posted)
            monkeypatch.setattr(Library, "digests", digests)
            posting = asyncio.create_task(one.post_digests())
            await until(lambda: computed)
            await two.post_digests()  # (the other bot's round, while the first one's is under way)
            both.set()
            await posting
    finally:
        other.close()
    assert len(digests_in(fake_discord, start)) == 1 and computed == [library]


async def test_a_channel_refusing_the_bot_is_dropped_after_a_day_across_restarts(fake_discord, library, tmp_path):
    listing = quasar_listing(tmp_path)
    async with running(fake_discord, library) as bot:
        cog = await started(bot)
        await follow_then_load(fake_discord, bot, listing, deny=SEND_MESSAGES)
        await cog.post_digests()  # (refused: it waits)
    assert len(library.digests()) == 1
    async with running(fake_discord, library) as bot:  # (restarted within the day, and again a day later)
        cog = await started(bot)
        cog.clock = lambda: time.time() + sys.modules[type(cog).__module__].PATIENCE + 60
        await cog.post_digests()
    assert library.digests() == []  # (dropped: the change log no longer waits for it)
    assert len(library.following(str(fake_discord.channels["papers"]))) == 1


async def test_the_follow_role_is_matched_whatever_its_case(fake_discord, library):
    async with running(fake_discord, library, follow_role="Paper-Admins"):  # (the role is `paper-admins`)
        [answer] = await say(fake_discord, "!follow seismic", user="other", channel="papers")
    assert answer["content"].startswith("Following `seismic`")
