"""Two loads at once (two CLI processes, the CLI and the bot's reload, two reload threads): one is refused
with a clear message and changes nothing; the database ends up holding one complete load, never a mix."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest
import tantivy

from papers_bot.errors import StoreBusy
from papers_bot.library import Library, index_path
from papers_bot.retrieval.index import META_ID, IndexUpdate, PaperIndex
from papers_bot.store import db as store
from papers_bot.store.parse import read_listing, sample_folder
from tests.conftest import arxiv_record, write_jsonl

EXE = str(Path(sys.executable).with_name("papers-bot"))  # this environment's, not another one on PATH


def corpus(path: Path, name: str, n: int) -> tuple[Path, set[str]]:
    """n arXiv records whose ids and titles all name the corpus."""
    ids = [f"{name}-{i:05d}" for i in range(n)]
    abstract = " ".join(f"{name} word{i % 97} topic{i % 13}" for i in range(60))
    write_jsonl(path, [arxiv_record(id=i, title=f"{name} paper {i}", abstract=abstract) for i in ids])
    return path, set(ids)


def state(db_path: Path) -> tuple[set[str], set[str]]:
    """(store ids, index ids) as committed, read without opening the library (which would repair the index)."""
    with sqlite3.connect(db_path) as conn:
        stored = {pid for (pid,) in conn.execute("SELECT id FROM papers")}
    searcher = PaperIndex(index_path(db_path)).snapshot().searcher()
    hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1)).hits
    indexed = [cast(str, searcher.doc(address).get_first("id")) for _, address in hits]
    assert len(indexed) == len(set(indexed)), "the index holds a paper twice"
    return stored, set(indexed) - {META_ID}


def store_commit_only(db_path: Path, listing: Path) -> None:
    """What a `load --replace` killed between its two commits leaves: the store has the listing, the index not."""
    db = store.open_db(db_path)
    try:
        store.load_listings(db, [read_listing(listing)], replace=True)
    finally:
        db.close()


def load(db_path: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EXE, "--db", str(db_path), "load", "--replace", str(path)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database holding the corpus `before` (3 papers), loaded by the CLI."""
    path = tmp_path / "papers.db"
    assert load(path, corpus(tmp_path / "before.jsonl", "before", 3)[0]).returncode == 0
    return path


