"""Secrets and the server's files: queries are never syntax, the token is never shown or kept, admin commands
are checked on every call, and !reload reads nothing outside its data folder."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import sqlite3
import sys

import pytest

from papers_bot.bot.client import RedactToken
from papers_bot.errors import PaperNotFound, ParseError
from papers_bot.library import Library
from papers_bot.store.parse import listing_files
from tests.conftest import arxiv_record, write_jsonl
from tests.test_bot import nothing_unexpected, running, say  # noqa: F401  (autouse: no errors logged)


def schema_and_counts(db_path) -> tuple[list, dict]:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return tables, {t: conn.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def drop_library(tmp_path_factory):
    """The sample papers and one whose title reads like SQL; shared, as these tests only read (or try to harm) it."""
    folder = tmp_path_factory.mktemp("drop")
    lib = Library(folder / "papers.db")
    lib.load([write_jsonl(folder / "drop.jsonl", [arxiv_record(title="Drop table papers: a 1=1 study")])])
    yield lib
    lib.close()


@pytest.mark.parametrize(
    "query, words",
    [
        ("'; DROP TABLE papers; --", "DROP TABLE papers"),
        ("title:foo OR 1=1", "title foo OR 1 1"),
        ("table:papers OR 1=1", "table papers OR 1 1"),
        ("abstract:seismic AND fault^10", "abstract seismic AND fault 10"),
        ("seismic~2 (fault", "seismic 2 fault"),
        ("[seismic TO fault]", "seismic TO fault"),
        ("seismic* ) fault\\", "seismic fault"),
        ("*", ""),
        (")", ""),
    ],
)
def test_query_text_is_words_never_sql_or_index_syntax(drop_library, query, words):
    before = schema_and_counts(drop_library.db_path)
    found = drop_library.search(query, k=20)
    assert bool(found.hits) == bool(words)  # the words find papers; pure syntax finds none, and raises nothing
    assert [h.paper.id for h in found.hits] == [h.paper.id for h in drop_library.search(words, k=20).hits]
    if "DROP" in query:
        assert found.hits[0].paper.title == "Drop table papers: a 1=1 study"
    assert drop_library.ask(query).question == query
    assert schema_and_counts(drop_library.db_path) == before


@pytest.mark.parametrize("text", ["'; DROP TABLE papers; --", "%", "_", "' OR '1'='1",
                                  "x' UNION SELECT id FROM papers --"])
def test_ids_and_author_names_are_values_never_sql(drop_library, text):
    before = schema_and_counts(drop_library.db_path)
    with pytest.raises(PaperNotFound):
        drop_library.paper(text)
    with pytest.raises(PaperNotFound):  # `%` and `_` are not LIKE wildcards: they match no name
        drop_library.author(text)
    assert schema_and_counts(drop_library.db_path) == before


TOKEN = "MTIzNDU2Nzg5.Secret-Token_value.for-tests"


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactToken(TOKEN))
    log = logging.getLogger("test_security.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning(f"in the message {TOKEN}")
        log.warning("in the arguments %s", TOKEN)
        try:
            raise RuntimeError(f"login failed for {TOKEN}")
        except RuntimeError:
            log.exception("in an exception")
        try:
            try:
                raise ValueError(f"Authorization: Bot {TOKEN}")
            except ValueError as e:
                raise RuntimeError("could not connect") from e  # the token only in the cause
        except RuntimeError:
            log.exception("in a chained exception")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count("[token]") == 4 and "could not connect" in text and "ValueError" in text


async def test_papers_bot_run_with_a_bad_token_says_so_and_shows_or_keeps_it_nowhere(fake_discord, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "one.jsonl", [arxiv_record()])
    env = {
        **os.environ,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake_discord.api_base,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
        "PAPERS_BOT_DB": str(tmp_path / "run.db"),
        "PAPERS_BOT_DATA": str(data),
    }
    exe = os.path.join(os.path.dirname(sys.executable), "papers-bot")
    proc = await asyncio.create_subprocess_exec(
        exe, "-v", "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "Discord rejected the token in DISCORD_TOKEN" in (out + err).decode()
    assert TOKEN.encode() not in out + err
    secret_parts = [part.encode() for part in TOKEN.split(".")]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "run.db" for p in files)
    assert [p for p in files if any(part in p.read_bytes() for part in secret_parts)] == []


@pytest.fixture
def new_listing(tmp_path):
    """A data folder whose reload would change the library: one paper the sample does not have."""
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "new.jsonl", [arxiv_record(title="Quasar lensing surveys")])
    return data


@pytest.mark.parametrize("user, channel", [("member", "general"), ("other", "general"), ("member", "dm")])
async def test_reload_is_checked_on_every_call_for_prefix_and_slash(fake_discord, library, new_listing, user, channel):
    listing = json.dumps(arxiv_record(id="2401.55555", title="Attached intruder")).encode()
    async with running(fake_discord, library, data_dir=str(new_listing)):
        [prefix] = await say(fake_discord, "!reload", user=user, channel=channel, attachments=[("x.jsonl", listing)])
        if channel != "dm":  # slash commands carry no default-permission check the bot relies on
            await fake_discord.slash("reload", user=user, channel=channel)
            [slash] = (await fake_discord.wait_for_posts(2))[1:]
            assert slash["ephemeral"] and slash["content"].startswith("Only server admins")
    assert prefix["content"].startswith("Only server admins")
    stats = library.stats()
    assert stats["papers"] == 62 and stats["generation"] == 1  # nothing was reloaded
    assert library.search("quasar lensing").hits == [] and library.search("attached intruder").hits == []


async def test_reload_by_an_admin_changes_the_library(fake_discord, library, new_listing):
    """The counterpart of the refusals above: the same reload by an admin does change it."""
    async with running(fake_discord, library, data_dir=str(new_listing)):
        [summary] = await say(fake_discord, "!reload", user="admin")
    assert summary["content"].startswith("Loaded 1 file: 1 added, 0 updated, 62 removed")
    assert library.stats()["generation"] == 2


@pytest.fixture
def outside(tmp_path):
    """A listing outside the data folder, as a symlink in the data folder could point to."""
    folder = tmp_path / "outside"
    folder.mkdir()
    write_jsonl(folder / "secret.jsonl", [arxiv_record(id="2401.66666", title="Secret outside paper")])
    return folder


@pytest.mark.parametrize("link", ["file", "folder"])
async def test_reload_refuses_links_out_of_the_data_folder(fake_discord, library, new_listing, outside, link):
    target = outside / "secret.jsonl" if link == "file" else outside
    (new_listing / "linked").symlink_to(target)
    async with running(fake_discord, library, data_dir=str(new_listing)):
        [refused] = await say(fake_discord, "!reload", user="admin")
    assert refused["content"].replace("\\", "") == (  # the path as sent, with its markdown escapes
        f"{new_listing / 'linked'}: links outside {new_listing}; put the file itself in the folder (links out of it "
        "are not read)"
    )
    assert library.stats()["generation"] == 1 and library.search("secret outside").hits == []


def test_links_inside_the_folder_are_read_and_named_links_out_refused(tmp_path, outside):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    write_jsonl(data / "sub" / "a.jsonl", [arxiv_record()])
    (data / "alias.jsonl").symlink_to(data / "sub" / "a.jsonl")
    (data / "notes.pdf").symlink_to(outside / "secret.jsonl")  # not a listing: never read, so no matter
    assert [p.relative_to(data).as_posix() for p in listing_files([data])] == ["alias.jsonl", "sub/a.jsonl"]
    (data / "sub" / "escape.txt").symlink_to(outside / "secret.jsonl")
    with pytest.raises(ParseError, match=re.escape(f"{data / 'sub' / 'escape.txt'}: links outside {data}")):
        listing_files([data])
    assert [p.name for p in listing_files([outside / "secret.jsonl"])] == ["secret.jsonl"]  # named: as it is


async def test_attachments_are_size_limited_and_never_written(fake_discord, library, new_listing, tmp_path):
    listing = json.dumps(arxiv_record(id="2401.77777", title="Attached comet survey")).encode() + b"\n"
    def files_but_the_library() -> set:
        return {p for p in tmp_path.rglob("*") if not p.relative_to(tmp_path).parts[0].startswith("papers.db")}

    before = files_but_the_library()
    async with running(fake_discord, library, data_dir=str(new_listing), max_attachment_bytes=len(listing) + 10):
        [too_big] = await say(fake_discord, "!reload", user="admin",
                              attachments=[("a.jsonl", listing), ("b.jsonl", listing)])
        assert library.stats()["generation"] == 1
        [loaded] = await say(fake_discord, "!reload", user="admin", attachments=[("comet.jsonl", listing)])
    assert too_big["content"] == (
        f"The attached listings are {2 * len(listing):,} bytes; they can be at most {len(listing) + 10:,} in all. "
        "Try `!help`."
    )
    assert "attachment/comet.jsonl (arxiv-jsonl, 1 papers)" in loaded["content"]
    assert library.search("attached comet survey").hits[0].paper.id == "2401.77777"
    # parsed in memory: no file appeared anywhere, in or out of the data folder
    assert files_but_the_library() == before
