from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from papers_bot.cli import cli
from tests.conftest import arxiv_record, write_jsonl


@pytest.fixture
def run(tmp_path):
    db = str(tmp_path / "papers.db")

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["--db", db, *args], input=input, catch_exceptions=False)

    return invoke


def test_search_json_fields(run):
    result = run("search", "seismic", "-k", "2", "--json")
    assert result.exit_code == 0
    hits = json.loads(result.output)
    assert len(hits) == 2
    assert set(hits[0]) == {"id", "title", "display_title", "authors", "year", "date", "category", "url", "code_url",
                            "score", "passage", "parts"}
    assert hits[0]["title"].startswith("Seismic Fault SAM") and hits[0]["year"] == 2024
    # Why each ranked (issue 25): its BM25 score, its cosine to the query, and the fused score it ranked by.
    parts = hits[0]["parts"]
    assert parts["lexical"] > 0 and 0 < parts["semantic"] <= 1 and parts["fused"] == hits[0]["score"]
    phrase = json.loads(run("search", '"seismic"', "-k", "1", "--json").output)[0]["parts"]
    assert phrase["semantic"] is None and phrase["fused"] is None and phrase["lexical"] > 0
    assert hits[0]["score"] > hits[1]["score"] > 0


def test_search_batch_from_stdin(run):
    result = run("search", "--json", "-", "-k", "3", input="seismic\n\nstyle transfer\n")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [r["query"] for r in lines] == ["seismic", "", "style transfer"]
    assert lines[1]["results"] == [] and len(lines[2]["results"]) == 3
    assert all(r["took_ms"] >= 0 for r in lines)


def test_ask_text_and_json(run):
    text = run("ask", "which papers adapt SAM to seismic data?").output
    assert text.startswith("Seismic Fault SAM: Adapting SAM") and "\n> " in text
    record = json.loads(run("ask", "which papers adapt SAM to seismic data?", "--json").output)
    assert record["found"] is True and record["passages"][0]["passage"]
    none = json.loads(run("ask", "quantum gravity", "--json").output)
    assert none["found"] is False and none["passages"] == []


def test_stats_paper_author(run):
    stats = json.loads(run("stats", "--json").output)
    assert stats["papers"] == 62 and stats["author_profiles"] == 1
    assert "Geom-Erasing" in run("paper", "arXiv:2310.05873").output
    missing = run("paper", "nope")
    assert missing.exit_code == 1 and "no paper has the id 'nope'" in missing.output
    assert "h-index 11" in run("author", "jinwen ma").output


def test_load_prints_a_summary_and_warnings(run, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record(), "{broken"])
    result = run("load", str(path))
    assert result.exit_code == 0
    assert "Loaded 1 file: 1 added, 0 updated, 0 removed, 0 unchanged" in result.output
    assert f"{path}:2: not an arXiv metadata record" in result.output


def test_load_bad_file_exits_non_zero_naming_it(run, tmp_path):
    run("stats")
    bad = tmp_path / "bad.txt"
    bad.write_text("not a listing\n")
    result = run("load", "--replace", str(bad))
    assert result.exit_code == 1
    assert f"Error: {bad}: not a known listing format" in result.output
    assert json.loads(run("stats", "--json").output)["papers"] == 62


@pytest.mark.parametrize(
    "contents, reason",
    [
        (b"CVJan 30, 2025\nDeep NetsAda Lovelace\n\xff\xfe\n", "3: not UTF-8 text (byte 0xff)"),
        (b'{"papers": []}\n', "1: starts like JSON but its first line is not an arXiv metadata record"),
    ],
    ids=["invalid-utf8", "json-not-records"],
)
def test_load_unreadable_file_exits_non_zero_naming_file_line_and_reason(run, tmp_path, contents, reason):
    run("stats")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(contents)
    result = run("load", "--replace", str(bad))
    assert result.exit_code == 1
    assert f"Error: {bad}:{reason}" in result.output
    assert json.loads(run("stats", "--json").output)["papers"] == 62


def test_database_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERS_BOT_DB", str(tmp_path / "env.db"))
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert json.loads(result.output)["papers"] == 62
    assert (tmp_path / "env.db").exists()


