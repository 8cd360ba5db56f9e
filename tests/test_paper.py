from __future__ import annotations

import pytest

from papers_bot.store.paper import Paper, Source, display_name, find_urls, merge, normalise_arxiv_id, title_id
from papers_bot.store.tex import tex_to_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2310.05873", "2310.05873"),
        ("arXiv:2310.05873v2", "2310.05873"),
        ("math/0406594v1", "math/0406594"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("synthetic-42", None),
        ("", None),
    ],
)
def test_normalise_arxiv_id(text, expected):
    assert normalise_arxiv_id(text) == expected


def test_links_never_invented():
    assert Paper(arxiv_id="2310.05873").url == "https://arxiv.org/abs/2310.05873"
    assert Paper(title="A & B?").url == "https://arxiv.org/search/?query=A+%26+B%3F&searchtype=title"
    assert Paper(doi="10.1/x", title="T").url == "https://doi.org/10.1/x"
    assert Paper(abstract="no title, no id").url is None
    assert Paper(title="T").pdf_url is None


def test_find_urls_strips_sentence_punctuation_and_latex():
    text = r"Code: \url{https://github.com/a/b}. See (https://x.org/p_(1)), and http://y.cc."
    assert find_urls(text) == ["https://github.com/a/b", "https://x.org/p_(1)", "http://y.cc"]


def test_code_url_is_the_first_github_or_gitlab_link():
    p = Paper(abstract="demo https://a.github.io and code https://gitlab.com/g/r and https://github.com/o/r")
    assert p.code_url == "https://gitlab.com/g/r" and p.has_code


def test_title_id_is_stable_typeable_and_distinct():
    a = title_id("SANA 1.5: Efficient Scaling")
    assert a == title_id("  sana 1.5 — efficient   SCALING ")
    assert a.startswith("sana-1-5-") and a.isascii()
    assert a != title_id("SANA 1.5: Efficient Scaling II")


def test_merge_prefers_complete_authors_and_remembers_both_sources():
    old = Paper(title="T", authors=["A B", "C D", "E F"], authors_truncated=False, sources=[Source("a", 1, "feed")])
    new = Paper(
        title="T", authors=["A B"], authors_truncated=True, arxiv_id="2401.00001", sources=[Source("b", 9, "feed")]
    )
    merged = merge(old, new)
    assert merged.authors == ["A B", "C D", "E F"] and not merged.authors_truncated
    assert merged.arxiv_id == "2401.00001" and merged.id == "2401.00001"
    assert merged.sources == [Source("a", 1, "feed"), Source("b", 9, "feed")]


def test_display_name_and_latex():
    assert tex_to_text(r"PIXART-$\alpha$ and \url{https://x.y}") == "PIXART-α and https://x.y"
    assert display_name("Two models. Two efficient algorithms, A and B, are proposed.") == "Two models"
    assert display_name("x" * 200).endswith("…")


def test_titles_without_word_characters_are_distinct_papers(tmp_path):
    from papers_bot.library import Library

    assert title_id("🚀🚀") != title_id("!!!???") != title_id("")
    assert title_id("🚀🚀") == title_id(" 🚀🚀 ")
    feed = tmp_path / "feed.txt"
    feed.write_text("CVJan 30, 2025\n🚀🚀Ann Lee, Bo Chen\nOne.\nCVJan 30, 2025\n!!!???Ann Lee, Bo Chen\nTwo.\n"
                    "CVJan 30, 2025\n🚀🚀🚀Ann Lee, Bo Chen\nThree.\n")
    lib = Library(tmp_path / "p.db", sample_if_new=False)
    try:
        summary = lib.load([feed])
        assert (summary.added, lib.stats()["papers"]) == (3, 3)
    finally:
        lib.close()


def test_an_untitled_papers_name_is_cut_as_it_always_was():
    """From review: the name is stored (and in each row's hash), so a new cutting rule would have shown every
    untitled paper as updated on the next reload."""
    from papers_bot.store.paper import display_name

    abstract = "We propose a method for understanding internationalization-and-localization-aware systems. Then."
    assert display_name(abstract) == "We propose a method for understanding…"


def test_a_stored_paper_has_a_field_for_every_column_of_the_papers_table():
    """StoredPaper.from_row fills the record from the row itself: a column added to the table needs its field."""
    import dataclasses

    from papers_bot.store.db import PAPER_COLUMNS
    from papers_bot.store.paper import STORE_ONLY, StoredPaper

    fields = {f.name for f in dataclasses.fields(StoredPaper)} - {"sources", "listed_by"}
    assert fields == set(PAPER_COLUMNS) - set(STORE_ONLY)
