"""Question -> ranked papers: BM25 (tantivy) over title, abstract and authors."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import math
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils
import tantivy

from papers_bot.retrieval.analysis import (
    FUNCTION_WORDS,
    QUESTION_WORDS,
    analyze,
    author_query_keys,
    clean,
    name_analyzer,
    question_terms,
)
from papers_bot.retrieval.index import Snapshot, match_count, paper_id, paper_keys
from papers_bot.retrieval.query import CONSTRAINTS, ParsedQuery, parse_query
from papers_bot.retrieval.spelling import read_as
from papers_bot.retrieval.vectors import embed
from papers_bot.store.db import get_paper, get_papers
from papers_bot.store.paper import StoredPaper
from papers_bot.store.tex import tex_to_text

# Ranking settings, measured on Cranfield and CISI by bench/quality.py (README "Ranking quality"); general, not
# tuned to any question. tantivy's BM25 (k1 1.2, b 0.75) over `text`, title and abstract as one field: one
# saturation and one length for the whole paper, so a common word in a short title cannot outscore a rare one
# in the abstract, and a paper with no abstract is not penalised for it (two BM25s added lost 3-15% on CISI).
# The title on its own at 0.3 adds what a title says about a paper (title 0.2-0.5 within 1% on both).
FIELD_BOOSTS = {"text": 1.0, "title": 0.3}
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
FEEDBACK_CONFIDENCE = 1.5
FEEDBACK_MAX_SHARE = 0.1  # a word in more of the papers is never a feedback word: it says little and costs a lot
# "related <id>" (more like this): the RELATED_TERMS words that best describe the paper, each weighted by
# (1 + log tf) * idf; a word in more than RELATED_MAX_SHARE of the papers describes none of them. Saturating
# tf keeps one word the abstract repeats ("concepts" eight times) from outweighing its topic ("diffusion").
RELATED_TERMS = 25
RELATED_MAX_SHARE = 0.5
# Newest first among papers that answer: those scoring at least NEWEST_SHARE of the best of the NEWEST_POOL best.
NEWEST_POOL = 100
NEWEST_SHARE = 0.5
# Meaning beside words (README "Ranking quality"): the FUSION_POOL best papers by words and the FUSION_POOL
# nearest by meaning (retrieval.vectors), each score min-max normalised over its own pool, fused as
# LEXICAL_WEIGHT * words + (1 - LEXICAL_WEIGHT) * meaning. Measured on Cranfield and CISI against reciprocal rank
# fusion (lower on both at every weight) and weights 0.4-0.8 (0.75 the best setting common to both paths).
FUSION_POOL = 100
LEXICAL_WEIGHT = 0.75
# A paper found by meaning alone joins only this near the query (cosine): a name or a word the model does not
# know is near nothing, and fills no list with strangers. (0.45 kept all of Cranfield's gain and most of CISI's.)
MIN_SIMILARITY = 0.45
# After feedback, the question's vector moves towards the mean of its first papers' vectors by this much (0, 0.5,
# 1 and 2 measured: Cranfield questions 1.092, 1.097, 1.096, 1.095x nDCG; CISI 1.066, 1.063, 1.062, 1.057x,
# MAP 1.119, 1.127, 1.126, 1.126x).
VECTOR_FEEDBACK = 0.5
MAX_TERMS = 64  # a 5,000-character query is still one query, not thousands of clauses
BM25_K1 = 1.2  # tantivy's
# Words in more than this share of the papers are scored only on the papers the rarer words find (`_pruned`).
COMMON_SHARE = 0.05
_SYNTAX = re.compile(r"[^\w\s.,?!]")
_NOT_NAMES = frozenset(QUESTION_WORDS) | {"and", "or", "the", "of", "in", "on", "for", "to", "with", "by", "a", "an"}


Hits = list[tuple[float, tantivy.DocAddress]]  # (score, where the index holds the paper), best first


@dataclass
class Hit:
    paper: StoredPaper
    score: float  # what it ranked by: the fused score when meaning took part, else the lexical one
    lexical: float | None = None  # its BM25 score (0: found by meaning alone); None: not fused
    semantic: float | None = None  # its cosine similarity to the query; None: not fused, or no vector yet


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0
    parsed: ParsedQuery = field(default_factory=ParsedQuery)  # as ranked: what `relaxed` names is gone from it
    relaxed: list[str] = field(default_factory=list)  # constraints dropped because no paper met them
    idf: dict[str, float] = field(default_factory=dict)  # each term's idf in the library (for passage picking)
    passages: list[str] = field(default_factory=list)  # each hit's best passage, when asked for (Library)


def _should(clauses: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, c) for c in clauses])


def _text_match(index: Snapshot, words: str) -> tantivy.Query | None:
    """Title or abstract contain `words` (one word, or all of them in this order; the stop words the analyser
    drops may stand between them, as many as were dropped: "state of the art")."""
    tokens = analyze(words)
    if not tokens:
        return None
    if len(tokens) == 1:
        return tantivy.Query.term_query(index.schema, "text", tokens[0])
    dropped = len(name_analyzer().analyze(clean(words))) - len(tokens)
    # (tantivy's stub types the words list[str | tuple[int, str]], and a list is invariant: a list[str] is refused)
    return tantivy.Query.phrase_query(index.schema, "text", tokens, slop=dropped)  # type: ignore[arg-type]


def author_match(index: Snapshot, name: str) -> tantivy.Query | None:
    """Papers by `name` as a person writes it: one word (`author:Ma`) matches any author with it in their name;
    more, the person in any of the forms `author_keys` meets (`G. Salton`, `Salton, G.`, `Gerard Salton`)."""
    words = name_analyzer().analyze(clean(name))
    if len(words) == 1:
        return tantivy.Query.term_query(index.schema, "authors", words[0])
    keys = author_query_keys(name)
    return _should([tantivy.Query.term_query(index.schema, "author_name", k) for k in keys]) if keys else None


def filter_queries(index: Snapshot, parsed: ParsedQuery) -> list[tantivy.Query]:
    """The filters as queries that every hit must match; they select, they do not score."""
    found = [q for q in map(lambda a: author_match(index, a), parsed.authors + parsed.inferred_authors)
             if q is not None]
    if parsed.year_from is not None or parsed.year_to is not None:
        found.append(
            tantivy.Query.range_query(
                index.schema, "year", tantivy.FieldType.Integer,
                parsed.year_from if parsed.year_from is not None else -(2**62),
                parsed.year_to if parsed.year_to is not None else 2**62,
            )
        )
    if parsed.categories:
        # `cat:cs.CV` also finds feed papers filed under `CV`; `cat:unknown` those with no category.
        terms = {t for c in parsed.categories for t in (c, c.rsplit(".", 1)[-1])}
        found.append(_should([tantivy.Query.term_query(index.schema, "category", t) for t in sorted(terms)]))
    if parsed.has_code:
        found.append(tantivy.Query.term_query(index.schema, "has_code", 1))
    found += [q for q in map(lambda p: _text_match(index, p), parsed.phrases) if q is not None]
    return [tantivy.Query.const_score_query(q, 0.0) for q in found]


@dataclass
class Plan:
    """What a person typed as tantivy queries, built from parsed, analysed parts (never parsed as syntax)."""

    terms: list[str]
    full: tantivy.Query  # every clause, every match: exact, and the cost of every posting of every word
    pruned: tantivy.Query | None = None  # the same ranking at the top, for less (see `_pruned`); None: use full
    bound: float = 0.0  # the most a paper found by `full` but not by `pruned` can score
    narrow: list[tuple[tantivy.Occur, tantivy.Query]] = field(default_factory=list)  # filters and exclusions

    def top(self, searcher: tantivy.Searcher, k: int, *, by_date: bool = False) -> list[tuple[float, str]]:
        """The k best papers, as (score, id)."""
        return _named(searcher, self.hits(searcher, k, by_date=by_date))

    def hits(self, searcher: tantivy.Searcher, k: int, *, by_date: bool = False) -> Hits:
        """The k best papers: from `pruned` when its k-th score beats `bound` (then no other paper can be in
        the top k), else from `full`."""
        if self.pruned is not None and not by_date:
            found = _hits(searcher, self.pruned, k)
            if len(found) == k and found[-1][0] > self.bound:
                return found
        return _hits(searcher, self.full, k, by_date=by_date)


@dataclass
class _Clause:
    query: tantivy.Query
    words: tuple[tuple[str, str], ...]  # the (field, term)s a paper must hold to match it
    most: float  # the most it can add to a paper's score


def _term_clause(index: Snapshot, field: str, term: str, boost: float) -> _Clause:
    query = tantivy.Query.boost_query(tantivy.Query.term_query(index.schema, field, term), boost)
    return _Clause(query, ((field, term),), boost * _most_idf(index, field, term) * (BM25_K1 + 1))


def _pair_clause(index: Snapshot, field: str, a: str, b: str) -> _Clause:
    query = tantivy.Query.phrase_query(index.schema, field, [a, b], slop=PAIR_SLOP)
    # tantivy scores a phrase as one term whose idf is the sum of its words' idfs.
    most = PAIR_BOOST * (_most_idf(index, field, a) + _most_idf(index, field, b)) * (BM25_K1 + 1)
    return _Clause(tantivy.Query.boost_query(query, PAIR_BOOST), ((field, a), (field, b)), most)


def _most_idf(index: Snapshot, field: str, term: str) -> float:
    """At least the idf tantivy gives `term`: ln(1 + (N - df + 0.5) / (df + 0.5)) over every stored document,
    deleted ones included as tantivy counts them; a hair over it, so that float rounding never undercuts."""
    n, df = index.stored_docs, index.doc_freq(field, term)
    return math.log(1 + (n - df + 0.5) / (df + 0.5)) * 1.001


def build_query(index: Snapshot, text: str | ParsedQuery) -> Plan | None:
    """The queries for what a person typed; None when nothing can match (no words and no filters)."""
    parsed = text if isinstance(text, ParsedQuery) else parse_query(text)
    if parsed.all_words:
        counts = Counter(analyze(parsed.text))
    else:
        wanted = parsed.filtered or parsed.by_date  # ("latest papers": no words, the newest papers)
        counts = Counter(question_terms(parsed.text, all_if_none=not wanted)) if parsed.text else Counter()
    terms = list(counts)[:MAX_TERMS]
    names = [n for n in dict.fromkeys(name_analyzer().analyze(parsed.text)) if len(n) > 1 and n not in _NOT_NAMES]

    # A word the question repeats weighs as often as it is said (as BM25 sums over query tokens).
    words = [_term_clause(index, f, t, boost * counts[t]) for t in terms for f, boost in FIELD_BOOSTS.items()]
    words += [_term_clause(index, "authors", n, AUTHOR_BOOST) for n in names[:MAX_TERMS]]
    pairs = [_pair_clause(index, "text", a, b) for a, b in itertools.pairwise(terms)]
    filters = filter_queries(index, parsed)
    if not words and not filters and not parsed.by_date and not parsed.excluded_authors:
        return None  # (exclusions alone select nothing to rank)
    narrow = [(tantivy.Occur.Must, f) for f in filters]
    excluded = [_text_match(index, e) for e in parsed.excluded]
    excluded += [author_match(index, a) for a in parsed.excluded_authors]
    narrow += [(tantivy.Occur.MustNot, e) for e in excluded if e is not None]

    def narrowed(query: tantivy.Query | None) -> tantivy.Query:
        # Words still have to match when there are filters: the filters narrow, they do not replace them.
        base = query or tantivy.Query.term_query(index.schema, "kind", "paper")
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, base), *narrow]) if narrow else base

    plan = Plan(terms, narrowed(_should([c.query for c in words + pairs]) if words else None), narrow=narrow)
    pruned = _pruned(index, words, pairs)
    if pruned is not None:
        plan.pruned, plan.bound = narrowed(pruned[0]), pruned[1]
    return plan


def _pruned(index: Snapshot, words: list[_Clause], pairs: list[_Clause]) -> tuple[tantivy.Query, float] | None:
    """The query without the cost of walking its commonest words (MaxScore, as far as tantivy's queries go).

    tantivy scores every paper that matches any word, so a word in a quarter of all papers costs a quarter of
    the collection on every query. Here a word in more than COMMON_SHARE of the papers (in that field) only
    scores the papers that the rarer words find: it is nested as an optional clause, which tantivy seeks to
    those papers rather than walking. A paper holding only common words is not found, and it could score at
    most the sum of their clauses' bounds (the returned bound): when the k-th paper found scores more, the
    top k are exact (`Plan.top`)."""
    n = max(index.searcher().num_docs, 1)
    common = {w for c in words for w in c.words if index.doc_freq(*w) > COMMON_SHARE * n}
    walked = [c for c in words + pairs if not common.issuperset(c.words)]
    if not walked or len(walked) == len(words) + len(pairs):
        return None
    # (A pair with a rare word stays walked: tantivy walks the rare word's papers to find it, which is cheap,
    # while seeking a phrase means reading word positions for every paper found.)
    query = _should([c.query for c in walked])
    seeked = [c for c in words + pairs if common.issuperset(c.words)]
    for c in seeked:
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Should, c.query)])
    # Only clauses made of common words alone can match a paper the others do not find.
    return query, sum(c.most for c in seeked)


def feedback_terms(papers: list[StoredPaper], scores: list[float], index: Snapshot,
                   exclude: set[str]) -> list[tuple[str, float]]:
    """The FEEDBACK_TERMS words that best describe the top papers, with weights (the best scaled to 1)."""
    weights: defaultdict[str, float] = defaultdict(float)
    for paper, score in zip(papers, scores):
        tokens = analyze(f"{paper.title} {paper.abstract}")
        for term, count in Counter(tokens).items():
            weights[term] += score * count / len(tokens)
    # idf (one index look-up a word) only for the strongest candidates: the same choice on Cranfield, far fewer
    # look-ups than every word of ten abstracts.
    total = max(index.searcher().num_docs, 1)
    common = FEEDBACK_MAX_SHARE * total
    strongest = sorted(weights.items(), key=lambda tw: -tw[1])
    candidates = [(t, w) for t, w in strongest if t not in exclude][: FEEDBACK_TERMS * 5]
    kept = [(t, w, df) for t, w in candidates if (df := index.doc_freq("text", t)) <= common]
    scored = [(t, w * math.log(1 + total / (1 + df))) for t, w, df in kept]
    best = sorted(scored, key=lambda tw: -tw[1])[:FEEDBACK_TERMS]
    return [(t, w / best[0][1]) for t, w in best] if best and best[0][1] > 0 else []


def _confident(first: list[tuple[float, str]]) -> bool:
    """Whether a first pass has a clear head (its best paper scores FEEDBACK_CONFIDENCE times its last): feedback
    words drawn from a flat head describe papers that merely share words with the question."""
    return len(first) == FEEDBACK_DOCS and first[0][0] >= FEEDBACK_CONFIDENCE * first[-1][0]


def expand(index: Snapshot, query: tantivy.Query, terms: list[tuple[str, float]]) -> tantivy.Query:
    """`query` re-ranked by the feedback terms: they reorder the papers that match it, never add others."""
    clauses = [(tantivy.Occur.Must, query)]
    for term, weight in terms:
        for name, boost in FIELD_BOOSTS.items():
            q = tantivy.Query.term_query(index.schema, name, term)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, FEEDBACK_WEIGHT * weight * boost)))
    return tantivy.Query.boolean_query(clauses)


def search(db: sqlite_utils.Database, index: Snapshot, text: str, *, k: int = 10, question: bool = False,
           without: Iterable[str] = ()) -> SearchResult:
    """The `k` papers that best answer `text` (query language included), best first, with their records; `without`
    these constraints (`has_code`: the best papers on the topic, with code or not).

    Never a dead end: when the constraints leave no paper, the inferred ones (`by X`, `in 2023`, ...) are dropped,
    then the explicit ones, and `relaxed` says what was dropped. A `question` reads quotes as words and is
    re-ranked by pseudo-relevance feedback when its first pass is confident (`_confident`)."""
    started = time.perf_counter()
    text = clean(text)
    if "\\" in text:  # TeX pasted from arXiv (`M\"uller`, `\emph{x}`): read as the library stores it
        text = tex_to_text(text)
    read = read_as(index, text) if question else None  # (typos: a search is taken as typed)
    text = read.text if read else text
    parsed = parse_query(text, question=question).without(without)
    if parsed.related is not None:
        result = related(db, index, parsed.related, k=k)
        result.query = text
        result.took_ms = (time.perf_counter() - started) * 1000
        return result
    parsed = _dated(index, _resolve_by(index, parsed))
    result = _ranked(db, index, text, parsed, k, question)
    if parsed.by and parsed.by_papers:
        result.relaxed.append(f"by {parsed.by}")  # (the library has no such author: papers on the rest)
    unknown = not any(index.doc_freq("text", t) for t in result.terms)  # (not: known, but filtered out)
    if not result.hits and k > 0 and result.parsed.text and unknown:  # the words dropped as question words, back
        every = _ranked(db, index, text, dataclasses.replace(result.parsed, all_words=True), k, question)
        if every.hits:
            every.relaxed = result.relaxed
            result = every
    # What plain words implied goes one kind at a time (the year before the author: "by Jinwen Ma in 2023" keeps
    # his papers); then, if still nothing, every operator at once, for the nearest papers without them.
    steps: list[tuple[str, Callable[..., ParsedQuery], Callable[..., str]]] = [
        (kind, lambda q, kind=kind: q.without_inferred(kind), lambda q, kind=kind: q.describe_inferred(kind))
        for kind in ("years", "has_code", "authors") if kind in parsed.inferred
    ]
    steps.append(("all", lambda q: q.without(CONSTRAINTS), lambda q: q.describe(set(CONSTRAINTS))))
    strict = result
    for _kind, loosen, said in steps:
        dropped = said(result.parsed)
        if result.hits or k <= 0 or not dropped:
            continue
        loose = _ranked(db, index, text, loosen(result.parsed), k, question)
        loose.relaxed = result.relaxed + [dropped]
        result = loose
    if not result.hits:  # (nothing even without them: say so with the constraints as asked)
        result = strict
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def papers_by(index: Snapshot, name: str, *, limit: int) -> tuple[list[str], int]:
    """The ids of the newest `limit` papers by `name` (as `author:` finds them), and how many there are."""
    query = author_match(index, name)
    if query is None:
        return [], 0
    found = index.searcher().search(query, limit, count=True, order_by_field="date")
    return [paper_id(index.searcher(), address) for _, address in found.hits], match_count(found)


def _dated(index: Snapshot, parsed: ParsedQuery) -> ParsedQuery:
    """`in the last two years` as years up to the newest paper's; "newest" read from plain words dropped when no
    paper has a date (a collection without dates: its ranking stays as it is)."""
    if not parsed.recent_years and not parsed.this_decade and "sort_by_date" not in parsed.inferred:
        return parsed
    searcher = index.searcher()
    newest = searcher.search(tantivy.Query.exists_query("year"), 1, count=False, order_by_field="year").hits
    if not newest:
        return dataclasses.replace(parsed, recent_years=None, sort_by_date=False,
                                   inferred=parsed.inferred - {"sort_by_date"})
    if not parsed.recent_years and not parsed.this_decade:
        return parsed
    year = int(newest[0][0])  # (ordered by a field, a hit's score is its value)
    start = year - year % 10 if parsed.this_decade else year - (parsed.recent_years or 1) + 1
    return dataclasses.replace(parsed, year_from=start, year_to=year, recent_years=None, this_decade=False)


def _resolve_by(index: Snapshot, parsed: ParsedQuery) -> ParsedQuery:
    """`by` + capitalised words as an author filter: the longest start of them that names an author in the
    library (`by Jinwen Ma GAN` -> Jinwen Ma, GAN stays a word; `by` is then cleared). None: they stay words
    (`guided by Text Prompts`)."""
    if parsed.by is None:
        return parsed
    words = parsed.by.split()
    for n in range(len(words), 1, -1):
        name = " ".join(words[:n])
        query = author_match(index, name)
        if query is not None and match_count(index.searcher().search(query, 1, count=True)):
            said = re.compile(r"\bby\s+" + r"\s+".join(map(re.escape, words[:n])))
            text = said.sub(" ", parsed.text, count=1)
            authors, inferred = [*parsed.inferred_authors, name], parsed.inferred | {"authors"}
            return dataclasses.replace(parsed, text=text, inferred_authors=authors, inferred=inferred, by=None)
    return parsed


def _ranked(db: sqlite_utils.Database, index: Snapshot, text: str, parsed: ParsedQuery, k: int,
            question: bool) -> SearchResult:
    """One ranking of `parsed`, its constraints as they are."""
    plan = build_query(index, parsed)
    result = SearchResult(query=text, terms=plan.terms if plan else [], parsed=parsed)
    if plan is None or k <= 0:
        return result
    result.idf = {t: _most_idf(index, "text", t) for t in plan.terms}
    searcher = index.searcher()
    papers: dict[str, StoredPaper] = {}
    found: Hits | None = None
    ranked_by = plan.full  # (what the scores by words are scores of)
    fed: list[str] = []  # the papers feedback words came from
    # A phrase, newest-first and filters alone stay lexical; so does a search no words found and nothing narrows
    # (its words are not in the library: relaxation and the answer's "no paper is about" say so).
    fusing = index.vectors is not None and plan.terms and not parsed.phrases and not parsed.sort_by_date
    pool = max(k, FUSION_POOL) if fusing else k
    if not plan.terms:  # filters alone: the newest papers that pass them (all score alike)
        found = [(0.0, address) for _, address in plan.hits(searcher, k, by_date=True)]
    elif question and FEEDBACK_TERMS and not parsed.sort_by_date:
        # The feedback words come from the best papers on the topic, whatever the preferences read from plain
        # words ("any from 2023?" in a thread on SAM for seismic data: the words of the seismic papers, not of
        # the 2023 papers that merely share "SAM"); they then rank the papers that meet them.
        head = parsed
        for kind in ("years", "has_code", "authors"):
            head = head.without_inferred(kind) if kind in head.inferred else head
        first = (plan if head is parsed else build_query(index, head) or plan).top(searcher, FEEDBACK_DOCS)
        if _confident(first):
            papers.update((p.id, p) for p in get_papers(db, [pid for _, pid in first]))
            best = [(papers[pid], score) for score, pid in first if pid in papers]
            extra = feedback_terms([p for p, _ in best], [s for _, s in best], index, set(plan.terms))
            if extra:
                ranked_by = expand(index, plan.full, extra)
                fed = [pid for _, pid in first]
    near = None
    if fusing:
        # (the text as typed, function words and all: the model was trained on sentences, and on CISI's long
        # questions their vectors without the function words lost a third of the gain)
        vector = _query_vector(index, parsed.text, fed)
        near = _nearest_soon(index, vector)
    if found is None:
        found = (_hits(searcher, ranked_by, pool) if fed
                 else plan.hits(searcher, max(k, NEWEST_POOL) if parsed.sort_by_date else pool))
    parts: dict[str, tuple[float, float | None]] = {}
    if near is not None and (found or plan.narrow):  # (none by words within the filters: those by meaning within them)
        scored, parts = fuse(index, found, vector, near.result(), ranked_by, plan.narrow, k)
    else:  # (newest first: the pool, to be sorted by date below)
        scored = _named(searcher, found if parsed.sort_by_date else found[:k])
    papers.update((p.id, p) for p in get_papers(db, [pid for _, pid in scored if pid not in papers]))
    hits = [Hit(papers[pid], score, *parts.get(pid, (None, None))) for score, pid in scored if pid in papers]
    if parsed.sort_by_date and plan.terms and hits:
        # "latest on X": the newest of the papers that answer X well, not of every paper sharing one word.
        hits = [h for h in hits if h.score >= NEWEST_SHARE * hits[0].score]
        hits.sort(key=lambda h: h.paper.date or "", reverse=True)
    result.hits = hits[:k]
    return result


# The k-NN step runs on these threads while the words' search runs on the caller's (tantivy lets go of the GIL as it
# searches): at 1M papers the two took 2.9 ms together against 4.3 one after the other. (A forked child has none of
# its parent's threads: it starts its own.)
_nearest = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="nearest")


def _new_nearest() -> None:
    global _nearest
    _nearest = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="nearest")


os.register_at_fork(after_in_child=_new_nearest)


def _nearest_soon(index: Snapshot, vector: np.ndarray) -> concurrent.futures.Future[list[tuple[float, int]]] | None:
    """The FUSION_POOL papers nearest `vector`, being found meanwhile (None: it is near nothing)."""
    vectors = index.vectors
    if vectors is None or not vector.any():
        return None
    try:
        return _nearest.submit(vectors.nearest_keys, vector, FUSION_POOL)
    except RuntimeError:  # (the interpreter is exiting, with a thread still searching: here, then)
        found: concurrent.futures.Future[list[tuple[float, int]]] = concurrent.futures.Future()
        found.set_result(vectors.nearest_keys(vector, FUSION_POOL))
        return found


def _query_vector(index: Snapshot, text: str, fed: list[str]) -> np.ndarray:
    """The question's vector; after feedback, moved towards the papers the feedback words came from (Rocchio,
    as the words are by RM3): a follow-up's "any from 2023?" means the thread's topic, not its literal words."""
    # Its words and sentence punctuation: query syntax and other marks around them ("'; DROP", "title:", "~2")
    # change neither ranking. (Without the sentence punctuation too: Cranfield questions 1.097 -> 1.086x nDCG.)
    query = embed([" ".join(_SYNTAX.sub(" ", text).split())])[0]
    found = [v for pid in fed if index.vectors is not None and (v := index.vectors.vector(pid)) is not None]
    if not found:
        return query
    moved = query + VECTOR_FEEDBACK * np.mean(found, axis=0)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm else query


def related(db: sqlite_utils.Database, index: Snapshot, paper_id: str, *, k: int = 10) -> SearchResult:
    """Papers like `paper_id`, never itself: ranked by the words that best describe it (`describing_terms`) and,
    when it has a vector, by meaning too (`fuse`)."""
    paper = get_paper(db, paper_id)
    words = describing_terms(paper, index)
    result = SearchResult(query=f"related {paper_id}", terms=[w for w, _ in words])
    vectors = index.vectors
    vector = vectors.vector(paper.id) if vectors is not None else None
    if not words and vector is None:
        return result
    itself = [(tantivy.Occur.MustNot, tantivy.Query.term_query(index.schema, "id", paper.id))]
    scoring = tantivy.Query.boolean_query([(tantivy.Occur.Must, _should([
        tantivy.Query.boost_query(tantivy.Query.term_query(index.schema, "text", w), weight) for w, weight in words
    ])), *itself]) if words else None
    searcher = index.searcher()
    found = _hits(searcher, scoring, max(k, FUSION_POOL) if vector is not None else k) if scoring else []
    parts: dict[str, tuple[float, float | None]] = {}
    if vectors is not None and vector is not None and vector.any():
        scored, parts = fuse(index, found, vector, vectors.nearest_keys(vector, FUSION_POOL), scoring, itself, k)
    else:
        scored = _named(searcher, found[:k])
    papers = {p.id: p for p in get_papers(db, [pid for _, pid in scored[:k]])}
    result.hits = [Hit(papers[pid], score, *parts.get(pid, (None, None))) for score, pid in scored[:k]
                   if pid in papers]
    return result


def fuse(index: Snapshot, lexical: Hits, query: np.ndarray, near: list[tuple[float, int]],
         ranked_by: tantivy.Query | None, narrow: list[tuple[tantivy.Occur, tantivy.Query]],
         k: int) -> tuple[list[tuple[float, str]], dict[str, tuple[float, float | None]]]:
    """The k best of `lexical` (the best papers by words, `ranked_by`'s scores, best first) fused with `near` (the
    FUSION_POOL papers nearest `query`, a unit vector: (similarity, key), best first) that pass `narrow` (every
    filter and exclusion), as (score, id) best first; and each one's (lexical, semantic) parts. A paper with no
    vector yet ranks by its words alone. (Papers are told apart by their keys, read from a column: only the k
    kept are read as documents.)"""
    vectors = index.vectors
    searcher = index.searcher()
    assert vectors is not None  # (`near` came from them)
    found = _by_key(searcher, lexical)
    new = [key for sim, key in near if key not in found and sim >= MIN_SIMILARITY]
    # A paper found by meaning alone is not among the best by words, so its words' score normalises to 0 (it is
    # at most the lowest of theirs): it is read below, for the few kept; scoring every newcomer cost 0.6 ms a
    # search at 1M papers. Unless every paper in the pool scores alike: then one may tie with them, and counts.
    flat = bool(lexical) and lexical[-1][0] >= lexical[0][0] and ranked_by is not None
    admitted: dict[int, tuple[float, tantivy.DocAddress]] = {}
    if new:  # (those of them that pass every filter and exclusion)
        clauses = [*narrow, (tantivy.Occur.Should, ranked_by)] if flat and ranked_by is not None else narrow
        admitted = _by_key(searcher, _hits(searcher, _named_by_keys(index, new, clauses), len(new)))
    similarity = {key: sim for sim, key in near}
    similarity.update(vectors.similarity_by_key(query, [key for key in found if key not in similarity]))
    lex = _normaliser([score for score, _ in lexical])
    sem = _normaliser([sim for sim, _ in near])
    fused: list[tuple[float, int]] = []
    for key in [*found, *(key for key in new if key in admitted)]:
        sim = similarity.get(key)
        by_words = lex((found.get(key) or admitted[key])[0])
        fused.append((by_words if sim is None else LEXICAL_WEIGHT * by_words + (1 - LEXICAL_WEIGHT) * sem(sim), key))
    fused.sort(key=lambda sk: -sk[0])  # (stable: ties keep the words' order, then the vectors')
    fused = fused[:k]
    late = [key for _, key in fused if key not in found]
    if late and ranked_by is not None and not flat:
        # The words' score of each one kept, from the very query that ranked the others (a question's feedback
        # words included: else not comparable).
        scored = _named_by_keys(index, late, [(tantivy.Occur.Should, ranked_by)])
        found.update(_by_key(searcher, _hits(searcher, scored, len(late))))
    kept: list[tuple[float, str]] = []
    parts: dict[str, tuple[float, float | None]] = {}
    for score, key in fused:
        words_score, address = found.get(key) or admitted[key]
        pid = paper_id(searcher, address)
        kept.append((score, pid))
        parts[pid] = (words_score, similarity.get(key))
    return kept, parts


def _named_by_keys(index: Snapshot, keys: list[int],
                   clauses: list[tuple[tantivy.Occur, tantivy.Query]]) -> tantivy.Query:
    """The papers `keys` (scoring nothing themselves: each key would add its own idf) with `clauses`. (A
    term_set_query walks the keys' whole term dictionary: at 1M papers 4.4 ms against 0.4 for these look-ups.)"""
    named = tantivy.Query.const_score_query(
        _should([tantivy.Query.term_query(index.schema, "key", key) for key in keys]), 0.0)
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, named), *clauses])


