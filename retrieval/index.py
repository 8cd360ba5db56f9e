"""The tantivy index: derived from the store, rebuildable from it, never out of step with it.

The index holds one meta document recording the store version it matches (`store.db.version`). A load
updates the index in the same pass that writes the store, and commits it just before the store commits; if
the store commit never happens (a crash), the versions differ and the library rebuilds the index from the
store before it next searches or loads.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import tantivy

from papers_bot.errors import PapersBotError, StoreBusy
from papers_bot.retrieval.analysis import NAMES, TEXT, author_keys, name_analyzer, text_analyzer
from papers_bot.retrieval.names import paper_name_keys, venue_keys
from papers_bot.retrieval.vectors import Vectors, paper_key
from papers_bot.store.paper import StoredPaper

log = logging.getLogger(__name__)

INDEX_VERSION = 9
# The writer's heap is split between its threads, and each thread's share sets how many documents go into one
# segment; every search walks every segment (at 1M papers, 128 MB a thread left 9 segments and 256 MB 4: search p50
# 2.0-2.2 -> 1.7 ms, README "Scale"). One thread with 256 MB makes the segments that two with 512 MB made, in half
# the memory, and keeps up: it indexes a paper in about 56 µs of CPU, where the load spends about 100 in Python.
# It is taken as documents arrive, so small loads stay small.
WRITER_HEAP = 256_000_000
WRITER_THREADS = 1
META_ID = "\x00meta"
UNKNOWN_CATEGORY = "unknown"  # the category term of a paper filed under none (`cat:unknown`)


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    # A hash of the id (`paper_key`), read from a column for a whole list of hits at once where `searcher.doc`
    # would decompress a stored block for each (meaning beside words fuses a hundred candidates a search).
    sb.add_unsigned_field("key", indexed=True, fast=True)
    sb.add_text_field("kind", tokenizer_name="raw")  # "paper" on every paper: what filter-only queries start from
    sb.add_text_field("title", tokenizer_name=TEXT)
    # Title, abstract, and the listing's comment and journal reference (`Accepted by ICML 2023`) as one field
    # (search.FIELD_BOOSTS).
    sb.add_text_field("text", tokenizer_name=TEXT)
    # The words of the title and abstract as written (lower case, unstemmed), document ids only: how many papers
    # use a spelling, for reading typos in questions (retrieval.spelling).
    sb.add_text_field("words", tokenizer_name=NAMES, index_option="basic")
    sb.add_text_field("name_key", tokenizer_name="raw")  # what the paper is called (retrieval.names)
    sb.add_text_field("venue", tokenizer_name="raw")  # where it appeared: `icml`, `icml@2023` (retrieval.names)
    sb.add_text_field("authors", tokenizer_name=NAMES)
    # Each name as a few whole terms (`author_keys`): author:"Wei Zhang" is one look-up, not a phrase over two
    # common words, never matches the end of one author's name and the start of the next, and meets the
    # other ways the name is written (`Zhang, W.`).
    sb.add_text_field("author_name", tokenizer_name="raw")
    sb.add_text_field("category", tokenizer_name="raw")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("date", indexed=True, fast=True)  # yyyymmdd, for newest-first
    sb.add_unsigned_field("has_code", indexed=True)
    sb.add_text_field("meta", stored=True, tokenizer_name="raw")
    return sb.build()


@functools.lru_cache(maxsize=4096)  # (a few thousand category lists cover arXiv)
def category_terms(categories: tuple[str, ...]) -> tuple[str, ...]:
    """`cs.CV` -> `cs.cv`, `cv`, `cs`; `CV` -> `cv`: so `cat:CV` finds feed and arXiv papers alike."""
    terms: list[str] = []
    for c in categories:
        c = c.strip().lower()
        if c:
            terms += [c, *c.split(".")] if "." in c else [c]
    return tuple(dict.fromkeys(terms))


def paper_document(paper: StoredPaper) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", paper.id)
    doc.add_unsigned("key", paper_key(paper.id))
    doc.add_text("kind", "paper")
    doc.add_text("title", paper.title)
    doc.add_text("text", paper.title)
    doc.add_text("text", paper.abstract)
    doc.add_text("words", f"{paper.title}\n{paper.abstract}")
    for note in (paper.comment, paper.journal_ref):
        if note:
            doc.add_text("text", note)
    for key in paper_name_keys(paper):
        doc.add_text("name_key", key)
    for key in venue_keys(paper):
        doc.add_text("venue", key)
    # The author of a profile page that lists the paper is one of its authors, though the listing's author
    # line is often cut short before their name.
    for name in (*paper.authors, *paper.listed_by):
        doc.add_text("authors", name)
        for key in author_keys(name):
            doc.add_text("author_name", key)
    for term in category_terms(paper.categories) or (UNKNOWN_CATEGORY,):
        doc.add_text("category", term)
    if paper.year is not None:
        doc.add_integer("year", paper.year)
    if paper.date:
        doc.add_integer("date", int(paper.date.replace("-", "")))
    doc.add_unsigned("has_code", int(paper.has_code))
    return doc


def index_fault(e: BaseException) -> bool:
    """Whether `e` is tantivy finding its files damaged: a ValueError from the library, or a Rust panic (pyo3's
    PanicException, a BaseException, which no handler for Exception catches); not the disk refusing a write."""
    return type(e).__name__ == "PanicException" or (isinstance(e, ValueError) and not disk_refused(e))


# How tantivy's errors name the disk refusing a write: permission denied, no space left, read-only filesystem.
_REFUSED = re.compile(r"\b(?:code: |os error )(?:13|28|30)\b")


def disk_refused(e: BaseException) -> bool:
    """Whether `e` is the disk refusing to write (tantivy writes a lock file even to read): not damage, so
    nothing is to be rebuilt; the operator must restore write access or space."""
    return (isinstance(e, OSError) and e.errno in (errno.EACCES, errno.ENOSPC, errno.EROFS)) or (
        isinstance(e, ValueError) and bool(_REFUSED.search(str(e))))


def paper_id(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
    """The id of a document the index found (every document has one)."""
    return cast(str, searcher.doc(address).get_first("id"))


def paper_keys(searcher: tantivy.Searcher, addresses: Sequence[tantivy.DocAddress]) -> list[int]:
    """The keys (`paper_key`) of documents the index found, read from their column."""
    return cast(list[int], searcher.fast_field_values("key", list(addresses)))


def match_count(found: tantivy.SearchResult) -> int:
    """How many documents a search with count=True matched."""
    return found.count or 0  # type: ignore[attr-defined]  # (tantivy's stub lacks SearchResult.count)


def _temporary_folder() -> tempfile.TemporaryDirectory[str]:
    """A folder for this process: in the system's temporary folder, else in memory (`/dev/shm`) when that disk is
    full or read-only as well (a one-disk machine whose disk filled up)."""
    for where in (None, "/dev/shm"):
        try:
            return tempfile.TemporaryDirectory(prefix="papers-bot-index-", dir=where)
        except OSError:
            continue
    raise PapersBotError("the index cannot be read: it needs a folder of this process's own (tantivy writes a lock "
                         "file even to read), and neither the temporary folder nor /dev/shm can be written; free "
                         "some space")


class PaperIndex:
    """An on-disk tantivy index of the papers in one store."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.schema = _schema()
        self._mirror: tempfile.TemporaryDirectory[str] | None = None
        if read_only:
            self.path = self._mirror_of(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._index = tantivy.Index(self.schema, str(self.path), reuse=True)
        except ValueError as e:
            # Another version's schema, or damaged: it is derived data, so it starts afresh (the library refills it).
            log.warning("index at %s cannot be opened (%s); starting it afresh", self.path, e)
            self.reset()
            return
        self._configure()

    def _mirror_of(self, folder: Path) -> Path:
        """A folder of this process's own that shows `folder`'s index files: tantivy cannot open an index it may
        not write (it takes a lock file even to read). Segment files are linked, not copied (they never change);
        the small files naming them are copied. A rebuild (the index out of step with a read-only store) writes
        here, never to `folder`; the mirror goes when the index object does."""
        self._mirror = _temporary_folder()
        mirror = Path(self._mirror.name)
        for file in folder.iterdir() if folder.is_dir() else ():
            if file.name.startswith(".tantivy-") or not file.is_file():
                continue  # (the lock files: the mirror has its own)
            if file.name in ("meta.json", ".managed.json"):
                shutil.copyfile(file, mirror / file.name)
            else:
                (mirror / file.name).symlink_to(file.absolute())
        log.info("%s is read-only: reading its index through %s", folder, mirror)
        return mirror

    def reset(self) -> None:
        """Replace the index with an empty one (it is derived: the library then rebuilds it from the store).
        Searches still holding the old one read its files, which stay readable until they let go."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self.schema, str(self.path), reuse=False)
        self._configure()

    def _configure(self) -> None:
        self._index.register_tokenizer(TEXT, text_analyzer())
        self._index.register_tokenizer(NAMES, name_analyzer())
        self._index.config_reader("manual")

    def snapshot(self) -> Snapshot:
        """The index as last committed (reloaded from disk): a fixed view, whatever commits after."""
        try:
            self._index.reload()
        except ValueError as e:
            if not disk_refused(e):
                raise
            # (the folder turned read-only or full since: the index as last read is still what it was)
            log.warning("cannot re-read the index at %s (%s); answering from it as last read", self.path, e)
        searcher = self._index.searcher()
        hits = searcher.search(tantivy.Query.term_query(self.schema, "id", META_ID), 1, count=False).hits
        meta = json.loads(searcher.doc(hits[0][1]).get_first("meta") or "{}") if hits else {}
        return Snapshot(self.schema, searcher, meta.get("store") if meta.get("version") == INDEX_VERSION else None)

    @property
    def store_version(self) -> str | None:
        """The store version (`store.db.version`) this index was built from; None for an empty or old index."""
        return self.snapshot().store_version

    def update(self) -> IndexUpdate:
        """Start a change to the index (one writer at a time, across processes)."""
        try:
            writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
        except ValueError as e:
            if "LockBusy" not in str(e):
                raise
            raise StoreBusy(f"another load is writing {self.path}; try again when it has finished") from e
        # A writer killed inside its commit leaves files that no index version names; the next one making the
        # same changes would reach the same file names and fail on them. Clear them while holding the lock.
        writer.garbage_collect_files()
        return IndexUpdate(self, writer)



@dataclass(frozen=True)
class Snapshot:
    """One committed state of the index and the store version it was built from. Searches read a snapshot, so
    a commit in the middle of one changes nothing they see."""

    schema: tantivy.Schema
    _searcher: tantivy.Searcher
    store_version: str | None
    _doc_freq: dict[tuple[str, str], int] = field(default_factory=dict, compare=False, repr=False)
    # The papers' vectors as last written (retrieval.vectors), which may lag the index: None, words alone.
    vectors: Vectors | None = field(default=None, compare=False, repr=False)

    def searcher(self) -> tantivy.Searcher:
        return self._searcher

    @property
    def stored_docs(self) -> int:
        """Every document the index's segments hold, deleted ones not yet merged away included: the N of
        tantivy's BM25 idf. (A term's doc_freq counts deleted documents too, so the papers plus the meta
        documents, counted by their terms, are all of them.)"""
        return self.doc_freq("kind", "paper") + self.doc_freq("id", META_ID)

    def doc_freq(self, field_name: str, term: str) -> int:
        """How many papers hold `term` in the field, deleted ones not yet merged away included (remembered:
        the snapshot never changes)."""
        key = (field_name, term)
        df = self._doc_freq.get(key)
        if df is None:
            if len(self._doc_freq) > 500_000:
                self._doc_freq.clear()
            df = self._doc_freq[key] = self._searcher.doc_freq(field_name, term)
        return df


class IndexUpdate:
    """A change to the index, one writer at a time: a load's changes as it writes the store (it implements
    store.db.ChangeSink), or a refill with every paper."""

    def __init__(self, index: PaperIndex, writer: tantivy.IndexWriter) -> None:
        self.index = index
        self._writer: tantivy.IndexWriter | None = writer  # None once closed: dropping it releases the lock
        self.committed = False

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("this index change is closed")
        return self._writer

    def refill(self, papers: Iterable[StoredPaper]) -> int:
        """Replace every document with `rows`; how many."""
        self.writer.delete_all_documents()
        count = 0
        for paper in papers:
            self.writer.add_document(paper_document(paper))
            count += 1
        return count

    def upsert(self, paper: StoredPaper, *, replaces: Sequence[str]) -> None:
        for stale in replaces:
            self.writer.delete_documents_by_term("id", stale)
        self.writer.add_document(paper_document(paper))

    def delete(self, paper_id: str) -> None:
        self.writer.delete_documents_by_term("id", paper_id)

    def commit(self, store_version: str) -> None:
        """Commit the index, keeping the writer lock until `close` (after the store's commit)."""
        self.writer.delete_documents_by_term("id", META_ID)
        meta = tantivy.Document()
        meta.add_text("id", META_ID)
        meta.add_text("meta", json.dumps({"version": INDEX_VERSION, "store": store_version}))
        self.writer.add_document(meta)
        self.writer.commit()
        self.committed = True

    def close(self) -> None:
        """End the change: what was not committed is dropped, merges are waited for, and the writer lock is
        released (for a load, only now that the store has committed too)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if not self.committed:
            writer.rollback()
        writer.wait_merging_threads()
