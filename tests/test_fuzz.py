"""Bad input never breaks a load: the parsers return papers or raise our ParseError, and what parses stores.

Property tests (hypothesis, derandomized) and the mutation families of bench/fuzz.py applied to every sample
listing; `python bench/fuzz.py` runs thousands more cases and the 50 MB lines, and measures parse time.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papers_bot.errors import ParseError, UnknownFormatError
from papers_bot.library import Library
from papers_bot.store import db as store
from papers_bot.store.parse import HEADER, read_listing_bytes
from tests.conftest import ABSTRACTS, FEED, PROFILE, arxiv_record, write_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import fuzz

FUZZ = settings(
    derandomize=True,  # the same examples on every run: a failure here is reproducible, never flaky
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAMPLES = [path.read_text().splitlines() for path in (FEED, ABSTRACTS, PROFILE)]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    """One database for a module's fuzzed listings: each load replaces what the one before stored."""
    return tmp_path_factory.mktemp("fuzz") / "fuzz.db"


def parses_and_stores(data: bytes | Path, db_path: Path, name: str = fuzz.NAME) -> None:
    """The promise: papers that load into the database and read back, or our own error naming the file."""
    papers, error = fuzz.parse(data, name)
    if error is None:
        fuzz.store_and_reopen(data, papers, db_path, name)


# -- properties ----------------------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from([b"", b"{", b"\xef\xbb\xbf", b"CVJan 1, 2024\n", b'{"id": "1", "title": "x"}\n']),
       st.binary(max_size=2048))
def test_random_bytes(db_path, start, data):
    parses_and_stores(start + data, db_path)


listing_line = (
    st.sampled_from(sorted({line for lines in SAMPLES for line in lines}))
    | st.text(max_size=80)
    | st.from_regex(HEADER, fullmatch=True)
    | st.from_regex(r"arXiv:\d{4}\.\d{4,5}(v\d)?|Created: 20\d\d-[01]\d-[0-3]\d( Updated: 2024-01-0\d)?",
                    fullmatch=True)
)


@st.composite
def listing_lines(draw) -> list[str]:
    """A run of a sample listing's lines with lines of any kind put in among them."""
    sample = draw(st.sampled_from(SAMPLES))
    start = draw(st.integers(0, len(sample) - 1))
    lines = sample[start : start + draw(st.integers(1, 40))]
    for _ in range(draw(st.integers(0, 5))):
        lines.insert(draw(st.integers(0, len(lines))), draw(listing_line))
    return lines


@FUZZ
@given(listing_lines() | st.lists(listing_line, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]),
       st.sampled_from(["", "\ufeff"]))
