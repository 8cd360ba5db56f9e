"""Answers -> text: search hits, chat answers, papers, authors, stats. Pure; no Discord import.

One layout, two styles: `DISCORD` (markdown, escaped, mention-safe) for the bot and the console chat that
shows what the bot would post, `PLAIN` for a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from papers_bot.bot.commands import help_text
from papers_bot.retrieval.analysis import term_spans
from papers_bot.retrieval.answer import Answer, split_sentences
from papers_bot.retrieval.facts import Fact
from papers_bot.retrieval.names import venue_of
from papers_bot.retrieval.search import SearchResult
from papers_bot.store.paper import AuthorLookup, StoredPaper
from papers_bot.text import clip

# What Discord's markdown parses. Escaped wherever they stand: emphasis, code, spoilers, links, timestamps and
# `<...>` tags, quotes and headings (a long reply split mid-line starts its next message there). Lists only
# where they could start one: before a space, or at a line start.
_MARKDOWN = re.compile(r"[\\*_`~|\[\]<>#]|(?:[-+]|\d+\.)(?=\s|$)|^\s*(?:[-+]|\d+\.)", re.MULTILINE)
_MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)  # @everyone, @here, <@id>, <@!id>, <@&id>
# Control and format characters (Unicode Cc, Cf: escapes, zero-width and bidi marks, which can split
# `@every\u200bone` or reorder a line), and line/paragraph separators. Tab and newline stay.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_CODE = re.compile(r"(?:[^\W_]|[.:/+-]){1,100}")  # an id shown as code: nothing in it can be markdown
ZWSP = "\u200b"


def safe_url(url: str | None) -> str | None:
    """An http(s) link from a listing, percent-encoded so that nothing in it can end the link, start markdown or
    read as a mention; None for anything else (javascript:, a bare word)."""
    url = (url or "").strip()
    if not re.match(r"https?://[^\s/]", url, re.IGNORECASE):
        return None
    return quote(_UNSAFE.sub("", url), safe=":/?#&=+,;%-._~!$'")


def _escape(m: re.Match[str]) -> str:
    s = m.group()
    at = len(s) - 1 if s.endswith(".") else len(s) - len(s.lstrip())  # `1\.`, `  \-`, `\*`
    return s[:at] + "\\" + s[at:]


@dataclass(frozen=True)
class Style:
    markdown: bool

    def text(self, s: str | None) -> str:
        """Untrusted text (titles, abstracts, names, queries) made inert: no formatting, no mentions."""
        s = _UNSAFE.sub("", s or "")
        if not self.markdown:
            return s
        return _MENTION.sub("@" + ZWSP, _MARKDOWN.sub(_escape, s))

    def bold(self, s: str) -> str:
        return f"**{s}**" if self.markdown else s

    def link(self, label: str, url: str | None) -> str:
        url = safe_url(url)
        if not url:
            return label
        return f"[{label}](<{url}>)" if self.markdown else f"{label}: {url}"

    def code(self, s: str) -> str:
        """An id: as code where it is a plain word (to copy cleanly), else as inert text."""
        return f"`{s}`" if self.markdown and _CODE.fullmatch(s) else self.text(s)

    def highlight(self, s: str, terms: Iterable[str]) -> str:
        """`s` made inert, with the words matching `terms` in bold."""
        terms = set(terms)
        if not self.markdown or not terms:
            return self.text(s)
        out, last = [], 0
        for start, end in term_spans(s, terms):
            out += [self.text(s[last:start]), self.bold(self.text(s[start:end]))]
            last = end
        out.append(self.text(s[last:]))
        return "".join(out)


DISCORD = Style(markdown=True)
PLAIN = Style(markdown=False)


def footer_text(s: str | None) -> str:
    """Untrusted text for an embed footer, which Discord shows as written: no controls, no mentions."""
    return _MENTION.sub("@" + ZWSP, PLAIN.text(s))


def authors_line(paper: StoredPaper, style: Style, *, limit: int = 4) -> str:
    names = paper.authors
    shown = ", ".join(style.text(n) for n in names[:limit])
    if len(names) > limit or paper.authors_truncated:
        shown += " et al."
    return shown or "authors unknown"


def paper_line(paper: StoredPaper, style: Style) -> str:
    """`Authors · 2024 · CV · code · id`"""
    bits = [authors_line(paper, style)]
    bits.append(str(paper.year) if paper.year else "year unknown")
    if paper.category:
        bits.append(style.text(paper.category))
    if paper.code_url:
        bits.append(style.link("code", paper.code_url))
    elif paper.has_code:
        bits.append("code released")
    bits.append(style.code(paper.id))
    return " · ".join(bits)


def title_link(paper: StoredPaper, style: Style, *, indent: str = "   ") -> str:
    """The linked title; in plain text the link goes on the next line, where a terminal can open it."""
    if style.markdown or not paper.url:
        return style.bold(style.link(style.text(paper.display_title), paper.url))
    return f"{style.text(paper.display_title)}\n{indent}{safe_url(paper.url) or ''}"


def no_hits(result: SearchResult, style: Style, *, limit: int = 200) -> str:
    """Nothing found, said with what the query asked for and what to try instead."""
    text = f"No papers match {style.bold(style.text(clip(result.query, limit)))}."
    filters = result.parsed.describe()
    if filters:
        text += f" Filters: {style.text(filters)}; try without some of them."
    elif not result.terms and not result.parsed.related:
        text += " Give me some words to search for (or a filter such as `year:2023`, `cat:CV`, `has:code`)."
    else:
        text += " Try fewer or different words."
    notes = [style.text(n) for n in result.parsed.notes[:3]]
    return " ".join([text, *notes])


def relaxed_note(relaxed: list[str], style: Style) -> str:
    """What a search dropped to find anything: `No paper matches by Gerard Salton; the nearest without it:`."""
    if not relaxed:
        return ""
    them = "it" if len(relaxed) == 1 else "them"
    return f"No paper matches {style.text('; '.join(relaxed))}; the nearest without {them}:"


def search_notes(result: SearchResult, style: Style) -> list[str]:
    """The lines said above a search's hits: what was relaxed, and what the parser did not take as a filter."""
    return [n for n in [relaxed_note(result.relaxed, style), *(style.text(n) for n in result.parsed.notes[:3])] if n]


