"""The papers library: the store and its index together, as every front end (CLI, console, bot) uses it."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlite_utils

from papers_bot.errors import PaperNotFound, PapersBotError, StoreBusy
from papers_bot.feedback import export_collection
from papers_bot.retrieval import vectors as vectors_module
from papers_bot.retrieval.analysis import clean
from papers_bot.retrieval.answer import Answer, Context, ask, best_passages, reads_as_request
from papers_bot.retrieval.facts import find_person
from papers_bot.retrieval.index import IndexUpdate, PaperIndex, Snapshot, disk_refused, index_fault
from papers_bot.retrieval.search import SearchResult, follow_matches, follow_query, papers_by, related, search
from papers_bot.retrieval.vectors import Vectors, VectorStore
from papers_bot.store import db as store
from papers_bot.store import state
from papers_bot.store.paper import AuthorLookup, StoredPaper
from papers_bot.store.parse import Listing, listing_files, read_listing, read_listing_bytes, sample_folder
from papers_bot.store.tex import tex_to_text
from papers_bot.trends import Topic, count_topics
from papers_bot.why import Why, why

log = logging.getLogger(__name__)
T = TypeVar("T")

CLOSE_WAIT = 30.0  # seconds `Library.close` waits for running requests (they take milliseconds)
BRIEF_WAIT_MS = 500  # how long a vote (or a search's vote buttons) waits for the write lock before StoreBusy
REPAIR_EVERY = 10.0  # seconds between attempts to repair an index found out of step while answering
# When a start or a load brings the vectors in step: before it returns ("now": the command line, tests), in a
# worker thread ("background": the bot, whose first answer and event loop never wait for it), or when the caller
# calls `update_vectors` ("later": `load`'s last stage at the command line; `doctor` never writes them).
VectorsWhen = Literal["now", "background", "later"]
# Opened with vectors="now" (the CLI's search, ask, stats...), a library of more than this many papers whose
# vectors are behind, or that needs its approximate index built from nothing, answers by words and leaves them to
# the next load or the bot: after a load killed before its last stage, 1M papers take minutes to embed (README
# "Scale"). A smaller one is brought in step first (seconds, even embedded whole).
OPEN_EMBED_MAX = 20_000
VECTOR_PASSES = 3  # builds of the vectors in one go at most, while loads elsewhere keep moving the store
# A load that touches at most this many papers tells the vectors which (`_Touched`): they are brought in step by
# embedding those alone, not by reading and hashing every paper's text (at 1M papers, 18 s and 1.7 GB); past it,
# or when the set on disk is not of the store just before the loads this process remembers, every paper is read.
TOUCHED_MAX = 100_000


def source_name(path: Path) -> str:
    """How a file is remembered as a paper's source: the same file has the same name from any folder."""
    path = path.resolve()
    if path.parent == sample_folder().resolve():
        return f"sample/{path.name}"
    return str(path)


def catch_up(update: IndexUpdate, db: sqlite_utils.Database) -> int | None:
    """The one way the index is rebuilt: when it (as last committed, by any process) does not hold what `db`
    holds, `update` is refilled with every stored paper; how many (None when it held them already). A load
    calls it under the store's write lock, before its changes: they are changes to what is stored, and applied
    to an index behind the store (another process's load died between its two commits) they would leave it
    holding other papers. A rebuild calls it in a read transaction."""
    recorded = update.index.store_version
    if store.in_step(db, recorded):
        return None
    log.warning("the index at %s was built from store %s, the store is %s: rebuilding it from the store",
                update.index.path, recorded, store.version(db))
    return update.refill(store.iter_papers(db))


def index_path(db_path: str | Path) -> Path:
    """The index lives beside its database: `papers.db` -> `papers.db.index/`."""
    return Path(f"{db_path}.index")


def _readable(vectors: Vectors) -> bool:
    """Whether the list of ids of `vectors` can be read (it is, once, and kept)."""
    try:
        _ = vectors.ids
    except (OSError, ValueError, RecursionError) as e:
        log.warning("the vectors' ids at %s cannot be read (%s); they are rebuilt from the store",
                    vectors.ids_file, e)
        return False
    return True


def vectors_path(db_path: str | Path) -> Path:
    """The papers' vectors live beside their database too: `papers.db` -> `papers.db.vectors/`."""
    return Path(f"{db_path}.vectors")


class _Touched:
    """A load's sink (the index's update) that also notes the ids of the papers the load touched: every one it
    wrote, replaced or removed (the sink is told of each), or None once there are more than TOUCHED_MAX."""

    def __init__(self, sink: IndexUpdate) -> None:
        self.sink = sink
        self.ids: set[str] | None = set()

    def _note(self, *ids: str) -> None:
        if self.ids is not None:
            self.ids.update(ids)
            if len(self.ids) > TOUCHED_MAX:
                self.ids = None

    def upsert(self, paper: StoredPaper, *, replaces: Sequence[str]) -> None:
        self._note(paper.id, *replaces)
        self.sink.upsert(paper, replaces=replaces)

    def delete(self, paper_id: str) -> None:
        self._note(paper_id)
        self.sink.delete(paper_id)

    def commit(self, store_version: str) -> None:
        self.sink.commit(store_version)


