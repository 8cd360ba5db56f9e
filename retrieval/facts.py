"""Questions about the library's facts, answered exactly from the store and index, with the papers that show it:
how many (papers, by an author, with code, per year, per category, at a venue), an author's profile figures,
what an author published (by year, newest first), who wrote a paper, when it was published, its arXiv id and
links, its code, its venue, the papers at a venue, and named papers side by side.

`fact(db, index, question)` recognises the question (`_KINDS`: patterns tried in order) and the paper or author
it names (`find_named`, `find_person`), and answers; None when it is not a fact question. A fact the library
does not hold is a Fact with `established` False, saying what could not be established; the caller then adds
the passage answer. Numbers are counted, never guessed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
import tantivy

from retrieval.analysis import analyze, author_keys, author_query_keys, clean, question_terms
from retrieval.index import Snapshot
from retrieval.names import MIN_KEY, name_key, spans, venue_of, venues_in
from retrieval.query import ParsedQuery, parse_query
from retrieval.search import _filters, papers_by, search
from store import db as store
from store.errors import PaperNotFound
from store.paper import doi_in, id_in

SHOWN = 10  # supporting papers listed with a fact (the count says how many there are)
MAX_NAMED = 5  # papers compared side by side
MAX_PART_WORDS = 8  # a paper's name in a question is at most this long ("the paper on few-shot GAN training")
TITLE_COVERAGE = 0.6  # a search hit is the paper a phrase names when its title holds this share of the words


@dataclass
class Fact:
    """One established (or missing) fact, in a sentence, with the papers that support it."""

    kind: str
    statement: str  # plain text; the front end escapes it
    papers: list[dict[str, Any]] = field(default_factory=list)  # the first SHOWN supporting papers
    total: int | None = None  # how many papers support it, when there are more than shown
    established: bool = True  # False: the library does not hold it (`statement` says what is missing)
    side_by_side: bool = False  # papers compared: each with its authors, year, venue, code and a line


# ---------------------------------------------------------------------------------------------- who and what


def find_person(db: sqlite_utils.Database, index: Snapshot, name: str) -> dict[str, Any]:
    """The author `name` means, written any way (`Salton, G.` for `Gerard Salton`): their name as stored and
    profile, or `candidates` when several people fit. Raises PaperNotFound when none does."""
    try:
        return store.find_author(db, name, papers=False)
    except PaperNotFound:
        pass
    ids, _ = papers_by(index, name, limit=200)
    wanted = set(author_query_keys(name))
    names = sorted({a for p in store.get_papers(db, ids) for a in p["authors"] if wanted & set(author_keys(a))})
    if not names:
        raise PaperNotFound(f"no author called {name!r}; try part of the name, e.g. a surname")
    if len(names) > 1:
        return {"name": None, "candidates": names, "papers": [], "profile": None}
    return store.find_author(db, names[0], papers=False)


_PAPER_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:paper|article|preprint|work|model|method|approach|one)s?\s+)?(?:(?:called|named|titled|on|about)\s+)?",
    re.I,
)
_TRAILING = re.compile(r"\s+(?:paper|article|preprint|model|method)$", re.I)


def find_named(db: sqlite_utils.Database, index: Snapshot, phrase: str) -> list[dict[str, Any]]:
    """The paper(s) `phrase` names: an arXiv id or URL, a DOI, a name it goes by (`SANA 1.5`, `PixArt-alpha`,
    `fastgan`: `retrieval.names`, tried on the longest runs of words first), else the best title match if its
    title holds most of the words. Empty when the library has none."""
    phrase = _TRAILING.sub("", _PAPER_WORDS.sub("", phrase.strip(" \"'“”‘’`.,;:!?"))).strip(" \"'“”‘’`")
    if not phrase:
        return []
    for ref in filter(None, [id_in(phrase)]):
        try:
            return [store.get_paper(db, ref)]
        except PaperNotFound:
            pass
    if doi := doi_in(phrase):
        row = db.conn.execute("SELECT id FROM papers WHERE doi = ? COLLATE NOCASE", [doi]).fetchone()
        if row:
            return store.get_papers(db, [row[0]])
    words = phrase.split()
    searcher = index.searcher()
    for start, end in spans(words):
        key = name_key(" ".join(words[start:end]))
        if len(key) < MIN_KEY or (end - start == 1 and not _name_like(index, words[start])):
            continue
        found = searcher.search(tantivy.Query.term_query(index.schema, "name_key", key), MAX_NAMED, count=False)
        if found.hits:
            return store.get_papers(db, [searcher.doc(a).get_first("id") for _, a in found.hits])
    terms = set(question_terms(phrase))
    if not terms:
        return []
    hits = search(db, index, f"{phrase}", k=1).hits
    if hits and len(terms & set(analyze(hits[0].paper["display_title"]))) >= TITLE_COVERAGE * len(terms):
        return [hits[0].paper]
    return []


def _name_like(index: Snapshot, word: str) -> bool:
    """Whether one word may be a paper's name: written with a capital or digit inside (`TIME`, `GrowCLIP`), or a
    word the papers do not use (`fastgan`); "time" or "can" in lower case are words."""
    if any(c.isupper() or c.isdigit() for c in word):
        return True
    terms = analyze(word)
    rare = max(2, index.searcher().num_docs // 1000)  # (a name the papers use, in a repository's URL or so)
    return bool(terms) and all(index.doc_freq("text", t) <= rare for t in terms)


# --------------------------------------------------------------------------------------------------- counting


def _count(index: Snapshot, parsed: ParsedQuery, words: list[str]) -> tuple[int, list[str]]:
    """How many papers meet `parsed`'s filters and hold every one of `words`, and the ids of the newest SHOWN."""
    clauses = [(tantivy.Occur.Must, q) for q in _filters(index, parsed)]
    clauses += [(tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "text", w)) for w in words]
    clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "kind", "paper")))
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.boolean_query(clauses), SHOWN, count=True, order_by_field="date")
    return found.count or 0, [searcher.doc(a).get_first("id") for _, a in found.hits]


