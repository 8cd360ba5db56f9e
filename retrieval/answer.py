"""Question -> chat-style answer: the passages of the top papers that best answer it.

Papers come from the BM25 index; within them, rank-bm25 ranks the abstracts' sentences against the question
(same analyser) to pick each paper's passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from rank_bm25 import BM25Okapi

from retrieval.analysis import analyze
from retrieval.index import Snapshot
from retrieval.search import Hit, search

# A paper answers a question well when its title and abstract hold at least this share of the question's
# terms; below it we say so instead of presenting a weak match as an answer.
GOOD_COVERAGE = 0.5
# ... and scores at least half the best paper's score (a far weaker paper is not part of the answer).
RELATIVE_SCORE = 0.5
PASSAGE_CHARS = 400
SHORT_SENTENCE = 80  # a best sentence shorter than this is shown with the one after it
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|Sec|resp|approx)\.$", re.IGNORECASE)


@dataclass
class Passage:
    paper: dict[str, Any]
    text: str
    score: float  # the paper's search score
    coverage: float  # share of the question's terms the paper contains


@dataclass
class Answer:
    question: str
    terms: list[str]
    passages: list[Passage] = field(default_factory=list)  # good matches, best first
    nearest: list[Hit] = field(default_factory=list)  # when nothing matches well: the closest papers
    relaxed: list[str] = field(default_factory=list)  # what the question asked for that no paper met (dropped)

    @property
    def found(self) -> bool:
        return bool(self.passages)


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract; abbreviations (e.g., et al.) and decimals do not end one."""
    parts = _SENTENCE_END.split(text.strip())
    sentences: list[str] = []
    for part in parts:
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] += " " + part
        else:
            sentences.append(part)
    return [s for s in sentences if s]


def best_passages(hits: list[Hit], terms: list[str], idf: dict[str, float] | None = None) -> list[str]:
    """For each hit, the sentence (with the next one if it is short) that best matches `terms`: the one holding the
    question's rarest words (by their `idf` in the library; a few abstracts are too few to tell), then by
    rank-bm25 over the hits' sentences."""
    sentences = [split_sentences(h.paper["abstract"]) or [h.paper["display_title"]] for h in hits]
    corpus = [analyze(s) or ["\x00"] for paper in sentences for s in paper]
    if not corpus:
        return []
    scores = BM25Okapi(corpus).get_scores(terms)
    weights = idf or {}
    held = [sum(weights.get(t, 0.0) for t in set(tokens) & set(terms)) for tokens in corpus]
    passages, start = [], 0
    for paper in sentences:
        local = scores[start : start + len(paper)]
        mine = held[start : start + len(paper)]
        best = max(range(len(paper)), key=lambda i: (round(mine[i], 6), local[i], -i))
        text = paper[best]
        if len(text) < SHORT_SENTENCE and best + 1 < len(paper):
            text += " " + paper[best + 1]
        passages.append(_shorten(text, PASSAGE_CHARS))
        start += len(paper)
    return passages


def coverage(paper: dict[str, Any], terms: list[str]) -> float:
    if not terms:
        return 0.0
    present = set(analyze(paper["title"] or "")) | set(analyze(paper["abstract"] or ""))
    present |= {t for name in paper["authors"] for t in analyze(name)}
    return sum(t in present for t in set(terms)) / len(set(terms))


def ask(db: sqlite_utils.Database, index: Snapshot, question: str, *, k: int = 3) -> Answer:
    """Answer a plain-language question with passages from the papers that match it well."""
    result = search(db, index, question, k=max(k, 5), question=True)
    answer = Answer(question=question, terms=result.terms, relaxed=result.relaxed)
    top = result.hits[0].score if result.hits else 0.0
    covered = [(h, coverage(h.paper, result.terms)) for h in result.hits]
    good = [(h, c) for h, c in covered if c >= GOOD_COVERAGE and h.score >= RELATIVE_SCORE * top][:k]
    if not good:
        answer.nearest = result.hits[:k]
        return answer
    for (hit, share), text in zip(good, best_passages([h for h, _ in good], result.terms, result.idf)):
        answer.passages.append(Passage(hit.paper, text, hit.score, share))
    return answer


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
