"""The benchmarks' metrics and readers on numbers checkable by hand, and tiny runs of each bench/ script."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import quality  # noqa: E402


def test_ndcg_average_precision_recall_by_hand():
    gains = {"a": 4, "b": 1}
    ranked = ["b", "x", "a"]
    dcg = 1 / math.log2(2) + 4 / math.log2(4)
    ideal = 4 / math.log2(2) + 1 / math.log2(3)
    assert quality.ndcg(ranked, gains) == pytest.approx(dcg / ideal)
    assert quality.average_precision(ranked, gains) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert quality.recall(ranked[:1], gains) == 0.5
    assert quality.ndcg([], {}) == 0.0


def test_smart_and_qrels_readers(tmp_path):
    (tmp_path / "docs").write_text(".I 1\n.T\nwing flow .\n.A\nsmith,j.\n.W\nwing flow\nin tunnels .\n"
                                   ".I 2\n.W\nheat .\n")
    (tmp_path / "qrels").write_text("1 1 2\n1 2 -1\n2 2 4\n")
    docs = quality.read_smart(tmp_path / "docs")
    assert docs == [{"I": "1", "T": "wing flow .", "A": "smith,j.", "W": "wing flow in tunnels ."},
                    {"I": "2", "W": "heat ."}]
    assert quality.read_qrels(tmp_path / "qrels") == {"1": {"1": 3}, "2": {"2": 1}}  # Cranfield: grade 1 is best
    (tmp_path / "cisi").write_text("     1     28\t0\t0.000000\n     1     35\t0\t0.000000\n     2     3\t0\t0.0\n")
    assert quality.read_qrels(tmp_path / "cisi") == {"1": {"28": 1, "35": 1}, "2": {"3": 1}}
    (tmp_path / "trec").write_text("401 0 FT1 2\n401 0 FT2 0\n402 0 LA3 1\n")
    assert quality.read_qrels(tmp_path / "trec") == {"401": {"FT1": 2}, "402": {"LA3": 1}}


def test_collections_in_smart_and_beir_form(tmp_path):
    smart = tmp_path / "smart"
    smart.mkdir()
    (smart / "X.ALL").write_text(".I 1\n.T\nBoolean retrieval\n.A\nSalton, G.\nWu, H.\n.W\nweights\n.X\n1 5 1\n"
                                 ".I 2\n.W\nheat\n")
    (smart / "X.QRY").write_text(".I 1\n.T\nA title\n.A\nBookstein, A.\n.W\nweighted Boolean\nretrieval?\n"
                                 ".B\n(JASIS, 1981)\n")
    (smart / "X.REL").write_text("1 1 0 0.0\n")
    c = quality.read_collection(smart)
    assert c.docs[0] == {"id": "1", "title": "Boolean retrieval", "authors": ["Salton, G.", "Wu, H."],
                         "abstract": "weights"}
    assert c.queries == {"1": "A title Bookstein, A. weighted Boolean retrieval? (JASIS, 1981)"}
    assert c.qrels == {"1": {"1": 1}}
    assert quality.arxiv_record(c.docs[0], "x")["authors_parsed"] == [["Salton", "G.", ""], ["Wu", "H.", ""]]
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "title": "T", "text": "heat"}\n')
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "heat?"}\n')
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    c = quality.read_collection(beir)
    assert c.docs == [{"id": "d1", "title": "T", "authors": [], "abstract": "heat"}] and c.qrels == {"q1": {"d1": 1}}


def test_ours_runs_through_the_real_loader(tmp_path):
    docs = [{"id": "1", "title": "wing flow", "authors": ["Smith, J."], "abstract": "wing flow in tunnels"},
            {"id": "2", "title": "heat", "authors": [], "abstract": "heat transfer in slabs"}]
    collection = quality.Collection("cran", docs, {"1": "heat slabs"}, {"1": {"2": 1}})
    library = quality.load_into_library(collection, tmp_path)
    try:
        assert [h.paper.id for h in library.search("heat slabs", k=5).hits] == ["cran-2"]
        assert library.search("wing", k=5).hits[0].paper.authors == ("J. Smith",)
    finally:
        library.close()
    results = quality.measure(collection)
    assert [r["ndcg@10"] for r in results[:2]] == [1.0, 1.0]


def test_scale_benchmark_smoke(tmp_path):
    """A tiny run of bench/scale.py end to end: it generates, loads through papers-bot and measures."""
    import scale

    result = scale.measure(300, 20, tmp_path)
    assert result["n"] == 300 and result["load_papers_per_s"] > 0
    assert 0 < result["search_p50_ms"] <= result["search_p99_ms"]
    assert result["filtered_search_p50_ms"] > 0 and 0 < result["question_p50_ms"] <= result["question_p99_ms"]
    assert result["db_mb"] > 0 and result["index_mb"] > 0 and result["search_process_rss_mb"] > 10
    assert result["rank_bm25"]["p50_ms"] > 0
    assert "0 added, 3 updated, 0 removed, 297 unchanged" in result["reload_1pct_changed_said"]
    assert result["meaning_by"] == "exact scan" and 0 < result["hybrid_search_p50_ms"] <= result["hybrid_search_p99_ms"]
    assert min(result["knn_p50_ms"], result["words_alone_search_p50_ms"]) > 0
    assert result["vector_stage_papers_per_s"] > 0 and result["vector_stage_peak_rss_mb"] > 10
    assert result["vectors_mb"] > 300 * 256 / 2**20 and result["vector_index_mb"] == 0


def test_scale_research_tools_smoke(tmp_path):
    """bench/scale.py --research: !trend, !why and the autocompletes timed through the bot's own functions."""
    import scale

    result = scale.measure(300, 8, tmp_path, research_only=True)
    for kind in ("trend", "counts", "why", "author", "paper"):
        assert 0 < result[f"{kind}_50_ms"] <= result[f"{kind}_99_ms"]


