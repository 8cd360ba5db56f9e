"""What the bot keeps besides papers, in the same SQLite file: the channels' follows, which papers each channel
has been shown, the digest messages being posted, the channels refusing the bot, leases, and each harvested feed's
progress. Readable with sqlite-utils or Datasette like the papers.

The tables are db.py's (`_ADDED`); this module reads and writes them. Harvest progress is written inside the
load of the page it describes (`Library.load(..., also=...)`), so a page's papers and the token after it commit
together or not at all.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import secrets
import socket
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from papers_bot.errors import PapersBotError
from papers_bot.store import db as store
from papers_bot.store.paper import StoredPaper

MAX_FOLLOWS = 25  # per channel: `!following` lists them in one message, a digest groups by them
PER_FOLLOW = 5  # papers a digest shows of one follow's (the rest are counted, with the search that lists them)
PER_DIGEST = 20  # papers one digest shows in all


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# -- follows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Follow:
    id: int
    guild_id: str | None
    channel_id: str
    query: str
    added_by: str | None
    added_at: str
    through: int  # the store generation up to which this follow's digests have looked


def plain(text: str) -> str:
    """`text` as one line of what shows: control, invisible and bidi characters (U+200B, U+202E, ...) taken out,
    whitespace collapsed (a follow is stored, echoed and shown in every digest)."""
    kept = (" " if unicodedata.category(c) == "Cc" else "" if unicodedata.category(c) == "Cf" else c for c in text)
    return " ".join("".join(kept).split())


def follows(db: sqlite_utils.Database, channel_id: str | None = None) -> list[Follow]:
    """A channel's follows (every channel's, without one), in the order they were added: `!following` numbers."""
    if not store.has_table(db, "follows"):
        return []
    where, args = ("WHERE channel_id = ?", [channel_id]) if channel_id is not None else ("", [])
    return [Follow(**row) for row in db.query(f"SELECT * FROM follows {where} ORDER BY id", args)]


def add_follow(db: sqlite_utils.Database, *, channel_id: str, query: str, guild_id: str | None = None,
               added_by: str | None = None) -> Follow:
    """Follow `query` in a channel, from the papers the next load brings (never what the library holds now)."""
    query = plain(query)
    with store.writing(db):
        store.ensure_added(db)
        mine = follows(db, channel_id)
        if same := [f for f in mine if f.query.casefold() == query.casefold()]:
            raise PapersBotError(f"this channel follows {same[0].query!r} already")
        if len(mine) >= MAX_FOLLOWS:
            raise PapersBotError(f"this channel follows {MAX_FOLLOWS} queries already, the most it can; unfollow one "
                                 "first")
        cursor = db.conn.execute(
            "INSERT INTO follows (guild_id, channel_id, query, added_by, added_at, through) VALUES (?, ?, ?, ?, ?, ?)",
            [guild_id, channel_id, query, added_by, now(), store.generation(db)],
        )
        row = next(db.query("SELECT * FROM follows WHERE id = ?", [cursor.lastrowid]))
    return Follow(**row)


def remove_follow(db: sqlite_utils.Database, channel_id: str, number: int) -> Follow:
    """Stop following the channel's `number`th follow (as `!following` numbers them)."""
    with store.writing(db):
        mine = follows(db, channel_id)
        if not 1 <= number <= len(mine):
            raise PapersBotError(f"this channel has no follow number {number}" + (
                f"; it has {len(mine)} (see the list of them)" if mine else ": it follows nothing"))
        gone = mine[number - 1]
        db.conn.execute("DELETE FROM follows WHERE id = ?", [gone.id])
        if len(mine) == 1:  # (what the channel was shown only matters while it follows something)
            db.conn.execute("DELETE FROM announced WHERE channel_id = ?", [channel_id])
        _prune(db)
    return gone


# -- digests ---------------------------------------------------------------------------------------------


