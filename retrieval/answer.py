"""Question -> chat-style answer: a fact from the store when the question asks for one (`retrieval.facts`), else
the passages of the top papers that best answer it.

Papers come from the BM25 index; within them, rank-bm25 ranks the abstracts' sentences against the question
(same analyser) to pick each paper's passage.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import sqlite_utils
from rank_bm25 import BM25Okapi

from papers_bot.retrieval.analysis import FUNCTION_WORDS, QUESTION_WORDS, REQUEST_WORDS, analyze, question_terms
from papers_bot.retrieval.facts import Fact, as_said, fact, find_named
from papers_bot.retrieval.index import Snapshot
from papers_bot.retrieval.query import parse_query
from papers_bot.retrieval.search import COMMON_SHARE, Hit, search
from papers_bot.retrieval.spelling import KNOWN, frequency, read_as
from papers_bot.store.db import get_papers, in_step
from papers_bot.store.paper import StoredPaper, id_in
from papers_bot.text import clip

# A paper answers a question well when its title and abstract hold at least this share of the question's
# terms; below it we say so instead of presenting a weak match as an answer.
GOOD_COVERAGE = 0.5
# ... and scores at least half the best paper's score by words (a far weaker paper is not part of the answer).
# Words, not the fused score (search.fuse): an answer is a passage holding the question's words, and meaning
# compresses the scores' spread (a paper on another "SAM" came within half of the best fused score).
RELATIVE_SCORE = 0.5
# A long question (a pasted paragraph: LONG_QUESTION terms or more) rarely has a paper holding half its words;
# it is answered when its best paper scores HEAD times the HEAD_OF-th. Measured on Cranfield's and CISI's judged
# queries (bench/quality.py, README "Ranking quality"): of the questions turned away, none has a relevant first
# paper (before: 44% and 57%); 1.3 would turn away some with one, 1.1 none at all.
LONG_QUESTION = 6
HEAD = 1.2
HEAD_OF = 10
PASSAGE_CHARS = 400
LISTED = 5  # papers listed for a question that names no topic, only filters ("anything from 2017?")
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
    help: bool = False  # a question about the bot itself ("what can you do?"): the front end shows its help
    read_as: str = ""  # the question as read, when typos in it were corrected (`retrieval.spelling`)
    unmatched: str = ""  # why no paper is shown: no paper holds the topic, or the words are not read (`_unmatched`)
    passed_over: list[str] = field(default_factory=list)  # ids shown before in the conversation ("more")

    @property
    def found(self) -> bool:
        return bool(self.passages) or bool(self.fact and self.fact.established) or self.help

    def papers(self) -> list[StoredPaper]:
        """The papers this answer is about: what a follow-up's "it" refers to."""
        if self.fact and self.fact.papers:
            return self.fact.papers
        return [p.paper for p in self.passages] or [h.paper for h in self.nearest]


MAX_CONTEXT = 500  # characters of a thread's earlier questions carried into a follow-up
MAX_SHOWN = 50  # papers a conversation remembers having shown ("more" passes over them)
# "more", "any others?", "show me more": the conversation's topic again, without the papers already shown.
_MORE = re.compile(r"^\W*(?:(?:show|give|list|find|any|some|got|and)\s+(?:me\s+)?)?(?:more|others?|other ones|the rest|"
                   r"anything else|what else)(?:\s+(?:ones|papers|please|of them|like (?:this|these|that|them)))*\W*$",
                   re.IGNORECASE)


@dataclass
class Context:
    """What a conversation (a thread, a chat) is about so far: its topic (the last question that had one, with
    the follow-ups that refined it), and the papers of its last answer."""

    question: str = ""
    papers: list[str] = field(default_factory=list)  # ids

    def after(self, answer: Answer) -> Context:
        """The context once `answer` is given: its topic (a fact about "it" keeps the one before), its papers
        (after "more", those shown before too, so the next "more" goes on)."""
        shown = [p.id for p in answer.papers()[:5]]
        return Context((answer.topic or self.question)[:MAX_CONTEXT], (shown + answer.passed_over)[:MAX_SHOWN])


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
    if _META.match(question):
        return Answer(question=question, terms=[], help=True)
    if unread := _other_script(question):
        return Answer(question=question, terms=[], unmatched=unread)
    reading = read_as(index, question)
    answer = _ask(db, index, reading.text, k, context)
    answer.read_as = reading.text if reading.corrected else ""
    return answer