def _which(parsed: ParsedQuery, person: str | None, words: list[str], venue: str | None = None) -> str:
    """`by Jinwen Ma, from 2024, with code, in CV, mentioning diffusion`: what was counted, in words."""
    parts = [f"by {person}"] if person else []
    if venue:
        parts.append(f"at {venue}")
    if parsed.year_from is not None or parsed.year_to is not None:
        low, high = parsed.year_from, parsed.year_to
        parts.append(f"from {low}" if low == high else f"from {low} to {high}" if low and high
                     else f"since {low}" if low else f"up to {high}")
    if parsed.categories:
        parts.append("in " + " or ".join(c.upper() if c != "unknown" else "no category" for c in parsed.categories))
    if parsed.has_code:
        parts.append("with code")
    if words:
        parts.append("mentioning " + " and ".join(words))
    return (" " + " ".join(parts)) if parts else ""


def _as_said(text: str, terms: list[str]) -> list[str]:
    """The words of `text` that `terms` were analysed from, as written ("diffusion", not "diffus")."""
    said = {}
    for word in re.findall(r"[\w'-]+", text):
        for term in analyze(word):
            said.setdefault(term, word)
    return [said.get(t, t) for t in terms]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------------------------- the questions

# A person's name: one to six words (commas too: `Salton, G.`), never the rest of a long question.
_NAME = r"(?P<name>(?:[^\s?;]+\s+){0,5}?[^\s?;]+)"
_WHAT = r"^(?:(?:what|which)(?:'s| is| are| was)?\s+)?(?:the\s+)?"
_PAPER = r"(?P<paper>.+?)"
_FRAME = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|also|hey|hi|well|then|now)[\s,]+)*"
    r"(?:(?:please|pls)\s+)?(?:(?:can|could|would) you\s+)?(?:(?:tell|show|give) me\s+)?(?:do you know\s+)?"
    r"(?:i (?:want|would like|need) to know\s+)?",
    re.I,
)
_POSSESSIVE = re.compile(r"(?:'s|’s|s'|’)$")