def test_database_option_after_the_command_and_from_the_configuration_file(tmp_path, monkeypatch):
    monkeypatch.delenv("PAPERS_BOT_DB", raising=False)
    listing = write_jsonl(tmp_path / "one.jsonl", [arxiv_record()])
    after = tmp_path / "after.db"
    result = CliRunner().invoke(cli, ["load", "--db", str(after), str(listing)])
    assert result.exit_code == 0, result.output
    assert json.loads(CliRunner().invoke(cli, ["stats", "--db", str(after), "--json"]).output)["papers"] == 1

    config = tmp_path / "bot.toml"
    config.write_text(f'db = "{after}"\n')
    monkeypatch.setenv("PAPERS_BOT_CONFIG", str(config))
    assert json.loads(CliRunner().invoke(cli, ["stats", "--json"]).output)["papers"] == 1  # the file's `db`
    other = tmp_path / "other.db"
    assert json.loads(CliRunner().invoke(cli, ["--db", str(other), "stats", "--json"]).output)["papers"] == 62
    monkeypatch.setenv("PAPERS_BOT_DB", str(other))  # the environment wins over the file
    assert json.loads(CliRunner().invoke(cli, ["stats", "--json"]).output)["papers"] == 62


def test_installed_command_works_in_an_empty_folder(tmp_path):
    """The newcomer's first command: a fresh folder, no database yet."""
    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    env = {k: v for k, v in os.environ.items() if k != "PAPERS_BOT_DB"}
    done = subprocess.run(
        [exe, "ask", "which papers adapt SAM to seismic data?"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Seismic Fault SAM")
    assert (tmp_path / "papers.db").exists() and (tmp_path / "papers.db.index").is_dir()


def test_chat_takes_commands_and_questions(run):
    lines = "!papers diffusion\nnext\n!paper 2310.00426\nwhich papers adapt SAM to seismic data?\n!nope\n!author\n"
    out = run("chat", input=lines).output
    assert "Papers for **diffusion** (page 1 of 3)" in out and "Papers for **diffusion** (page 2 of 3)" in out
    assert "[Previous] [Next]" in out
    assert "1. " in out and "6. " in out  # the second page, after `next`
    assert "PIXART" in out and "id 2310.00426" in out
    assert "**seismic**" in out
    assert "No command `!nope`" in out and "Missing `name`: `!author <name>`" in out


def test_run_without_a_token_points_to_chat(run, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    result = run("run")
    assert result.exit_code == 1 and "DISCORD_TOKEN is not set" in result.output and "papers-bot chat" in result.output


def test_a_broken_configuration_is_a_clean_error_and_not_read_when_db_is_given(tmp_path, monkeypatch):
    monkeypatch.delenv("PAPERS_BOT_DB", raising=False)
    monkeypatch.setenv("PAPERS_BOT_DATA", str(tmp_path / "missing"))
    given = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "stats", "--json"])
    assert given.exit_code == 0 and json.loads(given.output)["papers"] == 62
    for args in (["stats"], ["search", "seismic"], ["paper", "x"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "data folder" in result.output and "does not exist" in result.output, args


def test_a_first_load_that_stores_nothing_still_keeps_the_sample_out(run, tmp_path):
    empty = tmp_path / "nothing-yet"
    empty.mkdir()
    result = run("load", str(empty))
    assert result.exit_code == 0, result.output
    assert json.loads(run("stats", "--json").output)["papers"] == 0


def test_ask_json_lines_rank_as_the_channels_do_and_never_abort(run):
    questions = "which papers adapt SAM to seismic data?\nrelated 2999.99999\nrelated to unlearning\n"
    result = run("ask", "-", "-k", "3", input=questions)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["question"] for r in records] == questions.splitlines()
    first = records[0]
    assert set(first) == {"question", "took_ms", "relaxed", "results"} and len(first["results"]) == 3
    assert first["results"][0]["title"].startswith("Seismic Fault SAM") and "SAM" in first["results"][0]["passage"]
    assert "no paper has the id" in records[1]["error"] and records[1]["results"] == []
    assert "Unlearning" in records[2]["results"][0]["title"]
    batch = run("search", "-", input="related 2999.99999\ngan\n")
    assert batch.exit_code == 0 and "error" in json.loads(batch.output.splitlines()[0])
    assert json.loads(batch.output.splitlines()[1])["results"]


@pytest.mark.parametrize(
    "args, encoding, says",
    [
        (["stats"], "latin-1", "62 papers"),  # an en dash in the year span, on a Latin-1 terminal
        (["search", "pixart", "-k", "1"], "latin-1", "1. PIXART-?"),
        (["search", "-ultrasound seismic", "-k", "1"], "utf-8", "Seismic Fault SAM"),  # text, not an option
        (["ask", '-"x y" seismic SAM'], "utf-8", "Seismic Fault SAM"),
    ],
)
def test_the_command_never_trips_on_terminals_or_leading_dashes(tmp_path, args, encoding, says):
    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    env = {**{k: v for k, v in os.environ.items() if k != "PAPERS_BOT_DB"}, "PYTHONIOENCODING": encoding}
    done = subprocess.run([exe, *args], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert says in done.stdout.decode(encoding)


def test_undecodable_bytes_in_an_argument_are_a_clean_error(tmp_path):
    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    env = {k: v for k, v in os.environ.items() if k != "PAPERS_BOT_DB"}
    for command in ("paper", "author"):
        done = subprocess.run([exe.encode(), command.encode(), b"\xed\xa0\x80"], cwd=tmp_path, env=env,
                              capture_output=True, timeout=60)
        assert done.returncode == 1 and done.stderr.startswith(b"Error: no "), done.stderr


def test_a_reader_that_goes_away_does_not_turn_a_done_load_into_a_failure(tmp_path):
    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    listing = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id=f"2404.{i:05d}") for i in range(3)])
    done = subprocess.run(
        ["bash", "-c", f'"{exe}" --db "{tmp_path / "p.db"}" load "{listing}" | head -c 0; echo "${{PIPESTATUS[0]}}"'],
        capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.strip() == "0", done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    stats = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "stats", "--json"])
    assert json.loads(stats.output)["papers"] == 3


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_a_database_path_that_cannot_be_a_file_is_a_clear_error(tmp_path, where):
    db = str(tmp_path) if where == "folder" else str(tmp_path / "no" / "such" / "p.db")
    result = CliRunner().invoke(cli, ["--db", db, "search", "x"])
    assert result.exit_code == 1 and "cannot open the database" in result.output


