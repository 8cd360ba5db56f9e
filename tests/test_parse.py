from __future__ import annotations

from pathlib import Path

import pytest

from papers_bot.errors import ParseError, UnknownFormatError
from papers_bot.store.paper import Paper
from papers_bot.store.parse import FORMAT_BYTES, listing_files, parse_text, read_listing, split_title_authors
from tests.conftest import ABSTRACTS, FEED, PROFILE, arxiv_record, write_jsonl


def papers_of(path: Path) -> dict[str | None, Paper]:
    return {p.title or p.arxiv_id: p for p in read_listing(path).papers}


def test_sample_listings_are_detected_and_complete():
    counts = {}
    for path in (FEED, ABSTRACTS, PROFILE):
        listing = read_listing(path)
        counts[listing.format] = len(list(listing.papers))
        assert listing.warnings == []
    assert counts == {"feed": 22, "arxiv-abstracts": 10, "profile": 30}


def test_feed_title_with_commas_quotes_and_colon_splits_from_authors():
    p = papers_of(FEED)[
        'CAN: Creative Adversarial Networks, Generating "Art" by Learning About Styles and Deviating from Style Norms'
    ]
    assert p.authors == ["Ahmed Elgammal", "Bingchen Liu", "Mohamed Elhoseiny"]
    assert p.authors_truncated is True
    assert (p.category, p.year, p.date, p.date_text) == ("AI", 2017, "2017-06-21", "Jun 21, 2017")
    assert p.has_code is False


def test_feed_title_with_digits_and_code_flag():
    p = papers_of(FEED)[
        "SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion Transformer"
    ]
    assert p.authors == ["Enze Xie", "Junsong Chen", "Yuyang Zhao"]
    assert (p.category, p.year, p.date, p.has_code_flag, p.has_code) == ("CV", 2025, "2025-01-30", True, True)
    assert p.code_url is None  # the feed says code exists but gives no link: none is invented
    assert p.url == (
        "https://arxiv.org/search/?query=SANA+1.5%3A+Efficient+Scaling+of+Training-Time+and+Inference-Time+"
        "Compute+in+Linear+Diffusion+Transformer&searchtype=title"
    )


def test_feed_header_without_year_keeps_year_unknown():
    p = papers_of(FEED)[
        "Dynamic Interaction-Aware and Causality-Disentangled Framework for Multimodal Sentiment Analysis"
    ]
    assert (p.category, p.year, p.date, p.date_text) == ("MM", None, None, "May 29")
    assert p.authors == ["Guangyuan Dong", "Ziwei Hong", "Shenghao Liu"]


@pytest.mark.parametrize(
    "title, authors, truncated",
    [
        ("MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation",
         ["Kunpeng Song", "Yizhe Zhu", "Bingchen Liu"], True),
        ("Federated Knowledge Graph Unlearning via Diffusion Model", ["Bingchen Liu", "Yuanyuan Fang"], False),
        ("Sketch-to-Art: Synthesizing Stylized Art Images From Sketches",
         ["Bingchen Liu", "Kunpeng Song", "Ahmed Elgammal"], False),
        ("Playground v3: Improving Text-to-Image Alignment with Deep-Fusion Large Language Models",
         ["Bingchen Liu", "Ehsan Akhgari", "Alexander Visheratin"], True),
        ("TIME: Text and Image Mutual-Translation Adversarial Networks",
         ["Bingchen Liu", "Kunpeng Song", "Yizhe Zhu"], True),
    ],
)
def test_feed_entries_split_exactly(title, authors, truncated):
    p = papers_of(FEED)[title]
    assert (p.authors, p.authors_truncated) == (authors, truncated)
    assert "et al" not in " ".join(p.authors)


