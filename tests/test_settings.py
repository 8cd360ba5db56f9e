"""Per-server settings (issue 27, item 1): /settings and !settings against the fake Discord, two servers in it;
kept in the library's database across restarts, loads and a read-only disk; gone 30 days after the bot leaves."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from click.testing import CliRunner

from papers_bot.bot.client import SLOW_DOWN, PapersBot
from papers_bot.bot.cogs.settings import NotSettingsAdmin
from papers_bot.bot.doctor import check
from papers_bot.cli import cli
from papers_bot.config import Config, ConfigError
from papers_bot.format import DISCORD
from papers_bot.library import Library
from papers_bot.store import state
from papers_bot.store.parse import sample_folder
from papers_bot.testing.fakediscord import FakeDiscord, run_client, serving
from tests.test_bot import fake_discord_environment, nothing_unexpected  # noqa: F401 (every test)
from tests.test_filesystem import _can_unshare, read_only
from tests.test_gateway import until

DAY = 86400.0
OTHER = "Reading Group"  # the fake's second server: every user a plain member there, the owner owns it
REFUSED = NotSettingsAdmin.__doc__


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """The fake Discord with a second server in it."""
    async with serving(servers=(OTHER,)) as fake:
        yield fake


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, library: Library, *, clock: Callable[[], float] = time.time,
                  **settings: Any) -> AsyncIterator[PapersBot]:
    config = Config.from_values({"answer_channels": ["Paper Club/papers"], "cooldown": "100/60", **settings})
    bot = PapersBot(library, config, clock=clock, guild_ready_timeout=0.1)
    async with run_client(bot, fake):
        yield bot


async def reply(fake: FakeDiscord, text: str, *, user: str = "admin", channel: str = "general") -> str:
    """What the bot answers `user` saying `text`."""
    message = await fake.send_message(channel, user, text)
    return str((await fake.wait_for_answer(int(message["id"])))["content"])


async def slash(fake: FakeDiscord, sub: str, *, user: str = "admin", channel: str = "general", **options: Any) -> str:
    """What the bot answers `/settings <sub>` with these options (`for_channel`: the channel option)."""
    typed = [{"name": "channel" if k == "for_channel" else k, "type": 7 if k == "for_channel" else 3, "value": v}
             for k, v in options.items()]
    payload = await fake.slash("settings", [{"name": sub, "type": 1, "options": typed}], user=user, channel=channel)
    return str((await fake.wait_for_answer(int(payload["id"])))["content"])


def stored(library: Library) -> dict[tuple[str, str, str], str]:
    return {(s.guild_id, s.setting, s.channel_id): s.value for s in library.guild_settings()}


async def test_an_admin_changes_the_prefix_at_once_a_member_is_refused_and_the_other_server_keeps_its_own(
        fake_discord, library):
    async with running(fake_discord, library):
        assert await reply(fake_discord, "!settings set prefix ?", user="member") == REFUSED
        assert stored(library) == {}
        said = await reply(fake_discord, "!settings set prefix ?")
        assert said == "`prefix` is now `?` in this server (it was the default). Commands start with `?` now."
        assert "`?papers <words>`" in await reply(fake_discord, "?help")  # (at once, and said as this server writes it)
        assert "`!papers <words>`" in await reply(fake_discord, "!help", channel=f"{OTHER}/general")
        # In the other server the admin is a plain member: refused there; its owner may.
        assert await reply(fake_discord, "!settings set prefix $", channel=f"{OTHER}/general") == REFUSED
        said = await reply(fake_discord, "!settings set prefix $", user="owner", channel=f"{OTHER}/general")
        assert said.startswith("`prefix` is now `$`")
    paper_club, other = (str(g) for g in fake_discord.guild_names)
    assert stored(library) == {(paper_club, "prefix", ""): "?", (other, "prefix", ""): "$"}
    [change] = library.setting_changes(paper_club)
    assert (change.old, change.new, change.changed_by) == (None, "?", fake_discord.users["admin"]["id"])


async def test_settings_are_kept_across_a_restart_and_differ_by_server(fake_discord, library):
    async with running(fake_discord, library):
        general = fake_discord.channels[f"{OTHER}/general"]  # (as Discord sends a #channel typed in a message)
        said = await reply(fake_discord, f"!settings set answer_channels <#{general}>", user="owner",
                           channel=f"{OTHER}/general")
        assert said.startswith(f"`answer_channels` is now `{fake_discord.channels[f'{OTHER}/general']}`")
    async with running(fake_discord, library):  # (a second bot on the same library)
        asked = await fake_discord.send_message(f"{OTHER}/general", "member", "which papers adapt SAM to seismic data?")
        assert "Seismic" in str(await fake_discord.wait_for_answer(int(asked["id"])))
        shown = await reply(fake_discord, "!settings", user="owner", channel=f"{OTHER}/general")
        here = await reply(fake_discord, "!settings", user="owner")
        # (Paper Club's #general is not an answer channel: its question gets no answer, checked after the rest)
        unasked = await fake_discord.send_message("general", "member", "which papers adapt SAM to seismic data?")
        assert "Seismic" in str(await reply(fake_discord, "which papers adapt SAM to seismic data?", user="member",
                                            channel="papers"))
    assert f"`answer_channels` = <#{fake_discord.channels[f'{OTHER}/general']}> (this server's)" in shown
    assert "`answer_channels` = Paper Club/papers (the default)" in here
    assert int(unasked["id"]) not in fake_discord.answers


async def test_slash_settings_set_show_log_reset_with_autocomplete_and_the_cooldown_at_once(fake_discord, library):
    async with running(fake_discord, library):
        choices = await fake_discord.autocomplete("settings", {"name": "cool"}, focused="name", subcommand="set",
                                          user="admin")
        assert [c["value"] for c in choices] == ["cooldown"]
        assert (await slash(fake_discord, "set", name="cooldown", value="1/60")).startswith("`cooldown` is now `1/60`")
        await reply(fake_discord, "!papers seismic", user="member")
        second = await fake_discord.send_message("general", "member", "!papers seismic")
        for _ in range(500):  # (held back quietly: an ⏳ on the message, at 1 per 60 s)
            if (int(second["id"]), SLOW_DOWN) in fake_discord.reactions:
                break
            await asyncio.sleep(0.02)
        assert (int(second["id"]), SLOW_DOWN) in fake_discord.reactions
        shown = await slash(fake_discord, "show")
        log = await slash(fake_discord, "log")
        assert await slash(fake_discord, "set", user="member", name="cooldown", value="100/1") == REFUSED
        assert (await slash(fake_discord, "reset", name="cooldown")).startswith("`cooldown` is back to the default")
        assert not (await reply(fake_discord, "!papers seismic", user="member")).startswith("Slow down")
        assert await slash(fake_discord, "reset") == "Every setting was the default already: nothing changed."
    assert "`cooldown` = 1/60 (this server's)" in shown and "`prefix` = `!` (the default)" in shown
    assert f"<@{fake_discord.users['admin']['id']}> set to `1/60`: `cooldown`" in log
    changes = library.setting_changes(str(fake_discord.guild_id))
    assert [(c.old, c.new) for c in changes] == [("1/60", None), (None, "1/60")]


async def test_invalid_values_are_refused_with_the_configuration_files_message(fake_discord, library):
    async with running(fake_discord, library):
        for name, value in [("cooldown", "fast"), ("answer_threads", "maybe"), ("cooldown", "5/0")]:
            with pytest.raises(ConfigError) as by_file:
                Config.from_values({name: value})
            said = await reply(fake_discord, f"!settings set {name} {value}")
            assert said == f"Not changed: {DISCORD.text(str(by_file.value))}"
        said = await reply(fake_discord, "!settings set colour blue")
        assert said.startswith("There is no server setting `colour`.")
        assert "Did you mean `cooldown`?" in await reply(fake_discord, "!settings set cooldwn 5/30")
        papers = str(fake_discord.channels["papers"])
        assert (await slash(fake_discord, "set", name="prefix", value="?", for_channel=papers)).startswith(
            "`prefix` is for the whole server, not one channel")
    assert stored(library) == {}


async def test_answer_every_message_for_one_channel_and_no_answer_threads(fake_discord, library):
    async with running(fake_discord, library):
        chat = await fake_discord.send_message("papers", "member", "lunch was good today")  # (chat: not answered)
        papers = fake_discord.channels["papers"]
        assert (await reply(fake_discord, f"!settings set answer_every_message true <#{papers}>")).startswith(
            f"`answer_every_message` in <#{fake_discord.channels['papers']}> is now `true`")
        await slash(fake_discord, "set", name="answer_threads", value="false")
        general = str(fake_discord.channels["general"])
        said = await slash(fake_discord, "set", name="answer_every_message", value="false", for_channel=general)
        assert said.startswith(f"`answer_every_message` in <#{general}> is now `false`")
        answered = await reply(fake_discord, "lunch was good today", user="member", channel="papers")
        shown = await reply(fake_discord, "!settings")
    assert int(chat["id"]) not in fake_discord.answers and answered
    assert fake_discord.threads == {}  # (no thread opened on the answer)
    assert f"in <#{fake_discord.channels['papers']}>: true (this server's)" in shown
    assert f"in <#{fake_discord.channels['general']}>: false (this server's)" in shown
    assert "`answer_every_message` = false" in shown and "`answer_threads` = false (this server's)" in shown


async def test_a_servers_settings_go_30_days_after_the_bot_leaves_it(fake_discord, library):
    now = [1_000_000.0]
    async with running(fake_discord, library, clock=lambda: now[0]) as bot:
        await reply(fake_discord, "!settings set prefix ?")
        await reply(fake_discord, "!settings set prefix $", user="owner", channel=f"{OTHER}/general")
        paper_club, other = (str(g) for g in fake_discord.guild_names)
        await fake_discord.remove_bot(OTHER)
        await until(lambda: "Reading Group" not in {g.name for g in bot.guilds}, "the bot hears it was removed")
        # (and notes when: its listener writes in a worker thread, before the clock moves on)
        await until(lambda: library._read(lambda db, _: db.conn.execute(
            "SELECT guild_id FROM guild_departures").fetchall()) == [(other,)], "the removal is noted")
        now[0] += 29 * DAY
        cog: Any = bot.get_cog("Settings")  # (a class of its own: load_extension imports the module afresh)
        await cog.note_servers()  # (the daily look)
        assert set(stored(library)) == {(paper_club, "prefix", ""), (other, "prefix", "")}
    now[0] += 2 * DAY
    async with running(fake_discord, library, clock=lambda: now[0]):  # (started again: looked at once ready)
        await until(lambda: set(stored(library)) == {(paper_club, "prefix", "")}, "the left server's go")
    assert library.setting_changes(other) == [] and len(library.setting_changes(paper_club)) == 1


def test_load_replace_keeps_the_settings(library, tmp_path):
    library.set_guild_setting("1", "prefix", "?", by="2")
    library.set_guild_setting("1", "answer_every_message", "true", by="2", channel_id="3")
    before = library.guild_settings()
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", str(library.db_path), "load", "--replace", str(sample_folder())])
    assert done.exit_code == 0, done.output
    assert library.guild_settings() == before


def test_guilds_present_leaves_other_shards_servers_alone_and_the_log_is_capped(library, monkeypatch):
    monkeypatch.setattr(state, "LOG_KEPT", 3)
    for n in range(5):
        library.set_guild_setting("10", "prefix", f"p{n}", by="2")
    library.set_guild_setting("11", "prefix", "?", by="2")
    assert [c.new for c in library.setting_changes("10")] == ["p4", "p3", "p2"]
    # This process sees only server 10's shard: 11 is not noted as left, however long it is unseen.
    assert library.guilds_present([], 0.0, ours=lambda g: g == "10") == []
    assert library.guilds_present([], 31 * DAY, ours=lambda g: g == "10") == ["10"]
    assert {s.guild_id for s in library.guild_settings()} == {"11"}


async def test_config_check_and_doctor_show_each_servers_own_settings(fake_discord, library, tmp_path):
    library.set_guild_setting(str(fake_discord.guild_id), "prefix", "?", by="42")
    library.set_guild_setting(str(fake_discord.guild_id), "cooldown", "soon", by="42")  # (as if the parser had changed)
    config_file = tmp_path / "bot.toml"
    config_file.write_text(f'db = "{library.db_path}"\n')
    done = CliRunner().invoke(cli, ["config", "check", str(config_file)], env={"PAPERS_BOT_CONFIG": ""})
    assert done.exit_code == 0, done.output
    assert f"  server {fake_discord.guild_id}: prefix = '?' (set by 42 at " in done.output
    assert "cooldown = 'soon'" in done.output and "[not used: cooldown must look like USES/SECONDS" in done.output
    config = Config.from_values({"db": str(library.db_path), "token": fake_discord.token})
    lines = [finding.line() for finding in await check(config)]
    assert any(line.startswith("ok     its own setting prefix = '?' (set by 42") for line in lines)
    assert any(line.startswith("FIX    its own setting cooldown = 'soon'") for line in lines)


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare -rm` to make a read-only disk")
async def test_a_read_only_library_goes_by_its_settings_and_refuses_a_change(fake_discord, tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    library = Library(folder / "p.db")
    library.set_guild_setting(str(fake_discord.guild_id), "prefix", "?", by="42")
    library.close()
    env = {**fake_discord_environment(fake_discord), "PAPERS_BOT_DB": str(folder / "p.db"),
           "PAPERS_BOT_OWNER_IDS": fake_discord.users["owner"]["id"],
           "PB": os.path.join(os.path.dirname(sys.executable), "papers-bot")}
    proc = await asyncio.create_subprocess_exec(
        "unshare", "-rm", "bash", "-c", read_only(folder) + 'exec "$PB" run', env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    said = ""
    try:
        await asyncio.wait_for(fake_discord.identified.wait(), 30)
        for _ in range(100):  # (ready once the servers have arrived: then the command is answered)
            message = await fake_discord.send_message("general", "owner", "?settings set prefix !")
            with contextlib.suppress(AssertionError):
                said = str((await fake_discord.wait_for_answer(int(message["id"]), timeout=0.3))["content"])
                break
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert "is read-only (this process cannot write it or its folder): nothing can be changed in it" in said, (
        out.decode()[-2000:])
    assert proc.returncode == 0


def test_a_quoted_value_keeps_its_spaces_as_the_file_does():
    from papers_bot.settings import checked, normalized

    assert normalized('"pb "') == "pb " and normalized("  pb ") == "pb" and normalized("<#123>") == "123"
    assert checked("prefix", '"pb "') == "pb "

