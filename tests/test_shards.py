"""Sharding: the settings, and shards of one bot (as separate processes would run them) against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import discord
import pytest

from papers_bot.bot.client import PapersBot, ShardedPapersBot, make_bot, run
from papers_bot.bot.cogs.follows import HARVEST, Follows
from papers_bot.bot.doctor import check
from papers_bot.config import Config, ConfigError
from papers_bot.library import Library
from papers_bot.testing.fakearxiv import Record, serving_arxiv
from papers_bot.testing.fakediscord import FakeDiscord, run_client, serving, shard_of
from tests.conftest import arxiv_record, write_jsonl
from tests.test_bot import nothing_unexpected, say  # noqa: F401  (the bot tests' autouse check)

# -- settings ----------------------------------------------------------------------------------------------


def test_shard_settings_from_the_file_and_the_environment(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text("shard_count = 4\nshard_ids = [3, 1, 1]\n")
    config = Config.load({}, file=path)
    assert (config.shard_count, config.shard_ids) == (4, (1, 3))
    config = Config.load({"PAPERS_BOT_SHARD_COUNT": "Auto"})
    assert (config.shard_count, config.shard_ids) == ("auto", ())
    config = Config.load({"PAPERS_BOT_SHARD_COUNT": "2", "PAPERS_BOT_SHARD_IDS": "0, 1"}, file=path)
    assert (config.shard_count, config.shard_ids) == (2, (0, 1))
    assert Config().shard_count is None
    assert "shard_ids = [1, 3]  (from" in "\n".join(Config.load({}, file=path).describe())


@pytest.mark.parametrize(("text", "environ", "says"), [
    ("shard_ids = [0]\n", {}, "bot.toml:1: shard_ids needs shard_count set to a number: the shards of how many "
                              "these are"),
    ('shard_count = "auto"\nshard_ids = [0]\n', {}, "bot.toml:2: shard_ids needs shard_count set to a number"),
    ("shard_count = 2\nshard_ids = [0, 2, 5]\n", {}, "bot.toml:2: shard_ids 2, 5 not below shard_count 2 (shards "
                                                     "are numbered from 0 to 1)"),
    ("shard_count = 2\n", {"PAPERS_BOT_SHARD_IDS": "1 2"}, "environment variable PAPERS_BOT_SHARD_IDS: shard_ids 2 "
                                                           "not below shard_count 2"),
    ("shard_count = 0\n", {}, 'bot.toml:1: shard_count must be "auto" or a whole number from 1 to 65,536, not 0'),
    ('shard_count = "all"\n', {"PAPERS_BOT_SHARD_COUNT": "3"}, "bot.toml:1: shard_count must be \"auto\" or a whole "
                                                                "number from 1 to 65,536, not 'all'"),
    ("shard_count = 2\nshard_ids = [-1]\n", {}, "bot.toml:2: shard_ids must be a whole number from 0 to 65,535, "
                                                "not -1"),
    ("shard_count = 2\nshard_ids = \"one\"\n", {}, "bot.toml:2: shard_ids must be a whole number"),
])
def test_wrong_shard_settings_say_what_is_wrong_and_where(tmp_path, text, environ, says):
    path = tmp_path / "bot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        Config.load(environ, file=path)
    [problem] = raised.value.problems  # (one line, naming where)
    assert problem.startswith(f"{path.parent}/{says}" if says.startswith("bot.toml") else says)


def test_the_bot_is_sharded_as_configured(library):
    assert type(make_bot(library, Config())) is PapersBot
    bot = make_bot(library, Config.from_values({"shard_count": 4, "shard_ids": [1, 3]}))
    assert isinstance(bot, ShardedPapersBot) and (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    bot = make_bot(library, Config.from_values({"shard_count": "auto"}))
    assert isinstance(bot, ShardedPapersBot) and (bot.shard_count, bot.shard_ids) == (None, None)


# -- shards against the fake Discord -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def identify_at_once(monkeypatch):
    """discord.py waits 5 s before each shard's identify but the first (Discord's rate limit): not in a test."""
    async def identify_now(self, shard_id, *, initial=False) -> None:
        pass

    monkeypatch.setattr(discord.Client, "before_identify_hook", identify_now)


@contextlib.asynccontextmanager
async def shards(fake: FakeDiscord, db: Path, count: int = 2, **settings: object) -> AsyncIterator[list[PapersBot]]:
    """`count` bots on the library `db`, each running one shard (as `count` processes would: a Library each)."""
    async with contextlib.AsyncExitStack() as stack:
        bots = []
        for shard in range(count):
            config = Config.from_values({"answer_channels": ["papers", "reading"], "cooldown": "100/60",
                                         "shard_count": count, "shard_ids": [shard], **settings})
            library = Library(db)
            stack.callback(library.close)
            bot = make_bot(library, config, guild_ready_timeout=0.1)
            bots.append(await stack.enter_async_context(run_client(bot, fake)))
        yield bots


def second_server(fake: FakeDiscord) -> int:
    """A second server, "Reading Group" with #reading, on the other of two shards than the fake's first."""
    return fake.add_guild("Reading Group", ["reading"], shard=(1 - shard_of(fake.guild_id, 2), 2))