def version(date: str | None, updated: str | None) -> str:
    """Which version of a paper a channel was shown: the date of its latest version when it has been revised
    (arXiv's `updated`), else `1` (a first version, however its date was read: OAI-PMH's `created`, an RSS
    announcement's day)."""
    return updated if updated and updated != date else "1"


def version_of(paper: StoredPaper) -> str:
    return version(paper.date, paper.updated)


def dates(db: sqlite_utils.Database, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each stored paper's (date, updated), for choosing what a digest shows without reading every paper."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for sql, chunk in store.in_chunks("SELECT id, date, updated FROM papers WHERE id IN ({marks})", ids):
        found.update((pid, (date, updated)) for pid, date, updated in db.conn.execute(sql, chunk))
    return found


@dataclass(frozen=True)
class Candidate:
    """A paper a digest may show: under which follow, whether as a new version, and how new it is."""

    paper_id: str
    revised: bool
    when: str  # its latest date: digests show the newest first


@dataclass
class DigestGroup:
    """One follow's part of a digest: the papers shown for it (each with whether it is a new version of one
    shown before), and how many more matched."""

    number: int  # the follow's number in `!following`
    follow: Follow
    papers: list[tuple[StoredPaper, bool]] = field(default_factory=list)
    more: int = 0


@dataclass
class Digest:
    """What one channel is to be shown: the new papers its follows match, by follow."""

    channel_id: str
    guild_id: str | None
    groups: list[DigestGroup]
    through: int  # the generation it covers the changes up to
    follow_ids: list[int]

    @classmethod
    def of(cls, channel_id: str, follows: Sequence[Follow], matched: dict[int, list[Candidate]], through: int, *,
           per_follow: int, most: int, papers: Callable[[list[str]], list[StoredPaper]]) -> Digest:
        """The digest of these candidates by follow number: each follow's newest `per_follow`, `most` in all, the
        rest counted; `papers` reads the records of those shown (only those are read)."""
        chosen: list[tuple[int, list[Candidate], int]] = []
        room = most
        for number in sorted(matched):
            ranked = sorted(matched[number], key=lambda c: (c.when, c.paper_id), reverse=True)
            shown = ranked[: max(min(per_follow, room), 0)]
            room -= len(shown)
            chosen.append((number, shown, len(ranked) - len(shown)))
        records = {p.id: p for p in papers([c.paper_id for _, shown, _ in chosen for c in shown])}
        groups = [DigestGroup(number, follows[number - 1],
                              [(records[c.paper_id], c.revised) for c in shown if c.paper_id in records], more)
                  for number, shown, more in chosen]
        return cls(channel_id, follows[0].guild_id if follows else None, groups, through, [f.id for f in follows])

    @property
    def papers(self) -> list[tuple[str, str | None]]:
        """(id, version) of every paper it shows."""
        return [(p.id, version_of(p)) for g in self.groups for p, _ in g.papers]


def changes_after(db: sqlite_utils.Database, generation: int) -> dict[str, str]:
    """Paper id -> `added` or `updated`: what loads changed after `generation` (an added paper stays added)."""
    if not store.has_table(db, "paper_changes"):
        return {}
    found: dict[str, str] = {}
    for pid, change in db.conn.execute(
        "SELECT paper_id, change FROM paper_changes WHERE generation > ? ORDER BY generation", [generation]
    ):
        found[pid] = "added" if found.get(pid) == "added" else change
    return found


def announced(db: sqlite_utils.Database, channel_id: str, ids: Iterable[str]) -> dict[str, str | None]:
    """Of `ids`, those the channel has been shown, or is being shown (a pending post): id -> the version (date of
    update) it was shown."""
    wanted, found = set(ids), dict[str, str | None]()
    for sql, chunk in store.in_chunks("SELECT paper_id, version FROM announced WHERE channel_id = ? AND paper_id "
                                       "IN ({marks})", wanted):
        found.update(db.conn.execute(sql, [channel_id, *chunk]).fetchall())
    found.update((pid, version) for post in pending_posts(db, channel_id) for pid, version in post.papers
                 if pid in wanted)
    return found


def record_announced(db: sqlite_utils.Database, channel_id: str, papers: Sequence[tuple[str, str | None]]) -> None:
    """The channel was shown these (id, version)s (inside the caller's transaction)."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO announced (channel_id, paper_id, version, announced_at) VALUES (?, ?, ?, ?)",
        [(channel_id, pid, version, now()) for pid, version in papers],
    )


def mark_digested(db: sqlite_utils.Database, channel_id: str, follow_ids: Sequence[int], through: int) -> None:
    """A channel's digest was posted whole, or dropped: its follows have covered the changes up to `through`
    (changes every follow has covered go), and the channel no longer counts as refusing the bot."""
    with store.writing(db):
        db.conn.executemany("UPDATE follows SET through = MAX(through, ?) WHERE id = ?",
                            [(through, fid) for fid in follow_ids])
        if store.has_table(db, "digest_refusals"):
            db.conn.execute("DELETE FROM digest_refusals WHERE channel_id = ?", [channel_id])
        _prune(db)


def _prune(db: sqlite_utils.Database) -> None:
    (oldest,) = db.conn.execute("SELECT MIN(through) FROM follows").fetchone()
    if oldest is None:
        db.conn.execute("DELETE FROM paper_changes")
    else:
        db.conn.execute("DELETE FROM paper_changes WHERE generation <= ?", [oldest])


# -- the outbox: digest messages being posted ------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A digest message written before it is posted: its nonce makes Discord answer a retried request with the
    message it created already; its papers are recorded as shown once it is known to have gone out."""

    id: int
    channel_id: str
    nonce: str
    content: str
    papers: list[tuple[str, str | None]]
    written_at: str

    @classmethod
    def of(cls, row: dict) -> Post:
        return cls(**{**row, "papers": [tuple(p) for p in json.loads(row["papers"])]})


def write_post(db: sqlite_utils.Database, channel_id: str, content: str,
               papers: Sequence[tuple[str, str | None]]) -> Post:
    """A digest message about to be posted, with a new nonce (Discord takes up to 25 characters)."""
    with store.writing(db):
        store.ensure_added(db)
        cursor = db.conn.execute(
            "INSERT INTO digest_posts (channel_id, nonce, content, papers, written_at) VALUES (?, ?, ?, ?, ?)",
            [channel_id, str(secrets.randbits(63)), content, json.dumps(list(papers)), now()])
        row = next(db.query("SELECT * FROM digest_posts WHERE id = ?", [cursor.lastrowid]))
    return Post.of(row)


def pending_posts(db: sqlite_utils.Database, channel_id: str | None = None) -> list[Post]:
    """The posts not yet known to have gone out (a channel's, or every channel's), oldest first."""
    if not store.has_table(db, "digest_posts"):
        return []
    where, args = ("WHERE channel_id = ?", [channel_id]) if channel_id is not None else ("", [])
    return [Post.of(row) for row in db.query(f"SELECT * FROM digest_posts {where} ORDER BY id", args)]


def post_done(db: sqlite_utils.Database, post: Post, *, shown: bool) -> None:
    """A post is settled: it went out (or may have: `shown`, its papers recorded as shown), or it did not (they
    may come in a later digest)."""
    with store.writing(db):
        if shown:
            record_announced(db, post.channel_id, post.papers)
        db.conn.execute("DELETE FROM digest_posts WHERE id = ?", [post.id])


# -- channels that refuse the bot ------------------------------------------------------------------------


def refused_since(db: sqlite_utils.Database, channel_id: str, when: float) -> float:
    """Since when (Unix time) Discord has refused the bot a channel's digest: `when`, if this is the first time."""
    with store.writing(db):
        store.ensure_added(db)
        db.conn.execute("INSERT OR IGNORE INTO digest_refusals (channel_id, since) VALUES (?, ?)", [channel_id, when])
        (since,) = db.conn.execute("SELECT since FROM digest_refusals WHERE channel_id = ?", [channel_id]).fetchone()
    return float(since)


# -- leases ----------------------------------------------------------------------------------------------


def lease(db: sqlite_utils.Database, name: str, holder: str, seconds: float, *, now: float | None = None) -> bool:
    """Hold the lease `name` for `seconds` from now (Unix time), if it is free, lapsed or `holder`'s already:
    whether `holder` holds it. One process at a time does the work a lease names (the digests' rounds)."""
    now = time.time() if now is None else now
    with store.writing(db):
        store.ensure_added(db)
        row = db.conn.execute("SELECT holder FROM leases WHERE name = ?", [name]).fetchone()
        if row is not None and row[0] != holder and not holder_alive(row[0]):
            db.conn.execute("DELETE FROM leases WHERE name = ?", [name])  # (its holder died here: no need to wait)
        db.conn.execute("INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                        "holder = excluded.holder, expires = excluded.expires WHERE leases.holder = excluded.holder "
                        "OR leases.expires <= ?", [name, holder, now + seconds, now])
        (held,) = db.conn.execute("SELECT holder FROM leases WHERE name = ?", [name]).fetchone()
    return bool(held == holder)


def _home() -> str:
    """Where this process's ids mean something: the host, and its process-id namespace (two containers of one
    name on one host number their processes apart)."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}/{namespace}"


def lease_holder() -> str:
    """A name for this process as a lease's holder: `home:pid:random`."""
    return f"{_home()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_alive(holder: str) -> bool:
    """Whether a lease's holder (`lease_holder()`) may still be running: False only for a process of this host and
    namespace that is gone (a SIGKILLed bot restarting takes its own lease over at once instead of waiting)."""
    home, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if home != _home() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # (there, but another user's)
        return True
    return True


def release(db: sqlite_utils.Database, name: str, holder: str) -> None:
    """Give the lease `name` up, if `holder` holds it."""
    with store.writing(db):
        if store.has_table(db, "leases"):
            db.conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])


