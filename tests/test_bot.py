"""The bot end to end: the real discord.py client against the fake Discord server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

import papers_bot.bot.pages
from papers_bot.bot.client import PapersBot
from papers_bot.bot.commands import help_text
from papers_bot.config import Config
from papers_bot.testing.fakediscord import (
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    SEND_MESSAGES,
    FakeDiscord,
    point_discord_py_at,
    run_client,
    serving,
)
from tests.conftest import arxiv_record, write_jsonl

MESSAGE_LIMIT = 2000


EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "papers-bot.example.toml"


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, library, **settings):
    config = Config.from_values({"answer_channels": ["papers"], "cooldown": "100/60", **settings})
    client = PapersBot(library, config, guild_ready_timeout=0.1)
    async with run_client(client, fake):
        yield client


@pytest.fixture(autouse=True)
def nothing_unexpected(request, caplog):
    """Every bot test: no errors logged (unless the test expects one), no request the fake does not know."""
    caplog.set_level(logging.INFO)
    fake = request.getfixturevalue("fake_discord") if "fake_discord" in request.fixturenames else None
    yield
    if fake is not None:
        assert fake.unknown_requests == [] and fake.server_errors == [] and fake.rejected == []
    if "expect_error_log" not in request.keywords:
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def buttons(post: dict) -> dict[str, dict]:
    """A message's buttons by label (its select menus are left out)."""
    return {b["label"]: b for row in post["components"] for b in row["components"] if b["type"] == 2}


async def say(fake: FakeDiscord, text: str, *, user="member", channel="general", n=1, **kw) -> list[dict]:
    """The next n messages the bot posts after `user` says `text` (edits, such as greying out the user's
    previous pages, are passed over)."""
    before = len(fake.posted)
    await fake.send_message(channel, user, text, **kw)
    count = before + n
    while len(posts := [p for p in (await fake.wait_for_posts(count))[before:] if p["kind"] != "edit"]) < n:
        count += n - len(posts)
    return posts[:n]


async def test_papers_prefix_command_answers_with_embeds(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers seismic")
    assert post["content"] == "Papers for **seismic**"
    first = post["embeds"][0]
    assert first["title"] == ("1. Seismic Fault SAM: Adapting SAM with Lightweight Modules and 2.5D Strategy for "
                              "Fault Detection")
    assert first["url"].startswith("https://arxiv.org/search/?query=Seismic+Fault+SAM")
    assert "Ran Chen, Zeren Zhang, Jinwen Ma · 2024 · CV · code released" in first["description"]
    assert "**Seismic**" in first["description"] or "**seismic**" in first["description"]
    # One page: no page buttons; a 👍 and a 👎 for each result card.
    assert list(buttons(post)) == ["👍 1", "👍 2", "👎 1", "👎 2"]
    assert [o["label"] for o in post["components"][-1]["components"][0]["options"]][:3] == [
        "BibTeX of 1", "Papers related to 1", "Why 1 is a result"]
    assert post["allowed_mentions"]["parse"] == []


async def test_search_alias_and_mention_prefix(fake_discord, library):
    async with running(fake_discord, library):
        [alias] = await say(fake_discord, "!search style transfer")
        [mention] = await say(fake_discord, "papers style transfer", mention_bot=True)
    assert alias["embeds"][0]["title"] == mention["embeds"][0]["title"]


async def test_mentioning_the_bots_own_role_is_mentioning_the_bot(fake_discord, library):
    """Discord's member list and autocomplete offer the bot's managed role beside the bot: `<@&id>` asks it too."""
    role = f"<@&{fake_discord.bot_role_id}>"
    async with running(fake_discord, library):
        [command] = await say(fake_discord, f"{role} papers style transfer")
        [question] = await say(fake_discord, f"{role} which papers adapt SAM to seismic data?", channel="general")
        [plain] = await say(fake_discord, "!papers style transfer")
        before = len(fake_discord.posted)
        await fake_discord.send_message("general", "member", "which papers adapt SAM to seismic data?")
        await asyncio.sleep(0.5)
    assert command["embeds"][0]["title"] == plain["embeds"][0]["title"]
    assert "Seismic Fault SAM" in json.dumps(question) and role not in json.dumps(question)
    # (not in an answer channel, not mentioned: not for the bot)
    assert [p for p in fake_discord.posted[before:] if p["kind"] != "edit"] == []


async def test_pages_turn_by_button_only_for_the_asker_and_disable_on_timeout(fake_discord, library, monkeypatch):
    monkeypatch.setattr(papers_bot.bot.pages, "TIMEOUT", 1.0)
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers diffusion")
        assert post["content"] == "Papers for **diffusion** (page 1 of 3)"
        assert buttons(post)["Previous"]["disabled"] is True
        await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="member")
        edit = (await fake_discord.wait_for_posts(2))[1]
        assert edit["kind"] == "edit" and edit["id"] == post["id"]
        assert edit["content"] == "Papers for **diffusion** (page 2 of 3)"
        assert edit["embeds"][0]["title"].startswith("6. ")
        await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="other")
        refusal = (await fake_discord.wait_for_posts(3))[2]
        assert refusal["ephemeral"] and "Only the person who searched" in refusal["content"]
        assert fake_discord.messages[post["id"]]["content"].endswith("(page 2 of 3)")
        timed_out = (await fake_discord.wait_for_posts(4, timeout=5))[3]
    assert timed_out["kind"] == "edit"
    # (the pages no longer turn; the votes still count)
    assert {label: b.get("disabled", False) for label, b in buttons(timed_out).items()} == {
        "Previous": True, "Next": True, **{f"{sign} {n}": False for sign in "👍👎" for n in range(6, 11)}}


