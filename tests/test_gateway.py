"""Losing Discord's gateway: the real discord.py client reconnects, resumes or identifies again against the fake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Callable

import discord
import pytest

from papers_bot.bot.client import PapersBot, health_problems
from papers_bot.config import Config
from papers_bot.testing.fakediscord import FakeDiscord, run_client

QUESTION = "!papers seismic"


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, library, settings: dict | None = None, **options):
    config = Config.from_values({"answer_channels": ["papers"], "cooldown": "100/60", **(settings or {})})
    client = PapersBot(library, config, guild_ready_timeout=0.1, **options)
    async with run_client(client, fake, reconnect=True):
        yield client


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """discord.py waits a random 0-2, 0-4, 0-8 s... between attempts to reach Discord, and 5 s before it
    identifies again: not in a test."""
    async def identify_now(self, shard_id, *, initial=False) -> None:
        pass

    monkeypatch.setattr(discord.backoff.ExponentialBackoff, "delay", lambda self: 0.01)
    monkeypatch.setattr(discord.Client, "before_identify_hook", identify_now)


@pytest.fixture(autouse=True)
def nothing_unexpected(request, caplog):
    caplog.set_level(logging.INFO)
    fake = request.getfixturevalue("fake_discord")
    yield
    assert fake.unknown_requests == [] and fake.server_errors == [] and fake.rejected == []


async def answered(fake: FakeDiscord, text: str = QUESTION) -> dict:
    asked = await fake.send_message("general", "member", text)
    return await fake.wait_for_answer(int(asked["id"]))


@pytest.mark.parametrize("code", [None, 4000, 1001])
async def test_a_dropped_gateway_resumes_and_gets_the_events_it_missed(fake_discord, library, code):
    async with running(fake_discord, library) as bot:
        await fake_discord.drop(code=code)
        missed = await fake_discord.send_message("general", "member", QUESTION)  # (while the bot is away)
        answer = await fake_discord.wait_for_answer(int(missed["id"]))
        assert fake_discord.sessions == ["identify", "resume"]
        assert (await answered(fake_discord))["embeds"] and not bot.is_closed()
    assert answer["embeds"][0]["title"].startswith("1. Seismic Fault SAM")
    assert [d.get("id") for _, d in fake_discord.dispatched].count(missed["id"]) == 1  # (replayed once)


async def test_reconnect_asked_by_discord_resumes(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.send_reconnect()
        await fake_discord.wait_for_sessions(2)
        assert (await answered(fake_discord))["embeds"]
    assert fake_discord.sessions == ["identify", "resume"]


@pytest.mark.parametrize("resumable, sessions", [(True, ["identify", "resume"]), (False, ["identify", "identify"])])
async def test_an_invalid_session_resumes_or_identifies_again(fake_discord, library, resumable, sessions):
    async with running(fake_discord, library):
        await fake_discord.invalidate_session(resumable=resumable)
        await fake_discord.wait_for_sessions(2)
        assert (await answered(fake_discord))["embeds"]
    assert fake_discord.sessions == sessions


async def test_a_refused_resume_identifies_again_and_answers(fake_discord, library):
    async with running(fake_discord, library):
        fake_discord.refuse_resume = True
        await fake_discord.drop()
        await fake_discord.wait_for_sessions(3)
        assert (await answered(fake_discord))["embeds"]
    assert fake_discord.sessions == ["identify", "resume refused", "identify"]


async def test_discord_unreachable_for_a_while_then_back(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.go_down()
        missed = await fake_discord.send_message("general", "member", QUESTION)
        await fake_discord.come_back()
        answer = await fake_discord.wait_for_answer(int(missed["id"]))
    assert answer["embeds"] and fake_discord.sessions == ["identify", "resume"]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for the bot to get somewhere (a bound, not a measurement: it gets there in milliseconds)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_health_stays_healthy_through_a_short_outage_and_not_past_the_grace(fake_discord, library, tmp_path):
    now = [1000.0]
    path = str(tmp_path / "health.json")

    async def health(at: float) -> list[str]:
        now[0] = at
        await bot.heartbeat()  # (one beat now; the loop beats every 15 s)
        return health_problems(path, grace=120, now=at)

    async with running(fake_discord, library, {"health_file": path}, clock=lambda: now[0]) as bot:
        assert await health(1000) == [] and bot.lost_since is None
        await fake_discord.go_down()
        await until(lambda: bot.lost_since is not None, "the bot noticed")
        assert await health(1060) == []  # (reconnecting: discord.py's routine)
        assert await health(1121) == ["not connected to Discord for 121 s (it keeps trying; see its log)"]
        await fake_discord.come_back()
        await until(lambda: bot.lost_since is None, "the bot resumed")
        assert await health(1130) == []
    assert health_problems(path, now=1131) == ["the bot has stopped (papers-bot run is not running)"]  # (at once)


async def test_each_attempt_to_reach_discord_is_one_log_line(fake_discord, library, caplog):
    async with running(fake_discord, library):
        await fake_discord.go_down()
        await until(lambda: len(attempts(caplog)) >= 3, "three attempts to reconnect")
        await fake_discord.come_back()
        await until(lambda: fake_discord.sessions == ["identify", "resume"], "the bot resumed")
    from_discord_py = [r for r in caplog.records if r.name.startswith("discord")]
    assert [r for r in from_discord_py if r.exc_info or r.exc_text or "\n" in r.getMessage()] == []
    first = attempts(caplog)[0].getMessage()
    assert first.startswith("cannot reach Discord (Cannot connect to host 127.0.0.1")
    assert "Attempting a reconnect" in first


def attempts(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "discord.client" and "reconnect" in r.getMessage()]


@pytest.mark.parametrize("bug", [KeyError("a bug"), FileNotFoundError(2, "No such file")])
def test_a_real_bug_keeps_its_traceback(bug):
    from papers_bot.bot.client import OneLineConnectionErrors

    try:
        raise bug
    except Exception as e:
        record = logging.LogRecord("discord.client", logging.ERROR, __file__, 1, "Ignoring exception in %s",
                                   ("on_message",), (type(e), e, e.__traceback__))
    assert OneLineConnectionErrors().filter(record) and record.exc_info is not None


async def test_page_buttons_timing_out_while_discord_is_unreachable_raise_nothing(fake_discord, library, caplog):
    from papers_bot.bot.pages import live_pages

    async with running(fake_discord, library) as bot:
        await answered(fake_discord, "!papers diffusion")
        await until(lambda: len(live_pages(bot)) == 1, "the pages turn")  # (noted just after they are posted)
        [view] = live_pages(bot).values()
        await fake_discord.go_down()
        await view.on_timeout()  # (what discord.py calls, in a task of its own, after 5 minutes)
        await fake_discord.come_back()
    [line] = [r.getMessage() for r in caplog.records if "page buttons" in r.getMessage()]
    assert line.startswith("page buttons of message") and "left as they were: cannot reach Discord (" in line


async def test_a_health_file_that_cannot_be_written_does_not_stop_the_bot_stopping(fake_discord, library, tmp_path,
                                                                                   caplog):
    path = tmp_path / "gone" / "health.json"
    path.parent.mkdir()
    async with running(fake_discord, library, {"health_file": str(path)}) as bot:
        await asyncio.to_thread(shutil.rmtree, path.parent)  # (its folder goes while the bot runs)
    assert bot.is_closed() and not path.exists()
    assert [r.getMessage() for r in caplog.records if "health file" in r.getMessage()] == [
        f"could not write the health file {path}: [Errno 2] No such file or directory: '{path}.{os.getpid()}.tmp'"]


async def test_a_health_file_that_is_something_else_is_never_overwritten(fake_discord, library, tmp_path, caplog):
    precious = tmp_path / "notes.json"
    precious.write_text('["not a heartbeat"]')
    async with running(fake_discord, library, {"health_file": str(precious)}):
        pass
    assert precious.read_text() == '["not a heartbeat"]'
    assert [r.getMessage() for r in caplog.records if "holds something other" in r.getMessage()] == [
        f"health_file {precious} holds something other than a heartbeat: it is left as it is, and no heartbeat is "
        "written (name a file of its own)"]