def format_hits(result: SearchResult, style: Style = PLAIN, *, start: int = 1) -> str:
    if not result.hits:
        return no_hits(result, style)
    lines = search_notes(result, style) if start == 1 else []
    passages = result.passages or [""] * len(result.hits)
    for n, (hit, passage) in enumerate(zip(result.hits, passages), start):
        lines.append(f"{n}. {title_link(hit.paper, style)}")
        lines.append(f"   {paper_line(hit.paper, style)}")
        if passage:
            lines.append(f"   > {style.highlight(passage, result.terms)}")
    return "\n".join(lines)


MAX_STATEMENT = 1500  # characters of a fact's sentence: the papers that show it must fit beside it


def format_fact(fact: Fact, style: Style) -> str:
    """The fact in one line, then the papers that show it: listed, or side by side when compared."""
    said = clip(fact.statement, MAX_STATEMENT)
    lines = [style.bold(style.text(said)) if fact.established else style.text(said)]
    for paper in fact.papers:
        lines.append(("\n" if fact.side_by_side else "") + f"- {title_link(paper, style, indent='  ')}")
        if not fact.side_by_side:
            lines.append(f"  {paper_line(paper, style)}")
            if fact.kind == "links":
                lines.append("  " + (" · ".join(paper_links(paper, style)) or "no links"))
            continue
        if paper.code_url:
            code = style.link("code", paper.code_url)
        else:
            code = "code released" if paper.has_code else "no code listed"
        venue = venue_of(paper)
        lines.append(f"  {authors_line(paper, style, limit=6)} · {paper.year or 'year unknown'} · "
                     f"{style.text(venue) if venue else 'no venue listed'} · {code} · {style.code(paper.id)}")
        first = split_sentences(paper.abstract or "")[:1]
        if first:
            lines.append(f"  > {style.text(first[0] if len(first[0]) <= 300 else first[0][:299] + '…')}")
    if fact.total is not None and fact.total > len(fact.papers):
        lines.append(f"… and {fact.total - len(fact.papers):,} more.")
    return "\n".join(lines)


def format_answer(answer: Answer, style: Style = PLAIN, *, prefix: str | None = None) -> str:
    """The answer as text; `prefix`: the bot's command prefix (its help, `!papers`), else the command line's
    `search` is what a reply suggests."""
    if answer.help:
        return help_text(prefix or "!")
    if answer.unmatched and not answer.terms:  # (not read at all: nothing to search for either)
        return style.text(answer.unmatched)
    read = [line] if (line := read_as_line(answer, style)) else []
    if answer.unmatched:
        search = f"`{prefix}papers <words>`" if prefix else "`search <words>`"
        return "\n".join([*read, f"{style.text(answer.unmatched)} Try other words, or {search} to see the papers "
                                  "nearest them."])
    fact = [format_fact(answer.fact, style)] if answer.fact else []
    if answer.fact and answer.fact.established:
        return "\n".join([*read, fact[0]])
    notes = [style.text(n) for n in answer.notes]
    return "\n\n".join([*read, *fact, *notes, _format_passages(answer, style, prefix)])


def read_as_line(answer: Answer, style: Style) -> str:
    """`(read as: what is the best paper on seismic fault detection)` when typos were corrected, else ""."""
    return f"(read as: {style.text(clip(answer.read_as, 300))})" if answer.read_as else ""


def _format_passages(answer: Answer, style: Style, prefix: str | None) -> str:
    if not answer.found:
        if not answer.nearest:
            search = f"`{prefix}papers`" if prefix else "`search`"
            return f"No paper in the library matches that question. Try other words, or {search} for a topic."
        lines = [n for n in [relaxed_note(answer.relaxed, style)] if n]
        lines.append("No paper answers that well. The nearest ones:")
        lines += [f"- {title_link(h.paper, style, indent='  ')}\n  {paper_line(h.paper, style)}"
                  for h in answer.nearest]
        return "\n".join(lines)
    blocks = [n for n in [relaxed_note(answer.relaxed, style)] if n]
    for p in answer.passages:
        blocks.append(
            f"{title_link(p.paper, style, indent='')}\n{paper_line(p.paper, style)}\n"
            f"> {style.highlight(p.text, answer.terms)}"
        )
    return "\n\n".join(blocks)


