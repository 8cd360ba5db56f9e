"""Crash safety: SIGKILL `papers-bot load --replace` at random points, then check the database and index.

    python bench/crash.py [N] [--kills 50] [--rebuild-kills 10] [--windows 5] [--races 5] [--seed S] [--out DIR]
                          [--json]

Builds an old and a new corpus of N synthetic arXiv records each (bench/scale.py's generator): the new one
drops a tenth of the old ids, adds as many, and has other titles and abstracts for the rest; every title
carries a marker word (`Oldmarker`, `Newmarker`). It loads the old corpus, then times one uninterrupted
`load --replace` each way, noting when the store commits (its generation changes) and when the index commits
(its meta.json changes). Each round then starts `papers-bot load --replace` of the other corpus and SIGKILLs
it after a random delay spread over the whole load (every third delay aimed at the end: the SQLite commit and
the index commit), until `--kills` loads have been killed (a load that finishes first does not count; the
timings follow the machine: full loads re-time their direction). After each kill it checks, opening the
library as a front end does (which rebuilds an index that does not match the store):

- `PRAGMA integrity_check` and `foreign_key_check` pass;
- the store holds exactly the old or exactly the new corpus (ids, and title and abstract per paper; author
  and source rows);
- the index's ids equal the store's, without duplicates; it records the store's version; its marker word
  counts match the store's corpus; searches name only stored papers;
- the papers' vectors (the load's last stage, `retrieval.vectors`) are in step: one per stored paper, each of
  its stored text, recording the store's version, with their approximate nearest-neighbour index (every
  process here builds one whatever the library's size, so that kills land in its write too: the loads run
  `papers-bot` with `ANN_MIN_PAPERS` 0); the kills that landed after the index committed, in the vector
  stage, are counted;
- the next uninterrupted `load --replace` succeeds and leaves the other corpus in place.

Rounds alternate direction (old -> new, then new -> old). Then, `--rebuild-kills` times, the store alone moves
to the other corpus (as when a load dies between its two commits) and a `papers-bot stats` process, which
rebuilds the index on opening, is SIGKILLed part-way through the rebuild; the same checks follow.

Two races follow. `--windows` times, a load is stopped (SIGSTOP) the moment its index has committed and its
store has not (the window in which a process opening the library used to rebuild the index from the old store
and label it in step): a `papers-bot stats` process opens the library meanwhile, then the load goes on
(SIGCONT); the library must end holding the load's corpus, index included. `--races` times, the store moves on
alone, a `stats` process starts rebuilding the index, a load of the other corpus starts beside it, and the
rebuild is SIGKILLed at a random point: the load either completes or is refused as busy (then it is run
again), and the same checks follow. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scale  # bench/ is on sys.path when this runs as a script, and the tests put it there
import tantivy
from common import machine

from papers_bot.library import Library, index_path, source_name
from papers_bot.retrieval import vectors as vectors_module
from papers_bot.retrieval.analysis import analyze
from papers_bot.retrieval.index import META_ID, PaperIndex, match_count, paper_id
from papers_bot.retrieval.vectors import paper_text, text_hash
from papers_bot.store import db as store
from papers_bot.store.parse import read_listing

SEED = 20261124
SEARCHES = [" ".join(scale.words(120)[i : i + 3]) for i in (50, 80, 110)]  # frequent words of both corpora


@dataclass
class Corpus:
    name: str
    path: Path
    marker: str  # a word in every title of this corpus and no other
    digests: dict[str, str] = field(default_factory=dict)  # id -> digest of title and abstract
    author_rows: int = 0


@dataclass
class Phases:
    """When an uninterrupted load reached each point, in seconds from its start."""

    store_commit: float
    index_commit: float
    exit: float


class Inconsistent(Exception):
    """The database and index after a kill are not a complete old or new library."""


def digest(title: str, abstract: str) -> str:
    return hashlib.blake2b(f"{title}\x00{abstract}".encode(), digest_size=8).hexdigest()


def make_corpus(out: Path, name: str, n: int, *, seed: int, skip: int) -> Corpus:
    """n records from scale.generate (the first `skip` of n + skip left out), each title marked."""
    corpus = Corpus(name, out / f"{name}.jsonl", f"{name.capitalize()}marker")
    raw = out / f"{name}.raw.jsonl"
    scale.generate(raw, n + skip, seed=seed)
    with raw.open() as lines, corpus.path.open("w") as f:
        for number, line in enumerate(lines):
            if number < skip:
                continue
            record = json.loads(line)
            record["title"] += f" {corpus.marker}"
            corpus.digests[record["id"]] = digest(record["title"], record["abstract"])
            corpus.author_rows += len(record["authors_parsed"])
            f.write(json.dumps(record) + "\n")
    raw.unlink()
    return corpus


def indexed_cli(out: Path) -> str:
    """A `papers-bot` whose sets of vectors all get their approximate index, however few the papers."""
    path = out / "papers-bot-indexed"
    path.write_text(f"#!{sys.executable}\nfrom papers_bot.retrieval import vectors\nvectors.ANN_MIN_PAPERS = 0\n"
                    "from papers_bot.cli import main\nmain()\n")
    path.chmod(0o755)
    return str(path)


def load_command(exe: str, db_path: Path, corpus: Corpus) -> list[str]:
    return [exe, "--db", str(db_path), "load", "--replace", str(corpus.path)]


def full_load(exe: str, db_path: Path, corpus: Corpus) -> None:
    done = subprocess.run(load_command(exe, db_path, corpus), capture_output=True, text=True)
    if done.returncode:
        raise Inconsistent(f"load --replace {corpus.name} failed after a kill:\n{done.stderr[-2000:]}")


def timed_load(exe: str, db_path: Path, corpus: Corpus) -> Phases:
    """An uninterrupted load, watched from outside: when the store and the index commit, when it exits."""
    meta = index_path(db_path) / "meta.json"
    reader = sqlite3.connect(db_path, isolation_level=None)

    def marks() -> tuple[str, int]:
        return reader.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0], meta.stat().st_mtime_ns

    generation, written = marks()
    store_at = index_at = None
    started = time.perf_counter()
    proc = subprocess.Popen(load_command(exe, db_path, corpus), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None:
        now = time.perf_counter() - started
        g, w = marks()
        store_at = now if store_at is None and g != generation else store_at
        index_at = now if index_at is None and w != written else index_at
        time.sleep(0.002)
    exit_at = time.perf_counter() - started
    reader.close()
    if proc.returncode:
        said = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"load --replace {corpus.name} failed:\n{said[-2000:]}")
    return Phases(store_at or exit_at, index_at or exit_at, exit_at)


def kill_after(command: list[str], delay: float) -> float | None:
    """Run `command` and SIGKILL it after `delay` seconds; None if killed, else the seconds it took to finish."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return time.perf_counter() - started
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def scaled(phases: Phases, seconds: float) -> Phases:
    """The same phases in a load that took `seconds` (the machine got faster: spread the next kills less wide)."""
    factor = seconds / phases.exit
    return Phases(phases.store_commit * factor, phases.index_commit * factor, seconds)