def _clean_name(name: str) -> str:
    name = re.sub(r"^(?:the\s+)?(?:author|researcher|professor|prof\.?|dr\.?)\s+", "", name.strip(), flags=re.I)
    return _POSSESSIVE.sub("", name.strip(" \"'“”")).strip()


def fact(db: sqlite_utils.Database, index: Snapshot, question: str,
         *, context_papers: list[dict[str, Any]] = ()) -> Fact | None:  # type: ignore[assignment]
    """The fact `question` asks for, or None when it asks for none (see the module's docstring).
    `context_papers`: the papers of the answer before it in a thread, which "it" and "this paper" refer to."""
    text = _FRAME.sub("", clean(question).strip()).strip().rstrip("?.! ")
    for pattern, answer in _KINDS:
        match = pattern.search(text)
        if match:
            try:
                found = answer(_Ask(db, index, text, match, list(context_papers)))
            except _Unclear as e:
                return Fact("paper", str(e), established=False)
            if found is not None:
                return found
    return None


class _Unclear(Exception):
    """The question refers to a paper ("it") that nothing before it names."""


@dataclass
class _Ask:
    db: sqlite_utils.Database
    index: Snapshot
    text: str
    match: re.Match[str]
    context: list[dict[str, Any]]

    def group(self, name: str) -> str:
        return (self.match.groupdict().get(name) or "").strip()

    def papers(self, phrase: str) -> list[dict[str, Any]]:
        """The papers a phrase names; "it", "this paper", "them" are the thread's last answer's."""
        if re.fullmatch(r"(?:it|this|that|they|them|these|those|this one|that one|the first one|the (?:first )?"
                        r"(?:paper|article|one)|this (?:paper|article|work)|that (?:paper|article|work)|its?)",
                        phrase.strip().lower()):
            if not self.context:
                raise _Unclear("Which paper do you mean? Ask with its title or its name (e.g. SANA 1.5).")
            return self.context[:1] if phrase.strip().lower() not in ("they", "them", "these", "those") else self.context
        return find_named(self.db, self.index, phrase)

    def person(self, name: str) -> dict[str, Any] | Fact:
        """The author `name` means, or a Fact saying the library has none (or several)."""
        name = _clean_name(name)
        try:
            found = find_person(self.db, self.index, name)
        except PaperNotFound:
            return Fact("author", f"No author called {name} in the library.", established=False)
        if found["name"] is None:
            return Fact("author", f"Several authors fit {name}: {', '.join(found['candidates'][:10])}. Which one?",
                        established=False)
        return found


def _no_paper(phrase: str) -> Fact:
    return Fact("paper", f"No paper in the library is called {phrase.strip()}.", established=False)


def _names_a_paper(index: Snapshot, phrase: str) -> bool:
    """Whether a phrase that matched no paper was meant as a paper's name (`fastgan`, `the SANA paper`), not as a
    topic (`pressure data on swept cylinders`): then the answer says no paper has that name."""
    words = phrase.split()
    if len(words) == 1:
        return _name_like(index, words[0])  # (`fastgan`: a word the papers do not use)
    return len(words) <= MAX_PART_WORDS and any(c.isupper() or c.isdigit() for w in words for c in w)


def _one_paper(ask: _Ask, kind: str, line: Callable[[dict[str, Any]], str]) -> Fact | None:
    """A fact about the paper(s) a question names, one sentence each."""
    phrase = ask.group("paper")
    found = ask.papers(phrase)
    if not found:
        return _no_paper(phrase) if _names_a_paper(ask.index, phrase) else None
    return Fact(kind, " ".join(line(p) for p in found[:3]), papers=found[:3])


def _title(paper: dict[str, Any]) -> str:
    return paper["display_title"]


def _authors_line(paper: dict[str, Any]) -> str:
    names = paper["authors"]
    if not names:
        return f"The listing of {_title(paper)} names no authors."
    more = " et al. (the listing cuts the list short)" if paper["authors_truncated"] else ""
    return f"{_title(paper)} is by {', '.join(names)}{more}."