def test_every_feed_author_is_a_plain_name():
    for p in read_listing(FEED).papers:
        assert p.title and p.authors
        for name in p.authors:
            assert name[0].isupper() and "," not in name and name == name.strip(), (p.title, name)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Deep GANSpace for McDonald DataRyan McDonald, Wei Li",
         ("Deep GANSpace for McDonald Data", ["Ryan McDonald", "Wei Li"])),
        ("Learning with LLMsAda Lovelace", ("Learning with LLMs", ["Ada Lovelace"])),
        ("Models Made SimpleYann LeCun, Ada MacKay", ("Models Made Simple", ["Yann LeCun", "Ada MacKay"])),
        ("A Study of 3D ShapesJean-Luc van der Berg, O'Neil Smith et al.",
         ("A Study of 3D Shapes", ["Jean-Luc van der Berg", "O'Neil Smith"])),
        ("no authors at all here", None),
    ],
)
def test_split_title_authors(line, expected):
    got = split_title_authors(line)
    assert (got[:2] if got else None) == expected


def test_feed_code_urls_lose_trailing_punctuation():
    papers = papers_of(FEED)
    fastgan = papers["Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis"]
    assert fastgan.code_url == "https://github.com/odegeasslbc/FastGAN-pytorch"
    sketch = papers["Self-Supervised Sketch-to-Image Synthesis"]
    assert sketch.code_url == "https://github.com/odegeasslbc/Self-Supervised-Sketch-to-Image-Synthesis-PyTorch"
    assert sketch.links == [sketch.code_url, "https://create.playform.io/my-projects?mode=sketch"]


def test_arxiv_abstracts_fields():
    papers = papers_of(ABSTRACTS)
    geom = papers["2310.05873"]
    assert geom.title == ""
    assert geom.display_title == "Geom-Erasing"
    assert (geom.date, geom.updated, geom.year, geom.comment) == ("2023-10-09", "2023-10-10", 2023, None)
    assert geom.url == "https://arxiv.org/abs/2310.05873"
    assert geom.pdf_url == "https://arxiv.org/pdf/2310.05873"
    pixart = papers["2310.00426"]
    assert pixart.display_title == "PIXART-α"
    assert pixart.comment == "Project Page: https://pixart-alpha.github.io"
    assert pixart.links == ["https://pixart-alpha.github.io"] and pixart.code_url is None
    assert (pixart.date, pixart.updated) == ("2023-09-30", None)
    assert papers["2306.05043"].comment == "Accepted by ICML 2023 (Poster)"
    assert papers["2306.03007"].comment == "ICML 2023 (20 pages, 10 figures)"
    assert papers["2205.03059"].comment == "Accepted to JMLR in 2022"
    assert papers["2211.15398"].comment is None


@pytest.mark.parametrize(
    "arxiv_id, name",
    [
        ("2308.11331", "GrowCLIP"),
        ("2306.05043", "TimeDiff"),
        ("2211.15398", "EPIC"),
        ("1912.00398", "AntNet"),
        # No method is introduced by name: the start of the first sentence.
        ("2306.03007", "In this paper, we consider the problem of Iterative Machine Teaching (IMT)…"),
        ("2205.03059", "Nonconvex regularization has been popularly used in low-rank matrix learning"),
    ],
)
def test_untitled_papers_get_readable_names(arxiv_id, name):
    assert papers_of(ABSTRACTS)[arxiv_id].display_title == name


def test_profile_header_is_kept_as_author_data():
    listing = read_listing(PROFILE)
    list(listing.papers)
    assert listing.profile == {
        "name": "Jinwen Ma",
        "category": "CV",
        "h_index": 11,
        "paper_count": 30,
        "citations": 2072,
        "scores": {"Novelty": "54%", "AI Score": "38"},
    }