def _by_key(searcher: tantivy.Searcher, hits: Hits) -> dict[int, tuple[float, tantivy.DocAddress]]:
    """`hits` by their papers' keys."""
    return dict(zip(paper_keys(searcher, [address for _, address in hits]), hits))


def _normaliser(scores: list[float]) -> Callable[[float], float]:
    """Min-max over a pool's scores, clamped to [0, 1] (a pool of one: 1 for its score, 0 below)."""
    if not scores:
        return lambda x: 0.0
    low, high = min(scores), max(scores)
    if high <= low:
        return lambda x: 1.0 if x >= high else 0.0
    return lambda x: min(1.0, max(0.0, (x - low) / (high - low)))


def describing_terms(paper: StoredPaper, index: Snapshot) -> list[tuple[str, float]]:
    """The RELATED_TERMS words of `paper` that say most about it, weighted (1 + log tf) * idf."""
    total = max(index.searcher().num_docs, 1)
    weights = []
    for term, tf in Counter(analyze(f"{paper.title} {paper.abstract}")).items():
        df = index.doc_freq("text", term)
        if 0 < df <= RELATED_MAX_SHARE * total:
            weights.append((term, (1 + math.log(tf)) * math.log(1 + total / (1 + df))))
    return sorted(weights, key=lambda tw: -tw[1])[:RELATED_TERMS]


