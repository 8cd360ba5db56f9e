from __future__ import annotations

import pytest

from papers_bot.config import Config, ConfigError


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
