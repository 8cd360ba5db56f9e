"""BibTeX exports, read back with a real BibTeX parser (bibtexparser): the library, the CLI and the console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from click.testing import CliRunner

from papers_bot.bibtex import bibtex, keys, primary_class
from papers_bot.bot import replies
from papers_bot.bot.console import Console
from papers_bot.cli import cli
from papers_bot.config import Config
from papers_bot.library import Library
from papers_bot.store.paper import StoredPaper
from tests.conftest import arxiv_record, write_jsonl


def parsed(text: str) -> dict[str, dict[str, str]]:
    """The entries of a .bib text, by key, as a BibTeX parser reads them (TeX decoded, braces gone); each with its
    type under `@`. Fails on any block the parser could not read."""
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return {e.key: {"@": e.entry_type, **{f.key: f.value for f in e.fields}} for e in library.entries}


@pytest.fixture
def arxiv_library(tmp_path: Path) -> Iterator[Library]:
    records = [
        arxiv_record(id="2401.00001", title="Seismic Fault SAM: 50% & $x_1$ ~ #1", authors="Ran Chen and Zeren Zhang",
                     authors_parsed=[["Chen", "Ran", ""], ["Zhang", "Zeren", ""]], categories="cs.CV eess.IV"),
        arxiv_record(id="2401.00002", title="Seismic waves in the crust", authors="Ran Chen",
                     authors_parsed=[["Chen", "Ran", ""]], categories="physics.geo-ph",
                     **{"journal-ref": "Geophys. J. Int. 236 (2024) 1-20", "doi": "10.1093/gji/ggad001"}),
        arxiv_record(id="2401.00003", title="A Théorie of Müller's Café", authors="José Müller",
                     authors_parsed=[["Müller", "José", ""]], categories="hep-th"),
    ]
    library = Library(tmp_path / "papers.db", sample_if_new=False)
    library.load([write_jsonl(tmp_path / "papers.jsonl", records)])
    yield library
    library.close()


def test_arxiv_papers_are_misc_with_eprint_and_journal_papers_articles(arxiv_library):
    papers, missing = arxiv_library.papers(["2401.00001", "arXiv:2401.00002v2", "https://arxiv.org/abs/2401.00003"])
    assert missing == []
    entries = parsed(bibtex(papers))
    assert list(entries) == ["chen2024seismic", "chen2024seismicb", "muller2024theorie"]
    first = entries["chen2024seismic"]
    assert all(c in papers[0].title for c in "%&_#")  # (LaTeX's special characters, escaped and read back)
    assert first == {"@": "misc", "title": papers[0].title, "author": "Ran Chen and Zeren Zhang",
                     "year": "2024", "eprint": "2401.00001", "archivePrefix": "arXiv", "primaryClass": "cs.CV",
                     "url": "https://arxiv.org/abs/2401.00001"}
    journal = entries["chen2024seismicb"]
    assert journal["@"] == "article"
    assert journal["journal"] == "Geophys. J. Int. 236 (2024) 1-20" and journal["doi"] == "10.1093/gji/ggad001"
    assert journal["eprint"] == "2401.00002" and journal["primaryClass"] == "physics.geo-ph"
    # Accents are kept as they are; old-style archive names are categories too.
    assert entries["muller2024theorie"]["author"] == "José Müller"
    assert entries["muller2024theorie"]["title"] == "A Théorie of Müller's Café"
    assert entries["muller2024theorie"]["primaryClass"] == "hep-th"


def test_fields_the_listing_lacks_are_left_out(library):
    """The sample's feed papers: no arXiv id, a category `CV` that is no arXiv name, and one with no year."""
    no_year = library.search("Dynamic Interaction-Aware Causality-Disentangled", k=1).hits[0].paper
    seismic = library.paper("seismic-fault-sam-b554c8")
    entries = parsed(bibtex([seismic, no_year]))
    assert entries["chen2024seismic"] == {"@": "misc", "author": "Ran Chen and Zeren Zhang and Jinwen Ma",
                                          "year": "2024", "title": seismic.title}
    [(key, untimed)] = [(k, e) for k, e in entries.items() if k != "chen2024seismic"]
    assert no_year.year is None and "year" not in untimed and key.isalpha()
    assert primary_class(seismic) is None
    untitled = library.paper("2306.05043")  # (its display title, TimeDiff, is read from its abstract)
    assert untitled.title == "" and untitled.display_title
    assert parsed(bibtex([untitled]))["paper2023"] == {"@": "misc", "year": "2023", "eprint": "2306.05043",
                                                       "archivePrefix": "arXiv",
                                                       "url": "https://arxiv.org/abs/2306.05043"}


