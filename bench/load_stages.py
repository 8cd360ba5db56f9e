"""Where a load's CPU goes: each stage of `papers-bot load` alone, per paper, and the whole load beside them.

    python bench/load_stages.py [N] [--cores 2] [--target 15000]

Generates N synthetic papers (bench/scale.py's), then measures in one run, in this process: reading and
parsing the JSON lines into papers; storing them in SQLite (the loader: duplicate look-ups, rows, writes,
commit); building the index documents; tantivy's indexing and commit (CPU of all its threads). Then a fresh
`papers-bot load` of the same file (CPU of all its threads, and wall time). The stages' sum is the CPU a
paper needs however the stages overlap: `cores / sum` is the most any overlap can load on this machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
from pathlib import Path

from common import machine

from papers_bot.retrieval.index import PaperIndex, paper_document
from papers_bot.store import db as store
from papers_bot.store.parse import Listing, read_listing


def cpu() -> float:
    """CPU seconds of every thread of this process (tantivy indexes on threads of its own)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(n: int, folder: Path) -> dict:
    import scale

    data = folder / "papers.jsonl"
    scale.generate(data, n)
    stages: dict[str, float] = {}

    start = cpu()
    papers = list(read_listing(data).papers)
    stages["read and parse JSON lines"] = cpu() - start

    db = store.open_db(folder / "stages.db")
    start = cpu()
    store.load_listings(db, [Listing(str(data), "arxiv-jsonl", iter(papers))])
    stages["store in SQLite (look-ups, rows, writes, commit)"] = cpu() - start
    rows = list(store.iter_papers(db))
    db.close()

    start = cpu()
    documents = [paper_document(row) for row in rows]
    stages["build index documents"] = cpu() - start

    index = PaperIndex(folder / "stages.index")
    update = index.update()
    start = cpu()
    for document in documents:
        update.writer.add_document(document)
    update.commit("stages")
    stages["tantivy indexing and commit (all threads)"] = cpu() - start
    update.close()

    env = {**os.environ, "PAPERS_BOT_DB": str(folder / "load.db")}
    exe = scale.papers_bot()
    scale.start_empty(exe, env, folder)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _, _ = scale.run([exe, "load", str(data)], env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"n": n, "stages": stages, "load_cpu_s": load_cpu, "load_wall_s": wall}


def report(r: dict, cores: int, target: float) -> str:
    n = r["n"]
    per = {name: s / n * 1e6 for name, s in r["stages"].items()}
    total = sum(per.values())
    lines = [
        f"{n:,} papers; {machine()}",
        "",
        "| stage | CPU per paper | share |",
        "|---|---|---|",
        *(f"| {name} | {us:.1f} µs | {us / total:.0%} |" for name, us in per.items()),
        f"| **sum** | **{total:.1f} µs** | |",
        "",
        f"`papers-bot load`: {r['load_wall_s']:.1f} s wall, {n / r['load_wall_s']:,.0f} papers/s; "
        f"{r['load_cpu_s'] / n * 1e6:.1f} µs of CPU per paper, {r['load_cpu_s'] / r['load_wall_s']:.2f} cores busy",
        f"At most, with every stage overlapped on {cores} cores: {cores / total * 1e6:,.0f} papers/s. "
        f"{target:,.0f} papers/s needs at most {cores / target * 1e6:.0f} µs of CPU per paper.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000, help="how many synthetic papers")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--target", type=float, default=15_000, help="papers/s to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(report(measure(args.n, Path(folder)), args.cores, args.target))


if __name__ == "__main__":
    main()
