"""!bib, !trend and the other research tools end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

import io
import json
import threading

import bibtexparser
from PIL import Image

from papers_bot.bot import replies
from papers_bot.testing.fakediscord import ATTACH_FILES
from papers_bot.trends import render_png
from tests.conftest import arxiv_record
from tests.test_bot import buttons, running, say


def entries(text: str) -> list[str]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return [e.key for e in library.entries]


async def test_bib_answers_in_a_code_block(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!bib seismic-fault-sam-b554c8, faultseg-swin-unetr-cc6302")
        await fake_discord.slash("bib", {"paper_ids": "seismic-fault-sam-b554c8"})
        slash = (await fake_discord.wait_for_posts(2))[-1]
    assert post["content"].startswith("```bibtex\n") and post["files"] == []
    assert entries(post["content"].strip("`").removeprefix("bibtex")) == ["chen2024seismic", "zhang2023faultseg"]
    assert slash["kind"] == "followup" and "@misc{chen2024seismic," in slash["content"]


async def test_a_long_bib_is_a_file_and_without_attach_files_text_that_says_why(fake_discord, library):
    ids = " ".join(h.paper.id for h in library.search("model", k=30).hits)
    async with running(fake_discord, library):
        [post] = await say(fake_discord, f"!bib {ids}")
        await fake_discord.deny_bot("general", ATTACH_FILES)
        before = len(fake_discord.posted)
        await fake_discord.send_message("general", "member", f"!bib {ids}")
        texts = (await fake_discord.wait_for_posts(before + 2))[before:]
    [(name, data)] = post["files"]
    assert name == "references.bib" and len(entries(data.decode())) == 30
    assert post["content"] == "BibTeX for 30 papers, attached."
    assert "Attach Files" in texts[0]["content"] and fake_discord.forbidden == []
    assert all(len(t["content"]) <= 2000 and t["files"] == [] for t in texts)


async def test_bib_of_an_unknown_id_says_so(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!bib 9999.99999")
    assert post["content"] == "No paper has the id `9999.99999`: ids are shown with each result."


async def test_trend_attaches_a_chart_rendered_off_the_event_loop(fake_discord, library, monkeypatch):
    drawn_in = []

    def render(topics):
        drawn_in.append(threading.current_thread())
        return render_png(topics)

    monkeypatch.setattr(replies, "render_png", render)
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!trend diffusion | GAN")
        loop_thread = threading.current_thread()
        await fake_discord.deny_bot("general", ATTACH_FILES)
        [text] = await say(fake_discord, "!trend diffusion")
        await fake_discord.slash("trend", {"query": "GAN"}, channel="papers")
        slash = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert drawn_in and all(t is not loop_thread for t in drawn_in)
    [(name, png)] = post["files"]
    image = Image.open(io.BytesIO(png))
    assert name == "trend.png" and image.format == "PNG" and image.size == (1000, 560)
    assert post["content"].startswith("Papers per year matching **diffusion** | **GAN**\n```")
    assert "\n2023             5      0\n" in post["content"]
    assert text["files"] == [] and "Attach Files" in text["content"] and fake_discord.forbidden == []
    assert len(drawn_in) == 2  # (no chart drawn where it cannot be sent)
    assert slash["kind"] == "followup" and slash["files"][0][0] == "trend.png"


async def test_help_about_a_command_about_ping_and_a_bare_mention(fake_discord, library):
    async with running(fake_discord, library) as client:
        client.started = client.clock() - 3725
        [unfollow] = await say(fake_discord, "!help unfollow")
        [unknown] = await say(fake_discord, "!help frobnicate")
        [about] = await say(fake_discord, "!about")
        [ping] = await say(fake_discord, "!ping")
        [hello] = await say(fake_discord, "", mention_bot=True)
        [role] = await say(fake_discord, f"<@&{fake_discord.bot_role_id}>")
        await fake_discord.slash("help", {"command": "trend"})
        slash = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert unfollow["content"].splitlines() == [
        "`!unfollow <n>` (or `/unfollow`): stop one of this channel's follows",
        "• `number`: the follow's number, as /following lists them",
        "Examples: `!unfollow 2`, `!unfollow 1`"]
    assert unknown["content"].startswith("There is no command `frobnicate`. The commands are `papers`, ")
    assert slash["content"].startswith("`/trend <words>`: papers per year")
    assert "`/trend diffusion | GAN" in slash["content"]
    lines = about["content"].splitlines()
    assert lines[0].startswith("**papers-bot** 0.1.0")
    assert lines[1] == "Library: 62 papers; the newest is dated 2025-05-07."
    assert lines[2].startswith("Last harvest from arXiv: never") and lines[3] == "Up for 1 h 2 min."
    assert ping["content"].startswith("Pong. The library answered in ")
    assert hello["content"].startswith("Hello! Ask me") and role["content"] == hello["content"]


async def test_mistakes_read_as_sentences_and_slash_replies_name_slash_commands(fake_discord, library):
    async with running(fake_discord, library):
        [wrong] = await say(fake_discord, "!unfollow abc")
        await fake_discord.slash("following", {})
        empty = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        [followed] = await say(fake_discord, "!follow seismic", user="admin")
        await fake_discord.slash("following", {})
        listed = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        [prefix_listed] = await say(fake_discord, "!following")
    assert wrong["content"] == ("`abc` is not a whole number: `!unfollow <n>` wants the follow's number, as "
                                "/following lists them.")
    assert followed["content"].startswith("Following")
    assert "`/follow <query>`" in empty["content"] and "!follow" not in empty["content"]
    assert "`/unfollow <n>` stops one." in listed["content"] and "!unfollow" not in listed["content"]
    assert "`!unfollow <n>` stops one." in prefix_listed["content"]


def test_the_console_has_help_about_a_command_about_and_ping(library):
    from papers_bot.bot.console import Console
    from papers_bot.config import Config

    console = Console(library, Config.from_values({}))
    [bib] = console.handle("!help bib")
    assert bib.startswith("`!bib <id> [<id>...]` (or `/bib`)") and "`!bib 2310.05873`" in bib
    assert console.handle("!help")[0].startswith("**papers-bot** answers")
    [about] = console.handle("!about")
    assert "62 papers" in about and "Up for" not in about
    assert console.handle("!ping")[0].startswith("Pong. The library answered in ")


async def test_why_answers_with_one_card(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!why seismic-fault-sam-b554c8 seismic fault segmentation")
        await fake_discord.slash("why", {"paper_id": "seismic-fault-sam-b554c8", "query": "seismic"})
        slash = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    [card] = post["embeds"]
    assert card["title"].startswith("Why Seismic Fault SAM") and "Result 1 for this query" in card["description"]
    assert slash["kind"] == "followup" and "**seismic** in the title" in slash["embeds"][0]["description"]


def menu(post: dict) -> dict:
    [found] = [c for row in post["components"] for c in row["components"] if c["custom_id"].startswith("more:")]
    return found


async def test_the_results_menu_gives_bibtex_related_and_why_after_a_restart(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!papers seismic fault")
        options = {o["label"]: o["value"] for o in menu(post)["options"]}
        await fake_discord.click(post["id"], menu(post)["custom_id"], user="other", values=[options["BibTeX of 1"]])
        bib = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    async with running(fake_discord, library):  # a new process: the menu still answers
        await fake_discord.click(post["id"], menu(post)["custom_id"], user="other",
                                 values=[options["Papers related to 1"]])
        related = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        await fake_discord.click(post["id"], menu(post)["custom_id"], user="member",
                                 values=[options["Why 1 is a result"]])
        why = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    first = post["embeds"][0]["title"].removeprefix("1. ")
    assert len(options) == 3 * len(post["embeds"]) and len(options) <= 25
    assert bib["ephemeral"] and entries(bib["content"].strip("`").removeprefix("bibtex")) == ["chen2024seismic"]
    assert related["ephemeral"] and related["embeds"]
    assert all(first not in e["title"] for e in related["embeds"])  # (never the paper itself)
    assert why["ephemeral"] and why["embeds"][0]["title"] == f"Why {first}"
    assert "**seismic** in the title" in why["embeds"][0]["description"]


async def test_find_papers_about_a_message_from_its_menu(fake_discord, library):
    async with running(fake_discord, library):
        await say(fake_discord, "!sync", user="owner")
        [menu_command] = [c for c in fake_discord.commands[None] if c.get("type") == 3]
        said = await fake_discord.send_message("general", "other", "has anyone tried SAM on seismic faults?")
        await fake_discord.context_menu("Find papers about this", said["id"])
        found = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        empty = await fake_discord.send_message("general", "other", "", attachments=[("a.txt", b"x")])
        await fake_discord.context_menu("Find papers about this", empty["id"])
        nothing = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert menu_command["name"] == "Find papers about this"
    assert found["kind"] == "followup" and found["embeds"][0]["title"].startswith("1. Seismic Fault SAM")
    assert nothing["ephemeral"] and nothing["content"] == "That message has no text to search for."


async def test_slash_papers_options_and_autocomplete(fake_discord, library):
    async with running(fake_discord, library):
        await fake_discord.slash("papers", {"query": "fault", "author": "Jinwen Ma", "year": "2023", "code": False})
        filtered = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        authors = await fake_discord.autocomplete("papers", {"query": "x", "author": "jin"}, focused="author")
        one = await fake_discord.autocomplete("author", {"name": "JINW"}, focused="name")
        ids = await fake_discord.autocomplete("paper", {"paper_id": "seismic fault"}, focused="paper_id")
    assert filtered["content"].startswith('Papers for **fault author:"Jinwen Ma" year:2023**')
    assert [e["title"][3:] for e in filtered["embeds"]] == [
        "FaultSeg Swin-UNETR: Transformer-Based Self-Supervised Pretraining Model for Fault Recognition"]
    assert "Jinwen Ma" in [c["value"] for c in authors] and all(c["value"].startswith("Jin") for c in authors)
    assert [c["value"] for c in one] == ["Jinwen Ma"]  # (any case)
    assert ids[0]["value"] == "seismic-fault-sam-b554c8" and len(ids) <= 25
    assert all(len(c["name"]) <= 100 for c in ids)


def test_help_fits_one_message_with_every_command():
    from papers_bot.bot.commands import COMMANDS, help_text

    for prefix in ("!", "/"):  # (a longer configured prefix: the list is split in two messages)
        text = help_text(prefix)
        assert len(text) <= 2000 and all(f"{prefix}{c.name}" in text for c in COMMANDS if c.name != "help")
        assert f"`{prefix}help <command>`" in text


async def test_help_with_a_long_prefix_comes_in_two_messages(fake_discord, library):
    async with running(fake_discord, library, prefix="papers-bot!") as client:
        assert client.config.prefix == "papers-bot!"
        first, second = await say(fake_discord, "papers-bot!help", n=2)
    assert len(first["content"]) <= 2000 and len(second["content"]) <= 2000
    assert (first["content"] + "\n" + second["content"]).count("papers-bot!") > 10


async def test_a_paper_card_has_bibtex_and_related_buttons_that_work_after_a_restart(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!paper seismic-fault-sam-b554c8")
        [link] = await say(fake_discord, "https://arxiv.org/abs/2310.05873", channel="papers")
    assert list(buttons(post)) == ["BibTeX", "Related"] and list(buttons(link)) == ["BibTeX", "Related"]
    async with running(fake_discord, library):  # a new process: the buttons still answer, anyone
        await fake_discord.click(post["id"], buttons(post)["BibTeX"]["custom_id"], user="other")
        bib = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        await fake_discord.click(post["id"], buttons(post)["Related"]["custom_id"], user="other")
        related = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert bib["ephemeral"] and entries(bib["content"].strip("`").removeprefix("bibtex")) == ["chen2024seismic"]
    assert related["ephemeral"] and related["content"].startswith("Papers for **related seismic-fault-sam-b554c8**")
    assert related["embeds"] and all("Seismic Fault SAM" not in e["title"] for e in related["embeds"])


async def test_a_paper_whose_id_is_too_long_for_a_button_keeps_it_in_the_database(fake_discord, library):
    long_id = "listing-" + "x" * 150  # (a listing's own id: up to 1,000 bytes; a custom id holds 100 characters)
    record = arxiv_record(id=long_id, title="Seismic horizon picking with long identifiers")
    library.load([], attached=[("long.jsonl", json.dumps(record).encode())])
    async with running(fake_discord, library):
        [post] = await say(fake_discord, f"!paper {long_id}")
    assert list(buttons(post)) == ["BibTeX", "Related"]
    assert all(len(b["custom_id"]) <= 100 and long_id not in b["custom_id"] for b in buttons(post).values())
    async with running(fake_discord, library):  # a new process: the card row still says which paper
        await fake_discord.click(post["id"], buttons(post)["Related"]["custom_id"], user="other")
        related = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
    assert related["ephemeral"] and related["content"].startswith(f"Papers for **related {long_id[:20]}")
    assert related["embeds"] and all("long identifiers" not in e["title"] for e in related["embeds"])


def test_a_bibtex_button_on_a_paper_of_many_authors_answers_in_one_message(library):
    names = [f"Given{i} Family{i}" for i in range(150)]
    record = arxiv_record(id="2403.00001", authors=", ".join(names),
                          authors_parsed=[[n.split()[1], n.split()[0], ""] for n in names])
    library.load([], attached=[("many.jsonl", json.dumps(record).encode())])
    reply = replies.bib_reply(library, "2403.00001")  # (what the BibTeX button and the results' menu answer)
    assert len(reply.content) <= 2000 and reply.content.startswith("Cut to fit one message: `/bib`")
    assert reply.content.endswith("```") and reply.content.count("```") == 2 and "Family0" in reply.content
    assert replies.bib_reply(library, "2310.05873").content.startswith("```bibtex\n@")


async def test_related_is_a_command_never_listing_its_paper(fake_discord, library):
    async with running(fake_discord, library):
        [post] = await say(fake_discord, "!related seismic-fault-sam-b554c8")
        await fake_discord.slash("related", {"paper_id": "2310.05873"})
        slash = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1]
        [unknown] = await say(fake_discord, "!related 9999.99999")
        [help_] = await say(fake_discord, "!help related")
    assert post["content"].startswith("Papers for **related seismic-fault-sam-b554c8**")
    assert post["embeds"] and all("Seismic Fault SAM" not in e["title"] for e in post["embeds"])
    assert "👍 1" in buttons(post) and menu(post)  # (its results are voted on and have the menu, as a search's)
    assert slash["kind"] == "followup" and all("Geom-Erasing" not in e["title"] for e in slash["embeds"])
    assert "9999.99999" in unknown["content"] and "Traceback" not in unknown["content"]
    assert help_["content"].startswith("`!related <id>` (or `/related`)")


def test_related_in_the_console_and_its_pages_made_again_after_a_restart(library):
    from papers_bot.bot.console import Console
    from papers_bot.config import Config

    [said] = Console(library, Config.from_values({})).handle("!related seismic-fault-sam-b554c8")
    again = replies.PAGE_SOURCES["r"](library, "seismic-fault-sam-b554c8")
    assert said.startswith("Papers for **related seismic-fault-sam-b554c8**") and "Seismic Fault SAM" not in said
    assert again[0].text() in said


async def test_bib_autocompletes_the_next_id_from_title_words(fake_discord, library):
    async with running(fake_discord, library):
        first = await fake_discord.autocomplete("bib", {"paper_ids": "seismic fault"}, focused="paper_ids")
        second = await fake_discord.autocomplete("bib", {"paper_ids": "seismic-fault-sam-b554c8 faultseg swin"},
                                                 focused="paper_ids")
    assert first[0]["value"] == "seismic-fault-sam-b554c8" and len(first) <= 25
    assert second[0]["value"] == "seismic-fault-sam-b554c8 faultseg-swin-unetr-cc6302"
    assert second[0]["name"].startswith("FaultSeg Swin-UNETR") and all(len(c["value"]) <= 100 for c in second)


def test_author_autocomplete_matches_a_family_name_typed_alone(library):
    import sqlite_utils

    from papers_bot.store.db import FAMILY, author_names

    assert "Jinwen Ma" in library.author_names("Ma") and "Jinwen Ma" in library.author_names("ma")
    assert library.author_names("Ma, Jin") == library.author_names("ma jinw") == ["Jinwen Ma"]
    assert library.author_names("Jinwen") == ["Jinwen Ma"]  # (the start of the name, as before)
    db = sqlite_utils.Database(library.db_path)
    db.table("paper_authors").insert_all({"paper_id": f"x{i}", "position": 0, "name": f"Given{i:02d} Ma"}
                                   for i in range(40))
    many = author_names(db, "Ma", limit=25)
    assert len(many) == 25 and "Jinwen Ma" in author_names(db, "Ma J", limit=25)
    # Read off an index, a range that stops after 25 names: never a scan of every author (1M papers: millions).
    plan = " ".join(str(row) for row in db.execute(
        f"EXPLAIN QUERY PLAN SELECT DISTINCT name FROM paper_authors WHERE {FAMILY} COLLATE NOCASE >= 'ma' AND "
        f"{FAMILY} COLLATE NOCASE < 'mb' ORDER BY {FAMILY} COLLATE NOCASE, name COLLATE NOCASE LIMIT 25").fetchall())
    assert "idx_paper_authors_family" in plan and "TEMP B-TREE FOR ORDER BY" not in plan
