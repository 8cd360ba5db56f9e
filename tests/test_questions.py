"""Questions' threads and cooldowns (bot/cogs/questions.py), end to end against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from discord.ext import commands

from papers_bot.bot.client import SLOW_DOWN
from papers_bot.bot.cogs.questions import FOLLOW_UP_USES, question_wait
from papers_bot.bot.replies import thread_name
from papers_bot.testing.fakediscord import FakeDiscord
from tests.test_bot import running, say


async def soon(done: Callable[[], bool], what: str) -> None:
    """Wait until `done()` (the bot's next step after a post it made); AssertionError after 10 s."""
    for _ in range(500):
        if done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(what)


async def ask(fake: FakeDiscord, text: str, channel: str | int = "papers") -> tuple[dict, dict]:
    """A question and the bot's answer to it."""
    asked = await fake.send_message(channel, "member", text)
    return asked, await fake.wait_for_answer(int(asked["id"]))


async def test_an_edited_question_renames_its_thread_in_plain_words_within_100_characters(fake_discord, library):
    async with running(fake_discord, library) as client:
        asked, answer = await ask(fake_discord, "which papers adapt SAM to seismic data?")
        await soon(lambda: answer["id"] in fake_discord.threads, "no thread on the answer")
        thread = fake_discord.threads[answer["id"]]
        admin = fake_discord.users["admin"]["id"]
        edited = f"<@{admin}> @everyone which papers use knowledge graph unlearning, " + "and why so? " * 12
        await fake_discord.edit_message(asked["id"], edited)
        await soon(lambda: thread["name"] != "which papers adapt SAM to seismic data?", "the thread kept its name")
        context = client.get_cog("Questions").threads[int(answer["id"])]
    assert "unlearning" in context.question  # (follow-ups in the thread are about the question as it now is)
    assert thread["name"] == thread_name(edited) and len(thread["name"]) <= 100
    assert "<@" not in thread["name"] and "@everyone" not in thread["name"]
    assert thread["name"].startswith("everyone which papers use knowledge graph unlearning")


async def test_no_thread_is_opened_under_an_answer_that_shows_no_paper(fake_discord, library):
    async with running(fake_discord, library):
        _, nothing = await ask(fake_discord, "what is known about quantum gravity?")
        _, found = await ask(fake_discord, "which papers adapt SAM to seismic data?")
        await soon(lambda: found["id"] in fake_discord.threads, "no thread on the answer that shows papers")
    assert nothing["content"].startswith("No paper")
    assert list(fake_discord.threads) == [int(found["id"])]


async def test_follow_ups_in_ones_own_thread_have_their_own_larger_bucket_and_a_refusal_is_a_reaction(
        fake_discord, library):
    async with running(fake_discord, library, cooldown="2/600"):
        _, first = await ask(fake_discord, "which papers adapt SAM to seismic data?")
        await ask(fake_discord, "which papers use knowledge graph unlearning?")
        third = await fake_discord.send_message("papers", "member", "which papers study GAN training?")
        await soon(lambda: (int(third["id"]), SLOW_DOWN) in fake_discord.reactions, "no reaction on the third")
        await soon(lambda: first["id"] in fake_discord.threads, "no thread")
        follow_ups = [await ask(fake_discord, text, channel=first["id"]) for text in
                      ("who wrote it?", "any from 2023?", "and with adapters?", "more")]
        too_many = await fake_discord.send_message(first["id"], "member", "and the code?")
        await soon(lambda: (int(too_many["id"]), SLOW_DOWN) in fake_discord.reactions, "no reaction on the fifth")
        [by_command] = await say(fake_discord, "!papers seismic")  # (commands have a cooldown of their own)
        await fake_discord.send_message("general", "member", "!papers seismic")
        await fake_discord.send_message("general", "member", "!papers seismic")
        await soon(lambda: len(fake_discord.reactions) == 3, "no reaction on the third command")
    assert len(follow_ups) == 2 * FOLLOW_UP_USES and all(a["channel_id"] == first["id"] for _, a in follow_ups)
    said = [p["content"] for p in fake_discord.posted]
    assert not any("Slow down" in text for text in said)  # (nothing public: a reaction on each refused one)
    assert int(third["id"]) not in fake_discord.answers and int(too_many["id"]) not in fake_discord.answers
    assert by_command["embeds"]


def test_question_wait_counts_new_questions_and_own_follow_ups_apart():
    buckets: dict[tuple[int, bool, int, float], commands.Cooldown] = {}

    def wait(follow_up: bool, now: float, asker: int = 1, uses: int = 2) -> float | None:
        return question_wait(buckets, asker, uses=uses, seconds=30, follow_up=follow_up, now=now)

    assert [wait(False, 100), wait(False, 101)] == [None, None] and wait(False, 102) == 28
    assert [wait(True, 103) for _ in range(4)] == [None] * 4 and wait(True, 104) == 29
    assert wait(False, 102, asker=2) is None  # (another asker)
    assert wait(False, 131) is None  # (the window passed)
    assert wait(False, 131.5, uses=5) is None  # (the numbers changed, a server's own setting: a new bucket)
    # A question in a laxer server never resets a stricter one's count (keyed by rate: one bucket a setting).
    assert [wait(False, 200, asker=3, uses=1), wait(False, 201, asker=3, uses=5)] == [None, None]
    assert wait(False, 202, asker=3, uses=1) == 28