# -- harvest progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """One harvested feed's row of `harvests`."""

    source: str
    next_from: str | None = None  # the date the next run asks from (None: from the start)
    token: str | None = None  # a run part way through its list: the token of its next page
    run_from: str | None = None  # that run's `from` (a token arXiv no longer knows starts it again from there)
    run_started: str | None = None  # the UTC date it began: the next run's `from` once it completes
    run_records: int = 0
    last_started: str | None = None
    last_finished: str | None = None
    last_records: int | None = None
    last_outcome: str | None = None
    total_records: int = 0


def progress(db: sqlite_utils.Database, source: str) -> Progress:
    if not store.has_table(db, "harvests"):
        return Progress(source)
    rows = list(db.query("SELECT * FROM harvests WHERE source = ?", [source]))
    return Progress(**rows[0]) if rows else Progress(source)


def all_progress(db: sqlite_utils.Database) -> list[Progress]:
    return [Progress(**row) for row in db.query("SELECT * FROM harvests ORDER BY source")] if store.has_table(
        db, "harvests") else []


def begin_run(db: sqlite_utils.Database, source: str, *, run_from: str | None, started: str) -> None:
    """A new run of `source`'s harvest, asking from `run_from`, begun on the UTC date `started`."""
    with store.writing(db):
        store.ensure_added(db)
        db.conn.execute("INSERT OR IGNORE INTO harvests (source) VALUES (?)", [source])
        db.conn.execute("UPDATE harvests SET token = NULL, run_from = ?, run_started = ?, run_records = 0, "
                        "last_started = ? WHERE source = ?", [run_from, started, now(), source])