def test_load_stages_benchmark_smoke(tmp_path):
    """A tiny run of bench/load_stages.py: every stage measured, the whole load beside them, the budget."""
    import load_stages

    result = load_stages.measure(300, tmp_path)
    assert len(result["stages"]) == 4 and all(s > 0 for s in result["stages"].values())
    assert result["load_cpu_s"] > 0 and result["load_wall_s"] > 0
    report = load_stages.report(result, 2, 15_000)
    assert "| **sum** |" in report and "15,000 papers/s needs at most 133 µs" in report


def test_synthetic_authors_are_many_and_never_abstract_words(tmp_path):
    """Authors as arXiv has them: many different names, some far more often than others."""
    import scale

    vocabulary = set(scale.generate(tmp_path / "papers.jsonl", 2000))
    authors = [a for line in (tmp_path / "papers.jsonl").open() for a in json.loads(line)["authors"].split(", ")]
    counts = Counter(authors)
    assert len(counts) > len(authors) / 3 and counts.most_common(1)[0][1] > 20
    assert not {w.lower() for name in counts for w in name.split()} & vocabulary


def test_synthetic_words_are_distinct_and_shortest_first():
    import scale

    vocabulary = scale.words(10_000)
    assert len(set(vocabulary)) == 10_000
    assert len(vocabulary[0]) <= len(vocabulary[500]) <= len(vocabulary[-1])


