"""A first harvest of a large set, and SIGKILLs at random points of a multi-page one, through the fake arXiv.

    python bench/harvest.py [N] [--page-size 1000] [--kills 10] [--kill-records 20000] [--seed S] [--out DIR]
                            [--json]

The fake arXiv (papers_bot.testing.fakearxiv, N synthetic records) runs in a process of its own on 127.0.0.1,
so the harvester's figures are its own. Measured:

- **First harvest:** `papers-bot harvest --set cs` of all N records into a new library, with no wait between
  requests (the fake is on this machine; arXiv itself is asked at most every 3 s, which bounds a real first
  harvest to about 333 records/s with its 1,000-record pages): records/s, wall time, and the process's peak
  RSS. The baseline, in the same run: `papers-bot load` of the same N records as arXiv metadata JSON lines (the
  same papers through the same load, read from a file).
- **Kills:** `--kills` times, a harvest of `--kill-records` records (pages of `--page-size`) is SIGKILLed after
  a random delay spread over a whole harvest; one more run then completes it. Checked: every record is in the
  store exactly once with one source row, the index holds each exactly once and records the store's version,
  and the harvest's progress says its run is complete. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import tantivy
from common import machine

from papers_bot.library import Library, index_path
from papers_bot.retrieval.index import PaperIndex, match_count
from papers_bot.store import db as store
from papers_bot.testing.fakearxiv import Synthetic


def papers_bot() -> str:
    return str(Path(sys.executable).with_name("papers-bot"))


class Fake:
    """The fake arXiv in its own process."""

    def __init__(self, records: int, page_size: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "papers_bot.testing.fakearxiv", "--records", str(records), "--page-size",
             str(page_size)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])
        self.url = f"http://127.0.0.1:{self.port}/oai"

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def harvest(db: Path, url: str) -> subprocess.Popen[bytes]:
    """`papers-bot harvest` into `db`, its log appended to `db`.log (a pipe nobody read could fill and stall it)."""
    env = {**os.environ, "PAPERS_BOT_OAI_URL": url, "PAPERS_BOT_HARVEST_DELAY": "0"}
    env = {k: v for k, v in env.items() if k != "PAPERS_BOT_CONFIG"}
    with db.with_suffix(".log").open("ab") as log:
        return subprocess.Popen([papers_bot(), "--db", str(db), "harvest", "--set", "cs"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)


def timed(proc: subprocess.Popen[bytes]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of the process (waited for), and its exit status."""
    started = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, proc.returncode


def snapshot_jsonl(path: Path, n: int) -> Path:
    """The same N records as arXiv metadata JSON lines (what `papers-bot load` reads)."""
    with path.open("w") as f:
        for r in Synthetic(n):
            f.write(json.dumps({
                "id": r.id, "title": r.title, "abstract": r.abstract, "comments": r.comments,
                "categories": r.categories, "authors": ", ".join(f"{a[1]} {a[0]}" for a in r.authors),
                "authors_parsed": [[a[0], a[1], ""] for a in r.authors],
                "versions": [{"version": "v1", "created": r.created}], "update_date": r.updated or r.created,
            }) + "\n")
    return path


