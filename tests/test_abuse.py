"""Hostile listings and hostile users: nothing they write can ping, format, break out of a message or reach a
terminal as a control sequence. End to end: a hostile listing file in a real Library, the real bot against the
fake Discord, and every payload it posted inspected."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import unicodedata

import pytest
from click.testing import CliRunner

from papers_bot.bot.replies import MESSAGE, pagify
from papers_bot.cli import cli
from papers_bot.format import DISCORD, PLAIN, format_paper
from papers_bot.testing.fakediscord import message_violations
from tests.conftest import arxiv_record, write_jsonl
from tests.test_bot import buttons, nothing_unexpected, running, say  # noqa: F401  (autouse: no errors logged)

SNOWFLAKE = "123456789012345678"
# Listing text carries PWN markers and users' text QRY markers, so the bot's own bold (query words in a
# passage) never wraps a marker: a marker with live markdown around it can only have come from the input.
PINGS = (f"@everyone @here <@{SNOWFLAKE}> <@!{SNOWFLAKE}> <@&{SNOWFLAKE}> <#{SNOWFLAKE}> "
         f"@every\u200bone @he\u2060re @every\u202eone <@\u200d{SNOWFLAKE}>")
CONTROLS = "\x1b[2J\x1b]0;owned\x07 \x9b31m \x00\x08\x7f \u202eright-to-left\u202c \u2066isolate\u2069 \ufeff\u00ad"


def markdown(marker: str) -> str:
    """Inline markdown, and line-start markdown mid-line (where a reply split at a space would start a message)."""
    return (f"**{marker}B** __{marker}U__ *{marker}I* _{marker}E_ ~~{marker}S~~ ||{marker}P|| "
            f"[{marker}L](https://evil.example/x) `{marker}C` ```{marker}F``` <t:0:R> </reload:{SNOWFLAKE}> "
            f"# {marker}H -# {marker}T > {marker}Q >>> {marker}R - {marker}D + {marker}A 1. {marker}N")


def lines(marker: str) -> str:
    """Markdown that only works at the start of a line (users can type newlines; listings are one line)."""
    return "\n".join(f"{m} {marker}{n}" for n, m in enumerate(["#", "##", "-#", ">", ">>>", "-", "*", "+", "1."]))


HOSTILE = f"seismic hostile {PINGS} {markdown('PWN')} {CONTROLS}"
AUTHORS = ["@everyone", f"<@&{SNOWFLAKE}>", "**PWNA**", "Ada\x1b[31m Lovelace"] + [f"Author {n}" for n in range(496)]
HOSTILE_ID = f"evil`id` <@{SNOWFLAKE}> **PWNID** @here"


def hostile_records() -> list[dict]:
    big = arxiv_record(
        id="2401.99999",
        title=f"{HOSTILE} survey",
        abstract=" ".join(f"Sentence {n} about seismic hostile faults {PINGS} {markdown('PWN')}." for n in range(600)),
        authors_parsed=[[name, "", ""] for name in AUTHORS],
        comments=f"{markdown('PWN')} {PINGS} https://github.com/evil/code javascript:alert(1)",
        categories="@everyone cs.LG",
    )
    assert len(big["abstract"]) > 100_000
    odd = arxiv_record(
        id=HOSTILE_ID,
        title=f"Hostile identifiers {PINGS} " + "# " * 1200,  # too long for one message: split mid-line
        authors_parsed=[["Hostile", "Mallory", ""]],
        abstract=f"Seismic hostile data with a link https://evil.example/)**PWNURL**<@{SNOWFLAKE}> {CONTROLS}.",
        doi=f"10.1/**PWNDOI**<@{SNOWFLAKE}>",
        **{"journal-ref": f"{markdown('PWN')} {PINGS}"},
    )
    return [big, odd]


@pytest.fixture
def hostile_library(library, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    write_jsonl(folder / "hostile.jsonl", hostile_records())
    summary = library.load([folder])
    assert summary.added == 2
    return library


LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
LIVE_MARKDOWN = re.compile(
    r"(\*\*|__|\*|_|~~|\|\||`|\[|<t:|</)(PWN|QRY)|\]\(https://evil"  # inline: emphasis, code, links, timestamps
    r"|^\s*(#+|-#|>+|[-*+]|1\.)\s*(PWN|QRY)|^\s*-?#",  # at a line start: headings, subtext, quotes, lists
    re.MULTILINE,
)


def unescaped(text: str) -> str:
    """What Discord's markdown sees as syntax: text with every backslash-escaped character removed."""
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def texts_of(post: dict) -> list[tuple[str, bool]]:
    """Each text of a message, and whether Discord renders it as markdown (footers are shown as written)."""
    out = [(post["content"] or "", True)]
    for e in post["embeds"]:
        out += [(e.get("title") or "", True), (e.get("description") or "", True)]
        out += [(part, True) for f in e.get("fields", []) for part in (f["name"], f["value"])]
        out.append(((e.get("footer") or {}).get("text") or "", False))
    return out