def test_profile_entries_affiliation_and_code():
    papers = papers_of(PROFILE)
    first = papers[
        "Towards a Unified Theoretical Understanding of Non-contrastive Learning via Rank Differential Mechanism"
    ]
    assert first.authors == ["Zhijian Zhuo", "Yifei Wang", "Jinwen Ma"]
    assert (first.authors_truncated, first.affiliation, first.category, first.date) == (True, "mit", "LG", "2023-03-04")
    assert first.code_url == "https://github.com/PKU-ML/Rank-Differential-Mechanism"
    poly = papers["Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models"]
    assert poly.affiliation == "bytedance" and poly.code_url == "https://github.com/BryceZhuo/PolyCom"
    sam = papers["Seismic Fault SAM: Adapting SAM with Lightweight Modules and 2.5D Strategy for Fault Detection"]
    assert sam.authors == ["Ran Chen", "Zeren Zhang", "Jinwen Ma"] and not sam.authors_truncated
    assert sam.affiliation is None and sam.has_code and sam.code_url is None
    swaptalk = papers["SwapTalk: Audio-Driven Talking Face Generation with One-Shot Customization in Latent Space"]
    assert "http://swaptalk.cc" in swaptalk.links


def test_arxiv_jsonl_fields(tmp_path):
    path = write_jsonl(tmp_path / "meta.jsonl", [arxiv_record()])
    listing = read_listing(path)
    [p] = list(listing.papers)
    assert listing.format == "arxiv-jsonl"
    assert p.title == "Analytical Engines for Everyone"
    assert p.abstract == "We study engines. They compute."
    assert p.authors == ["Ada Lovelace", "Charles Babbage"]
    assert (p.arxiv_id, p.category, p.categories) == ("2401.00001", "cs.LG", ["cs.LG", "cs.AI"])
    assert (p.date, p.updated, p.year, p.comment) == ("2024-01-02", "2024-01-05", 2024, "12 pages")
    assert p.sources[0].line == 1


def test_arxiv_jsonl_opaque_id_is_kept_and_gets_no_arxiv_link(tmp_path):
    record = arxiv_record(id="synthetic-000042", doi="10.1000/xyz", versions=[])
    [p] = list(read_listing(write_jsonl(tmp_path / "m.jsonl", [record])).papers)
    assert (p.id, p.arxiv_id, p.url) == ("synthetic-000042", None, "https://doi.org/10.1000/xyz")
    assert p.year == 2024  # from update_date when there are no versions


def test_arxiv_jsonl_bad_lines_are_skipped_with_file_and_line(tmp_path):
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [arxiv_record(), "{not json", "[1, 2]", arxiv_record(id=""), arxiv_record(id="2401.00002", title=7)],
    )
    listing = read_listing(path)
    assert [p.id for p in listing.papers] == ["2401.00001"]
    assert [w.split(": ")[0] for w in listing.warnings] == [f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:5"]


def test_arxiv_jsonl_streams(tmp_path):
    """The file is read as the papers are consumed, not all at once."""
    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record(id=f"2401.{i:05d}") for i in range(1, 2001)])
    listing = read_listing(path)
    first = next(listing.papers)
    assert first.id == "2401.00001"
    assert 0 < listing.position < listing.size


def test_unknown_format_names_the_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes\nabout nothing in particular.\n")
    with pytest.raises(UnknownFormatError, match=r"notes\.txt: not a known listing format"):
        read_listing(path)


def test_invalid_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "feed.txt"
    path.write_bytes(FEED.read_bytes().replace(b"Diffusion Guided", b"Diffusion \xff Guided", 1))
    with pytest.raises(ParseError) as info:
        read_listing(path)
    assert (info.value.file, info.value.line) == (str(path), 5)


@pytest.mark.parametrize("text", ["", "\n\n", "CVDec 8, 2022\n"])
def test_empty_or_headless_text_is_not_a_listing_or_yields_warnings(text):
    try:
        listing = parse_text(text, name="x.txt")
    except UnknownFormatError:
        return
    assert list(listing.papers) == [] and listing.warnings


