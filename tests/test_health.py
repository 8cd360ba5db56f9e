"""`papers-bot health` and the health file it reads: what it calls healthy, and what it refuses to."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from papers_bot.bot.client import health_problems, write_health
from papers_bot.cli import cli

NOW = 1_000_000.0
BEAT = {"time": NOW, "connected": True, "lost_since": None, "library": "ok"}


@pytest.mark.parametrize("text", ["[]", "null", '"ok"', '{"time": "abc", "connected": true, "library": "ok"}',
                                  '{"connected": true, "library": "ok"}', '{"time": true}', '{"time": NaN}'])
def test_a_health_file_that_is_no_heartbeat_says_so_in_a_line(tmp_path, text):
    path = tmp_path / "health.json"
    path.write_text(text)
    assert health_problems(str(path), now=NOW) == [
        f'{path} holds no heartbeat (a JSON object with a numeric "time"): is it the health_file of `papers-bot run`?']


@pytest.mark.parametrize("dated, problem", [
    ("1e400", "holds no heartbeat"),  # (json reads it as infinity)
    (str(NOW + 3600), "the last heartbeat is dated 3600 s in the future: was the clock set back?"),
])
def test_a_heartbeat_from_the_future_is_not_healthy(tmp_path, dated, problem):
    path = tmp_path / "health.json"
    path.write_text(f'{{"time": {dated}, "connected": true, "library": "ok"}}')
    [found] = health_problems(str(path), now=NOW)
    assert problem in found


def test_a_nan_max_age_is_not_healthy(tmp_path, monkeypatch):
    path = tmp_path / "health.json"
    write_health(str(path), BEAT)
    assert health_problems(str(path), max_age=float("nan"), now=NOW + 1) == [
        "the last heartbeat is 1 s old: the bot is stuck or stopped"]
    monkeypatch.delenv("PAPERS_BOT_CONFIG", raising=False)
    monkeypatch.setenv("PAPERS_BOT_HEALTH_FILE", str(path))
    for bad in ("nan", "inf", "0", "-5"):
        result = CliRunner().invoke(cli, ["health", "--max-age", bad])
        assert result.exit_code == 2 and "--max-age" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("lost_for, grace, healthy", [(100, 120, True), (121, 120, False), (100, 60, False)])
def test_without_discord_longer_than_the_grace_is_unhealthy(tmp_path, monkeypatch, lost_for, grace, healthy):
    path = tmp_path / "health.json"
    write_health(str(path), {**BEAT, "connected": False, "lost_since": NOW - lost_for})
    problems = health_problems(str(path), grace=grace, now=NOW)
    unhealthy = [f"not connected to Discord for {lost_for} s (it keeps trying; see its log)"]
    assert problems == ([] if healthy else unhealthy)
    monkeypatch.delenv("PAPERS_BOT_CONFIG", raising=False)
    monkeypatch.setenv("PAPERS_BOT_HEALTH_FILE", str(path))
    monkeypatch.setenv("PAPERS_BOT_GATEWAY_GRACE", str(grace))  # (the setting `health` reads)
    now = time.time()  # (`health` reads the real clock: the file is dated by it)
    write_health(str(path), {**BEAT, "time": now, "connected": False, "lost_since": now - lost_for})
    result = CliRunner().invoke(cli, ["health"])
    assert result.exit_code == (0 if healthy else 1), result.output


def test_a_stopped_bot_is_unhealthy_at_once(tmp_path):
    path = tmp_path / "health.json"
    write_health(str(path), {**BEAT, "stopped": True, "connected": False})
    assert health_problems(str(path), now=NOW) == ["the bot has stopped (papers-bot run is not running)"]


@pytest.mark.parametrize("grace", ["soon", "nan", "-1", "1e999"])
def test_a_grace_that_is_no_number_of_seconds_is_one_line(tmp_path, monkeypatch, grace):
    monkeypatch.delenv("PAPERS_BOT_CONFIG", raising=False)
    monkeypatch.setenv("PAPERS_BOT_HEALTH_FILE", str(tmp_path / "health.json"))
    monkeypatch.setenv("PAPERS_BOT_GATEWAY_GRACE", grace)
    result = CliRunner().invoke(cli, ["health"])
    assert result.exit_code == 1 and result.output == (
        "Error: environment variable PAPERS_BOT_GATEWAY_GRACE: gateway_grace must be seconds from 0 to 86400, "
        f"not {grace!r}\n")


def test_a_heartbeat_that_lost_discord_after_it_was_written_is_a_clock_set_back(tmp_path):
    path = tmp_path / "health.json"
    # (lost at NOW + 3000 by the clock before it was set back an hour; the heartbeat written after, at NOW + 600)
    write_health(str(path), {**BEAT, "time": NOW + 600, "connected": False, "lost_since": NOW + 3000})
    [problem] = health_problems(str(path), now=NOW + 610)
    assert problem.startswith("not connected to Discord, since a time after its last heartbeat")


@pytest.mark.parametrize("kind", ["device", "fifo", "huge"])
def test_a_health_file_that_is_a_device_a_pipe_or_huge_is_refused_without_reading_it(tmp_path, kind):
    import os

    path = tmp_path / "health.json"
    if kind == "device":
        path = tmp_path / "null"
        os.symlink("/dev/null", path)  # (/dev/zero was read until memory ran out; /dev/null shows it safely)
    elif kind == "fifo":
        os.mkfifo(path)  # (a reader that waited for a writer would hang here)
    else:
        path.write_text('{"time": 1, "pad": "' + "x" * 100_000 + '"}')
    [problem] = health_problems(str(path), now=NOW)
    assert problem.startswith(f"no heartbeat in {path} (") and ("regular file" in problem or "KB" in problem)
