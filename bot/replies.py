"""What the bot says, as data: pages of cards and text messages already inside Discord's limits.

Pure (no Discord import): the cogs turn a `Reply` into a message with embeds, the console chat prints it.
Both front ends call these same functions.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from papers_bot.bibtex import MAX_IDS, bibtex
from papers_bot.bot import commands
from papers_bot.errors import PaperNotFound, PapersBotError
from papers_bot.format import (
    DISCORD,
    Style,
    footer_text,
    format_answer,
    format_author,
    format_fact,
    format_load,
    format_stats,
    no_hits,
    paper_authors,
    paper_line,
    paper_links,
    paper_sources,
    paper_when,
    read_as_line,
    safe_url,
    search_notes,
)
from papers_bot.library import Library
from papers_bot.retrieval.answer import Context
from papers_bot.retrieval.query import parse_query
from papers_bot.retrieval.search import LEXICAL_WEIGHT, SearchResult
from papers_bot.store.paper import StoredPaper, id_in
from papers_bot.store.state import Digest, Follow, plain, version_of
from papers_bot.text import clip
from papers_bot.trends import format_trend, render_png
from papers_bot.why import LOOK_AT, rarity

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE = 2000
SOMETHING_WENT_WRONG = "Something went wrong on my side; it has been logged. Please try again later."
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_FIELDS = 25
EMBED_FOOTER = 2048
EMBEDS_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10

PER_PAGE = 5
SEARCH_RESULTS = 20


@dataclass
class Card:
    """One embed's worth: a linked title, a description, fields and a footer."""

    title: str
    url: str | None = None
    description: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    footer: str = ""
    paper_id: str | None = None  # the paper a result card shows (its vote buttons judge it), not shown itself

    def size(self) -> int:
        return len(self.title) + len(self.description) + len(self.footer) + sum(len(a) + len(b) for a, b in self.fields)


@dataclass
class Reply:
    """One message: text, and cards that become embeds."""

    content: str = ""
    cards: list[Card] = field(default_factory=list)
    follow_ups: bool = False  # an answer that found papers: a thread for follow-ups goes under it
    # The papers its text shows, in order, as (id, title): a question's answer, whose 👍/👎 buttons judge them.
    papers: list[tuple[str, str]] = field(default_factory=list)

    def text(self) -> str:
        """The reply as plain text, for the console."""
        parts = [self.content] if self.content else []
        for card in self.cards:
            lines = [card.title + (f" <{card.url}>" if card.url else "")]
            lines += [card.description] if card.description else []
            lines += [f"{name}: {value}" for name, value in card.fields]
            lines += [card.footer] if card.footer else []
            parts.append("\n".join(lines))
        return "\n\n".join(parts)


def pagify(text: str, limit: int = MESSAGE) -> list[str]:
    """Split text into messages of at most `limit` characters, at paragraph, then line, then word breaks."""
    pages: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:  # one long word: cut it, but never between a backslash and the character it escapes
            cut = limit - (limit - len(window.rstrip("\\"))) % 2
        pages.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip() or not pages:
        pages.append(text)
    return pages


def fit(cards: list[Card]) -> list[Card]:
    """Cards clipped to the embed limits, and no more of them than fit in one message's 6,000 characters."""
    fitted: list[Card] = []
    total = 0
    for card in cards[:EMBEDS_PER_MESSAGE]:
        card = Card(
            title=clip(card.title, EMBED_TITLE, markdown=True),
            url=card.url,
            description=clip(card.description, EMBED_DESCRIPTION, markdown=True),
            fields=[(clip(n, FIELD_NAME, markdown=True), clip(v, FIELD_VALUE, markdown=True))
                    for n, v in card.fields[:EMBED_FIELDS]],
            footer=clip(card.footer, EMBED_FOOTER, markdown=True),
            paper_id=card.paper_id,
        )
        room = EMBEDS_TOTAL - total
        while card.size() > room and card.fields:
            card.fields.pop()
        if card.size() > room:
            card.description = clip(card.description, max(room - card.size() + len(card.description), 0), markdown=True)
        if card.size() > room or not (card.description or card.fields):
            break
        fitted.append(card)
        total += card.size()
    return fitted