def paper_when(paper: StoredPaper) -> str:
    when = paper.date or (f"{paper.date_text} (year unknown)" if paper.date_text else "date unknown")
    if paper.updated and paper.updated != paper.date:
        when += f", updated {paper.updated}"
    return when


def paper_authors(paper: StoredPaper, style: Style) -> str:
    names = ", ".join(style.text(n) for n in paper.authors) or "authors unknown"
    if paper.authors_truncated:
        names += " et al. (list truncated in the source)"
    if paper.affiliation:
        names += f" · {style.text(paper.affiliation)}"
    return names


def paper_links(paper: StoredPaper, style: Style) -> list[str]:
    links = [style.link("paper", paper.url)] if paper.url else []
    if paper.pdf_url:
        links.append(style.link("PDF", paper.pdf_url))
    if paper.code_url:
        links.append(style.link("code", paper.code_url))
    elif paper.has_code:
        links.append("code released (no link in the listing)")
    return links + [style.link("link", u) for u in paper.links if u != paper.code_url]


def paper_sources(paper: StoredPaper, style: Style) -> str:
    return ", ".join(style.text(f"{s.file}:{s.line}") for s in paper.sources)


def format_paper(paper: StoredPaper, style: Style = PLAIN) -> str:
    lines = [title_link(paper, style)]
    if paper.title == "" and paper.arxiv_id:
        lines.append(f"arXiv:{paper.arxiv_id} (the listing gives no title; named from its abstract)")
    lines.append(paper_authors(paper, style))
    lines.append(" · ".join(filter(None, [paper_when(paper), style.text(paper.category), style.code(paper.id)])))
    if paper.comment:
        lines.append(f"Comment: {style.text(paper.comment)}")
    if paper.journal_ref:
        lines.append(f"Journal: {style.text(paper.journal_ref)}")
    lines += ["", style.text(paper.abstract), "", "Links: " + " · ".join(paper_links(paper, style))]
    if paper.sources:
        lines.append("Sources: " + paper_sources(paper, style))
    return "\n".join(lines)


def format_author(found: AuthorLookup, style: Style = PLAIN) -> str:
    if found.name is None:
        names = ", ".join(style.bold(style.text(n)) for n in found.candidates)
        return f"Several authors match: {names}. Ask again with the full name."
    lines = [style.bold(style.text(found.name))]
    profile = found.profile
    if profile:
        counted = (("h-index", profile.h_index), ("papers", profile.paper_count), ("citations", profile.citations))
        figures = [f"{label} {value:,}" for label, value in counted if value is not None]
        figures += [f"{style.text(k)} {style.text(str(v))}" for k, v in profile.scores.items()]
        if profile.category:
            figures.insert(0, style.text(profile.category))
        lines.append("Profile: " + " · ".join(figures))
    shown, total = len(found.papers), found.total or 0
    lines.append(f"{total} paper{'s' * (total != 1)} in the library" + (f", newest {shown}:" if shown < total else ":"))
    for paper in found.papers:
        lines.append(f"- {title_link(paper, style, indent='  ')} "
                     f"({paper.year or 'year unknown'}, {style.code(paper.id)})")
    return "\n".join(lines)


def format_stats(stats: dict[str, Any], style: Style = PLAIN) -> str:
    years = stats["years"]
    span = f"{years['first']}–{years['last']}" if years["first"] else "no dates"
    if years["unknown"]:
        span += f" ({years['unknown']} with no year)"
    cats = ", ".join(f"{style.text(c)} {n}" for c, n in list(stats["categories"].items())[:10])
    lines = [
        f"{stats['papers']:,} papers by {stats['authors']:,} authors ({stats['author_profiles']} with a profile), "
        f"{stats['with_code']:,} with code",
        f"Years: {span}",
        f"Categories: {cats or 'none'}",
        f"Sources: {len(stats['sources'])} file{'s' * (len(stats['sources']) != 1)}",
    ]
    lines += [f"- {style.text(s['file'])} ({s['format']}, {s['papers']:,} papers)" for s in stats["sources"]]
    return "\n".join(lines)


def format_load(summary: Any, style: Style = PLAIN) -> str:
    lines = [
        f"Loaded {len(summary.files)} file{'s' * (len(summary.files) != 1)}: {summary.added} added, "
        f"{summary.updated} updated, {summary.removed} removed, {summary.unchanged} unchanged"
    ]
    lines += [f"- {style.text(f)} ({fmt}, {n:,} papers)" for f, fmt, n in summary.files]
    if summary.warnings:
        lines.append(f"{len(summary.warnings)} warning{'s' * (len(summary.warnings) != 1)}:")
        lines += [f"- {style.text(w)}" for w in summary.warnings]
    return "\n".join(lines)
