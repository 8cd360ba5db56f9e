from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
import sqlite_utils

from papers_bot.errors import PaperNotFound, ParseError, StoreBusy
from papers_bot.store import db as store
from papers_bot.store.parse import read_listing
from tests.conftest import ABSTRACTS, FEED, PROFILE, arxiv_record, write_jsonl


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "p.db")
    yield database
    database.close()


def snapshot(db) -> dict:
    return {t: list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2"))
            for t in ("papers", "paper_authors", "sources", "authors", "meta")}


def load(db, *paths, replace=False):
    return store.load_listings(db, [read_listing(p) for p in paths], replace=replace)


def test_schema_columns_documented_in_readme(db):
    columns = db["papers"].columns_dict
    for name, kind in [("id", str), ("title", str), ("authors", str), ("abstract", str), ("category", str),
                       ("year", int), ("arxiv_id", str), ("url", str), ("code_url", str), ("has_code", int)]:
        assert columns[name] is kind
    assert db["papers"].pks == ["id"]
    assert {"papers", "paper_authors", "authors", "sources", "meta"} <= set(db.table_names())


def test_first_load_then_reload_is_unchanged(db):
    first = load(db, FEED, ABSTRACTS, PROFILE)
    assert (first.added, first.updated, first.removed, first.unchanged) == (62, 0, 0, 0)
    assert first.generation == 1
    before = snapshot(db)
    again = load(db, FEED, ABSTRACTS, PROFILE)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 62)
    assert again.generation == 1 and not again.changed
    assert snapshot(db) == before


def test_rows_hold_parsed_fields(db):
    load(db, FEED, ABSTRACTS, PROFILE)
    row = db["papers"].get("2310.05873")
    assert (row["title"], row["display_title"], row["url"]) == ("", "Geom-Erasing", "https://arxiv.org/abs/2310.05873")
    sam_ids = [r["id"] for r in db.query("SELECT id FROM papers WHERE title LIKE 'Seismic Fault SAM%'")]
    sam = store.get_papers(db, sam_ids)[0]
    assert sam.authors == ("Ran Chen", "Zeren Zhang", "Jinwen Ma")
    assert (sam.year, sam.has_code, sam.code_url, sam.category) == (2024, True, None, "CV")
    assert json.loads(db["authors"].get("Jinwen Ma")["scores"]) == {"Novelty": "54%", "AI Score": "38"}
    assert db["authors"].get("Jinwen Ma")["h_index"] == 11


def test_replace_makes_the_database_exactly_the_listings(db):
    load(db, FEED, ABSTRACTS, PROFILE)
    summary = load(db, FEED, replace=True)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 0, 40, 22)
    assert db["papers"].count == 22
    assert db["authors"].count == 0  # the profile was not among the listings
    assert {r["file"] for r in db.query("SELECT DISTINCT file FROM sources")} == {str(FEED)}


def test_same_arxiv_id_is_one_paper_with_both_sources(db, tmp_path):
    load(db, ABSTRACTS)
    meta = write_jsonl(tmp_path / "m.jsonl",
                       [arxiv_record(id="2310.05873v2", title="Implicit Concept Removal of Diffusion Models")])
    summary = load(db, meta)
    assert (summary.added, summary.updated) == (0, 1)
    paper = store.get_paper(db, "2310.05873")
    assert paper.title == "Implicit Concept Removal of Diffusion Models"
    assert paper.display_title == paper.title
    assert sorted(s.format for s in paper.sources) == ["arxiv-abstracts", "arxiv-jsonl"]
    assert db["papers"].count == 10


def test_same_normalised_title_is_one_paper_and_takes_the_arxiv_id(db, tmp_path):
    load(db, PROFILE)
    old_id = next(db.query("SELECT id FROM papers WHERE title LIKE 'Seismic Fault SAM%'"))["id"]
    title = "seismic fault SAM -- adapting SAM with lightweight modules and 2.5D strategy for fault detection"
    summary = load(db, write_jsonl(tmp_path / "m.jsonl", [arxiv_record(id="2407.14121", title=title)]))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert db["papers"].count == 30
    with pytest.raises(PaperNotFound):
        store.get_paper(db, old_id)
    merged = store.get_paper(db, "2407.14121")
    assert len(merged.sources) == 2 and merged.url == "https://arxiv.org/abs/2407.14121"
    assert merged.has_code  # the profile's Code flag survives the merge


