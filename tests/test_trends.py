"""Trends: papers per year that match a query, counted by the index, checked against the store, drawn as a PNG."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from papers_bot.bot.console import Console
from papers_bot.cli import cli
from papers_bot.config import Config
from papers_bot.errors import PapersBotError
from papers_bot.retrieval.search import follow_matches
from papers_bot.trends import PALETTE, Topic, format_trend, render_png


def counted_by_the_store(library, query: str) -> tuple[dict[int, int], int]:
    """The same counts the slow way: every stored paper offered to the follow matcher, grouped by its year."""
    with library.reading() as (db, snapshot):
        years = {row["id"]: row["year"] for row in db.query("SELECT id, year FROM papers")}
        matched = follow_matches(snapshot, [query], list(years))[query]
    per_year: dict[int, int] = {}
    for pid in matched:
        if years[pid] is not None:
            per_year[years[pid]] = per_year.get(years[pid], 0) + 1
    return dict(sorted(per_year.items())), sum(years[pid] is None for pid in matched)


@pytest.mark.parametrize("query", ["diffusion", "GAN", "model", "author:\"Jinwen Ma\"", "has:code", "language model"])
def test_counts_are_the_index_s_own(library, query):
    [topic] = library.trend(query)
    years, undated = counted_by_the_store(library, query)
    assert (topic.years, topic.undated) == (years, undated)
    assert topic.total == sum(years.values()) + undated > 0


def test_several_topics_compare_and_bad_ones_say_why(library):
    topics = library.trend(" diffusion |  GAN | ")
    assert [t.query for t in topics] == ["diffusion", "GAN"]
    with pytest.raises(PapersBotError, match="selects no papers"):
        library.trend("related 2306.05043")
    with pytest.raises(PapersBotError, match="at most 6"):
        library.trend(" | ".join(["a"] * 7))
    with pytest.raises(PapersBotError, match="Give a query"):
        library.trend(" | ")


def test_the_table_lists_every_year_between_and_the_undated():
    topics = [Topic("diffusion", {2018: 1, 2021: 4}, 2), Topic("GAN", {2019: 3}, 0)]
    lines = format_trend(topics).splitlines()
    assert lines[0].split() == ["year", "diffusion", "GAN"]
    assert [line.split() for line in lines[1:]] == [
        ["2018", "1", "0"], ["2019", "0", "3"], ["2020", "0", "0"], ["2021", "4", "0"],
        ["no", "year", "2", "0"], ["total", "7", "3"]]


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def test_the_chart_is_a_png_with_a_bar_of_each_topic_s_colour(library):
    image = decoded(render_png(library.trend("diffusion | GAN | model")))
    assert image.size == (1000, 560)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) or []}
    rgb = [tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)) for hex_colour in PALETTE]
    assert set(rgb[:3]) <= colours and rgb[3] not in colours
    # (a topic no paper with a year matches: axes and a sentence, no bars)
    empty = decoded(render_png([Topic("nothing", {}, 0)]))
    assert len(empty.getcolors(maxcolors=1 << 16) or []) > 2


def test_cli_prints_the_table_and_writes_the_png(library, tmp_path: Path):
    out = tmp_path / "trend.png"
    result = CliRunner().invoke(cli, ["--db", str(library.db_path), "trend", "diffusion | GAN", "--png", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["year", "diffusion", "GAN"]
    assert decoded(out.read_bytes()).size == (1000, 560)
    bad = CliRunner().invoke(cli, ["--db", str(library.db_path), "trend", "related 2306.05043"])
    assert bad.exit_code == 1 and "selects no papers" in bad.output


def test_the_console_shows_the_table_and_where_the_chart_is(library):
    [text] = Console(library, Config.from_values({})).handle("!trend diffusion")
    path = Path(text.rsplit("Chart: ", 1)[1])
    try:
        assert "Papers per year matching **diffusion**" in text and "\ntotal" in text
        assert decoded(path.read_bytes()).size == (1000, 560)
    finally:
        path.unlink()