def search_pages(result: SearchResult, *, style: Style = DISCORD) -> list[Reply]:
    """`!papers QUERY`: the top papers (`Library.search(..., passages=True)`), PER_PAGE a page, each with its best
    passage, query words in bold."""
    query = result.query
    if not result.hits:
        return [Reply(no_hits(result, style))]
    filters = result.parsed.describe()
    heading = f"Papers for {style.bold(style.text(clip(query, 200)))}"
    heading += f" ({style.text(filters)})" if filters else ""
    heading = "\n".join([heading, *search_notes(result, style)])
    cards = [
        Card(
            title=f"{n}. {style.text(hit.paper.display_title)}",
            url=safe_url(hit.paper.url),
            description=f"{paper_line(hit.paper, style)}\n> {style.highlight(passage, result.terms)}",
            paper_id=hit.paper.id,
        )
        for n, (hit, passage) in enumerate(zip(result.hits, result.passages), 1)
    ]
    pages = [cards[i : i + PER_PAGE] for i in range(0, len(cards), PER_PAGE)]
    return [
        Reply(heading + (f" (page {n} of {len(pages)})" if len(pages) > 1 else ""), fit(page))
        for n, page in enumerate(pages, 1)
    ]


FACT_TITLES = {
    "count": "Counted in the library", "profile": "From the author's profile", "author-papers": "An author's papers",
    "authors": "Who wrote it", "date": "When it was published", "id": "Its arXiv id", "links": "Where to read it",
    "code": "Its code", "venue": "Where it appeared", "venue-papers": "Papers at a venue", "compare": "Side by side",
}


def answer_replies(library: Library, question: str, *, context: Context | None = None,
                   style: Style = DISCORD, prefix: str = "!") -> tuple[list[Reply], Context]:
    """A chat-style answer to a question, and the conversation's context after it (a thread's follow-ups refer
    to its papers: "who wrote it?"). A fact is one card: the fact first, then the papers that show it, linked;
    passages are messages of text."""
    context = context or Context()
    answer = library.ask(question, context=context)
    if answer.fact is not None and answer.fact.established:
        card = Card(title=FACT_TITLES.get(answer.fact.kind, "From the library"),
                    description=format_fact(answer.fact, style))
        return [Reply(read_as_line(answer, style), cards=fit([card]), follow_ups=True)], context.after(answer)
    found = [Reply(text) for text in pagify(format_answer(answer, style, prefix=prefix))]
    found[0].follow_ups = answer.found and not answer.help
    if answer.found and not answer.help:  # (the papers the passages quote; not a fact's, nor the help's)
        found[0].papers = [(p.paper.id, p.paper.display_title) for p in answer.passages]
    return found, context.after(answer)


def paper_reply(library: Library, paper_id: str, *, style: Style = DISCORD) -> Reply:
    """`!paper ID`: one paper in full."""
    paper = library.paper(paper_id)
    fields = [("Authors", paper_authors(paper, style)), ("Published", paper_when(paper))]
    if paper.category:
        fields.append(("Category", style.text(paper.category)))
    if paper.comment:
        fields.append(("Comment", style.text(paper.comment)))
    fields.append(("Links", " · ".join(paper_links(paper, style)) or "none"))
    fields.append(("Sources", paper_sources(paper, style)))
    untitled = "" if paper.title else " · untitled in the listing; named from its abstract"
    card = Card(
        title=style.text(paper.display_title),
        url=safe_url(paper.url),
        description=style.text(paper.abstract),
        fields=fields,
        footer=f"id {footer_text(paper.id)}{untitled}",
        paper_id=paper.id,
    )
    return Reply(cards=fit([card]))


def link_reply(library: Library, link: str, *, prefix: str = "!", style: Style = DISCORD) -> Reply:
    """An arXiv link posted in an answer channel: the paper's card, or that the library does not hold it."""
    try:
        return paper_reply(library, link, style=style)
    except PaperNotFound:
        said = id_in(link) or link
        return Reply(f"The library does not hold arXiv {style.code(clip(said, 60))}. `{prefix}papers <words>` "
                     "searches the papers it holds.")


def reads_as_request(library: Library, text: str) -> bool:
    return library.reads_as_request(text)


def papers_pages(library: Library, query: str) -> list[Reply]:
    """`!papers QUERY`, from the query: what its pages show (again, after a restart)."""
    return search_pages(library.search(query, k=SEARCH_RESULTS, passages=True))


def related_pages(library: Library, paper_id: str) -> list[Reply]:
    """`!related ID`: the papers like it (never itself), as `!papers related ID` shows them."""
    if not paper_id.strip():
        raise PapersBotError("Name a paper: `related <id>`, with an id shown with each result.")
    return search_pages(library.related(paper_id.strip(), k=SEARCH_RESULTS, passages=True))


