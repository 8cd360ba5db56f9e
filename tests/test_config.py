from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from papers_bot.config import SETTINGS, Config, ConfigError


def test_environment_settings(tmp_path):
    config = Config.load(
        {
            "DISCORD_TOKEN": "secret-token",
            "PAPERS_BOT_PREFIX": "?",
            "PAPERS_BOT_DATA": str(tmp_path),
            "PAPERS_BOT_ANSWER_CHANNELS": "papers, #ask-here 123",
            "PAPERS_BOT_ADMIN_ROLE": "paper-admins",
            "PAPERS_BOT_OWNER_IDS": "1,2",
            "PAPERS_BOT_COOLDOWN": "3/10",
        }
    )
    assert (config.prefix, config.data_dir, config.admin_role) == ("?", tmp_path, "paper-admins")
    assert config.answer_channels == {"papers", "ask-here", "123"}
    assert config.owner_ids == {1, 2} and (config.cooldown_uses, config.cooldown_seconds) == (3, 10.0)
    assert "secret-token" not in repr(config)


def test_toml_file_with_environment_winning(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text('prefix = "$"\nanswer_channels = ["papers"]\ncooldown = "2/5"\n')
    config = Config.load({"PAPERS_BOT_CONFIG": str(path), "PAPERS_BOT_PREFIX": "!"})
    assert (config.prefix, config.answer_channels, config.cooldown_uses) == ("!", {"papers"}, 2)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PAPERS_BOT_DATA": "/no/such/folder"}, "does not exist"),
        ({"PAPERS_BOT_COOLDOWN": "fast"}, "USES/SECONDS"),
        ({"PAPERS_BOT_OWNER_IDS": "me"}, "PAPERS_BOT_OWNER_IDS: owner_ids must be a Discord id"),
        ({"PAPERS_BOT_CONFIG": "/no/such.toml"}, "cannot read"),
    ],
)
def test_bad_settings_say_what_is_wrong(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.load(env)


ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "papers-bot.example.toml"


def test_paths_in_a_file_are_relative_to_the_file_and_from_the_environment_to_the_working_directory(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "data").mkdir()
    (tmp_path / "etc" / "library").mkdir()
    path = tmp_path / "etc" / "bot.toml"
    path.write_text('db = "library/papers.db"\ndata_dir = "data"\n')
    config = Config.load({"PAPERS_BOT_CONFIG": str(path)})
    assert Path(config.db) == tmp_path / "etc" / "library" / "papers.db"
    assert config.data_dir == tmp_path / "etc" / "data"
    assert config.origins["db"] == str(path)
    assert Config.load({"PAPERS_BOT_CONFIG": str(path), "PAPERS_BOT_DB": "here.db"}).db == "here.db"


def test_a_wrong_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text('prefix = "!"\ntokn = "x"\n')
    with pytest.raises(ConfigError, match=rf"{path}:2: unknown key tokn; did you mean token\?"):
        Config.load({}, file=path)
    path.write_text("cooldown = 5\n")
    with pytest.raises(ConfigError, match=rf"{path}:1: cooldown must look like USES/SECONDS"):
        Config.load({}, file=path)


def test_answer_channels_can_name_one_servers_channel():
    config = Config.load({"PAPERS_BOT_ANSWER_CHANNELS": "Paper Club/#papers, 123456789012345678 general #ask"})
    assert config.answer_channels == {"Paper Club/papers", "123456789012345678", "general", "ask"}
    assert Config.from_values({"answer_channels": ["Paper Club/papers", "#ask"]}).answer_channels == {
        "Paper Club/papers", "ask"}
    assert any("general" in w and "server/channel" in w for w in config.warnings())


def test_the_example_file_documents_every_setting_and_is_valid():
    text = EXAMPLE.read_text()
    for key, variable in SETTINGS:
        assert re.search(rf"^#? ?{key} = ", text, re.M), f"{key} is not in {EXAMPLE.name}"
        assert variable in text, f"{variable} is not in {EXAMPLE.name}"
    config = Config.load({}, file=EXAMPLE)
    assert Path(config.db) == ROOT / "papers.db" and config.token is None
    assert set(config.origins) < {key for key, _ in SETTINGS}


def test_a_token_in_a_file_others_can_read_is_warned_about(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text('token = "secret-token"\ndb = "/srv/papers.db"\n')
    path.chmod(0o644)
    config = Config.load({}, file=path)
    assert [w for w in config.warnings() if "chmod 600" in w]
    assert "secret-token" not in "\n".join(config.describe() + config.warnings())
    path.chmod(0o600)
    assert Config.load({}, file=path).warnings() == []


def test_every_problem_is_reported_at_once_with_its_file_line_or_variable(tmp_path):
    """Issue 23: an unknown key hid five bad values; the environment's errors did not name the variable."""
    path = tmp_path / "bot.toml"
    path.write_text('prefix = "!"\ntokn = "x"\ncooldown = "5/nan"\nmax_attachment_bytes = -1\n'
                    'oai_url = "http://"\nharvest_delay = [1]\nharvest_contact = "me\\r\\nX-Evil: 1"\n')
    env = {"PAPERS_BOT_CONFIG": str(path), "PAPERS_BOT_COOLDOWN": "0/30", "PAPERS_BOT_LOG_LEVEL": "LOUD"}
    with pytest.raises(ConfigError) as raised:
        Config.load(env)
    assert raised.value.problems == [
        f"{path}:2: unknown key tokn; did you mean token?",
        f"{path}:3: cooldown must look like USES/SECONDS, e.g. 5/30: USES from 1 to 1000, SECONDS above 0 and at "
        "most 86400; not '5/nan'",
        f"{path}:4: max_attachment_bytes must be a whole number from 0 to 1,073,741,824, not -1",
        f"{path}:5: oai_url must be a URL (http/https) with a host, not 'http://'",
        f"{path}:6: harvest_delay must be seconds from 0 to 3600, not [1]",
        f"{path}:7: harvest_contact has a control character (a line break, a tab...) in it: 'me\\r\\nX-Evil: 1'",
        "environment variable PAPERS_BOT_COOLDOWN: cooldown must look like USES/SECONDS, e.g. 5/30: USES from 1 "
        "to 1000, SECONDS above 0 and at most 86400; not '0/30'",
        "environment variable PAPERS_BOT_LOG_LEVEL: log_level must be one of DEBUG, INFO, WARNING, ERROR, not "
        "'LOUD'",
    ]
    assert str(raised.value).startswith("8 problems in the configuration:\n  ")


@pytest.mark.parametrize(
    "key, value, says",
    [
        ("cooldown", "5/nan", "USES/SECONDS"),  # (from the sixth request: OverflowError, no reply)
        ("cooldown", "5/inf", "USES/SECONDS"),
        ("cooldown", "0/30", "USES/SECONDS"),
        ("cooldown", "-1/30", "USES/SECONDS"),
        ("cooldown", "5/0", "USES/SECONDS"),
        ("max_attachment_bytes", -1, "whole number from 0"),
        ("unhealthy_exit", -1, "seconds from 0 to 86400"),
        ("unhealthy_exit", "nan", "seconds from 0 to 86400"),
        ("error_channel", "#errors", "must be a Discord id"),
        ("max_attachment_bytes", "lots", "whole number from 0"),
        ("oai_url", "http://", ") with a host"),
        ("rss_url", "ftp://rss.arxiv.org/rss", "URL (http/https)"),
        ("api_base", "127.0.0.1:8080/api", ") with a host"),
        ("gateway_url", "ws://[::1", ") with a host"),
        ("harvest_delay", [1], "seconds from 0 to 3600"),
        ("harvest_delay", True, "seconds from 0 to 3600"),
        ("harvest_delay", "nan", "seconds from 0 to 3600"),
        ("harvest_contact", "me@example.org\r\nX-Evil: 1", "control character"),
        ("prefix", "\t", "control character"),
        ("prefix", "  ", "cannot be empty"),
        ("prefix", "!" * 21, "is at most 20 characters, not 21"),
        ("admin_role", ["a"], "must be text"),
        ("answer_channels", ["papers\n"], "control character"),
        ("harvest_times", "25:00", "UTC times of day"),
        ("harvest_sets", ["cs.XX"], "arXiv does not have: cs.XX (see"),
        ("harvest_sets", ["physics:astro-ph:XX", "cs:math:AG", "hep-xx"], "astro-ph.XX, cs:math:AG, hep-xx (see"),
        ("harvest_times", "03:00:00.5", "kept to the second: write 03:00:00, not 03:00:00.500000"),
        ("harvest_sets", ["cs/CV"], "not an OAI-PMH set name"),
        ("harvest_feeds", ["cs.XX"], "arXiv does not have: cs.XX"),
        ("announce_revisions", "maybe", "true or false"),
    ],
)
def test_values_that_would_break_the_bot_later_are_refused_now(key, value, says):
    with pytest.raises(ConfigError, match=re.escape(says)) as raised:
        Config.from_values({key: value})
    assert raised.value.problems[0].startswith(f"{key} ")


@pytest.mark.parametrize("name", ["DISCORD_TOKEN", "DISCORD_APPLICATION_ID"])
def test_a_token_or_a_token_in_the_wrong_place_is_never_echoed(name):
    token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    with pytest.raises(ConfigError) as raised:
        Config.load({name: token if name == "DISCORD_APPLICATION_ID" else token[:20] + "\n" + token[20:]})
    message = str(raised.value)
    assert message.startswith(f"environment variable {name}: ") and "not shown" in message
    assert token[:20] not in message and token[20:] not in message
    for snowflake in ("123456789012345678", 123456789012345678, "18446744073709551615"):
        assert Config.from_values({"application_id": snowflake}).application_id == int(snowflake)
    for wrong in ("1" * 21, "18446744073709551616", "0", "-5", True):
        with pytest.raises(ConfigError, match="up to 20 digits"):
            Config.from_values({"application_id": wrong})


def test_a_database_in_a_folder_that_is_not_there_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=f"db is {tmp_path}/nope/papers.db, in {tmp_path}/nope, a folder that"):
        Config.load({"PAPERS_BOT_DB": str(tmp_path / "nope" / "papers.db")})
    with pytest.raises(ConfigError, match="a folder: name a file"):
        Config.load({"PAPERS_BOT_DB": str(tmp_path)})
    with pytest.raises(ConfigError, match=r"PAPERS_BOT_HEALTH_FILE: health_file is .*a folder that does not exist"):
        Config.load({"PAPERS_BOT_HEALTH_FILE": str(tmp_path / "run" / "health.json")})
    assert Config.load({"PAPERS_BOT_DB": str(tmp_path / "papers.db")}).db == str(tmp_path / "papers.db")


def test_sets_arxiv_lacks_are_an_error_for_arxiv_and_a_warning_for_another_server():
    with pytest.raises(ConfigError, match=r"harvest_sets names what arXiv does not have: cs\.XX"):
        Config.from_values({"harvest_sets": ["cs.XX"], "oai_url": "https://export.arxiv.org/oai2"})
    mirror = Config.from_values({"harvest_sets": ["cs.XX", "cs.CV"], "oai_url": "http://127.0.0.1:8123/oai"})
    assert mirror.harvest_sets == ("cs:cs:XX", "cs:cs:CV")
    assert [w for w in mirror.warnings() if w.startswith("harvest_sets cs:cs:XX: arXiv has no such set")]
    known = ["cs", "math", "physics", "q-bio", "cs.CV", "math.AG", "hep-th", "astro-ph", "astro-ph.CO",
             "cond-mat.mes-hall", "physics.optics", "nlin.AO", "quant-ph", "stat.ML", "econ.EM", "eess.IV",
             "q-fin.ST", "math:math:AG", "physics:gr-qc"]
    assert Config.from_values({"harvest_sets": known, "harvest_feeds": ["cs.CV", "cs", "cs.CV+cs.LG"],
                              "db": "/srv/papers.db"}).warnings() == []


@pytest.mark.parametrize("kind", ["device", "fifo", "huge", "folder"])
def test_a_configuration_file_that_is_not_a_small_regular_file_is_refused(tmp_path, kind):
    """PAPERS_BOT_CONFIG=/dev/zero was read until MemoryError; a FIFO would be waited on for ever."""
    path = tmp_path / "bot.toml"
    if kind == "device":
        path = Path("/dev/null")  # (as /dev/zero, without filling the memory should the check go)
    elif kind == "fifo":
        os.mkfifo(path)
        # A writer that goes at once: a read of the FIFO (the check gone) ends instead of waiting for ever.
        threading.Thread(target=lambda: open(path, "wb").close(), daemon=True).start()
    elif kind == "huge":
        path.write_text("# " + "x" * 1_000_000 + "\n")
    else:
        path = tmp_path
    says = "over 1,000,000 bytes" if kind == "huge" else "not a regular file"
    with pytest.raises(ConfigError, match=f"{path}: {says}"):
        Config.load({"PAPERS_BOT_CONFIG": str(path)})


def test_a_toml_time_and_a_list_of_ids_read_as_written(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text('harvest_times = [03:00:00, "15:30", 04:00:30]\nowner_ids = [123, "456"]\napplication_id = 789\n')
    config = Config.load({}, file=path)
    assert [t.isoformat() for t in config.harvest_times] == ["03:00:00", "04:00:30", "15:30:00"]
    assert "harvest_times = ['03:00', '04:00:30', '15:30']" in "\n".join(config.describe())
    path.write_text("harvest_times = [03:00:00.5]\n")  # (a TOML time with a fraction: refused, not cut)
    with pytest.raises(ConfigError, match=f"{path}:1: harvest_times are kept to the second"):
        Config.load({}, file=path)
    assert config.owner_ids == {123, 456} and config.application_id == 789


@pytest.mark.parametrize("target", ["db", "wal", "index", "config"])
def test_a_health_file_that_would_overwrite_the_library_or_the_configuration_is_refused(tmp_path, target):
    db = tmp_path / "papers.db"
    (tmp_path / "papers.db.index").mkdir()
    config_file = tmp_path / "papers-bot.toml"
    health = {"db": db, "wal": tmp_path / "papers.db-wal", "index": tmp_path / "papers.db.index" / "meta.json",
              "config": config_file}[target]
    config_file.write_text(f'db = "{db}"\nhealth_file = "{health}"\n')
    with pytest.raises(ConfigError, match=r"health_file is .*: the heartbeat would overwrite it"):
        Config.load({"PAPERS_BOT_CONFIG": str(config_file)})


@pytest.mark.parametrize("key, value", [("db", "/dev/null"), ("health_file", "/dev/zero"),
                                        ("prefix", "\u202e!"), ("prefix", "!\u200b"), ("admin_role", "a\u2028b")])
def test_devices_and_invisible_characters_are_refused(key, value):
    with pytest.raises(ConfigError, match=key):
        Config.from_values({key: value})


def test_config_check_never_shows_a_token_pasted_into_another_setting():
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
    lines = Config.from_values({"admin_role": token, "follow_role": f"x{token}y"}).describe()
    assert not any(token in line for line in lines)
    assert any(line.startswith("admin_role = [looks like a bot token: not shown]") for line in lines)
