"""Question -> ranked papers: BM25 (tantivy) over title, abstract and authors."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
import tantivy

from retrieval.analysis import QUESTION_WORDS, analyze, name_analyzer, question_terms
from retrieval.index import PaperIndex
from store.db import get_papers

# Ranking settings, measured on Cranfield by bench/quality.py (README "Ranking quality"); general, not tuned
# to any question. BM25 per field (tantivy: k1 1.2, b 0.75), summed with these weights. Weighting titles
# above abstracts lost quality there (title 2.0: nDCG@10 -4%), so the fields count alike.
FIELD_BOOSTS = {"title": 1.0, "abstract": 1.0}
AUTHOR_BOOST = 1.0
# Adjacent question words that stand together (slop 1: one dropped stop word may sit between them) in a
# title or abstract: "time series" in the text says a little more than "time" and "series" apart.
PAIR_BOOST = 0.1
PAIR_SLOP = 1
# Pseudo-relevance feedback (RM3-style): the best words of the top FEEDBACK_DOCS papers, weighted by how much
# of each paper they make up, its score and their idf, join the query at FEEDBACK_WEIGHT of the original.
FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 10
FEEDBACK_WEIGHT = 0.3
MAX_TERMS = 64
_NOT_NAMES = frozenset(QUESTION_WORDS) | {"and", "or", "the", "of", "in", "on", "for", "to", "with", "by", "a", "an"}  # a 5,000-character query is still one query, not thousands of clauses


@dataclass
class Hit:
    paper: dict[str, Any]
    score: float


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0


def build_query(index: PaperIndex, text: str) -> tuple[tantivy.Query | None, list[str]]:
    """The tantivy query for free text, built from analysed terms (the text is never parsed as syntax)."""
    terms = list(dict.fromkeys(question_terms(text)))[:MAX_TERMS]
    names = [n for n in dict.fromkeys(name_analyzer().analyze(text)) if len(n) > 1 and n not in _NOT_NAMES]
    names = names[:MAX_TERMS]
    clauses = []
    for term in terms:
        for name, boost in FIELD_BOOSTS.items():
            q = tantivy.Query.term_query(index.schema, name, term)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, boost)))
    for first, second in zip(terms, terms[1:]):
        for name in FIELD_BOOSTS:
            q = tantivy.Query.phrase_query(index.schema, name, [first, second], slop=PAIR_SLOP)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, PAIR_BOOST)))
    for name in names:
        q = tantivy.Query.term_query(index.schema, "authors", name)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, AUTHOR_BOOST)))
    if not clauses:
        return None, terms
    return tantivy.Query.boolean_query(clauses), terms


def feedback_terms(papers: list[dict[str, Any]], scores: list[float], searcher: tantivy.Searcher,
                   exclude: set[str]) -> list[tuple[str, float]]:
    """The FEEDBACK_TERMS words that best describe the top papers, with weights (the best scaled to 1)."""
    weights: Counter[str] = Counter()
    for paper, score in zip(papers, scores):
        tokens = analyze(f"{paper['title']} {paper['abstract']}")
        for term, count in Counter(tokens).items():
            weights[term] += score * count / len(tokens)
    total = max(searcher.num_docs, 1)
    for term in weights:
        weights[term] *= math.log(1 + total / (1 + searcher.doc_freq("abstract", term)))
    best = [(t, w) for t, w in weights.most_common(FEEDBACK_TERMS * 3) if t not in exclude][:FEEDBACK_TERMS]
    return [(t, w / best[0][1]) for t, w in best] if best and best[0][1] > 0 else []


def expand(index: PaperIndex, query: tantivy.Query, terms: list[tuple[str, float]]) -> tantivy.Query:
    """`query` re-ranked by the feedback terms: they reorder the papers that match it, never add others."""
    clauses = [(tantivy.Occur.Must, query)]
    for term, weight in terms:
        for name in FIELD_BOOSTS:
            q = tantivy.Query.term_query(index.schema, name, term)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, FEEDBACK_WEIGHT * weight)))
    return tantivy.Query.boolean_query(clauses)


def search(db: sqlite_utils.Database, index: PaperIndex, text: str, *, k: int = 10) -> SearchResult:
    """The `k` papers that best answer `text`, best first, with their stored records."""
    started = time.perf_counter()
    query, terms = build_query(index, text)
    result = SearchResult(query=text, terms=terms)
    if query is not None and k > 0:
        searcher = index.searcher()
        papers: dict[str, dict[str, Any]] = {}
        if FEEDBACK_TERMS:
            first = _top(searcher, query, FEEDBACK_DOCS)
            papers.update((p["id"], p) for p in get_papers(db, [pid for _, pid in first]))
            found = [(papers[pid], score) for score, pid in first if pid in papers]
            extra = feedback_terms([p for p, _ in found], [s for _, s in found], searcher, set(terms))
            if extra:
                query = expand(index, query, extra)
        scored = _top(searcher, query, k)
        papers.update((p["id"], p) for p in get_papers(db, [pid for _, pid in scored if pid not in papers]))
        result.hits = [Hit(papers[pid], score) for score, pid in scored if pid in papers]
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def _top(searcher: tantivy.Searcher, query: tantivy.Query, k: int) -> list[tuple[float, str]]:
    return [(score, searcher.doc(address).get_first("id")) for score, address in searcher.search(query, k).hits]