@pytest.mark.parametrize("columns", [20, 50, 120])
def test_the_progress_bar_fits_the_terminal(tmp_path, columns):
    """Issue 12 item 24: the bar was drawn about 62 columns wide on a 20-column terminal."""
    import pty

    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    listing = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id=f"2404.{i:05d}") for i in range(3000)])
    env = {k: v for k, v in os.environ.items() if k != "PAPERS_BOT_DB"} | {"COLUMNS": str(columns)}
    leader, follower = pty.openpty()
    done = subprocess.run([exe, "--db", str(tmp_path / "p.db"), "load", str(listing)], stdin=follower,
                          stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # (the terminal closed: all read)
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert done.returncode == 0 and b"100%" in drawn
    visible = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn.decode())  # (escape codes take no columns)
    lines = [line for line in visible.replace("\r", "\n").split("\n") if "%" in line]
    assert lines and max(len(line.rstrip()) for line in lines) <= columns, lines


def test_invite_link_asks_for_exactly_the_permissions_the_bot_needs(monkeypatch):
    import base64

    import discord

    from papers_bot.bot.permissions import NEEDED

    for name in ("DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "PAPERS_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["invite", "--application-id", "1234567890123456789"])
    assert result.exit_code == 0, result.output
    expected = discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                                   create_public_threads=True, embed_links=True, read_message_history=True,
                                   attach_files=True).value
    url = result.output.splitlines()[0]
    assert url == ("https://discord.com/oauth2/authorize?client_id=1234567890123456789"
                   f"&scope=bot+applications.commands&permissions={expected}")
    assert all(f"{name}: to " in result.output for _, name, _ in NEEDED)
    # The token's first part is the application id: no id to configure when the token is set.
    token = base64.b64encode(b"987654321098765432").decode().rstrip("=") + ".GxYz.secret-part"
    monkeypatch.setenv("DISCORD_TOKEN", token)
    from_token = CliRunner().invoke(cli, ["invite"])
    assert "client_id=987654321098765432&" in from_token.output and token not in from_token.output
    monkeypatch.delenv("DISCORD_TOKEN")
    missing = CliRunner().invoke(cli, ["invite"])
    assert missing.exit_code == 1 and "Application ID" in missing.output


def test_config_check_prints_every_setting_without_the_token(tmp_path, monkeypatch):
    from papers_bot.config import SETTINGS

    path = tmp_path / "bot.toml"
    path.write_text('db = "papers.db"\nanswer_channels = ["Paper Club/papers"]\n')
    monkeypatch.setenv("DISCORD_TOKEN", "the-secret-token")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "the-secret-token" not in result.output and "token = [set, not shown]  (from DISCORD_TOKEN" in result.output
    assert all(f"  {key} = " in result.output for key, _ in SETTINGS)
    assert f"db = {str(tmp_path / 'papers.db')!r}  (from {path}" in result.output
    path.write_text('cooldown = "often"\n')
    bad = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert bad.exit_code == 1 and f"{path}:1: cooldown must look like USES/SECONDS" in bad.output