def _date_line(paper: dict[str, Any]) -> str:
    if paper["date"]:
        updated = f", updated {paper['updated']}" if paper.get("updated") and paper["updated"] != paper["date"] else ""
        return f"{_title(paper)} was published on {paper['date']}{updated}."
    if paper["year"]:
        return f"{_title(paper)} was published in {paper['year']}."
    return f"The listing of {_title(paper)} gives no date."


def _id_line(paper: dict[str, Any]) -> str:
    if paper["arxiv_id"]:
        return f"The arXiv id of {_title(paper)} is {paper['arxiv_id']}."
    return f"The listing of {_title(paper)} gives no arXiv id (its id here is {paper['id']})."


def _links_line(paper: dict[str, Any]) -> str:
    links = [name for name, url in (("its arXiv page", paper["arxiv_id"] and paper["url"]), ("a PDF", paper["pdf_url"]),
                                    ("its code", paper["code_url"])) if url]
    if not links and paper["url"]:
        links = ["a search for its title"]
    return f"{_title(paper)}: " + (" and ".join(links) + ", linked below" if links else "no links in the listing") + "."


def _code_line(paper: dict[str, Any]) -> str:
    if paper["code_url"]:
        return f"Yes: {_title(paper)} has released code (linked below)."
    if paper["has_code"]:
        return f"Yes: the listing says {_title(paper)} has released code, but gives no link."
    return f"No code is listed for {_title(paper)}."


def _venue_line(paper: dict[str, Any]) -> str:
    venue = venue_of(paper)
    if venue:
        said = f" (the listing says: {paper['comment']})" if paper.get("comment") and not paper.get("journal_ref") else ""
        return f"{_title(paper)} appeared at {venue}{said}."
    return f"The listing of {_title(paper)} names no venue (no journal reference, and no venue in its comment)."


def _profile_figure(figure: str, label: str) -> Callable[[_Ask], Fact]:
    def answer(ask: _Ask) -> Fact:
        found = ask.person(ask.group("name"))
        if isinstance(found, Fact):
            return found
        name, profile = found["name"], found["profile"]
        ids, total = papers_by(ask.index, name, limit=SHOWN)
        papers = store.get_papers(ask.db, ids)
        value = (profile or {}).get(figure)
        if value is None:
            why = "no profile of theirs is loaded" if profile is None else "their profile does not give it"
            return Fact("profile", f"No {label} is known for {name}: {why} ({_plural(total, 'paper')} by {name} in the "
                        "library).", established=False)
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        return Fact("profile", f"{name}'s {label} is {shown}, as their profile page ({profile['source']}) gives it.",
                    papers=papers, total=total)

    return answer


def _affiliation(ask: _Ask) -> Fact:
    found = ask.person(ask.group("name"))
    if isinstance(found, Fact):
        return found
    name = found["name"]
    ids, total = papers_by(ask.index, name, limit=200)
    papers = store.get_papers(ask.db, ids)
    places = sorted({p["affiliation"] for p in papers if p.get("affiliation")})
    if not places:
        return Fact("profile", f"No affiliation is known for {name}: none of their {_plural(total, 'paper')} in the "
                    "library gives one.", established=False)
    return Fact("profile", f"{name}'s papers give the affiliation {', '.join(places)}.",
                papers=[p for p in papers if p.get("affiliation")][:SHOWN])