def test_malformed_feed_entry_is_skipped_with_a_warning():
    text = FEED.read_text().replace(
        "Diffusion Guided Domain Adaptation of Image GeneratorsKunpeng Song, Ligong Han, Bingchen Liu et al.",
        "diffusion guided domain adaptation, no authors",
    )
    listing = parse_text(text, name="feed.txt")
    assert len(list(listing.papers)) == 21
    assert listing.warnings == ["feed.txt:5: cannot tell the title from the authors; skipped"]


def test_crlf_listing_parses_like_lf():
    listing = parse_text(PROFILE.read_text().replace("\n", "\r\n"), name="p.txt")
    assert len(list(listing.papers)) == 30


def test_listing_files_in_a_folder_skip_readmes_and_hidden(tmp_path):
    (tmp_path / "README.md").write_text("# about")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text("{}")
    (tmp_path / "a.txt").write_text("x")
    assert [p.name for p in listing_files([tmp_path])] == ["a.txt", "b.jsonl"]
    with pytest.raises(ParseError, match="no such file"):
        listing_files([tmp_path / "missing"])


def test_profile_entry_without_abstract_is_skipped_with_its_line():
    text = ("Ada Lovelace\n\nCV\nh-index3\n2papers\n\nCVDec 8, 2022\nEngines\n\nAda Lovelace\n\n"
            "CVDec 9, 2022\nLooms\n\nAda Lovelace · analytical\n\nWe weave.\n")
    listing = parse_text(text, name="p.txt")
    papers = list(listing.papers)
    assert [(p.title, p.affiliation, p.abstract) for p in papers] == [("Looms", "analytical", "We weave.")]
    assert listing.warnings == ["p.txt:8: entry has no abstract; skipped"]
    assert listing.profile is not None
    assert listing.profile["h_index"] == 3 and listing.profile["paper_count"] == 2


@pytest.mark.parametrize(
    "line, title, authors",
    [
        ("Deep NetsAhmed Elgammal, JaeHyun Park", "Deep Nets", ["Ahmed Elgammal", "JaeHyun Park"]),
        ("Deep NetsJ. Smith, A. Jones", "Deep Nets", ["J. Smith", "A. Jones"]),
        ("Deep NetsMaria dos Santos, José y Gasset", "Deep Nets", ["Maria dos Santos", "José y Gasset"]),
        ("Deep GANSpace ModelsAda Lovelace", "Deep GANSpace Models", ["Ada Lovelace"]),
    ],
)
def test_split_camel_case_names_initials_particles(line, title, authors):
    got = split_title_authors(line)
    assert got is not None and got[:2] == (title, authors)


def test_a_skipped_abstract_entry_does_not_lend_its_dates():
    text = ("First abstract.\n\narXiv:2401.00001\nCreated: 2024-01-03\n\n"
            "Second abstract.\n\narXiv:not-an-id\nCreated: 2019-05-05 Updated: 2019-06-06\n")
    listing = parse_text(text, name="a.txt")
    [paper] = list(listing.papers)
    assert (paper.date, paper.updated, paper.year) == ("2024-01-03", None, 2024)
    assert listing.warnings == ["a.txt:8: 'not-an-id' is not an arXiv id; skipped"]


def test_profile_entry_without_author_line_is_skipped():
    text = ("Ada Lovelace\n\nCV\nh-index3\n\nCVDec 8, 2022\nEngines\n\n"
            "Recently, a variety of methods (like BYOL, SimSiam) work.\n\n"
            "More abstract text.\n")
    listing = parse_text(text, name="p.txt")
    assert list(listing.papers) == []
    assert listing.warnings == ["p.txt:7: no author line after the title; skipped"]  # the title's line


@pytest.mark.parametrize("bad", ["2024/01/05", "2024-01-05T10:00:00Z", "yesterday", "2024-02-31"])
def test_arxiv_jsonl_odd_dates_never_break_a_load(tmp_path, bad):
    [p] = list(read_listing(write_jsonl(tmp_path / "m.jsonl", [arxiv_record(versions=[], update_date=bad)])).papers)
    assert p.date in (None, "2024-01-05") and (p.year is None or p.year == 2024)


