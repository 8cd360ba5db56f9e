from __future__ import annotations

import pytest

from papers_bot.bot import replies
from papers_bot.bot.replies import EMBED_DESCRIPTION, EMBED_TITLE, EMBEDS_TOTAL, MESSAGE, Card, clip, fit, pagify


def test_pagify_keeps_every_character_within_the_limit():
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 150 for i in range(12))
    pages = pagify(text)
    assert all(len(p) <= MESSAGE for p in pages) and len(pages) > 1
    assert " ".join(" ".join(pages).split()) == " ".join(text.split())


def test_pagify_splits_a_single_unbroken_run():
    assert [len(p) for p in pagify("x" * 4500)] == [2000, 2000, 500]


def test_clip_never_leaves_half_a_bold_pair_or_escape_in_markdown():
    out = clip("**" + "a" * 300 + "** tail", 100, markdown=True)
    assert len(out) <= 100 and out.count("**") % 2 == 0
    assert not clip("a\\" * 100, 51, markdown=True).rstrip("…").endswith("\\")


def test_clip_of_plain_text_keeps_what_it_says_and_whole_words():
    """From review: the markdown rule cut a passage at a literal `2**k`, and a word ending just at the cut was
    dropped."""
    passage = "Matrices with entries 2**k are used throughout, and we show that the norm concentrates " * 3
    assert clip(passage, 120).startswith("Matrices with entries 2**k are used throughout, and we show")
    assert clip("abcd efgh ijkl", 10) == "abcd efgh…"  # (`efgh` ends at the cut: kept)
    assert clip("abcd efghijkl", 10) == "abcd efgh…"  # (no word break in the last fifth: cut inside the word)
    for limit in range(2, 60):
        assert len(clip(passage, limit)) <= limit


def test_fit_respects_every_embed_limit():
    cards = [Card(title="t" * 400, description="d" * 5000, fields=[("n" * 300, "v" * 2000)] * 30) for _ in range(12)]
    fitted = fit(cards)
    assert 1 <= len(fitted) <= 10
    assert sum(c.size() for c in fitted) <= EMBEDS_TOTAL
    for c in fitted:
        assert len(c.title) <= EMBED_TITLE and len(c.description) <= EMBED_DESCRIPTION and len(c.fields) <= 25
        assert all(len(n) <= 256 and len(v) <= 1024 for n, v in c.fields)


def test_search_pages_have_linked_titles_passages_and_bold_terms(library):
    pages = replies.search_pages(library.search("diffusion", k=replies.SEARCH_RESULTS, passages=True))
    assert [len(p.cards) for p in pages] == [5, 5, 3]  # 13 papers mention diffusion
    assert pages[0].content == "Papers for **diffusion** (page 1 of 3)"
    first = pages[0].cards[0]
    assert first.title.startswith("1. ") and first.url is not None and first.url.startswith("https://arxiv.org/")
    assert "**diffusion**" in first.description.lower() and "\n> " in first.description


def test_search_pages_for_nothing(library):
    [page] = replies.search_pages(library.search("zzzqqq @everyone", passages=True))
    assert page.cards == [] and "@everyone" not in page.content


def test_paper_reply_fields(library):
    [card] = replies.paper_reply(library, "2310.00426").cards
    assert card.title == "PIXART\\-α" or card.title == "PIXART-α"
    assert dict(card.fields)["Links"].startswith("[paper](<https://arxiv.org/abs/2310.00426>)")
    assert card.footer == "id 2310.00426 · untitled in the listing; named from its abstract"


@pytest.mark.parametrize("prefix", ["!", "?"])
def test_help_names_the_prefix(prefix):
    assert f"`{prefix}papers <words>`" in replies.help_text(prefix)


def test_the_command_line_and_discord_show_the_same_papers_and_passages(library, tmp_path):
    """Issue 14: `!papers` showed passages that `papers-bot search` did not; both now get them from the Library."""
    import json

    from click.testing import CliRunner

    from papers_bot.cli import cli

    [page, *_] = replies.search_pages(library.search("seismic fault", k=replies.SEARCH_RESULTS, passages=True))
    shown = CliRunner().invoke(cli, ["--db", str(library.db_path), "search", "seismic fault", "-k", "5", "--json"])
    hits = json.loads(shown.output)
    assert [h["display_title"] for h in hits[:5]] == [c.title.split(". ", 1)[1] for c in page.cards]
    for hit, card in zip(hits, page.cards):
        assert hit["passage"] and hit["passage"].split()[-1].strip("*") in card.description.replace("**", "")


@pytest.mark.parametrize("question, name", [
    ("which papers adapt **SAM** to _seismic_ data?", "which papers adapt SAM to seismic data?"),
    ("<@123456789012345678> papers by <@!42> on `GANs`\n\n# headline", "papers by on GANs headline"),
    ("hey @everyone, <@&5> and <#77>: \u202etxet\x07 \u200bsam?", "hey everyone, and : txet sam?"),
    ("*** <@1>", "Question"),
    ("@\u2060everyone look\u00ad here\u2028now", "everyone look here now"),
])
def test_thread_names_are_plain_words(question, name):
    assert replies.thread_name(question) == name


def test_a_long_question_makes_a_thread_name_within_discords_limit():
    name = replies.thread_name("why " * 200)
    assert len(name) <= 100 and name.endswith("…") and "  " not in name