def writing(db_path: Path) -> bool:
    """Whether another connection holds the database's write lock (probing takes it for a moment if free)."""
    conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def test_a_second_load_process_is_refused_while_one_writes(db_path, tmp_path):
    first, first_ids = corpus(tmp_path / "first.jsonl", "first", 3000)
    second, _ = corpus(tmp_path / "second.jsonl", "second", 10)
    before = state(db_path)
    proc = subprocess.Popen(
        [EXE, "--db", str(db_path), "load", "--replace", str(first)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    while not writing(db_path):  # the first load is inside its transaction: hold it there
        assert proc.poll() is None, "the first load ended before it was seen writing; make its corpus larger"
        time.sleep(0.001)
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        refused = load(db_path, second)
        assert state(db_path) == before
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert refused.returncode == 1
    assert "another load" in refused.stderr and "try again" in refused.stderr
    assert state(db_path) == (first_ids, first_ids)


def test_two_load_processes_started_together_end_with_one_complete_load(db_path, tmp_path):
    """Whichever order they run in: each one loads completely or is refused, and the result is never a mix."""
    corpora = [corpus(tmp_path / f"{name}.jsonl", name, 1500) for name in ("one", "two")]
    procs = [
        subprocess.Popen([EXE, "--db", str(db_path), "load", "--replace", str(path)], stderr=subprocess.PIPE, text=True)
        for path, _ in corpora
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 or (code == 1 and "another load" in err) for code, err in outcomes), outcomes
    assert any(code == 0 for code, _ in outcomes)
    stored, indexed = state(db_path)
    assert stored == indexed and stored in [ids for _, ids in corpora]


@contextmanager
def paused_load(library: Library, path: Path) -> Iterator[Future]:
    """A reload (as the bot runs it, in a worker thread) held inside its transaction until the block ends."""
    inside, release = threading.Event(), threading.Event()

    def pause(_listing, _count) -> None:
        inside.set()
        assert release.wait(60)

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(library.load, [path], replace=True, on_batch=pause)
        try:
            assert inside.wait(60), future.exception() if future.done() else "the reload did not start"
            yield future
        finally:
            release.set()
            future.result(timeout=60)


def test_a_cli_load_is_refused_while_the_bot_reloads(db_path, tmp_path):
    first, first_ids = corpus(tmp_path / "first.jsonl", "first", 20)
    second, _ = corpus(tmp_path / "second.jsonl", "second", 20)
    before = state(db_path)
    library = Library(db_path)
    try:
        with paused_load(library, first):
            refused = load(db_path, second)
            assert state(db_path) == before
    finally:
        library.close()
    assert refused.returncode == 1
    assert "another load" in refused.stderr and "try again" in refused.stderr
    assert state(db_path) == (first_ids, first_ids)


def test_a_second_reload_in_the_same_process_is_refused(db_path, tmp_path):
    first, first_ids = corpus(tmp_path / "first.jsonl", "first", 20)
    second, _ = corpus(tmp_path / "second.jsonl", "second", 20)
    library = Library(db_path)
    try:
        with paused_load(library, first) as reload, pytest.raises(StoreBusy, match="already running; try again"):
            library.load([second], replace=True)
        assert reload.result().added == 20
        assert {h.paper.id for h in library.search("second", k=50).hits} == set()
    finally:
        library.close()
    assert state(db_path) == (first_ids, first_ids)


def test_a_reload_after_another_process_died_between_its_commits_leaves_store_and_index_equal(tmp_path):
    """The bot has the library open; a CLI load commits the store and is killed before the index commit. The
    bot's next reload must start from an index in step with the store, not apply its changes to a stale one."""
    library = Library(tmp_path / "papers.db")  # the bundled sample, in step
    try:
        other, _ = corpus(tmp_path / "other.jsonl", "other", 5)
        store_commit_only(library.db_path, other)  # the killed load's store commit
        library.load([sample_folder()], replace=True)
        stored, indexed = state(library.db_path)
        assert len(stored) == 62 and indexed == stored
        assert library.index.store_version == store.version(library.db)
    finally:
        library.close()


def test_closing_waits_for_requests_still_reading_in_other_threads(library):
    """The bot closes its library while searches may still run in worker threads: a connection closed under a
    running query crashes the process, so close waits for them, then closes every connection."""
    inside, release = threading.Event(), threading.Event()

    def slow_search() -> list[str]:
        with library.reading() as (db, _):
            inside.set()
            release.wait(10)
            return [row["id"] for row in db.query("SELECT id FROM papers")]  # on a connection close has seen

    with ThreadPoolExecutor(2) as pool:
        search = pool.submit(slow_search)
        assert inside.wait(10)
        closing = pool.submit(library.close)
        closing_done_early = closing.done() or _finishes(closing, 0.3)
        release.set()
        assert len(search.result(10)) >= 1 and closing.result(10) is None
    assert not closing_done_early
    assert library._connections == []
    assert library.search("seismic").hits  # a request after close opens a connection of its own


def _finishes(future: Future, seconds: float) -> bool:
    try:
        future.result(seconds)
    except TimeoutError:
        return False
    return True


def test_closing_is_not_put_off_by_a_stream_of_requests(library, caplog):
    """Requests that arrive while close waits wait for it in turn: a steady stream cannot hold it off."""
    stop, errors = threading.Event(), []

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                library.search("seismic")
            except Exception as e:
                errors.append(e)

    threads = [threading.Thread(target=keep_searching) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(20):
            library.close(wait=2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [] and "still reading" not in caplog.text


def test_a_library_opened_between_a_loads_two_commits_never_serves_a_stale_index(db_path, tmp_path, monkeypatch):
    """A load commits the index, then the store. A library opened between the two (a bot starting, a `stats`)
    sees the index ahead of the store: it must leave it to the load, not rebuild it from the old store and label
    it as in step (it then missed every paper the load added, for as long as it ran)."""
    after, after_ids = corpus(tmp_path / "after.jsonl", "after", 4)
    committed, resume = threading.Event(), threading.Event()
    commit = IndexUpdate.commit

    def commit_then_pause(self: IndexUpdate, version: str) -> None:
        commit(self, version)
        committed.set()
        resume.wait(30)

    monkeypatch.setattr(IndexUpdate, "commit", commit_then_pause)
    loader = Library(db_path, sample_if_new=False)
    opened = None
    try:
        with ThreadPoolExecutor(1) as pool:
            loading = pool.submit(loader.load, [after], replace=True)
            assert committed.wait(30)
            opened = Library(db_path)  # in the window between the commits
            resume.set()
            loading.result(timeout=60)
        assert state(db_path) == (after_ids, after_ids)
        titles = {h.paper.title for h in opened.search("after paper", k=10).hits}
        assert titles == {f"after paper {i}" for i in sorted(after_ids)}
    finally:
        resume.set()
        loader.close()
        if opened is not None:
            opened.close()


def test_a_running_library_repairs_an_index_left_out_of_step(tmp_path):
    """Another process changed the store and died before its index commit: the running library (the bot)
    answers from the index as it is at first, repairs it in the background, then answers from the store's papers."""
    library = Library(tmp_path / "papers.db")  # the bundled sample, in step
    try:
        other, other_ids = corpus(tmp_path / "other.jsonl", "other", 5)
        store_commit_only(library.db_path, other)  # the dead load's store commit
        library.search("seismic")  # finds the mismatch
        deadline = time.monotonic() + 60
        while library.index.store_version != store.version(library.db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state(library.db_path) == (other_ids, other_ids)
        assert {h.paper.id for h in library.search("other paper", k=10).hits} == other_ids
    finally:
        library.close()


def test_a_reload_right_after_a_repair_started_waits_for_it(tmp_path):
    """A search that finds the index out of step starts a repair, which holds the index's writer lock; an admin's
    reload a moment later waits for it instead of being told another load is running."""
    library = Library(tmp_path / "papers.db")
    try:
        for round in range(10):
            other, _ = corpus(tmp_path / f"other{round}.jsonl", f"other{round}", 3)
            store_commit_only(library.db_path, other)  # a load that died after its store commit
            library.search("paper")  # starts the repair
            library.load([sample_folder()], replace=True)
            assert state(library.db_path)[0] == state(library.db_path)[1] and len(state(library.db_path)[0]) == 62
    finally:
        library.close()
