from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from papers_bot.errors import PapersBotError, ParseError, StoreBusy, UnknownFormatError
from papers_bot.library import Library, index_path
from papers_bot.retrieval.index import IndexUpdate
from papers_bot.store import db as store
from papers_bot.store.paper import StoredPaper
from papers_bot.store.parse import read_listing, sample_folder
from tests.conftest import FEED, arxiv_record, write_jsonl


def ids_for(library: Library, query: str) -> list[str]:
    return [h.paper.id for h in library.search(query, k=100).hits]


def test_new_database_holds_the_sample_and_a_matching_index(library):
    assert library.stats()["papers"] == 62
    assert library.index.store_version == store.version(library.db)
    assert store.generation(library.db) == 1
    assert library.index.snapshot().searcher().num_docs == 62 + 1  # the papers and the meta document
    assert index_path(library.db_path).is_dir()


def test_load_updates_the_index_with_the_store(library, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record(title="Seismic inversion with transformers")])
    summary = library.load([path])
    assert summary.added == 1
    assert "2401.00001" in ids_for(library, "seismic")
    assert library.index.store_version == summary.version == store.version(library.db)
    assert summary.generation == 2


def test_replace_removes_papers_from_the_index(library, sample_dir):
    library.load([sample_dir / "001_c0ce64b68d182523.txt"], replace=True)
    assert library.stats()["papers"] == 10
    assert ids_for(library, "seismic") == []
    assert library.index.snapshot().searcher().num_docs == 10 + 1


def test_bad_file_changes_nothing_and_names_the_file(library, tmp_path, sample_dir):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    before = (library.stats(), ids_for(library, "diffusion"))
    with pytest.raises(UnknownFormatError, match=r"notes\.txt"):
        library.load([sample_dir, tmp_path], replace=True)
    assert (library.stats(), ids_for(library, "diffusion")) == before


@pytest.mark.parametrize("which", ["binary", "unreadable", "json-not-records"])
def test_unreadable_or_undecodable_file_changes_nothing_and_says_which_and_why(library, tmp_path, sample_dir, which):
    if which == "binary":
        bad, feed = tmp_path / "scan.txt", FEED.read_bytes()
        bad.write_bytes(feed[:900] + b"\xff\xfe\x00garbage" + feed[900:])
        line = feed.count(b"\n", 0, 900) + 1
        error = rf"scan\.txt:{line}: not UTF-8 text \(byte 0xff\)"
    elif which == "json-not-records":
        bad = tmp_path / "list.json"
        bad.write_text('{"papers": [\n{"id": "2401.00001"}\n]}\n')
        error = r"list\.json:1: starts like JSON but its first line is not an arXiv metadata record"
    else:
        bad = Path("/proc/self/mem")  # opens, then every read fails: an unreadable file, even for root
        if not bad.exists():
            pytest.skip("needs Linux /proc")
        error = r"/proc/\d+/mem: cannot read file \(Input/output error\)"
    before = (library.stats(), ids_for(library, "diffusion"), library.index.store_version)
    with pytest.raises(ParseError, match=error):
        library.load([sample_dir, bad], replace=True)
    assert (library.stats(), ids_for(library, "diffusion"), library.index.store_version) == before


def test_json_lone_surrogate_is_a_bad_line_and_the_rest_loads(library):
    """`"\\ud800"` decoded to a string SQLite cannot store: the whole load failed with UnicodeEncodeError."""
    records = [arxiv_record(id="2401.00001", title="Half a pair \ud800"),
               arxiv_record(id="2401.00002", title="\ud83d\ude00 Whole")]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    summary = library.load([], attached=[("odd.jsonl", data)])
    assert summary.added == 1
    assert summary.warnings == ["odd.jsonl:1: not an arXiv metadata record (a \\u escape is half a surrogate pair, "
                                "not a character); skipped"]
    assert library.paper("2401.00002").title == "\U0001f600 Whole"


