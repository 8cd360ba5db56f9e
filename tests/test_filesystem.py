"""Storage the operator cannot fix from papers-bot: a read-only copy, a full disk, an index folder that turns
read-only during a load. Each runs the real command, or a real Library, in a private mount namespace
(`unshare -rm`: a tmpfs of a few megabytes, a read-only bind mount), so the faults are the kernel's own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import arxiv_record, write_jsonl

EXE = shutil.which("papers-bot") or os.path.join(os.path.dirname(sys.executable), "papers-bot")


def _can_unshare() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "tmpfs", "/mnt"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


pytestmark = pytest.mark.skipif(
    not _can_unshare(), reason="needs `unshare -rm` (user and mount namespaces) to make a read-only or full disk"
)


def in_namespace(script: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`script` (shell) in a private mount namespace, where it may mount."""
    env = {k: v for k, v in os.environ.items() if k != "PAPERS_BOT_DB"} | {"PB": EXE, "PY": sys.executable}
    return subprocess.run(["unshare", "-rm", "bash", "-c", "set -u\n" + textwrap.dedent(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def make_library(folder: Path) -> Path:
    folder.mkdir()
    subprocess.run([EXE, "--db", str(folder / "p.db"), "stats"], check=True, capture_output=True, timeout=60)
    return folder / "p.db"


def read_only(folder: Path) -> str:
    return f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}"\n'


@pytest.mark.parametrize("index", ["kept", "missing"])
def test_a_library_on_a_read_only_disk_answers_and_refuses_loads_clearly(tmp_path, index):
    db = make_library(tmp_path / "lib")
    if index == "missing":
        shutil.rmtree(f"{db}.index")  # (then rebuilt in this process's own folder, never on the copy)
    before = sorted(p.name for p in db.parent.rglob("*"))
    done = in_namespace(read_only(db.parent) + f'''
        "$PB" --db "{db}" search seismic --json -k 1
        "$PB" --db "{db}" ask "which papers adapt SAM to seismic data?" >/dev/null && echo asked
        "$PB" --db "{db}" load "{db.parent}" ; echo "load rc $?"
        "$PB" --db "{db.parent / 'new.db'}" stats ; echo "new rc $?"
    ''', cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    _, asked, load_rc, new_rc = done.stdout.rstrip("\n").split("\n")[-4:]
    assert json.loads(done.stdout.split("\nasked")[0])[0]["title"].startswith("Seismic Fault SAM")
    assert asked == "asked" and load_rc == "load rc 1" and new_rc == "new rc 1"
    assert "is read-only (this process cannot write it or its folder)" in done.stderr
    assert "no such database, and none can be created there" in done.stderr
    assert sorted(p.name for p in db.parent.rglob("*")) == before


def test_a_full_disk_undoes_the_load_says_so_and_still_answers(tmp_path):
    big = write_jsonl(tmp_path / "big.jsonl", [
        arxiv_record(id=f"2404.{i:05d}", title=f"Paper {i} on topic {i % 97}", abstract=f"word{i % 500} " * 120)
        for i in range(6000)
    ])
    done = in_namespace(f'''
        mkdir disk && mount -t tmpfs -o size=3m tmpfs disk
        "$PB" --db disk/p.db stats --json; echo @@
        "$PB" --db disk/p.db load "{big}"; echo "load rc $?"; echo @@
        head -c 5000000 /dev/zero > disk/filler 2>/dev/null  # (the disk now full to the last byte)
        "$PB" --db disk/p.db search seismic -k 1 --json; echo @@
        "$PB" --db disk/p.db load "{big}"; echo "full rc $?"
    ''', cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    stats, load, found, full = done.stdout.split("@@\n")
    assert json.loads(stats)["papers"] == 62
    assert load.strip() == "load rc 1" and full.strip() == "full rc 1"
    assert "the disk holding disk/p.db is full" in done.stderr and "the load was undone" in done.stderr
    assert "read-only (its disk is full)" in done.stderr
    assert json.loads(found)[0]["title"].startswith("Seismic Fault SAM")  # the 62 papers, answered from a full disk


def test_an_index_folder_made_read_only_during_a_load_is_a_clear_error_and_the_store_keeps_its_papers(tmp_path):
    db = make_library(tmp_path / "lib")
    listing = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id=f"2404.{i:05d}") for i in range(2500)])
    script = f'''
        import subprocess, sys
        from papers_bot.library import Library
        from papers_bot.errors import PapersBotError
        lib = Library("{db}")
        def freeze(listing, count):  # after the first batch: the index folder turns read-only under the load
            folder = "{db}.index"
            subprocess.run(f"mount --bind {{folder}} {{folder}} && mount -o remount,bind,ro {{folder}}", shell=True,
                           check=True)
        try:
            lib.load(["{listing}"], on_batch=freeze)
        except PapersBotError as e:
            print("error:", e)
        print("papers:", lib.stats()["papers"])
        print("found:", lib.search("seismic", k=1).hits[0].paper.title[:18])
    '''
    done = in_namespace(f'"$PY" - <<"EOF"\n{textwrap.dedent(script)}\nEOF\n', cwd=Path(__file__).parents[1])
    assert "Traceback" not in done.stderr, done.stderr
    assert "could not be written" in done.stdout and "the load was undone" in done.stdout, done.stdout
    assert "papers: 62" in done.stdout and "found: Seismic Fault SAM" in done.stdout