def author_pages(library: Library, name: str, *, style: Style = DISCORD) -> list[Reply]:
    """`!author NAME`: the profile and papers, as pages of one message that Previous/Next turn (never a flood)."""
    texts = pagify(format_author(library.author(name), style), MESSAGE - 20)
    if len(texts) == 1:
        return [Reply(texts[0])]
    return [Reply(f"{text}\n(page {n} of {len(texts)})") for n, text in enumerate(texts, 1)]


def stats_reply(library: Library, *, style: Style = DISCORD) -> str:
    return clip(format_stats(library.stats(), style), MESSAGE, markdown=True)


def reload_messages(library: Library, folder: Path | None, attached: Sequence[tuple[str, bytes]] = (),
                    *, style: Style = DISCORD) -> list[str]:
    """`!reload`, in Discord and the console: the data folder and any attached files loaded, and what changed."""
    return pagify(format_load(library.reload(folder, attached=attached), style))


def help_text(prefix: str) -> str:
    return commands.help_text(prefix)


FOLLOWS_ARE_FOR_CHANNELS = ("Follows belong to a Discord channel: `!follow` a query in a server's channel, and the bot "
                            "posts the new papers that match it there after each harvest or load.")
MAX_FOLLOW_QUERY = 150  # characters: a follow is shown in every digest and in `!following`
MAX_LINK = 300  # characters of a link in a digest (arXiv's are under 50)


_AUTHOR_QUOTED = re.compile(r'^(?:author|by)\s+"([^"]+)"(.*)$', re.IGNORECASE)


def as_follow(text: str) -> str:
    """What `!follow` was given, as the query it follows (invisible characters taken out): `author "Jinwen Ma"`
    (or `author Jinwen Ma`) is `author:"Jinwen Ma"`, `author "Jinwen Ma" seismic` is `author:"Jinwen Ma" seismic`,
    and `author Jinwen Ma seismic` is `by Jinwen Ma seismic` (the name read as `!papers` reads it); anything else
    is a query as `!papers` reads it."""
    text = plain(text)
    quoted = _AUTHOR_QUOTED.match(text)
    words = text.split(" ", 1)
    if quoted and quoted[1].strip():
        text = f'author:"{quoted[1].strip()}"{quoted[2]}'
    elif len(words) == 2 and words[0].lower() in ("author", "by") and '"' not in words[1]:
        # (`by Jinwen Ma seismic`: a name, then a topic, as `!papers` reads it; the name alone, an author filter)
        name = parse_query(f"by {words[1]}").by
        text = f"by {words[1]}" if name and name != words[1] else f'author:"{words[1]}"'
    if len(text) > MAX_FOLLOW_QUERY:
        raise PapersBotError(f"a follow can be at most {MAX_FOLLOW_QUERY} characters; this one is {len(text)}")
    return text


def _as_code(query: str) -> str:
    """A query shown as inline code (what to type): nothing in it can end the code span."""
    return "`" + clip(query.replace("`", "'"), MAX_FOLLOW_QUERY) + "`"


def followed(follow: Follow, number: int, prefix: str, style: Style = DISCORD) -> str:
    return (f"Following {_as_code(follow.query)} in this channel (number {number}). After each harvest or load I "
            f"post the new papers that match it here, once each. `{prefix}following` lists this channel's follows, "
            f"`{prefix}unfollow {number}` stops this one.")


def unfollowed(follow: Follow, number: int) -> str:
    return f"Stopped following {_as_code(follow.query)} (it was number {number}) in this channel."


def following_texts(follows: Sequence[Follow], prefix: str, style: Style = DISCORD) -> list[str]:
    """`!following`: the channel's follows, numbered, in as many messages as they take (lines are never cut)."""
    if not follows:
        return [f"This channel follows nothing. `{prefix}follow <query>` posts the new papers that match a query "
                f"here, e.g. `{prefix}follow seismic segmentation` or `{prefix}follow author \"Jinwen Ma\"`."]
    lines = [f"This channel follows {len(follows)} {'query' if len(follows) == 1 else 'queries'}:"]
    lines += [f"{n}. {_as_code(f.query)} (since {f.added_at[:10]})" for n, f in enumerate(follows, 1)]
    lines.append(f"`{prefix}unfollow <n>` stops one.")
    return pagify("\n".join(lines))