def test_fuzz_benchmark_smoke(tmp_path):
    """A tiny run of bench/fuzz.py end to end: every family and huge line once, outcomes, figures, exit 0."""
    done = subprocess.run(
        # A lenient time bound: on a busy machine tiny inputs time noisily (the bound is tested below).
        [sys.executable, str(BENCH / "fuzz.py"), "--cases", "13", "--huge-mb", "0.2", "--baseline-mb", "0.5",
         "--ratio", "1000", "--out", str(tmp_path / "failures")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cases: 22" in done.stdout and "failures: 0" in done.stdout  # 13 mutated, 9 huge lines
    import fuzz

    for family in [*fuzz.FAMILIES, "huge-line"]:
        assert f"\n  {family} " in done.stdout
    assert "worst parse time per MB" in done.stdout and "x the baseline" in done.stdout
    assert not (tmp_path / "failures").exists()


def test_fuzz_benchmark_keeps_a_reproducer_of_each_broken_promise(tmp_path, monkeypatch):
    import fuzz

    result = fuzz.Result(baseline={"any": 1e-9})  # every case is "too slow" against this baseline
    fuzz.run_case(result, "garbage", b"CVJan 1, 2024\nx\n", tmp_path / "f.db", tmp_path / "out", "slow")

    def broken(data, *, name):
        raise KeyError("a bug")

    monkeypatch.setattr(fuzz, "read_listing_bytes", broken)
    fuzz.run_case(result, "garbage", b"boom", tmp_path / "f.db", tmp_path / "out", "crash")
    assert [(f["case"], f["why"].split(":")[0]) for f in result.failures] == [("slow", "too slow"),
                                                                              ("crash", "KeyError")]
    assert (tmp_path / "out" / "crash.bin").read_bytes() == b"boom"
    assert "KeyError: 'a bug'" in (tmp_path / "out" / "crash.txt").read_text()
    assert result.outcomes["garbage", "foreign"] == 1


def test_crash_benchmark_smoke(tmp_path):
    """A tiny bench/crash.py run: loads and an index rebuild SIGKILLed at random points, each leaving the complete
    old or new papers in the store and an index that agrees with it."""
    import crash

    result = crash.run(200, kills=3, rebuild_kills=1, out=tmp_path, log=lambda *_: None, windows=1, races=1)
    assert result["failures"] == []
    assert result["kills"] == 3 == sum(result["landed"].values()) and 0 <= result["kills_in_vectors"] <= 3
    assert result["rebuild_kills"] == 1
    assert sum(result["windows"].values()) == 1 and sum(result["races"].values()) == 1
    assert result["load_s"]["old->new"]["store_commit"] <= result["load_s"]["old->new"]["exit"]


def test_crash_check_catches_an_index_that_disagrees_with_the_store(tmp_path):
    import crash

    from papers_bot.library import Library
    from papers_bot.store import db as store

    old, new = (crash.make_corpus(tmp_path, name, 30, seed=i, skip=i) for i, name in enumerate(["old", "new"]))
    db_path = tmp_path / "papers.db"
    library = Library(db_path, sample_if_new=False)
    library.load([old.path], replace=True)
    assert crash.check(db_path, [old, new]) == (old, False)
    stray = dataclasses.replace(store.get_papers(library.db, [next(iter(old.digests))])[0], id="stray")
    update = library.index.update()  # a paper only the index holds, the versions still equal
    update.upsert(stray, replaces=[])
    update.commit(store.version(library.db))
    library.close()
    with pytest.raises(crash.Inconsistent, match="1 ids only in the index"):
        crash.check(db_path, [old, new])


async def test_bot_load_benchmark_smoke(tmp_path):
    """A tiny run of bench/bot_load.py: the bot in its own process, users here, every answer checked, and
    the bot's loop lag and memory figures come back from its process."""
    import bot_load

    workload = bot_load.build_library(tmp_path, papers=0)
    result = await bot_load.measure(tmp_path, workload, users=5, seconds=None, messages=3, think=0.0)
    assert result["sent"] == result["answered"] == 15
    assert result["missing"] == result["duplicated"] == result["failed"] == result["stray"] == []
    assert 0 < result["answer_p50_ms"] <= result["answer_p99_ms"]
    assert result["loop_lag_max_ms"] >= 0 and isinstance(result["loop_blocked"], list)
    assert result["rss_mb"]["start"] > 10 and result["rss_mb"]["end"] > 0 and result["traced_mb"] is None
    assert "missing" not in " ".join(bot_load.failures(result))


def test_ratio_interval_is_paired_and_brackets_the_ratio():
    same = {"per_query": {"ndcg@10": [0.2, 0.5, 0.9, 0.1]}}
    assert quality.ratio_interval(same, same, "ndcg@10") == (1.0, 1.0)  # paired: a system against itself
    better = {"per_query": {"ndcg@10": [0.4, 1.0, 1.0, 0.3]}}
    low, high = quality.ratio_interval(better, same, "ndcg@10")
    assert 1.0 < low <= (2.7 / 1.7) <= high


def test_harvest_benchmark_smoke(tmp_path):
    """A tiny bench/harvest.py run: a first harvest through the fake arXiv in its own process, timed against a
    load of the same records; harvests SIGKILLed part-way, each completed by one more run and then checked."""
    import harvest

    result = harvest.run(300, page_size=50, kill_rounds=2, kill_records=400, out=tmp_path, log=lambda *_: None)
    first = result["first_harvest"]
    assert first["records"] == 300 and first["harvest_records_per_s"] > 0 and first["load_records_per_s"] > 0
    assert result["kills"]["failures"] == [] and result["kills"]["rounds"] == 2


def test_harvest_check_catches_a_lost_or_doubled_record(tmp_path):
    import harvest

    fake = harvest.Fake(40, 10)
    try:
        db = tmp_path / "h.db"
        assert harvest.timed(harvest.harvest(db, fake.url))[2] == 0
    finally:
        fake.close()
    assert harvest.check(db, 40) == []
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM sources WHERE paper_id = (SELECT MIN(id) FROM papers)")
        conn.execute("INSERT INTO sources VALUES ((SELECT MAX(id) FROM papers), 'harvest/oai/cs', 7, 'arxiv-oai')")
    assert harvest.check(db, 40) == ["40 source rows for 39 papers (one each expected)"]
    assert "not the 41 records" in harvest.check(db, 41)[0]
