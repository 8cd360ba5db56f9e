"""The SQLite record of papers (through sqlite-utils): schema, all-or-nothing loads, reads.

Only this module writes the database. Everything else (the search index) is derived from it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from papers_bot.errors import PaperNotFound, PapersBotError, ParseError, StoreBusy
from papers_bot.store.paper import (
    AuthorLookup,
    AuthorProfile,
    Paper,
    Source,
    StoredPaper,
    code_link,
    doi_in,
    id_in,
    merge,
    normalise_arxiv_id,
)
from papers_bot.store.parse import Listing, file_hash, line_hash
from papers_bot.text import redact_urls

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: papers.raw
HARVESTED = "harvest/"  # how the sources of harvested papers start: `harvest/oai/cs:cs:CV`, `harvest/rss/cs.CV`
BATCH = 1000
LOAD_CACHE_KIB = 64 * 1024  # SQLite's page cache during a load
TEMP_CACHE_KIB = 16 * 1024  # and for its temporary tables

PAPER_COLUMNS = {
    "id": str,
    "title": str,
    "display_title": str,
    "authors": str,  # JSON array of names
    "authors_truncated": int,
    "affiliation": str,
    "abstract": str,
    "comment": str,
    "category": str,
    "categories": str,  # JSON array
    "year": int,
    "date": str,
    "date_text": str,
    "updated": str,
    "arxiv_id": str,
    "source_id": str,
    "doi": str,
    "journal_ref": str,
    "url": str,
    "pdf_url": str,
    "code_url": str,
    "has_code": int,
    "has_code_flag": int,
    "links": str,  # JSON array
    "raw": str,  # JSON object: the fields as the listing wrote them, where decoding its TeX changed them
    "title_key": str,
    "content_hash": str,
}


_INSERT_PAPER = (
    f"INSERT OR REPLACE INTO papers ({', '.join(PAPER_COLUMNS)}) VALUES ({', '.join('?' * len(PAPER_COLUMNS))})"
)


class ChangeSink(Protocol):
    """Receives every paper a load writes or removes, in order (the search index implements it)."""

    def upsert(self, paper: StoredPaper, *, replaces: Sequence[str]) -> None: ...

    def delete(self, paper_id: str) -> None: ...

    def commit(self, store_version: str) -> None:
        """Make the changes durable, as of `store_version`: called after the last change of a load that
        changed something, just before the store commits."""


@dataclass
class LoadSummary:
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (file, format, papers read)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    generation: int = 0
    version: str = ""  # the store's version after the load (see `version`)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


FULL_DISK_BYTES = 64 * 1024  # less free space than this, and SQLite cannot even start a write-ahead log


def write_problem(path: str | Path) -> str | None:
    """Why this process cannot write the database at `path` (None: it can): the file or its folder (where SQLite
    keeps its `-wal` and `-shm` files) not writable, or a read-only filesystem, or a full disk."""
    path = Path(path)
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "this process cannot write it or its folder"
    if path.parent.is_dir() and shutil.disk_usage(path.parent).free < FULL_DISK_BYTES:
        return "its disk is full"
    return None


def open_db(path: str | Path, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the papers database, in WAL mode with a busy timeout; `read_only` for a copy on
    a read-only disk or folder, or a full one (`_open_read_only`)."""
    if not read_only and not Path(path).exists() and Path(path).parent.is_dir() and (why := write_problem(path)):
        raise PapersBotError(f"{path}: no such database, and none can be created there: {why}")
    try:
        if read_only:
            conn = _open_read_only(Path(path))
        else:
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = sqlite_utils.Database(conn)
    except sqlite3.Error as e:  # (a folder, or a folder that does not exist)
        raise PapersBotError(f"{path}: cannot open the database ({e}); name a file in a folder that exists") from e
    try:
        if not read_only:
            if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.conn.execute("PRAGMA journal_mode=wal")
            db.conn.execute("PRAGMA synchronous=normal")
        ensure_schema(db, read_only=read_only)
    except sqlite3.DatabaseError as e:
        db.close()
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            raise
        raise PapersBotError(
            f"{path}: not a papers-bot database, or damaged ({e}); nothing was changed. Restore it from a "
            "backup, or name another file with --db"
        ) from e
    except BaseException:
        db.close()
        raise
    return db


def _open_read_only(path: Path) -> sqlite3.Connection:
    """`path` opened for reading only. With its `-wal` and `-shm` files there (or none needed), SQLite reads it
    as usual; without them it can only read the file as immutable, and what a `-wal` file holds is not read
    (every load checkpoints it into the file, so it holds a load only when readers held the checkpoint off)."""
    uri = path.absolute().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size:
        log.warning("%s cannot be read with its write-ahead log %s here (its -shm file cannot be created): what the "
                    "log holds is not read", path, wal)
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def checkpoint(db: sqlite_utils.Database) -> None:
    """Copy what the write-ahead log holds into the database file, as far as readers allow (never waits for
    them): a committed load then no longer depends on the `-wal` file."""
    db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


@contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction that holds the write lock from its start: committed at the end, rolled back on any error.

    Taking the lock first (BEGIN IMMEDIATE) waits out another writer with the busy timeout; a transaction that
    read first and then writes fails at once if another process committed in between."""
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        raise StoreBusy(f"the database is busy ({e}); another load is running, try again when it ends") from e
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK") if db.conn.in_transaction else None
        raise


def ensure_schema(db: sqlite_utils.Database, *, read_only: bool = False) -> None:
    if read_only and _meta(db, "schema_version") != str(SCHEMA_VERSION):
        raise PapersBotError(
            f"{db.conn.execute('PRAGMA database_list').fetchone()[2]}: read-only, and not a papers-bot database of "
            f"schema {SCHEMA_VERSION} (it would need writing to become one); open it where it can be written once"
        )
    if "meta" not in db.table_names():
        with writing(db):
            if "meta" not in db.table_names():  # another process may have created it meanwhile
                _create_schema(db)
    version = _meta(db, "schema_version")
    if version == "1":
        with writing(db):
            _upgrade_from_1(db)
        version = _meta(db, "schema_version")
    if version != str(SCHEMA_VERSION):
        raise PapersBotError(
            f"{db.conn.execute('PRAGMA database_list').fetchone()[2]}: database schema version {version}, "
            f"this papers-bot needs {SCHEMA_VERSION}; load your listings into a new database"
        )
    if not read_only:
        _ensure_indexes(db)
        _redact_outcomes(db)


# A name's last word, in SQL's built-in functions (an index on it must be readable by any SQLite, sqlite-utils
# included): rtrim strips the name's trailing non-spaces, so its length is where the last space is.
FAMILY = "substr(name, length(rtrim(name, replace(name, ' ', ''))) + 1)"

# Indexes and tables added since a schema version: made when missing (an index in one pass over the papers,
# once), not a new version. A paper looked up by DOI is found through an index, not a scan of every paper; the
# tables hold what the bot keeps besides papers (store/state.py) and the log of what loads changed.
_ADDED = {
    "idx_papers_doi": "CREATE INDEX IF NOT EXISTS idx_papers_doi ON papers(doi COLLATE NOCASE)",
    # What each load that changed something added or updated (`added`, `updated`), by the generation it made:
    # what a channel's follows have not yet been shown. Written only while some channel follows something, and
    # pruned as far as every follow has been shown (state.mark_digested).
    "paper_changes": "CREATE TABLE IF NOT EXISTS paper_changes (generation INTEGER NOT NULL, paper_id TEXT NOT "
                     "NULL, change TEXT NOT NULL, PRIMARY KEY (generation, paper_id))",
    # A channel's standing queries; `through` is the generation up to which its digests have covered changes.
    "follows": "CREATE TABLE IF NOT EXISTS follows (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id TEXT, "
               "channel_id TEXT NOT NULL, query TEXT NOT NULL, added_by TEXT, added_at TEXT NOT NULL, "
               "through INTEGER NOT NULL)",
    "idx_follows_channel": "CREATE INDEX IF NOT EXISTS idx_follows_channel ON follows(channel_id)",
    # Which papers a channel has been shown, and as of which version (its date of update).
    "announced": "CREATE TABLE IF NOT EXISTS announced (channel_id TEXT NOT NULL, paper_id TEXT NOT NULL, "
                 "version TEXT, announced_at TEXT NOT NULL, PRIMARY KEY (channel_id, paper_id))",
    # Each harvested feed's progress: where the next run starts, the list a run is part way through, the last run.
    "harvests": "CREATE TABLE IF NOT EXISTS harvests (source TEXT PRIMARY KEY, next_from TEXT, token TEXT, "
                "run_from TEXT, run_started TEXT, run_records INTEGER NOT NULL DEFAULT 0, last_started TEXT, "
                "last_finished TEXT, last_records INTEGER, last_outcome TEXT, total_records INTEGER NOT NULL "
                "DEFAULT 0)",
    # A digest message being posted (an outbox): written with its nonce before the post, deleted once it is known
    # to have gone out (its papers then in `announced`); one still here after a restart is looked for in its channel.
    "digest_posts": "CREATE TABLE IF NOT EXISTS digest_posts (id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id TEXT "
                    "NOT NULL, nonce TEXT NOT NULL, content TEXT NOT NULL, papers TEXT NOT NULL, written_at TEXT NOT "
                    "NULL)",
    # Since when (Unix time) Discord has refused the bot each channel a digest: a restart keeps the patience clock.
    "digest_refusals": "CREATE TABLE IF NOT EXISTS digest_refusals (channel_id TEXT PRIMARY KEY, since REAL NOT NULL)",
    # Who holds each named lease until when (Unix time): one process at a time does the work it names.
    "leases": "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires REAL NOT NULL)",
    # A result card's question and paper, for the vote buttons that carry its id (a query can be longer than a
    # button's 100-character custom id allows); and the votes: one a voter (a keyed hash) and card, 1 or -1.
    "vote_cards": "CREATE TABLE IF NOT EXISTS vote_cards (id INTEGER PRIMARY KEY AUTOINCREMENT, query TEXT NOT NULL, "
                  "paper_id TEXT NOT NULL, UNIQUE (query, paper_id))",
    "votes": "CREATE TABLE IF NOT EXISTS votes (card_id INTEGER NOT NULL, voter TEXT NOT NULL, guild_id TEXT, "
             "vote INTEGER NOT NULL, voted_at TEXT NOT NULL, PRIMARY KEY (card_id, voter))",
    "idx_votes_voter": "CREATE INDEX IF NOT EXISTS idx_votes_voter ON votes(voter)",
    # Authors by family name (a name's last word), for autocomplete: `Ma` finds `Jinwen Ma` (store.author_names).
    "idx_paper_authors_family": "CREATE INDEX IF NOT EXISTS idx_paper_authors_family ON paper_authors("
                                f"{FAMILY} COLLATE NOCASE, name COLLATE NOCASE)",
    # A server's own settings over the configuration file's (`/settings`): the value as its admin wrote it, read
    # by the file's parser; `channel_id` '' for the whole server, else the one channel it is for. Their log keeps
    # who (the member's Discord id: the server's own admin action) changed what, and when.
    "guild_settings": "CREATE TABLE IF NOT EXISTS guild_settings (guild_id TEXT NOT NULL, setting TEXT NOT NULL, "
                      "channel_id TEXT NOT NULL DEFAULT '', value TEXT NOT NULL, changed_by TEXT, changed_at TEXT NOT "
                      "NULL, PRIMARY KEY (guild_id, setting, channel_id))",
    "guild_settings_log": "CREATE TABLE IF NOT EXISTS guild_settings_log (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "guild_id TEXT NOT NULL, setting TEXT NOT NULL, channel_id TEXT NOT NULL DEFAULT '', old "
                          "TEXT, new TEXT, changed_by TEXT, changed_at TEXT NOT NULL)",
    "idx_guild_settings_log": "CREATE INDEX IF NOT EXISTS idx_guild_settings_log ON guild_settings_log(guild_id)",
    # Since when (Unix time) the bot has not been in a server that has settings: they go 30 days after.
    "guild_departures": "CREATE TABLE IF NOT EXISTS guild_departures (guild_id TEXT PRIMARY KEY, left_at REAL NOT "
                        "NULL)",
    # What a reload need not read again (`_Reread`): each arXiv JSON lines file as last loaded (its size, mtime
    # and content hash with the parser's version; no hash while it had lines to warn about), and each of its
    # lines that made a paper: the raw line's hash, the paper's id, and the content hash of the paper that line
    # alone makes (a line is passed over only while its paper is stored exactly so: not merged with older values).
    "loaded_files": "CREATE TABLE IF NOT EXISTS loaded_files (id INTEGER PRIMARY KEY, file TEXT NOT NULL UNIQUE, "
                    "size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT)",
    "loaded_lines": "CREATE TABLE IF NOT EXISTS loaded_lines (file_id INTEGER NOT NULL, line INTEGER NOT NULL, "
                    "hash INTEGER NOT NULL, paper_id TEXT NOT NULL, made TEXT, PRIMARY KEY (file_id, line)) "
                    "WITHOUT ROWID",
}


def ensure_added(db: sqlite_utils.Database) -> None:
    """The added tables and indexes, inside a write transaction the caller holds (a statement each; nothing when
    they are there)."""
    for sql in _ADDED.values():
        db.conn.execute(sql)


def _ensure_indexes(db: sqlite_utils.Database) -> None:
    """Whatever of `_ADDED` is missing, made; left to the next open (or the next write that needs it) when
    another process is writing (a load)."""
    have = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master")}
    missing = [sql for name, sql in _ADDED.items() if name not in have]
    if not missing:
        return
    timeout = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    db.conn.execute("PRAGMA busy_timeout = 0")  # (never wait for a load to end: try again at the next open)
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return  # (busy: another writer)
    finally:
        db.conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        for sql in missing:
            db.conn.execute(sql)
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK") if db.conn.in_transaction else None
        raise


def _redact_outcomes(db: sqlite_utils.Database) -> None:
    """Harvest outcomes stored before addresses were redacted (a password in `oai_url`) lose what they showed;
    left to the next open when another process is writing."""
    if not has_table(db, "harvests"):
        return
    rows = db.conn.execute("SELECT source, last_outcome FROM harvests WHERE last_outcome LIKE '%://%@%'").fetchall()
    if rows:
        with suppress(StoreBusy), writing(db):
            db.conn.executemany("UPDATE harvests SET last_outcome = ? WHERE source = ?",
                                [(redact_urls(outcome), source) for source, outcome in rows])


def _upgrade_from_1(db: sqlite_utils.Database) -> None:
    """Schema 1 -> 2, keeping every paper: the `raw` column (papers loaded before it have none)."""
    if _meta(db, "schema_version") == "1":  # (another process may have upgraded it meanwhile)
        db.execute("ALTER TABLE papers ADD COLUMN raw TEXT")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def _create_schema(db: sqlite_utils.Database) -> None:
    db.table("papers").create(PAPER_COLUMNS, pk="id", not_null={"title", "abstract", "content_hash"})
    db.table("papers").create_index(["title_key"])
    db.table("paper_authors").create(
        {"paper_id": str, "position": int, "name": str},
        pk=("paper_id", "position"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.execute("CREATE INDEX idx_paper_authors_name ON paper_authors(name COLLATE NOCASE)")
    for sql in _ADDED.values():  # (a new database has them from the start: no second write on opening)
        db.execute(sql)
    db.table("sources").create(
        {"paper_id": str, "file": str, "line": int, "format": str},
        pk=("paper_id", "file", "line"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.table("authors").create(
        {
            "name": str,
            "category": str,
            "h_index": int,
            "paper_count": int,
            "citations": int,
            "scores": str,  # JSON object of the profile's other figures
            "source": str,
        },
        pk="name",
    )
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("meta").insert_all(
        [
            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
            {"key": "generation", "value": "0"},
            # Names this database: an index built from another one (a deleted and re-created file) is stale.
            {"key": "store_id", "value": uuid.uuid4().hex},
        ]
    )


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def generation(db: sqlite_utils.Database) -> int:
    """A number that grows with every load that changed something (and with a first load); the index records
    the one it matches. 0: never loaded."""
    return int(_meta(db, "generation") or 0)


def in_step(db: sqlite_utils.Database, index_version: str | None) -> bool:
    """Whether an index recording `index_version` (None: it records none) holds what `db` holds: it records the
    store's version, or both are new and empty."""
    return index_version == version(db) or (index_version is None and generation(db) == 0)


