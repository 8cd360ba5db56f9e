"""Page buttons (bot/pages.py) when what they showed, or Discord, is gone."""

from __future__ import annotations

from papers_bot.bot.pages import GONE
from tests.conftest import arxiv_record, write_jsonl
from tests.test_bot import buttons, running, say


async def test_pages_of_a_paper_removed_since_say_so_after_a_restart(fake_discord, library, tmp_path):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers related seismic-fault-sam-b554c8")
    library.load([write_jsonl(tmp_path / "other.jsonl", [arxiv_record()])], replace=True)  # (the paper goes)
    async with running(fake_discord, library):  # a new process: the pages are made again from the query
        await fake_discord.click(post["id"], buttons(post)["Next"]["custom_id"], user="member")
        [reply] = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1:]
    assert reply["ephemeral"] and reply["content"] == GONE
    assert fake_discord.messages[int(post["id"])]["content"] == post["content"]  # (the pages stay as they were)