def test_paper_and_author_json_say_only_what_was_read(run):
    paper = json.loads(run("paper", "seismic-fault-sam-b554c8", "--json").output)
    assert paper["sources"] and "listed_by" not in paper and paper["has_code"] is True
    author = json.loads(run("author", "Jinwen Ma", "--json").output)
    assert author["total"] == 30 and author["profile"]["citations"] == 2072
    assert all("sources" not in p and "listed_by" not in p for p in author["papers"])


def test_health_exits_by_the_heartbeat(tmp_path, monkeypatch):
    import time

    from papers_bot.bot.client import write_health

    path = tmp_path / "health.json"
    monkeypatch.delenv("PAPERS_BOT_CONFIG", raising=False)
    monkeypatch.setenv("PAPERS_BOT_HEALTH_FILE", str(path))
    write_health(str(path), {"time": time.time(), "connected": True, "library": "ok"})
    assert CliRunner().invoke(cli, ["health"]).exit_code == 0
    write_health(str(path), {"time": time.time() - 300, "connected": True, "library": "ok"})
    stale = CliRunner().invoke(cli, ["health"])
    assert stale.exit_code == 1 and "the last heartbeat is 300 s old" in stale.output
    monkeypatch.delenv("PAPERS_BOT_HEALTH_FILE")
    assert "no health_file is configured" in CliRunner().invoke(cli, ["health"]).output


def test_config_check_lists_every_problem_at_once_with_its_key_and_where(tmp_path, monkeypatch):
    """Issue 23: `config check` stopped at the first error; an unknown key hid five bad values."""
    for name in ("DISCORD_TOKEN", "PAPERS_BOT_DB", "PAPERS_BOT_COOLDOWN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERS_BOT_HARVEST_DELAY", "inf")
    path = tmp_path / "bot.toml"
    path.write_text('tokn = "x"\ncooldown = "5/inf"\nmax_attachment_bytes = -1\noai_url = "http://"\n'
                    'harvest_sets = ["cs.XX"]\ndb = "no/such/folder/papers.db"\n')
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert [e.split(": ")[1:3] for e in errors] == [
        [f"{path}:1", "unknown key tokn; did you mean token?"],
        [f"{path}:2", "cooldown must look like USES/SECONDS, e.g. 5/30"],
        [f"{path}:3", "max_attachment_bytes must be a whole number from 0 to 1,073,741,824, not -1"],
        [f"{path}:4", "oai_url must be a URL (http/https) with a host, not 'http://'"],
        [f"{path}:6", f"db is {tmp_path}/no/such/folder/papers.db, in {tmp_path}/no/such/folder, a folder that "
                      "does not exist (create it, or fix the path)"],
        ["environment variable PAPERS_BOT_HARVEST_DELAY", "harvest_delay must be seconds from 0 to 3600, not 'inf'"],
        [f"{path}:5", "harvest_sets names what arXiv does not have"],
    ]
    assert "Error: 7 problems: the configuration is not valid" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("PAPERS_BOT_CONFIG", str(path))
    stats = CliRunner().invoke(cli, ["stats"])  # (`run`, `search`... read the configuration the same way)
    assert stats.exit_code == 1 and "Error: 7 problems in the configuration:\n  " in stats.output
    assert f"{path}:3: max_attachment_bytes" in stats.output and "Traceback" not in stats.output


