"""The quality benchmark's metrics and readers, on numbers checkable by hand (the full run is bench/quality.py)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
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
    (tmp_path / "docs").write_text(".I 1\n.T\nwing flow .\n.A\nsmith,j.\n.W\nwing flow\nin tunnels .\n.I 2\n.W\nheat .\n")
    (tmp_path / "qrels").write_text("1 1 2\n1 2 -1\n2 2 4\n")
    docs = quality.read_smart(tmp_path / "docs")
    assert docs == [{"I": "1", "T": "wing flow .", "A": "smith,j.", "W": "wing flow in tunnels ."}, {"I": "2", "W": "heat ."}]
    assert quality.read_qrels(tmp_path / "qrels") == {1: {"1": 3}, 2: {"2": 1}}


def test_ours_runs_through_the_real_loader(tmp_path):
    docs = [{"I": "1", "T": "wing flow", "A": "smith", "W": "wing flow in tunnels"}, {"I": "2", "T": "heat", "W": "heat transfer in slabs"}]
    library = quality.load_into_library(docs, tmp_path)
    try:
        assert [h.paper["id"] for h in library.search("heat slabs", k=5).hits] == ["cran-2"]
    finally:
        library.close()


def test_scale_benchmark_smoke(tmp_path):
    """A tiny run of bench/scale.py end to end: it generates, loads through papers-bot and measures."""
    import scale

    result = scale.measure(300, 20, tmp_path)
    assert result["n"] == 300 and result["load_papers_per_s"] > 0
    assert 0 < result["search_p50_ms"] <= result["search_p99_ms"]
    assert result["db_mb"] > 0 and result["index_mb"] > 0 and result["search_process_rss_mb"] > 10
    assert result["rank_bm25"]["p50_ms"] > 0


def test_synthetic_words_are_distinct_and_shortest_first():
    import scale

    vocabulary = scale.words(10_000)
    assert len(set(vocabulary)) == 10_000
    assert len(vocabulary[0]) <= len(vocabulary[500]) <= len(vocabulary[-1])


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
    assert 10 < result["rss_mb"]["start"] and result["rss_mb"]["end"] > 0 and result["traced_mb"] is None
    assert "missing" not in " ".join(bot_load.failures(result))
