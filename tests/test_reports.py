"""Error reports, end to end: the real bot against the fake Discord, sending what it logs to its owners."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import pytest

from papers_bot.bot.client import PapersBot
from papers_bot.bot.replies import SOMETHING_WENT_WRONG
from papers_bot.bot.reports import MESSAGE, REPORT_EVERY, Report, kind_of
from papers_bot.config import Config
from papers_bot.testing.fakediscord import FakeDiscord, run_client, serving
from tests.test_bot import buttons, say

pytestmark = pytest.mark.expect_error_log


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def reporting(library, clock: Clock, *, team=("owner", "admin"), **settings):
    """The bot on a fake Discord whose application belongs to a team (its owners)."""
    async with serving(team=team) as fake:
        bot = PapersBot(library, Config.from_values({"cooldown": "100/60", **settings}), clock=clock,
                        guild_ready_timeout=0.1)
        async with run_client(bot, fake):
            yield fake, bot


def direct_messages(fake: FakeDiscord) -> list[tuple[str, dict]]:
    """The bot's DMs, as (recipient, post)."""
    found = []
    for post in fake.posted:
        channel = fake._channels[post["channel_id"]]
        if channel["type"] == 1:
            found.append((channel["recipients"][0]["username"], post))
    return found


def report_ids(caplog) -> list[str]:
    return [m.group(1) for r in caplog.records if (m := re.search(r"\[error report ([0-9a-f]{8})\]", r.getMessage()))]


def broken(token: str):
    said = f"index on fire (with {token} in its message)"

    def fail(*args, **kwargs):
        raise RuntimeError(said)
    return fail


async def test_a_failing_command_is_reported_once_to_each_team_member_then_counted(library, monkeypatch, caplog):
    clock = Clock()
    async with reporting(library, clock) as (fake, _bot):
        monkeypatch.setattr(library, "search", broken(fake.token))
        [reply] = await say(fake, "!papers seismic")
        await fake.wait_for_posts(3)  # (the reply, and a DM to each of the team's two members)
        [first_id] = report_ids(caplog)
        [again] = await say(fake, "!papers seismic")  # (within 10 minutes: logged, not sent)
        for _ in range(2):
            await say(fake, "!papers faults")
        clock.now += REPORT_EVERY + 1
        await say(fake, "!papers seismic")
        await fake.wait_for_posts(len(fake.posted) + 2)
        ids = report_ids(caplog)
    assert reply["content"].startswith("Something went wrong") and again["content"].startswith("Something went")
    dms = direct_messages(fake)
    assert sorted(name for name, _ in dms) == ["admin", "admin", "owner", "owner"]
    first, later = [post["content"] for _, post in dms[:2]], [post["content"] for _, post in dms[2:]]
    assert len(ids) == 5 and ids[0] == first_id and len(set(ids)) == 5  # (every failure's log line has its id)
    assert all(f"`{first_id}`" in text for text in first)
    assert all(f"`{ids[-1]}`" in text and "And 3 more like it" in text for text in later), (ids, later)
    assert "RuntimeError at papers_bot/" in first[0] and "the command `papers`" in first[0]
    for _, post in dms:
        assert fake.token not in post["content"] and "index on fire" not in post["content"]  # (no user text)
        assert "seismic" not in post["content"] and len(post["content"]) <= MESSAGE
        assert post["allowed_mentions"]["parse"] == []


async def test_a_refused_dm_is_logged_once_and_the_other_owners_still_get_theirs(library, monkeypatch, caplog):
    clock = Clock()
    async with reporting(library, clock) as (fake, _bot):
        fake.refuse_dms.add("admin")
        monkeypatch.setattr(library, "search", broken(fake.token))
        for _ in range(2):
            await say(fake, "!papers seismic")
            await fake.wait_for_posts(len(fake.posted) + 1)
            clock.now += REPORT_EVERY + 1
    assert [name for name, _ in direct_messages(fake)] == ["owner", "owner"]
    refused = [r.getMessage() for r in caplog.records if "by DM" in r.getMessage()]
    assert len(refused) == 1 and f"owner {fake.users['admin']['id']}" in refused[0]
    assert "set error_channel or error_webhook" in refused[0]


