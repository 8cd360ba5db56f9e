"""Question -> ranked papers: BM25 (tantivy) over title, abstract and authors."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
import tantivy

from retrieval.analysis import QUESTION_WORDS, name_analyzer, question_terms
from retrieval.index import PaperIndex
from store.db import get_papers

# Field weights for BM25: a query word in the title says more about a paper than one in its abstract.
FIELD_BOOSTS = {"title": 2.0, "abstract": 1.0}
AUTHOR_BOOST = 1.0
# Adjacent question words that stand together (slop 1: one dropped stop word may sit between them) in a
# title or abstract: "time series" in the text says more than "time" and "series" apart.
PAIR_BOOST = 1.0
PAIR_SLOP = 1
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


def search(db: sqlite_utils.Database, index: PaperIndex, text: str, *, k: int = 10) -> SearchResult:
    """The `k` papers that best answer `text`, best first, with their stored records."""
    started = time.perf_counter()
    query, terms = build_query(index, text)
    result = SearchResult(query=text, terms=terms)
    if query is not None and k > 0:
        searcher = index.searcher()
        scored = [(score, searcher.doc(address).get_first("id")) for score, address in searcher.search(query, k).hits]
        papers = {p["id"]: p for p in get_papers(db, [pid for _, pid in scored])}
        result.hits = [Hit(papers[pid], score) for score, pid in scored if pid in papers]
    result.took_ms = (time.perf_counter() - started) * 1000
    return result
