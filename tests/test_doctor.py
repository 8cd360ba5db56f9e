"""`papers-bot doctor` when Discord answers badly, or the token is wrong."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from papers_bot.bot.doctor import check
from papers_bot.config import Config
from tests.test_bot import fake_discord_environment


@pytest.mark.parametrize("status, said", [(403, "403 (403: fake-discord was told to fail)"),
                                          (429, "429 (You are being rate limited.)"),
                                          (503, "503 (503: fake-discord was told to fail)")])
async def test_doctor_reports_what_it_could_check_when_discord_refuses_the_commands(fake_discord, library, tmp_path,
                                                                                   status, said):
    fake_discord.commands_fault = status
    config = Config.from_values({"db": str(tmp_path / "papers.db"), "token": fake_discord.token,
                                 "answer_channels": ["Paper Club/papers"]})
    lines = [finding.line() for finding in await check(config)]
    assert f"FIX  could not read the registered slash commands: Discord answered {said}" in lines[4]
    assert lines[3] == "ok   the Message Content intent is on" and lines[0].startswith("ok   library ")
    assert lines[2] == "ok   every paper has its vector (ranking by meaning)"
    assert "ok   server Paper Club: every permission the bot needs" in lines
    assert "ok     #papers: answers questions here" in lines


@pytest.mark.parametrize("command", ["run", "doctor"])
@pytest.mark.parametrize("token", ["Fake.abc\ndef", "Fake.abc def", "Fake.tök"])
async def test_a_token_no_token_could_be_is_one_line_naming_where_it_is_set(fake_discord, tmp_path, command, token):
    env = {**fake_discord_environment(fake_discord), "DISCORD_TOKEN": token, "PAPERS_BOT_DB": str(tmp_path / "p.db")}
    exe = os.path.join(os.path.dirname(sys.executable), "papers-bot")
    proc = await asyncio.create_subprocess_exec(exe, command, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1 and out.decode().splitlines() == [
        "Error: environment variable DISCORD_TOKEN: token is empty or has a space, line break or other character no "
        "token has (the token is not shown; copied with more than the token?): copy it again from the Developer "
        "Portal (Bot > Reset Token)"]
