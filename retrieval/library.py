"""The papers library: the store and its index together, as every front end (CLI, console, bot) uses it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from retrieval.answer import Answer, ask
from retrieval.index import PaperIndex
from retrieval.search import SearchResult, search
from store import db as store
from store.errors import StoreBusy
from store.parse import Listing, listing_files, read_listing, read_listing_bytes, sample_folder

log = logging.getLogger(__name__)


def source_name(path: Path) -> str:
    """How a file is remembered as a paper's source: the same file has the same name from any folder."""
    path = path.resolve()
    if path.parent == sample_folder().resolve():
        return f"sample/{path.name}"
    return str(path)


def index_path(db_path: str | Path) -> Path:
    """The index lives beside its database: `papers.db` -> `papers.db.index/`."""
    return Path(f"{db_path}.index")


class Library:
    """Papers in a SQLite store with a tantivy index derived from it."""

    def __init__(self, db_path: str | Path, *, sample_if_new: bool = True) -> None:
        self.db_path = Path(db_path)
        is_new = not self.db_path.exists()
        self._local = threading.local()
        self._connections: list[sqlite_utils.Database] = []
        self._connections_lock = threading.Lock()
        self.db  # creates the database and its schema
        self.index = PaperIndex(index_path(self.db_path))
        self._load_lock = threading.Lock()
        self.check_index()  # before any load: a load only updates an index that matches the store
        if is_new and sample_if_new:
            log.info("new database %s: loading the bundled sample papers", self.db_path)
            self.load([sample_folder()])

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection: searches in worker threads read the last committed data while a load
        writes through its own connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = store.open_db(self.db_path)
            with self._connections_lock:
                self._connections.append(db)
        return db

    def check_index(self) -> bool:
        """Rebuild the index from the store if it does not match it (a load stopped half-way). True if rebuilt."""
        wanted = store.version(self.db)
        have = self.index.store_version
        if have == wanted or (have is None and store.generation(self.db) == 0):
            return False  # in step, or both new and empty
        log.warning("index built from store %s, the store is %s: rebuilding the index", have, wanted)
        try:
            count = self.index.rebuild(store.iter_papers(self.db), wanted)
        except StoreBusy:
            log.warning("another process is writing the index; using it as it is")
            return False
        log.info("index rebuilt: %d papers", count)
        return True

    def load(
        self,
        paths: list[str | Path],
        *,
        replace: bool = False,
        attached: Sequence[tuple[str, bytes]] = (),
        on_batch: Callable[[Listing, int], None] | None = None,
    ) -> store.LoadSummary:
        """Load listing files (and `attached` (name, bytes) listings) into the store and index, all or nothing."""
        if not self._load_lock.acquire(blocking=False):
            raise StoreBusy("a reload is already running; try again when it has finished")
        writer = None
        try:
            # Read every file's format (and every text file whole) before writing anything.
            listings = [read_listing(f, name=source_name(f)) for f in listing_files(paths)]
            listings += [read_listing_bytes(data, name=name) for name, data in attached]
            update = self.index.update()
            writer = store.open_db(self.db_path)
            try:
                summary = store.load_listings(writer, listings, replace=replace, sink=update, on_batch=on_batch)
            except BaseException:
                update.rollback()
                raise
            if summary.changed or self.index.store_version != summary.version:
                update.commit(summary.version)
            else:
                update.rollback()
            return summary
        finally:
            if writer is not None:
                writer.close()
            self._load_lock.release()

    def search(self, query: str, *, k: int = 10) -> SearchResult:
        return search(self.db, self.index, query, k=k)

    def ask(self, question: str, *, k: int = 3) -> Answer:
        return ask(self.db, self.index, question, k=k)

    def paper(self, paper_id: str) -> dict[str, Any]:
        return store.get_paper(self.db, paper_id)

    def author(self, name: str) -> dict[str, Any]:
        return store.find_author(self.db, name)

    def stats(self) -> dict[str, Any]:
        return store.stats(self.db)

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()