def _hits(searcher: tantivy.Searcher, query: tantivy.Query, k: int, *, by_date: bool = False) -> Hits:
    hits = searcher.search(query, k, count=False, order_by_field="date" if by_date else None).hits
    return [(float(score or 0), address) for score, address in hits]


def _named(searcher: tantivy.Searcher, hits: Hits) -> list[tuple[float, str]]:
    return [(score, paper_id(searcher, address)) for score, address in hits]


def _top(searcher: tantivy.Searcher, query: tantivy.Query, k: int, *, by_date: bool = False) -> list[tuple[float, str]]:
    return _named(searcher, _hits(searcher, query, k, by_date=by_date))


FOLLOW_CHUNK = 1000  # paper ids per query when follows are matched against a load's papers
FOLLOW_WHOLE = 20  # more chunks than this: each follow's query is run alone and its hits kept if among them
# Words a follow says but does not ask papers to hold: "new papers on diffusion", "latest diffusion papers".
_FOLLOW_NOISE = frozenset(FUNCTION_WORDS) | frozenset(
    "paper papers article articles publication publications preprint preprints new newest latest recent recently "
    "anything everything announced today".split())
_PUNCTUATION = ".,;:!?()[]{}'\"“”‘’"


def follow_query(index: Snapshot, text: str) -> tantivy.Query | None:
    """What a follow (a standing query) selects, as clauses every paper it matches must meet: each of its words
    in the title, abstract or authors (a hyphenated word as a phrase of its parts; the words a request is made
    of, such as "papers", "new", "latest", "about", left out wherever they stand); each filter and phrase; no
    exclusion. Filters read
    from plain words (`by Jinwen Ma`, `since 2022`, `with code`) select too: a follow says what it wants once and
    for all. None: it selects nothing (no words, no filters) or is not a query a follow can be (`related`)."""
    parsed = parse_query(clean(text))
    if parsed.related is not None:
        return None
    parsed = _resolve_by(index, parsed)
    clauses = []
    for word in parsed.text.split():
        if word.strip(_PUNCTUATION).casefold() in _FOLLOW_NOISE:
            continue
        said = _text_match(index, word)  # (`self-supervised`: its parts as a phrase, not either part)
        if said is None:
            continue  # (a stop word)
        names = [n for n in name_analyzer().analyze(clean(word)) if len(n) > 1]
        clauses.append(_should([said, *(tantivy.Query.term_query(index.schema, "authors", n) for n in names)]))
    clauses += filter_queries(index, parsed)
    if not clauses:
        return None
    excluded = [_text_match(index, e) for e in parsed.excluded]
    excluded += [author_match(index, a) for a in parsed.excluded_authors]
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, c) for c in clauses] + [(tantivy.Occur.MustNot, e) for e in excluded if e is not None]
    )


