"""Question -> chat-style answer: a fact from the store when the question asks for one (`retrieval.facts`), else
the passages of the top papers that best answer it.

Papers come from the BM25 index; within them, rank-bm25 ranks the abstracts' sentences against the question
(same analyser) to pick each paper's passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlite_utils
from rank_bm25 import BM25Okapi

from papers_bot.retrieval.analysis import analyze, question_terms
from papers_bot.retrieval.facts import Fact, fact
from papers_bot.retrieval.index import Snapshot
from papers_bot.retrieval.query import parse_query
from papers_bot.retrieval.search import Hit, search
from papers_bot.store.db import get_papers, in_step
from papers_bot.store.paper import StoredPaper
from papers_bot.text import clip

# A paper answers a question well when its title and abstract hold at least this share of the question's
# terms; below it we say so instead of presenting a weak match as an answer.
GOOD_COVERAGE = 0.5
# ... and scores at least half the best paper's score by words (a far weaker paper is not part of the answer).
# Words, not the fused score (search.fuse): an answer is a passage holding the question's words, and meaning
# compresses the scores' spread (a paper on another "SAM" came within half of the best fused score).
RELATIVE_SCORE = 0.5
PASSAGE_CHARS = 400
SHORT_SENTENCE = 80  # a best sentence shorter than this is shown with the one after it
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|Sec|resp|approx)\.$", re.IGNORECASE)


@dataclass
class Passage:
    paper: StoredPaper
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
    fact: Fact | None = None  # what the store says, for a question about the library's facts
    topic: str = ""  # what the passages answer (with a conversation's topic, for a follow-up without its own)
    notes: list[str] = field(default_factory=list)  # what else the answer should say (`with code` unmet)

    @property
    def found(self) -> bool:
        return bool(self.passages) or bool(self.fact and self.fact.established)

    def papers(self) -> list[StoredPaper]:
        """The papers this answer is about: what a follow-up's "it" refers to."""
        if self.fact and self.fact.papers:
            return self.fact.papers
        return [p.paper for p in self.passages] or [h.paper for h in self.nearest]


MAX_CONTEXT = 500  # characters of a thread's earlier questions carried into a follow-up


@dataclass
class Context:
    """What a conversation (a thread, a chat) is about so far: its topic (the last question that had one, with
    the follow-ups that refined it), and the papers of its last answer."""

    question: str = ""
    papers: list[str] = field(default_factory=list)  # ids

    def after(self, answer: Answer) -> Context:
        """The context once `answer` is given: its topic (a fact about "it" keeps the one before), its papers."""
        return Context((answer.topic or self.question)[:MAX_CONTEXT], [p.id for p in answer.papers()[:5]])


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
    sentences = [split_sentences(h.paper.abstract) or [h.paper.display_title] for h in hits]
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
        passages.append(clip(text, PASSAGE_CHARS))
        start += len(paper)
    return passages


def coverage(paper: StoredPaper, terms: list[str]) -> float:
    if not terms:
        return 0.0
    present = set(analyze(paper.title or "")) | set(analyze(paper.abstract or ""))
    present |= {t for name in paper.authors for t in analyze(name)}
    return sum(t in present for t in set(terms)) / len(set(terms))


def ask(db: sqlite_utils.Database, index: Snapshot, question: str, *, k: int = 3,
        context: Context | None = None) -> Answer:
    """Answer a plain-language question: the fact it asks for (exact, from the store), else passages from the
    papers that match it well. In a conversation (`context`), "it" and "this paper" are the last answer's papers,
    and a question with no topic of its own ("any from 2023?") is asked about the conversation's."""
    earlier = get_papers(db, context.papers) if context and context.papers else []
    found = fact(db, index, question, context_papers=earlier)
    if found is not None and not in_step(db, index.store_version):
        # The index is behind or ahead of the store (a load between its commits, a rebuild): its counts and
        # names are not the library's, and a fact is exact or not said.
        found = Fact(found.kind, "The index is being brought up to date with the library, so this cannot be "
                     "answered exactly yet; ask again in a minute.", established=False)
    if found is not None and found.established:
        return Answer(question=question, terms=[], fact=found)
    if context and context.question and not _has_topic(index, question):
        question = f"{question} {context.question}"
    answer = _passages(db, index, question, k)
    answer.fact, answer.topic = found, question
    return answer


def _has_topic(index: Snapshot, question: str) -> bool:
    """Whether a question names a topic of its own (a word the papers use, not a year or a filter's words)."""
    text = parse_query(question, question=True).text
    return any(not t.isdigit() and index.doc_freq("text", t) for t in question_terms(text, all_if_none=False))


def _passages(db: sqlite_utils.Database, index: Snapshot, question: str, k: int) -> Answer:
    result = search(db, index, question, k=max(k, 5), question=True)
    answer = Answer(question=question, terms=result.terms, relaxed=result.relaxed)
    top = max((_by_words(h) for h in result.hits), default=0.0)
    covered = [(h, coverage(h.paper, result.terms)) for h in result.hits]
    good = [(h, c) for h, c in covered if c >= GOOD_COVERAGE and _by_words(h) >= RELATIVE_SCORE * top][:k]
    if result.parsed.has_code and result.terms:
        answer.notes += _code_note(db, index, question, [h for h, _ in good] or result.hits[:k])
    if not good:
        answer.nearest = result.hits[:k]
        return answer
    for (hit, share), text in zip(good, best_passages([h for h, _ in good], result.terms, result.idf)):
        answer.passages.append(Passage(hit.paper, text, hit.score, share))
    return answer


def _by_words(hit: Hit) -> float:
    """A hit's score by words alone (its BM25 score, fused or not)."""
    return hit.lexical if hit.lexical is not None else hit.score


def _code_note(db: sqlite_utils.Database, index: Snapshot, question: str, shown: list[Hit]) -> list[str]:
    """When the best paper on the topic has no code, the papers with code are not the best answer: say so."""
    best = search(db, index, question, k=1, question=True, without=("has_code",)).hits
    if not best or best[0].paper.has_code or best[0].paper.id in {h.paper.id for h in shown}:
        return []
    return [f"The best match, {best[0].paper.display_title}, has no code listed; the best with code:"]