def resume_run(db: sqlite_utils.Database, source: str) -> None:
    """A run going on from the page it had not loaded (its counts and `from` stay): a new start, for --status."""
    with store.writing(db):
        db.conn.execute("UPDATE harvests SET last_started = ? WHERE source = ?", [now(), source])


def page_loaded(db: sqlite_utils.Database, source: str, *, asked: str | None, token: str | None,
                records: int) -> None:
    """In a page's load: the run goes on from `token` (None: its list is done). `asked` is the token the page was
    asked with: a run another process moved on meanwhile (two harvesters) is refused, and its page not loaded."""
    row = db.conn.execute("SELECT token FROM harvests WHERE source = ?", [source]).fetchone()
    if row is None or row[0] != asked:
        raise PapersBotError(f"another harvest of {source} moved on meanwhile; leaving it to that one")
    db.conn.execute("UPDATE harvests SET token = ?, run_records = run_records + ?, total_records = total_records "
                    "+ ? WHERE source = ?", [token, records, records, source])


def finish_run(db: sqlite_utils.Database, source: str, outcome: str) -> None:
    """In the last page's load (or on its own, after a run that brought nothing): the run is complete, and the
    next one asks from the date this one began."""
    db.conn.execute("UPDATE harvests SET next_from = COALESCE(run_started, next_from), token = NULL, "
                    "last_finished = ?, last_records = run_records, last_outcome = ? WHERE source = ?",
                    [now(), outcome, source])


