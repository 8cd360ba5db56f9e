"""Running as a service: the systemd unit and the container image the README describes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAPERS_BOT = Path(sys.executable).with_name("papers-bot")


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if (m := re.match(r"^([A-Za-z]+)=(.*)$", line)) or (m := re.match(r"^([A-Z]+) (.*)$", line)):
            found.setdefault(m.group(1), []).append(m.group(2))
    return found


def systemd_version() -> int:
    done = subprocess.run(["systemd-analyze", "--version"], capture_output=True, text=True, timeout=60)
    found = re.match(r"systemd (\d+)", done.stdout)
    return int(found.group(1)) if found else 0


def test_the_systemd_unit_restarts_on_failure_as_its_own_user_with_the_token_from_a_file(tmp_path):
    unit = (ROOT / "papers-bot.service").read_text()
    found = directives(unit)
    assert found["Restart"] == ["on-failure"] and found["User"] == ["papers-bot"]
    # Restarted more slowly each time, and never given up on (a start limit would stop the unit for good).
    assert found["RestartSec"] == ["10"] and found["RestartSteps"] == ["8"]
    assert found["RestartMaxDelaySec"] == ["15min"] and found["StartLimitIntervalSec"] == ["0"]
    assert found["WorkingDirectory"] == ["/var/lib/papers-bot"] and found["StateDirectory"] == ["papers-bot"]
    assert found["EnvironmentFile"] == ["/etc/papers-bot/env"] and "DISCORD_TOKEN=" not in "".join(found["Environment"])
    db = next(e for e in found["Environment"] if e.startswith("PAPERS_BOT_DB="))
    assert Path(db.split("=", 1)[1]).is_absolute()  # (a service never depends on its working directory)
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the unit's syntax is not verified here")
    copy = tmp_path / "papers-bot.service"  # (verified with this environment's papers-bot as its command)
    copy.write_text(unit.replace("/opt/papers-bot/bin/papers-bot", str(PAPERS_BOT)))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    complaints = done.stderr
    if systemd_version() < 254:  # (these two came in systemd 254: older ones ignore them, as the unit says)
        complaints = re.sub(r".*Unknown key '(RestartSteps|RestartMaxDelaySec)'.*\n?", "", complaints)
    assert done.returncode == 0 and "papers-bot.service" not in complaints, done.stderr


def test_the_image_runs_as_a_user_with_its_library_on_a_volume_and_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = directives(dockerfile)
    assert found["FROM"] == ["python:3.11-slim"] and found["USER"] == ["papers-bot"]
    assert found["VOLUME"] == ["/data"] and "PAPERS_BOT_DB=/data/papers.db" in found["ENV"][1]
    assert found["HEALTHCHECK"][0].endswith('CMD ["papers-bot", "health"]')
    assert found["CMD"] == ['["papers-bot", "run"]'] and "TOKEN" not in dockerfile.replace("token", "")


def test_compose_restarts_the_bot_and_rotates_its_log():
    import yaml  # type: ignore[import-untyped]  # (no stubs: only safe_load is used)

    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["papers-bot"]
    assert service["restart"] == "unless-stopped" and service["env_file"] == "papers-bot.env"
    assert service["logging"] == {"driver": "json-file", "options": {"max-size": "10m", "max-file": "5"}}


def docker_problem() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    return None if done.returncode == 0 else f"no Docker daemon ({done.stderr.strip().splitlines()[-1:]})"


def test_what_the_image_copies_is_all_the_package_needs(tmp_path):
    """The Dockerfile's COPY lines, and nothing else of the repository, build the package."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = [m.group(1).split() for m in re.finditer(r"^COPY (.+)$", dockerfile, re.M)]
    source = tmp_path / "src"
    source.mkdir()
    for *names, _target in copied:
        for name in names:
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=300)
    assert list(tmp_path.glob("papers_bot-*.whl"))


@pytest.mark.skipif(os.environ.get("PAPERS_BOT_DOCKER_TEST") != "1",
                    reason="set PAPERS_BOT_DOCKER_TEST=1 where a Docker daemon runs and Docker Hub and PyPI can be "
                           "reached: it builds the image (minutes) and runs it")
def test_the_image_builds_and_answers():
    """Build the image (its base comes from Docker Hub), ask it a question, check its user and its health check."""
    if (problem := docker_problem()) is not None:
        pytest.skip(f"the container image is not built or run here: {problem}")
    tag = f"papers-bot-test:{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1200)
    try:
        question = "which papers adapt SAM to seismic data?"
        asked = subprocess.run(["docker", "run", "--rm", tag, "papers-bot", "ask", question],
                               capture_output=True, text=True, timeout=300)
        assert asked.returncode == 0 and "Seismic Fault SAM" in asked.stdout, asked.stderr
        user = subprocess.run(["docker", "run", "--rm", tag, "id", "-un"], capture_output=True, text=True, timeout=120)
        assert user.stdout.strip() == "papers-bot"
        unhealthy = subprocess.run(["docker", "run", "--rm", tag, "papers-bot", "health"], capture_output=True,
                                   text=True, timeout=120)
        assert unhealthy.returncode == 1 and "no heartbeat" in unhealthy.stderr  # (no bot running in it)
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def test_discord_py_waits_at_most_a_minute_between_attempts_to_reconnect():
    import discord

    from papers_bot.bot.client import RETRY_MAX

    backoff = discord.client.ExponentialBackoff()  # (what Client.connect makes)
    backoff._randfunc = lambda low, high: high  # (the longest wait each time)
    assert [backoff.delay() for _ in range(12)] == [2, 4, 8, 16, 32, *[RETRY_MAX] * 7]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_bot_exits_with_status_1_once_unhealthy_for_longer_than_unhealthy_exit(fake_discord, tmp_path,
                                                                                            caplog):
    """Discord gone (the gateway dropped, no RESUME): the bot waits out the gateway grace, then unhealthy_exit,
    then `run` returns 1, for systemd or compose to start it again."""
    import asyncio

    from papers_bot.bot.client import PapersBot, run
    from papers_bot.config import Config

    clock = Clock()
    ready: asyncio.Future[PapersBot] = asyncio.get_running_loop().create_future()

    async def when_ready(bot: PapersBot) -> None:
        ready.set_result(bot)

    config = Config.from_values({"token": fake_discord.token, "api_base": fake_discord.api_base,
                                 "gateway_url": fake_discord.gateway_url, "db": str(tmp_path / "run.db"),
                                 "gateway_grace": 120, "unhealthy_exit": 600})
    running = asyncio.ensure_future(run(config, when_ready=when_ready, clock=clock))
    bot = await asyncio.wait_for(ready, 60)
    await bot.heartbeat()
    assert bot.unhealthy_since is None
    fake_discord.refuse_resume = True
    await fake_discord.go_down()
    for _ in range(500):  # (discord.py notices the socket gone at once)
        if bot.lost_since is not None:
            break
        await asyncio.sleep(0.01)
    for step, unhealthy in [(120, None), (1, 1121.0), (600, 1121.0)]:  # (within the grace; then up to the limit)
        clock.now += step
        await bot.heartbeat()
        assert bot.unhealthy_since == unhealthy and not bot.is_closed() and not running.done()
    clock.now += 1
    await bot.heartbeat()
    assert await asyncio.wait_for(running, 30) == 1
    [said] = [r.getMessage() for r in caplog.records if "unhealthy for" in r.getMessage()]
    assert "unhealthy for 601 s, over unhealthy_exit (600 s): not connected to Discord for 722 s" in said