def test_index_behind_the_store_is_rebuilt_on_open(tmp_path):
    """A load that committed the store but died before committing the index is repaired at start-up."""
    db_path = tmp_path / "papers.db"
    Library(db_path).close()
    db = store.open_db(db_path)
    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record(title="Quasar lensing surveys")])
    store.load_listings(db, [read_listing(path)])  # the store moves on; the index is not told
    db.close()
    library = Library(db_path)
    try:
        assert library.index.store_version == store.version(library.db)
        assert ids_for(library, "quasar lensing") == ["2401.00001"]
    finally:
        library.close()


def test_a_deleted_index_is_rebuilt(tmp_path):
    import shutil

    db_path = tmp_path / "papers.db"
    Library(db_path).close()
    shutil.rmtree(index_path(db_path))
    library = Library(db_path)
    try:
        assert len(ids_for(library, "diffusion")) > 5
    finally:
        library.close()


def test_two_loads_at_once_are_refused(library, sample_dir):
    update = library.index.update()  # another load holds the index writer
    try:
        with pytest.raises(StoreBusy, match="another load"):
            library.load([sample_dir])
    finally:
        update.close()
    assert library.load([sample_dir]).unchanged == 62


def test_an_index_left_by_a_deleted_database_is_rebuilt(tmp_path):
    """Same generation, different database: the old index must not be trusted (it would double every hit)."""
    db_path = tmp_path / "papers.db"
    Library(db_path).close()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"papers.db{suffix}").unlink(missing_ok=True)
    library = Library(db_path)
    try:
        found = ids_for(library, "diffusion")
        assert len(found) == len(set(found)) > 5
        assert library.index.snapshot().searcher().num_docs == 62 + 1
    finally:
        library.close()


def corpus(tmp_path, name: str, word: str, n: int) -> Path:
    """n papers that all hold `word` and the word `shared`, ids 2401.00000 on."""
    records = [arxiv_record(id=f"2401.{i:05d}", title=f"{word} study {i}", abstract=f"A {word} shared finding.")
               for i in range(n)]
    return write_jsonl(tmp_path / f"{name}.jsonl", records)


def test_searches_across_reloads_see_one_generation(tmp_path, monkeypatch):
    """Readers in threads search while reloads swap two corpora in and out. Each answer must come from one
    generation: all `old` papers or all `new` ones, every hit's record agreeing with the index that found
    it. The index commits are slowed on both sides so readers land between the two commits."""
    old, new = corpus(tmp_path, "old", "zebra", 30), corpus(tmp_path, "new", "walrus", 40)
    library = Library(tmp_path / "papers.db", sample_if_new=False)
    library.load([old], replace=True)
    commit = IndexUpdate.commit

    def slow_commit(self, version):
        time.sleep(0.05)
        commit(self, version)
        time.sleep(0.05)  # the index has committed; the store has not yet

    monkeypatch.setattr(IndexUpdate, "commit", slow_commit)
    seen: Counter[str] = Counter()
    errors: list[str | list[str]] = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                hits = library.search("shared", k=100).hits
                words = {h.paper.title.split()[0] for h in hits}
                expected = {"zebra": 30, "walrus": 40}
                if len(words) != 1 or len(hits) != expected.get(words.pop(), -1):
                    errors.append(sorted(h.paper.title for h in hits))
                seen[hits[0].paper.title.split()[0] if hits else "none"] += 1
            except Exception as e:
                errors.append(repr(e))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    for i in range(6):
        library.load([new if i % 2 == 0 else old], replace=True)
    stop.set()
    for r in readers:
        r.join()
    library.close()
    assert errors == []
    assert seen["zebra"] and seen["walrus"], seen  # both generations were read


def test_a_load_in_another_process_is_seen_by_the_next_search(tmp_path):
    path = tmp_path / "papers.db"
    reader = Library(path, sample_if_new=False)
    reader.load([corpus(tmp_path, "old", "zebra", 3)])
    writer = Library(path, sample_if_new=False)  # as a CLI load beside a running bot would
    writer.load([corpus(tmp_path, "new", "walrus", 4)], replace=True)
    writer.close()
    try:
        assert len(ids_for(reader, "walrus")) == 4 and ids_for(reader, "zebra") == []
    finally:
        reader.close()


