from __future__ import annotations

import pytest

from papers_bot.format import DISCORD, PLAIN, format_answer, format_author, format_hits, format_paper, format_stats


@pytest.mark.parametrize(
    "text",
    ["@everyone look", "@here now", "<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>",
     "@\u200beveryone", "@\u2060everyone", "<#123456789012345678>"],
)
def test_untrusted_text_cannot_mention(text):
    out = DISCORD.text(text)
    assert "@everyone" not in out and "@here" not in out
    assert "<@1" not in out and "<@!" not in out and "<@&" not in out and "<#1" not in out


def test_untrusted_text_cannot_format():
    out = DISCORD.text("**bold** _it_ `code` [link](http://evil) > quote ~~x~~ ||spoiler|| # head")
    for raw in ("**bold**", "_it_", "`code`", "[link](", "~~x~~", "||spoiler||"):
        assert raw not in out
    assert PLAIN.text("**bold**") == "**bold**"  # a terminal shows it as written


def test_highlight_bolds_query_terms_by_their_stem():
    out = DISCORD.highlight("Adapting SAM to seismic data_sets.", {"adapt", "seismic"})
    assert out == r"**Adapting** SAM to **seismic** data\_sets."


def test_hits_show_title_link_authors_year_code_and_id(library):
    result = library.search("few-shot GAN training", k=1)
    text = format_hits(result, DISCORD)
    assert text.startswith("1. **[Towards Faster and Stabilized GAN Training")
    assert "(<https://arxiv.org/search/?query=Towards+Faster" in text
    assert "Bingchen Liu, Yizhe Zhu, Kunpeng Song et al. · 2021 · CV" in text
    assert "[code](<https://github.com/odegeasslbc/FastGAN-pytorch>)" in text
    assert "`towards-faster-and-9bb2e7`" in text


def test_empty_result_says_so(library):
    assert format_hits(library.search("zzzqqq"), PLAIN) == "No papers match zzzqqq. Try fewer or different words."


def test_answer_text(library):
    text = format_answer(library.ask("which papers adapt SAM to seismic data?"), DISCORD)
    assert text.startswith("**[Seismic Fault SAM: Adapting SAM")
    assert "\n> " in text and "**seismic**" in text
    assert "No paper" in format_answer(library.ask("quantum gravity"), PLAIN)


def test_paper_in_full(library):
    text = format_paper(library.paper("2310.00426"), PLAIN)
    assert text.splitlines()[0] == "PIXART-α"
    assert "arXiv:2310.00426 (the listing gives no title; named from its abstract)" in text
    assert "PDF: https://arxiv.org/pdf/2310.00426" in text and "link: https://pixart-alpha.github.io" in text
    assert "Sources: sample/001_c0ce64b68d182523.txt:6" in text
    mcaf = library.search("multimodal sentiment causal disentanglement", k=1).hits[0].paper
    assert "May 29 (year unknown)" in format_paper(library.paper(mcaf.id), PLAIN)


def test_author_and_stats(library):
    text = format_author(library.author("Jinwen Ma"), PLAIN)
    assert "Profile: CV · h-index 11 · papers 30 · citations 2,072 · Novelty 54% · AI Score 38" in text
    assert "30 papers in the library:" in text
    stats = format_stats(library.stats(), PLAIN)
    assert stats.startswith("62 papers by ") and "Years: 2017–2025 (1 with no year)" in stats


def test_no_hits_explains_filters_and_notes(library):
    text = format_hits(library.search("diffusion year:1990 cat:CV"), PLAIN)
    assert text.startswith("No paper matches 1990, category cv; the nearest without it:\n1. ")  # (never a dead end)
    assert "diffusion" in text.split("\n")[1].lower()
    text = format_hits(library.search("zzzq year:1990"), PLAIN)
    assert text.startswith("No papers match zzzq year:1990. Filters: 1990")
    assert "`venue:` is not a filter here" in format_hits(library.search("diffusion venue:ICML"), PLAIN)
    assert "not a filter here" in format_hits(library.search("zzzq foo:bar"), PLAIN)
    assert "Give me some words" in format_hits(library.search("the of ?"), PLAIN)


def test_links_and_codes_cannot_mention_or_break_out():
    from papers_bot.format import safe_url

    assert safe_url("https://doi.org/10.1/a> @everyone [x](https://evil.example) <@&123>") == (
        "https://doi.org/10.1/a%3E%20%40everyone%20%5Bx%5D%28https://evil.example%29%20%3C%40&123%3E"
    )
    assert safe_url("javascript:alert(1)") is None and safe_url("www.example.com") is None
    assert DISCORD.link("code", "https://github.com/@everyone/x") == "[code](<https://github.com/%40everyone/x>)"
    assert "@everyone" not in DISCORD.code("@everyone <@&99>") and "<@&9" not in DISCORD.code("@everyone <@&99>")


def test_undecodable_query_text_is_answered(library):
    result = library.search("caf\udce9 seismic")
    assert result.hits and "\udce9" not in format_hits(result, PLAIN)


@pytest.mark.parametrize("url, shown", [
    ("http://user:secret@example.org:8080/oai?verb=x", "http://***@example.org:8080/oai?verb=x"),
    ("http://tokenonly@example.org/", "http://***@example.org/"),
    ("http://u:p@[::1]:9/x", "http://***@[::1]:9/x"),
    ("https://example.org/oai", "https://example.org/oai"),
    ("http://[::1/", "(an address that does not parse)"),
])
def test_a_url_is_shown_without_what_stands_before_its_at(url, shown):
    from papers_bot.text import redact_url

    assert redact_url(url) == shown


@pytest.mark.parametrize("url", ["http://user:pa#ss@example.org/oai", "http://user:p@ss@example.org/oai",
                                 "http://user:p?x@example.org/oai", "http://user:p/x@example.org/oai"])
def test_a_password_that_breaks_the_address_is_still_never_shown(url):
    from papers_bot.text import redact_url, redact_urls

    assert "***@example.org" in redact_url(url) and "ss" not in redact_url(url).replace("https", "")
    assert redact_urls(f"stopped: {url} answered 500") == "stopped: http://***@example.org/oai answered 500"