def version(db: sqlite_utils.Database) -> str:
    """`<store_id>/<generation>/<load_id>`: what a matching index records. The store id names this database (an
    index left by a deleted one is stale); the load id names the load that made this generation, so an index
    committed by a load whose store commit never happened cannot match a later load's generation."""
    values = dict(db.conn.execute("SELECT key, value FROM meta WHERE key IN ('store_id', 'generation', 'load_id')"))
    return f"{values.get('store_id')}/{values.get('generation', 0)}/{values.get('load_id', '')}"


# -- writing -------------------------------------------------------------------------------------------


# json.dumps(x, ensure_ascii=False), without making an encoder for every call (it does, for any option).
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def paper_row(p: Paper) -> dict[str, Any]:
    links = p.links
    code_url = code_link(links)
    row = {
        "id": p.id,
        "title": p.title,
        "display_title": p.display_title,
        "authors": _json_text(p.authors),
        "authors_truncated": int(p.authors_truncated),
        "affiliation": p.affiliation,
        "abstract": p.abstract,
        "comment": p.comment,
        "category": p.category,
        "categories": json.dumps(p.categories or ([p.category] if p.category else [])),
        "year": p.year,
        "date": p.date,
        "date_text": p.date_text,
        "updated": p.updated,
        "arxiv_id": p.arxiv_id,
        "source_id": p.source_id,
        "doi": p.doi,
        "journal_ref": p.journal_ref,
        "url": p.url,
        "pdf_url": p.pdf_url,
        "code_url": code_url,
        "has_code": int(p.has_code_flag or code_url is not None),
        "has_code_flag": int(p.has_code_flag),
        "links": json.dumps(links),
        "raw": p.raw,
        "title_key": p.title_key,
    }
    # Every stored value in column order, as one repr (so None and "None", 1 and "1" differ). Not the sources:
    # the same paper read from a new file, or another line, is not a change to re-index.
    content = repr(tuple(row.values()))
    row["content_hash"] = hashlib.blake2b(content.encode(), digest_size=8).hexdigest()
    return row


class _Known:
    """Papers a batch may be another listing of, looked up by id and by normalised title."""

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[Paper, dict]] = {}
        self.by_title: dict[str, set[str]] = {}

    def add(self, paper: Paper, row: dict) -> None:
        self.by_id[row["id"]] = (paper, row)
        if row["title_key"]:
            self.by_title.setdefault(row["title_key"], set()).add(row["id"])

    def remove(self, paper_id: str) -> None:
        _paper, row = self.by_id.pop(paper_id)
        self.by_title.get(row["title_key"] or "", set()).discard(paper_id)

    def matches(self, p: Paper) -> list[tuple[Paper, str, str]]:
        """Every known paper `p` is another listing of: the same id (an arXiv id is the id), and the same
        normalised title unless both carry different explicit ids. The id match, if any, comes first."""
        found = [p.id] if p.id in self.by_id else []
        mine = p.arxiv_id or p.source_id
        for candidate in sorted(self.by_title.get(p.title_key or "", ())):
            theirs = self.by_id[candidate][0]
            other = theirs.arxiv_id or theirs.source_id
            # Two listings with different explicit ids are two papers that share a title.
            if candidate not in found and not (mine and other and mine != other):
                found.append(candidate)
        return [(self.by_id[i][0], i, self.by_id[i][1]["content_hash"]) for i in found]