def test_invalid_calendar_dates_in_headers_keep_only_the_year():
    [p] = list(parse_text("CVFeb 31, 2024\nWidget MachinesAda Lovelace\nWidgets.\n", name="f.txt").papers)
    assert (p.year, p.date, p.date_text) == (2024, None, "Feb 31, 2024")


def test_pretty_printed_json_is_not_json_lines(tmp_path):
    path = tmp_path / "pretty.json"
    path.write_text('{\n  "id": "2401.00001",\n  "title": "x"\n}\n')
    with pytest.raises(UnknownFormatError, match=r"pretty.json:1: starts like JSON"):
        read_listing(path)


def test_folders_skip_index_directories(tmp_path):
    (tmp_path / "papers.db.index").mkdir()
    (tmp_path / "papers.db.index" / "meta.json").write_text("{}")
    (tmp_path / "feed.txt").write_text("x")
    assert [p.name for p in listing_files([tmp_path])] == ["feed.txt"]


def test_warnings_are_capped_per_file(tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record()] + ["{bad"] * 1500)
    listing = read_listing(path)
    assert len(list(listing.papers)) == 1
    assert len(listing.warnings) == 1000 and listing.unlisted_warnings == 500


@pytest.mark.parametrize(
    "line, expected",
    [
        # Each took hours at 2 MB; these sizes took seconds to minutes. Now linear (bench/fuzz.py times 50 MB).
        ("aB" * 50_000 + "Ada Lovelace", ("aB" * 50_000, ["Ada Lovelace"])),  # a split point at every B
        ("Deep" + " " * 100_000 + "NetsAda Lovelace", ("Deep" + " " * 100_000 + "Nets", ["Ada Lovelace"])),  # et al.
        ("Deep nets, " + "Ab CdEf, " * 20_000 + "Ab CdEf", None),  # every name tried, each copying the line
    ],
    ids=["camel-case", "spaces", "many-names"],
)
def test_long_title_lines_split_in_linear_time(line, expected):
    got = split_title_authors(line)
    assert (got[:2] if got else None) == expected


@pytest.mark.parametrize("line", [1, 2])
def test_json_nested_too_deep_is_a_bad_line_not_a_crash(tmp_path, line):
    """`[[[[...]]]]` 5,000 deep raised RecursionError out of the parser."""
    deep = '{"id": "2401.00009", "title": "x", "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    good = arxiv_record(id="2401.00001")
    records: list[dict | str] = [good, deep] if line == 2 else [deep, good]
    path = write_jsonl(tmp_path / "m.jsonl", records)
    if line == 1:
        with pytest.raises(UnknownFormatError, match=r"m\.jsonl:1: starts like JSON"):
            read_listing(path)
        return
    listing = read_listing(path)
    assert [p.id for p in listing.papers] == ["2401.00001"]
    [warning] = listing.warnings
    assert warning.startswith(f"{path}:2: not an arXiv metadata record (maximum recursion depth exceeded")


def test_a_fifo_named_to_load_is_refused_not_waited_on(tmp_path):
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match="not a regular file") as e:
        listing_files([fifo])
    assert str(fifo) in str(e.value)


@pytest.mark.parametrize("bad_id, says", [("x" * 70_000, "is longer than 1000 bytes"),
                                          ("\x00meta", "holds control characters")])
def test_ids_the_index_cannot_hold_are_skipped_with_a_warning(tmp_path, bad_id, says):
    path = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id=bad_id), arxiv_record(id="2401.00002")])
    listing = read_listing(path)
    assert [p.id for p in listing.papers] == ["2401.00002"]
    assert listing.warnings == [f"{path}:1: not an arXiv metadata record (`id` {says}); skipped"]