def _ask(db: sqlite_utils.Database, index: Snapshot, question: str, k: int, context: Context | None) -> Answer:
    earlier = get_papers(db, context.papers) if context and context.papers else []
    found = fact(db, index, question, context_papers=earlier) or _cited(db, index, question)
    if found is not None and not in_step(db, index.store_version):
        # The index is behind or ahead of the store (a load between its commits, a rebuild): its counts and
        # names are not the library's, and a fact is exact or not said.
        found = Fact(found.kind, "The index is being brought up to date with the library, so this cannot be "
                     "answered exactly yet; ask again in a minute.", established=False)
    if found is not None and found.established:
        return Answer(question=question, terms=[], fact=found)
    said = re.findall(r"[^\W\d_]+", question.lower())
    if said and all(w in _SMALL_TALK for w in said) and not _MORE.match(question) and not re.search(r"\d", question):
        return Answer(question=question, terms=[], unmatched=CHAT_REPLY)  # ("thanks!", "hi", "how are you?")
    if context and context.question and _MORE.match(question):
        answer = _passages(db, index, context.question, k, passed_over=context.papers)
        answer.topic, answer.passed_over = context.question, context.papers
        return answer
    if context and context.question and not _has_topic(index, question):
        question = _follow_up(question, context.question)
    answer = _passages(db, index, question, k)
    answer.fact, answer.topic = found, question
    return answer


# A question about the bot, not the papers: answered with the bot's help (one text: the command table's).
_META = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\W+)?(?:help(?:\s+me)?|commands|usage|how\s+(?:do|can|should)\s+i\s+(?:use|ask)\s+"
    r"(?:this|you|it|the bot|papers-bot)(?:\s+bot)?|how\s+does\s+(?:this|it|the bot)\s+work|what\s+(?:can|do)\s+you\s+"
    r"(?:do|answer|know)|what\s+are\s+you|who\s+are\s+you|what\s+is\s+this(?:\s+bot)?|what\s+commands.*)"
    r"\W*$",
    re.IGNORECASE,
)
CHAT_REPLY = ("Ask me about the papers in the library, for example: which papers adapt SAM to seismic data? "
              "(help says what I answer)")
OTHER_SCRIPT = 0.5  # a question whose letters are more than this share outside the Latin script is not read


def _other_script(question: str) -> str:
    """For a question mostly in another script (Chinese, Cyrillic, ...), the one line that says it is not read
    (the library's papers are searched in English), with the words it could read; else ""."""
    letters = [c for c in question if c.isalpha()]
    latin = [c for c in letters if c.isascii() or "LATIN" in unicodedata.name(c, "")]
    if not letters or len(latin) >= (1 - OTHER_SCRIPT) * len(letters):
        return ""
    read = " ".join(w for w in re.findall(r"[A-Za-z][\w.-]*", question))
    return ("The library's papers are searched in English, and I cannot read this question"
            + (f" (the words I could read: {clip(read, 100)})." if read else ".") + " Ask in English, please.")


def _unmatched(index: Snapshot, result_terms: list[str], text: str, question: str) -> str:
    """When some of a question's words are in no paper and the others are common ones ("quantum computing"):
    that no paper is about them, rather than papers that share a common word as "nearest" (or, with no English
    function word, a question in another language or gibberish: that no paper matches these words)."""
    telling = [t for t in result_terms if len(t) > 1 and not t.isdigit()]  # (the h of h-index, a number)
    held = {t: index.doc_freq("text", t) for t in telling}
    named = {t for t in telling if index.doc_freq("authors", t)}
    missing = [t for t, n in held.items() if not n and t not in named]
    if not missing:
        return ""
    common = COMMON_SHARE * index.searcher().num_docs
    if named or any(0 < n <= common and len(t) > 2 for t, n in held.items()):
        return ""  # (a name or a word few papers hold matches: the papers that hold it are the nearest)
    if 2 * len(missing) < len([t for t in held if t not in _REQUEST_TERMS]):
        return ""  # (most of the topic matches: "style transfer papers lately", not "quantum computing")
    if len(missing) >= FOREIGN_WORDS and not any(w.lower() in _ENGLISH for w in re.findall(r"\w+", question)):
        return "No paper in the library matches these words."
    said = " ".join(as_said(text, [t for t in telling if t not in _REQUEST_TERMS] or telling))  # (not "paper")
    return f"No paper in the library is about {said}."


_REQUEST_TERMS = frozenset(analyze(" ".join(REQUEST_WORDS)))  # ("quantum computing papers": papers is no topic)
_REQUEST_TERMS = frozenset(analyze(" ".join(REQUEST_WORDS)))
FOREIGN_WORDS = 3  # this many unknown words and no English function word: not a topic the library lacks, words it
# cannot read (no language detector: a question in English says "the", "of", "on", "what" ...)
# (the analyser's English stop words, and the words questions are phrased with)
_ENGLISH = frozenset("a an and are as at be but by for if in into is it no not of on or such that the their then "
                     "there these they this to was will with".split()) | frozenset(QUESTION_WORDS)