async def test_an_app_menu_failure_goes_to_the_error_channel_and_a_background_task_to_the_webhook(
        library, monkeypatch, caplog):
    clock = Clock()
    async with serving() as fake:
        webhook = fake.create_webhook("papers")
        settings = {"error_channel": str(fake.channels["general"]), "cooldown": "100/60"}
        bot = PapersBot(library, Config.from_values(settings), clock=clock, guild_ready_timeout=0.1)
        async with run_client(bot, fake):
            monkeypatch.setattr(library, "search", broken(fake.token))
            await say(fake, "!sync", user="owner")
            said = await fake.send_message("papers", "other", "has anyone tried SAM on seismic faults?")
            before = len(fake.posted)
            await fake.context_menu("Find papers about this", said["id"])
            posts = (await fake.wait_for_posts(before + 2))[before:]
        hooked = PapersBot(library, Config.from_values({"error_webhook": webhook}), clock=clock,
                           guild_ready_timeout=0.1)
        async with run_client(hooked, fake):
            follows: Any = hooked.get_cog("Follows")

            async def harvest_fails():
                raise OSError(f"disk on fire {fake.token}")

            monkeypatch.setattr(follows.harvester, "run", harvest_fails)
            before = len(fake.posted)
            await follows.harvest()
            [hooked_post] = (await fake.wait_for_posts(before + 1))[before:]
    answer = next(p for p in posts if p["kind"] != "message")
    report = next(p for p in posts if p["kind"] == "message")
    assert answer["content"].startswith("Something went wrong")
    assert report["channel_id"] == fake.channels["general"]
    assert "the command `Find papers about this`" in report["content"]
    assert hooked_post["kind"] == "webhook" and hooked_post["channel_id"] == fake.channels["papers"]
    assert "OSError at papers_bot/" in hooked_post["content"]
    assert "In: papers_bot.bot.follows, in harvest" in hooked_post["content"]
    assert webhook.rsplit("/", 1)[1] not in hooked_post["content"] and fake.token not in hooked_post["content"]
    assert direct_messages(fake) == []


async def test_a_failing_button_is_reported_as_one(library, monkeypatch, caplog):
    async with reporting(library, Clock(), team=()) as (fake, _bot):
        [post] = await say(fake, "!papers diffusion")
        monkeypatch.setattr(library, "vote", broken(fake.token))
        await fake.click(post["id"], buttons(post)["👍 1"]["custom_id"], user="other")
        await fake.wait_for_posts(len(fake.posted) + 2)
    [(owner, report)] = direct_messages(fake)
    [told] = [p for p in fake.posted if p.get("kind") == "followup"]  # (not left at "thinking…")
    assert told["ephemeral"] and told["content"] == SOMETHING_WENT_WRONG
    [report_id] = report_ids(caplog)
    assert owner == "owner" and f"`{report_id}`" in report["content"]  # (no team: the application's owner)
    assert "In: a button or menu" in report["content"] and "RuntimeError at papers_bot/" in report["content"]


def test_a_clock_set_back_does_not_silence_reports():
    from types import SimpleNamespace

    from papers_bot.bot.reports import ErrorReports

    clock = Clock()
    reports = ErrorReports(SimpleNamespace(config=Config()), clock=clock)  # type: ignore[arg-type]
    try:
        raise RuntimeError("boom")
    except RuntimeError as e:
        error = e

    def note():
        record = logging.LogRecord("papers_bot", logging.ERROR, __file__, 1, "failed", None, None)
        return reports._note(record, error)

    assert note() is not None and note() is None  # (the same kind within 10 minutes: counted, not sent)
    clock.now -= 3600  # (the wall clock set back an hour: the next is sent, not held back for 70 minutes)
    assert note() is not None


def test_a_report_fits_one_message_keeping_the_innermost_frames():
    def deep(n: int) -> None:
        if n == 0:
            raise ValueError("x" * 5000)
        deep(n - 1)

    try:
        deep(50)
    except ValueError as e:
        kind, frames = kind_of(e)
    frames = "\n".join([frames] + ["padding " * 40] * 20)
    text = Report("abcd1234", kind, "the command `papers`", frames, repeats=7).text()
    assert len(text) <= MESSAGE and text.count("```") == 2 and "And 7 more like it" in text
    assert kind.startswith("ValueError at test_reports.py:") and kind.endswith("in deep")
    assert "xxxxx" not in text  # (the exception's message, which may quote a user, stays in the log)


@pytest.mark.parametrize("value", ["https://example.org/hook", "https://discord.com/api/webhooks/1/short", "x"])
def test_error_webhook_must_be_a_discord_webhook_and_is_never_shown(value):
    from papers_bot.config import ConfigError

    with pytest.raises(ConfigError) as raised:
        Config.from_values({"error_webhook": value})
    assert "webhook's address" in str(raised.value) and value not in str(raised.value)
    good = "https://discord.com/api/webhooks/123456789012345678/" + "a" * 68
    described = "\n".join(Config.from_values({"error_webhook": good}).describe())
    assert "[set, not shown]" in described and good not in described