def _peak_memory_refusing(path, says: str) -> int:
    """The most memory (bytes, as tracemalloc counts it) that refusing `path` as in no format took."""
    import tracemalloc

    from papers_bot.errors import UnknownFormatError

    tracemalloc.start()
    try:
        with pytest.raises(UnknownFormatError, match=says):
            read_listing(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_file_in_no_format_is_refused_without_reading_it_whole(tmp_path):
    sparse = tmp_path / "huge.txt"
    with sparse.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # 200 MB of nothing, taking no disk
    peak = _peak_memory_refusing(sparse, "not a known listing format")
    assert peak < 5 * 1024 * 1024  # (read whole, it took over 400 MB)


def test_a_huge_text_file_in_no_format_is_refused_after_its_first_megabyte(tmp_path):
    prose = tmp_path / "prose.txt"
    prose.write_text("Words, words, words; no listing in any of them.\n" * 500_000)  # 24 MB of text
    peak = _peak_memory_refusing(prose, "none shows in its first 1 MB")
    assert peak < 10 * 1024 * 1024  # (read whole before: the file and its lines, over 60 MB)
    big_feed = tmp_path / "feed.txt"  # a real listing over the limit still loads
    entry = FEED.read_text().strip() + "\n\n"
    big_feed.write_text(entry * (2 * FORMAT_BYTES // len(entry) + 1))
    assert len(list(read_listing(big_feed).papers)) > 0


def test_names_that_are_not_text_and_links_that_loop_are_clear_errors(tmp_path):
    import os

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "self").symlink_to(folder / "self")
    with pytest.raises(ParseError, match="a link that cannot be followed"):
        listing_files([folder])
    (folder / "self").unlink()
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    with pytest.raises(ParseError, match="a link that cannot be followed"):
        listing_files([folder])
    (folder / "a").unlink()
    (folder / "b").unlink()
    bad = os.fsdecode(bytes(folder) + b"/bad\xff.txt")
    Path(bad).write_text("CVJan 30, 2025\nA titleAnn Lee\nAn abstract.\n")
    for named in ([folder], [bad]):
        with pytest.raises(ParseError, match="the file name is not valid UTF-8") as e:
            listing_files(named)
        str(e.value).encode("utf-8")  # (the message itself is text)


def test_a_large_feed_saved_with_a_byte_order_mark_loads(tmp_path):
    """From review: over 1 MB, the format was looked for in bytes decoded without the BOM taken off."""
    entry = FEED.read_text().strip() + "\n\n"
    big = tmp_path / "feed.txt"
    big.write_bytes(b"\xef\xbb\xbf" + (entry * (2 * FORMAT_BYTES // len(entry) + 1)).encode())
    assert len(list(read_listing(big).papers)) > 0


def test_a_date_past_tomorrow_is_no_date_and_the_listing_keeps_its_text(tmp_path):
    import datetime

    from papers_bot.store.paper import iso_date
    from papers_bot.store.parse import parse_header

    day = datetime.date(2026, 12, 7)
    assert iso_date("2026-12-08", latest=day + datetime.timedelta(1)) == "2026-12-08"  # (tomorrow, in some zone)
    assert iso_date("2026-12-09T10:00:00", latest=day + datetime.timedelta(1)) is None
    assert iso_date("9999-12-31") is None and iso_date("2024-02-30") is None
    header = parse_header("CVDec 31, 9999Code")
    assert header is not None and (header["year"], header["date"], header["date_text"]) == (None, None, "Dec 31, 9999")
    record = arxiv_record(id="2401.00002", versions=[{"version": "v1", "created": "Fri, 31 Dec 9999 10:00:00 GMT"}],
                          update_date="9999-12-31")
    [p] = list(read_listing(write_jsonl(tmp_path / "future.jsonl", [record])).papers)
    assert (p.date, p.updated, p.year) == (None, None, None)