# What makes a message in an answer channel read as a question or a request for papers (`reads_as_request`).
QUESTION_MARKS = "?\uff1f\u00bf\u061f\u037e\u055e\u1367\u2e2e"  # Latin, full-width, Spanish, Arabic, Greek, ...
_ASKS = re.compile(
    r"^\W*(?:which|what|whats|who|whom|whose|where|when|why|how|is there|are there|does|do|did|can|could|would|"
    r"has|have|any|anything|find|show|list|recommend|suggest|search|looking for|need|give me|tell me|"
    r"(?:any\s+|some\s+|the\s+)?(?:papers?|articles?|works?|research|preprints?)\s+(?:on|about|by|for|from|that|"
    r"with|in|regarding))\b",
    re.IGNORECASE,
)
_REQUEST_START = re.compile(r"^\W*(?:find|show|list|recommend|suggest|search|looking for|give me|tell me|"
                            r"(?:is|are) there (?:any|anything|something|papers?|work)|do you have|"
                            r"(?:any\s+|some\s+|the\s+)?(?:papers?|articles?|works?|research|preprints?)\s+"
                            r"(?:on|about|by|for|from|that|with|in|regarding))\b", re.IGNORECASE)
# Words of chat rather than of a topic: greetings, thanks, reactions, pronouns and auxiliaries. A message made of
# these and words no paper uses is chat, whatever its punctuation.
_CHATTER = frozenset("""
hi hello hey yo hiya morning evening night afternoon bye goodbye cya later thanks thank thx ty cheers welcome
congrats congratulations sorry oops wow lol lmao rofl haha hahaha omg ok okay k yes yeah yep yup no nope nah sure
cool nice great awesome amazing good bad fine same agreed true right really seriously anyone someone everyone
somebody nobody guys folks all y'all it its it's this that these those i'm im i'll ill i've ive you're youre
we're they he she him her his them they're just so too very also still yet now then today tonight tomorrow
yesterday soon again back here there up down out over thing things lot lots bit much more less maybe probably
actually basically literally gonna wanna gotta let lets let's go going went come coming got get see saw look
think thought guess know mean said say feel love like hate want wait done doing did make made take took will
won't can't don't doesn't didn't isn't aren't wasn't not be being been am brb gg np pls plz please
exactly indeed definitely absolutely totally around seen anyway btw though
s t d m ll re ve
""".split())
_CHAT = frozenset(FUNCTION_WORDS) | frozenset(REQUEST_WORDS) | _CHATTER | {"wrote", "authored"}  # (who wrote X?)
_SMALL_TALK = _CHATTER | frozenset(FUNCTION_WORDS) | frozenset("a an and the to of it is are".split())
# "what is known about quantum gravity?": a question about a topic, whether or not papers use its words.
_ABOUT = re.compile(r"\b(?:about|on|regarding|concerning)\s+(?:the\s+|a\s+|an\s+)?(?!(?:" + "|".join(
    ["it", "this", "that", "you", "me", "us", "them", "time", "my", "our", "your", "the way", "my way", "break",
     "call", "leave", "vacation", "holiday"]) + r")\b)[^\W\d_]{3,}", re.IGNORECASE)
# A question with one of these words is asked of the people in the channel, unless it names papers.
_PEOPLE = frozenset("anyone anybody someone somebody everyone everybody you your u i my we our us guys folks".split())
_PAPERS = frozenset("paper papers article articles research preprint preprints publication publications literature "
                    "arxiv recommend suggest find search".split())
# Another bot's command: a sigil (?help, $rank, -p song, >rank) or a short prefix (t!help) then a word at once.
_OTHER_BOT = re.compile(r"^(?:[?.&$%\-><;+=!~,^*/\\|]|[^\W\d_]{1,3}[!.])[^\W\d_]")
BARE_TOPIC = 6  # at most this many words, all of them used by papers: a topic typed bare ("seismic fault detection")


