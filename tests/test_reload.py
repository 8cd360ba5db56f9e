"""Reloads that read only what changed: unchanged files and lines are passed over, as stored (issue 28)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from papers_bot.store import db as store
from papers_bot.store import parse
from papers_bot.store.parse import read_listing
from tests.conftest import arxiv_record, write_jsonl


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "p.db")
    yield database
    database.close()


@pytest.fixture
def decoded(monkeypatch) -> list[str]:
    """The ids of the JSON records decoded into papers (a line passed over is never decoded)."""
    seen: list[str] = []
    real = parse.paper_from_arxiv_json

    def counting(obj, source):
        seen.append(obj["id"])
        return real(obj, source)

    monkeypatch.setattr(parse, "paper_from_arxiv_json", counting)
    return seen


def records(n: int) -> list[dict]:
    return [arxiv_record(id=f"2401.{i:05d}", title=f"Paper {i}") for i in range(n)]


def load(db, *paths, replace=False, also=None):
    return store.load_listings(db, [read_listing(p) for p in paths], replace=replace, also=also)


def counts(summary: store.LoadSummary) -> tuple[int, int, int, int]:
    return summary.added, summary.updated, summary.removed, summary.unchanged


def everything(db) -> dict:
    return {t: list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2"))
            for t in ("papers", "paper_authors", "sources", "loaded_files", "loaded_lines")}


def test_an_unchanged_file_is_not_read_again(db, tmp_path, decoded):
    path = write_jsonl(tmp_path / "a.jsonl", records(5))
    assert counts(load(db, path)) == (5, 0, 0, 0)
    decoded.clear()
    before = everything(db)
    again = load(db, path, replace=True)
    assert counts(again) == (0, 0, 0, 5) and again.files == [(str(path), "arxiv-jsonl", 5)]
    assert decoded == [] and not again.changed
    assert everything(db) == before


def test_only_the_changed_lines_of_a_file_are_decoded(db, tmp_path, decoded):
    listed = records(5)
    path = write_jsonl(tmp_path / "a.jsonl", listed)
    load(db, path)
    listed[3]["abstract"] = "A new abstract."
    write_jsonl(path, listed)
    decoded.clear()
    summary = load(db, path, replace=True)
    assert counts(summary) == (0, 1, 0, 4) and decoded == ["2401.00003"]
    assert store.get_paper(db, "2401.00003").abstract == "A new abstract."
    decoded.clear()
    assert counts(load(db, path, replace=True)) == (0, 0, 0, 5) and decoded == []  # (and recorded as changed)


def test_a_file_changed_in_place_with_the_same_size_and_time_is_read(db, tmp_path, decoded):
    listed = records(3)
    path = write_jsonl(tmp_path / "a.jsonl", listed)
    load(db, path)
    stat = path.stat()
    listed[1]["title"] = "Paper X"  # (as long as `Paper 1`)
    write_jsonl(path, listed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    decoded.clear()
    assert counts(load(db, path)) == (0, 1, 0, 2) and decoded == ["2401.00001"]
    assert store.get_paper(db, "2401.00001").title == "Paper X"


def test_a_new_parser_reads_every_line_again(db, tmp_path, decoded, monkeypatch):
    path = write_jsonl(tmp_path / "a.jsonl", records(3))
    load(db, path)
    monkeypatch.setattr(parse, "_PARSER_HASH", hashlib.sha1(b"another parser"))
    decoded.clear()
    assert counts(load(db, path)) == (0, 0, 0, 3) and len(decoded) == 3
    decoded.clear()
    assert counts(load(db, path)) == (0, 0, 0, 3) and decoded == []


def test_replace_keeps_the_papers_of_files_passed_over(db, tmp_path, decoded):
    a = write_jsonl(tmp_path / "a.jsonl", records(3))
    b = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id=f"2402.{i:05d}", title=f"Other {i}") for i in range(2)])
    load(db, a, b)
    listed = [arxiv_record(id=f"2402.{i:05d}", title=f"Other {i}") for i in range(2)]
    listed[0]["title"] = "Other zero"
    write_jsonl(b, listed)
    decoded.clear()
    summary = load(db, a, b, replace=True)
    assert counts(summary) == (0, 1, 0, 4) and decoded == ["2402.00000"]
    assert db["papers"].count == 5
    # A file no longer listed loses its papers, passed over or not.
    assert counts(load(db, b, replace=True)) == (0, 0, 3, 2) and db["papers"].count == 2


def test_a_paper_listed_in_two_files_keeps_both_sources(db, tmp_path, decoded):
    a = write_jsonl(tmp_path / "a.jsonl", records(3))
    b = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id="2403.00001", title="Elsewhere")])
    load(db, a, b, replace=True)
    # b now lists a paper of a (unchanged, passed over) too: it is stored with both listings.
    both = arxiv_record(id="2401.00001", title="Paper 1", doi="10.1000/one")
    write_jsonl(b, [arxiv_record(id="2403.00001", title="Elsewhere"), both])
    summary = load(db, a, b, replace=True)
    assert counts(summary) == (0, 1, 0, 3)
    paper = store.get_paper(db, "2401.00001")
    assert paper.doi == "10.1000/one"
    assert sorted((s.file, s.line) for s in paper.sources) == [(str(a), 2), (str(b), 2)]
    # Then with b changed elsewhere, and in the other order: both listings are read again, both sources kept.
    write_jsonl(b, [arxiv_record(id="2403.00001", title="Elsewhere, revised"), both])
    decoded.clear()
    summary = load(db, b, a, replace=True)
    assert counts(summary) == (0, 1, 0, 3)
    assert sorted(decoded) == ["2401.00001", "2401.00001", "2403.00001"]
    paper = store.get_paper(db, "2401.00001")
    assert sorted((s.file, s.line) for s in paper.sources) == [(str(a), 2), (str(b), 2)]
    assert paper.doi == "10.1000/one"


def test_a_paper_read_first_then_on_an_unchanged_line_keeps_both(db, tmp_path, decoded):
    """A changed file read before an unchanged one that lists the same paper: the unchanged line is read too."""
    a = write_jsonl(tmp_path / "a.jsonl", records(2))
    load(db, a)
    b = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id="2401.00001", title="Paper 1", doi="10.1000/b")])
    decoded.clear()
    load(db, b, a, replace=True)
    paper = store.get_paper(db, "2401.00001")
    assert sorted((s.file, s.line) for s in paper.sources) == [(str(a), 2), (str(b), 1)]
    assert paper.doi == "10.1000/b"


def test_a_failed_load_leaves_the_records_as_they_were(db, tmp_path, decoded):
    listed = records(4)
    path = write_jsonl(tmp_path / "a.jsonl", listed)
    load(db, path)
    before = everything(db)
    listed[2]["title"] = "Paper two, changed"
    write_jsonl(path, listed)

    def fail(_db):
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        load(db, path, also=fail)
    assert everything(db) == before
    decoded.clear()
    assert counts(load(db, path)) == (0, 1, 0, 3) and decoded == ["2401.00002"]


def test_lines_with_warnings_are_read_again_and_warn_again(db, tmp_path, decoded):
    path = write_jsonl(tmp_path / "a.jsonl", [*records(2), "{not json"])
    assert len(load(db, path).warnings) == 1
    decoded.clear()
    again = load(db, path)
    assert len(again.warnings) == 1 and counts(again) == (0, 0, 0, 2) and decoded == []


def test_a_paper_removed_by_another_load_is_read_again(db, tmp_path, decoded):
    a = write_jsonl(tmp_path / "a.jsonl", records(2))
    b = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id="2409.00001", title="Another")])
    load(db, a)
    load(db, b, replace=True)  # (a's papers are removed; its records stay)
    decoded.clear()
    assert counts(load(db, a)) == (2, 0, 0, 0) and sorted(decoded) == ["2401.00000", "2401.00001"]
    assert json.loads(store.get_paper(db, "2401.00000").raw or "{}") == {}


def test_a_loads_bookkeeping_stays_in_sqlite_not_in_memory(db, tmp_path, monkeypatch):
    """What a load knows of each paper it touched (hashes before and after) is kept a batch at a time in memory:
    its memory does not grow with the papers. The tally is the same."""
    monkeypatch.setattr(store, "BATCH", 10)
    held: list[int] = []
    real = store._Loader.load_batch

    def load_batch(self, batch):
        ids = real(self, batch)
        held.append(len(self.before) + len(self.after))
        return ids

    monkeypatch.setattr(store._Loader, "load_batch", load_batch)
    path = write_jsonl(tmp_path / "a.jsonl", records(60))
    assert counts(load(db, path)) == (60, 0, 0, 0)
    other = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(id="2409.00001", title="Another")])
    monkeypatch.setattr(parse, "_PARSER_HASH", hashlib.sha1(b"another parser"))  # (every line read again)
    assert counts(load(db, other, path, replace=True)) == (1, 0, 0, 60)
    assert len(held) == 6 + 7 and max(held) == 0


def test_lines_past_the_end_of_a_shortened_file_are_forgotten(db, tmp_path, decoded):
    listed = records(5)
    path = write_jsonl(tmp_path / "a.jsonl", listed)
    load(db, path)
    write_jsonl(path, listed[:3])
    assert counts(load(db, path, replace=True)) == (0, 0, 2, 3)
    assert db.conn.execute("SELECT COUNT(*) FROM loaded_lines").fetchone()[0] == 3
    write_jsonl(path, listed)
    decoded.clear()
    assert counts(load(db, path, replace=True)) == (2, 0, 0, 3) and decoded == ["2401.00003", "2401.00004"]


def fresh(tmp_path, *paths) -> list[dict]:
    """The papers and sources a new library makes of `paths` (every line read), as `rows` gives them."""
    other = store.open_db(tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}.db")
    try:
        load(other, *paths)
        return rows(other)
    finally:
        other.close()


def rows(db) -> list[dict]:
    return [*db.query("SELECT id, doi, journal_ref, content_hash FROM papers ORDER BY id"),
            *db.query("SELECT paper_id, line FROM sources ORDER BY 1, 2")]


def test_a_line_merged_by_a_plain_load_is_read_again_by_replace(db, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(doi="10.1000/wrong", **{"journal-ref": "Retracted J."})])
    load(db, path)
    write_jsonl(path, [arxiv_record()])  # (the DOI and journal reference taken out of the listing)
    load(db, path)  # (a plain reload, as `!reload` without a data folder: it keeps the stored values)
    load(db, path, replace=True)  # (now exactly this file: as a full read makes it, however often)
    assert rows(db) == fresh(tmp_path, path)
    load(db, path, replace=True)
    assert rows(db) == fresh(tmp_path, path)


def test_an_unchanged_line_after_a_batch_that_changed_its_paper_is_read(db, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BATCH", 2)
    path = write_jsonl(tmp_path / "a.jsonl", [*records(2), arxiv_record(id="2401.00009", title="X, line 3")])
    load(db, path)
    # (lines 1 and 2 change, line 2 now listing X too: that batch is written before line 3, unchanged, is reached)
    write_jsonl(path, [arxiv_record(id="2401.00000", title="Paper 0, again"),
                       arxiv_record(id="2401.00009", title="X, line 2"),
                       arxiv_record(id="2401.00009", title="X, line 3")])
    load(db, path, replace=True)
    assert rows(db) == fresh(tmp_path, path)


def test_the_same_record_twice_in_a_file_keeps_both_lines(db, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(), arxiv_record()])
    load(db, path)
    assert [(s["line"]) for s in db.query("SELECT line FROM sources ORDER BY line")] == [1, 2]
    load(db, path)
    assert rows(db) == fresh(tmp_path, path)


def test_replace_forgets_the_records_of_files_it_does_not_list(db, tmp_path):
    old, new = write_jsonl(tmp_path / "old.jsonl", records(3)), write_jsonl(tmp_path / "new.jsonl", records(2))
    load(db, old)
    load(db, new, replace=True)
    assert [r["file"] for r in db.query("SELECT file FROM loaded_files")] == [str(new)]
    assert db.conn.execute("SELECT COUNT(*) FROM loaded_lines").fetchone()[0] == 2