def _count_question(ask: _Ask) -> Fact:
    rest = f"{ask.group('qualifier')} {ask.group('rest')}"
    venue, venue_query = _venue_in(ask.index, rest)
    if venue:
        rest = _VENUE_WORDS.sub(" ", _VENUE_FRAME.sub(" ", rest))
    person = None
    for pattern in _COUNT_AUTHOR:
        match = pattern.search(rest)
        if match:
            found = ask.person(match.group("name"))
            if isinstance(found, Fact):
                return found
            person = found
            rest = rest[: match.start()] + " " + rest[match.end():]
            break
    has_code = bool(_HAVE_CODE.search(rest))
    categories, rest = _categories_in(ask.index, _HAVE_CODE.sub(" ", rest))
    # ("papers" first: "how many papers from 2019" counts 2019's, as "papers from 2019" lists them)
    parsed = parse_query("papers " + rest, question=True)
    parsed = dataclasses.replace(parsed, authors=[person["name"]] if person else [], inferred_authors=[],
                                 categories=categories or parsed.categories, has_code=parsed.has_code or has_code)
    words = [t for t in question_terms(_COUNT_FRAME.sub(" ", parsed.text), all_if_none=False)
             if t not in _frame_terms()]
    if venue_query is not None:
        total, ids = _venue_count(ask.index, venue_query, parsed, words)
    else:
        total, ids = _count(ask.index, parsed, words)
    which = _which(parsed, person["name"] if person else None, _as_said(parsed.text, words), venue)
    statement = f"The library holds {_plural(total, 'paper')}{which}."
    profile = (person or {}).get("profile") or {}
    if person and which == f" by {person['name']}" and profile.get("paper_count") is not None:
        statement += f" Their profile page counts {profile['paper_count']:,}."
    return Fact("count", statement, papers=store.get_papers(ask.db, ids), total=total)


def _authors_count(ask: _Ask) -> Fact:
    total = ask.db.conn.execute("SELECT COUNT(DISTINCT name) FROM paper_authors").fetchone()[0]
    profiles = ask.db.conn.execute("SELECT COUNT(*) FROM authors").fetchone()[0]
    return Fact("count", f"The library's papers name {_plural(total, 'author')} ({profiles:,} with a profile page).")


def _author_papers(ask: _Ask) -> Fact:
    found = ask.person(ask.group("name"))
    if isinstance(found, Fact):
        return found
    parsed = parse_query(ask.group("rest"), question=True)
    if [t for t in question_terms(parsed.text, all_if_none=False) if t not in _frame_terms()]:
        return None  # ("papers by Jinwen Ma on geometry": a topic, which the passage answer ranks)
    parsed = dataclasses.replace(parsed, authors=[found["name"]], inferred_authors=[])
    total, ids = _count(ask.index, parsed, [])
    which = _which(parsed, found["name"], [])
    return Fact("author-papers", f"The library holds {_plural(total, 'paper')}{which}, newest first:",
                papers=store.get_papers(ask.db, ids), total=total)


def _compare(ask: _Ask) -> Fact | None:
    """Named papers side by side. Each part must be short enough to be a name (a long question that says
    "compared with experiment" is about a topic), and two of them must name papers."""
    parts = [p.strip() for p in re.split(r"\s*(?:,|\band\b|\bvs\.?|\bversus\b|\bwith\b|\bto\b|&)\s*",
                                         ask.group("papers")) if p.strip()]
    if not 2 <= len(parts) <= MAX_NAMED or any(len(p.split()) > MAX_PART_WORDS for p in parts):
        return None
    found: list[dict[str, Any]] = []
    missing = []
    for part in parts:
        named = ask.papers(part)
        if named:
            found += [p for p in named[:1] if p["id"] not in {f["id"] for f in found}]
        elif _names_a_paper(ask.index, part):
            missing.append(part)
    if len(found) < 2:
        if not missing or not ask.group("asked"):
            return None
        return Fact("compare", f"No paper in the library is called {' or '.join(missing)}.", papers=found,
                    established=False, side_by_side=True)
    statement = f"{len(found)} papers side by side" + (f" (none is called {', '.join(missing)})" if missing else "") + ":"
    return Fact("compare", statement, papers=found, side_by_side=True)


def _venue_in(index: Snapshot, text: str) -> tuple[str | None, tantivy.Query | None]:
    """A venue the text names (`ICML 2023`) as words and as the query for papers at it."""
    found = venues_in(text)
    if not found:
        return None, None
    name, year = found[0]
    key = name.lower()
    if year is None:
        query = tantivy.Query.term_query(index.schema, "venue", key)
        return name, query
    written = tantivy.Query.term_query(index.schema, "venue", f"{key}@{year}")
    unwritten = tantivy.Query.boolean_query([
        (tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "venue", f"{key}@")),
        (tantivy.Occur.Must, tantivy.Query.range_query(index.schema, "year", tantivy.FieldType.Integer, year, year)),
    ])
    return f"{name} {year}", tantivy.Query.boolean_query([(tantivy.Occur.Should, written), (tantivy.Occur.Should, unwritten)])