def follow_matches(index: Snapshot, texts: Iterable[str], ids: Iterable[str]) -> dict[str, set[str]]:
    """Of the papers `ids`, those each follow of `texts` selects (`follow_query`). A few papers (a day's
    harvest) are named to the index, FOLLOW_CHUNK at a time, once for every follow; many (a first harvest of a
    whole set) are found by each follow's own query, its hits then kept if among them."""
    plans = {text: q for text in dict.fromkeys(texts) if (q := follow_query(index, text)) is not None}
    found: dict[str, set[str]] = {text: set() for text in texts}
    wanted = list(ids)
    if not plans or not wanted:
        return found
    searcher = index.searcher()
    if len(wanted) > FOLLOW_WHOLE * FOLLOW_CHUNK:
        among = set(wanted)
        for text, selects in plans.items():
            count = match_count(searcher.search(selects, 1, count=True))
            hits = searcher.search(selects, count).hits if count else []
            found[text] = {pid for _, address in hits if (pid := paper_id(searcher, address)) in among}
        return found
    for start in range(0, len(wanted), FOLLOW_CHUNK):
        chunk = wanted[start : start + FOLLOW_CHUNK]
        named = _should([tantivy.Query.term_query(index.schema, "id", pid) for pid in chunk])
        for text, selects in plans.items():
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, named), (tantivy.Occur.Must, selects)])
            found[text].update(paper_id(searcher, address) for _, address in searcher.search(query, len(chunk)).hits)
    return found