def test_config_check_and_invite_never_show_a_password_or_a_misplaced_token(tmp_path, monkeypatch):
    token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    for name in ("DISCORD_TOKEN", "PAPERS_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERS_BOT_DB", str(tmp_path / "papers.db"))
    monkeypatch.setenv("PAPERS_BOT_OAI_URL", "http://harvester:s3cret-pass@127.0.0.1:8123/oai")
    monkeypatch.setenv("DISCORD_API_BASE", "http://proxy-user:proxy-pass@127.0.0.1:9000/api/v10")
    shown = CliRunner().invoke(cli, ["config", "check"])
    assert shown.exit_code == 0, shown.output
    assert "oai_url = 'http://***@127.0.0.1:8123/oai'" in shown.output
    assert "api_base = 'http://***@127.0.0.1:9000/api/v10'" in shown.output
    assert "s3cret-pass" not in shown.output and "proxy-pass" not in shown.output
    monkeypatch.setenv("PAPERS_BOT_OAI_URL", "http://harvester:s3cret-pass@")
    assert "s3cret-pass" not in CliRunner().invoke(cli, ["config", "check"]).output

    monkeypatch.delenv("PAPERS_BOT_OAI_URL")
    monkeypatch.setenv("DISCORD_APPLICATION_ID", token)
    for args in (["config", "check"], ["invite"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "DISCORD_APPLICATION_ID: application_id must be a Discord id" in result.output
        assert token[:24] not in result.output and token[-27:] not in result.output, args
    monkeypatch.delenv("DISCORD_APPLICATION_ID")
    given = CliRunner().invoke(cli, ["invite", "--application-id", token])
    assert given.exit_code == 2 and "Invalid value for '--application-id': must be a Discord id" in given.output
    assert token[:24] not in given.output and token[-27:] not in given.output


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, lambda: SystemExit(143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_once_the_load_committed_reports_it_done(run, tmp_path, monkeypatch, interrupt):
    """Issue 23: Ctrl-C the moment a load had committed printed `Aborted!` and exit 1, the papers loaded."""
    from papers_bot.store import db as store

    first = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id="2404.00001")])
    assert run("load", str(first)).exit_code == 0

    def interrupted(*_args, **_kwargs):
        raise interrupt()

    listing = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id=f"2404.{i:05d}") for i in range(2, 5)])
    monkeypatch.setattr(store, "_write_profiles", interrupted)  # (inside the load's transaction: undone)
    before = run("load", str(listing))
    assert before.exit_code in (1, 143) and "committed" not in before.output
    monkeypatch.undo()
    assert json.loads(run("stats", "--json").output)["papers"] == 1

    monkeypatch.setattr(store, "checkpoint", interrupted)  # (just after the store's commit)
    after = run("load", str(listing))
    assert after.exit_code == 0, after.output
    assert "Interrupted after the load committed: its papers are in the library" in after.output
    monkeypatch.undo()
    assert json.loads(run("stats", "--json").output)["papers"] == 4


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_database_damaged_under_a_running_search_is_a_clear_error(tmp_path, damage):
    """Issue 23: `search --json -` whose database was truncated or overwritten under it: a DatabaseError traceback."""
    exe = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")
    db = tmp_path / "papers.db"
    env = {k: v for k, v in os.environ.items() if k not in ("PAPERS_BOT_DB", "PAPERS_BOT_CONFIG")}
    searching = subprocess.Popen([exe, "--db", str(db), "search", "--json", "-", "-k", "1"], env=env, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert searching.stdin is not None and searching.stdout is not None
    searching.stdin.write("seismic\n")
    searching.stdin.flush()
    assert json.loads(searching.stdout.readline())["results"]  # (the library is open and answering)
    if damage == "truncated":
        db.write_bytes(b"")
    else:
        with db.open("r+b") as f:  # (every page: one the library has cached does not say the file changed)
            f.write(b"not a database\n" * (db.stat().st_size // 15 + 1))
    _, err = searching.communicate("diffusion\ngan\n", timeout=60)
    assert searching.returncode == 1, err
    assert err.startswith(f"Error: {db}: the database was truncated, overwritten or damaged while this command "
                          "used it"), err
    assert "Restore it from a backup" in err and "Traceback" not in err


def test_harvest_checks_the_sets_and_feeds_it_is_given_as_the_settings_are(tmp_path, monkeypatch):
    for name in ("PAPERS_BOT_CONFIG", "PAPERS_BOT_OAI_URL", "PAPERS_BOT_RSS_URL"):
        monkeypatch.delenv(name, raising=False)
    db = str(tmp_path / "p.db")
    result = CliRunner().invoke(cli, ["--db", db, "harvest", "--status", "--set", "cs.XX", "--feed", "cs.YY"])
    assert result.exit_code == 1, result.output
    assert "--set: harvest_sets names what arXiv does not have: cs.XX" in result.output
    assert "--feed: harvest_feeds names what arXiv does not have: cs.YY" in result.output
    fine = CliRunner().invoke(cli, ["--db", db, "harvest", "--status", "--set", "cs.CV"])
    assert fine.exit_code == 0 and "cs:cs:CV" in fine.output, fine.output


def test_ask_json_says_how_it_read_a_question_with_typos_and_keeps_what_was_typed(run):
    typed = "waht is teh best papr on seismic falut detection"
    record = json.loads(run("ask", "--json", typed).output)
    assert (record["question"], record["read_as"]) == (typed, "what is the best paper on seismic fault detection")
    assert record["passages"][0]["title"].startswith("Seismic Fault SAM")