def test_lines_of_real_listings_and_random_text(db_path, lines, newline, bom):
    parses_and_stores((bom + newline.join(lines)).encode(), db_path)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["\ud800", "x\udfff", "\ud83d\ude00", "2024-02-30", "Mon, 2 Apr 2007 19:18:42 GMT",
                       "2310.05873v2"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
record = st.builds(
    lambda fields, number: arxiv_record(**{"id": f"2401.{number:05d}", **fields}),
    st.dictionaries(st.sampled_from([*arxiv_record(), "extra"]), json_value, max_size=3),
    st.integers(1, 5),  # few ids: the same paper twice, merged in the store
)


@FUZZ
@given(record, st.lists(record | st.text(max_size=40) | st.just("[" * 5000 + "]" * 5000), max_size=7))
def test_arxiv_json_lines_with_odd_values(db_path, first, records):
    records = [first, *records]
    path = write_jsonl(db_path.with_name("m.jsonl"), records)
    parses_and_stores(path, db_path, str(path))


# -- the mutation families on every sample listing ------------------------------------------------------


@pytest.mark.parametrize("seed_name", list(fuzz.SEEDS))
@pytest.mark.parametrize("family", list(fuzz.FAMILIES))
def test_mutated_samples(db_path, family, seed_name):
    for k in range(3):
        rng = random.Random(f"{family}-{seed_name}-{k}")
        parses_and_stores(fuzz.FAMILIES[family](fuzz.SEEDS[seed_name], rng), db_path)


def ids(data: bytes) -> list[str]:
    return [p.id for p in read_listing_bytes(data, name="x").papers]


@pytest.mark.parametrize("seed_name", list(fuzz.SEEDS))
def test_a_truncated_listing_loses_only_the_entry_it_cuts(seed_name):
    data = fuzz.SEEDS[seed_name]
    whole = ids(data)
    for k in range(10):
        cut = data[: random.Random(k).randrange(len(data) // 2, len(data))]
        got = ids(cut)
        assert 0 < len(got) <= len(whole)
        assert got[:-1] == whole[: len(got) - 1]


@pytest.mark.parametrize(
    "seed_name, newline",
    # JSON lines end with \n (or \r\n); a file of \r-ended records is one line, not a listing.
    [(name, newline) for name in fuzz.SEEDS for newline in (b"\r\n", b"\r")
     if (name, newline) != ("arxiv.jsonl", b"\r")],
)
def test_crlf_and_cr_parse_like_lf(seed_name, newline):
    data = fuzz.SEEDS[seed_name]
    assert ids(data.replace(b"\n", newline)) == ids(b"\xef\xbb\xbf" + data) == ids(data)


@pytest.mark.parametrize("path", [FEED, ABSTRACTS, PROFILE], ids=lambda p: p.name[:3])
@pytest.mark.parametrize("bad", fuzz.BAD_UTF8)
def test_invalid_utf8_anywhere_names_its_line(path, bad):
    data = path.read_bytes()
    at = random.Random(repr(bad)).randrange(len(data))
    at = data.rfind(b"\n", 0, at) + 1  # the start of a line: the bad bytes cannot join a character before them
    with pytest.raises(ParseError) as info:
        read_listing_bytes(data[:at] + bad + data[at:], name="f.txt")
    assert (info.value.file, info.value.line) == ("f.txt", data.count(b"\n", 0, at) + 1)
    assert "not UTF-8 text" in str(info.value)


@pytest.mark.parametrize("data", [b"", b"\n\n", b" \t\r\n", b"\xef\xbb\xbf", b"\x00", b"{}", b"{\n"])
def test_empty_files_are_in_no_format(data):
    with pytest.raises(UnknownFormatError, match=r"^f\.txt"):
        read_listing_bytes(data, name="f.txt")


@pytest.mark.parametrize("path", [FEED, PROFILE, ABSTRACTS], ids=lambda p: p.name[:3])
def test_headers_with_no_body_give_a_warning_each_and_no_paper(path):
    data = fuzz.headers_only(path.read_bytes(), random.Random(0))
    listing = read_listing_bytes(data, name="h.txt")
    assert list(listing.papers) == []
    assert listing.format == read_listing_bytes(path.read_bytes(), name="h.txt").format
    entries = [line for line in data.decode().splitlines() if HEADER.fullmatch(line) or line.startswith("arXiv:")]
    assert len(listing.warnings) == len(entries) > 5
    assert all(w.startswith("h.txt:") and w.endswith("; skipped") for w in listing.warnings)


# -- regressions: what the fuzzer found ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("text", "UnknownFormatError"),
        ("json-first-line", "UnknownFormatError"),
        ("json-second-line", 2),
        ("feed-title", 1),
        ("feed-title-spaces", 1),
        ("feed-author-list", 0),
        ("feed-abstract", 1),
        ("arxiv-abstract", 1),
        ("profile-title", 1),
    ],
)
def test_a_2mb_line_in_each_place(db_path, name, expected):
    """A title line of 2 MB took hours: every split point re-split the rest of the line and copied the text
    before it, and `\\s+` in the `et al.` pattern was tried at every space of a long run. All linear now
    (bench/fuzz.py times 50 MB lines)."""
    data = fuzz.huge_lines(2_000_000)[name]
    papers, error = fuzz.parse(data)
    assert (type(error).__name__ if error else len(papers)) == expected
    if name.startswith("feed-title"):
        [paper] = papers
        assert paper.authors == (["Ada Lovelace", "Alan Turing"] if name == "feed-title" else ["Ada Lovelace"])
        assert len(paper.title) > 1_999_000 and paper.abstract == "An abstract."
    if not error:
        assert fuzz.store_and_reopen(data, papers, db_path) == len(papers)


# -- through the library, as a reload ------------------------------------------------------------------


def test_reload_of_each_mutation_loads_it_or_changes_nothing(tmp_path):
    """Every family through `Library.load` (as `!reload` with an attachment): a file that parses replaces the
    library's papers, one that does not leaves store and index as they were; the library re-opens in step."""
    db_path = tmp_path / "papers.db"
    library = Library(db_path)
    outcomes = set()
    try:
        for family, mutate in fuzz.FAMILIES.items():
            seed_name = random.Random(family).choice(list(fuzz.SEEDS))
            data = mutate(fuzz.SEEDS[seed_name], random.Random(family))
            before = (library.stats(), store.version(library.db), library.index.store_version)
            try:
                summary = library.load([], attached=[("attachment", data)], replace=True)
            except ParseError as e:
                assert e.file == "attachment"
                assert (library.stats(), store.version(library.db), library.index.store_version) == before
                outcomes.add("error")
                continue
            assert library.stats()["papers"] == summary.added + summary.updated + summary.unchanged
            assert library.index.store_version == store.version(library.db)
            outcomes.add("papers")
        papers = library.stats()["papers"]
    finally:
        library.close()
    assert outcomes == {"error", "papers"}
    reopened = Library(db_path)
    try:
        assert reopened.stats()["papers"] == papers
        assert reopened.index.store_version == store.version(reopened.db)
        assert reopened.index.snapshot().searcher().num_docs == papers + 1
    finally:
        reopened.close()