def finish(db: sqlite_utils.Database, source: str, outcome: str) -> None:
    """`finish_run` in a transaction of its own."""
    with store.writing(db):
        finish_run(db, source, outcome)


def run_failed(db: sqlite_utils.Database, source: str, outcome: str) -> None:
    """The run stopped short (the network, arXiv, a bad page): said in `last_outcome`; its token is kept, so the
    next run goes on from the page it could not load."""
    with store.writing(db):
        store.ensure_added(db)
        db.conn.execute("INSERT OR IGNORE INTO harvests (source) VALUES (?)", [source])
        db.conn.execute("UPDATE harvests SET last_finished = ?, last_outcome = ? WHERE source = ?",
                        [now(), outcome, source])


# -- feedback --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteCard:
    """What a vote judges: one paper, for one question."""

    id: int
    query: str
    paper_id: str


def vote_cards(db: sqlite_utils.Database, query: str, paper_ids: Sequence[str]) -> dict[str, int]:
    """The card id of each (query, paper) shown with vote buttons, made the first time it is shown."""
    if not paper_ids:
        return {}
    with store.writing(db):
        store.ensure_added(db)
        db.conn.executemany("INSERT OR IGNORE INTO vote_cards (query, paper_id) VALUES (?, ?)",
                            [(query, pid) for pid in paper_ids])
        marks = ", ".join("?" * len(paper_ids))
        rows = db.conn.execute(f"SELECT paper_id, id FROM vote_cards WHERE query = ? AND paper_id IN ({marks})",
                               [query, *paper_ids]).fetchall()
    return dict(rows)


def _secret(db: sqlite_utils.Database) -> bytes:
    """This install's key for voters' hashes, made on first use (inside the caller's write transaction); kept in
    `meta`, never shown."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = 'vote_secret'").fetchone()
    if row:
        return bytes.fromhex(row[0])
    key = secrets.token_bytes(32)
    db.conn.execute("INSERT INTO meta (key, value) VALUES ('vote_secret', ?)", [key.hex()])
    return key


def voter_key(db: sqlite_utils.Database, user_id: int) -> str:
    """A voter as stored: an HMAC of their Discord id with this install's secret (Discord ids can be listed, so a
    plain hash of one could be reversed by trying them all)."""
    return hmac.new(_secret(db), str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def vote(db: sqlite_utils.Database, card_id: int, user_id: int, value: int, *, guild_id: str | None,
         when: str | None = None) -> tuple[VoteCard, int | None]:
    """Record `user_id`'s vote (1 or -1) on a card, replacing theirs; the card and their vote before (None)."""
    with store.writing(db):
        store.ensure_added(db)
        row = db.conn.execute("SELECT id, query, paper_id FROM vote_cards WHERE id = ?", [card_id]).fetchone()
        if row is None:
            raise PapersBotError("That result is no longer known to the library: search again to vote on it.")
        voter = voter_key(db, user_id)
        before = db.conn.execute("SELECT vote FROM votes WHERE card_id = ? AND voter = ?",
                                 [card_id, voter]).fetchone()
        db.conn.execute("INSERT OR REPLACE INTO votes (card_id, voter, guild_id, vote, voted_at) "
                        "VALUES (?, ?, ?, ?, ?)", [card_id, voter, guild_id, value, when or now()])
    return VoteCard(*row), before[0] if before else None