def test_an_index_ahead_of_the_store_is_rebuilt_before_the_next_load(library, tmp_path):
    """A load that died between its two commits (the index first) leaves the index holding papers the store
    never got. Searches leave them out; the next load starts by rebuilding the index from the store."""
    update = library.index.update()
    ghost = write_jsonl(tmp_path / "ghost.jsonl", [arxiv_record(id="2499.99999", title="A ghostly paper")])
    update.upsert(StoredPaper.from_row(store.paper_row(next(iter(read_listing(ghost).papers)))), replaces=[])
    update.commit("another/load/that-died")
    update.close()
    assert ids_for(library, "ghostly") == []  # not in the store: never shown
    library.load([corpus(tmp_path, "real", "zebra", 2)])
    assert library.index.store_version == store.version(library.db)
    assert library.index.snapshot().searcher().num_docs == 62 + 2 + 1
    assert ids_for(library, "ghostly") == []


def test_an_index_ahead_of_the_store_is_repaired_by_a_load_that_changes_nothing(library, tmp_path):
    """The repair is the load's to commit even when the listings change no paper: otherwise the stale index
    stays, and every search after it answers from an index of another version."""
    update = library.index.update()
    ghost = write_jsonl(tmp_path / "ghost.jsonl", [arxiv_record(id="2499.99999", title="A ghostly paper")])
    update.upsert(StoredPaper.from_row(store.paper_row(next(iter(read_listing(ghost).papers)))), replaces=[])
    update.commit("another/load/that-died")
    update.close()
    summary = library.load([sample_folder()])  # the sample again: nothing changes
    assert not summary.changed
    assert library.index.store_version == store.version(library.db)
    assert library.index.snapshot().searcher().num_docs == 62 + 1  # (and the version document)


def test_a_load_killed_inside_the_index_commit_does_not_block_the_next(tmp_path):
    """A load killed while tantivy writes its commit leaves files no index version names: the deletions of an
    old segment, `<segment>.<opstamp>.del`. The next load makes the same changes, so it reaches the same
    opstamp and file name: it must clear what the killed one left (garbage collection), not fail on it."""
    db_path, index_dir = tmp_path / "papers.db", index_path(tmp_path / "papers.db")
    old, new = corpus(tmp_path, "old", "zebra", 30), corpus(tmp_path, "new", "walrus", 30)  # the same ids
    Library(db_path, sample_if_new=False).load([old])
    saved = tmp_path / "saved"
    shutil.copytree(index_dir, saved / "index")
    for p in tmp_path.glob("papers.db*"):
        if p.is_file():
            shutil.copy2(p, saved / p.name)
    library = Library(db_path, sample_if_new=False)
    library.load([new], replace=True)
    library.close()
    opstamp = json.loads((index_dir / "meta.json").read_text())["opstamp"]
    # Back to before that load, plus what a kill inside its index commit leaves: a deletions file per segment,
    # registered as tantivy registers a file before writing it.
    shutil.rmtree(index_dir)
    shutil.copytree(saved / "index", index_dir)
    for p in saved.glob("papers.db*"):
        shutil.copy2(p, tmp_path / p.name)
    segments = [s["segment_id"].replace("-", "") for s in json.loads((index_dir / "meta.json").read_text())["segments"]]
    left = [f"{segment}.{opstamp}.del" for segment in segments]
    for name in left:
        (index_dir / name).write_bytes(b"\0" * 8)
    managed = index_dir / ".managed.json"
    managed.write_text(json.dumps(json.loads(managed.read_text()) + left))
    library = Library(db_path, sample_if_new=False)
    try:
        assert len(ids_for(library, "zebra")) == 30
        library.load([new], replace=True)
        assert len(ids_for(library, "walrus")) == 30 and not ids_for(library, "zebra")
    finally:
        library.close()


