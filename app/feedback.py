"""What the votes on result cards say (`papers-bot feedback`), and the votes as a test collection in the BEIR
layout `bench/quality.py` reads (👍 relevant, 👎 not)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from papers_bot.store.paper import StoredPaper
from papers_bot.store.state import Judged

WORST = 10  # queries listed as the worst rated


@dataclass(frozen=True)
class QueryVotes:
    query: str
    up: int
    down: int

    @property
    def share(self) -> float:
        """The share of 👍 among the query's votes."""
        return self.up / (self.up + self.down)


def by_query(judged: Sequence[Judged]) -> list[QueryVotes]:
    """Each voted query's 👍 and 👎 over all its papers, the worst rated first (least 👍 share, then most 👎)."""
    totals: dict[str, tuple[int, int]] = {}
    for j in judged:
        up, down = totals.get(j.query, (0, 0))
        totals[j.query] = (up + j.up, down + j.down)
    found = [QueryVotes(q, up, down) for q, (up, down) in totals.items()]
    return sorted(found, key=lambda q: (q.share, -q.down, q.query))


def report(judged: Sequence[Judged], months: Sequence[tuple[str, int, int]]) -> dict:
    """`feedback --json`: the worst-rated queries and the share of 👍 by month."""
    return {
        "votes": sum(j.up + j.down for j in judged),
        "worst": [{"query": q.query, "up": q.up, "down": q.down, "share_up": round(q.share, 3)}
                  for q in by_query(judged)[:WORST]],
        "months": [{"month": m, "up": up, "down": down, "share_up": round(up / (up + down), 3)}
                   for m, up, down in months],
    }


def format_feedback(judged: Sequence[Judged], months: Sequence[tuple[str, int, int]]) -> str:
    found = report(judged, months)
    if not found["votes"]:
        return "No votes yet: they are given with the 👍/👎 buttons under search results in Discord."
    lines = [f"{found['votes']} votes on {len(judged)} results.", "", "Worst-rated queries (👍 share, 👍, 👎):"]
    lines += [f"  {q['share_up']:>5.0%}  {q['up']:>4}  {q['down']:>4}  {q['query']}" for q in found["worst"]]
    lines += ["", "👍 share by month:"]
    lines += [f"  {m['month']}  {m['share_up']:>5.0%}  ({m['up']} 👍, {m['down']} 👎)" for m in found["months"]]
    return "\n".join(lines)


def export_collection(folder: Path, judged: Sequence[Judged], papers: Iterable[StoredPaper]) -> tuple[int, int]:
    """Write the votes as a BEIR collection in `folder`: `corpus.jsonl` (every paper of the library),
    `queries.jsonl` (each voted query) and `qrels/test.tsv` (a paper more 👍 than 👎 for a query: 1, else 0).
    How many queries and judgements."""
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as corpus:
        for paper in papers:
            corpus.write(json.dumps({"_id": paper.id, "title": paper.title, "text": paper.abstract}) + "\n")
    numbers = {q: f"q{n}" for n, q in enumerate(dict.fromkeys(j.query for j in judged), 1)}
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as queries:
        for query, number in numbers.items():
            queries.write(json.dumps({"_id": number, "text": query}) + "\n")
    with (folder / "qrels" / "test.tsv").open("w", encoding="utf-8") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for j in judged:
            qrels.write(f"{numbers[j.query]}\t{j.paper_id}\t{int(j.up > j.down)}\n")
    return len(numbers), len(judged)