@pytest.mark.parametrize(("title", "authors", "year", "key"), [
    ("Seismic Fault SAM", ("Ran Chen",), 2024, "chen2024seismic"),
    ("The Art of Attention", ("Chen, Ran",), 2021, "chen2021art"),
    ("Über Bäume", ("Jürgen Groß",), None, "grossuber"),
    ("", (), None, "paper"),
    ("日本語のタイトル", ("山田",), 2020, "paper2020"),
])
def test_keys_are_readable(title, authors, year, key):
    assert keys([StoredPaper(id="x", title=title, authors=authors, year=year)]) == [key]


def test_a_letter_only_tells_two_apart():
    same = [StoredPaper(id=str(i), title="Seismic waves", authors=("Ran Chen",), year=2024) for i in range(27)]
    made = keys(same)
    assert made[:3] == ["chen2024seismic", "chen2024seismicb", "chen2024seismicc"]
    assert len(set(made)) == 27
    assert keys(same[1:2]) == ["chen2024seismic"]  # (alone in an export: no letter)


def test_truncated_author_lists_end_with_others():
    paper = StoredPaper(id="x", title="Big", authors=("A. One", "B. Two"), authors_truncated=True, year=2020)
    assert parsed(bibtex([paper]))["one2020big"]["author"] == "A. One and B. Two and others"


def test_cli_bib_writes_a_file_and_names_unknown_ids(arxiv_library, tmp_path):
    out = tmp_path / "refs.bib"
    db = str(arxiv_library.db_path)
    result = CliRunner().invoke(cli, ["--db", db, "bib", "2401.00001", "2401.00003", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list(parsed(out.read_text(encoding="utf-8"))) == ["chen2024seismic", "muller2024theorie"]
    printed = CliRunner().invoke(cli, ["--db", db, "bib", "2401.00002", "nope"])
    assert printed.exit_code == 1
    assert list(parsed(printed.stdout)) == ["chen2024seismic"]
    assert "no paper has the id 'nope'" in printed.stderr


def test_short_exports_come_in_a_code_block_long_ones_as_a_file_or_text(library):
    ids = [h.paper.id for h in library.search("fault", k=2).hits]
    [short], data = replies.bib_messages(replies.bib_export(library, " ".join(ids)), may_attach=True)
    assert data is None and short.startswith("```bibtex\n") and short.endswith("```") and len(short) <= 2000
    assert len(parsed(short.removeprefix("```bibtex").removesuffix("```"))) == 2
    every = " ".join(h.paper.id for h in library.search("model", k=40).hits)
    texts, data = replies.bib_messages(replies.bib_export(library, every + " nope"), may_attach=True)
    assert data is not None and len(parsed(data.decode())) == len(every.split())
    assert texts[0].startswith(f"BibTeX for {len(every.split())} papers, attached.") and "`nope`" in texts[0]
    texts, data = replies.bib_messages(replies.bib_export(library, every), may_attach=False)
    assert data is None and "Attach Files" in texts[0]
    assert all(len(t) <= 2000 for t in texts)
    shown = "".join(t.removeprefix("```bibtex").removesuffix("```") for t in texts[1:] if t.startswith("```"))
    more = int(texts[-1].split()[1]) if texts[-1].startswith("…and") else 0
    assert len(parsed(shown)) + more == len(every.split())


def test_the_console_prints_the_export(library):
    console = Console(library, Config.from_values({}))
    [text] = console.handle("!bib seismic-fault-sam-b554c8 nope")
    assert "No paper has the id `nope`" in text and "chen2024seismic" in parsed(text.split("\n", 1)[1])
    assert console.handle("!bib") == ["Missing `paper_ids`: `!bib <id> [<id>...]`. Try `!help`."]