def test_same_title_different_arxiv_ids_are_two_papers(db, tmp_path):
    records = [arxiv_record(id="2401.00001", title="Introduction"), arxiv_record(id="2401.00002", title="Introduction")]
    summary = load(db, write_jsonl(tmp_path / "m.jsonl", records))
    assert summary.added == 2 and db["papers"].count == 2


def test_duplicate_inside_one_load_counts_once(db, tmp_path):
    records = [arxiv_record(), arxiv_record(comments="v2: 13 pages")]
    summary = load(db, write_jsonl(tmp_path / "m.jsonl", records))
    assert (summary.added, summary.updated) == (1, 0)
    assert store.get_paper(db, "2401.00001").comment == "v2: 13 pages"
    assert len(store.get_paper(db, "2401.00001").sources) == 2


def test_a_failure_half_way_leaves_the_database_as_it_was(db, tmp_path):
    load(db, FEED)
    before = snapshot(db)
    vanishing = write_jsonl(tmp_path / "m.jsonl", [arxiv_record()])
    listings = [read_listing(ABSTRACTS), read_listing(vanishing)]
    vanishing.unlink()  # detected, then gone before its papers are streamed
    with pytest.raises(ParseError, match=r"m\.jsonl: cannot read file"):
        store.load_listings(db, listings)
    assert snapshot(db) == before


def test_a_second_writer_is_refused_clearly(db, tmp_path):
    other = store.open_db(tmp_path / "p.db")
    other.conn.execute("PRAGMA busy_timeout = 50")
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy, match="another load is running"):
            store.load_listings(other, [read_listing(FEED)])
    finally:
        db.conn.execute("ROLLBACK")
        other.close()


def test_find_author_exact_partial_and_unknown(db):
    load(db, FEED, PROFILE)
    found = store.find_author(db, "jinwen ma")
    # 10 papers name him; his profile page lists 30 (its author lists are cut short before his name).
    assert found.name == "Jinwen Ma" and found.total == 30 and found.profile and found.profile.citations == 2072
    dates = [p.date or "" for p in found.papers]
    assert dates == sorted(dates, reverse=True)
    partial = store.find_author(db, "Elgammal")
    assert partial.name == "Ahmed Elgammal" and partial.profile is None
    several = store.find_author(db, "Zhu")
    assert several.name is None and "Yizhe Zhu" in several.candidates
    with pytest.raises(PaperNotFound, match="no author"):
        store.find_author(db, "Nobody Atall")
    with pytest.raises(PaperNotFound):
        store.find_author(db, "%")  # LIKE wildcards are text, not patterns


def test_stats(db):
    load(db, FEED, ABSTRACTS, PROFILE)
    s = store.stats(db)
    assert (s["papers"], s["author_profiles"], s["with_code"]) == (62, 1, 10)
    assert s["years"] == {"first": 2017, "last": 2025, "unknown": 1}
    assert s["categories"]["CV"] == 29 and s["categories"]["unknown"] == 10
    assert [x["papers"] for x in s["sources"]] == [22, 10, 30]


def test_a_paper_listed_three_ways_is_one_paper(db, tmp_path):
    """Feed (title only), arXiv abstracts (id only), then JSON (id and title): the JSON record joins both."""
    feed = tmp_path / "feed.txt"
    feed.write_text("CVJan 3, 2024\nA Study of Widget MachinesAda Lovelace, Charles Babbage\n"
                    "Widgets are studied here.\n")
    abstracts = tmp_path / "abs.txt"
    abstracts.write_text("Widgets are studied at length.\n\narXiv:2401.00001\nCreated: 2024-01-03\n")
    meta = write_jsonl(tmp_path / "m.jsonl", [arxiv_record(title="A study of widget machines")])
    load(db, feed, abstracts)
    assert db["papers"].count == 2
    summary = load(db, meta)
    assert db["papers"].count == 1
    assert (summary.added, summary.updated, summary.removed) == (0, 1, 1)
    paper = store.get_paper(db, "2401.00001")
    assert sorted(s.format for s in paper.sources) == ["arxiv-abstracts", "arxiv-jsonl", "feed"]
    # The same three in one load: one paper too.
    fresh = store.open_db(tmp_path / "fresh.db")
    store.load_listings(fresh, [read_listing(p) for p in (feed, abstracts, meta)])
    assert fresh["papers"].count == 1
    fresh.close()


