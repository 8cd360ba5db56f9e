"""Question -> ranked papers: BM25 (tantivy) over title, abstract and authors."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
import tantivy

from retrieval.analysis import QUESTION_WORDS, analyze, clean, name_analyzer, question_terms
from retrieval.index import Snapshot
from retrieval.query import ParsedQuery, parse_query
from store.db import get_paper, get_papers

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
FEEDBACK_MAX_SHARE = 1.0  # feedback words must be in at most this share of papers
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
    parsed: ParsedQuery = field(default_factory=ParsedQuery)


def _should(clauses: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, c) for c in clauses])


def _text_match(index: Snapshot, words: str) -> tantivy.Query | None:
    """Title or abstract contain `words` (one word, or all of them in this order)."""
    tokens = analyze(words)
    if not tokens:
        return None
    if len(tokens) == 1:
        return _should([tantivy.Query.term_query(index.schema, f, tokens[0]) for f in FIELD_BOOSTS])
    return _should([tantivy.Query.phrase_query(index.schema, f, tokens) for f in FIELD_BOOSTS])


def _author_match(index: Snapshot, name: str) -> tantivy.Query | None:
    tokens = name_analyzer().analyze(name)
    if not tokens:
        return None
    if len(tokens) == 1:
        return tantivy.Query.term_query(index.schema, "authors", tokens[0])
    return tantivy.Query.phrase_query(index.schema, "authors", tokens)


def _filters(index: Snapshot, parsed: ParsedQuery) -> list[tantivy.Query]:
    """The filters as queries that every hit must match; they select, they do not score."""
    found = [q for q in map(lambda a: _author_match(index, a), parsed.authors) if q is not None]
    if parsed.year_from is not None or parsed.year_to is not None:
        found.append(
            tantivy.Query.range_query(
                index.schema, "year", tantivy.FieldType.Integer,
                parsed.year_from if parsed.year_from is not None else -(2**62),
                parsed.year_to if parsed.year_to is not None else 2**62,
            )
        )
    if parsed.categories:
        found.append(_should([tantivy.Query.term_query(index.schema, "category", c) for c in parsed.categories]))
    if parsed.has_code:
        found.append(tantivy.Query.term_query(index.schema, "has_code", 1))
    found += [q for q in map(lambda p: _text_match(index, p), parsed.phrases) if q is not None]
    return [tantivy.Query.const_score_query(q, 0.0) for q in found]


def build_query(index: Snapshot, text: str | ParsedQuery) -> tuple[tantivy.Query | None, list[str]]:
    """The tantivy query for what a person typed, built from parsed, analysed parts (never parsed as syntax).

    None when nothing can match (no words and no filters)."""
    parsed = text if isinstance(text, ParsedQuery) else parse_query(text)
    terms = list(dict.fromkeys(question_terms(parsed.text)))[:MAX_TERMS] if parsed.text else []
    names = [n for n in dict.fromkeys(name_analyzer().analyze(parsed.text)) if len(n) > 1 and n not in _NOT_NAMES]
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
    filters = _filters(index, parsed)
    excluded = [q for q in map(lambda e: _text_match(index, e), parsed.excluded) if q is not None]
    if not clauses and not filters and not parsed.sort_by_date:
        return None, terms
    if not filters and not excluded:
        return tantivy.Query.boolean_query(clauses), terms
    # Words still have to match when there are filters: the filters narrow, they do not replace them.
    base = tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.term_query(index.schema, "kind", "paper")
    parts = [(tantivy.Occur.Must, base)] + [(tantivy.Occur.Must, f) for f in filters]
    parts += [(tantivy.Occur.MustNot, e) for e in excluded]
    return tantivy.Query.boolean_query(parts), terms


def feedback_terms(papers: list[dict[str, Any]], scores: list[float], index: Snapshot,
                   exclude: set[str]) -> list[tuple[str, float]]:
    """The FEEDBACK_TERMS words that best describe the top papers, with weights (the best scaled to 1)."""
    weights: Counter[str] = Counter()
    for paper, score in zip(papers, scores):
        tokens = analyze(f"{paper['title']} {paper['abstract']}")
        for term, count in Counter(tokens).items():
            weights[term] += score * count / len(tokens)
    # idf (one index look-up a word) only for the strongest candidates: the same choice on Cranfield, far fewer
    # look-ups than every word of ten abstracts.
    total = max(index.searcher().num_docs, 1)
    common = FEEDBACK_MAX_SHARE * total
    candidates = [(t, w) for t, w in weights.most_common() if t not in exclude][: FEEDBACK_TERMS * 5]
    candidates = [(t, w, df) for t, w in candidates if (df := index.abstract_df(t)) <= common]
    scored = [(t, w * math.log(1 + total / (1 + df))) for t, w, df in candidates]
    best = sorted(scored, key=lambda tw: -tw[1])[:FEEDBACK_TERMS]
    return [(t, w / best[0][1]) for t, w in best] if best and best[0][1] > 0 else []


def expand(index: Snapshot, query: tantivy.Query, terms: list[tuple[str, float]]) -> tantivy.Query:
    """`query` re-ranked by the feedback terms: they reorder the papers that match it, never add others."""
    clauses = [(tantivy.Occur.Must, query)]
    for term, weight in terms:
        for name in FIELD_BOOSTS:
            q = tantivy.Query.term_query(index.schema, name, term)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, FEEDBACK_WEIGHT * weight)))
    return tantivy.Query.boolean_query(clauses)


def search(db: sqlite_utils.Database, index: Snapshot, text: str, *, k: int = 10) -> SearchResult:
    """The `k` papers that best answer `text` (query language included), best first, with their records."""
    started = time.perf_counter()
    text = clean(text)
    parsed = parse_query(text)
    if parsed.related is not None:
        result = related(db, index, parsed.related, k=k)
        result.query = text
        result.took_ms = (time.perf_counter() - started) * 1000
        return result
    query, terms = build_query(index, parsed)
    result = SearchResult(query=text, terms=terms, parsed=parsed)
    if query is not None and k > 0:
        searcher = index.searcher()
        papers: dict[str, dict[str, Any]] = {}
        if FEEDBACK_TERMS and terms and not parsed.sort_by_date:
            first = _top(searcher, query, FEEDBACK_DOCS)
            papers.update((p["id"], p) for p in get_papers(db, [pid for _, pid in first]))
            found = [(papers[pid], score) for score, pid in first if pid in papers]
            extra = feedback_terms([p for p, _ in found], [s for _, s in found], index, set(terms))
            if extra:
                query = expand(index, query, extra)
        newest = parsed.sort_by_date or not terms
        scored = _top(searcher, query, k, by_date=newest)
        papers.update((p["id"], p) for p in get_papers(db, [pid for _, pid in scored if pid not in papers]))
        result.hits = [Hit(papers[pid], score) for score, pid in scored if pid in papers]
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def related(db: sqlite_utils.Database, index: Snapshot, paper_id: str, *, k: int = 10) -> SearchResult:
    """Papers like `paper_id`: ranked by the words that best describe it (the feedback terms of one paper)."""
    paper = get_paper(db, paper_id)
    searcher = index.searcher()
    words = feedback_terms([paper], [1.0], index, set())
    result = SearchResult(query=f"related {paper_id}", terms=[w for w, _ in words])
    if not words:
        return result
    clauses = [
        (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(index.schema, f, w), weight))
        for w, weight in words
        for f in FIELD_BOOSTS
    ]
    clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(index.schema, "id", paper["id"])))
    scored = _top(searcher, tantivy.Query.boolean_query(clauses), k)
    papers = {p["id"]: p for p in get_papers(db, [pid for _, pid in scored])}
    result.hits = [Hit(papers[pid], score) for score, pid in scored if pid in papers]
    return result


def _top(searcher: tantivy.Searcher, query: tantivy.Query, k: int, *, by_date: bool = False) -> list[tuple[float, str]]:
    hits = searcher.search(query, k, count=False, order_by_field="date" if by_date else None).hits
    return [(float(score or 0), searcher.doc(address).get_first("id")) for score, address in hits]