async def test_slash_papers_defers_then_answers(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.slash("papers", {"query": "seismic"})
        post = (await fake_discord.wait_for_posts(1))[-1]
    assert [r["type"] for r in fake_discord.responses] == [5]  # deferred first (3-second rule), then followup
    assert post["kind"] == "followup" and post["embeds"][0]["title"].startswith("1. Seismic Fault SAM")


async def test_question_in_answer_channel_gets_an_answer_and_a_thread(fake_discord, library):
    async with running(fake_discord, library):
        [answer] = await say(fake_discord, "which papers adapt SAM to seismic data?", channel="papers")
        assert answer["message_reference"] is not None
        assert answer["content"].startswith("**[Seismic Fault SAM: Adapting SAM")
        assert "\n> " in answer["content"] and "**seismic**" in answer["content"]
        for _ in range(100):  # the thread is started right after the answer is posted
            if fake_discord.threads:
                break
            await asyncio.sleep(0.05)
        [thread_id] = fake_discord.threads
        # A follow-up that alone would match nothing well is answered in the context of the first question.
        [follow] = await say(fake_discord, "and with lightweight adapters?", channel=thread_id)
    assert follow["channel_id"] == thread_id
    assert "Seismic Fault SAM" in follow["content"]


async def test_a_fact_question_gets_the_fact_in_an_embed_and_its_thread_follows_the_paper(fake_discord, library):
    """Issue 13: the fact first, then the papers that show it; "who wrote it?" in the thread is about them, and
    a question with its own topic is answered on that topic."""
    async with running(fake_discord, library):
        [answer] = await say(fake_discord, "does fastgan have code?", channel="papers")
        [card] = answer["embeds"]
        assert card["title"] == "Its code"
        assert card["description"].startswith("**Yes: Towards Faster and Stabilized GAN Training")
        assert "https://github.com/odegeasslbc/FastGAN-pytorch" in card["description"]
        for _ in range(100):
            if fake_discord.threads:
                break
            await asyncio.sleep(0.05)
        [thread_id] = fake_discord.threads
        [who] = await say(fake_discord, "who wrote it?", channel=thread_id)
        [other] = await say(fake_discord, "and what about hashing?", channel=thread_id)
    assert who["embeds"][0]["description"].startswith("**Towards Faster and Stabilized GAN Training for High-fidelity")
    assert "is by Bingchen Liu" in who["embeds"][0]["description"]
    assert "Hash" in other["content"].split("\n", 1)[0]


async def test_an_answers_thread_is_named_by_the_question_in_plain_words(fake_discord, library):
    async with running(fake_discord, library):
        await say(fake_discord, "@everyone which papers adapt **SAM** to `seismic` data?", channel="papers")
        for _ in range(100):
            if fake_discord.threads:
                break
            await asyncio.sleep(0.05)
    [thread] = fake_discord.threads.values()
    assert thread["name"] == "everyone which papers adapt SAM to seismic data?"


async def test_archived_answer_thread_leaves_the_cache_and_a_follow_up_still_gets_context(fake_discord, library):
    """The bot starts a thread per question; discord.py keeps threads until Discord archives them, which is
    what bounds the bot's memory (bench/bot_load.py archives idle threads the same way)."""
    async with running(fake_discord, library) as client:
        await say(fake_discord, "which papers adapt SAM to seismic data?", channel="papers")
        for _ in range(100):
            if fake_discord.threads and client.get_channel(next(iter(fake_discord.threads))):
                break
            await asyncio.sleep(0.05)
        [thread_id] = fake_discord.threads
        assert client.get_channel(thread_id) is not None
        assert await fake_discord.archive_idle_threads(0) == 1
        for _ in range(100):
            if client.get_channel(thread_id) is None:
                break
            await asyncio.sleep(0.05)
        assert client.get_channel(thread_id) is None  # dropped from discord.py's cache
        [follow] = await say(fake_discord, "and with lightweight adapters?", channel=thread_id)
        assert fake_discord.threads[thread_id]["thread_metadata"]["archived"] is False  # posting woke it
    assert follow["channel_id"] == thread_id and "Seismic Fault SAM" in follow["content"]


async def test_chatter_in_answer_channel_is_left_alone(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.send_message("papers", "member", "good morning all")
        await fake_discord.send_message("general", "member", "which paper is best?")  # not an answer channel
        [stats] = await say(fake_discord, "!stats")
        await asyncio.sleep(0.3)
    assert stats["content"].startswith("62 papers by") and len(fake_discord.posted) == 1


async def test_mention_anywhere_gets_an_answer(fake_discord, library):
    async with running(fake_discord, library):
        [answer] = await say(fake_discord, "knowledge graph unlearning", mention_bot=True)
    assert "Unlearning" in answer["content"]


async def test_no_good_match_says_so(fake_discord, library):
    async with running(fake_discord, library):
        [answer] = await say(fake_discord, "what is known about quantum gravity?", channel="papers")
    assert answer["content"].startswith("No paper")


async def test_reload_by_admin_with_an_attached_listing(fake_discord, library):
    listing = json.dumps(arxiv_record(title="Quasar lensing surveys")).encode() + b"\n"
    async with running(fake_discord, library):
        [summary] = await say(fake_discord, "!reload", user="admin", attachments=[("new.jsonl", listing)])
        [found] = await say(fake_discord, "!papers quasar lensing")
    assert "4 files: 1 added, 0 updated, 0 removed, 62 unchanged" in summary["content"]
    assert found["embeds"][0]["title"] == "1. Quasar lensing surveys"


async def test_in_a_bot_of_several_servers_only_the_owner_attaches_listings(library):
    listing = json.dumps(arxiv_record(title="Quasar lensing surveys")).encode() + b"\n"
    async with serving(servers=("Other Club",)) as fake, running(fake, library):
        [refused] = await say(fake, "!reload", user="admin", attachments=[("new.jsonl", listing)])
        [plain] = await say(fake, "!reload", user="admin")  # (the host's own files: any server's admins)
        [by_owner] = await say(fake, "!reload", user="owner", attachments=[("new.jsonl", listing)])
    assert refused["content"].startswith("Attached listings add papers that every server of this bot searches")
    assert plain["content"].startswith("Loaded 3 files") and "1 added" in by_owner["content"]


async def test_reload_by_configured_admin_role_and_by_owner(fake_discord, library):
    async with running(fake_discord, library, admin_role="paper-admins"):
        [by_role] = await say(fake_discord, "!reload", user="other")
        [by_owner] = await say(fake_discord, "!reload", user="owner")
    assert by_role["content"].startswith("Loaded 3 files") and by_owner["content"].startswith("Loaded 3 files")


async def test_reload_with_a_bad_file_changes_nothing_and_says_why(fake_discord, library):
    async with running(fake_discord, library):
        [error] = await say(fake_discord, "!reload", user="admin", attachments=[("notes.txt", b"just notes\n")])
        [stats] = await say(fake_discord, "!stats")
    assert error["content"].startswith("attachment/notes.txt: not a known listing format")
    assert stats["content"].startswith("62 papers")


async def test_second_reload_is_refused_while_one_runs(fake_discord, library):
    async with running(fake_discord, library):
        with library._load_lock:  # a reload in progress
            [busy] = await say(fake_discord, "!reload", user="admin")
    assert busy["content"] == "a reload is already running; try again when it has finished"


async def test_nothing_in_a_query_or_a_title_can_mention(fake_discord, library):
    evil = arxiv_record(title="@everyone free <@&123456789012345678> **bold** seismic")
    library.load([], attached=[("evil.jsonl", json.dumps(evil).encode())])
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers @everyone <@123456789012345678> seismic")
    text = post["content"] + json.dumps(post["embeds"], ensure_ascii=False)
    assert "@everyone" not in text and "<@&1" not in text and "<@1" not in text
    assert post["allowed_mentions"]["parse"] == []
    assert any("free" in e["title"] for e in post["embeds"])


async def test_cooldown_is_a_reaction_on_a_message_and_the_wait_in_private_for_a_slash_command(fake_discord, library):
    from papers_bot.bot.client import SLOW_DOWN

    async with running(fake_discord, library, cooldown="2/60"):
        await say(fake_discord, "!papers seismic")
        await say(fake_discord, "!papers seismic")
        third = await fake_discord.send_message("general", "member", "!papers seismic")
        for _ in range(500):  # (a reaction, not a "Slow down" line in the channel per refused command)
            if fake_discord.reactions:
                break
            await asyncio.sleep(0.02)
        await fake_discord.slash("papers", {"query": "seismic"})
        [slash] = (await fake_discord.wait_for_posts(3))[2:]
    assert fake_discord.reactions == [(int(third["id"]), SLOW_DOWN)] and int(third["id"]) not in fake_discord.answers
    assert slash["ephemeral"] and slash["content"].startswith("Slow down a little: try again in ")


async def test_a_long_author_list_is_one_message_of_pages_not_a_flood(fake_discord, library):
    async with running(fake_discord, library):
        [first] = await say(fake_discord, "!author Jinwen Ma")
        await asyncio.sleep(0.3)
        assert [p for p in fake_discord.posted if p["kind"] != "edit"] == [first]
        texts = [first["content"]]
        while not buttons(post := fake_discord.posted[-1])["Next"].get("disabled"):
            await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="member")
            texts.append((await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]["content"])
    assert len(texts) >= 2 and all(len(t) <= MESSAGE_LIMIT for t in texts)
    assert f"page {len(texts)} of {len(texts)}" in texts[-1]
    text = "\n".join(texts)
    assert text.count("\n- ") == 30  # every one of his 30 papers, across the pages


async def test_paper_in_full_and_unknown_id(fake_discord, library):
    async with running(fake_discord, library):
        [paper] = await say(fake_discord, "!paper 2310.00426")
        [missing] = await say(fake_discord, "!paper nope")
        [no_arg] = await say(fake_discord, "!paper")
    fields = {f["name"]: f["value"] for f in paper["embeds"][0]["fields"]}
    assert "[PDF](<https://arxiv.org/pdf/2310.00426>)" in fields["Links"]
    assert missing["content"].startswith("no paper has the id 'nope'")
    assert no_arg["content"] == "Missing `paper_id`. Try `!help`."


@pytest.mark.expect_error_log
async def test_unexpected_errors_are_logged_and_answered(fake_discord, library, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("index on fire")

    monkeypatch.setattr(library, "search", broken)
    monkeypatch.setattr(library, "ask", broken)
    async with running(fake_discord, library):  # (by their replies: the error reports go to the owner as well)
        said = await fake_discord.send_message("general", "member", "!papers seismic")
        post = await fake_discord.wait_for_answer(int(said["id"]))
        asked = await fake_discord.send_message("papers", "member", "which papers adapt SAM?")
        answer = await fake_discord.wait_for_answer(int(asked["id"]))
    assert post["content"].startswith("Something went wrong on my side")
    assert answer["content"].startswith("Something went wrong on my side")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2 and all(r.exc_info and "index on fire" in str(r.exc_info[1]) for r in errors)


async def test_missing_message_content_intent_is_explained_at_start(library, caplog):
    fake = FakeDiscord(message_content=False)
    await fake.start()
    try:
        with point_discord_py_at(fake):
            async with running(fake, library):
                pass
    finally:
        await fake.stop()
    assert any("Message Content intent is not enabled" in r.getMessage() for r in caplog.records)


async def test_sync_is_for_the_owner(fake_discord, library):
    async with running(fake_discord, library):
        [refused] = await say(fake_discord, "!sync", user="admin")
        [synced] = await say(fake_discord, "!sync", user="owner")
    assert refused["content"] == "You do not own this bot."
    assert synced["content"] == "Registered 18 slash commands and 1 message menu (globally)."
    assert {c["name"] for c in fake_discord.commands[None]} == {"ask", "papers", "paper", "author", "stats", "help",
                                                                 "reload", "follow", "unfollow", "following", "bib",
                                                                 "trend", "forget", "about", "ping", "why",
                                                                 "related", "settings", "Find papers about this"}


async def test_slash_commands_describe_their_options_and_hide_admin_commands(fake_discord, library):
    async with running(fake_discord, library):
        await say(fake_discord, "!sync", user="owner")
    synced = {c["name"]: c for c in fake_discord.commands[None]}
    options = {(c["name"], o["name"]): o["description"] for c in synced.values() for o in c["options"]}
    assert set(options) == {("ask", "question"), ("papers", "query"), ("paper", "paper_id"), ("related", "paper_id"),
                            ("author", "name"),
                            ("reload", "file"), ("follow", "query"), ("unfollow", "number"), ("bib", "paper_ids"),
                            ("trend", "query"), ("help", "command"), ("why", "paper_id"), ("why", "query"),
                            ("papers", "author"), ("papers", "year"), ("papers", "category"), ("papers", "code"),
                            ("settings", "show"), ("settings", "set"), ("settings", "reset"), ("settings", "log")}
    assert all(d.strip() and d != "…" and len(d) <= 100 for d in options.values()), options  # (Discord's limit)
    # /reload and /settings are offered only to members who may use them (Manage Server), and only in servers.
    for name in ("reload", "settings"):
        assert str(synced[name]["default_member_permissions"]) == str(discord.Permissions(manage_guild=True).value)
        assert synced[name].get("contexts") == [0] or synced[name].get("dm_permission") is False
    assert all(synced[name]["default_member_permissions"] is None for name in synced
               if name not in ("reload", "settings"))
    # (what a channel follows is a server's: never offered in DMs; who may change it is checked on every call)
    assert all(synced[name].get("contexts") == [0] or synced[name].get("dm_permission") is False
               for name in ("follow", "unfollow", "following"))


async def run_papers_bot(fake: FakeDiscord, env: dict[str, str]) -> tuple[dict, int | None, str]:
    """`papers-bot run` in its own process: its answer to `!papers seismic`, and its exit status and log after
    SIGTERM."""
    exe = os.path.join(os.path.dirname(sys.executable), "papers-bot")
    proc = await asyncio.create_subprocess_exec(
        exe, "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert proc.stdout is not None
    try:
        identified = asyncio.ensure_future(fake.identified.wait())
        exited = asyncio.ensure_future(proc.wait())
        await asyncio.wait({identified, exited}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert not exited.done(), (await proc.stdout.read()).decode()[-3000:]
        assert identified.done(), "papers-bot run did not connect within 30 s"
        # Ready once GUILD_CREATE is processed; then a command is answered (the first answer may take a second
        # while the vectors are embedded beside it: asked again sooner, the bot would say "slow down").
        for _ in range(15):
            await fake.send_message("general", "member", "!papers seismic")
            try:
                await fake.wait_for_posts(1, timeout=2)
                break
            except AssertionError:  # (what the fake raises when nothing came in time)
                continue
        post = fake.posted[0]
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 30)  # (the log goes to stdout)
    finally:
        if proc.returncode is None:
            proc.kill()
    return post, proc.returncode, out.decode()


def fake_discord_environment(fake: FakeDiscord) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERS_BOT_", "DISCORD_"))}
    return {**env, "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url}


async def test_papers_bot_run_answers_and_stops_on_sigterm(fake_discord, tmp_path):
    from papers_bot.bot.client import health_problems

    health = str(tmp_path / "health.json")
    env = {**fake_discord_environment(fake_discord), "PAPERS_BOT_DB": str(tmp_path / "run.db"),
           "PAPERS_BOT_HEALTH_FILE": health}
    post, status, log = await run_papers_bot(fake_discord, env)
    assert post["embeds"][0]["title"].startswith("1. Seismic Fault SAM")
    assert status == 0, log[-2000:]
    assert health_problems(health) == ["the bot has stopped (papers-bot run is not running)"]  # (at once)
    assert "SIGTERM: shutting down" in log and "stopped" in log
    assert fake_discord.token not in log
    assert "voice" not in log  # (the bot has no voice: discord.py's warnings about its voice libraries are off)


async def test_papers_bot_run_from_the_example_configuration_file(fake_discord, tmp_path):
    """The README's way: copy the example, point PAPERS_BOT_CONFIG at it. Its relative `db` is beside the file,
    whatever folder the bot starts in."""
    config = tmp_path / "etc" / "papers-bot.toml"
    config.parent.mkdir()
    shutil.copy(EXAMPLE_CONFIG, config)
    env = {**fake_discord_environment(fake_discord), "PAPERS_BOT_CONFIG": str(config)}
    post, status, log = await run_papers_bot(fake_discord, env)
    assert post["embeds"][0]["title"].startswith("1. Seismic Fault SAM") and status == 0, log[-2000:]
    assert (tmp_path / "etc" / "papers.db").is_file() and f"library: {tmp_path / 'etc' / 'papers.db'}" in log


@pytest.mark.parametrize("channel, answered", [
    ("Paper Club/papers", True), ("Paper Club/#papers", True), ("Other Server/papers", False), ("papers", True),
])
async def test_an_answer_channel_can_be_named_with_its_server(fake_discord, library, channel, answered):
    async with running(fake_discord, library, answer_channels=[channel]):
        await fake_discord.send_message("papers", "member", "which papers adapt SAM to seismic data?")
        [stats] = await say(fake_discord, "!stats", channel="general")  # (after the question's answer, if any)
        await asyncio.sleep(0.2)
    posts = [p for p in fake_discord.posted if p["kind"] != "edit" and p is not stats]
    assert bool(posts) is answered


def test_a_plain_channel_name_two_servers_share_is_ambiguous():
    from types import SimpleNamespace

    from papers_bot.bot.client import ambiguous_names

    def guild(*names: str) -> Any:  # (what ambiguous_names reads of a discord.Guild)
        return SimpleNamespace(text_channels=[SimpleNamespace(name=n) for n in names])

    wanted = frozenset({"papers", "ask", "Lab/papers", "123"})
    assert ambiguous_names([guild("papers", "ask"), guild("papers", "general")], wanted) == {"papers"}
    assert ambiguous_names([guild("papers", "ask")], wanted) == set()


async def test_reload_without_a_data_folder_never_discards_what_an_operator_loaded(fake_discord, library, tmp_path):
    """No data folder configured: `!reload` re-reads the library's own files (the sample's and the operator's)
    and removes nothing; before, it replaced the operator's papers with the 62 samples."""
    mine = write_jsonl(tmp_path / "mine.jsonl",
                       [arxiv_record(id=f"2403.{i:05d}", title=f"Operator paper {i}") for i in range(30)])
    library.load([mine])
    write_jsonl(mine, [arxiv_record(id=f"2403.{i:05d}", title=f"Operator paper {i}") for i in range(31)])  # one more
    async with running(fake_discord, library):
        [summary] = await say(fake_discord, "!reload", user="admin")
        [stats] = await say(fake_discord, "!stats")
    assert "1 added, 0 updated, 0 removed, 92 unchanged" in summary["content"]
    assert stats["content"].startswith("93 papers")
    mine.unlink()
    summary = library.reload(None)
    assert summary.removed == 0 and library.stats()["papers"] == 93
    assert summary.warnings == [f"{mine}: no longer there; its papers are kept"]


async def test_papers_bot_run_with_discord_unreachable_says_so_in_a_line_and_retries(tmp_path):
    import socket

    with socket.socket() as s:  # a port on this machine that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DISCORD_TOKEN": "x" * 24 + ".abcdef.abcdefghijklmnopqrstuvwxyz1",
           "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10", "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/",
           "PAPERS_BOT_DB": str(tmp_path / "run.db")}
    exe = os.path.join(os.path.dirname(sys.executable), "papers-bot")
    proc = await asyncio.create_subprocess_exec(exe, "run", env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        while sum("cannot reach Discord" in line for line in lines) < 2:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            if not line:
                break  # (it exited)
            lines.append(line)
        proc.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(proc.stdout.read(), 10)).decode()
        await asyncio.wait_for(proc.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
    said = [line for line in lines if "cannot reach Discord" in line]
    assert len(said) == 2, "".join(lines)[-2000:]
    assert "trying again in 1 s" in said[0] and "trying again in 2 s" in said[1]
    assert "Traceback" not in "".join(lines) + rest and proc.returncode == 0


async def test_closing_the_bot_never_blocks_the_event_loop_and_leaves_the_library_to_its_owner(
        fake_discord, library, monkeypatch):
    """Issue 14: PapersBot.close called the blocking Library.close (up to 30 s) on the event loop. Now the cogs'
    library calls run in the bot's own worker threads, closing waits for them off the loop, and the library is
    closed by whoever created it."""
    import time

    closed = []
    monkeypatch.setattr(library, "close", lambda **_: closed.append(True))
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async with running(fake_discord, library) as client:
        def slow_call(_library: object) -> str:
            time.sleep(1.0)
            return "done"

        slow = asyncio.ensure_future(client.papers.run(slow_call))
        await asyncio.sleep(0.05)  # (the slow call is running in a worker thread)
        ticking = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        await client.close()
        took = time.perf_counter() - started
        ticking.cancel()
    assert await slow == "done"  # the call that was running finished before the close did
    assert took >= 0.5 and max(gaps) < 0.25, (took, max(gaps))  # waited for it, the loop ticking all along
    assert closed == []  # the library is its creator's to close


def test_no_cog_runs_library_calls_itself():
    """Every library call from a cog goes through the bot's LibraryThreads (one executor, closed off the loop)."""
    from pathlib import Path

    import papers_bot.bot.cogs

    for source in Path(papers_bot.bot.cogs.__file__).parent.glob("*.py"):
        text = source.read_text()
        assert "to_thread" not in text and "run_in_executor" not in text, source.name


async def test_help_and_slash_descriptions_come_from_the_one_command_table(fake_discord, library):
    """Issue 14: the commands were written three times (cogs, console, help). Now `!help`, `/help`, the slash
    commands' descriptions and the console's help are all the table in bot/commands.py."""
    import io

    from papers_bot.bot.commands import COMMANDS, help_text
    from papers_bot.bot.console import chat

    async with running(fake_discord, library) as client:
        [prefix_help] = await say(fake_discord, "!help")
        before = len(fake_discord.posted)
        await fake_discord.slash("help", {})
        slash_help = (await fake_discord.wait_for_posts(before + 1))[-1]
        slash = {c.name: c.description for c in client.tree.get_commands()
                 if isinstance(c, app_commands.Command | app_commands.Group)}
    assert prefix_help["content"] == help_text("!")
    assert slash_help["kind"] != prefix_help["kind"] or slash_help["id"] != prefix_help["id"]
    assert slash_help["content"] == help_text("/")  # (slash users are shown slash commands)
    assert "`/papers <words>`: the best-matching" in slash_help["content"]
    assert {c.name: c.help for c in COMMANDS} == {name: slash[name] for name in slash if name != "sync"}
    out = io.StringIO()
    chat(library, client.config, io.StringIO("!help\n"), out, prompt=False)
    assert out.getvalue().strip() == help_text("!")


async def test_without_embed_links_answers_come_as_text(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.deny_bot("general", EMBED_LINKS)
        await fake_discord.deny_bot("papers", EMBED_LINKS)
        [search] = await say(fake_discord, "!papers seismic")
        [paper] = await say(fake_discord, "!paper 2310.05873")
        [answer] = await say(fake_discord, "does fastgan have code?", channel="papers")  # (a fact: a card)
        before = len(fake_discord.posted)
        await fake_discord.slash("paper", {"paper_id": "2310.05873"})
        slash = (await fake_discord.wait_for_posts(before + 1))[-1]
    for post in (search, paper, answer):
        assert post["embeds"] == [] and "cards come as text" in post["content"] and len(post["content"]) <= 2000
    assert "Seismic Fault SAM" in search["content"] and "Geom-Erasing" in paper["content"]
    assert "FastGAN-pytorch" in answer["content"]
    assert slash["embeds"]  # (a slash command's answer goes by the interaction: it may embed)


async def test_a_channel_that_refuses_the_bot_gets_one_log_line_and_is_left_alone(fake_discord, library, caplog):
    async with running(fake_discord, library):
        await fake_discord.deny_bot("general", SEND_MESSAGES)
        await fake_discord.send_message("general", "member", "!papers seismic")
        for _ in range(100):
            if fake_discord.forbidden:
                break
            await asyncio.sleep(0.02)
        await fake_discord.send_message("general", "member", "!papers style transfer")
        await fake_discord.send_message("general", "member", "knowledge graph unlearning", mention_bot=True)
        [elsewhere] = await say(fake_discord, "!stats", channel="papers")
        await asyncio.sleep(0.3)
    assert len(fake_discord.forbidden) == 1  # no apology tried, and nothing more there for a while
    refused = [r.getMessage() for r in caplog.records if "cannot post in #general" in r.getMessage()]
    assert len(refused) == 1 and "Missing Permissions" in refused[0] and "papers-bot invite" in refused[0]
    assert not [r for r in caplog.records if r.exc_info]  # one line, no traceback
    assert elsewhere["content"].startswith("62 papers")


async def test_without_thread_permissions_the_answer_says_why_there_is_no_thread(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.deny_bot("papers", CREATE_PUBLIC_THREADS)
        [posted] = await say(fake_discord, "which papers adapt SAM to seismic data?", channel="papers")
        for _ in range(100):
            if "No thread" in (answer := fake_discord.messages[int(posted["id"])])["content"]:
                break
            await asyncio.sleep(0.02)
    assert "Seismic Fault SAM" in answer["content"]  # the answer as it was, and under it why no thread follows
    assert "No thread for follow-ups: I lack Create Public Threads" in answer["content"]
    assert fake_discord.threads == {} and fake_discord.forbidden == []


async def test_the_health_file_says_connected_and_answering(fake_discord, library, tmp_path):
    from papers_bot.bot.client import health_problems

    health = tmp_path / "health.json"
    async with running(fake_discord, library, health_file=str(health)) as client:
        await client.heartbeat()  # (one beat now; the loop beats every 15 s)
        state = json.loads(health.read_text())
        assert health_problems(str(health)) == []
    assert state["connected"] is True and state["library"] == "ok" and state["guilds"] == 1
    assert state["last_event"] is not None and abs(state["time"] - state["last_event"]) < 10
    assert health_problems(str(health)) == ["the bot has stopped (papers-bot run is not running)"]  # (at once)


def test_health_problems_name_what_is_wrong(tmp_path):
    from papers_bot.bot.client import health_problems, write_health

    path = str(tmp_path / "health.json")
    assert "no heartbeat" in health_problems(path)[0]
    write_health(path, {"time": 1000.0, "connected": False, "library": "DatabaseError: file is not a database"})
    problems = health_problems(path, now=1010.0)
    assert problems == ["not connected to Discord (it keeps trying; see its log)",
                        "the library does not answer: DatabaseError: file is not a database"]


async def test_an_edited_question_gets_its_answer_edited(fake_discord, library):
    async with running(fake_discord, library):
        asked = await fake_discord.send_message("papers", "member", "which papers adapt SAM to seismic data?")
        [answer] = await fake_discord.wait_for_posts(1)
        await fake_discord.edit_message(asked["id"], "which papers use knowledge graph unlearning?")
        for _ in range(100):
            if "Unlearning" in (edited := fake_discord.messages[int(answer["id"])])["content"]:
                break
            await asyncio.sleep(0.02)
        await fake_discord.edit_message(asked["id"], "which papers use knowledge graph unlearning?")  # (no change)
        await asyncio.sleep(0.3)
    assert "Seismic Fault SAM" in answer["content"] and "Unlearning" in edited["content"]
    assert [p["kind"] for p in fake_discord.posted] == ["message", "edit"]  # one answer, edited; no second reply


async def test_a_question_deleted_before_its_answer_gets_none(fake_discord, library, monkeypatch):
    from papers_bot.bot import replies

    answer_replies = replies.answer_replies
    deleted = asyncio.Event()

    def slow_answer(*args, **kwargs):  # (the answer is worked out while the asker deletes the question)
        asyncio.run_coroutine_threadsafe(deleted.wait(), loop).result(10)
        return answer_replies(*args, **kwargs)

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(replies, "answer_replies", slow_answer)
    async with running(fake_discord, library):
        asked = await fake_discord.send_message("papers", "member", "which papers adapt SAM to seismic data?")
        await asyncio.sleep(0.2)
        await fake_discord.delete_message(asked["id"])
        await asyncio.sleep(0.1)
        deleted.set()
        await asyncio.sleep(0.5)
    assert fake_discord.posted == [] and fake_discord.rejected == []


async def test_doctor_says_what_the_bot_cannot_do_and_how_to_fix_it(fake_discord, library, tmp_path):
    db = tmp_path / "papers.db"  # (the library fixture's)
    env = {**fake_discord_environment(fake_discord), "PAPERS_BOT_DB": str(db),
           "PAPERS_BOT_ANSWER_CHANNELS": "Paper Club/papers, nowhere"}
    exe = os.path.join(os.path.dirname(sys.executable), "papers-bot")

    async def doctor() -> tuple[int | None, str]:
        proc = await asyncio.create_subprocess_exec(exe, "doctor", env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode, out.decode()

    await fake_discord.deny_bot("papers", EMBED_LINKS | CREATE_PUBLIC_THREADS)
    status, report = await doctor()
    assert status == 1, report
    assert f"ok   library {db}: 62 papers" in report and "ok   its index is in step" in report
    assert "ok   the Message Content intent is on" in report
    assert ("FIX  slash commands not registered: /about, /ask, /author, /bib, /follow, /following, /forget, /help, "
            "/paper, /papers, /ping, /related, /reload, /settings, /stats, /trend, /unfollow, /why") in report
    assert "!sync" in report
    assert "ok   server Paper Club: every permission the bot needs" in report
    assert "FIX    #papers: missing Create Public Threads, Embed Links" in report
    assert "#papers > Edit Channel > Permissions > papers-bot: allow them" in report
    assert "FIX  answer channel 'nowhere' is in none of the bot's servers" in report
    assert fake_discord.token not in report
    async with running(fake_discord, library):
        await say(fake_discord, "!sync", user="owner")
    await fake_discord.deny_bot("papers", 0)
    env["PAPERS_BOT_ANSWER_CHANNELS"] = "Paper Club/papers"
    status, report = await doctor()
    assert status == 0 and "All is in place." in report and "ok     #papers: answers questions here" in report, report


async def test_page_buttons_still_turn_after_a_restart(fake_discord, library):
    long_query = "diffusion " + "x" * 80  # (too long to keep in a custom id)
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers diffusion")
        [long] = await say(fake_discord, f"!papers {long_query}", user="other")
    async with running(fake_discord, library):  # a new process: the views of the old one are gone
        await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="other")
        refusal = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="member")
        turned = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        await fake_discord.click(post["id"], buttons(turned)["Next"]["custom_id"], user="member")  # (now in memory)
        third = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        if buttons(long)["Next"]["disabled"] is False:
            await fake_discord.click(long["id"], buttons(long)["Next"]["custom_id"], user="other")
            gone = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
            assert gone["ephemeral"] and "run the search again" in gone["content"]
    assert refusal["ephemeral"] and "Only the person who searched" in refusal["content"]
    assert turned["kind"] == "edit" and turned["id"] == post["id"]
    assert turned["content"] == "Papers for **diffusion** (page 2 of 3)"
    assert turned["embeds"][0]["title"].startswith("6. ")
    assert third["content"] == "Papers for **diffusion** (page 3 of 3)" and buttons(third)["Next"]["disabled"]


async def _thread_appears(fake: FakeDiscord, known: int) -> int:
    for _ in range(100):  # (the thread is started right after the answer is posted)
        if len(fake.threads) > known:
            return list(fake.threads)[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("no thread")


async def test_slash_ask_answers_as_a_question_does_with_a_thread_for_follow_ups(fake_discord, library):
    """Issue 24: /ask question: the same answer as a message, and the same thread behaviour."""
    async with running(fake_discord, library):
        await fake_discord.slash("ask", {"question": "which papers adapt SAM to seismic data?"}, channel="general")
        post = (await fake_discord.wait_for_posts(1))[-1]
        thread = await _thread_appears(fake_discord, 0)
        [follow] = await say(fake_discord, "any from 2023?", channel=thread)
    assert [r["type"] for r in fake_discord.responses] == [5]  # deferred first, then the answer
    assert post["kind"] == "followup" and post["content"].startswith("**[Seismic Fault SAM: Adapting SAM")
    assert follow["content"].startswith("**[FaultSeg Swin-UNETR")  # (2023, on the thread's topic)


async def test_an_answer_channel_answers_requests_and_links_and_leaves_chat_alone(fake_discord, library):
    """Issue 24: no question mark needed, any script's question mark, help, arXiv links; chat goes unanswered."""
    async with running(fake_discord, library):
        for chat in ("good morning everyone", "thanks!", "is it lunch time yet?", "lol", "see you tomorrow"):
            await fake_discord.send_message("papers", "member", chat)
        [topic] = await say(fake_discord, "seismic fault detection", channel="papers")
        [script] = await say(fake_discord, "扩散模型的论文有哪些？", channel="papers")
        [helped] = await say(fake_discord, "help", channel="papers")
        [card] = await say(fake_discord, "https://arxiv.org/abs/2310.00426", channel="papers")
        [missing] = await say(fake_discord, "https://arxiv.org/pdf/2399.00001v2", channel="papers")
        [by_command] = await say(fake_discord, "!paper https://arxiv.org/abs/2310.00426")
        [not_held] = await say(fake_discord, "!paper https://arxiv.org/pdf/2399.00001v2")
        answered = {p["message_reference"]["message_id"] for p in fake_discord.posted if p.get("message_reference")}
    assert len(answered) == 7  # (the five chat lines got nothing)
    assert topic["content"].startswith("**[Seismic Fault SAM")
    assert script["content"].startswith("The library's papers are searched in English")
    assert "\n" not in script["content"]
    assert helped["content"] == help_text("!")
    assert card["embeds"][0]["title"] == "PIXART-α" == by_command["embeds"][0]["title"]
    assert missing["content"] == not_held["content"] == (
        "The library does not hold arXiv `2399.00001v2`. `!papers <words>` searches the papers it holds.")


async def test_answer_every_message_answers_chat_too(fake_discord, library):
    async with running(fake_discord, library, answer_every_message=True):
        [answer] = await say(fake_discord, "good morning everyone", channel="papers")
    assert answer["message_reference"] is not None