def index_ids(index: PaperIndex) -> list[str]:
    searcher = index.snapshot().searcher()
    hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1)).hits
    return [i for i in (paper_id(searcher, address) for _, address in hits) if i != META_ID]


def marker_count(index: PaperIndex, marker: str) -> int:
    query = tantivy.Query.term_query(index.schema, "title", analyze(marker)[0])
    return match_count(index.snapshot().searcher().search(query, 1, count=True))


def check(db_path: Path, corpora: list[Corpus]) -> tuple[Corpus, bool]:
    """Open the library as a front end does and check it; (the corpus it holds, whether the index was rebuilt).

    Raises Inconsistent naming everything that is wrong."""
    db = store.open_db(db_path)
    try:
        behind = PaperIndex(index_path(db_path)).store_version != store.version(db)
    finally:
        db.close()
    library = Library(db_path, sample_if_new=False)
    try:
        db = library.db
        problems = [
            f"integrity_check: {row[0]}" for row in db.conn.execute("PRAGMA integrity_check") if row[0] != "ok"
        ]
        problems += [f"foreign key: {row}" for row in db.conn.execute("PRAGMA foreign_key_check")]
        stored = {pid: digest(t, a) for pid, t, a in db.conn.execute("SELECT id, title, abstract FROM papers")}
        held = next((c for c in corpora if c.digests == stored), None)
        if held is None:
            problems.append(
                f"the store is neither corpus: {len(stored)} papers, "
                + ", ".join(f"{sum(c.digests.get(p) == d for p, d in stored.items())} as in {c.name}" for c in corpora)
            )
        else:
            author_rows = db.conn.execute("SELECT COUNT(*) FROM paper_authors").fetchone()[0]
            if author_rows != held.author_rows:
                problems.append(f"paper_authors has {author_rows} rows, not {held.author_rows}")
            sources = db.conn.execute("SELECT file, COUNT(*) FROM sources GROUP BY file").fetchall()
            if sources != [(source_name(held.path), len(stored))]:
                problems.append(f"sources {sources}, not {len(stored)} rows of {held.path.name}")
        ids = index_ids(library.index)
        if len(ids) != len(set(ids)):
            problems.append(f"the index holds {len(ids) - len(set(ids))} duplicate documents")
        if set(ids) != set(stored):
            problems.append(
                f"index and store disagree: {len(set(ids) - set(stored))} ids only in the index, "
                f"{len(set(stored) - set(ids))} only in the store"
            )
        if library.index.store_version != store.version(db):
            problems.append(f"index version {library.index.store_version}, store {store.version(db)}")
        vectors = library.vectors.current()  # (opening brought them in step: the load's last stage, or a rebuild)
        if vectors is None or vectors.store_version != store.version(db) or set(vectors.ids) != set(stored):
            problems.append(f"vectors not in step with the store: {vectors and len(vectors)} of {len(stored)} papers")
        else:
            texts = {pid: text_hash(paper_text(t, a))
                     for pid, t, a in db.conn.execute("SELECT id, title, abstract FROM papers")}
            stale = sum(int(vectors.hashes[row]) != texts[pid] for pid, row in vectors.rows.items())
            if stale:
                problems.append(f"{stale} papers' vectors are of another text than the stored one")
            if vectors.ann is None and len(stored) >= vectors_module.ANN_MIN_PAPERS:
                problems.append("the vectors have no approximate index")
        for c in corpora:
            want = len(stored) if c is held else 0
            if marker_count(library.index, c.marker) != want:
                problems.append(f"{marker_count(library.index, c.marker)} indexed titles say {c.marker}, not {want}")
        for query in [c.marker for c in corpora] + SEARCHES:
            strays = [h.paper.id for h in library.search(query, k=20).hits if h.paper.id not in stored]
            if strays:
                problems.append(f"search {query!r} names papers not stored: {strays[:5]}")
        if held is not None and not library.search(held.marker, k=5).hits:
            problems.append(f"search {held.marker!r} finds nothing")
    finally:
        library.close()
    if problems:
        raise Inconsistent("; ".join(problems))
    assert held is not None  # (holding neither corpus is a problem raised above)
    return held, behind


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def stopped_in_the_window(exe: str, db_path: Path, corpus: Corpus) -> bool:
    """Load `corpus`, SIGSTOP the load once its index has committed and its store not yet, open the library from
    another process (`stats`), then let the load go on. False if the window was missed (the load was faster
    than the watching)."""
    meta = index_path(db_path) / "meta.json"
    reader = sqlite3.connect(db_path, isolation_level=None)

    def generation() -> str:
        return reader.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]

    before, written = generation(), meta.stat().st_mtime_ns
    proc = subprocess.Popen(load_command(exe, db_path, corpus), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    caught = False
    try:
        while proc.poll() is None:
            if meta.stat().st_mtime_ns != written:
                proc.send_signal(signal.SIGSTOP)
                caught = generation() == before
                if caught:  # (another process opens the library while the load sits between its commits)
                    subprocess.run([exe, "--db", str(db_path), "stats"], capture_output=True, timeout=600)
                proc.send_signal(signal.SIGCONT)
                break
            time.sleep(0.0005)
        _, err = proc.communicate()
    finally:
        reader.close()
    if proc.returncode:
        raise Inconsistent(f"a load stopped between its commits failed:\n{err.decode()[-2000:]}")
    return caught


def rebuild_raced_by_a_load(exe: str, db_path: Path, target: Corpus, rng: random.Random, rebuild_s: float) -> bool:
    """The store moved on alone (to `target`'s other corpus, done by the caller); a `stats` process rebuilds the
    index, a load of `target` starts beside it, and the rebuild is SIGKILLed at a random point. True if the
    load completed, False if it was refused as busy (a rebuild held the index's writer lock)."""
    rebuild = subprocess.Popen([exe, "--db", str(db_path), "stats"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.0, rebuild_s * 0.5))
    load = subprocess.Popen(load_command(exe, db_path, target), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(rng.uniform(0.0, rebuild_s * 0.5))
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait()
    _, err = load.communicate()
    if load.returncode and b"try again" not in err:
        raise Inconsistent(f"a load racing a killed rebuild failed:\n{err.decode()[-2000:]}")
    return load.returncode == 0


def run(n: int, **options: Any) -> dict:
    """The whole experiment; a dict of counts, timings and failures."""
    saved = vectors_module.ANN_MIN_PAPERS
    vectors_module.ANN_MIN_PAPERS = 0  # (here too, as in the loads: the checks open the library in this process)
    try:
        return _run(n, **options)
    finally:
        vectors_module.ANN_MIN_PAPERS = saved


def _run(n: int, *, kills: int, rebuild_kills: int, out: Path, seed: int = SEED, log=print, windows: int = 0,
         races: int = 0) -> dict:
    exe = indexed_cli(out)  # this environment's papers-bot, not another one on PATH
    rng = random.Random(seed)
    started = time.perf_counter()
    old = make_corpus(out, "old", n, seed=SEED, skip=0)
    new = make_corpus(out, "new", n, seed=SEED + 1, skip=max(1, n // 10))
    corpora = [old, new]
    db_path = out / "crash.db"
    full_load(exe, db_path, old)
    phases = {"old->new": timed_load(exe, db_path, new), "new->old": timed_load(exe, db_path, old)}
    index_start_mb = size_mb(index_path(db_path))
    result: dict[str, Any] = {
        "n": n,
        "machine": machine(),
        "seed": seed,
        "kills": 0,
        "kills_in_vectors": 0,  # of which after the index committed: while the vectors (and their index) were written
        "finished_before_kill": 0,
        "landed": {"before": 0, "after": 0},  # a killed load left the data it started from, or the data it loaded
        "index_rebuilds": 0,
        "rebuild_kills": 0,
        "rebuild_killed_before_commit": 0,
        "windows": {"caught": 0, "missed": 0},  # loads stopped between their two commits, or missed
        "races": {"load_completed": 0, "load_refused": 0},  # loads beside a rebuild that was killed
        "failures": [],
    }

    def checked(what: str, expect: Corpus | None = None) -> tuple[Corpus, bool] | None:
        try:
            held, behind = check(db_path, corpora)
        except Inconsistent as e:
            result["failures"].append(f"{what}: {e}")
            log(f"FAIL {what}: {e}")
            return None
        if expect is not None and held is not expect:
            result["failures"].append(f"{what}: holds {held.name}, expected {expect.name}")
            log(f"FAIL {what}: holds {held.name}, expected {expect.name}")
            return None
        return held, behind

    # Each round kills a load of the other corpus; a load that finished before its kill does not count, and
    # the timings follow the machine: every full load re-times its direction, and a load that finished early
    # shrinks them.
    current, rounds = old, 0
    while result["kills"] < kills and rounds < 3 * kills:
        rounds += 1
        target = new if current is old else old
        direction = f"{current.name}->{target.name}"
        timing = phases[direction]
        # Every third kill aims at the end of the load (the two commits), the rest anywhere in it.
        low = max(0.0, min(timing.store_commit, timing.index_commit) - 0.5) if rounds % 3 == 0 else 0.0
        delay = rng.uniform(low, timing.exit * 0.98)
        what = f"kill {result['kills'] + 1} ({direction} at {delay:.2f} s of {timing.exit:.2f})"
        finished = kill_after(load_command(exe, db_path, target), delay)
        if finished is not None:
            result["finished_before_kill"] += 1
            phases[direction] = scaled(timing, finished)
            checked(f"{direction} load that finished in {finished:.2f} s", expect=target)
            current = target
            continue
        result["kills"] += 1
        result["kills_in_vectors"] += delay > max(timing.store_commit, timing.index_commit)
        found = checked(what)
        if found is not None:
            held, behind = found
            result["landed"]["after" if held is target else "before"] += 1
            result["index_rebuilds"] += behind
            log(f"{what}: {held.name}{', index rebuilt' if behind else ''}")
        if found is not None and found[0] is current:
            phases[direction] = timed_load(exe, db_path, target)
        else:
            full_load(exe, db_path, target)
        checked(f"{what}, then a full load", expect=target)
        current = target

    rebuild_s = None
    rounds = 0
    while result["rebuild_kills"] < rebuild_kills and rounds < 3 * rebuild_kills + 1:
        rounds += 1
        target = new if current is old else old
        db = store.open_db(db_path)  # the store moves on alone: a load that died between its two commits
        try:
            store.load_listings(db, [read_listing(target.path, name=source_name(target.path))], replace=True)
        finally:
            db.close()
        stats = [exe, "--db", str(db_path), "stats"]
        if rebuild_s is None:  # the first one times an uninterrupted rebuild
            t = time.perf_counter()
            subprocess.run(stats, check=True, capture_output=True)
            rebuild_s = time.perf_counter() - t
            checked("uninterrupted rebuild", expect=target)
        else:
            delay = rng.uniform(0.0, rebuild_s * 0.98)
            finished = kill_after(stats, delay)
            rebuild_s = min(rebuild_s, finished or rebuild_s)
            result["rebuild_kills"] += finished is None
            what = f"rebuild kill {result['rebuild_kills']} ({current.name}->{target.name} at {delay:.2f} s)"
            found = checked(what if finished is None else f"rebuild that finished in {finished:.2f} s", expect=target)
            if found is not None and finished is None:
                result["rebuild_killed_before_commit"] += found[1]
                log(f"{what}: {found[0].name}{', index out of step, rebuilt' if found[1] else ''}")
        current = target

    for number in range(windows):
        target = new if current is old else old
        what = f"window {number + 1} ({current.name}->{target.name})"
        try:
            caught = stopped_in_the_window(exe, db_path, target)
        except Inconsistent as e:
            result["failures"].append(f"{what}: {e}")
            caught = False
        result["windows"]["caught" if caught else "missed"] += 1
        if checked(what, expect=target) is not None:
            log(f"{what}: {'stopped between the commits' if caught else 'missed the window'}; {target.name} in step")
        current = target

    for number in range(races):
        target, other = (new if current is old else old), current  # the store moves to target, the load back
        db = store.open_db(db_path)
        try:  # the store moves on alone to the target (a load that died between its two commits) ...
            store.load_listings(db, [read_listing(target.path, name=source_name(target.path))], replace=True)
        finally:
            db.close()
        what = f"race {number + 1} (rebuild killed beside a load of {other.name})"
        try:  # ... and the load takes it back to where the index is, while a rebuild runs and is killed
            completed = rebuild_raced_by_a_load(exe, db_path, other, rng, rebuild_s or 1.0)
        except Inconsistent as e:
            result["failures"].append(f"{what}: {e}")
            continue
        result["races"]["load_completed" if completed else "load_refused"] += 1
        if not completed:
            full_load(exe, db_path, other)
        if checked(what, expect=other) is not None:
            log(f"{what}: load {'completed' if completed else 'refused as busy, then run again'}; {other.name} in step")
        current = other

    result["load_s"] = {k: vars(p) for k, p in phases.items()}  # the latest timings
    result["rebuild_s"] = rebuild_s
    result["index_mb"] = {"start": index_start_mb, "end": size_mb(index_path(db_path))}
    result["duration_s"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", default=30_000, help="papers per corpus")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--rebuild-kills", type=int, default=10)
    parser.add_argument("--windows", type=int, default=5, help="loads stopped between their two commits")
    parser.add_argument("--races", type=int, default=5, help="killed rebuilds raced by a load")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=None, help="where to keep the database (default: a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with scale.workdir(args.out) as out:
        result = run(
            args.n, kills=args.kills, rebuild_kills=args.rebuild_kills, out=out, seed=args.seed,
            windows=args.windows, races=args.races,
            log=(lambda *_: None) if args.json else print,
        )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"\nN = {args.n:,} papers a corpus on {result['machine']}, seed {result['seed']}")
        for direction, p in result["load_s"].items():
            print(f"  load {direction}: store commit at {p['store_commit']:.2f} s, index commit at "
                  f"{p['index_commit']:.2f} s, exit at {p['exit']:.2f} s")
        print(f"  kills: {result['kills']} (+{result['finished_before_kill']} loads finished before the kill), "
              f"{result['kills_in_vectors']} of them while the vectors and their index were written")
        print(f"  landed: {result['landed']['before']} with the data before the load, {result['landed']['after']} with "
              f"the load's data; "
              f"index rebuilt on open: {result['index_rebuilds']}")
        rebuild = "not timed" if result["rebuild_s"] is None else f"{result['rebuild_s']:.2f} s"  # (--rebuild-kills 0)
        print(f"  rebuild kills: {result['rebuild_kills']} (rebuild {rebuild}), "
              f"killed before the rebuild committed: {result['rebuild_killed_before_commit']}")
        print(f"  loads stopped between their commits: {result['windows']['caught']} (missed the window: "
              f"{result['windows']['missed']}); killed rebuilds raced by a load: {result['races']['load_completed']} "
              f"loads completed, {result['races']['load_refused']} refused as busy")
        print(f"  index size: {result['index_mb']['start']:.1f} MB -> {result['index_mb']['end']:.1f} MB")
        print(f"  duration: {result['duration_s']:.0f} s; failures: {len(result['failures'])}")
        for failure in result["failures"]:
            print(f"  - {failure}")
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    main()
