"""Why a paper is a result for a query (`!why <id> <query>`, `papers-bot why`): which query words it holds in which
fields, how rare each word is in the library, which filters applied or were relaxed, and the score's parts,
each the clause's own score as tantivy explains it (they add up to the lexical part `search --json` gives; the
fused score adds the semantic part beside it)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import sqlite_utils
import tantivy

from papers_bot.retrieval.analysis import clean, name_analyzer
from papers_bot.retrieval.index import Snapshot
from papers_bot.retrieval.search import (
    AUTHOR_BOOST,
    FIELD_BOOSTS,
    PAIR_BOOST,
    PAIR_SLOP,
    build_query,
    search,
)
from papers_bot.store.db import get_paper
from papers_bot.store.paper import StoredPaper

LOOK_AT = 100  # how deep the ranking is read for the paper's place in it
FIELD_NAMES = {"text": "title or abstract", "title": "title", "authors": "authors"}


@dataclass(frozen=True)
class Part:
    """One clause of the query and what it added to the paper's score (0: the paper does not hold it)."""

    what: str  # `seismic`, `seismic fault` (a pair), an author's name
    field: str  # as FIELD_NAMES says it
    score: float
    papers: int  # how many papers of the library hold it in that field


@dataclass
class Why:
    paper: StoredPaper
    query: str
    library: int  # papers in the library
    rank: int | None = None  # 1-based place in the ranking (None: not in the first LOOK_AT)
    score: float = 0.0  # the paper's score for the query (the ranking's, fused where meaning took part)
    lexical: float = 0.0  # its score by words (BM25): what the parts add up to
    semantic: float | None = None  # its cosine to the query by meaning (None: ranked by words alone)
    parts: list[Part] = field(default_factory=list)
    missing: list[tuple[str, int]] = field(default_factory=list)  # query words it lacks, with their papers
    filters: str = ""  # the constraints applied, in words
    relaxed: list[str] = field(default_factory=list)  # those dropped because no paper met them
    passes: bool = True  # whether the paper passes the filters applied


def _explained(query: tantivy.Query, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> float:
    """What `query` scores the document, as tantivy explains it (0.0 where it does not match it)."""
    try:
        return float(json.loads(query.explain(searcher, address).to_json())["value"])
    except ValueError:  # (tantivy: the document does not match the query)
        return 0.0


def why(db: sqlite_utils.Database, index: Snapshot, paper_id: str, query: str) -> Why:
    """Why `paper_id` ranks where it does for `query` (a search, as `!papers` ranks it)."""
    paper = get_paper(db, clean(paper_id))
    query = clean(query)
    result = search(db, index, query, k=LOOK_AT)
    searcher = index.searcher()
    papers = db.conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    found = Why(paper, query, papers, filters=result.parsed.describe(), relaxed=list(result.relaxed))
    for place, hit in enumerate(result.hits, 1):
        if hit.paper.id == paper.id:
            found.rank, found.score, found.semantic = place, hit.score, hit.semantic
            found.lexical = hit.lexical if hit.lexical is not None else hit.score
    own = searcher.search(tantivy.Query.term_query(index.schema, "id", paper.id), 1).hits
    plan = build_query(index, result.parsed)
    if not own or plan is None:
        return found
    address = own[0][1]
    found.passes = _explained(plan.full, searcher, address) > 0 or not plan.terms
    if found.rank is None:
        found.score = found.lexical = _explained(plan.full, searcher, address)
    for term in plan.terms:
        held = False
        for name, boost in FIELD_BOOSTS.items():
            clause = tantivy.Query.boost_query(tantivy.Query.term_query(index.schema, name, term), boost)
            score = _explained(clause, searcher, address)
            if score:
                held = True
                found.parts.append(Part(term, FIELD_NAMES[name], score, index.doc_freq(name, term)))
        if not held:
            found.missing.append((term, index.doc_freq("text", term)))
    for a, b in itertools.pairwise(plan.terms):
        pair = tantivy.Query.phrase_query(index.schema, "text", [a, b], slop=PAIR_SLOP)
        score = _explained(tantivy.Query.boost_query(pair, PAIR_BOOST), searcher, address)
        if score:
            found.parts.append(Part(f"{a} {b}", "title or abstract, together", score, 0))
    for name in dict.fromkeys(name_analyzer().analyze(result.parsed.text)):
        clause = tantivy.Query.boost_query(tantivy.Query.term_query(index.schema, "authors", name), AUTHOR_BOOST)
        if score := _explained(clause, searcher, address):
            found.parts.append(Part(name, "authors", score, index.doc_freq("authors", name)))
    found.parts.sort(key=lambda p: -p.score)
    said = {p.what for p in found.parts}
    found.missing = [(word, papers) for word, papers in found.missing if word not in said]
    return found


def rarity(papers: int, library: int) -> str:
    """How rare a word is, in words."""
    share = papers / max(library, 1)
    return "rare" if share < 0.01 else "uncommon" if share < 0.1 else "common"