async def test_two_shards_answer_their_own_servers_only(fake_discord, tmp_path):
    reading = second_server(fake_discord)
    club = fake_discord.guild_id
    async with shards(fake_discord, tmp_path / "papers.db") as bots:
        handled: dict[int, list[int]] = {0: [], 1: []}
        for shard, bot in enumerate(bots):
            async def note(ctx, shard=shard) -> None:
                handled[shard].append(ctx.guild.id)
            bot.add_listener(note, "on_command_completion")
        [in_club] = await say(fake_discord, "!papers seismic", channel="general")
        [in_reading] = await say(fake_discord, "!papers seismic", channel="reading")
        [asked] = await say(fake_discord, "what is seismic fault detection?", channel="reading")
        served = {shard: [g.id for g in bot.guilds] for shard, bot in enumerate(bots)}
    assert fake_discord.identifies == [(0, 2), (1, 2)]
    assert served == {shard_of(club, 2): [club], shard_of(reading, 2): [reading]}
    assert handled == {shard_of(club, 2): [club], shard_of(reading, 2): [reading]}
    assert in_club["content"] == in_reading["content"] == "Papers for **seismic**"
    assert "seismic" in asked["content"].lower() or asked["embeds"]
    assert [len(fake_discord.answers[int(p["message_reference"]["message_id"])]) for p in (in_club, in_reading, asked)
            ] == [1, 1, 1]


async def test_one_digest_per_channel_across_two_shards(fake_discord, tmp_path):
    second_server(fake_discord)
    listing = write_jsonl(tmp_path / "new.jsonl", [arxiv_record(id="2612.00009", title="Quasar lensing surveys")])
    async with shards(fake_discord, tmp_path / "papers.db") as bots:
        for channel, query in (("papers", "quasar"), ("reading", "lensing")):
            [followed] = await say(fake_discord, f"!follow {query}", user="owner", channel=channel)
            assert followed["content"].startswith(f"Following `{query}`")
        await bots[1].papers.run(lambda lib: lib.load([listing]))
        start = len(fake_discord.posted)
        cogs = [cast(Follows, bot.get_cog("Follows")) for bot in bots]
        await asyncio.gather(*(cog.post_digests() for cog in cogs))  # (at once: one holds the lease)
        for cog in reversed(cogs):
            await cog.post_digests()  # (and again, each: nothing new)
    digests = [(p["channel_id"], p["content"]) for p in fake_discord.posted[start:]]
    assert sorted(int(channel) for channel, _ in digests) == sorted(
        [fake_discord.channels["papers"], fake_discord.channels["reading"]])
    assert all(text.startswith("**New papers**") and "Quasar lensing surveys" in text for _, text in digests)


async def test_auto_runs_as_many_shards_as_discord_recommends(tmp_path, caplog):
    async with serving(shards=3) as fake:
        others = [fake.add_guild(f"Group {i}", [f"room-{i}"], shard=(i, 3)) for i in range(3)]
        library = Library(tmp_path / "papers.db")
        try:
            bot = make_bot(library, Config.from_values({"shard_count": "auto", "answer_channels": ["room-2"]}),
                           guild_ready_timeout=0.1)
            async with run_client(bot, fake):
                [answer] = await say(fake, "!papers seismic", channel="room-2")
                count, guilds = bot.shard_count, {g.id for g in bot.guilds}
        finally:
            library.close()
    assert sorted(fake.identifies) == [(0, 3), (1, 3), (2, 3)] and count == 3
    assert "connected as papers-bot#0001 to 4 server(s) on shard(s) 0, 1, 2 of 3" in caplog.text
    assert guilds == {fake.guild_id, *others}
    assert answer["content"] == "Papers for **seismic**"