def forget_voter(db: sqlite_utils.Database, user_id: int) -> int:
    """Delete every vote `user_id` gave; how many."""
    if not store.has_table(db, "votes"):
        return 0
    with store.writing(db):
        return db.conn.execute("DELETE FROM votes WHERE voter = ?", [voter_key(db, user_id)]).rowcount


@dataclass(frozen=True)
class Judged:
    """A card's votes: its question, its paper, and how many said 👍 and 👎."""

    query: str
    paper_id: str
    up: int
    down: int


def judged(db: sqlite_utils.Database) -> list[Judged]:
    """Every card that has votes, by question then paper."""
    if not store.has_table(db, "votes"):
        return []
    rows = db.conn.execute(
        "SELECT c.query, c.paper_id, SUM(v.vote > 0), SUM(v.vote < 0) FROM votes v JOIN vote_cards c ON c.id = "
        "v.card_id GROUP BY c.id ORDER BY c.query, c.paper_id").fetchall()
    return [Judged(*row) for row in rows]


def votes_by_month(db: sqlite_utils.Database) -> list[tuple[str, int, int]]:
    """(month `2026-12`, 👍, 👎) for every month with votes, oldest first."""
    if not store.has_table(db, "votes"):
        return []
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT substr(voted_at, 1, 7), SUM(vote > 0), SUM(vote < 0) FROM votes GROUP BY 1 ORDER BY 1")]


def vote_card(db: sqlite_utils.Database, card_id: int) -> VoteCard:
    """A result card by its id (what a button under it carries)."""
    row = db.conn.execute("SELECT id, query, paper_id FROM vote_cards WHERE id = ?", [card_id]).fetchone() if (
        store.has_table(db, "vote_cards")) else None
    if row is None:
        raise PapersBotError("That result is no longer known to the library: search again.")
    return VoteCard(*row)


# -- per-server settings ---------------------------------------------------------------------------------

KEEP_AFTER_LEAVING = 30 * 86400.0  # seconds a server's settings outlive the bot's leaving it (it may come back)
LOG_KEPT = 200  # changes of a server's settings kept in its log (the oldest go)


@dataclass(frozen=True)
class GuildSetting:
    """One server's value of one setting, as its admin wrote it (for one channel, or the whole server: '')."""

    guild_id: str
    setting: str
    channel_id: str
    value: str
    changed_by: str | None
    changed_at: str


@dataclass(frozen=True)
class SettingChange:
    """One change of a server's settings: `old` None when it was the default, `new` None for a reset."""

    id: int
    guild_id: str
    setting: str
    channel_id: str
    old: str | None
    new: str | None
    changed_by: str | None
    changed_at: str


def guild_settings(db: sqlite_utils.Database, guild_id: str | None = None) -> list[GuildSetting]:
    """A server's settings (every server's, without one), by server, setting and channel."""
    if not store.has_table(db, "guild_settings"):
        return []
    where, args = ("WHERE guild_id = ?", [guild_id]) if guild_id is not None else ("", [])
    return [GuildSetting(**row) for row in db.query(
        f"SELECT * FROM guild_settings {where} ORDER BY guild_id, setting, channel_id", args)]