def _venue_count(index: Snapshot, venue: tantivy.Query, parsed: ParsedQuery, words: list[str]) -> tuple[int, list[str]]:
    parsed = dataclasses.replace(parsed, year_from=None, year_to=None)  # (the venue's year says it)
    clauses = [(tantivy.Occur.Must, venue)] + [(tantivy.Occur.Must, q) for q in _filters(index, parsed)]
    clauses += [(tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "text", w)) for w in words]
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.boolean_query(clauses), SHOWN, count=True, order_by_field="date")
    return found.count or 0, [searcher.doc(a).get_first("id") for _, a in found.hits]


def _venue_papers(ask: _Ask) -> Fact | None:
    venue, query = _venue_in(ask.index, ask.text)
    if query is None:
        return None
    rest = _VENUE_WORDS.sub(" ", _VENUE_FRAME.sub(" ", ask.text))
    parsed = parse_query(rest, question=True)
    words = [t for t in question_terms(parsed.text, all_if_none=False) if t not in _frame_terms()]
    total, ids = _venue_count(ask.index, query, parsed, words)
    if not total:
        return Fact("venue-papers", f"No paper in the library names {venue} in its comment or journal reference"
                    f"{_which(parsed, None, words)}.", established=False)
    return Fact("venue-papers", f"The library holds {_plural(total, 'paper')} at {venue}{_which(parsed, None, words)}"
                " (as their comments or journal references say):", papers=store.get_papers(ask.db, ids), total=total)


_CATEGORY = re.compile(r"\b(?:in\s+)?(?:the\s+)?(?:category\s+)?([a-z]{2,8}\.[A-Za-z]{2}|[A-Z]{2,4})\b")


def _categories_in(index: Snapshot, text: str) -> tuple[list[str], str]:
    """Category codes a count question names (`CV papers`, `in cs.LG`) that the library files papers under (a
    feed's `LG` for `cs.LG` too), and the text without them."""
    found = []

    def take(match: re.Match[str]) -> str:
        term = match.group(1).lower()
        for candidate in (term, term.rsplit(".", 1)[-1]):
            if index.doc_freq("category", candidate):
                found.append(candidate)
                return " "
        return match.group(0)

    return found, _CATEGORY.sub(take, text)


_FRAME_WORDS = ["are", "is", "was", "were", "there", "in", "the", "library", "have", "has", "had", "do", "does", "did", "published", "publish", "written", "write", "wrote", "released", "total", "altogether", "overall", "so", "far", "of", "you", "your", "hold", "holds", "contain", "contains", "collection", "database", "loaded", "any", "all", "mention", "mentions", "mentioning", "discuss", "discusses", "cover", "covers", "use", "uses", "using", "on", "about", "category", "categories", "field"]


def _frame_terms() -> set[str]:
    return {t for w in _FRAME_WORDS for t in analyze(w)}


_HAVE_CODE = re.compile(r"\b(?:have|has|had|with|having|come with|came with|release|released|provide|share)\s+"
                        r"(?:their |its |any |the )?(?:public |open[\s-]source |source |released )?code\b", re.I)
_COUNT_FRAME = re.compile(r"\b(?:are there|do you have|does the library (?:have|hold|contain)|in (?:the|your) "
                          r"(?:library|collection|database)|in total|altogether|so far)\b", re.I)
_COUNT_AUTHOR = [
    re.compile(r"\b(?:has|have|did|does)\s+" + _NAME + r"\s+(?:published|written|authored|co-?authored|publish|write|"
               r"author|put out|got|have)\b", re.I),
    re.compile(r"\b(?:by|from|of)\s+(?P<name>[A-Z][\w.'’-]*(?:\s+(?:van|von|de|der|da|di|le|la|[A-Z][\w.'’-]*)){0,4})"),
    re.compile(r"^\s*(?:is|are)\s+" + _NAME + r"\s+(?:an?\s+)?(?:author|co-?author)", re.I),
]
_VENUE_FRAME = re.compile(r"\b(?:which|what)\s+(?:papers?|articles?|works?)\b|\b(?:were|was|are|is|got|get|been|"
                          r"accepted|published|presented|appeared|appear|to appear)\b", re.I)
