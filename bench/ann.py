"""The approximate nearest-neighbour index against the exact scan: recall@100, k-NN time, build time and memory.

    python bench/ann.py [PAPERS] [--queries N] [--skip-collections]

Recall@100 of `Vectors.nearest` through the index (usearch HNSW over the int8 rows, re-scored exactly) against
the exact scan of the same vectors, on the real vectors of Cranfield and CISI (`../shared/eval/`, their papers
and their judged queries embedded as papers-bot embeds them) and on PAPERS synthetic vectors (default 1M), made
to lie as real ones do: each a random blend of two real papers' vectors (Cranfield's and CISI's) plus a little
noise, int8 as the library stores them, queried by N of them moved a little more. (A uniform random cloud in
256 dimensions is left out: every point is nearly as far from every other, so "the 100 nearest" means nothing
there, and the model's vectors are far from uniform: they share a common direction.) Times are of the k-NN
alone (k = 100, one thread, as a search asks it): p50 and p99 over the queries. The index is built in a child
process, whose peak memory (maxrss) and time are reported; the disk size too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine
from quality import DEFAULTS, read_collection

from papers_bot.retrieval import vectors as vectors_module
from papers_bot.retrieval.vectors import ANN_EXPANSION_SEARCH, DIM, Vectors, VectorStore, embed, paper_text, quantise

K = 100
NOISE = 0.3  # the synthetic papers' noise, against a unit vector's length

BUILD = """
import json, resource, sys, time
import numpy as np
from papers_bot.retrieval.vectors import write_ann
from pathlib import Path
matrix = np.load(sys.argv[1], mmap_mode="r")
rows = np.arange(len(matrix))
started = time.perf_counter()
write_ann(matrix, rows.astype(np.uint64), rows, Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - started,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def recall(vectors: Vectors, queries: np.ndarray) -> tuple[float, list[float], list[float]]:
    """Mean recall@K of the index against the exact scan, and each query's k-NN time (ms) both ways."""
    ann = vectors.ann
    assert ann is not None
    found, approximate, exact = [], [], []
    for q in queries:
        vectors.ann = None
        started = time.perf_counter()
        truth = {pid for _, pid in vectors.nearest(q, K)}
        exact.append((time.perf_counter() - started) * 1000)
        vectors.ann = ann
        started = time.perf_counter()
        got = {pid for _, pid in vectors.nearest(q, K)}
        approximate.append((time.perf_counter() - started) * 1000)
        found.append(len(got & truth) / max(len(truth), 1))
    return float(np.mean(found)), approximate, exact


def built(folder: Path, matrix_file: Path, scales: np.ndarray, ids: list[str]) -> tuple[Vectors, dict]:
    """The vectors in `matrix_file` with their index, built in a child process (its time and peak memory)."""
    ann_file = folder / "ann.usearch"
    out = subprocess.run([sys.executable, "-c", BUILD, str(matrix_file), str(ann_file)], check=True,
                         capture_output=True, text=True).stdout
    figures = json.loads(out) | {"ann_mb": ann_file.stat().st_size / 2**20,
                                 "vectors_mb": matrix_file.stat().st_size / 2**20}
    from usearch.index import Index

    matrix = np.load(matrix_file, mmap_mode="r")
    ann = Index.restore(str(ann_file), view=True, expansion_search=ANN_EXPANSION_SEARCH)
    lookup = np.stack([np.arange(len(ids), dtype=np.uint64)] * 2)  # (keyed by row)
    return Vectors(matrix, scales, np.zeros(len(ids), dtype=np.uint64), None, "bench", ann, lookup,
                   given_ids=ids), figures


def percentile(times: list[float], p: float) -> float:
    return float(np.percentile(times, p))


def report(name: str, papers: int, rec: float, approximate: list[float], exact: list[float], figures: dict) -> None:
    print(f"| {name} | {papers:,} | {rec:.3f} | {percentile(approximate, 50):.2f} / {percentile(approximate, 99):.2f} "
          f"| {percentile(exact, 50):.2f} / {percentile(exact, 99):.2f} | {figures['seconds']:.1f} "
          f"| {papers / figures['seconds']:,.0f} | {figures['maxrss_mb']:.0f} | {figures['vectors_mb']:.1f} "
          f"+ {figures['ann_mb']:.1f} |", flush=True)


def collection(folder: Path, tmp: Path) -> None:
    c = read_collection(folder)
    store = VectorStore(tmp / c.name)
    rows = [(d["id"], d["title"], d["abstract"]) for d in c.docs]
    saved = vectors_module.ANN_MIN_PAPERS
    vectors_module.ANN_MIN_PAPERS = 0  # (these collections are small: the index is built to be measured)
    try:
        vectors, _ = store.build(rows, len(rows), "bench")
    finally:
        vectors_module.ANN_MIN_PAPERS = saved
    assert vectors.ann is not None
    started = time.perf_counter()
    every = np.arange(len(vectors))
    vectors_module.write_ann(vectors.matrix, every.astype(np.uint64), every, tmp / f"{c.name}.usearch")
    seconds = time.perf_counter() - started
    queries = embed(list(c.queries.values()))
    rec, approximate, exact = recall(vectors, queries)
    figures = {"seconds": seconds, "maxrss_mb": float("nan"),
               "ann_mb": (tmp / f"{c.name}.usearch").stat().st_size / 2**20,
               "vectors_mb": len(vectors) * DIM / 2**20}
    report(f"{c.name} (its {len(queries)} queries)", len(vectors), rec, approximate, exact, figures)


def synthetic(papers: int, queries: int, tmp: Path) -> None:
    rng = np.random.default_rng(25)
    real = embed([paper_text(d["title"], d["abstract"]) for folder in DEFAULTS for d in read_collection(folder).docs])
    matrix_file = tmp / "synthetic.npy"
    matrix = np.lib.format.open_memmap(matrix_file, mode="w+", dtype=np.int8, shape=(papers, DIM))
    scales = np.empty(papers, dtype=np.float32)
    noise = NOISE / np.sqrt(DIM)
    for start in range(0, papers, 100_000):
        n = min(100_000, papers - start)
        share = rng.random((n, 1), dtype=np.float32)
        block = share * real[rng.integers(0, len(real), n)] + (1 - share) * real[rng.integers(0, len(real), n)]
        block += noise * rng.standard_normal((n, DIM)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        matrix[start : start + n], scales[start : start + n] = quantise(block)
    matrix.flush()
    del matrix
    ids = [f"s{i}" for i in range(papers)]
    vectors, figures = built(tmp, matrix_file, scales, ids)
    picked = rng.choice(papers, queries, replace=False)
    asked = np.stack([vectors.vector(ids[i]) for i in picked])  # type: ignore[misc]
    asked += 1.5 * noise * rng.standard_normal(asked.shape).astype(np.float32)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    rec, approximate, exact = recall(vectors, asked)
    report(f"synthetic, blends of real papers ({queries} queries)", papers, rec, approximate, exact, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("papers", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-collections", action="store_true")
    args = parser.parse_args()
    print(f"{machine()}; load average {os.getloadavg()[0]:.1f}; usearch HNSW i8, connectivity "
          f"{vectors_module.ANN_CONNECTIVITY}, expansion add {vectors_module.ANN_EXPANSION_ADD} / search "
          f"{ANN_EXPANSION_SEARCH}")
    print("| vectors | papers | recall@100 | k-NN ms p50 / p99, index | exact scan p50 / p99 | index build s "
          "| build papers/s | build peak MB | disk MB, vectors + index |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_collections:
            for folder in DEFAULTS:
                collection(folder, Path(tmp))
        synthetic(args.papers, args.queries, Path(tmp))


if __name__ == "__main__":
    main()
