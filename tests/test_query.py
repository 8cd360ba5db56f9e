from __future__ import annotations

import re

import pytest

from papers_bot.retrieval.query import ParsedQuery, parse_query


def test_everything_at_once():
    q = parse_query('seismic "segment anything" -ultrasound author:"Jinwen Ma" year:2019-2021 cat:CV has:code '
                    'sort:date')
    assert q == ParsedQuery(
        text="seismic segment anything", phrases=["segment anything"], excluded=["ultrasound"], authors=["Jinwen Ma"],
        year_from=2019, year_to=2021, categories=["cv"], has_code=True, sort_by_date=True,
    )
    assert q.describe() == 'by Jinwen Ma, 2019–2021, category cv, with code, "segment anything", newest first'
    assert q.inferred == set()


@pytest.mark.parametrize(
    "text, years",
    [("year:2023", (2023, 2023)), ("year:2021-2019", (2019, 2021)), ("year:2020-", (2020, None)),
     ("year:-2018", (None, 2018)), ("x since 2022", (2022, None)), ("x after 2021", (2022, None)),
     ("x before 2020", (None, 2019)), ("x from 2019 to 2021", (2019, 2021)),
     ("what was published in 2023 about gans", (2023, 2023))],
)
def test_years(text, years):
    q = parse_query(text)
    assert (q.year_from, q.year_to) == years


def test_plain_language():
    q = parse_query("papers by Jinwen Ma on style transfer since 2022 with code")
    assert (q.by, q.authors, q.year_from, q.has_code) == ("Jinwen Ma", [], 2022, True)  # (search.py resolves `by`)
    assert q.inferred == {"years", "has_code"}
    assert q.text == "papers by Jinwen Ma on style transfer"
    assert parse_query("newest papers on diffusion").sort_by_date
    assert parse_query("written by hand").authors == []  # "by" + one lowercase word is not a name


def test_related():
    assert parse_query("related 2310.05873").related == "2310.05873"
    assert parse_query("related to arXiv:2310.05873").related == "arXiv:2310.05873"
    assert parse_query("related work on gans").related is None
    assert parse_query("related to unlearning").related is None  # a topic, not an id


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', 'a "b', "-", "--", "foo:", ":bar", "author:", 'author:""', "year:abc", "cat:", "has:nothing",
     "🙂" * 100, "x" * 10_000, "\x00\x01", "-\"\"", "sort:", "related", "<@123> @everyone"],
)
def test_anything_parses(text):
    q = parse_query(text)
    assert isinstance(q.text, str) and len(q.text) <= 2000


def test_unknown_keys_are_words_with_a_note():
    q = parse_query("title:seismic")
    assert q.text == "title seismic" and q.notes
    assert parse_query("year:abc").notes == ["`year:abc` is not a year or a range like 2019-2021"]


@pytest.mark.parametrize("text, years", [("papers from 2024 and 2025 on knowledge graphs", (2024, 2025)),
                                         ("gan papers 2019 2020", (2019, 2020)),
                                         ("papers in 2019 or 2020", (2019, 2020)),
                                         ("gan papers 2019, 2020 and 2021", (2019, 2021))])
def test_every_year_said_counts(text, years):
    q = parse_query(text, question=True)
    assert (q.year_from, q.year_to) == years and not re.search(r"\d|\bin\b", q.text)