async def test_one_shard_harvests_and_the_other_leaves_it_to_it(fake_discord, tmp_path, caplog):
    records = [Record(id="2612.00001", title="Seismic fault SAM", abstract="SAM for faults.")]
    db = tmp_path / "papers.db"
    async with serving_arxiv(records=records) as arxiv, \
            shards(fake_discord, db, harvest_sets=["cs.CV"], oai_url=arxiv.oai_url, harvest_delay=0) as bots:
        first, second = (cast(Follows, bot.get_cog("Follows")) for bot in bots)
        await first.harvest()  # (each process's scheduled harvest, one after the other)
        asked = len(arxiv.requests)
        await second.harvest()
        await first.harvest()  # (the next scheduled time: the same process again)
    assert asked and len(arxiv.requests) == 2 * asked
    assert "another process on this library runs the scheduled harvests" in caplog.text
    library = Library(db)  # (a process that stops gives the lease up: another takes the next harvest)
    try:
        assert library.lease(HARVEST, "another process", 60)
    finally:
        library.close()


async def test_a_reload_in_one_shard_is_searched_in_the_other(fake_discord, tmp_path):
    second_server(fake_discord)
    listing = json.dumps(arxiv_record(id="2612.00009", title="Quasar lensing surveys")).encode() + b"\n"
    async with shards(fake_discord, tmp_path / "papers.db"):
        [before] = await say(fake_discord, "!papers quasar lensing", channel="general")
        [reloaded] = await say(fake_discord, "!reload", user="owner", channel="reading",
                               attachments=[("new.jsonl", listing)])
        [after] = await say(fake_discord, "!papers quasar lensing", channel="general")
    assert before["content"].startswith("No papers match") and "1 added" in reloaded["content"]
    assert after["embeds"][0]["title"] == "1. Quasar lensing surveys"


@pytest.mark.parametrize("shard_count", [None, 1])
async def test_too_few_shards_for_discord_is_one_line_saying_what_to_set(tmp_path, caplog, shard_count):
    async with serving(shards=2, sharding_required=True) as fake:
        config = Config.from_values({"token": fake.token, "db": str(tmp_path / "papers.db"), "api_base": fake.api_base,
                                     "gateway_url": fake.gateway_url,
                                     **({"shard_count": shard_count} if shard_count else {})})
        status = await asyncio.wait_for(run(config), 30)
    assert status == 1 and fake.identifies == [(0, shard_count or 1)]
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage().startswith("Discord requires more shards for the servers this bot is in") and \
        'set shard_count = "auto"' in error.getMessage() and error.exc_info is None


async def test_doctor_looks_at_every_shard_of_a_sharded_bot(tmp_path):
    async with serving(shards=2, sharding_required=True) as fake:
        second_server(fake)
        config = Config.from_values({"db": str(tmp_path / "papers.db"), "token": fake.token, "shard_count": 2,
                                     "shard_ids": [1]})
        lines = [finding.line() for finding in await check(config)]
    assert sorted(fake.identifies) == [(0, 2), (1, 2)]
    assert {"ok   server Paper Club: every permission the bot needs",
            "ok   server Reading Group: every permission the bot needs"} <= set(lines)


async def test_the_bot_is_connected_when_every_shard_is_back(fake_discord, tmp_path):
    second_server(fake_discord)
    library = Library(tmp_path / "papers.db")
    try:
        bot = make_bot(library, Config.from_values({"shard_count": 2}), guild_ready_timeout=0.1)

        async def lose(shard: int) -> None:
            gone = asyncio.ensure_future(bot.wait_for("shard_disconnect", check=lambda s: s == shard, timeout=10))
            await fake_discord.drop(shard=shard)
            await gone

        def back(shard: int) -> asyncio.Future:
            return asyncio.ensure_future(bot.wait_for("shard_ready", check=lambda s: s == shard, timeout=10))

        async with run_client(bot, fake_discord):
            assert bot.lost_since is None
            fake_discord.refuse_resume = True  # (a shard lost must identify again)
            one_back = back(1)
            await lose(1)
            await one_back  # (one shard of two identified again: discord.py says no "ready" for it)
            one_again = bot.lost_since
            fake_discord.held_shards.add(1)  # (shard 1 now waits to be let in)
            await lose(1)
            first_back = back(0)
            await lose(0)
            await first_back
            one_of_two = bot.lost_since, set(bot.lost_shards)
            second_back = back(1)
            await fake_discord.let_in(1)
            await second_back
            both = bot.lost_since, set(bot.lost_shards)
    finally:
        library.close()
    assert one_again is None
    assert one_of_two[0] is not None and one_of_two[1] == {1}  # (one shard back is not all back)
    assert both == (None, set())