def assert_inert(post: dict) -> None:
    """Within Discord's limits, no mention syntax, no markdown from the input, no controls, no pings allowed."""
    assert message_violations({"content": post["content"], "embeds": post["embeds"]}) == []
    for text, markdown in texts_of(post):
        assert not LIVE_MENTION.search(text), text
        assert not (markdown and LIVE_MARKDOWN.search(unescaped(text))), text
        assert [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\u200b"] == [], text
    for e in post["embeds"]:
        assert e.get("url") is None or re.match(r"https://[^\s<>()]+$", e["url"]), e["url"]
    if {"content", "embeds"} & set(post["sent"]):  # (Discord parses mentions only in text it is sent)
        assert post["allowed_mentions"] == {"parse": []}


async def test_hostile_listing_and_users_post_only_inert_text(fake_discord, hostile_library):
    query = f"seismic hostile {PINGS} {markdown('QRY')}\n{lines('QRY')} {CONTROLS}"
    long_query = (query + " ") * (5000 // len(query) + 1)
    assert len(long_query) >= 5000
    async with running(fake_discord, hostile_library):
        [search] = await say(fake_discord, f"!papers {query}")
        # (before this user's next search: a new search greys out their previous pages)
        await fake_discord.click(search["id"], buttons(search)["Next"]["custom_id"], user="member")
        [turned] = (await fake_discord.wait_for_posts(len(fake_discord.posted) + 1))[-1:]
        assert turned["kind"] == "edit"
        await say(fake_discord, f"!papers {long_query}")
        await say(fake_discord, f"!papers zzzqqq {query}")  # nothing found: the query is echoed
        [paper] = await say(fake_discord, "!paper 2401.99999")
        [odd] = await say(fake_discord, f'!paper "{HOSTILE_ID}"')
        [unclosed] = await say(fake_discord, f'!paper "unclosed <@&{SNOWFLAKE}>')
        await say(fake_discord, f"!paper {PINGS.split()[0]}**QRYX**")  # not found: the id is echoed
        await say(fake_discord, "!author @everyone")
        await say(fake_discord, "!author Author 1")  # several match: names listed
        [pages] = await say(fake_discord, "!author Mallory Hostile")  # one message, its pages turned by buttons
        await fake_discord.click(pages["id"], buttons(pages)["Next"]["custom_id"], user="member")
        for _ in range(100):
            if turned_pages := [p for p in fake_discord.posted if p["id"] == pages["id"] and "page 2" in p["content"]]:
                break
            await asyncio.sleep(0.02)
        [page_two] = turned_pages
        await say(fake_discord, f"!author {query}")
        await say(fake_discord, "!stats")
        await say(fake_discord, f"which hostile seismic faults? {query}", channel="papers")
        await say(fake_discord, f"which seismic faults? {long_query}", mention_bot=True)
        await fake_discord.slash("papers", {"query": query})
        await fake_discord.wait_for_posts(len(fake_discord.posted) + 1)
        listing = json.dumps(arxiv_record(id="2401.88888", title=HOSTILE)).encode() + b"\n{broken\n"
        await say(fake_discord, "!reload", user="admin",
                  attachments=[(f"@everyone **QRYF** <@{SNOWFLAKE}>.jsonl", listing)])
    assert fake_discord.rejected == []
    assert len(fake_discord.posted) >= 15
    for post in fake_discord.posted:
        assert_inert(post)
    # The hostile papers were found and shown, their text kept readable, not dropped.
    assert any("hostile" in e["title"] for e in search["embeds"])
    card = paper["embeds"][0]
    assert card["title"].startswith("seismic hostile @\u200beveryone") and len(card["description"]) <= 4096
    assert "\\*\\*PWNB\\*\\*" in card["description"]
    assert {f["name"]: f["value"] for f in card["fields"]}["Authors"].endswith("…")  # 500 authors, clipped to fit
    assert page_two["content"].startswith("\\# \\#")  # the split line goes on, its `#`s still escaped
    assert unclosed["content"].endswith("Try `!help`.")  # a user's mistake, answered, not logged as a failure
    assert odd["embeds"][0]["footer"]["text"].startswith("id evil`id`")


@pytest.mark.parametrize("word", ["*" * 5000, "a" + "*" * 5000, "\\" * 5000, "a" + "\\" * 5000])
def test_a_long_word_is_never_split_inside_an_escape(word):
    pages = pagify(DISCORD.text(word))
    assert len(pages) > 1 and all(len(page) <= MESSAGE for page in pages)
    assert all(set(unescaped(page)) <= {"a"} for page in pages)  # every `*` and `\\` still escaped


@pytest.mark.parametrize("style", [DISCORD, PLAIN])
def test_no_control_or_invisible_character_survives(style):
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf"))
    out = style.text(f"a{everything}b")
    assert [c for c in out if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t"] == []
    assert "a" in out and "b" in out


def test_cli_prints_hostile_text_without_terminal_escapes(tmp_path):
    db = str(tmp_path / "papers.db")
    listing = write_jsonl(tmp_path / "hostile.jsonl", hostile_records())
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "load", str(listing)]).exit_code == 0
    outputs = [runner.invoke(cli, ["--db", db, *args]) for args in (
        ["search", "seismic hostile"], ["ask", "which seismic hostile faults?"], ["paper", "2401.99999"],
        ["author", "Lovelace"], ["stats"],
    )]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert "hostile" in result.output.lower() or "Lovelace" in result.output
        assert re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", result.output) == []


def test_plain_paper_keeps_the_hostile_text_readable(hostile_library):
    text = format_paper(hostile_library.paper("2401.99999"), PLAIN)
    assert "**PWNB** __PWNU__" in text and "@everyone" in text  # a terminal shows what the listing says
    assert "\x1b" not in text and "\u202e" not in text
