"""Ranking quality on the Cranfield collection, through papers-bot's own load and search path.

    python bench/quality.py [--cranfield ../shared/eval/cranfield] [--json]

Loads the 1,400 abstracts as arXiv metadata JSON lines with `papers-bot`'s loader into a fresh database,
asks all 225 questions through `Library.search` as questions (with feedback, as `ask` ranks) and as searches, and scores nDCG@10, MAP@100 and Recall@100 against the
judgements (grades 1-4 relevant, gains 4..1; the judgements number queries 1..225 in file order). The
baselines run in the same process on the same text (title + authors + abstract): rank-bm25 BM25Okapi with
`str.split` tokens, rank-bm25 with papers-bot's analyser (stemmed), and bm25s (lucene, English stop words,
PyStemmer English).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.analysis import analyze, question_terms  # noqa: E402
from retrieval.library import Library  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval" / "cranfield"


def read_smart(path: Path) -> list[dict[str, str]]:
    """SMART format: `.I n` starts a record, `.T/.A/.B/.W` start its fields."""
    records: list[dict[str, str]] = []
    field = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^\.([ITABW])\b ?(.*)$", line)
        if m:
            field = m.group(1)
            if field == "I":
                records.append({"I": m.group(2).strip()})
                field = None
            continue
        if field and records:
            records[-1][field] = (records[-1].get(field, "") + " " + line.strip()).strip()
    return records


def read_qrels(path: Path) -> dict[int, dict[str, int]]:
    """query number (1..225, file order) -> {doc id: gain}; grade 1 is most relevant (gain 4), -1 not relevant."""
    qrels: dict[int, dict[str, int]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        q, doc, grade = int(parts[0]), parts[1], int(parts[2])
        if 1 <= grade <= 4:
            qrels.setdefault(q, {})[doc] = 5 - grade
    return qrels


def ndcg(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: list[str], gains: dict[str, int], k: int = 100) -> float:
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:k]):
        if d in gains:
            hits += 1
            total += hits / (i + 1)
    return total / len(gains) if gains else 0.0


def recall(ranked: list[str], gains: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(gains)) / len(gains) if gains else 0.0


def evaluate(name: str, rank: Callable[[str], list[str]], queries: list[str], qrels: dict[int, dict[str, int]]) -> dict:
    started = time.perf_counter()
    runs = [rank(q) for q in queries]
    took = time.perf_counter() - started
    judged = [(i + 1, run) for i, run in enumerate(runs) if qrels.get(i + 1)]
    return {
        "system": name,
        "ndcg@10": float(np.mean([ndcg(run, qrels[q]) for q, run in judged])),
        "map@100": float(np.mean([average_precision(run, qrels[q]) for q, run in judged])),
        "recall@100": float(np.mean([recall(run, qrels[q]) for q, run in judged])),
        "queries": len(judged),
        "ms_per_query": 1000 * took / len(queries),
    }


def document_text(doc: dict[str, str]) -> str:
    return " ".join([doc.get("T", ""), doc.get("A", ""), doc.get("W", "")])


def top_k(scores: np.ndarray, ids: list[str], k: int = 100) -> list[str]:
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    return [ids[i] for i in best[np.argsort(-scores[best], kind="stable")]]


def baselines(docs: list[dict[str, str]]) -> dict[str, Callable[[str], list[str]]]:
    from rank_bm25 import BM25Okapi

    ids = [d["I"] for d in docs]
    texts = [document_text(d) for d in docs]
    split = BM25Okapi([t.split() for t in texts])
    stemmed = BM25Okapi([analyze(t) or ["\x00"] for t in texts])
    systems = {
        "rank-bm25 BM25Okapi, str.split": lambda q: top_k(split.get_scores(q.split()), ids),
        "rank-bm25 BM25Okapi, stemmed": lambda q: top_k(stemmed.get_scores(analyze(q)), ids),
    }
    try:
        import bm25s
        import Stemmer
    except ImportError:
        print("bm25s / PyStemmer not installed: pip install '.[bench]' to run that baseline", file=sys.stderr)
        return systems
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(method="lucene")
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)

    def rank_bm25s(q: str) -> list[str]:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs_, _scores = retriever.retrieve(tokens, k=100, show_progress=False)
        return [ids[i] for i in docs_[0]]

    systems["bm25s lucene, stop words, PyStemmer"] = rank_bm25s
    return systems


def load_into_library(docs: list[dict[str, str]], folder: Path) -> Library:
    path = folder / "cranfield.jsonl"
    with path.open("w") as f:
        for d in docs:
            record = {"id": f"cran-{d['I']}", "title": d.get("T", ""), "authors": d.get("A", ""),
                      "abstract": d.get("W", ""), "categories": "cranfield"}
            f.write(json.dumps(record) + "\n")
    library = Library(folder / "cranfield.db", sample_if_new=False)
    summary = library.load([path])
    assert summary.added == len(docs), summary
    return library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cranfield", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    docs = read_smart(args.cranfield / "cran.all.1400")
    queries = [q.get("W", "") for q in read_smart(args.cranfield / "cran.qry")]
    qrels = read_qrels(args.cranfield / "cranqrel")
    with tempfile.TemporaryDirectory() as tmp:
        library = load_into_library(docs, Path(tmp))
        def ours(feedback: bool) -> Callable[[str], list[str]]:
            return lambda q: [h.paper["id"].removeprefix("cran-") for h in library.search(q, k=100, feedback=feedback).hits]

        results = [
            evaluate("papers-bot questions (ask: BM25 + pairs + feedback)", ours(True), queries, qrels),
            evaluate("papers-bot search (BM25 + pairs)", ours(False), queries, qrels),
        ]
        mine = len(results)
        results += [evaluate(name, rank, queries, qrels) for name, rank in baselines(docs).items()]
        library.close()
    best = max(results[mine:], key=lambda r: r["ndcg@10"])
    if args.json:
        print(json.dumps({"machine": machine(), "results": results, "best_baseline": best["system"]}, indent=2))
        return
    print(f"Cranfield: {len(docs)} abstracts, {len(queries)} questions ({results[0]['queries']} judged). {machine()}")
    print(f"| system | nDCG@10 | MAP@100 | Recall@100 | ms/query |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r['system']} | {r['ndcg@10']:.3f} | {r['map@100']:.3f} | {r['recall@100']:.3f} | {r['ms_per_query']:.2f} |")
    print(f"\nagainst the best baseline ({best['system']}):")
    for r in results[:mine]:
        print(f"- {r['system']}: nDCG@10 {r['ndcg@10'] / best['ndcg@10']:.3f}x, MAP@100 {r['map@100'] / best['map@100']:.3f}x")


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