def digest_line(paper: StoredPaper, revised: bool, style: Style = DISCORD) -> str:
    """One paper in a digest: its linked title, then who, when, where and its code (each part cut before it is
    escaped, and links over MAX_LINK left out, so a line is never longer than about 1,100 characters, whatever a
    listing holds)."""
    url = safe_url(paper.url)  # (a paper without an arXiv id links to a search for its title: a long title's
    title = style.bold(style.link(style.text(clip(paper.display_title, 150)),  # search is left unlinked)
                                  url if url and len(url) <= MAX_LINK else None))
    names = paper.authors[:3]
    authors = ", ".join(names) + (" et al." if len(paper.authors) > 3 or paper.authors_truncated else "")
    bits = [style.text(clip(authors, 120)) or "authors unknown", str(paper.year) if paper.year else "year unknown"]
    bits += [style.text(clip(paper.category, 30))] if paper.category else []
    code = safe_url(paper.code_url)
    bits += [style.link("code", code)] if code and len(code) <= MAX_LINK else []
    bits.append(style.code(clip(paper.id, 40)))
    return f"- {title}{' (new version)' if revised else ''}\n  " + " · ".join(bits)


def digest_messages(digest: Digest, prefix: str,
                    style: Style = DISCORD) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """A channel's digest as messages within Discord's 2,000 characters, each with the (id, version)s of the
    papers it shows: linked titles and authors under the follow each matched (why it is there), the rest counted
    with the search that lists them. Empty when it shows nothing."""
    if not digest.papers:
        return []
    lines: list[tuple[str, tuple[str, str | None] | None]] = [("**New papers** for what this channel follows:", None)]
    for group in digest.groups:
        count = len(group.papers) + group.more
        lines.append((f"\n{style.bold(f'{group.number}.')} {_as_code(group.follow.query)}: {count} new "
                      f"{'paper' if count == 1 else 'papers'}", None))
        lines += [(digest_line(paper, revised, style), (paper.id, version_of(paper)))
                  for paper, revised in group.papers]
        if group.more:
            lines.append((f"and {group.more} more: {_as_code(f'{prefix}papers {group.follow.query} sort:date')}", None))
    messages: list[tuple[str, list[tuple[str, str | None]]]] = []
    text, shown = "", list[tuple[str, str | None]]()
    for line, paper in lines:
        if text and len(text) + 1 + len(line) > MESSAGE:
            messages.append((text, shown))
            text, shown = "", []
        text = f"{text}\n{line}" if text else line.lstrip("\n")
        shown += [paper] if paper else []
    messages.append((text, shown))
    return messages


THREAD_NAME = 100  # characters in a thread's name (Discord's limit)
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(everyone|here)\b")


def thread_name(question: str) -> str:
    """The name of the thread on an answer: the question as plain words, without mentions (shown raw in a
    name), markdown marks, control or invisible characters, within Discord's 100 characters; never empty."""
    # (plain first: an invisible character inside `@everyone` would otherwise hide it from the mention rule)
    text = _MENTION.sub(lambda m: m.group(1) or " ", plain(question)).translate(str.maketrans("", "", "*_~`|>#"))
    return clip(" ".join(text.split()), THREAD_NAME) or "Question"


# The pages a command shows, by a letter its buttons' custom ids carry: after a restart they are made again.
PAGE_SOURCES = {"s": papers_pages, "r": related_pages, "a": author_pages}


def bib_ids(text: str) -> list[str]:
    """The ids a `bib` command names: separated by spaces or commas."""
    return [part for part in re.split(r"[\s,]+", text) if part]


@dataclass
class Bib:
    """A BibTeX export: the .bib text (empty when no id named a paper) and a note on the ids that named none."""

    text: str
    note: str = ""


def bib_export(library: Library, text: str) -> Bib:
    """The BibTeX of the papers `text` names (`!bib`, `/bib`, the console's `!bib`)."""
    ids = bib_ids(text)
    if not ids:
        raise PapersBotError("Name the papers to cite: `bib <id> [<id>...]`, with the ids shown with each result.")
    if len(ids) > MAX_IDS:
        raise PapersBotError(f"That is {len(ids)} papers; one export takes at most {MAX_IDS}.")
    papers, missing = library.papers(ids)
    note = ""
    if missing:
        said = ", ".join(DISCORD.code(clip(m, 60)) for m in missing[:10])
        note = f"No paper has the id {said}{' and more' if len(missing) > 10 else ''}: ids are shown with each result."
    return Bib(bibtex(papers) if papers else "", note)


