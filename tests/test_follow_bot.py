"""Following end to end: the real discord.py client against the fake Discord, harvesting from the fake arXiv."""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
from pathlib import Path

from papers_bot.testing.fakearxiv import Record, serving_arxiv
from papers_bot.testing.fakediscord import SEND_MESSAGES, FakeDiscord
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


async def test_the_follow_role_is_matched_whatever_its_case(fake_discord, library):
    async with running(fake_discord, library, follow_role="Paper-Admins"):  # (the role is `paper-admins`)
        [answer] = await say(fake_discord, "!follow seismic", user="other", channel="papers")
    assert answer["content"].startswith("Following `seismic`")
