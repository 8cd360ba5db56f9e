"""Why a result: its parts add up to the score search --json gives, on the real index."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from papers_bot.bot import replies
from papers_bot.cli import cli
from papers_bot.errors import PaperNotFound, PapersBotError


@pytest.mark.parametrize("query", ["seismic fault segmentation", "fault Jinwen Ma", "diffusion year:2023",
                                   "seismic year:2020"])
def test_the_parts_add_up_to_the_search_score(library, query):
    db = str(library.db_path)
    ranked = json.loads(CliRunner().invoke(cli, ["--db", db, "search", query, "--json", "-k", "5"]).output)
    for place, hit in enumerate(ranked, 1):
        found = json.loads(CliRunner().invoke(cli, ["--db", db, "why", hit["id"], query, "--json"]).output)
        assert found["rank"] == place
        assert found["score"] == pytest.approx(hit["score"], abs=1e-3)
        assert (found["lexical"], found["semantic"]) == (hit["parts"]["lexical"], hit["parts"]["semantic"])
        assert sum(p["score"] for p in found["parts"]) == pytest.approx(hit["parts"]["lexical"], rel=1e-4)


def test_words_fields_rarity_filters_and_relaxed(library):
    found = library.why("seismic-fault-sam-b554c8", "seismic fault ultrasound")
    assert ("seismic", "title or abstract", 2) in [(p.what, p.field, p.papers) for p in found.parts]
    assert [w for w, _ in found.missing] == ["ultrasound"]
    assert found.library == 62
    relaxed = library.why("seismic-fault-sam-b554c8", "seismic year:2020")
    assert relaxed.relaxed == ["2020"] and relaxed.rank == 1
    filtered = library.why("seismic-fault-sam-b554c8", "fault by Jinwen Ma")
    assert filtered.filters == "by Jinwen Ma" and filtered.passes
    elsewhere = library.why("seismic-fault-sam-b554c8", "fault year:2023")
    assert elsewhere.filters == "2023" and not elsewhere.passes and elsewhere.rank is None
    with pytest.raises(PaperNotFound):
        library.why("nope", "seismic")


def test_the_reply_fits_one_embed_and_says_it_in_words(library):
    reply = replies.why_reply(library, "seismic-fault-sam-b554c8 " + " ".join(["seismic fault sam"] * 40))
    [card] = reply.cards
    assert card.size() <= 6000 and len(card.description) <= 4096 and len(card.title) <= 256
    assert card.description.startswith("Result 1 for this query, score ")
    assert "**seismic** in the title or abstract: +" in card.description and "(uncommon)" in card.description
    with pytest.raises(PapersBotError, match="Give a paper's id and a query"):
        replies.why_reply(library, "seismic-fault-sam-b554c8")