@pytest.mark.parametrize("change", ["shorten", "grow", "replace"])
def test_a_listing_rewritten_while_it_loads_commits_nothing(library, tmp_path, change):
    """Another program shortens, extends or replaces a JSON lines file while `load --replace` streams it: the
    part read must not become the library (it removed every paper it had not yet reached)."""
    records = [arxiv_record(id=f"2402.{i:05d}", title=f"Zyxstreamed paper {i}") for i in range(2500)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    before = library.stats()
    done = False

    def rewrite(listing, _count):
        nonlocal done
        if listing.position == 0 or done:
            return
        done = True
        if change == "shorten":
            path.write_text(path.read_text()[: path.stat().st_size // 3])
        elif change == "grow":
            with path.open("a") as f:
                f.write(json.dumps(arxiv_record(id="2402.99999", title="Late paper")) + "\n")
        else:
            other = write_jsonl(tmp_path / "other.jsonl", records[:10])
            other.replace(path)

    with pytest.raises(ParseError, match="changed while it was being loaded") as e:
        library.load([path], replace=True, on_batch=rewrite)
    assert str(path) in str(e.value)
    assert library.stats() == before and library.search("zyxstreamed").hits == []


def test_a_committed_load_does_not_depend_on_the_wal_file(tmp_path):
    """While the library is open (or after a process holding it crashed), its database file alone holds what
    the load committed: the `-wal` file is not needed to keep it."""
    lib = Library(tmp_path / "p.db")
    try:
        shutil.copy(tmp_path / "p.db", tmp_path / "copy.db")  # the file alone, as if its -wal were lost
        with sqlite3.connect(tmp_path / "copy.db") as conn:
            assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 62
    finally:
        lib.close()


def test_an_emptied_database_beside_its_index_is_an_error_not_a_new_library(tmp_path):
    Library(tmp_path / "p.db").close()
    (tmp_path / "p.db").write_bytes(b"")
    for extra in ("p.db-wal", "p.db-shm"):
        (tmp_path / extra).unlink(missing_ok=True)
    with pytest.raises(PapersBotError, match=r"is empty, but .* was built from its papers"):
        Library(tmp_path / "p.db")
    assert (tmp_path / "p.db").stat().st_size == 0  # nothing was written into it


def test_a_garbage_database_file_is_a_clear_error(tmp_path):
    (tmp_path / "p.db").write_bytes(b"not sqlite at all " * 500)
    with pytest.raises(PapersBotError, match=r"not a papers-bot database, or damaged .* nothing was changed"):
        Library(tmp_path / "p.db")


def _damage(index_folder: Path, suffix: str) -> None:
    """Flip bytes through every segment file with this suffix, in place (as a bad disk or a stray write would),
    or delete them (`pos-deleted`)."""
    if suffix.endswith("-deleted"):
        for f in index_folder.glob(f"*.{suffix.removesuffix('-deleted')}"):
            f.unlink()
        return
    for f in index_folder.glob(f"*.{suffix}"):
        data = bytearray(f.read_bytes())
        for i in range(min(100, len(data) // 3), len(data) - 8, 37):
            data[i] ^= 0xFF
        f.write_bytes(bytes(data))


@pytest.mark.parametrize("suffix", ["term", "pos", "idx", "pos-deleted"])
def test_a_damaged_index_is_rebuilt_from_the_store_and_answers(tmp_path, suffix):
    Library(tmp_path / "p.db").close()
    _damage(index_path(tmp_path / "p.db"), suffix)
    lib = Library(tmp_path / "p.db")  # a bot or a command starting on it
    try:
        assert lib.search('"Seismic Fault SAM"').hits[0].paper.title.startswith("Seismic Fault SAM")
        assert lib.ask("which papers adapt SAM to seismic data?").found and lib.stats()["papers"] == 62
        _damage(index_path(tmp_path / "p.db"), suffix)  # and under a running library
        assert lib.search('"Seismic Fault SAM"').hits[0].paper.title.startswith("Seismic Fault SAM")
        assert lib.author("Jinwen Ma").total == 30
    finally:
        lib.close()


def test_a_load_that_fails_while_closing_its_index_update_releases_the_load_lock(library, tmp_path, monkeypatch):
    """From review: a failure in IndexUpdate.close (a merge on a full disk) left the load lock held, and every later
    load and repair was refused until a restart."""
    close = IndexUpdate.close
    fail = {"once": True}

    def failing_close(self: IndexUpdate) -> None:
        close(self)
        if fail.pop("once", False):
            raise OSError("simulated: no space left on device")

    monkeypatch.setattr(IndexUpdate, "close", failing_close)
    with pytest.raises(OSError, match="simulated"):
        library.load([corpus(tmp_path, "one", "quokka", 2)])
    library.load([corpus(tmp_path, "two", "wombat", 2)])  # not "a reload is already running"
    assert ids_for(library, "wombat")


def test_an_interrupt_just_after_the_writer_lock_is_released_is_an_interrupt(library, tmp_path, monkeypatch):
    """Issue 12 item 16: SIGINT as the load released the index writer lock ended in `RuntimeError: IndexWriter
    was consumed` (the writer used again after `wait_merging_threads` consumed it) instead of "Aborted!"."""
    close = IndexUpdate.close
    updates: list[IndexUpdate] = []

    def interrupted_close(self: IndexUpdate) -> None:
        close(self)  # the lock is released here; Python sees the pending SIGINT right after
        updates.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexUpdate, "close", interrupted_close)
    with pytest.raises(KeyboardInterrupt):
        library.load([corpus(tmp_path, "one", "quokka", 2)])
    monkeypatch.setattr(IndexUpdate, "close", close)
    updates[0].close()  # (a second close, as an outer handler may do, is a no-op)
    assert ids_for(library, "quokka")  # both commits had happened: the load stands
    library.load([corpus(tmp_path, "two", "wombat", 2)])
    assert ids_for(library, "wombat")


def test_closing_waits_for_a_damaged_index_being_rebuilt(tmp_path, monkeypatch):
    """From review: close() closed the rebuild's connection under it (nothing counted the rebuild as reading)."""
    lib = Library(tmp_path / "p.db")
    started, errors = threading.Event(), []
    check = Library.check_index

    def slow_check(self: Library) -> bool:
        started.set()
        time.sleep(0.5)
        return check(self)

    monkeypatch.setattr(Library, "check_index", slow_check)

    def reset() -> None:
        try:
            lib._reset_index(lib._index_resets)
        except Exception as e:
            errors.append(e)

    worker = threading.Thread(target=reset)
    worker.start()
    assert started.wait(10)
    lib.close()
    alive_after_close = worker.is_alive()
    worker.join(30)
    assert not alive_after_close and errors == [] and lib._index_resets == 1


def test_an_emptied_database_beside_an_index_of_another_version_is_still_refused(tmp_path):
    """From review: the check opened the index to read its version, and an index of an older version was reset
    on opening, so the loss went unseen and the sample was loaded instead."""
    db = tmp_path / "p.db"
    Library(db).close()
    meta = index_path(db) / "meta.json"
    meta.write_text(meta.read_text().replace('"index_settings"', '"index_settings_of_another_version"', 1))
    db.write_bytes(b"")
    with pytest.raises(PapersBotError, match="was truncated or lost"):
        Library(db)
    assert any(index_path(db).glob("*.store"))  # (and the index that shows the loss is still there)


def test_a_paper_is_found_by_its_doi_through_an_index(library):
    plan = library.db.conn.execute("EXPLAIN QUERY PLAN SELECT id FROM papers WHERE doi = ? COLLATE NOCASE", ["x"])
    assert "USING INDEX idx_papers_doi" in " ".join(str(row) for row in plan)