_VENUE_WORDS = re.compile(r"\b(?:at|to|by|in|for|from)?\s*(?:the\s+)?(?:" + "|".join(
    sorted({re.escape(v) for v in ["NeurIPS", "NIPS", "ICML", "ICLR", "AAAI", "IJCAI", "AISTATS", "UAI", "COLT", "CoRL", "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "ACCV", "3DV", "ACL", "EMNLP", "NAACL", "COLING", "EACL", "AACL", "CoNLL", "TACL", "SIGIR", "KDD", "WWW", "WSDM", "CIKM", "RecSys", "ICDM", "ECIR", "ICDE", "VLDB", "SIGMOD", "MICCAI", "ISBI", "ICASSP", "INTERSPEECH", "ICRA", "IROS", "SIGGRAPH", "TPAMI", "TNNLS", "TKDE", "IJCV", "JMLR", "TMLR", "TOIS", "TASLP", "PNAS"]}, key=len, reverse=True))
    + r")(?:[\s'’-]*(?:(?:19|20)\d\d|'?\d\d)(?!\d))?\b", re.I)

_PUBLISH = r"(?:published|released|out|come out|came out|submitted|posted|appear|appeared|written|announced|put out)"
_WHO = r"(?:wrote|authored|created|made|developed|proposed|introduced|is behind|are behind)"

_KINDS: list[tuple[re.Pattern[str], Callable[[_Ask], Fact | None]]] = [
    (re.compile(r"^(?P<asked>compare|comparing|contrast|comparison (?:of|between))\s+(?P<papers>.+)$", re.I), _compare),
    (re.compile(r"^(?P<asked>(?:what(?:'s| is| are)? (?:the )?)?differences? between)\s+(?P<papers>.+)$", re.I), _compare),
    (re.compile(r"^(?:how does\s+)?(?P<papers>.+?\s+(?:vs\.?|versus|compared? (?:to|with))\s+.+)$", re.I), _compare),
    (re.compile(_WHAT + r"h[\s-]?index\s+(?:of|for)\s+" + _NAME + "$", re.I), _profile_figure("h_index", "h-index")),
    (re.compile(r"^(?:what(?:'s| is)\s+)?" + _NAME + r"(?:'s|’s|s')?\s+h[\s-]?index", re.I), _profile_figure("h_index", "h-index")),
    (re.compile(r"^how many (?:citations|cites|times)\s+(?:does|has|did|have)\s+" + _NAME +
                r"\s+(?:have|got|get|received|receive|been cited)", re.I), _profile_figure("citations", "citation count")),
    (re.compile(_WHAT + r"(?:number of )?citations?(?: count)?\s+(?:of|for)\s+" + _NAME + "$", re.I),
     _profile_figure("citations", "citation count")),
    (re.compile(r"^(?:what(?:'s| is| are)\s+)?" + _NAME + r"(?:'s|’s|s')\s+(?:citations?|citation count)", re.I),
     _profile_figure("citations", "citation count")),
    (re.compile(r"^where (?:does|did|do) " + _NAME + r" (?:work|study|research)", re.I), _affiliation),
    (re.compile(_WHAT + r"affiliations?\s+(?:of|for)\s+" + _NAME + "$", re.I), _affiliation),
    (re.compile(r"^(?:what(?:'s| is)\s+)?" + _NAME + r"(?:'s|’s|s')\s+affiliations?", re.I), _affiliation),
    (re.compile(r"^how many (?:authors|researchers|people)\b", re.I), _authors_count),
    (re.compile(r"^how many\s+(?P<qualifier>[A-Za-z.]+\s+)?(?:papers|articles|works|publications|preprints)\b(?P<rest>.*)$",
                re.I), _count_question),
    (re.compile(r"^(?:what is |what's )?(?:the )?(?:number|count) of (?:papers|articles)\b(?P<rest>.*)$", re.I),
     _count_question),
    (re.compile(r"^who\s+(?:" + _WHO + r"|are the authors of|is the author of|were the authors of)\s+" + _PAPER + "$",
                re.I), lambda a: _one_paper(a, "authors", _authors_line)),
    (re.compile(r"^(?:who are |what are )?(?:the )?authors? (?:of|for|behind)\s+" + _PAPER + "$", re.I),
     lambda a: _one_paper(a, "authors", _authors_line)),
    (re.compile(r"^when (?:was|were|did|is)\s+" + _PAPER + r"\s+" + _PUBLISH + "$", re.I),
     lambda a: _one_paper(a, "date", _date_line)),
    (re.compile(r"^(?:in )?what year (?:was|were|did|is)\s+" + _PAPER + r"(?:\s+" + _PUBLISH + ")?$", re.I),
     lambda a: _one_paper(a, "date", _date_line)),
    (re.compile(r"^(?:what(?:'s| is) )?(?:the )?(?:publication |release )?date of\s+" + _PAPER + "$", re.I),
     lambda a: _one_paper(a, "date", _date_line)),
    (re.compile(r"arxiv (?:id|number|identifier|link)s?\s+(?:of|for)\s+" + _PAPER + "$", re.I),
     lambda a: _one_paper(a, "id", _id_line)),
    (re.compile(r"^(?:what(?:'s| is)\s+)?" + _PAPER + r"(?:'s|’s)\s+arxiv (?:id|number)", re.I),
     lambda a: _one_paper(a, "id", _id_line)),
    (re.compile(r"^(?:(?:is there|where(?:'s| is| can i find)) )?(?:the |an? |any )?(?:source )?(?:code|implementation|"
                r"repo|repository|github)\s+(?:for|of)\s+" + _PAPER + "$", re.I), lambda a: _one_paper(a, "code", _code_line)),
    (re.compile(r"^(?:does|did|has)\s+" + _PAPER + r"\s+(?:have|has|release|released|provide|come with|got|share)\s+"
                r"(?:any |its |the |an? )?(?:public |open[\s-]source |source )?(?:code|implementation|repo|repository)", re.I),
     lambda a: _one_paper(a, "code", _code_line)),
    (re.compile(r"^(?:(?:the |a )?(?:links?|urls?|pdfs?)|where can i (?:find|read|get|download))\s+(?:to |for |of )?" + _PAPER + "$", re.I),
     lambda a: _one_paper(a, "links", _links_line)),
    (re.compile(r"^(?:where|in which venue|at which (?:conference|venue)|which (?:venue|conference|journal)|what "
                r"(?:venue|conference|journal))\s+(?:was|is|did|were)\s+" + _PAPER +
                r"\s+(?:published|accepted|presented|appear|appeared|in|at)(?:\s+(?:in|at|to))?$", re.I),
     lambda a: _one_paper(a, "venue", _venue_line)),
    (re.compile(r"^(?:the )?venue (?:of|for)\s+" + _PAPER + "$", re.I), lambda a: _one_paper(a, "venue", _venue_line)),
    (re.compile(r"^what (?:did|has|have)\s+" + _NAME + r"\s+(?:publish|published|write|written|put out)\b(?P<rest>.*)$", re.I),
     _author_papers),
    (re.compile(r"^(?i:the |list )?(?i:latest|newest|most recent|recent|all)?\s*(?i:papers|publications|works|articles)\s+"
                r"(?i:by|from|of)\s+(?P<name>[A-Z][\w.'’-]*(?:\s+(?:van|von|de|der|da|di|[A-Z][\w.'’-]*)){1,4})(?P<rest>.*)$"),
     _author_papers),
    (re.compile(r"^(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3})(?:'s|’s|s')\s+(?i:latest |newest |recent |most "
                r"recent )?(?i:papers|publications|work)(?P<rest>.*)$"), _author_papers),
    (re.compile(r"\b(?:accepted|published|presented|appeared|papers?|articles?)\b", re.I), _venue_papers),
]
