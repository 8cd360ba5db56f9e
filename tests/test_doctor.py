"""`papers-bot doctor` when Discord answers badly, or the token is wrong."""

from __future__ import annotations

import pytest

from papers_bot.bot.doctor import check
from papers_bot.config import Config


@pytest.mark.parametrize("status, said", [(403, "403 (403: fake-discord was told to fail)"),
                                          (429, "429 (You are being rate limited.)"),
                                          (503, "503 (503: fake-discord was told to fail)")])
async def test_doctor_reports_what_it_could_check_when_discord_refuses_the_commands(fake_discord, library, tmp_path,
                                                                                   status, said):
    fake_discord.commands_fault = status
    config = Config.from_values({"db": str(tmp_path / "papers.db"), "token": fake_discord.token,
                                 "answer_channels": ["Paper Club/papers"]})
    lines = [finding.line() for finding in await check(config)]
    assert f"FIX  could not read the registered slash commands: Discord answered {said}" in lines[3]
    assert lines[2] == "ok   the Message Content intent is on" and lines[0].startswith("ok   library ")
    assert "ok   server Paper Club: every permission the bot needs" in lines
    assert "ok     #papers: answers questions here" in lines