def first_harvest(n: int, page_size: int, out: Path, log: Any) -> dict[str, Any]:
    fake = Fake(n, page_size)
    try:
        db = out / "first.db"
        wall, rss, status = timed(harvest(db, fake.url))
        assert status == 0, f"the harvest exited {status}"
    finally:
        fake.close()
    source = snapshot_jsonl(out / "same.jsonl", n)
    load = subprocess.Popen([papers_bot(), "--db", str(out / "load.db"), "load", str(source)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load_wall, load_rss, load_status = timed(load)
    assert load_status == 0
    result = {"records": n, "page_size": page_size, "harvest_s": round(wall, 2),
              "harvest_records_per_s": round(n / wall), "harvest_peak_rss_mb": round(rss, 1),
              "load_s": round(load_wall, 2), "load_records_per_s": round(n / load_wall),
              "load_peak_rss_mb": round(load_rss, 1), "rate_ratio": round(load_wall / wall, 3),
              "rss_ratio": round(rss / load_rss, 3)}
    log(f"first harvest of {n:,}: {result['harvest_records_per_s']:,} records/s, peak RSS "
        f"{result['harvest_peak_rss_mb']} MB; the same records loaded from a file: "
        f"{result['load_records_per_s']:,} records/s, {result['load_peak_rss_mb']} MB")
    return result


def check(db: Path, n: int) -> list[str]:
    """What is wrong with a library after its harvest completed (nothing: [])."""
    wanted = {r.id for r in Synthetic(n)}
    problems = []
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM papers")]
        sources = conn.execute("SELECT COUNT(*), COUNT(DISTINCT paper_id) FROM sources").fetchone()
        (token,) = conn.execute("SELECT token FROM harvests").fetchone()
    if set(ids) != wanted or len(ids) != n:
        problems.append(f"the store holds {len(ids)} papers ({len(set(ids) - wanted)} unknown, "
                        f"{len(wanted - set(ids))} missing), not the {n} records")
    if sources != (n, n):
        problems.append(f"{sources[0]} source rows for {sources[1]} papers (one each expected)")
    if token is not None:
        problems.append(f"the harvest's progress still holds a token ({token}): its run is not complete")
    database = store.open_db(db)
    try:
        behind = PaperIndex(index_path(db)).store_version != store.version(database)
    finally:
        database.close()
    if behind:  # (a harvest that completed leaves the index in step: no rebuild at the next open)
        problems.append("the index does not record the store's version")
    library = Library(db, sample_if_new=False)
    try:
        with library.reading() as (_, snapshot):
            query = tantivy.Query.term_query(snapshot.schema, "kind", "paper")
            docs = match_count(snapshot.searcher().search(query, 1, count=True))
        if docs != n:
            problems.append(f"the index holds {docs} papers, not {n}")
    finally:
        library.close()
    return problems


def kills(count: int, n: int, page_size: int, out: Path, rng: random.Random, log: Any) -> dict[str, Any]:
    fake = Fake(n, page_size)
    try:
        whole, _, status = timed(harvest(out / "timing.db", fake.url))
        assert status == 0
        failures: list[str] = []
        killed_at = []
        for round_ in range(1, count + 1):
            db = out / f"kill{round_}.db"
            runs = 0
            # One to three kills in this library's harvest, then a run to the end.
            for _ in range(rng.randint(1, 3)):
                proc = harvest(db, fake.url)
                delay = rng.uniform(0.3, whole)
                try:
                    proc.wait(delay)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed_at.append(round(delay, 2))
                runs += 1
            _, _, status = timed(harvest(db, fake.url))
            problems = [f"round {round_}: the final run exited {status}"] if status else []
            problems += [f"round {round_}: {p}" for p in check(db, n)]
            failures += problems
            log(f"kill round {round_}: {runs} runs killed or finished, then one to the end: "
                f"{'ok' if not problems else '; '.join(problems)}")
    finally:
        fake.close()
    return {"rounds": count, "kills": len(killed_at), "killed_at_s": killed_at, "whole_harvest_s": round(whole, 2),
            "records": n, "page_size": page_size, "failures": failures}


def run(n: int, *, page_size: int, kill_rounds: int, kill_records: int, out: Path, seed: int = 1,
        log: Any = print) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine()}
    if n:
        result["first_harvest"] = first_harvest(n, page_size, out, log)
    if kill_rounds:
        result["kills"] = kills(kill_rounds, kill_records, min(page_size, max(kill_records // 20, 1)), out,
                                random.Random(seed), log)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--kill-records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/papers-bot-harvest-bench"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    result = run(args.n, page_size=args.page_size, kill_rounds=args.kills, kill_records=args.kill_records,
                 out=args.out, seed=args.seed, log=(lambda *_: None) if args.json else print)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"machine: {result['machine']}")
    sys.exit(1 if result.get("kills", {}).get("failures") else 0)


if __name__ == "__main__":
    main()