def reads_as_request(index: Snapshot, text: str) -> bool:
    """Whether a message in an answer channel asks for papers: a question about the bot; a question mark (in
    any script) or a question or request word first, with a word papers use (all its words, for a question mark
    alone); or a bare topic of at most BARE_TOPIC words, every one used by papers (none a word of chat)."""
    text = text.strip()
    if not text or _OTHER_BOT.match(text):
        return False
    if _META.match(text):
        return True
    marked = any(c in QUESTION_MARKS for c in text)
    if marked and _other_script(text):
        return True  # (answered with one honest line)
    if text.startswith("\u00bf"):
        return True  # (¿...?: a question, in Spanish; answered in one line)
    words = re.findall(r"[^\W\d_]+", text)
    content = [w.lower() for w in words if w.lower() not in _CHAT and w.lower() not in _ENGLISH and len(w) > 1]
    used = {w: frequency(index, w) for w in content}
    known = [w for w, n in used.items() if n]
    if _REQUEST_START.match(text):  # (with a topic papers use, or none: "show me the newest papers")
        return bool(known) or (bool(content) and all(w in KNOWN for w in content))
    if _ASKS.match(text) and (marked or len(words) > 2):
        asked = re.split(f"(?<=[{QUESTION_MARKS}])", text, maxsplit=1)[0]  # (the question; what follows is pasted)
        said = {w.lower() for w in re.findall(r"(?<![@\w])[^\W\d_]+", asked)}  # (not @everyone: a ping)
        if said & _PEOPLE and not said & _PAPERS:
            return False  # (asked of the people here: "does anyone know how to fix CUDA out of memory?")
        if said & _PAPERS and any(_papers_using(index, w) for w in content):
            return True  # (it asks for papers, on a topic papers hold in some form: "which papers detect faults?")
        # (most of its telling words used by papers, not one stray word: not "why is the build red?")
        telling = [w for w in said if w in used]
        return 2 * sum(bool(used[w]) for w in telling) > len(telling) or bool(_ABOUT.search(asked))
    if marked or len(text.split()) <= BARE_TOPIC:
        return bool(known) and len(known) == len(content) and (marked or _bare(text, words))
    return False


def _papers_using(index: Snapshot, word: str) -> int:
    """How many papers use `word` as written or in another form of it ("faults" where papers say "fault")."""
    return frequency(index, word) or max((index.doc_freq("text", t) for t in analyze(word)), default=0)


def _bare(text: str, words: list[str]) -> bool:
    """A topic as typed alone: words and spaces, hyphens, a comma at most; no sentence of chat."""
    chat = _CHATTER | frozenset(FUNCTION_WORDS)
    return not re.search(r"[!.;:/@#<>()\[\]{}*_~`|=+]|\d{3,}", text.rstrip(".")) and all(
        w.lower() not in chat for w in words)



def _cited(db: sqlite_utils.Database, index: Snapshot, question: str) -> Fact | None:
    """A question that cites an arXiv id or link ("papers on arXiv 2310.00426"): that paper, or that the library
    does not hold it (then the passages follow)."""
    ref = id_in(question) or (m.group() if (m := _ARXIV_ID.search(question)) else None)
    if ref is None or parse_query(question).related is not None:
        return None  # (none, or "related 2310.05873": the papers like it, ranked)
    held = find_named(db, index, ref)
    if not held:
        return Fact("paper", f"The library does not hold arXiv:{ref}.", established=False)
    return Fact("paper", f"arXiv:{ref} in the library:", papers=held[:1])


_ARXIV_ID = re.compile(r"(?<![\w.])\d{4}\.\d{4,5}(?:v\d+)?(?![\w.])")


def _has_topic(index: Snapshot, question: str) -> bool:
    """Whether a question names a topic of its own (a word the papers use, not a year or a filter's words)."""
    text = parse_query(question, question=True).text
    text = " ".join(w for w in re.findall(r"[^\W_]+", text) if w.lower() not in _CHATTER | _REFERRING)
    return any(not t.isdigit() and index.doc_freq("text", t) for t in question_terms(text, all_if_none=False))


# Words a follow-up refers back with ("which of them", "only the ones from 2025", "older ones"): not its topic,
# and dropped when it is asked about the conversation's.
_REFERRING = frozenset("""them they those these it its their one ones only other others same instead which whichever
either both each""".split())


def _follow_up(question: str, topic: str) -> str:
    """A follow-up without a topic of its own, asked about the conversation's `topic` (its filters first: they
    are read before the topic's)."""
    kept = re.sub(r"[^\W_]+", lambda m: "" if m.group().lower() in _REFERRING else m.group(), question)
    return f"{' '.join(kept.split())} {topic}"


