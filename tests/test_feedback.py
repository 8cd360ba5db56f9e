"""Votes on result cards: kept under a keyed hash, one a person and card, waiting out loads, reported, deleted on
request, and exported as a test collection bench/quality.py reads."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from papers_bot.cli import cli
from papers_bot.errors import PapersBotError, StoreBusy
from papers_bot.testing.fakediscord import FakeDiscord
from tests.test_bot import buttons, running, say

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from quality import read_collection

ALICE, BOB = 111111111111111111, 222222222222222222


def test_one_vote_a_person_and_card_changeable_under_a_keyed_hash(library):
    cards = library.vote_cards("seismic faults", ["seismic-fault-sam-b554c8", "faultseg-swin-unetr-cc6302"])
    sam = cards["seismic-fault-sam-b554c8"]
    assert library.vote_cards("seismic faults", ["seismic-fault-sam-b554c8"]) == {"seismic-fault-sam-b554c8": sam}
    card, before = library.vote(sam, ALICE, 1, guild_id="42")
    assert (card.query, card.paper_id, before) == ("seismic faults", "seismic-fault-sam-b554c8", None)
    assert library.vote(sam, ALICE, -1)[1] == 1  # (changed: still one vote)
    library.vote(sam, BOB, 1)
    db = sqlite_utils.Database(library.db_path)
    rows = list(db["votes"].rows)
    assert sorted(r["vote"] for r in rows) == [-1, 1] and len({r["voter"] for r in rows}) == 2
    # The voter is a keyed hash: not the id, nor any plain hash of it.
    stored = json.dumps(rows) + json.dumps(list(db["vote_cards"].rows))
    assert str(ALICE) not in stored and str(BOB) not in stored
    import hashlib

    assert all(hashlib.sha256(str(u).encode()).hexdigest()[:32] not in stored for u in (ALICE, BOB))
    assert library.forget_votes(ALICE) == 1 and library.forget_votes(ALICE) == 0
    assert [r["vote"] for r in db["votes"].rows] == [1]
    with pytest.raises(PapersBotError, match="search again"):
        library.vote(99999, ALICE, 1)


def test_a_vote_during_a_load_is_refused_at_once_and_a_read_only_library_takes_none(library, monkeypatch):
    """(The library's worker threads never sit out a load: the bot tries the vote again until the load ends,
    `test_a_vote_during_a_load_is_kept`.)"""
    sam = library.vote_cards("q", ["seismic-fault-sam-b554c8"])["seismic-fault-sam-b554c8"]
    holder = sqlite3.connect(library.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # (another process's load holds the write lock)
    try:
        with pytest.raises(StoreBusy):
            library.vote(sam, ALICE, 1)
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert library._load_lock.acquire(blocking=False)  # (a load in this process)
    try:
        with pytest.raises(StoreBusy):
            library.forget_votes(ALICE)
    finally:
        library._load_lock.release()
    library.vote(sam, ALICE, 1)
    assert [r["vote"] for r in sqlite_utils.Database(library.db_path)["votes"].rows] == [1]
    monkeypatch.setattr(library, "read_only", "a read-only copy")
    assert library.vote_cards("q", ["seismic-fault-sam-b554c8"]) == {}
    with pytest.raises(PapersBotError, match="read-only"):
        library.vote(sam, ALICE, -1)


def test_report_and_export_read_by_bench_quality(library, tmp_path):
    cards = library.vote_cards("diffusion", ["2306.05043", "2310.05873"])
    other = library.vote_cards("seismic", ["seismic-fault-sam-b554c8"])
    library.vote(cards["2306.05043"], ALICE, 1)
    library.vote(cards["2310.05873"], ALICE, -1)
    library.vote(cards["2310.05873"], BOB, -1)
    library.vote(other["seismic-fault-sam-b554c8"], BOB, 1)
    db = str(library.db_path)
    text = CliRunner().invoke(cli, ["--db", db, "feedback"])
    assert text.exit_code == 0 and "4 votes on 3 results" in text.output
    found = json.loads(CliRunner().invoke(cli, ["--db", db, "feedback", "--json"]).output)
    assert found["worst"] == [{"query": "diffusion", "up": 1, "down": 2, "share_up": 0.333},
                              {"query": "seismic", "up": 1, "down": 0, "share_up": 1.0}]
    assert [(m["up"], m["down"]) for m in found["months"]] == [(2, 2)]
    out = tmp_path / "judged"
    exported = CliRunner().invoke(cli, ["--db", db, "feedback", "--export", str(out)])
    assert exported.exit_code == 0 and "2 queries and 3 judgements" in exported.output
    collection = read_collection(out)
    assert sorted(collection.queries.values()) == ["diffusion", "seismic"]
    assert len(collection.docs) == 62
    by_text = {collection.queries[q]: rels for q, rels in collection.qrels.items()}
    assert by_text == {"diffusion": {"2306.05043": 1}, "seismic": {"seismic-fault-sam-b554c8": 1}}
    forgot = CliRunner().invoke(cli, ["--db", db, "feedback", "--forget", str(BOB)])
    assert forgot.output == "Deleted 2 votes.\n"


async def vote(fake: FakeDiscord, post: dict, label: str, user: str) -> dict:
    await fake.click(post["id"], buttons(post)[label]["custom_id"], user=user)
    return (await fake.wait_for_posts(len(fake.posted) + 1))[-1]


async def test_vote_buttons_under_results_count_after_a_restart(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers diffusion")
        first = await vote(fake_discord, post, "👍 1", "other")  # (anyone votes, not only the asker)
        again = await vote(fake_discord, post, "👍 1", "other")
    async with running(fake_discord, library):  # a new process: the vote buttons still count
        changed = await vote(fake_discord, post, "👎 1", "other")
        mine = await vote(fake_discord, post, "👍 2", "member")
        [forgot] = await say(fake_discord, "!forget", user="other")
    assert first["ephemeral"] and first["content"].startswith("Noted: 👍 for `") and "**diffusion**" in first["content"]
    assert again["ephemeral"] and again["content"].startswith("You had said 👍")
    assert changed["ephemeral"] and "(changed from 👍)" in changed["content"]
    assert mine["ephemeral"] and mine["content"].startswith("Noted: 👍")
    assert forgot["content"] == "Deleted your 1 vote."
    judged, _ = library.feedback()
    assert [(j.query, j.up, j.down) for j in judged] == [("diffusion", 1, 0)]


async def test_a_vote_during_a_load_is_kept(fake_discord, library, monkeypatch):
    monkeypatch.setattr("papers_bot.bot.pages.VOTE_RETRY", 0.05)
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers seismic")
        holder = sqlite3.connect(library.db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # (a load holds the write lock)
        try:
            before = len(fake_discord.posted)
            await fake_discord.click(post["id"], buttons(post)["👎 1"]["custom_id"], user="member")
            for _ in range(3):  # (the vote is tried, refused while the load writes, and tried again)
                await asyncio.sleep(0.6)
        finally:
            holder.execute("COMMIT")
            holder.close()
        noted = (await fake_discord.wait_for_posts(before + 1))[-1]
    assert noted["ephemeral"] and noted["content"].startswith("Noted: 👎")
    assert [(j.up, j.down) for j in library.feedback()[0]] == [(0, 1)]


def test_a_search_during_a_load_gets_no_vote_buttons_rather_than_waiting(library):
    holder = sqlite3.connect(library.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # (another process's load holds the write lock)
    try:
        assert library.vote_cards("seismic", ["seismic-fault-sam-b554c8"]) == {}
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert library._load_lock.acquire(blocking=False)  # (a load in this process)
    try:
        assert library.vote_cards("seismic", ["seismic-fault-sam-b554c8"]) == {}
    finally:
        library._load_lock.release()
    assert list(library.vote_cards("seismic", ["seismic-fault-sam-b554c8"])) == ["seismic-fault-sam-b554c8"]


async def test_vote_buttons_under_an_answer_in_a_channel_count_after_a_restart(fake_discord, library):
    question = "which papers adapt SAM to seismic data?"
    async with running(fake_discord, library):
        [answer] = await say(fake_discord, question, channel="papers")
        [asked] = await say(fake_discord, f"!ask {question}")
    rows = [[b["label"] for b in row["components"]] for row in answer["components"]]
    assert rows[0][0].startswith("👍 Seismic Fault SAM") and all(r[1] == "👎" for r in rows) and len(rows) <= 5
    assert all(len(label) <= 80 for row in rows for label in row)
    assert [[b["label"] for b in row["components"]] for row in asked["components"]] == rows  # (`!ask`: the same)
    up_id, down_id = (b["custom_id"] for b in answer["components"][0]["components"])
    async with running(fake_discord, library):  # a new process: they still count
        await fake_discord.click(answer["id"], up_id, user="other")
        up = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        await fake_discord.click(answer["id"], down_id, user="member")
        down = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert up["ephemeral"] and up["content"].startswith("Noted: 👍 for `seismic-fault-sam-b554c8` on **which papers")
    assert down["ephemeral"] and down["content"].startswith("Noted: 👎 for `seismic-fault-sam-b554c8`")
    judged, _ = library.feedback()
    assert [(j.query, j.paper_id, j.up, j.down) for j in judged] == [(question, "seismic-fault-sam-b554c8", 1, 1)]


async def test_an_answer_without_papers_and_a_fact_have_no_vote_buttons(fake_discord, library):
    async with running(fake_discord, library):
        [fact] = await say(fake_discord, "how many papers have code?", channel="papers")
        [nothing] = await say(fake_discord, "which papers study zxqv frobnication?", mention_bot=True)
    assert fact["components"] == [] and nothing["components"] == []