class Library:
    """Papers in a SQLite store with a tantivy index derived from it."""

    def __init__(self, db_path: str | Path, *, sample_if_new: bool = True, vectors: VectorsWhen = "now") -> None:
        self.db_path = Path(db_path)
        self.vectors_when = vectors
        self._local = threading.local()
        self._connections: list[sqlite_utils.Database] = []
        # Guards the connections: how many requests are reading through them (close waits for none).
        self._connections_lock = threading.Condition()
        self._readers = 0
        self._closing = False
        self._refuse_a_lost_database()
        # Why the database cannot be written (None: it can). A copy on a read-only disk or folder, or one whose disk
        # is full, is searched as it is, and loads are refused.
        self.read_only: str | None = store.write_problem(self.db_path) if self.db_path.is_file() else None
        folder = index_path(self.db_path)
        if not self.read_only and folder.is_dir() and not os.access(folder, os.W_OK):
            self.read_only = f"this process cannot write its index folder {folder}"
        _ = self.db  # creates the database and its schema
        self.index = PaperIndex(index_path(self.db_path), read_only=bool(self.read_only))
        self.vectors = VectorStore(vectors_path(self.db_path))
        self._vectors: tuple[int, Vectors | None] = (-1, None)  # (current.json's mtime, the set it names)
        self._vectors_lock = threading.Lock()
        self._vector_worker: threading.Thread | None = None  # (vectors="background": the thread updating them)
        self._vectors_wanted = False  # (and whether it should look again once done)
        # The loads this process made since the vectors' version: (store version before, after, the ids touched;
        # None: too many to say), the last 16 at most.
        self._touched: list[tuple[str, str, frozenset[str] | None]] = []
        self._load_lock = threading.Lock()
        self._snapshots: dict[str, Snapshot] = {}  # store version -> index snapshot of it (the last two)
        self._snapshots_lock = threading.Lock()
        self._repair_lock = threading.Lock()
        self._repairing = False
        self._repair_tried = -REPAIR_EVERY
        self._repair_thread: threading.Thread | None = None
        self._reset_lock = threading.Lock()
        self._index_resets = 0  # how many times a damaged index was started afresh
        try:
            self.check_index()  # before any load: a load only updates an index that matches the store
        except BaseException as e:
            if disk_refused(e):  # (a rebuild on a full disk: answer from the index as it is, and say why)
                log.warning("cannot rebuild the index at %s (%s); answering from it as it is", self.index.path, e)
            elif not self._damaged(e):
                raise
            else:
                self._reset_index(self._index_resets)
        if not self.read_only:
            self._vectors_after_commit(opening=True)
        # (never loaded: new, whoever created the file)
        if sample_if_new and store.generation(self.db) == 0 and not self.read_only:
            log.info("new database %s: loading the bundled sample papers", self.db_path)
            try:
                self.load([sample_folder()])
            except StoreBusy:
                log.info("another process is loading papers into %s", self.db_path)

    def _refuse_a_lost_database(self) -> None:
        """An empty database file beside an index built from papers is a database lost (truncated), not a new
        one: starting it afresh with the sample would hide the loss."""
        folder = index_path(self.db_path)
        if not (self.db_path.is_file() and self.db_path.stat().st_size == 0 and folder.is_dir()):
            return
        # (Its files say so, whatever the index's version: opening an index of another version would reset it.)
        if (folder / "meta.json").is_file() and any(folder.glob("*.store")):
            raise PapersBotError(
                f"{self.db_path} is empty, but {folder} was built from its papers: the database was truncated or "
                f"lost. Restore it from a backup; or, to start afresh, delete both {self.db_path} and {folder}"
            )

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection: searches in worker threads read the last committed data while a load
        writes through its own connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = store.open_db(self.db_path, read_only=bool(self.read_only))
            with self._connections_lock:
                self._connections.append(db)
        return db

    def check_index(self) -> bool:
        """Rebuild the index from the store if it does not match it (a load stopped half-way). True if rebuilt;
        False when it matched, or another process writes the index (a load, which leaves it in step).

        The writer lock comes first: a load holds it from before its index commit until after its store commit,
        so a rebuild never runs between the two (it would fill the index from the store the load is about to
        replace)."""
        db = self.db
        if store.in_step(db, self.index.store_version):
            return False
        try:
            update = self.index.update()
        except StoreBusy:
            log.warning("another process is writing the index (a load); leaving it to that")
            return False
        try:
            db.conn.execute("BEGIN")  # the papers and the version they make, read from one committed state
            try:
                count = catch_up(update, db)
                version = store.version(db)
            finally:
                db.conn.execute("COMMIT")
            if count is None:
                return False  # (a load brought it in step meanwhile)
            update.commit(version)
            log.info("index rebuilt: %d papers", count)
            return True
        finally:
            update.close()

    def load(
        self,
        paths: Sequence[str | Path],
        *,
        replace: bool = False,
        attached: Sequence[tuple[str, bytes]] = (),
        listings: Sequence[Listing] = (),
        on_batch: Callable[[Listing, int], None] | None = None,
        also: Callable[[sqlite_utils.Database], None] | None = None,
    ) -> store.LoadSummary:
        """Load listing files (and `attached` (name, bytes) listings, and `listings` read already: a harvested
        page) into the store and index, all or nothing; `also(db)` writes more in the load's transaction.

        One load at a time: in this process a second one is refused at once; across processes the index
        writer lock refuses it (StoreBusy), so the store is never written by two loads together."""
        if self.read_only:
            raise PapersBotError(
                f"{self.db_path} is read-only ({self.read_only}): its papers can be searched, but loading needs "
                "write access or space; nothing was changed"
            )
        if not self._take_load_lock():
            raise StoreBusy("a reload is already running; try again when it has finished")
        update = writer = None
        try:
            # Read every file's format (and every text file whole) before writing anything.
            read = [read_listing(f, name=source_name(f)) for f in listing_files(paths)]
            read += [read_listing_bytes(data, name=name) for name, data in attached]
            update = self.index.update()
            writer = store.open_db(self.db_path)
            before = store.version(writer)  # (no other load can commit while this one holds the index's writer)
            touched = _Touched(update)
            summary = store.load_listings(writer, [*read, *listings], replace=replace, sink=touched,
                                          catch_up=lambda db: catch_up(update, db) is not None, on_batch=on_batch,
                                          also=also)
            if summary.version != before:
                with self._vectors_lock:
                    ids = None if touched.ids is None else frozenset(touched.ids)
                    self._touched = [*self._touched[-15:], (before, summary.version, ids)]
            store.checkpoint(writer)
        except (sqlite3.OperationalError, OSError, ValueError) as e:
            raise self._write_failure(e) from e
        finally:
            try:
                if update is not None:
                    update.close()
            finally:
                try:
                    if writer is not None:
                        writer.close()
                finally:
                    self._load_lock.release()  # (whatever failed above: the next load must be possible)
        # The load has committed: its papers are searchable by words now, and by meaning once this is done.
        self._vectors_after_commit()
        return summary

    def _vectors_after_commit(self, *, opening: bool = False) -> None:
        """After a start or a load: the vectors brought in step as `vectors_when` says."""
        if self.vectors_when == "now":
            if opening:
                todo, behind = self._vectors_behind_by()
                if behind is not None:
                    log.warning("%s, until `papers-bot load` (of any file) or the bot brings them in step, which "
                                "takes minutes", behind)
                if not todo or behind is not None:
                    return
            self.update_vectors()
        elif self.vectors_when == "background":
            with self._vectors_lock:
                self._vectors_wanted = True
                if self._vector_worker is None:
                    self._vector_worker = threading.Thread(target=self._vector_work, name="vectors", daemon=True)
                    self._vector_worker.start()

    def _vector_work(self) -> None:
        """The background worker: update the vectors until no load asked again meanwhile. (A daemon: a process
        that stops mid-write leaves the previous set answering, as a kill does.)"""
        while True:
            with self._vectors_lock:
                if not self._vectors_wanted:
                    self._vector_worker = None
                    return
                self._vectors_wanted = False
            self.update_vectors()

    def vectors_settled(self, timeout: float | None = None) -> bool:
        """Wait for the background worker to finish (at most `timeout` seconds); whether it has."""
        with self._vectors_lock:
            worker = self._vector_worker
        if worker is not None:
            worker.join(timeout)
        return worker is None or not worker.is_alive()

    def update_vectors(self, on_start: Callable[[int], None] | None = None) -> int | None:
        """Bring the papers' vectors in step with the store (those whose text is unchanged are kept); how many
        papers were embedded (None: in step already, or another process is writing them). `on_start` is told,
        before the embedding starts, how many papers have no vector yet. A failure is logged, not raised: the
        papers stay searchable by words, and the next load or start tries again."""
        folder = self.vectors.path
        embedded = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for _ in range(2):  # (and once more after the lock is let go: see below)
                with open(folder / vectors_module.LOCK, "a") as lock:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # (one writer; it goes with its process)
                    except BlockingIOError:
                        return embedded
                    # Again while the store moved on meanwhile: a load that committed during this build found the
                    # lock taken and left its papers to this writer.
                    for _ in range(VECTOR_PASSES):
                        done = self._vectors_pass(on_start)
                        if done is None:
                            break
                        embedded = (embedded or 0) + done
                if not self._vectors_behind():  # (a load that committed after the last pass left them to it too)
                    break
            return embedded
        except (OSError, ValueError, sqlite3.Error) as e:
            log.warning("cannot write the vectors at %s (%s); papers rank by words alone until they are", folder, e)
            return None

    def _vectors_behind_by(self) -> tuple[bool, str | None]:
        """Whether the vectors are to be brought in step, and, when that may be more than a few seconds' work,
        what is behind (None: a library of at most OPEN_EMBED_MAX papers, which even embedded whole takes
        seconds). (Which papers are behind is not counted: that reads every paper, seconds at 1M.)"""
        found = self._current_vectors()
        db = self.db
        in_step = found is not None and store.in_step(db, found.store_version)
        if in_step and found is not None and found.ann is not None:  # (the usual open: nothing counted)
            return False, None
        count = db.conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
        if in_step and count < vectors_module.ANN_MIN_PAPERS:
            return False, None
        if count <= OPEN_EMBED_MAX:
            return True, None
        if found is None:
            return True, f"the {count:,} papers have no vectors yet: they rank by words alone"
        if not in_step:
            return True, (f"the vectors are not in step with the {count:,} papers: those added or changed since "
                          "they were built rank by words alone")
        return True, "the vectors have no approximate index yet: searches scan every vector, more slowly"

    def _vectors_behind(self) -> bool:
        """Whether the vectors on disk are not of the store as it is now."""
        found = self.vectors.current()
        reader = store.open_db(self.db_path, read_only=True)
        try:
            return found is None or not store.in_step(reader, found.store_version)
        finally:
            reader.close()

    def _vectors_pass(self, on_start: Callable[[int], None] | None) -> int | None:
        """Build the vectors of the store as it is now, if they are not of it (or lack the approximate index
        they should have); how many papers were embedded."""
        previous = self.vectors.current()  # (from disk: a file damaged since it was last read is found so)
        reader = store.open_db(self.db_path, read_only=True)
        try:
            reader.conn.execute("BEGIN")  # (the papers, their count and version from one committed state)
            version = store.version(reader)
            count = reader.conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
            if (previous is not None and previous.store_version == version
                    and (previous.ann is not None or count < vectors_module.ANN_MIN_PAPERS)):
                return None
            if previous is not None and not _readable(previous):
                previous = None  # (its ids unreadable: every paper is embedded anew)
            started = time.perf_counter()
            done = self._vectors_by_touched(reader, previous, count, version, on_start)
            if done is None:
                if on_start is not None:
                    have = previous.rows if previous is not None else {}  # (readable: checked above)
                    on_start(sum(pid not in have for (pid,) in reader.conn.execute("SELECT id FROM papers")))
                rows = reader.conn.execute("SELECT id, title, abstract FROM papers ORDER BY id")
                done = self.vectors.build(rows, count, version, previous)
            built, embedded = done
            with self._vectors_lock:  # (what the loads before this version touched is of no more use)
                self._touched = next((self._touched[i:] for i, (before, _, _) in enumerate(self._touched)
                                      if before == version), [])
            log.info("vectors in step: %d papers embedded, %d kept, in %.1f s", embedded, len(built) - embedded,
                     time.perf_counter() - started)
            return embedded
        finally:
            if reader.conn.in_transaction:
                reader.conn.execute("ROLLBACK")
            reader.close()

    def _touched_since(self, version: str | None, now: str) -> set[str] | None:
        """The ids of the papers this process's loads touched from store `version` to `now` (None: it cannot say:
        it did not make every load between them, or one touched too many)."""
        with self._vectors_lock:
            chain = list(self._touched)
        ids: set[str] = set()
        for before, after, touched in chain:
            if version != now and before == version:
                if touched is None:
                    return None
                ids |= touched
                version = after
        return ids if version == now else None

    def _vectors_by_touched(self, reader: sqlite_utils.Database, previous: Vectors | None, count: int,
                            version: str, on_start: Callable[[int], None] | None) -> tuple[Vectors, int] | None:
        """The set on disk brought in step by embedding only the papers this process's loads touched since it
        was built (None: it cannot say which, or what it says does not add up to the papers stored)."""
        touched = self._touched_since(previous.store_version, version) if previous is not None else None
        if previous is None or touched is None:
            return None
        papers = [row for sql, chunk in store.in_chunks(
            "SELECT id, title, abstract FROM papers WHERE id IN ({marks})", sorted(touched))
            for row in reader.conn.execute(sql, chunk)]
        papers.sort()
        if on_start is not None:
            on_start(len(papers))
        done = self.vectors.update(previous, papers, touched, count, version)
        if done is None:
            log.warning("the papers the loads touched (%d) do not account for the %d stored; every paper's vector "
                        "is checked", len(touched), count)
        return done

    def _current_vectors(self) -> Vectors | None:
        """The vectors as last written by any process (re-read when `current.json` changes)."""
        try:
            stamp = (self.vectors.path / "current.json").stat().st_mtime_ns
        except OSError:
            return None
        with self._vectors_lock:
            if stamp != self._vectors[0]:
                found = self.vectors.current()
                # (None while a writer swaps sets: the last set read still answers)
                if found is not None or self._vectors[1] is None:
                    self._vectors = (stamp, found)
            return self._vectors[1]

    def _write_failure(self, e: Exception) -> Exception:
        """A load that could not write (the disk full, the index folder made read-only) as a clear error: the
        store's transaction was rolled back, so the library holds what it held; the index, if it committed
        first, is repaired from the store (now, if the process goes on; at the next start otherwise)."""
        text = str(e)
        if "disk is full" in text or "No space left" in text or getattr(e, "errno", None) == errno.ENOSPC:
            why = f"the disk holding {self.db_path} is full"
        elif isinstance(e, sqlite3.OperationalError) or disk_refused(e):
            why = f"{self.db_path} or its index {self.index.path} could not be written"
        else:
            return e  # (not a write failure: a bug, shown as one)
        self._repair_soon()
        return PapersBotError(f"{why} ({text}); the load was undone and the library still holds what it held "
                              "before. Free some space or restore write access, then load again")

    def reload(self, folder: str | Path | None, *, attached: Sequence[tuple[str, bytes]] = ()) -> store.LoadSummary:
        """What an admin's reload does. With a data folder: the library becomes exactly that folder's listings and
        the attached ones. Without one: every file the library's papers were read from (the bundled sample
        among them) is read again, with the attached listings, adding and updating but removing nothing, so a
        routine command never discards papers an operator loaded (`papers-bot load --replace` removes)."""
        if folder is not None:
            return self.load([folder], replace=True, attached=attached)
        with self.reading() as (db, _):
            recorded = [f for (f,) in db.conn.execute("SELECT DISTINCT file FROM sources ORDER BY file")]
        files: list[Path] = []
        gone: list[Path] = []
        for name in recorded:
            if name.startswith(("attachment/", store.HARVESTED)):
                continue  # (read from a message once, or harvested: their papers stay)
            path = sample_folder() / name.removeprefix("sample/") if name.startswith("sample/") else Path(name)
            (files if path.is_file() else gone).append(path)
        summary = self.load(files, attached=attached)
        summary.warnings += [f"{path}: no longer there; its papers are kept" for path in gone]
        return summary

    @contextlib.contextmanager
    def _request(self) -> Iterator[None]:
        """Count this thread as reading through its connection while inside (`close` waits for none)."""
        with self._connections_lock:
            self._connections_lock.wait_for(lambda: not self._closing)  # (new requests wait out a close)
            self._readers += 1
        try:
            yield
        finally:
            with self._connections_lock:
                self._readers -= 1
                self._connections_lock.notify_all()

    @contextlib.contextmanager
    def reading(self) -> Iterator[tuple[sqlite_utils.Database, Snapshot]]:
        """This thread's connection inside a read transaction, and the index snapshot of the same store
        version: everything one request reads comes from one generation, whatever a load commits meanwhile.

        A load commits the index just before the store, so a reader that still sees the old store finds the
        old index snapshot kept here, and one that sees the new store finds the new index on disk."""
        with self._request():
            db = self.db
            db.conn.execute("BEGIN")
            try:
                version = store.version(db)  # the first read fixes the transaction's snapshot
                yield db, dataclasses.replace(self._snapshot(db, version), vectors=self._current_vectors())
            finally:
                db.conn.execute("COMMIT")

    def _snapshot(self, db: sqlite_utils.Database, version: str) -> Snapshot:
        with self._snapshots_lock:
            found = self._snapshots.get(version)
            if found is None:
                found = self.index.snapshot()
                if found.store_version != version and not store.in_step(db, found.store_version):
                    # The index is not at this store version: a load is between its commits (it brings them in
                    # step), or one died there, or another process left it so. Answer from the index as it is
                    # (papers missing from the store are left out) and have it repaired meanwhile.
                    log.warning("index at %s, store at %s: answering from the index as it is",
                                found.store_version, version)
                    self._repair_soon()
                    return found
                self._snapshots[version] = found
                while len(self._snapshots) > 2:  # the current one and the one before it (a load committing)
                    del self._snapshots[next(iter(self._snapshots))]
            return found

    def _repair_soon(self) -> None:
        """Rebuild the index from the store in a background thread: one attempt at a time, at most one every
        REPAIR_EVERY seconds (a rebuild that finds a load writing the index leaves it to the load)."""
        with self._repair_lock:
            now = time.monotonic()
            if self._repairing or now - self._repair_tried < REPAIR_EVERY:
                return
            self._repairing, self._repair_tried = True, now
            thread = self._repair_thread = threading.Thread(target=self._repair, name="papers-bot index repair",
                                                            daemon=True)
        thread.start()

    def _take_load_lock(self) -> bool:
        """The lock a load holds in this process; a repair holding it is waited for (it holds the index's writer
        lock too, and the load would find that busy). False: another load holds it."""
        while not self._load_lock.acquire(blocking=False):
            with self._repair_lock:
                thread = self._repair_thread if self._repairing else None
            if thread is None or thread is threading.current_thread():
                return False
            thread.join()
        return True

    def _repair(self) -> None:
        try:
            # A load running here brings the index in step itself (and holds its writer lock).
            if not self._load_lock.acquire(blocking=False):
                return
            try:
                with self._request():
                    try:
                        self.check_index()
                    finally:
                        self._close_thread_connection()
            finally:
                self._load_lock.release()
        except Exception as e:
            if disk_refused(e):  # (a full disk: said in a line; the repair is tried again later)
                log.warning("cannot repair the index at %s (%s); answering from it as it is", self.index.path, e)
            else:
                log.exception("repairing the index failed; answering from it as it is")
        finally:
            with self._repair_lock:
                self._repairing = False

    def _close_thread_connection(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            with self._connections_lock:
                self._connections.remove(db)
            self._local.db = None
            db.close()

    def _read(self, call: Callable[[sqlite_utils.Database, Snapshot], Any]) -> Any:
        """`call` inside `reading()`. An index whose files are damaged (tantivy raises, or panics) is replaced by
        one rebuilt from the store, and the call made again: the store is the record, the index derived."""
        seen = self._index_resets
        try:
            with self.reading() as (db, snapshot):
                return call(db, snapshot)
        except BaseException as e:
            if disk_refused(e):
                raise PapersBotError(
                    f"cannot read the index at {self.index.path}: its disk refuses writes ({e}), and tantivy writes "
                    "a lock file even to read. Restore write access or free some space; nothing was lost"
                ) from e
            if not self._damaged(e):
                raise
        self._reset_index(seen)
        try:
            with self.reading() as (db, snapshot):
                return call(db, snapshot)
        except BaseException as e:
            if not index_fault(e):
                raise
            raise PapersBotError(
                f"the index at {self.index.path} is damaged and rebuilding it did not help ({type(e).__name__}: {e}); "
                "check the disk, then delete the folder: it is rebuilt from the database"
            ) from None

    def _damaged(self, e: BaseException) -> bool:
        """Whether `e` says the index's files are damaged (then logged as such)."""
        if not index_fault(e):
            return False
        log.error("the index at %s is damaged (%s: %s); rebuilding it from the store", self.index.path,
                  type(e).__name__, e)
        return True

    def _reset_index(self, seen: int) -> None:
        """Start the index afresh and rebuild it, unless another thread did since this one saw it damaged."""
        with self._reset_lock:
            if self._index_resets != seen:
                return
            if not self._take_load_lock():
                raise StoreBusy("the index is damaged and a load is running; try again when it has finished")
            try:
                with self._request():  # (close waits for the rebuild, whose connection it would close)
                    with self._snapshots_lock:  # (no request keeps a snapshot of the damaged index)
                        self._snapshots.clear()
                        self.index.reset()
                    self.check_index()
                    self._index_resets += 1
            finally:
                self._load_lock.release()

    def search(self, query: str, *, k: int = 10, passages: bool = False) -> SearchResult:
        """The papers ranked for a search (`search`, `!papers`); with `passages`, each one's best passage
        (`result.passages`): the same for the command line, the console and Discord."""
        return self._with_passages(self._read(lambda db, snapshot: search(db, snapshot, query, k=k)), passages)

    def related(self, paper_id: str, *, k: int = 10, passages: bool = False) -> SearchResult:
        """The papers like one paper, never itself (`related <id>`, `!related`, the Related button)."""
        result = self._read(lambda db, snapshot: related(db, snapshot, clean(paper_id), k=k))
        return self._with_passages(result, passages)

    def rank_question(self, question: str, *, k: int = 10, passages: bool = False) -> SearchResult:
        """The papers ranked for a question, as `ask` and the Discord channels rank them; with `passages`, each
        paper's best passage too."""
        result = self._read(lambda db, snapshot: search(db, snapshot, question, k=k, question=True))
        return self._with_passages(result, passages)

    @staticmethod
    def _with_passages(result: SearchResult, passages: bool) -> SearchResult:
        if passages:
            result.passages = best_passages(result.hits, result.terms, result.idf)
        return result

    def ask(self, question: str, *, k: int = 3, context: Context | None = None) -> Answer:
        return self._read(lambda db, snapshot: ask(db, snapshot, question, k=k, context=context))

    def reads_as_request(self, text: str) -> bool:
        """Whether a message in an answer channel asks for papers (`retrieval.answer.reads_as_request`)."""
        return bool(self._read(lambda _db, snapshot: reads_as_request(snapshot, clean(text))))

    def paper(self, paper_id: str) -> StoredPaper:
        # (clean: an argument of undecodable bytes is still text)
        return self._read(lambda db, _: store.get_paper(db, clean(paper_id)))

    def papers(self, ids: Sequence[str]) -> tuple[list[StoredPaper], list[str]]:
        """The papers these ids name (each looked up as `paper` looks one up), in order and without repeats; and
        the ids no paper has."""

        def find(db: sqlite_utils.Database, _: Snapshot) -> tuple[list[StoredPaper], list[str]]:
            found: dict[str, StoredPaper] = {}
            missing = []
            for said in ids:
                try:
                    paper = store.get_paper(db, clean(said))
                except PaperNotFound:
                    missing.append(said)
                    continue
                found.setdefault(paper.id, paper)
            return list(found.values()), missing

        return self._read(find)

    def trend(self, text: str) -> list[Topic]:
        """Papers per year for each topic of `text` (`diffusion | GAN`), as the index counts them."""
        return self._read(lambda _, snapshot: count_topics(snapshot, text))

    def author(self, name: str, *, limit: int = 50) -> AuthorLookup:
        """An author's profile and papers, newest first: the papers `author:NAME` finds (profile pages included)."""
        name = tex_to_text(clean(name))  # (`M\"uller`, as arXiv writes him)

        def find(db: sqlite_utils.Database, snapshot: Snapshot) -> AuthorLookup:
            found = find_person(db, snapshot, name)
            if not found.name:
                return found
            ids, total = papers_by(snapshot, found.name, limit=limit)
            return dataclasses.replace(found, papers=tuple(store.get_papers(db, ids)), total=total)

        return self._read(find)

    def write(self, call: Callable[[sqlite_utils.Database], T]) -> T:
        """`call(db)` through this thread's connection: the small writes besides loads (a follow, a harvest's
        progress), each its own transaction (store.state). Refused, saying why, when the library is read-only."""
        if self.read_only:
            # (no path: this is said in Discord too, and the host's folders are not its servers' business)
            raise PapersBotError(f"The library is read-only ({self.read_only}): nothing can be changed in it")
        with self._request():
            try:
                return call(self.db)
            except sqlite3.OperationalError as e:
                raise self._write_failure(e) from e

    def vote_cards(self, query: str, paper_ids: Sequence[str]) -> dict[str, int]:
        """The card id of each paper shown for `query` with vote buttons (empty where the library is read-only:
        no buttons for votes it could not keep). A search never waits for a load for them: while one writes, its
        results come without buttons."""
        if self.read_only:
            return {}
        try:
            return self._briefly(lambda db: state.vote_cards(db, query, paper_ids))
        except StoreBusy:
            return {}

    def vote(self, card_id: int, user_id: int, value: int, *, guild_id: str | None = None
             ) -> tuple[state.VoteCard, int | None]:
        """Record a 👍 (1) or 👎 (-1) on a result card, replacing the voter's earlier one: the card and that.
        StoreBusy while a load writes: the bot tries again until it ends (`pages.patiently`), never losing it."""
        return self._briefly(lambda db: state.vote(db, card_id, user_id, value, guild_id=guild_id))

    def vote_card(self, card_id: int) -> state.VoteCard:
        """A result card's query and paper, by the id its buttons carry."""
        return self._read(lambda db, _: state.vote_card(db, card_id))

    def forget_votes(self, user_id: int) -> int:
        """Delete every vote a person gave; how many there were (StoreBusy while a load writes, as `vote`)."""
        return self._briefly(lambda db: state.forget_voter(db, user_id))

    def feedback(self) -> tuple[list[state.Judged], list[tuple[str, int, int]]]:
        """Every judged card's votes, and the votes by month."""
        return self._read(lambda db, _: (state.judged(db), state.votes_by_month(db)))

    def export_feedback(self, folder: Path) -> tuple[int, int]:
        """The votes as a test collection in `folder` (feedback.export_collection): how many queries, judgements."""
        return self._read(lambda db, _: export_collection(folder, state.judged(db), store.iter_papers(db)))

    def _briefly(self, call: Callable[[sqlite_utils.Database], T]) -> T:
        """`write(call)`, or StoreBusy at once while a load writes (in this process, or for more than
        BRIEF_WAIT_MS in another): a worker thread never sits out a load, which can take minutes."""
        if self._load_lock.locked():
            raise StoreBusy("a load is writing the library")

        def briefly(db: sqlite_utils.Database) -> T:
            waits = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
            db.conn.execute(f"PRAGMA busy_timeout = {BRIEF_WAIT_MS}")
            try:
                return call(db)
            finally:
                db.conn.execute(f"PRAGMA busy_timeout = {int(waits)}")

        return self.write(briefly)

    def follow(self, channel_id: str, query: str, *, guild_id: str | None = None,
               added_by: str | None = None) -> state.Follow:
        """A channel follows `query` (`!follow`): its digests show the new papers that match it."""
        query = clean(query)
        if self._read(lambda _, snapshot: follow_query(snapshot, query)) is None:
            raise PapersBotError(
                f"{query!r} selects no papers to follow: give words, a \"phrase\", author:\"Name\", cat:cs.CV or "
                "has:code (not `related`)"
            )
        return self.write(lambda db: state.add_follow(db, channel_id=channel_id, query=query, guild_id=guild_id,
                                                      added_by=added_by))

    def unfollow(self, channel_id: str, number: int) -> state.Follow:
        return self.write(lambda db: state.remove_follow(db, channel_id, number))

    def following(self, channel_id: str | None = None) -> list[state.Follow]:
        return self._read(lambda db, _: state.follows(db, channel_id))

    def digests(self, *, revisions: bool = False, per_follow: int = state.PER_FOLLOW,
                most: int = state.PER_DIGEST) -> list[state.Digest]:
        """For each channel that follows something and has changes its digests have not covered: the papers those
        changes brought that its follows match, not shown there before (with `revisions`, new versions of papers
        shown before too), newest first under the first follow each matches, at most `per_follow` of a follow's
        and `most` in all (the rest counted)."""

        def find(db: sqlite_utils.Database, snapshot: Snapshot) -> list[state.Digest]:
            generation = store.generation(db)
            channels: dict[str, list[state.Follow]] = {}
            cursors: dict[int, set[str]] = {}  # the follows behind the store, by how far they have looked
            for f in state.follows(db):
                channels.setdefault(f.channel_id, []).append(f)
                if f.through < generation:
                    cursors.setdefault(f.through, set()).add(f.query)
            changed, matches = {}, {}
            for through, queries in cursors.items():
                changes = changed[through] = state.changes_after(db, through)
                # (without `revisions`, only papers new to the library: not new versions of ones it held)
                wanted = changes if revisions else {pid for pid, kind in changes.items() if kind == "added"}
                matches[through] = follow_matches(snapshot, queries, wanted)
            found = []
            for channel_id, mine in channels.items():
                if all(f.through >= generation for f in mine):
                    continue
                matched: dict[str, tuple[int, str]] = {}  # paper id -> (its first matching follow, its change)
                for number, f in enumerate(mine, 1):
                    for pid in matches[f.through][f.query] if f.through < generation else ():
                        matched.setdefault(pid, (number, changed[f.through][pid]))
                shown = state.announced(db, channel_id, matched)
                dates = state.dates(db, matched)
                groups: dict[int, list[state.Candidate]] = {}
                for pid, (number, change) in matched.items():
                    if pid not in dates:
                        continue
                    date, updated = dates[pid]
                    # (a paper known only from a new version's announcement has no first version's date)
                    revised = change == "updated" or (date is None and updated is not None)
                    if revised and not revisions:
                        continue
                    if pid in shown and shown[pid] == state.version(date, updated):
                        continue  # (never the same version twice in a channel)
                    groups.setdefault(number, []).append(state.Candidate(pid, revised, updated or date or ""))
                found.append(state.Digest.of(channel_id, mine, groups, generation, per_follow=per_follow, most=most,
                                             papers=lambda ids: store.get_papers(db, ids)))
            return found

        return self._read(find)

    def posting(self, channel_id: str, content: str, papers: Sequence[tuple[str, str | None]]) -> state.Post:
        """A digest message written to the outbox, with its nonce, before it is posted (its papers are then left
        out of the channel's digests); `posted` settles it."""
        return self.write(lambda db: state.write_post(db, channel_id, content, papers))

    def posted(self, post: state.Post, *, shown: bool) -> None:
        """A digest message went out (`shown`: its papers recorded as shown), or surely did not."""
        self.write(lambda db: state.post_done(db, post, shown=shown))

    def pending_posts(self) -> list[state.Post]:
        """Digest messages not yet known to have gone out (a post cut short by a stop, a crash, a 5xx)."""
        return self._read(lambda db, _: state.pending_posts(db))

    def refused_since(self, channel_id: str, when: float) -> float:
        return self.write(lambda db: state.refused_since(db, channel_id, when))

    def digested(self, digest: state.Digest) -> None:
        """A digest was posted whole (or had nothing to show, or was dropped): its follows have covered its
        changes."""
        self.write(lambda db: state.mark_digested(db, digest.channel_id, digest.follow_ids, digest.through))

    def lease(self, name: str, holder: str, seconds: float, *, now: float | None = None) -> bool:
        """Hold the lease `name` for `seconds` (or renew it): False while another holder's has not lapsed."""
        return self.write(lambda db: state.lease(db, name, holder, seconds, now=now))

    def release(self, name: str, holder: str) -> None:
        self.write(lambda db: state.release(db, name, holder))

    def guild_settings(self, guild_id: str | None = None) -> list[state.GuildSetting]:
        """A server's own settings (every server's, without one): `/settings`, and the bot's look-up."""
        return self._read(lambda db, _: state.guild_settings(db, guild_id))

    def set_guild_setting(self, guild_id: str, setting: str, value: str, *, by: str | None,
                          channel_id: str = "") -> str | None:
        """A server's value of a setting (checked by the caller), logged with who set it; the value it replaces."""
        return self.write(lambda db: state.set_guild_setting(db, guild_id, setting, value, by=by,
                                                             channel_id=channel_id))

    def reset_guild_settings(self, guild_id: str, setting: str | None = None, *,
                             by: str | None) -> list[state.GuildSetting]:
        """A server's setting (or all of them) back to the configuration file's; those removed."""
        return self.write(lambda db: state.reset_guild_settings(db, guild_id, setting, by=by))

    def setting_changes(self, guild_id: str, *, limit: int = 10) -> list[state.SettingChange]:
        return self._read(lambda db, _: state.setting_changes(db, guild_id, limit=limit))

    def guild_left(self, guild_id: str, when: float) -> None:
        self.write(lambda db: state.guild_left(db, guild_id, when))

    def guilds_present(self, present: Sequence[str], when: float, *,
                       ours: Callable[[str], bool] = lambda _: True) -> list[str]:
        """Note the servers the bot is in; delete the settings of those it left 30 days ago (state.guilds_present)."""
        return self.write(lambda db: state.guilds_present(db, present, when, ours=ours))

    def ping(self) -> None:
        """Read the store and the index, as a search would (raising what it would meet): for a health check."""
        self._read(lambda db, snapshot: (db.execute("SELECT 1 FROM meta LIMIT 1").fetchone(), snapshot.stored_docs))

    def why(self, paper_id: str, query: str) -> Why:
        """Why a paper is a result for a query: its words, their rarity, the filters, the score's parts."""
        return self._read(lambda db, snapshot: why(db, snapshot, paper_id, query))

    def author_names(self, typed: str, *, limit: int = 25) -> list[str]:
        """Authors' names as the library writes them that start with `typed`, or whose family name does (any
        case): autocomplete."""
        return self._read(lambda db, _: store.author_names(db, clean(typed), limit=limit))

    def freshness(self) -> dict[str, Any]:
        """How current the library is: its papers, its newest paper's date, and when a harvest last finished."""
        return self._read(lambda db, _: store.freshness(db))

    def stats(self) -> dict[str, Any]:
        def read(db: sqlite_utils.Database, snapshot: Snapshot) -> dict[str, Any]:
            found = store.stats(db)
            vectors = snapshot.vectors
            have = vectors.rows if vectors is not None and _readable(vectors) else {}
            # (no set at all, while there are papers: not in step either)
            stale = not store.in_step(db, vectors.store_version) if vectors is not None else found["papers"] > 0
            missing = sum(pid not in have for (pid,) in db.conn.execute("SELECT id FROM papers"))
            found["vectors"] = {"papers": found["papers"] - missing, "pending": missing, "in_step": not stale}
            return found

        return self._read(read)

    def close(self, *, wait: float = CLOSE_WAIT) -> None:
        """Close every thread's connection, once no request is reading through one (the bot closes while
        requests may still be running in worker threads: a connection closed under a running query crashes the
        process). Requests arriving meanwhile wait, then open new connections. A load closes its own connection
        itself."""
        with self._connections_lock:
            self._closing = True
            try:
                if not self._connections_lock.wait_for(lambda: self._readers == 0, wait):
                    log.warning("%d requests still reading after %.0f s: their connections are left open",
                                self._readers, wait)
                    return
                for db in self._connections:
                    db.close()
                self._connections.clear()
                self._local = threading.local()
            finally:
                self._closing = False
                self._connections_lock.notify_all()
