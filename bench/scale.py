"""Load and search at scale: synthetic arXiv metadata through `papers-bot`, measured.

    python bench/scale.py N [--queries 1000] [--out DIR] [--json] [--spelling | --research]

Generates N seeded synthetic abstracts (Zipf-distributed words, 80-250 each, from a vocabulary that grows with N
by Heaps' law as real abstracts' does: 150,000 words at 100,000 papers, 500,000 at 1M, 890,000 at 3M; or with
`--vocabulary 50000`, the fixed one of earlier runs), titles, 1-6 authors with Zipf-distributed given and
family names) as arXiv metadata JSON lines, then measures in fresh processes: load throughput to searchable by
words (parse + store + index, end to end: `papers-bot load` less its last stage), that last stage alone (the
papers' vectors and their approximate index: its time, rate and peak memory), a re-load of the same file and
one with 1% of the papers changed in it (the snapshot refreshed in place: only those are decoded, re-written,
re-indexed and re-embedded), tantivy indexing the
same documents alone (the project's fields, writer heap and threads; documents built before the clock starts)
and the load's rate as a share of it, search
latency p50/p99 over 3-8-word queries through the stdin batch mode, after 100 untimed others (every fourth
with a filter: year, category, code or author), the same queries as questions (ranked with feedback, as
`ask` does), the spelling step's cost on the question path (the queries as typed, every other one with a
word misspelt: p50 and p99 with and without the step, in one process; `--spelling` measures only that; with
`--research`, only `!trend`, `!why` and the author and paper id autocompletes, through the bot's functions), cold
start (a new process answering one query), peak memory of the load (with its anonymous and file-backed parts)
and of the search process, and the database and index size on disk. Meaning beside words (`meaning`): the
searches above are hybrid where the library has its vectors; the same queries are then timed in one process by
words and meaning and by words alone, with the k-NN step alone; the vectors' and their index's size on disk. The
rank-bm25 baseline runs on the same documents and queries in the same run up to 100,000 papers (above that it is
skipped: it rebuilds in memory and answers in seconds).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from common import machine

FIXED_VOCABULARY = 50_000  # every run before 2026-12-07 (`--vocabulary 50000`)
# Heaps' law, V = K * N^beta, through 150,000 distinct words at 100,000 abstracts and 500,000 at 1M (as arXiv's
# abstracts have): beta = log10(500/150), and 3M papers get about 890,000. With Zipf's 1.05 over that many words,
# nearly every word of the vocabulary occurs in the N abstracts (the rarest about 6 times at 100k).
HEAPS_BETA = 0.5229
SEED = 20261123
GIVEN_NAMES = 3_000
FAMILY_NAMES = 50_000
BASELINE_MAX = 100_000
ALONE_MAX = 1_000_000  # documents tantivy indexes alone (`tantivy_alone`): they are all held in memory
WARM_UP = 100


def words(n: int) -> list[str]:
    """Made-up pronounceable words, distinct, shortest for the most frequent ranks (as in real text):
    word i spells i in base 80 with consonant-vowel syllables."""
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    out = []
    for i in range(n):
        parts = []
        while True:
            i, r = divmod(i, len(syllables))
            parts.append(syllables[r])
            if i == 0:
                break
            i -= 1
        out.append("".join(reversed(parts)) + "n")
    return out


# With `tex`, records are written as arXiv writes TeX (an assumption, as the shares in the snapshot are not
# measured here): every 10th first author with an accent escape, every 20th title with a symbol in math and
# every 40th with \emph{}, every 5th abstract with a formula of its own ($x_{17}^{3}$), kept as written.
_ACCENTS = [("u", '\\"u'), ("e", "\\'e"), ("o", "{\\o}"), ("a", "\\'a"), ("c", "\\c{c}"), ("s", "\\v{s}")]
_SYMBOLS = ["$\\alpha$", "$\\ell^2$", "$\\beta$-", "$k$-", "$\\epsilon$"]


def _tex(record: dict, number: int) -> None:
    if number % 10 == 0 and record["authors_parsed"]:
        plain, escaped = _ACCENTS[number // 10 % len(_ACCENTS)]
        last, first, _ = record["authors_parsed"][0]
        record["authors_parsed"][0][0] = last.replace(plain, escaped, 1)
        record["authors"] = record["authors"].replace(f"{first} {last}", f"{first} {record['authors_parsed'][0][0]}", 1)
    if number % 20 == 0:
        record["title"] = f"{_SYMBOLS[number // 20 % len(_SYMBOLS)]} {record['title']}"
    elif number % 40 == 1:
        head, _, rest = record["title"].partition(" ")
        record["title"] = f"\\emph{{{head}}} {rest}"
    if number % 5 == 0:
        record["abstract"] += f" with $x_{{{number % 97}}}^{{{number % 7}}}$ terms"


def vocabulary_size(n: int) -> int:
    """How many distinct words n abstracts use (Heaps' law, see HEAPS_BETA)."""
    return round(150_000 * (n / 100_000) ** HEAPS_BETA)


def generate(path: Path, n: int, *, seed: int = SEED, tex: bool = False, vocabulary: int | None = None) -> list[str]:
    """Write n synthetic records (with TeX where `tex`, see `_tex`) with words from a vocabulary of that many
    (None: as many as n real abstracts use, `vocabulary_size`); return the vocabulary (rank order) for making
    queries."""
    size = vocabulary or vocabulary_size(n)
    rng = np.random.default_rng(seed)
    vocab = np.array(words(size))
    p = 1.0 / np.arange(1, size + 1) ** 1.05
    p /= p.sum()
    given, family, p_given, p_family = names()
    cats = ["cs.CV", "cs.LG", "cs.CL", "cs.AI", "stat.ML", "cs.IR", "eess.IV", "math.OC"]
    with path.open("w") as f:
        for start in range(0, n, 10_000):
            count = min(10_000, n - start)
            lengths = rng.integers(80, 251, size=count)
            tokens = vocab[rng.choice(size, size=int(lengths.sum()), p=p)]
            title_tokens = vocab[rng.choice(size, size=count * 10, p=p)]
            slots = sum(1 + (start + i) % 6 for i in range(count))
            given_names = given[rng.choice(len(given), size=slots, p=p_given)]
            family_names = family[rng.choice(len(family), size=slots, p=p_family)]
            slot = 0
            offset = 0
            for i in range(count):
                number = start + i
                abstract = " ".join(tokens[offset : offset + lengths[i]])
                offset += lengths[i]
                title = " ".join(title_tokens[i * 10 : i * 10 + 6 + number % 5]).capitalize()
                k = 1 + number % 6
                authors = list(zip(given_names[slot : slot + k], family_names[slot : slot + k]))
                slot += k
                year = 2007 + number % 19
                record = {
                    "id": f"{year % 100:02d}{1 + number % 12:02d}.{number:07d}"[:4] + f".{number % 10**7:07d}",
                    "title": title,
                    "authors": ", ".join(f"{a} {b}" for a, b in authors),
                    "authors_parsed": [[b, a, ""] for a, b in authors],
                    "abstract": abstract,
                    "categories": cats[number % len(cats)],
                    "comments": None, "journal-ref": None, "doi": None,
                    "versions": [{"version": "v1", "created": f"Mon, {1 + number % 28} Jan {year} 10:00:00 GMT"}],
                    "update_date": f"{year}-02-01",
                }
                if tex:
                    _tex(record, number)
                f.write(json.dumps(record) + "\n")
    return list(vocab)


def names() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Given and family names, and how likely each is: Zipf-distributed (a few names are everywhere, most are
    rare, as in arXiv's millions of authors), a handful of real ones first (the filter queries look up one)."""
    real_given = ["Wei", "Maria", "Jinwen", "Ada", "Ahmed", "Yizhe", "Lena", "Kofi", "Ana", "Ravi", "Mei", "Tomas"]
    real_family = ["Zhang", "Garcia", "Ma", "Lovelace", "Elgammal", "Zhu", "Novak", "Mensah", "Silva", "Iyer", "Chen"]
    # Made-up names ending unlike every vocabulary word (those end in n): names never match abstract words.
    made_up = [w[:-1].capitalize() for w in words(GIVEN_NAMES + FAMILY_NAMES)]
    given = np.array(real_given + [w + "a" for w in made_up[:GIVEN_NAMES]])
    family = np.array(real_family + [w + "ko" for w in made_up[GIVEN_NAMES:]])
    p_given, p_family = (1.0 / np.arange(1, len(x) + 1) for x in (given, family))
    return given, family, p_given / p_given.sum(), p_family / p_family.sum()


FILTERS = ["year:2019-2021", "cat:CV", "has:code", "since 2015", 'author:"Wei Zhang"', "cat:LG year:2020"]


def queries(vocab: list[str], count: int, *, seed: int = SEED + 1) -> list[str]:
    """3-8-word queries drawn from the vocabulary's frequent middle (words people search for)."""
    rng = np.random.default_rng(seed)
    pool = vocab[50:5000]
    return [" ".join(rng.choice(pool, size=int(rng.integers(3, 9)), replace=False)) for _ in range(count)]


def with_filters(qs: list[str]) -> list[str]:
    """Every fourth query with one of FILTERS added, in turn (the rest as they are)."""
    return [f"{q} {FILTERS[i // 4 % len(FILTERS)]}" if i % 4 == 3 else q for i, q in enumerate(qs)]


_QUESTIONS = (
    "import json, sys, time\n"
    "from papers_bot.library import Library\n"
    "library = Library(sys.argv[1], sample_if_new=False)\n"
    "for line in sys.stdin:\n"
    "    started = time.perf_counter()\n"
    "    library.rank_question(line.strip(), k=10)\n"
    "    print(round((time.perf_counter() - started) * 1000, 3), flush=True)\n"
)


# The question path without and with the spelling step (`retrieval.spelling.read_as`), each question timed both
# ways in turn in one process, and the step alone, timed first (before anything looked its words up): three
# numbers a line.
_SPELLING = (
    "import sys, time\n"
    "import papers_bot.retrieval.search as search\n"
    "from papers_bot.library import Library\n"
    "from papers_bot.retrieval.spelling import Reading, read_as\n"
    "library = Library(sys.argv[1], sample_if_new=False)\n"
    "def same(index, text):\n"
    "    return Reading(text)\n"
    "for line in sys.stdin:\n"
    "    q, out = line.strip(), []\n"
    "    with library.reading() as (_, snapshot):\n"
    "        started = time.perf_counter()\n"
    "        read_as(snapshot, q)\n"
    "        alone = (time.perf_counter() - started) * 1000\n"
    "    for step in (same, read_as):\n"
    "        search.read_as = step\n"
    "        started = time.perf_counter()\n"
    "        library.rank_question(q, k=10)\n"
    "        out.append((time.perf_counter() - started) * 1000)\n"
    "    print(*(round(x, 3) for x in [*out, alone]), flush=True)\n"
)


# The research tools as the bot runs them in its worker threads, each call timed in one process: `kind<TAB>text`
# a line in, `kind ms` a line out. `why` first finds the query's best paper (not timed), then explains it.
_RESEARCH = (
    "import sys, time\n"
    "from papers_bot.bot import replies\n"
    "from papers_bot.errors import PapersBotError\n"
    "from papers_bot.library import Library\n"
    "library = Library(sys.argv[1], sample_if_new=False)\n"
    "calls = {'trend': lambda q: replies.trend_reply(library, q), 'counts': library.trend,\n"
    "         'why': lambda q: replies.why_reply(library, q), 'author': library.author_names,\n"
    "         'paper': lambda q: replies.paper_choices(library, q)}\n"
    "for line in sys.stdin:\n"
    "    kind, text = line.rstrip('\\n').split('\\t', 1)\n"
    "    if kind == 'why':\n"
    "        hits = library.search(text, k=1).hits\n"
    "        text = f'{hits[0].paper.id if hits else \"0000.00000\"} {text}'\n"
    "    started = time.perf_counter()\n"
    "    try:\n"
    "        calls[kind](text)\n"
    "    except PapersBotError:\n"
    "        pass  # (a reply saying what is wrong: timed as the bot gives it)\n"
    "    print(kind, round((time.perf_counter() - started) * 1000, 3), flush=True)\n"
)


def research(db: Path, vocab: list[str], n_queries: int, env: dict) -> dict:
    """`!trend` (its counts and the PNG, and the counts alone), `!why`, and the author and paper id autocompletes
    (what is typed: a family name's first one to three letters or whole, a given name and a family name's start,
    title words), p50 and p99 each, after a few untimed calls of each."""
    rng = np.random.default_rng(SEED + 5)
    pool = vocab[50:5000]
    given, family, p_given, p_family = names()
    topics = [" ".join(rng.choice(pool, size=int(rng.integers(1, 3)), replace=False)) for _ in range(n_queries)]
    trends = [f"{t} | {u}" if i % 3 == 0 else t for i, (t, u) in enumerate(zip(topics, reversed(topics)))]
    typed = []
    for i in range(n_queries):
        surname = str(family[rng.choice(len(family), p=p_family)])
        first = str(given[rng.choice(len(given), p=p_given)])
        typed.append([surname[: 1 + i % 3], surname, f"{first} {surname[:2]}", f"{surname}, {first[:2]}"][i % 4])
    work = [("trend", trends), ("counts", trends), ("why", queries(vocab, n_queries, seed=SEED + 6)),
            ("author", typed), ("paper", [" ".join(q.split()[:2]) for q in queries(vocab, n_queries, seed=SEED + 7)])]
    warm = [f"{kind}\t{text}" for kind, texts in work for text in texts[:10]]  # (not counted)
    lines = warm + [f"{kind}\t{text}" for kind, texts in work for text in texts]
    _, _, out = run([sys.executable, "-c", _RESEARCH, str(db)], stdin="\n".join(lines).encode() + b"\n", env=env)
    took: dict[str, list[float]] = {}
    for line in out.decode().splitlines()[len(warm):]:
        kind, ms = line.split()
        took.setdefault(kind, []).append(float(ms))
    return {f"{kind}_{q}_ms": percentile(times, q) for kind, times in took.items() for q in (50, 99)}


def misspelt(qs: list[str], *, seed: int = SEED + 3) -> list[str]:
    """The queries with one word in each misspelt: two neighbouring letters swapped, or one dropped or doubled."""
    rng = np.random.default_rng(seed)
    out = []
    for q in qs:
        words = q.split()
        i = int(rng.integers(len(words)))
        w = words[i]
        at = int(rng.integers(1, max(len(w) - 1, 2)))
        kind = int(rng.integers(3))
        words[i] = (w[:at] + w[at + 1:] if kind == 0 else w[:at] + w[at] + w[at:] if kind == 1
                    else w[:at - 1] + w[at] + w[at - 1] + w[at + 1:])
        out.append(" ".join(words))
    return out


def spelling(db: Path, vocab: list[str], n_queries: int, env: dict) -> dict:
    """The spelling step's cost on the question path: questions as typed (every other one misspelt), p50 and p99
    with and without the step, and of the step alone, in one process."""
    typed = queries(vocab, n_queries, seed=SEED + 4)
    asked = [q if i % 2 else m for i, (q, m) in enumerate(zip(typed, misspelt(typed)))]
    batch = "\n".join(queries(vocab, WARM_UP, seed=SEED + 2) + asked).encode() + b"\n"
    _, _, lines = run([sys.executable, "-c", _SPELLING, str(db)], stdin=batch, env=env)
    without, with_step, step = zip(*([float(x) for x in line.split()] for line in lines.splitlines()[WARM_UP:]))
    misspelt_step = [t for i, t in enumerate(step) if i % 2 == 0]
    return {
        "question_p50_ms_without_spelling": percentile(list(without), 50),
        "question_p99_ms_without_spelling": percentile(list(without), 99),
        "question_p50_ms_with_spelling": percentile(list(with_step), 50),
        "question_p99_ms_with_spelling": percentile(list(with_step), 99),
        "spelling_step_p50_ms": percentile(list(step), 50),
        "spelling_step_p99_ms": percentile(list(step), 99),
        "spelling_step_misspelt_p50_ms": percentile(misspelt_step, 50),
        "spelling_step_misspelt_p99_ms": percentile(misspelt_step, 99),
    }


_LAUNCH = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "sys.stderr.write(f'\\npeak_rss_kib={usage.ru_maxrss}\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run(args: list[str], *, stdin: bytes | None = None, env: dict | None = None) -> tuple[float, int, bytes]:
    """Run a command; (seconds, its own peak resident memory in KiB, stdout)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _LAUNCH, *args], input=stdin, capture_output=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr.decode()[-2000:]}")
    peak = int(done.stderr.decode().rsplit("peak_rss_kib=", 1)[1].split()[0])
    return seconds, peak, done.stdout


def size_on_disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def baseline(data: Path, qs: list[str]) -> dict:
    """rank-bm25 BM25Okapi over the same text with papers-bot's analyser: build time and latency."""
    from rank_bm25 import BM25Okapi

    from papers_bot.retrieval.analysis import analyze

    started = time.perf_counter()
    corpus = []
    with data.open() as f:
        for line in f:
            r = json.loads(line)
            corpus.append(analyze(f"{r['title']} {r['authors']} {r['abstract']}"))
    bm25 = BM25Okapi(corpus)
    build = time.perf_counter() - started
    times = []
    for q in qs:
        t = time.perf_counter()
        scores = bm25.get_scores(analyze(q))
        top = np.argpartition(-scores, 10)[:10]
        top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - t) * 1000)
    return {"build_s": build, "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99)}


def tantivy_alone(data: Path, folder: Path) -> dict:
    """tantivy indexing the same papers' documents alone (the fields the project indexes, its writer heap and
    threads), the documents built before the clock starts (all of them in memory: about 9 KB a paper, so at most
    the first ALONE_MAX of them: 3M would not fit this machine's 24 GB): the rate a load could reach if storing
    and parsing cost nothing."""
    from papers_bot.retrieval.index import PaperIndex, paper_document
    from papers_bot.store.db import paper_row
    from papers_bot.store.paper import StoredPaper
    from papers_bot.store.parse import read_listing

    papers = itertools.islice(read_listing(data).papers, ALONE_MAX)
    documents = [paper_document(StoredPaper.from_row(paper_row(p))) for p in papers]
    index = PaperIndex(folder / "tantivy-alone.index")
    started = time.perf_counter()
    update = index.update()
    for document in documents:
        update.writer.add_document(document)
    update.commit("alone")
    update.close()  # (waits for its merges, as a load's does)
    seconds = time.perf_counter() - started
    shutil.rmtree(folder / "tantivy-alone.index", ignore_errors=True)
    return {"seconds": seconds, "papers": len(documents), "papers_per_s": len(documents) / seconds}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def measure(n: int, n_queries: int, out: Path, *, tex: bool = False, spelling_only: bool = False,
            research_only: bool = False, vocabulary: int | None = None) -> dict:
    exe = papers_bot()
    data = out / f"arxiv-{n}.jsonl"
    started = time.perf_counter()
    vocab = generate(data, n, tex=tex, vocabulary=vocabulary)
    generated = time.perf_counter() - started
    db = out / f"scale-{n}.db"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.index", ignore_errors=True)
    shutil.rmtree(f"{db}.vectors", ignore_errors=True)
    env = {**os.environ, "PAPERS_BOT_DB": str(db)}
    start_empty(exe, env, out)
    # The load to searchable by words (`papers-bot load`'s stages before its last), then its last stage, the
    # vectors, alone: each with its own time and peak memory (the HNSW graph is built in memory).
    load_s, load_rss, load_said = run([sys.executable, "-c", _LOAD, str(db), str(data)], env=env)
    stage = vector_stage(db, env)
    if spelling_only:
        data.unlink()
        return {"n": n, "machine": machine(), "load_s": load_s, **spelling(db, vocab, n_queries, env)}
    if research_only:
        data.unlink()
        return {"n": n, "machine": machine(), "load_s": load_s, **research(db, vocab, n_queries, env)}
    reload_s, reload_rss, reload_said = run([sys.executable, "-c", _CLI, "load", str(data)], env=env)
    revise(data, out / f"arxiv-{n}-revised.jsonl", every=100).replace(data)  # (refreshed in place, as a snapshot is)
    change_s, change_rss, said = run([sys.executable, "-c", _CLI, "load", str(data)], env=env)
    result: dict[str, Any] = {
        "n": n,
        "machine": machine(),
        "vocabulary": f"{len(vocab):,} words" + (" (fixed)" if vocabulary else " (Heaps' law)"),
        "generate_s": generated,
        "load_s": load_s,
        "load_papers_per_s": n / load_s,
        "load_peak_rss_mb": load_rss / 1024,
        **peaks(load_said, "load"),
        **stage,
        "unchanged_reload_s": reload_s,
        "unchanged_reload_peak_rss_mb": reload_rss / 1024,
        **peaks(reload_said, "unchanged_reload"),
        "reload_1pct_changed_s": change_s,
        "reload_1pct_changed_peak_rss_mb": change_rss / 1024,
        **peaks(said, "reload_1pct_changed"),
        "reload_1pct_changed_said": said.decode().splitlines()[0],
        **searches(db, vocab, n_queries, env),
        "input_mb": data.stat().st_size / 2**20,
    }
    alone = tantivy_alone(data, out)
    result["tantivy_alone_papers"] = alone["papers"]
    result["tantivy_alone_papers_per_s"] = alone["papers_per_s"]
    result["load_vs_tantivy_alone"] = result["load_papers_per_s"] / alone["papers_per_s"]
    if n <= BASELINE_MAX:
        qs = with_filters(queries(vocab, n_queries))
        result["rank_bm25"] = baseline(data, qs[: min(len(qs), 200)])
        result["speedup_p50_vs_rank_bm25"] = result["rank_bm25"]["p50_ms"] / result["search_p50_ms"]
    else:
        result["rank_bm25"] = f"skipped above {BASELINE_MAX:,} papers"
    data.unlink()
    return result


def searches(db: Path, vocab: list[str], n_queries: int, env: dict) -> dict:
    """Searches and questions on the library `db` (env PAPERS_BOT_DB), each in fresh processes: latency, the
    spelling step, the search process's memory, the cold start, the sizes on disk, meaning beside words."""
    exe = papers_bot()
    qs = with_filters(queries(vocab, n_queries))
    # A fresh process first answers WARM_UP other queries (not timed: a running bot has long since paged its
    # index in; the first query's cost is the cold start, measured below).
    batch = "\n".join(queries(vocab, WARM_UP, seed=SEED + 2) + qs).encode() + b"\n"
    _, search_rss, lines = run([sys.executable, "-c", _CLI, "search", "--json", "-"], stdin=batch, env=env)
    took = [json.loads(line)["took_ms"] for line in lines.splitlines() if line.startswith(b"{")][WARM_UP:]
    filtered = [t for i, t in enumerate(took) if i % 4 == 3]
    # Questions rank with pseudo-relevance feedback (`ask`): the same queries, timed in a fresh process.
    _, _, asked = run([sys.executable, "-c", _QUESTIONS, str(db)], stdin=batch, env=env)
    question_ms = [float(x) for x in asked.split()][WARM_UP:]
    cold = [run([exe, "search", qs[i], "-k", "10"], env=env)[0] for i in range(3)]
    return {
        "search_p50_ms": percentile(took, 50),
        "search_p99_ms": percentile(took, 99),
        "search_mean_ms": statistics.fmean(took),
        "filtered_search_p50_ms": percentile(filtered, 50),
        "filtered_search_p99_ms": percentile(filtered, 99),
        "question_p50_ms": percentile(question_ms, 50),
        "question_p99_ms": percentile(question_ms, 99),
        **spelling(db, vocab, n_queries, env),
        "search_process_rss_mb": search_rss / 1024,
        **peaks(lines, "search_process"),
        "cold_start_s": statistics.median(cold),
        "db_mb": size_on_disk(db) / 2**20,
        "index_mb": size_on_disk(Path(f"{db}.index")) / 2**20,
        **meaning(db, batch, env),
    }


# Each query by words and meaning, then by words alone (the same library with its vectors left out), then the
# k-NN step alone (the FUSION_POOL nearest): three times (ms) a line.
_MEANING = (
    "import sys, time\n"
    "from papers_bot.library import Library\n"
    "from papers_bot.retrieval.search import FUSION_POOL\n"
    "from papers_bot.retrieval.vectors import embed\n"
    "library = Library(sys.argv[1], sample_if_new=False, vectors='later')\n"
    "both = library._current_vectors\n"
    "vectors = both()\n"
    "for line in sys.stdin:\n"
    "    times = []\n"
    "    for vectors_of in (both, lambda: None):\n"
    "        library._current_vectors = vectors_of\n"
    "        started = time.perf_counter()\n"
    "        library.search(line.strip(), k=10)\n"
    "        times.append((time.perf_counter() - started) * 1000)\n"
    "    query = embed([line.strip()])[0]\n"
    "    started = time.perf_counter()\n"
    "    vectors.nearest(query, FUSION_POOL)\n"
    "    print(*times, (time.perf_counter() - started) * 1000, flush=True)\n"
)
# Peak memory split as Linux counts it: anonymous (the process's own) and file-backed (mapped files: tantivy's
# segments, read through mmap by its merges and searches; the system can drop those pages and read them again).
# Sampled every 0.2 s; printed as the last line, "anon_mb file_mb".
_PEAKS = (
    "import atexit, threading, time\n"
    "peaks = [0, 0]\n"
    "def sample():\n"
    "    while True:\n"
    "        status = open('/proc/self/status').read()\n"
    "        for i, key in enumerate(('RssAnon:', 'RssFile:')):\n"
    "            peaks[i] = max(peaks[i], int(status.split(key)[1].split()[0]) // 1024)\n"
    "        time.sleep(0.2)\n"
    "threading.Thread(target=sample, daemon=True).start()\n"
    "atexit.register(lambda: print(*peaks))\n"
)
# The load alone, its vectors left for later (as the bot leaves them to its background worker).
_LOAD = _PEAKS + (
    "import sys\n"
    "from papers_bot.library import Library\n"
    "Library(sys.argv[1], sample_if_new=False, vectors='later').load([sys.argv[2]])\n"
)
# `papers-bot` itself (a reload: the load and its vectors), with its peaks.
_CLI = _PEAKS + (
    "import sys\n"
    "from papers_bot.cli import main\n"
    "sys.argv[0] = 'papers-bot'\n"
    "main()\n"
)
# The vector stage alone: its seconds.
_VECTOR_STAGE = _PEAKS + (
    "import sys, time\n"
    "from papers_bot.library import Library\n"
    "library = Library(sys.argv[1], sample_if_new=False, vectors='later')\n"
    "started = time.perf_counter()\n"
    "library.update_vectors()\n"
    "print(time.perf_counter() - started)\n"
)


def peaks(said: bytes, name: str) -> dict:
    """The anonymous and file-backed peaks a `_PEAKS` snippet printed last."""
    anon, mapped = said.split()[-2:]
    return {f"{name}_peak_anon_mb": int(anon), f"{name}_peak_file_mb": int(mapped)}


def vector_stage(db: Path, env: dict) -> dict:
    """The vector stage run alone after a load (from no vectors): its time, rate and peak memory."""
    _, peak, said = run([sys.executable, "-c", _VECTOR_STAGE, str(db)], env=env)
    from papers_bot.retrieval.vectors import VectorStore

    vectors = VectorStore(Path(f"{db}.vectors")).current()
    count = len(vectors) if vectors is not None else 0
    seconds = float(said.split()[0])
    return {"vector_stage_s": seconds, "vector_stage_papers_per_s": count / seconds,
            "vector_stage_peak_rss_mb": peak / 1024, **peaks(said, "vector_stage")}


def meaning(db: Path, batch: bytes, env: dict) -> dict:
    """Meaning beside words: hybrid against words-alone search, the k-NN step, the sizes."""
    from papers_bot.retrieval.vectors import VectorStore

    folder = Path(f"{db}.vectors")
    vectors = VectorStore(folder).current()
    if vectors is None:
        return {"meaning": "none: the library ranks by words alone"}
    found: dict[str, Any] = {"meaning_by": "approximate index" if vectors.ann is not None else "exact scan"}
    _, _, lines = run([sys.executable, "-c", _MEANING, str(db)], stdin=batch, env=env)
    hybrid, words, knn = zip(*([float(x) for x in line.split()] for line in lines.splitlines()[WARM_UP:]))
    for name, times in (("hybrid_search", hybrid), ("words_alone_search", words), ("knn", knn)):
        found[f"{name}_p50_ms"], found[f"{name}_p99_ms"] = percentile(list(times), 50), percentile(list(times), 99)
    found["vectors_mb"] = size_on_disk(folder) / 2**20
    found["vector_index_mb"] = sum(f.stat().st_size for f in folder.glob("ann-*")) / 2**20
    return found


def revise(data: Path, out: Path, *, every: int) -> Path:
    """A copy of `data` with one paper in `every` changed (its abstract gains a first sentence)."""
    with data.open() as f, out.open("w") as w:
        for i, line in enumerate(f):
            w.write(line.replace('"abstract": "', '"abstract": "Revised. ', 1) if i % every == 0 else line)
    return out


def papers_bot() -> str:
    """The papers-bot command of this environment."""
    return shutil.which("papers-bot") or str(Path(sys.executable).parent / "papers-bot")


def start_empty(exe: str, env: dict, out: Path) -> None:
    """Start the database (env PAPERS_BOT_DB) empty, so a load measures only the papers it is given."""
    subprocess.run([exe, "load", "--replace", str(_empty(out))], env=env, check=True, capture_output=True)


def _empty(out: Path) -> Path:
    """A listing with one paper, to start the database empty of the bundled sample."""
    path = out / "empty.jsonl"
    path.write_text(json.dumps({"id": "0000.00000", "title": "placeholder", "abstract": "placeholder"}) + "\n")
    return path


@contextmanager
def workdir(out: Path | None) -> Iterator[Path]:
    """Where a benchmark keeps its files: `out` (kept afterwards), or else a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        out = out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        yield out




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="how many synthetic papers")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="where to keep the database (default: a temp dir)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tex", action="store_true", help="write names, titles and abstracts with TeX as arXiv does")
    parser.add_argument("--vocabulary", type=int, default=None, metavar="WORDS",
                        help="a fixed vocabulary of this many words (50000: as runs before 2026-12-07); default: "
                             "growing with N by Heaps' law")
    parser.add_argument("--spelling", action="store_true",
                        help="load, then measure only the spelling step on the question path")
    parser.add_argument("--research", action="store_true",
                        help="load, then measure only !trend, !why and the autocompletes")
    parser.add_argument("--searches-only", action="store_true",
                        help="only the searches, on the library an earlier run kept in --out (after a change to "
                             "the search code: the same library, back to back)")
    args = parser.parse_args()
    if args.searches_only:
        if args.out is None or not (db := args.out / f"scale-{args.n}.db").is_file():
            parser.error(f"--searches-only needs --out with the scale-{args.n}.db of an earlier run")
        vocab = words(args.vocabulary or vocabulary_size(args.n))
        result = {"n": args.n, "machine": machine(),
                  **searches(db, vocab, args.queries, {**os.environ, "PAPERS_BOT_DB": str(db)})}
    else:
        with workdir(args.out) as out:
            result = measure(args.n, args.queries, out, tex=args.tex, spelling_only=args.spelling,
                             research_only=args.research, vocabulary=args.vocabulary)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"N = {args.n:,} on {result['machine']}")
    for key, value in result.items():
        if key not in ("n", "machine"):
            print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
