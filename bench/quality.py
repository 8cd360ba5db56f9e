"""Ranking quality on standard test collections, through papers-bot's own load, search and question path.

    python bench/quality.py [COLLECTION_FOLDER ...] [--json]

With no folder it measures Cranfield and CISI (`../shared/eval/`). Each folder is read as one of:

- SMART (Cranfield, CISI, and the other classic collections): a documents file (`*.all*`/`*ALL*`, records
  `.I n` with `.T` title, `.A` authors one a line, `.W` text; other fields ignored), a queries file
  (`*.qry*`/`*QRY*`, `.W` the question; `.T`/`.A`/`.B` where present are part of what was asked, as a person
  pastes them) and judgements (`*rel*`/`*REL*`).
- BEIR: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`, `text`), `qrels/test.tsv`.

Judgements: `query doc grade` (three columns, Cranfield's convention: grade 1 is most relevant, 4 least, gains
4..1, -1 not relevant), `query 0 doc grade` (TREC: higher is better, 0 not relevant), `query doc 0 0.0`
(CISI: every pair relevant), or BEIR's tab-separated `query-id corpus-id score` with a header. SMART query
numbers are the `.I` numbers, unless the judgements name numbers that only file order gives (Cranfield).

Each collection is loaded as arXiv metadata JSON lines with papers-bot's loader into a fresh database; every
judged query is asked as a question (`Library.rank_question`, the ranking `ask` and the Discord channels use)
and as a search (`Library.search`), and scored by nDCG@10, MAP@100 and Recall@100; each ratio to bm25s comes
with a 95% interval from a paired bootstrap over the queries. The baselines run in the
same process on the same text (title + authors + abstract): rank-bm25 BM25Okapi with `str.split` tokens,
rank-bm25 with papers-bot's analyser (stemmed), and bm25s (lucene, English stop words, PyStemmer English).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import machine

from papers_bot.library import Library
from papers_bot.retrieval.analysis import analyze
from papers_bot.retrieval.facts import fact

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEFAULTS = [EVAL / "cranfield", EVAL / "cisi"]
_QUERY_FIELDS = ("T", "A", "W", "B")  # what a SMART query holds, in the order a person would paste it


@dataclass
class Collection:
    name: str
    docs: list[dict]  # {"id", "title", "authors": [names], "abstract"}
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: gain}


def read_smart(path: Path) -> list[dict[str, str]]:
    """SMART format: `.I n` starts a record, `.X` style lines start its fields; `A` keeps one name a line."""
    records: list[dict[str, str]] = []
    field = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^\.([A-Z])\b ?(.*)$", line)
        if m:
            field = m.group(1)
            if field == "I":
                records.append({"I": m.group(2).strip()})
                field = None
            elif m.group(2).strip() and records:
                records[-1][field] = m.group(2).strip()
            continue
        if field and records and line.strip():
            sep = "\n" if field == "A" else " "
            records[-1][field] = (records[-1].get(field, "") + sep + line.strip()).strip()
    return records


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> {doc id: gain}, from any of the judgement layouts in the module docstring."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if rows and not rows[0][-1].lstrip("-").replace(".", "", 1).isdigit():
        rows = rows[1:]  # (a header: BEIR's `query-id corpus-id score`)
    qrels: dict[str, dict[str, int]] = {}
    four = all(len(r) == 4 for r in rows)
    trec = four and len({r[1] for r in rows}) == 1 and len({r[2] for r in rows}) > 1
    for r in rows:
        if four and trec:
            q, doc, gain = r[0], r[2], int(float(r[3]))
        elif four:
            q, doc, gain = r[0], r[1], 1  # CISI: every listed pair is relevant
        elif len(r) == 3 and path.suffix == ".tsv":
            q, doc, gain = r[0], r[1], int(float(r[2]))
        elif len(r) == 3:
            grade = int(r[2])
            q, doc, gain = r[0], r[1], 5 - grade if 1 <= grade <= 4 else 0
        else:
            continue
        if gain > 0:
            qrels.setdefault(q, {})[doc] = gain
    return qrels


def _find(folder: Path, *patterns: str) -> Path:
    for pattern in patterns:
        found = sorted(p for p in folder.iterdir() if re.search(pattern, p.name) and p.is_file())
        if found:
            return found[0]
    raise SystemExit(f"{folder}: no file matching {' or '.join(patterns)}; see bench/quality.py's docstring")


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split("\n") if n.strip()]


def read_collection(folder: Path) -> Collection:
    """A test collection from a folder, in SMART or BEIR form."""
    folder = Path(folder)
    if (folder / "corpus.jsonl").exists():
        docs = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
        queries = {(q := json.loads(line))["_id"]: q["text"] for line in (folder / "queries.jsonl").open()}
        return Collection(
            folder.name,
            [{"id": str(d["_id"]), "title": d.get("title", ""), "authors": [], "abstract": d.get("text", "")}
             for d in docs],
            queries,
            read_qrels(folder / "qrels" / "test.tsv"),
        )
    records = read_smart(_find(folder, r"(?i)\.all"))
    docs = [
        {"id": r["I"], "title": r.get("T", ""), "authors": _names(r.get("A", "")), "abstract": r.get("W", "")}
        for r in records
    ]
    asked = read_smart(_find(folder, r"(?i)\.qry", r"(?i)quer"))
    qrels = read_qrels(_find(folder, r"(?i)rel$", r"(?i)qrel"))
    numbers = [q["I"] for q in asked]
    # Cranfield's judgements number its queries 1..225 in file order, not by their `.I` numbers.
    by_order = not set(qrels) <= set(numbers) and set(qrels) <= {str(i) for i in range(1, len(asked) + 1)}
    queries = {
        (str(i) if by_order else q["I"]): " ".join(q[f].replace("\n", " ") for f in _QUERY_FIELDS if q.get(f))
        for i, q in enumerate(asked, 1)
    }
    return Collection(folder.name, docs, queries, qrels)


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


def evaluate(name: str, rank: Callable[[str], list[str]], collection: Collection) -> dict:
    judged = [q for q in collection.queries if collection.qrels.get(q)]
    started = time.perf_counter()
    runs = {q: rank(collection.queries[q]) for q in judged}
    took = time.perf_counter() - started
    qrels = collection.qrels
    per_query = {
        "ndcg@10": [ndcg(runs[q], qrels[q]) for q in judged],
        "map@100": [average_precision(runs[q], qrels[q]) for q in judged],
    }
    return {
        "system": name,
        **{metric: float(np.mean(values)) for metric, values in per_query.items()},
        "per_query": per_query,  # (in judged-query order, the same for every system: for `ratio_interval`)
        "recall@100": float(np.mean([recall(runs[q], qrels[q]) for q in judged])),
        "empty": sum(not runs[q] for q in judged),
        "queries": len(judged),
        "ms_per_query": 1000 * took / max(len(judged), 1),
    }


def ratio_interval(ours: dict, base: dict, metric: str, *, resamples: int = 2000) -> tuple[float, float]:
    """The 95% interval of mean(ours) / mean(base) over the queries, by a paired bootstrap (seeded): how far
    the ratio could move with another draw of queries like these."""
    a, b = np.array(ours["per_query"][metric]), np.array(base["per_query"][metric])
    picks = np.random.default_rng(0).integers(0, len(a), size=(resamples, len(a)))
    ratios = a[picks].mean(axis=1) / np.maximum(b[picks].mean(axis=1), 1e-12)
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def document_text(doc: dict) -> str:
    return " ".join([doc["title"], " ".join(doc["authors"]), doc["abstract"]])


def top_k(scores: np.ndarray, ids: list[str], k: int = 100) -> list[str]:
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    return [ids[i] for i in best[np.argsort(-scores[best], kind="stable")] if scores[i] > 0]


def baselines(docs: list[dict]) -> dict[str, Callable[[str], list[str]]]:
    from rank_bm25 import BM25Okapi

    ids = [d["id"] for d in docs]
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
        docs_, _scores = retriever.retrieve(tokens, k=min(100, len(ids)), show_progress=False)
        return [ids[i] for i in docs_[0]]

    systems[BM25S] = rank_bm25s
    return systems


BM25S = "bm25s lucene, stop words, PyStemmer"


def arxiv_record(doc: dict, prefix: str) -> dict:
    """A collection's document as a line of arXiv's metadata snapshot (authors as `authors_parsed`)."""
    parsed = []
    for name in doc["authors"]:
        last, _, first = name.partition(",")
        parsed.append([last.strip(), first.strip(), ""] if first else [name, "", ""])
    return {"id": f"{prefix}-{doc['id']}", "title": doc["title"], "authors_parsed": parsed,
            "abstract": doc["abstract"], "categories": prefix}


def load_into_library(collection: Collection, folder: Path) -> Library:
    path = folder / f"{collection.name}.jsonl"
    with path.open("w") as f:
        for d in collection.docs:
            f.write(json.dumps(arxiv_record(d, collection.name)) + "\n")
    library = Library(folder / f"{collection.name}.db", sample_if_new=False)
    summary = library.load([path])
    assert summary.added == len(collection.docs), summary
    return library


QUESTIONS = "papers-bot questions (ask)"
SEARCHES = "papers-bot search"


def measure(collection: Collection) -> list[dict]:
    """Both papers-bot paths and the baselines on one collection, in this one run."""
    prefix = f"{collection.name}-"
    with tempfile.TemporaryDirectory() as tmp:
        library = load_into_library(collection, Path(tmp))
        try:
            def ids(hits: list) -> list[str]:
                return [h.paper.id.removeprefix(prefix) for h in hits]

            results = [
                evaluate(QUESTIONS, lambda q: ids(library.rank_question(q, k=100).hits), collection),
                evaluate(SEARCHES, lambda q: ids(library.search(q, k=100).hits), collection),
            ]
            # A channel answers a fact question from the store instead of ranking: topical questions must not be.
            with library.reading() as (db, index):
                results[0]["read_as_facts"] = sum(fact(db, index, q) is not None for q in collection.queries.values())
            results[0]["gate"] = gate(library, collection, prefix)
        finally:
            library.close()
    return results + [evaluate(name, rank, collection) for name, rank in baselines(collection.docs).items()]


def gate(library: Library, collection: Collection, prefix: str) -> dict[str, int]:
    """The "no paper answers that well" gate of `ask` on the judged queries: how many it answers (passages) or
    turns away (the nearest papers), each split by whether the first paper shown is relevant."""
    counts = dict.fromkeys(("answered, first relevant", "answered, first not", "turned away, first relevant",
                            "turned away, first not"), 0)
    for q in (q for q in collection.queries if collection.qrels.get(q)):
        answer = library.ask(collection.queries[q])
        shown = answer.papers()
        relevant = bool(shown) and shown[0].id.removeprefix(prefix) in collection.qrels[q]
        counts[f"{'answered' if answer.passages else 'turned away'}, first {'relevant' if relevant else 'not'}"] += 1
    return counts


def gate_line(counts: dict[str, int]) -> str:
    away = counts["turned away, first relevant"] + counts["turned away, first not"]
    share = counts["turned away, first relevant"] / away if away else 0.0
    return ("- the answer gate: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            + f" ({share:.0%} of those turned away had a relevant first paper)")


def report(name: str, collection: Collection, results: list[dict]) -> str:
    lines = [f"{name}: {len(collection.docs)} documents, {results[0]['queries']} judged queries",
             "| system | nDCG@10 | MAP@100 | Recall@100 | no result | ms/query |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['system']} | {r['ndcg@10']:.3f} | {r['map@100']:.3f} | {r['recall@100']:.3f} | "
                     f"{r['empty']} | {r['ms_per_query']:.2f} |")
    base = next((r for r in results if r["system"] == BM25S), None)
    if base:
        for r in results[:2]:
            said = []
            for m in ("ndcg@10", "map@100"):
                low, high = ratio_interval(r, base, m)
                said.append(f"{m} {r[m] / base[m]:.3f}x (95% interval {low:.3f}-{high:.3f})")
            lines.append(f"- {r['system']} against bm25s: " + ", ".join(said))
    lines.append(f"- questions read as fact questions (answered from the store, not ranked): "
                 f"{results[0]['read_as_facts']} of {len(collection.queries)}")
    lines.append(gate_line(results[0]["gate"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULTS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    out = {}
    for folder in args.folders:
        collection = read_collection(folder)
        out[collection.name] = (collection, measure(collection))
    if args.json:
        plain = {n: [{k: v for k, v in r.items() if k != "per_query"} for r in rs] for n, (_, rs) in out.items()}
        print(json.dumps({"machine": machine(), **plain}, indent=2))
        return
    print(machine())
    for name, (collection, results) in out.items():
        print()
        print(report(name, collection, results))




if __name__ == "__main__":
    main()