BIB_FILE = "references.bib"
NO_ATTACH = "(I may not attach files in this channel, so the BibTeX comes as text: an admin can give me Attach Files.)"
MAX_BIB_MESSAGES = 5  # messages of BibTeX as text, where files cannot be attached; then ask for fewer


def _code_block(text: str) -> str:
    return "```bibtex\n" + text.replace("```", "``\u200b`") + "```"


def bib_reply(library: Library, paper_id: str) -> Reply:
    """One paper's BibTeX as one message (a button's answer): an entry too long for one (dozens of authors) is
    cut to fit, and says that `/bib` attaches it whole."""
    bib = bib_export(library, paper_id)
    [*texts], _ = bib_messages(bib, may_attach=False)
    if len(texts) == 1:
        return Reply(texts[0])
    note = "Cut to fit one message: `/bib` with this paper's id attaches the whole entry."
    return Reply(f"{note}\n{_code_block(clip(bib.text, MESSAGE - len(note) - len(_code_block('')) - 1))}")


def bib_messages(bib: Bib, *, may_attach: bool) -> tuple[list[str], bytes | None]:
    """How a BibTeX export is posted: in a code block when it fits one message; else as a .bib file (the messages
    then say what it holds), or, where files may not be attached, as code blocks that say why."""
    if not bib.text:
        return [bib.note], None
    single = "\n".join(filter(None, [bib.note, _code_block(bib.text)]))
    if len(single) <= MESSAGE:
        return [single], None
    count = bib.text.count("\n@") + 1
    if may_attach:
        return ["\n".join(filter(None, [f"BibTeX for {count} papers, attached.", bib.note]))], bib.text.encode()
    room = MESSAGE - len(_code_block(""))
    blocks, block = [], ""
    for entry in bib.text.split("\n\n"):
        entry = clip(entry.strip("\n"), room - 1) + "\n"  # (an entry of a thousand authors, cut to fit)
        if block and len(block) + len(entry) + 1 > room:
            blocks.append(block)
            block = ""
        block += ("\n" if block else "") + entry
    blocks.append(block)
    messages = ["\n".join(filter(None, [bib.note, NO_ATTACH])), *map(_code_block, blocks[:MAX_BIB_MESSAGES])]
    if left := sum(len(re.findall("^@", b, re.M)) for b in blocks[MAX_BIB_MESSAGES:]):
        messages.append(f"…and {left} more entries: ask for fewer papers at a time.")
    return messages, None


TREND_FILE = "trend.png"
NO_CHART = "(I may not attach files in this channel, so the chart is left out: an admin can give me Attach Files.)"


def trend_reply(library: Library, text: str, *, chart: bool = True) -> tuple[str, bytes | None]:
    """`!trend`'s message (the counts as a table, within one message) and, with `chart`, its PNG (rendered here,
    in the worker thread that calls this)."""
    topics = library.trend(text)
    head = "Papers per year matching " + " | ".join(f"**{DISCORD.text(t.query)}**" for t in topics)
    table = format_trend(topics).replace("```", "``\u200b`")
    room = MESSAGE - len(head) - len(NO_CHART) - 10
    if len(table) > room:  # (a century of years: the latest ones, and the totals)
        lines = table.split("\n")
        while len("\n".join(lines)) > room:
            del lines[1]
        table = "\n".join(lines)
    return f"{head}\n```\n{table}\n```", render_png(topics) if chart else None


def duration(seconds: float) -> str:
    """`3 d 4 h`, `2 h 5 min`, `42 s`: an uptime, to the two largest units."""
    seconds = max(0, int(seconds))
    units = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "min"),
             (seconds % 60, "s")]
    shown = [f"{n} {unit}" for n, unit in units if n]
    return " ".join(shown[:2]) or "0 s"


def about_text(library: Library, *, uptime: float | None = None) -> str:
    """`!about`: version, library size and freshness, and (in Discord) uptime."""
    found = library.freshness()
    lines = [f"**papers-bot** {version('papers-bot')}: answers questions about research papers.",
             f"Library: {found['papers']:,} papers; the newest is dated {found['newest'] or 'nothing'}.",
             f"Last harvest from arXiv: {found['last_harvest'] or 'never (papers come from loaded files)'}."]
    if uptime is not None:
        lines.append(f"Up for {duration(uptime)}.")
    return "\n".join(lines)


