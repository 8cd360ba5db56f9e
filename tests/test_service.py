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


def test_the_systemd_unit_restarts_on_failure_as_its_own_user_with_the_token_from_a_file(tmp_path):
    unit = (ROOT / "papers-bot.service").read_text()
    found = directives(unit)
    assert found["Restart"] == ["on-failure"] and found["User"] == ["papers-bot"]
    assert found["WorkingDirectory"] == ["/var/lib/papers-bot"] and found["StateDirectory"] == ["papers-bot"]
    assert found["EnvironmentFile"] == ["/etc/papers-bot/env"] and "DISCORD_TOKEN=" not in "".join(found["Environment"])
    db = next(e for e in found["Environment"] if e.startswith("PAPERS_BOT_DB="))
    assert Path(db.split("=", 1)[1]).is_absolute()  # (a service never depends on its working directory)
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the unit's syntax is not verified here")
    copy = tmp_path / "papers-bot.service"  # (verified with this environment's papers-bot as its command)
    copy.write_text(unit.replace("/opt/papers-bot/bin/papers-bot", str(PAPERS_BOT)))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "papers-bot.service" not in done.stderr, done.stderr


def test_the_image_runs_as_a_user_with_its_library_on_a_volume_and_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = directives(dockerfile)
    assert found["FROM"] == ["python:3.11-slim"] and found["USER"] == ["papers-bot"]
    assert found["VOLUME"] == ["/data"] and "PAPERS_BOT_DB=/data/papers.db" in found["ENV"][1]
    assert found["HEALTHCHECK"][0].endswith('CMD ["papers-bot", "health"]')
    assert found["CMD"] == ['["papers-bot", "run"]'] and "TOKEN" not in dockerfile.replace("token", "")
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "restart: unless-stopped" in compose and "env_file: papers-bot.env" in compose


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
