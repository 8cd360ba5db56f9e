from __future__ import annotations

import re
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
        ({"PAPERS_BOT_OWNER_IDS": "me"}, "user ids"),
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
    with pytest.raises(ConfigError, match=rf"{path}: unknown configuration keys: tokn"):
        Config.load({}, file=path)
    path.write_text("cooldown = 5\n")
    with pytest.raises(ConfigError, match=rf"{path}: cooldown must look like USES/SECONDS"):
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