def ping_text(library: Library, *, latency: float | None = None) -> str:
    """`!ping`: the library answers (a search's reads), in how long; and the gateway's latency where known."""
    started = time.perf_counter()
    library.ping()
    took = (time.perf_counter() - started) * 1000
    known = latency is not None and math.isfinite(latency)  # (nan or inf before the first heartbeat)
    gateway = f" Gateway latency {latency * 1000:.0f} ms." if known and latency is not None else ""
    return f"Pong. The library answered in {took:.0f} ms.{gateway}"


def hello(prefix: str) -> str:
    """What a bare mention of the bot gets."""
    return (f"Hello! Ask me about the papers in my library: mention me with a question (which papers adapt SAM to "
            f"seismic data?), or search with `{prefix}papers diffusion models`. `{prefix}help` lists what I can do.")


def why_reply(library: Library, text: str) -> Reply:
    """`!why <id> <query>`: in one card, what matched where, how rare, the filters, and the score's parts."""
    paper_id, _, query = text.strip().partition(" ")
    if not query.strip():
        raise PapersBotError("Give a paper's id and a query: `why <id> <query>`, e.g. `why 2310.05873 diffusion`.")
    found = library.why(paper_id, query)
    place = (f"Result {found.rank} for this query, score {found.score:.2f}." if found.rank is not None
             else f"Not in the first {LOOK_AT} results for this query (score {found.score:.2f}).")
    lines = [place]
    for part in found.parts[:15]:
        rare = f", in {part.papers:,} of {found.library:,} papers ({rarity(part.papers, found.library)})"
        lines.append(f"• **{DISCORD.text(part.what)}** in the {part.field}: +{part.score:.2f}"
                     f"{rare if part.papers else ''}")
    if found.missing:
        lines.append("Not in it: " + ", ".join(
            f"**{DISCORD.text(w)}** (in {n:,} papers)" for w, n in found.missing[:10]))
    if found.filters:
        lines.append(f"Filters: {DISCORD.text(found.filters)}" + ("" if found.passes else " (it does not pass them)"))
    if found.relaxed:
        lines.append(f"Relaxed (no paper met them): {DISCORD.text(', '.join(found.relaxed))}")
    if found.semantic is not None:
        lines.append(f"By meaning: cosine {found.semantic:.2f} to the query (the score is {LEXICAL_WEIGHT:g} x words "
                     f"+ {1 - LEXICAL_WEIGHT:g} x meaning, each scaled over the candidates; by words: "
                     f"{found.lexical:.2f}).")
    lines.append("The word parts add up to the score by words `papers-bot search --json` gives; each is BM25 (k1 "
                 "1.2, b 0.75) times the field's weight.")
    card = Card(title=clip(f"Why {found.paper.display_title}", EMBED_TITLE), url=safe_url(found.paper.url),
                description="\n".join(lines), footer=f"{found.paper.id} · query: {clip(found.query, 200)}")
    return Reply(cards=fit([card]))


MAX_ABOUT = 300  # characters of a message searched for by "Find papers about this"


def paper_choices(library: Library, typed: str, *, most: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for a paper id: (what the choice shows, the id) of the papers whose titles best match what is
    typed; an id typed whole comes first."""
    typed = typed.strip()
    if not typed:
        return []
    found = [hit.paper for hit in library.search(typed, k=most).hits]
    with contextlib.suppress(PapersBotError):
        found.insert(0, library.paper(typed))
    papers = list({p.id: p for p in found}.values())[:most]
    # (a choice shows at most 100 characters, and its value is at most 100 too)
    return [(clip(f"{p.display_title} · {p.id}", 100), p.id) for p in papers if len(p.id) <= 100]


def bib_choices(library: Library, typed: str, *, most: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for `/bib`'s ids: the papers already named are kept, and what follows them is completed as
    `/paper`'s id is (title words); a choice's value is the whole option, at most 100 characters."""
    words = bib_ids(typed)
    named = 0
    for word in words:
        try:
            library.paper(word)
        except PapersBotError:
            break
        named += 1
    kept = " ".join(words[:named])
    found = paper_choices(library, " ".join(words[named:]), most=most)
    return [(name, value) for name, paper_id in found if len(value := f"{kept} {paper_id}".strip()) <= 100]