def _passages(db: sqlite_utils.Database, index: Snapshot, question: str, k: int, *,
              passed_over: list[str] | None = None) -> Answer:
    skip = set(passed_over or ())
    result = search(db, index, question, k=max(k, LISTED, HEAD_OF) + len(skip), question=True)
    result.hits = [h for h in result.hits if h.paper.id not in skip]
    if skip and not result.hits:
        return Answer(question=question, terms=result.terms, unmatched="No other paper in the library matches it.")
    oldest = result.parsed.oldest_first
    if oldest and not result.terms:  # ("oldest papers", "earliest from 2019": every dated paper that passes, reversed)
        result.hits = [h for h in search(db, index, question, k=index.searcher().num_docs, question=True).hits[::-1]
                       if h.paper.id not in skip and h.paper.date]
    if result.relaxed and not question_terms(parse_query(question, question=True).text, all_if_none=False):
        # (only filters, and no paper meets them: "papers before 2017"; not the papers of the question's filler)
        said = parse_query(question, question=True).describe(("authors", "years", "categories", "has_code"))
        return Answer(question=question, terms=[], unmatched=_none_is(said or "; ".join(result.relaxed)))
    answer = Answer(question=question, terms=result.terms, relaxed=result.relaxed)
    answer.unmatched = _unmatched(index, result.terms, result.parsed.text, question)
    if answer.unmatched:  # (not papers that merely share a common word with it, as "nearest")
        return answer
    top = max((_by_words(h) for h in result.hits), default=0.0)
    covered = [(h, coverage(h.paper, result.terms)) for h in result.hits]
    good = [(h, c) for h, c in covered if c >= GOOD_COVERAGE and _by_words(h) >= RELATIVE_SCORE * top]
    if not good and _clear_head(result.hits, result.terms):  # (a pasted paragraph: few papers hold half its words)
        good = [(h, c) for h, c in covered if _by_words(h) >= RELATIVE_SCORE * top]
    good = sorted(good, key=lambda pair: (not pair[0].paper.date, pair[0].paper.date))[:k] if oldest else good[:k]
    if not result.terms:  # filters alone ("anything from 2017?", "latest papers"): the papers that pass, newest first
        good = [(h, 1.0) for h in result.hits[:max(k, LISTED)]]
        said = result.parsed.describe(("authors", "years", "categories", "has_code"))
        order = "oldest" if oldest else "newest"
        answer.notes += [f"The library's papers ({said}), {order} first:" if said else f"The library's {order} papers:"
                         ] if good else []
        if not good and said:  # ("papers from 2030": say which filter found nothing, not "try other words")
            answer.unmatched = _none_is(said)
            return answer
    if result.parsed.has_code and result.terms and good:  # (none good: the nearest, under their own header)
        answer.notes += _code_note(db, index, question, good, result.terms)
    if not good:
        answer.nearest = result.hits[:k]
        return answer
    for (hit, share), text in zip(good, best_passages([h for h, _ in good], result.terms, result.idf)):
        answer.passages.append(Passage(hit.paper, text, hit.score, share))
    return answer


def _none_is(said: str) -> str:
    """`No paper in the library is from 2030.`: what a question of filters alone found nothing for."""
    bits = [re.sub(r"^since (\d{4})$", r"from \1 on", re.sub(r"^up to (\d{4})$", r"from \1 or before",
                   re.sub(r"^(\d{4}(?:–\d{4})?)$", r"from \1", re.sub(r"^category ", "in category ", bit))))
            for bit in said.split(", ")]
    if len(bits) == 1 and bits[0].startswith(("from ", "in category ", "by ")):
        return f"No paper in the library is {bits[0]}."
    return f"No paper in the library matches all of: {', '.join(bits)}."


def _by_words(hit: Hit) -> float:
    """A hit's score by words alone (its BM25 score, fused or not): what the gates were measured on."""
    return hit.lexical if hit.lexical is not None else hit.score


def _clear_head(hits: list[Hit], terms: list[str]) -> bool:
    """Whether a long question's best papers are clearly better than the rest by words (see HEAD)."""
    words = sorted((_by_words(h) for h in hits), reverse=True)
    return len(set(terms)) >= LONG_QUESTION and len(words) >= HEAD_OF and words[0] >= HEAD * words[HEAD_OF - 1]


def _code_note(db: sqlite_utils.Database, index: Snapshot, question: str, shown: list[tuple[Hit, float]],
               terms: list[str]) -> list[str]:
    """When the best paper on the topic has no code, the papers with code are not the best answer: say so (and
    when they hold fewer of the question's words, that they are only the nearest)."""
    best = search(db, index, question, k=1, question=True, without=("has_code",)).hits
    if not best or best[0].paper.has_code or best[0].paper.id in {h.paper.id for h, _ in shown}:
        return []
    if max(c for _, c in shown) < coverage(best[0].paper, terms):
        return [f"The best match, {best[0].paper.display_title}, has no code listed, and no paper with code "
                "holds all the question's words; the nearest with code:"]
    return [f"The best match, {best[0].paper.display_title}, has no code listed; the best with code:"]


