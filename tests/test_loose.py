"""Questions as people type them (issue 24): intent words, help, out-of-scope, typos, follow-ups."""

from __future__ import annotations

import pytest

from papers_bot.library import Library
from papers_bot.retrieval.answer import Answer
from papers_bot.retrieval.query import parse_query


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("loose") / "papers.db")
    yield lib
    lib.close()


def shown(answer: Answer) -> list[str]:
    """The ids an answer shows, in order (passages, or the nearest papers)."""
    return [p.id for p in answer.papers()]


NEWEST = ["soaesv2-7b-72b-9f048d", "geouni-a-unified-b1352c", "a-zero-shot-0aa17c", "hybridnorm-towards-stable-2bb9ba",
          "sana-1-5-4324d7"]


@pytest.mark.parametrize("question", ["what's the newest paper?", "what are the most recent papers in the library?",
                                      "latest papers", "anything recent?", "show me the newest ones"])
def test_newest_lists_the_library_newest_first(sample, question):
    answer = sample.ask(question)
    assert answer.found and shown(answer) == NEWEST


@pytest.mark.parametrize("question, years", [
    ("anything from 2017?", {2017}), ("what was published before 2018?", {2017}),
    ("show me papers from 2025", {2025}), ("papers in the last two years", {2025}),
    ("what came out this year?", {2025}),
])
def test_a_time_range_alone_is_listed(sample, question, years):
    answer = sample.ask(question)
    assert answer.found and {p.year for p in answer.papers()} == years
    dates = [p.date for p in answer.papers()]
    assert dates == sorted(dates, reverse=True)


def test_the_last_years_count_back_from_the_newest_paper(sample):
    assert (parse_query("gans in the past 3 years").recent_years, parse_query("x this year").recent_years) == (3, 1)
    result = sample.rank_question("diffusion papers in the last two years")
    assert result.hits and {h.paper.year for h in result.hits} <= {2024, 2025}


@pytest.mark.parametrize("question, wanted", [
    ("which papers about GANs have code?", {"towards-faster-and-9bb2e7", "elegant-exchanging-latent-1bc204"}),
    ("papers about sketch to image synthesis with code", {"self-supervised-sketch-da79d6"}),
    ("GAN papers that released code", {"towards-faster-and-9bb2e7", "elegant-exchanging-latent-1bc204"}),
    ("open source GAN papers", {"towards-faster-and-9bb2e7", "elegant-exchanging-latent-1bc204"}),
])
def test_code_words_are_the_code_filter_never_a_fact_or_a_topic(sample, question, wanted):
    answer = sample.ask(question)
    assert answer.fact is None or not answer.fact.established
    assert "code" not in answer.terms and wanted <= set(shown(answer))
    assert all(p.has_code for p in answer.papers())


@pytest.mark.parametrize("text", ["hash codes", "papers on code generation", "code search with transformers"])
def test_code_stays_a_topic_word_where_it_is_one(text):
    q = parse_query(text, question=True)
    assert not q.has_code and "code" in q.text


def test_newest_words_in_a_pasted_paragraph_are_its_topic():
    paragraph = ("Recent articles have analyzed retrieval systems with continuous weights of either type and with a "
                 "Boolean structure for the queries, and suggested criteria which such systems ought to satisfy.")
    assert not parse_query(paragraph, question=True).sort_by_date
