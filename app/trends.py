"""Trends: how many papers match a query, year by year (`papers-bot trend`, `!trend`, `/trend`), as a table and
as a PNG chart.

The chart is drawn with Pillow alone: a few megabytes, no display, no numpy, safe in worker threads (matplotlib
would add some 130 MB with numpy and fonttools for a bar chart, and its pyplot state is not thread-safe)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from papers_bot.errors import PapersBotError
from papers_bot.retrieval.analysis import clean
from papers_bot.retrieval.index import Snapshot, match_count
from papers_bot.retrieval.search import follow_query

MAX_TOPICS = 6  # topics compared at once: as many as the palette tells apart
# Okabe & Ito's palette: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
WIDTH, HEIGHT = 1000, 560  # pixels: Discord previews at about half, where the 22-pixel text is still legible


@dataclass(frozen=True)
class Topic:
    """One query's papers per year (`years`, oldest first), and how many of its papers have no year."""

    query: str
    years: dict[int, int]
    undated: int

    @property
    def total(self) -> int:
        return sum(self.years.values()) + self.undated


def topics_of(text: str) -> list[str]:
    """The queries a trend compares: `diffusion | GAN` is two."""
    topics = [" ".join(t.split()) for t in clean(text).split("|")]
    topics = [t for t in topics if t]
    if not topics:
        raise PapersBotError("Give a query to chart: `trend diffusion`, or several: `trend diffusion | GAN`.")
    if len(topics) > MAX_TOPICS:
        raise PapersBotError(f"That is {len(topics)} topics; a chart compares at most {MAX_TOPICS}.")
    return topics


def count_topic(index: Snapshot, query: str) -> Topic:
    """The papers `query` selects (every word, as a follow selects them), counted per year by the index."""
    selects = follow_query(index, query)
    if selects is None:
        raise PapersBotError(f"{query!r} selects no papers to count: give words, a \"phrase\", author:\"Name\", "
                             "cat:cs.CV or has:code (not `related`)")
    searcher = index.searcher()
    total = match_count(searcher.search(selects, 1, count=True))
    found = searcher.aggregate(selects, {"years": {"terms": {"field": "year", "size": 100_000}}})
    years = {int(b["key"]): int(b["doc_count"]) for b in found["years"]["buckets"]}
    return Topic(query, dict(sorted(years.items())), total - sum(years.values()))


def span(topics: Sequence[Topic]) -> list[int]:
    """Every year from the first any topic has a paper in to the last."""
    years = [y for t in topics for y in t.years]
    return list(range(min(years), max(years) + 1)) if years else []


def format_trend(topics: Sequence[Topic]) -> str:
    """The counts as a plain table: a row a year, a column a topic, then the papers with no year and the total."""
    names = [t.query for t in topics]
    widths = [max(len(n), 5) for n in names]
    rows = [["year", *names]]
    rows += [[str(y), *(str(t.years.get(y, 0)) for t in topics)] for y in span(topics)]
    rows += [["no year", *(str(t.undated) for t in topics)], ["total", *(str(t.total) for t in topics)]]
    return "\n".join(f"{r[0]:<7}  " + "  ".join(c.rjust(w) for c, w in zip(r[1:], widths)) for r in rows)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _nice_step(top: int, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, ...) giving about `ticks` ticks up to `top`."""
    step = 1
    while top / step > ticks:
        for factor in (2, 5 / 2, 2):  # 1 -> 2 -> 5 -> 10
            step = int(step * factor)
            if top / step <= ticks:
                break
    return step


def render_png(topics: Sequence[Topic]) -> bytes:
    """A bar chart of the topics' papers per year (grouped bars, one colour a topic), with a title, axis labels
    and a legend; PNG bytes. (Blocking: the bot renders it in a worker thread.)"""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    title_font, font, small = _font(28), _font(22), _font(18)
    ink, grid = (30, 30, 30), (225, 225, 225)
    title = "Papers per year: " + " vs ".join(t.query for t in topics)
    while draw.textlength(title, font=title_font) > WIDTH - 40 and len(title) > 20:
        title = title[:-2] + "…"
    draw.text((WIDTH // 2, 14), title, fill=ink, font=title_font, anchor="mt")
    left, right, top, bottom = 90, WIDTH - 30, 70, HEIGHT - 80
    if len(topics) > 1:  # a legend: a swatch and the query of each topic, in one row under the title
        x = left
        for colour, topic in zip(PALETTE, topics):
            label = topic.query if len(topic.query) <= 24 else topic.query[:23] + "…"
            draw.rectangle((x, top - 4, x + 18, top + 14), fill=colour)
            draw.text((x + 26, top + 5), label, fill=ink, font=small, anchor="lm")
            x += 26 + int(draw.textlength(label, font=small)) + 30
        top += 34
    years = span(topics)
    highest = max((c for t in topics for c in t.years.values()), default=0)
    step = _nice_step(max(highest, 1))
    ceiling = max(step, -(-highest // step) * step)
    for value in range(0, ceiling + 1, step):  # horizontal grid and the count axis's labels
        y = bottom - (bottom - top) * value / ceiling
        draw.line((left, y, right, y), fill=grid, width=1)
        draw.text((left - 10, y), str(value), fill=ink, font=small, anchor="rm")
    axis = Image.new("RGB", (int(draw.textlength("Papers", font=font)) + 4, 28), "white")
    ImageDraw.Draw(axis).text((2, 2), "Papers", fill=ink, font=font)
    rotated = axis.rotate(90, expand=True)
    image.paste(rotated, (8, (top + bottom - rotated.height) // 2))
    draw.text(((left + right) // 2, HEIGHT - 12), "Year", fill=ink, font=font, anchor="mb")
    if not years:
        draw.text(((left + right) // 2, (top + bottom) // 2), "No paper with a year matches", fill=ink, font=font,
                  anchor="mm")
    else:
        group = (right - left) / len(years)
        bar = min(80.0, max(1.0, group * 0.8 / len(topics)))  # (two years of one topic: not two slabs)
        every = max(1, -(-len(years) * 60 // (right - left)))  # (a year label every 60 pixels at most)
        for i, year in enumerate(years):
            x0 = left + group * i + (group - bar * len(topics)) / 2
            for j, topic in enumerate(topics):
                count = topic.years.get(year, 0)
                if count:
                    height = (bottom - top) * count / ceiling
                    draw.rectangle((x0 + bar * j, bottom - height, x0 + bar * (j + 1) - 1, bottom), fill=PALETTE[j])
            if i % every == 0:
                draw.text((left + group * (i + 0.5), bottom + 8), str(year), fill=ink, font=small, anchor="mt")
    draw.line((left, top, left, bottom), fill=ink, width=2)
    draw.line((left, bottom, right, bottom), fill=ink, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def count_topics(index: Snapshot, text: str) -> list[Topic]:
    """Each topic of `text` (`diffusion | GAN`) counted per year."""
    return [count_topic(index, topic) for topic in topics_of(text)]