class _Loader:
    """One load's state: the content hash of every id it touched, before and after (in `temp.touched`, a batch's
    at a time in memory: a load's memory does not grow with its papers), and its merges."""

    def __init__(self, db: sqlite_utils.Database, *, replace: bool, sink: ChangeSink | None,
                 profiles: dict[str, str] | None = None) -> None:
        self.db = db
        self.profiles = profiles or {}  # file -> the author whose profile page it is
        self.replace = replace
        self.sink = sink
        # The batch's ids, as in temp.touched (id, before, after):
        self.before: dict[str, str | None] = {}  # id -> content hash before this load (None: not stored)
        self.after: dict[str, str] = {}  # id -> content hash now (absent: not listed, or folded into another)
        self.merged_into: dict[str, list[str]] = {}  # id -> ids this load folded into it (now gone)
        self.reread: _Reread | None = None
        self.made: list[str | None] = []  # (load_batch: what each paper of the last batch alone made)
        db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY, before TEXT, after TEXT) "
                        "WITHOUT ROWID")
        db.conn.execute("DELETE FROM temp.touched")

    def _recall(self, ids: Iterable[str]) -> None:
        """Bring these ids' hashes from temp.touched into `before` and `after`."""
        for sql, chunk in in_chunks("SELECT id, before, after FROM temp.touched WHERE id IN ({marks})", ids):
            for pid, before, after in self.db.conn.execute(sql, chunk):
                self.before[pid] = before
                if after is not None:
                    self.after[pid] = after

    def _remember(self) -> None:
        """Write the batch's hashes back to temp.touched, and forget them."""
        self.db.conn.executemany("INSERT OR REPLACE INTO temp.touched VALUES (?, ?, ?)",
                                 [(pid, was, self.after.get(pid)) for pid, was in self.before.items()])
        self.before, self.after = {}, {}

    def load_batch(self, batch: list[Paper]) -> list[str]:
        """Store a batch of papers; the id each one was stored under, in order."""
        ids = []
        known = self._existing(batch)
        recalled = {p.id for p in batch} | set(known.by_id)
        self._recall(recalled)
        pending: dict[str, tuple[Paper, dict]] = {}
        moved: dict[str, Paper] = {}  # unchanged papers listed in other places, by id
        # What each paper's listing alone makes (its content hash): a reload may pass over its line while the
        # paper is stored so (`_Reread`); merged with stored or other listings' values, it is computed apart.
        self.made = []  # (a paper's own content hash, or None where no reload will pass over its line)
        for p in batch:
            matches = known.matches(p)
            base = None
            for paper, old_id, old_hash in matches:
                self.before.setdefault(old_id, old_hash)
                # With --replace the old data does not count: a paper's first listing starts it afresh. (One
                # listed already on an unchanged line that was not read is as stored.)
                listed = old_id in self.after or (self.reread is not None and self.reread.listed(old_id))
                if not (self.replace and not listed):
                    base = merge(paper, base) if base else paper
            merged = merge(base, p) if base else p
            row = paper_row(merged)
            new_id = row["id"]
            ids.append(new_id)
            self.made.append(row["content_hash"] if merged is p else paper_row(p)["content_hash"]
                             if self.reread is not None and self.reread.file_id is not None else None)
            if new_id not in recalled:  # (an id of a merge: rare)
                self._recall([new_id])
                recalled.add(new_id)
            hashes = {old_id: old_hash for _, old_id, old_hash in matches}
            # Every id of the batch was looked up in _existing: one not among the matches is not stored.
            current = hashes.get(new_id) if new_id in hashes or new_id == p.id else self._hash_in_db(new_id)
            self.before.setdefault(new_id, current)
            self.after[new_id] = row["content_hash"]
            gone = [old_id for old_id in hashes if old_id != new_id]
            # Ids the index may hold a document for already; the sink deletes those before adding.
            replaces = ([new_id] if current is not None else []) + gone
            for old_id in gone:
                self.merged_into.setdefault(new_id, []).append(old_id)
                self.after.pop(old_id, None)
                pending.pop(old_id, None)
                known.remove(old_id)
            listed_by = self.listed_by(merged.sources)
            if gone:
                self._delete(gone)
            elif row["content_hash"] == current:
                # The same paper, perhaps read from another file or line: only its sources may need writing.
                stored = known.by_id[new_id][0].sources if new_id in known.by_id else None
                if stored is None or set(stored) != set(merged.sources):
                    if new_id in pending:  # (listed earlier in this batch, not yet written: written with both)
                        pending[new_id] = (merged, row)
                    else:
                        moved[new_id] = merged
                    if self.sink is not None and self.listed_by(stored or []) != listed_by:
                        # (now on another author's profile page)
                        self.sink.upsert(StoredPaper.from_row(row, listed_by=listed_by), replaces=[new_id])
                    if new_id in known.by_id:  # a later listing of it in this batch merges with these sources
                        known.remove(new_id)
                    known.add(merged, row)
                continue
            if new_id in known.by_id:
                known.remove(new_id)
            known.add(merged, row)
            pending[new_id] = (merged, row)
            if self.sink is not None:
                self.sink.upsert(StoredPaper.from_row(row, listed_by=listed_by), replaces=replaces)
        self._write(pending.values())
        self._write_sources([paper for pid, paper in moved.items() if pid not in pending])  # (pending: written)
        self._remember()
        return ids

    def listed_by(self, sources: Iterable[Source]) -> list[str]:
        """The authors whose profile pages list a paper found in `sources`."""
        return sorted({self.profiles[s.file] for s in sources if s.file in self.profiles})

    def _hash_in_db(self, paper_id: str) -> str | None:
        row = self.db.conn.execute("SELECT content_hash FROM papers WHERE id = ?", [paper_id]).fetchone()
        return row[0] if row else None

    def _existing(self, batch: list[Paper]) -> _Known:
        """The stored papers a batch could be the same as: by id or normalised title."""
        found: dict[str, dict] = {}
        for column, values in (
            ("id", {p.id for p in batch}),
            ("title_key", {p.title_key for p in batch if p.title_key}),
        ):
            for sql, chunk in in_chunks(f"SELECT * FROM papers WHERE {column} IN ({{marks}})", values):
                for row in self.db.query(sql, chunk):
                    found[row["id"]] = row
        sources = _sources_for(self.db, list(found))
        known = _Known()
        for pid, row in found.items():
            known.add(StoredPaper.from_row(row, sources=sources.get(pid, [])).as_paper(), row)
        return known

    def _write(self, pending: Iterable[tuple[Paper, dict]]) -> None:
        """Write papers with their authors and sources. Plain executemany on sqlite-utils' connection: its
        insert_all spends more per row checking and converting values than SQLite spends storing them."""
        pending = list(pending)
        if not pending:
            return
        ids = [row["id"] for _, row in pending]
        self._delete(ids, tables=("paper_authors",))
        conn = self.db.conn
        conn.executemany(_INSERT_PAPER, [tuple(row[c] for c in PAPER_COLUMNS) for _, row in pending])
        conn.executemany(
            "INSERT INTO paper_authors (paper_id, position, name) VALUES (?, ?, ?)",
            [(row["id"], i, name) for paper, row in pending for i, name in enumerate(paper.authors)],
        )
        self._write_sources([paper for paper, _ in pending])

    def _write_sources(self, papers: list[Paper]) -> None:
        self._delete([p.id for p in papers], tables=("sources",))
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO sources (paper_id, file, line, format) VALUES (?, ?, ?, ?)",
            [(p.id, s.file, s.line, s.format) for p in papers for s in p.sources],
        )

    def _delete(self, ids: Sequence[str], *, tables: Sequence[str] = ("paper_authors", "sources", "papers")) -> None:
        for table in tables:
            column = "id" if table == "papers" else "paper_id"
            for sql, chunk in in_chunks(f"DELETE FROM {table} WHERE {column} IN ({{marks}})", ids):
                self.db.execute(sql, chunk)

    def remove_unlisted(self) -> int:
        """With --replace: drop every paper this load did not list, but those a harvest brought (they are in no
        folder, and the harvest that brought them has moved on: no later one would bring them back)."""
        stale = [pid for (pid,) in self.db.conn.execute(
            "SELECT id FROM papers WHERE id NOT IN temp.skipped AND id NOT IN (SELECT id FROM temp.touched WHERE "
            f"after IS NOT NULL) AND id NOT IN (SELECT paper_id FROM sources WHERE file LIKE '{HARVESTED}%')")]
        self._delete(stale)
        if self.sink is not None:
            for pid in stale:
                self.sink.delete(pid)
        return len(stale)

    def log_changes(self, generation: int) -> None:
        """Log (in paper_changes, as of `generation`) every paper this load added (`added`) or changed
        (`updated`)."""
        self.db.conn.execute(
            "INSERT OR REPLACE INTO paper_changes (generation, paper_id, change) SELECT ?, id, CASE WHEN before IS "
            "NULL THEN 'added' ELSE 'updated' END FROM temp.touched WHERE after IS NOT NULL AND before IS NOT after",
            [generation])

    def tally(self, summary: LoadSummary) -> None:
        """Added, updated, unchanged, and removed for papers folded into another one that were stored before."""
        conn = self.db.conn
        summary.unchanged += conn.execute("SELECT COUNT(*) FROM temp.skipped").fetchone()[0]
        added, unchanged, updated = conn.execute(
            "SELECT COUNT(*) FILTER (WHERE before IS NULL), COUNT(*) FILTER (WHERE before = after), "
            "COUNT(*) FILTER (WHERE before != after) FROM temp.touched WHERE after IS NOT NULL").fetchone()
        summary.added += added
        summary.unchanged += unchanged
        summary.updated += updated
        # A paper another was folded into (rare) lives on under its new id: counted again, from the stored ones.
        for pid, olds in self.merged_into.items():
            self._recall([pid, *olds])
            if pid not in self.after:
                continue
            stored = [old for old in olds if self.before.get(old) is not None]
            was = self.before.get(pid)
            if was is None and stored:
                summary.added -= 1
                was, stored = self.before[stored[0]], stored[1:]
                summary.unchanged += was == self.after[pid]
                summary.updated += was != self.after[pid]
            summary.removed += len(stored)
        self.before, self.after = {}, {}