def _log_change(db: sqlite_utils.Database, guild_id: str, setting: str, channel_id: str, old: str | None,
                new: str | None, by: str | None) -> None:
    db.conn.execute("INSERT INTO guild_settings_log (guild_id, setting, channel_id, old, new, changed_by, changed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [guild_id, setting, channel_id, old, new, by, now()])
    db.conn.execute("DELETE FROM guild_settings_log WHERE guild_id = ? AND id NOT IN (SELECT id FROM "
                    "guild_settings_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?)", [guild_id, guild_id, LOG_KEPT])


def set_guild_setting(db: sqlite_utils.Database, guild_id: str, setting: str, value: str, *, by: str | None,
                      channel_id: str = "") -> str | None:
    """A server's value of a setting (already checked), logged; the value it replaces (None: the default)."""
    with store.writing(db):
        store.ensure_added(db)
        row = db.conn.execute("SELECT value FROM guild_settings WHERE guild_id = ? AND setting = ? AND channel_id = ?",
                              [guild_id, setting, channel_id]).fetchone()
        old = row[0] if row else None
        db.conn.execute("INSERT OR REPLACE INTO guild_settings (guild_id, setting, channel_id, value, changed_by, "
                        "changed_at) VALUES (?, ?, ?, ?, ?, ?)", [guild_id, setting, channel_id, value, by, now()])
        if old != value:
            _log_change(db, guild_id, setting, channel_id, old, value, by)
    return old


def reset_guild_settings(db: sqlite_utils.Database, guild_id: str, setting: str | None = None, *,
                         by: str | None) -> list[GuildSetting]:
    """Back to the configuration file's: one setting of a server (every channel's), or all; those removed."""
    if not store.has_table(db, "guild_settings"):
        return []
    with store.writing(db):
        gone = [s for s in guild_settings(db, guild_id) if setting is None or s.setting == setting]
        for s in gone:
            db.conn.execute("DELETE FROM guild_settings WHERE guild_id = ? AND setting = ? AND channel_id = ?",
                            [guild_id, s.setting, s.channel_id])
            _log_change(db, guild_id, s.setting, s.channel_id, s.value, None, by)
    return gone


def setting_changes(db: sqlite_utils.Database, guild_id: str, *, limit: int = 10) -> list[SettingChange]:
    """A server's latest changes of its settings, newest first."""
    if not store.has_table(db, "guild_settings_log"):
        return []
    return [SettingChange(**row) for row in db.query(
        "SELECT * FROM guild_settings_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?", [guild_id, limit])]


def guild_left(db: sqlite_utils.Database, guild_id: str, when: float) -> None:
    """The bot left a server (or was removed) at `when` (Unix time): its settings go KEEP_AFTER_LEAVING after."""
    with store.writing(db):
        store.ensure_added(db)
        db.conn.execute("INSERT OR IGNORE INTO guild_departures (guild_id, left_at) VALUES (?, ?)", [guild_id, when])


def guilds_present(db: sqlite_utils.Database, present: Iterable[str], when: float, *,
                   ours: Callable[[str], bool] = lambda _: True) -> list[str]:
    """The bot is in the servers `present` at `when`: a server of `ours` (this process's shards) with settings
    and not among them is noted as left; the settings and log of one left KEEP_AFTER_LEAVING ago are deleted.
    The servers deleted."""
    if not store.has_table(db, "guild_settings"):
        return []
    here = set(present)
    with store.writing(db):
        store.ensure_added(db)
        kept = {g for (g,) in db.conn.execute("SELECT guild_id FROM guild_settings UNION SELECT guild_id FROM "
                                              "guild_settings_log")}
        db.conn.executemany("DELETE FROM guild_departures WHERE guild_id = ?", [(g,) for g in here])
        db.conn.executemany("INSERT OR IGNORE INTO guild_departures (guild_id, left_at) VALUES (?, ?)",
                            [(g, when) for g in sorted(kept - here) if ours(g)])
        gone = [g for (g,) in db.conn.execute("SELECT guild_id FROM guild_departures WHERE left_at <= ?",
                                              [when - KEEP_AFTER_LEAVING])]
        for table in ("guild_settings", "guild_settings_log", "guild_departures"):
            db.conn.executemany(f"DELETE FROM {table} WHERE guild_id = ?", [(g,) for g in gone])
    return gone
