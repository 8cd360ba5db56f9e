"""The bot under load and under Discord's rate limits: every message answered exactly once.

The timed run (answer times, event-loop lag, memory) is bench/bot_load.py; these check only what must hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from papers_bot.testing.fakediscord import FakeDiscord, serving
from tests.test_bot import running

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bot_load


@pytest.fixture
async def crowd():
    """A fake Discord with 50 more members, user0 ... user49."""
    async with serving(users=[f"user{i}" for i in range(50)]) as fake:
        yield fake
    assert fake.unknown_requests == [] and fake.server_errors == [] and fake.rejected == []


def assert_answered_once_each(fake: FakeDiscord, sent: list[bot_load.Sent], caplog) -> None:
    result = bot_load.check(fake, sent)
    assert result["missing"] == [] and result["duplicated"] == [] and result["stray"] == []
    assert result["failed"] == [] and result["answered"] == len(sent)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_fifty_users_at_once_each_get_exactly_one_answer(crowd, library, caplog):
    workload = bot_load.Workload.of(library)
    users = [f"user{i}" for i in range(50)]
    async with running(crowd, library):
        sent = await bot_load.drive(crowd, users, workload, messages=2)
        await asyncio.sleep(0.5)  # time for any second answer to arrive
    assert len(sent) == 100
    assert {s.kind for s in sent} >= set(bot_load.KINDS) - {"followup"}  # every kind of message, at once
    assert "followup" in {s.kind for s in sent}  # and follow-ups in the threads of earlier answers
    assert_answered_once_each(crowd, sent, caplog)


@pytest.mark.parametrize("announce", [True, False], ids=["limits-announced", "limits-learnt-from-429s"])
async def test_burst_of_30_questions_in_one_channel_waits_out_rate_limits(crowd, library, caplog, announce):
    """Discord allows a channel a few messages per window and answers more with 429 and retry_after. Each
    question is answered once, and the bot (discord.py's limiter) waits rather than hammering: no more 429s
    than rate-limit windows, as when it learns of the limit only from a 429 and then sleeps retry_after."""
    crowd.rate_limit("/channels/", limit=5, per=0.3, announce=announce)
    async with running(crowd, library):
        messages = [await crowd.send_message("papers", f"user{i}", f"which papers adapt SAM to seismic data? ({i})")
                    for i in range(30)]
        sent = [bot_load.Sent(int(m["id"]), m["author"]["username"], "question", m["content"], 0.0) for m in messages]
        answers = await asyncio.gather(*(crowd.wait_for_answer(s.id, timeout=30) for s in sent))
        assert all([await bot_load.thread_on(crowd, a["id"], wait=30) for a in answers])  # each starts a thread
        await asyncio.sleep(0.5)
    assert_answered_once_each(crowd, sent, caplog)
    assert all(crowd.answers[s.id][0]["content"].startswith("**[Seismic Fault SAM") for s in sent)
    replies = [w for (method, route, _), w in crowd.windows.items() if method == "POST" and route.endswith("messages")]
    assert sum(w.used for w in replies[0]) == 30  # every answer went through the limited route
    windows = [w for route_windows in crowd.windows.values() for w in route_windows]
    # A client that retried without waiting out retry_after would be refused about 25 times a window here.
    assert crowd.status_429 <= len(windows), [(w.used, w.refused) for w in windows]




async def test_follow_up_posted_the_moment_its_thread_appears_is_answered_in_context(crowd, library):
    """Under load Discord can deliver a follow-up in a new thread before the bot's own call creating that
    thread has returned; the follow-up is still a question for the bot, with the first question as context."""
    create_thread = crowd._create_thread
    follow_ups = []

    async def follow_up_before_returning(call):
        response = await create_thread(call)  # the thread exists: people can write in it
        follow_ups.append(await crowd.send_message(int(call.match[2]), "member", "any with code?"))
        with contextlib.suppress(AssertionError):
            await crowd.wait_for_answer(int(follow_ups[-1]["id"]), timeout=2)
        return response

    crowd._routes = [(m, p, follow_up_before_returning if h == create_thread else h, a) for m, p, h, a in crowd._routes]
    async with running(crowd, library):
        message = await crowd.send_message("papers", "member", "which papers adapt SAM to seismic data?")
        answer = await crowd.wait_for_answer(int(message["id"]))
        await bot_load.thread_on(crowd, answer["id"])
        [follow_up] = follow_ups
        reply = await crowd.wait_for_answer(int(follow_up["id"]), timeout=5)
    assert reply["channel_id"] == answer["id"] and reply["content"].startswith("**[Seismic Fault SAM")
    assert crowd.threads[answer["id"]]["thread_metadata"]["auto_archive_duration"] == 60  # leaves caches in an hour


async def test_a_new_search_retires_only_that_users_previous_pages(crowd, library):
    """A busy bot keeps one set of turning pages per user, not every search of the last five minutes: a
    user's new search greys out their previous one (as its timeout would), and leaves other users' alone."""

    async def search(user: str) -> dict:
        message = await crowd.send_message("general", user, "!papers diffusion")
        return await crowd.wait_for_answer(int(message["id"]))

    def disabled(post: dict) -> list[bool]:
        """Its page buttons' state (its vote buttons and menu stay: votes count whenever they come)."""
        return [b["disabled"] for row in crowd.messages[post["id"]]["components"] for b in row["components"]
                if b.get("label") in ("Previous", "Next")]

    async with running(crowd, library):
        first, others = await search("user0"), await search("user1")
        await search("user0")
        assert await eventually(lambda: all(disabled(first)))
        [next_button] = [b for row in others["components"] for b in row["components"] if b.get("label") == "Next"]
        await crowd.click(others["id"], next_button["custom_id"], user="user1")
        assert await eventually(lambda: crowd.messages[others["id"]]["content"].endswith("(page 2 of 3)"))
    assert disabled(others) == [False, False]


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    return check()