# Each stored line of a file, with whether it may be passed over unread: the paper it made is stored with that line
# as its one source (so it is what the line made; a paper listed in two places, or changed since by another load,
# is read again).
# Whether a stored line's paper is as that line alone makes it, listed by it alone: then it may be passed over.
_LINE_OK = (
    "(SELECT COUNT(*) FROM sources s WHERE s.paper_id = l.paper_id) = 1 AND EXISTS "
    "(SELECT 1 FROM sources s WHERE s.paper_id = l.paper_id AND s.file = :file AND s.line = l.line) AND "
    "(SELECT content_hash FROM papers p WHERE p.id = l.paper_id) IS l.made"
)
_STORED_LINES = (f"SELECT line, hash, paper_id, {_LINE_OK} AS ok FROM loaded_lines l WHERE file_id = :file_id "
                 "ORDER BY line")


class _Reread:
    """What a load need not read again: arXiv JSON lines files unchanged since they were loaded (by size, mtime
    and content hash) and, in a file that changed, each line unchanged (by its raw bytes' hash), both hashed with
    the parser's version. The papers they made count as listed by this load as they are stored (`temp.skipped`):
    unchanged, and kept by `--replace`. Everything is written in the load's transaction: a load that fails leaves
    the records as they were."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        for table in ("skipped (id TEXT PRIMARY KEY) WITHOUT ROWID",
                      "read_lines (line INTEGER PRIMARY KEY, hash INTEGER NOT NULL, paper_id TEXT NOT NULL, made TEXT)",
                      "stale_lines (line INTEGER PRIMARY KEY)"):
            db.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table}")
            db.conn.execute(f"DELETE FROM temp.{table.split()[0]}")
        self.file_id: int | None = None  # the file being read
        self.file = ""  # its name, as its papers' sources give it
        self.digest: str | None = None  # its content hash, when known before reading it
        self.hashes: dict[int, int] = {}  # line -> hash, of lines read whose papers are not yet recorded
        self.stored: Iterator[tuple[int, int, str, int]] = iter(())  # its stored lines, in order
        self.next: tuple[int, int, str, int] | None = None
        self.skipped: list[tuple[str]] = []
        self.stale: list[tuple[int]] = []
        self.count = 0  # lines passed over in the file being read

    def listed(self, paper_id: str) -> bool:
        """Whether this load passed over an unchanged line of this paper (it is listed, as stored); from here on
        it counts as read (the paper is stored again with this load's other listing of it)."""
        self._flush()
        cursor = self.db.conn.execute("DELETE FROM temp.skipped WHERE id = ?", [paper_id])
        return cursor.rowcount > 0

    def unchanged(self, listing: Listing) -> int | None:
        """How many papers `listing` holds when it is a file unchanged since it was loaded: then it is not read.
        Otherwise None, and its unchanged lines will be passed over as it is read."""
        self.file_id, self.digest, self.count, self.hashes, self.file = None, None, 0, {}, listing.file
        if listing.format != "arxiv-jsonl" or listing.path is None:
            return None
        conn = self.db.conn
        size, mtime_ns, _ = listing.stamp
        row = conn.execute("SELECT id, size, mtime_ns, hash FROM loaded_files WHERE file = ?", [listing.file]
                           ).fetchone()
        if row is None:
            self.file_id = conn.execute("INSERT INTO loaded_files (file, size, mtime_ns) VALUES (?, ?, ?)",
                                        [listing.file, size, mtime_ns]).lastrowid
        else:
            self.file_id = row[0]
            if (row[1], row[2]) == (size, mtime_ns) and row[3] is not None:
                self.digest = file_hash(listing.path)  # (the same size and time: changed in place, or not?)
                if self.digest == row[3]:
                    lines, ok = conn.execute(f"SELECT COUNT(*), SUM(ok) FROM ({_STORED_LINES})",
                                             {"file": listing.file, "file_id": self.file_id}).fetchone()
                    if lines == (ok or 0):
                        conn.execute("INSERT OR IGNORE INTO temp.skipped SELECT paper_id FROM loaded_lines "
                                     "WHERE file_id = ?", [self.file_id])
                        return int(lines)
        self.stored = conn.execute(_STORED_LINES, {"file": listing.file, "file_id": self.file_id})
        self.next = next(self.stored, None)
        listing.skip = self._skip
        return None

    def _skip(self, number: int, raw: bytes) -> bool:
        """Whether line `number` is as stored: passed over. (A paper read already in this load from another
        listing has that one among its sources now: its line here is not passed over.)"""
        stored = self.next
        while stored is not None and stored[0] < number:  # (lines now blank or too long)
            self.stale.append((stored[0],))
            stored = self.next = next(self.stored, None)
        digest = line_hash(raw)
        if stored is not None and stored[0] == number:
            self.next = next(self.stored, None)
            if stored[3] and stored[1] == digest:
                self.skipped.append((stored[2],))
                self.count += 1
                if len(self.skipped) >= BATCH:
                    self._flush()
                return True
            self.stale.append((number,))
        self.hashes[number] = digest
        return False

    def _flush(self) -> None:
        if self.skipped or self.stale:
            self.db.conn.executemany("INSERT OR IGNORE INTO temp.skipped VALUES (?)", self.skipped)
            self.db.conn.executemany("INSERT OR IGNORE INTO temp.stale_lines VALUES (?)", self.stale)
            self.skipped, self.stale = [], []

    def read(self, batch: list[Paper], ids: list[str], made: list[str | None]) -> None:
        """Papers read from the file, just stored: their lines' hashes, ids and what each line alone made, to be
        recorded when it ends."""
        if self.file_id is None:
            return
        rows = [(p.sources[0].line, self.hashes.pop(p.sources[0].line), pid, alone)
                for p, pid, alone in zip(batch, ids, made, strict=True) if p.sources[0].line in self.hashes]
        self.db.conn.executemany("INSERT OR REPLACE INTO temp.read_lines VALUES (?, ?, ?, ?)", rows)
        if self.next is not None:  # (fetched before this batch was written, which may have changed its paper)
            line, digest, pid, _ = self.next
            ok = self.db.conn.execute(f"SELECT {_LINE_OK} FROM loaded_lines l WHERE file_id = :file_id AND line = "
                                      ":line", {"file": self.file, "file_id": self.file_id, "line": line}).fetchone()
            self.next = (line, digest, pid, ok[0] if ok else 0)

    def finish(self, listing: Listing) -> int:
        """Record the file as read (its hash only if no line of it needed a warning: those are shown again);
        how many of its lines were passed over."""
        if self.file_id is None:
            return 0
        self._flush()
        conn = self.db.conn
        # (and the lines past the last one read: the file is shorter now)
        end = self.next[0] if self.next is not None else None
        self.stored, self.next = iter(()), None  # (its statement ends before its table is written)
        conn.execute("DELETE FROM loaded_lines WHERE file_id = ? AND (line IN temp.stale_lines OR line >= ?)",
                     [self.file_id, end])
        conn.execute("INSERT OR REPLACE INTO loaded_lines SELECT ?, line, hash, paper_id, made FROM temp.read_lines",
                     [self.file_id])
        conn.execute("DELETE FROM temp.read_lines")
        conn.execute("DELETE FROM temp.stale_lines")
        assert listing.path is not None
        digest = None if listing.warnings or listing.unlisted_warnings else self.digest or file_hash(listing.path)
        size, mtime_ns, _ = listing.stamp
        conn.execute("UPDATE loaded_files SET size = ?, mtime_ns = ?, hash = ? WHERE id = ?",
                     [size, mtime_ns, digest, self.file_id])
        self.file_id = None
        return self.count


def load_listings(
    db: sqlite_utils.Database,
    listings: Iterable[Listing],
    *,
    replace: bool = False,
    sink: ChangeSink | None = None,
    catch_up: Callable[[sqlite_utils.Database], bool] | None = None,
    on_batch: Callable[[Listing, int], None] | None = None,
    also: Callable[[sqlite_utils.Database], None] | None = None,
) -> LoadSummary:
    """Write the papers of `listings` in one transaction: all of them, or (on any error) none. `also(db)` writes
    more in the same transaction, after the papers (a harvest's progress: a page and its papers commit together).

    Without `replace` the papers are added to what is stored (a paper listed again is updated, its sources
    remembered); with `replace` the database ends up holding exactly these listings' papers. Every change is
    passed to `sink` as it is made. The changes are to what `db` holds once the write lock is taken, so
    `catch_up(db)` is called then, before them, to bring a sink behind the store up to it (True when it did:
    the sink is then committed even if the load changes nothing).
    """
    summary = LoadSummary()
    listings = list(listings)
    profiles = {} if replace else dict(db.conn.execute("SELECT source, name FROM authors"))
    profiles.update((x.file, x.profile["name"]) for x in listings if x.profile and x.profile.get("name"))
    # A big load inserts into four B-tree indexes in key order that is not insertion order: with SQLite's
    # default 2 MB page cache it re-reads their pages over and over (about 17% of its time at 50k papers). 64 MB
    # (256 before) keeps a load's memory flat in its papers (README "Scale"); the temporary tables a load keeps
    # its bookkeeping in get a cache of their own.
    db.conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    db.conn.execute(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KIB}")
    with writing(db):
        caught_up = catch_up is not None and catch_up(db)
        ensure_added(db)
        loader = _Loader(db, replace=replace, sink=sink, profiles=profiles)
        reread = loader.reread = _Reread(db)
        listed_profiles: list[dict] = []
        for listing in listings:
            unchanged = reread.unchanged(listing)
            if unchanged is not None:
                summary.files.append((listing.file, listing.format, unchanged))
                continue
            count = 0
            for batch in _batches(listing.papers, BATCH):
                reread.read(batch, loader.load_batch(batch), loader.made)
                count += len(batch)
                if on_batch is not None:
                    on_batch(listing, len(batch))
            count += reread.finish(listing)
            summary.files.append((listing.file, listing.format, count))
            summary.warnings.extend(listing.warnings)
            if listing.unlisted_warnings:
                summary.warnings.append(f"{listing.file}: {listing.unlisted_warnings:,} more warnings not shown")
            if listing.profile and listing.profile.get("name"):
                listed_profiles.append({**listing.profile, "source": listing.file})
        for listing in listings:  # (a listing streamed while another program rewrote it is not one listing)
            if listing.changed():
                raise ParseError(
                    "changed while it was being loaded (another program wrote it); nothing was loaded: load it "
                    "again once it is complete", file=listing.file,
                )
        profiles_changed = _write_profiles(db, listed_profiles, replace=replace)
        if replace:
            summary.removed += loader.remove_unlisted()
            # (the records of files this load does not list: their lines are no longer the library's)
            db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS listed_files (file TEXT PRIMARY KEY) WITHOUT ROWID")
            db.conn.execute("DELETE FROM temp.listed_files")
            db.conn.executemany("INSERT OR IGNORE INTO temp.listed_files VALUES (?)", [(x.file,) for x in listings])
            db.conn.execute("DELETE FROM loaded_lines WHERE file_id IN (SELECT id FROM loaded_files WHERE file NOT IN "
                            "temp.listed_files)")
            db.conn.execute("DELETE FROM loaded_files WHERE file NOT IN temp.listed_files")
        loader.tally(summary)
        if also is not None:
            also(db)
        # A first load counts even when it stores nothing: the database is then the user's, never the sample's.
        new_generation = summary.changed or profiles_changed or generation(db) == 0
        if new_generation:
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('load_id', ?)", [uuid.uuid4().hex])
        summary.generation = generation(db)
        if new_generation and _following(db):
            loader.log_changes(summary.generation)
        summary.version = version(db)
        if sink is not None and (new_generation or caught_up):
            # The index first: a crash between the two commits leaves it ahead of the store (a version the
            # store never reaches), and the library rebuilds it from the store when it next opens or loads.
            sink.commit(summary.version)
    return summary


def has_table(db: sqlite_utils.Database, table: str) -> bool:
    """Whether the table is there (a database opened read-only before this version added it has none)."""
    return db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone() is not None


def _following(db: sqlite_utils.Database) -> bool:
    """Whether any channel follows anything (then a load logs what it changed, for their digests)."""
    if not has_table(db, "follows"):
        return False
    return db.conn.execute("SELECT 1 FROM follows LIMIT 1").fetchone() is not None


def _write_profiles(db: sqlite_utils.Database, profiles: list[dict], *, replace: bool) -> bool:
    rows = [
        {
            "name": p["name"],
            "category": p.get("category"),
            "h_index": p.get("h_index"),
            "paper_count": p.get("paper_count"),
            "citations": p.get("citations"),
            "scores": json.dumps(p.get("scores") or {}, ensure_ascii=False),
            "source": p["source"],
        }
        for p in profiles
    ]
    before = list(db.query("SELECT * FROM authors ORDER BY name"))
    if replace:
        db.execute("DELETE FROM authors")
    if rows:
        db.table("authors").insert_all(rows, replace=True)
    return before != list(db.query("SELECT * FROM authors ORDER BY name"))


def _batches(items: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    batch: list[Paper] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


MAX_VARIABLES = 500  # values bound to one IN (...): under SQLite's limit (999 before 3.32, 32,766 since)


def in_chunks(sql: str, values: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """`sql` with its `{marks}` filled in for each run of at most MAX_VARIABLES values, with the run."""
    items = list(values)
    for i in range(0, len(items), MAX_VARIABLES):
        chunk = items[i : i + MAX_VARIABLES]
        yield sql.format(marks=", ".join("?" * len(chunk))), chunk


def _sources_for(db: sqlite_utils.Database, ids: list[str]) -> dict[str, list[Source]]:
    out: dict[str, list[Source]] = {}
    for sql, chunk in in_chunks("SELECT * FROM sources WHERE paper_id IN ({marks}) ORDER BY file, line", ids):
        for row in db.query(sql, chunk):
            out.setdefault(row["paper_id"], []).append(Source(row["file"], row["line"], row["format"]))
    return out


# -- reading -------------------------------------------------------------------------------------------


def get_papers(db: sqlite_utils.Database, ids: Sequence[str]) -> list[StoredPaper]:
    """The papers with these ids, in the order given (ids not stored are left out)."""
    found: dict[str, StoredPaper] = {}
    for sql, chunk in in_chunks("SELECT * FROM papers WHERE id IN ({marks})", ids):
        found.update((row["id"], StoredPaper.from_row(row)) for row in db.query(sql, chunk))
    return [found[i] for i in ids if i in found]


def get_paper(db: sqlite_utils.Database, paper_id: str) -> StoredPaper:
    """One paper in full, with its sources; looked up by id, arXiv id (`arXiv:2310.05873v2`, an arXiv URL) or DOI."""
    paper_id = paper_id.strip()
    candidates = [paper_id, normalise_arxiv_id(paper_id), normalise_arxiv_id(id_in(paper_id) or "")]
    if doi := doi_in(paper_id):  # (`10.1145/...`, `https://doi.org/10.1145/...`)
        row = db.conn.execute("SELECT id FROM papers WHERE doi = ? COLLATE NOCASE", [doi]).fetchone()
        candidates += [row[0]] if row else []
    for candidate in filter(None, candidates):
        # A paper with an arXiv id has it as its id (Paper.id), so the primary key finds it.
        row = db.conn.execute("SELECT id FROM papers WHERE id = ?", [candidate]).fetchone()
        if row:
            paper = get_papers(db, [row[0]])[0]
            return dataclasses.replace(paper, sources=tuple(_sources_for(db, [paper.id]).get(paper.id, [])))
    raise PaperNotFound(f"no paper has the id {paper_id!r}; search for it first, ids are shown with each result")


def iter_papers(db: sqlite_utils.Database, *, batch: int = BATCH) -> Iterator[StoredPaper]:
    """Every stored paper, streamed in id order (for rebuilding the index), with `listed_by`: the authors whose
    profile pages list it."""
    last = ""
    while True:
        rows = list(db.query("SELECT * FROM papers WHERE id > ? ORDER BY id LIMIT ?", [last, batch]))
        if not rows:
            return
        listed: dict[str, list[str]] = {}
        marks = ", ".join("?" * len(rows))
        for pid, name in db.conn.execute(
            f"SELECT DISTINCT s.paper_id, a.name FROM sources s JOIN authors a ON a.source = s.file "
            f"WHERE s.paper_id IN ({marks}) ORDER BY a.name", [r["id"] for r in rows]
        ):
            listed.setdefault(pid, []).append(name)
        yield from (StoredPaper.from_row(row, listed_by=listed.get(row["id"], ())) for row in rows)
        last = rows[-1]["id"]


def find_author(db: sqlite_utils.Database, name: str, *, limit: int = 50, papers: bool = True,
                partial: bool = True) -> AuthorLookup:
    """An author's papers (newest first) and profile, by exact name ignoring case, else (`partial`) by part of it,
    which reads every author row. Without `papers`, only who it is and the profile (the library lists the papers
    from its index)."""
    name = " ".join(name.split())
    rows = db.conn.execute(
        "SELECT DISTINCT name FROM paper_authors WHERE name = ? COLLATE NOCASE", [name]
    ).fetchall()
    if not rows and name and partial:
        like = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = db.conn.execute(
            "SELECT name, COUNT(*) AS n FROM paper_authors WHERE name LIKE ? ESCAPE '\\' "
            "GROUP BY name ORDER BY n DESC, name LIMIT 10",
            [like],
        ).fetchall()
    names = [r[0] for r in rows]
    if not names:
        raise PaperNotFound(f"no author called {name!r}; try part of the name, e.g. a surname")
    if len(names) > 1 and names[0].casefold() != name.casefold():
        return AuthorLookup(None, candidates=tuple(names))
    chosen = names[0]
    row = next(iter(db.query("SELECT * FROM authors WHERE name = ? COLLATE NOCASE", [chosen])), None)
    profile = AuthorProfile.from_row(row) if row else None
    if not papers:
        return AuthorLookup(chosen, profile=profile)
    # An author's papers: those that name them, and those on their profile page (whose author lists are often
    # cut short before their name).
    mine = (
        "SELECT paper_id FROM paper_authors WHERE name = :name COLLATE NOCASE "
        "UNION SELECT s.paper_id FROM sources s JOIN authors a ON a.source = s.file WHERE a.name = :name COLLATE NOCASE"
    )
    ids = [
        r[0]
        for r in db.conn.execute(
            f"SELECT id FROM papers WHERE id IN ({mine}) ORDER BY date IS NULL, date DESC, id LIMIT :limit",
            {"name": chosen, "limit": limit},
        )
    ]
    total = db.conn.execute(f"SELECT COUNT(*) FROM ({mine})", {"name": chosen}).fetchone()[0]
    return AuthorLookup(chosen, profile=profile, papers=tuple(get_papers(db, ids)), total=total)


def stats(db: sqlite_utils.Database) -> dict[str, Any]:
    one = lambda sql: db.conn.execute(sql).fetchone()
    papers, first, last, unknown_year, with_code = one(
        "SELECT COUNT(*), MIN(year), MAX(year), SUM(year IS NULL), SUM(has_code) FROM papers"
    )
    return {
        "papers": papers,
        "authors": one("SELECT COUNT(DISTINCT name) FROM paper_authors")[0],
        "author_profiles": one("SELECT COUNT(*) FROM authors")[0],
        "sources": [
            {"file": f, "format": fmt, "papers": n}
            for f, fmt, n in db.conn.execute(
                "SELECT file, format, COUNT(DISTINCT paper_id) FROM sources GROUP BY file, format ORDER BY file"
            )
        ],
        "years": {"first": first, "last": last, "unknown": unknown_year or 0},
        "with_code": with_code or 0,
        "categories": {
            c or "unknown": n
            for c, n in db.conn.execute(
                "SELECT category, COUNT(*) AS n FROM papers GROUP BY category ORDER BY n DESC, category"
            )
        },
        "generation": generation(db),
    }


def freshness(db: sqlite_utils.Database) -> dict[str, Any]:
    """`!about`'s figures: how many papers, the newest one's date, and the last harvest's end (None: never)."""
    papers, newest = db.conn.execute("SELECT COUNT(*), MAX(date) FROM papers").fetchone()
    harvested = None
    if has_table(db, "harvests"):
        harvested = db.conn.execute("SELECT MAX(last_finished) FROM harvests").fetchone()[0]
    return {"papers": papers, "newest": newest, "last_harvest": harvested}


def author_names(db: sqlite_utils.Database, typed: str, *, limit: int) -> list[str]:
    """Up to `limit` distinct author names for what is typed (any case): those that start with it, and those
    whose family name (the last word) does (`Ma` -> `Jinwen Ma`), or that are the family name and the start of
    the rest (`Ma Jin`, `Ma, Jin`); taken in turns, each read off an index as a range that stops after `limit`
    names, however many papers the library holds."""
    typed = " ".join(typed.split())
    if not typed:
        rows = db.conn.execute("SELECT DISTINCT name FROM paper_authors ORDER BY name COLLATE NOCASE LIMIT ?",
                               [limit])
        return [name for (name,) in rows]
    end = "\U0010ffff"
    starts = db.conn.execute(
        "SELECT DISTINCT name FROM paper_authors WHERE name COLLATE NOCASE >= ? AND name COLLATE NOCASE < ? "
        "ORDER BY name COLLATE NOCASE LIMIT ?", [typed, typed + end, limit]).fetchall()
    family, _, rest = typed.replace(",", " ").partition(" ")
    if rest.strip():  # (`Ma Jin`: family name Ma, and the name starts with Jin)
        rest = " ".join(rest.split())
        found = db.conn.execute(
            f"SELECT DISTINCT name FROM paper_authors WHERE {FAMILY} COLLATE NOCASE = ? AND name COLLATE NOCASE >= ? "
            f"AND name COLLATE NOCASE < ? ORDER BY {FAMILY} COLLATE NOCASE, name COLLATE NOCASE LIMIT ?",
            [family, rest, rest + end, limit]).fetchall()
    else:
        found = db.conn.execute(
            f"SELECT DISTINCT name FROM paper_authors WHERE {FAMILY} COLLATE NOCASE >= ? AND {FAMILY} COLLATE NOCASE "
            f"< ? ORDER BY {FAMILY} COLLATE NOCASE, name COLLATE NOCASE LIMIT ?", [typed, typed + end, limit]
        ).fetchall()
    taken = [row[0] for pair in itertools.zip_longest(starts, found) for row in pair if row is not None]
    return list(dict.fromkeys(taken))[:limit]