def test_a_complete_author_list_is_not_marked_truncated(db, tmp_path):
    feed = tmp_path / "feed.txt"
    feed.write_text("CVJan 3, 2024\nWidget MachinesAda Lovelace, Charles Babbage et al.\nWidgets.\n")
    load(db, feed)
    full = arxiv_record(title="Widget Machines",
                        authors_parsed=[["Lovelace", "Ada"], ["Babbage", "Charles"], ["Dunn", "Carl"]])
    load(db, write_jsonl(tmp_path / "m.jsonl", [full]))
    paper = store.get_paper(db, "2401.00001")
    assert paper.authors == ("Ada Lovelace", "Charles Babbage", "Carl Dunn") and paper.authors_truncated is False


def test_load_into_a_new_database_holds_only_the_loaded_papers(tmp_path):
    from click.testing import CliRunner

    from papers_bot.cli import cli

    path = write_jsonl(tmp_path / "m.jsonl", [arxiv_record()])
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "new.db"), "load", str(path)])
    assert "1 added, 0 updated, 0 removed" in result.output
    assert store.open_db(tmp_path / "new.db")["papers"].count == 1


def test_the_same_papers_from_a_new_file_are_unchanged_with_new_sources(db, tmp_path):
    """A new snapshot file (another name, papers on other lines) re-indexes only the papers that changed."""
    records = [arxiv_record(id=f"2401.{i:05d}", title=f"Paper {i}") for i in range(5)]
    store.load_listings(db, [read_listing(write_jsonl(tmp_path / "2024-01.jsonl", records))], replace=True)
    records[2] = arxiv_record(id="2401.00002", title="Paper 2, revised")
    changed: list[str] = []

    class Sink:
        def begin(self, db):
            return False

        def upsert(self, row, *, replaces):
            changed.append(row.id)

        def delete(self, paper_id):
            changed.append(paper_id)

        def commit(self, store_version):
            pass

    new = write_jsonl(tmp_path / "2024-02.jsonl", list(reversed(records)))
    summary = store.load_listings(db, [read_listing(new)], replace=True, sink=Sink())
    assert (summary.updated, summary.unchanged, changed) == (1, 4, ["2401.00002"])
    sources = store.get_paper(db, "2401.00004").sources
    assert [(s.file, s.line) for s in sources] == [(str(new), 1)]


def test_a_paper_listed_unchanged_then_changed_in_one_file_keeps_every_source(db, tmp_path):
    """The unchanged listing only adds a source; the changed one after it is what is stored, with all three."""
    first = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id="2401.00001", title="Paper one")])
    store.load_listings(db, [read_listing(first)])
    again = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id="2401.00009", title="Another paper"),
                                               arxiv_record(id="2401.00001", title="Paper one"),
                                               arxiv_record(id="2401.00001", title="Paper one, revised")])
    store.load_listings(db, [read_listing(again)])
    paper = store.get_paper(db, "2401.00001")
    assert paper.title == "Paper one, revised"
    assert sorted((s.file, s.line) for s in paper.sources) == [(str(first), 1), (str(again), 2),
                                                                         (str(again), 3)]


def test_a_database_created_by_another_process_meanwhile_is_opened_not_created_again(tmp_path):
    """Two processes opening a new database at once (the bot and a CLI command): the second waits for the first
    one's schema and uses it, rather than failing with 'database is locked' or 'table already exists'."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=wal")
    other.execute("BEGIN IMMEDIATE")  # the other process is creating the schema
    opened: list = []
    thread = threading.Thread(target=lambda: opened.append(store.open_db(path)))
    thread.start()
    time.sleep(0.3)  # this one has looked, found no schema, and waits for the write lock
    store._create_schema(sqlite_utils.Database(other))
    other.execute("COMMIT")
    thread.join(30)
    assert opened, "open_db failed (see the thread's exception above)"
    assert store.version(opened[0]) == store.version(sqlite_utils.Database(other))
    opened[0].close()
    other.close()
