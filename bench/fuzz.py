"""Fuzz the listing parsers: mutated sample listings and arXiv JSON lines, random bytes, 50 MB lines.

    python bench/fuzz.py [--cases 20000] [--seed 1] [--out DIR] [--json]

Each case is a seed listing (the three bundled samples, and arXiv metadata JSON lines made from their papers)
changed by one mutation family, or random bytes, or one of the single lines of --huge-mb (50 MB) in each
format. The promise checked for every case:

- `read_listing_bytes` returns papers or raises our ParseError / UnknownFormatError naming the file, never
  another exception;
- what parses loads into a database through `store.db.load_listings`, and the database re-opens with every
  paper readable and no parsed paper lost (stored under its id, or merged into a paper with its title);
- parsing takes at most RATIO (50) times the baseline's seconds per MB, each case counted as at least
  FLOOR_MB. The baseline is the slowest of four large valid files (one per format, --baseline-mb each) timed
  in the same run. Why 50: valid listings parse at 1x or less; the slowest linear input found, a 50 MB line of
  5.5 million author names that each need a name check and a split check, at about 18x; anything quadratic
  at thousands of times (before it was fixed, a 40 KB title line took 9 s: about 9,000x). 50 leaves room
  for a busy machine and still fails a quadratic parser long before a line is 1 MB.

Exits 1 if any case breaks the promise; each such case is saved in --out with its traceback.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import machine

from papers_bot.errors import PapersBotError, ParseError
from papers_bot.store import db as store
from papers_bot.store.paper import Paper, normalise_title
from papers_bot.store.parse import (
    ARXIV_LINE,
    CREATED_LINE,
    HEADER,
    Listing,
    read_listing,
    read_listing_bytes,
    sample_folder,
)

NAME = "fuzzed.txt"
RATIO = 50.0  # allowed parse time per MB, as a multiple of the baseline's (see above)
FLOOR_MB = 0.25  # every case may take as long as this much valid input (timer noise, fixed costs)
MB = 1e6


# -- seeds ---------------------------------------------------------------------------------------------


def arxiv_record(paper: Paper, number: int) -> dict:
    """A paper as one record of the arXiv metadata snapshot."""
    return {
        "id": paper.arxiv_id or f"2401.{number:05d}",
        "submitter": paper.authors[0] if paper.authors else None,
        "authors": ", ".join(paper.authors),
        "title": paper.title or paper.display_title,
        "comments": paper.comment,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": f"cs.{paper.category or 'LG'} cs.AI",
        "license": None,
        "abstract": paper.abstract,
        "versions": [{"version": "v1", "created": "Tue, 2 Jan 2024 10:00:00 GMT"}],
        "update_date": paper.date or "2024-01-05",
        "authors_parsed": [name.rsplit(" ", 1)[::-1] + [""] for name in paper.authors],
    }


def seeds() -> dict[str, bytes]:
    """The listings the mutations start from: the bundled samples, and their papers as arXiv JSON lines."""
    files = {p.name: p.read_bytes() for p in sorted(sample_folder().glob("*.txt"))}
    papers = [p for path in sorted(sample_folder().glob("*.txt")) for p in read_listing(path).papers]
    lines = [json.dumps(arxiv_record(p, n)) + "\n" for n, p in enumerate(papers, 1)]
    files["arxiv.jsonl"] = "".join(lines).encode()
    return files


# -- mutation families: (seed bytes, rng) -> bytes ---------------------------------------------------------

BAD_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xc3(", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf",
            b"\xf4\x90\x80\x80"]
# Runs a long line is made of: words, camel case (split points everywhere), spaces, name lists, LaTeX, digits.
LONG_RUNS = [b"word ", b"aB", b" ", b"Ab Cd, ", b"Ab CdEf, ", b"Ada Lovelace, ", b"\\alpha{", b"1,", b"x", b"\xc3\xa9",
             b"introduces A", b" et al.", b"[", b'{"id": ', b"\t \x0b"]
# JSON values a field of an arXiv record may be given, as JSON text (so invalid strings can be written).
NASTY_JSON = ["null", "true", "0", "-1", "1e309", "1" * 5000, '""', '"   "', '"\\ud800"', '"x\\udc80"',
              '"\\ud83d\\ude00"', '"\\u0000"', "[]", "{}", "[[]]", '[["a"]]', '[["", null, 3]]', "[null]",
              '[{"created": 5}]', '[{"created": "Mon, 31 Feb 2007 1:00:00 GMT"}]', "[" * 3000 + "]" * 3000,
              '"' + "x" * 100_000 + '"', '"2024-02-30"', '"0000-01-01"', '"9999-12-31T99"', '"a\\nb\\tc\\r"',
              '"arXiv:2310.05873v2"', '"math/0406594"', '"2310.05873"', '{"a": [1, {"b": null}]}']


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _at(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: _at(data, rng)]


def shuffled(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    rng.shuffle(lines)
    return b"".join(lines)


def duplicated(data: bytes, rng: random.Random) -> bytes:
    """Runs of lines repeated elsewhere: the same paper twice, or twice with different fields."""
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        start = rng.randrange(len(lines) + 1)
        run = lines[start : start + rng.randint(1, 12)]
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = run
    return b"".join(lines)


def garbage(data: bytes, rng: random.Random) -> bytes:
    """Random bytes spliced in, or written over the listing."""
    for _ in range(rng.randint(1, 8)):
        at, chunk = _at(data, rng), rng.randbytes(rng.randint(1, 64))
        data = data[:at] + chunk + data[at + (len(chunk) if rng.random() < 0.5 else 0) :]
    return data


def binary(data: bytes, rng: random.Random) -> bytes:
    """Random bytes, some behind a start that routes them to one parser."""
    start = rng.choice([b"", b"", b"{", b'{"id": "1", "title": "x"}\n', b"\xef\xbb\xbf", b"CVJan 1, 2024\n"])
    return start + rng.randbytes(int(2 ** rng.uniform(0, 16)))


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = _at(data, rng)
        data = data[:at] + rng.choice(BAD_UTF8) + data[at:]
    return data


def crlf(data: bytes, rng: random.Random) -> bytes:
    ending = rng.choice([b"\r\n", b"\r", b"\n\r", None])
    if ending is None:
        data = b"".join(line.rstrip(b"\n") + rng.choice([b"\n", b"\r\n", b"\r"]) for line in _lines(data))
    else:
        data = data.replace(b"\n", ending)
    return (b"\xef\xbb\xbf" if rng.random() < 0.3 else b"") + data


def long_run(size: int, rng: random.Random) -> bytes:
    run = rng.choice(LONG_RUNS)
    return (run * (size // len(run) + 1))[:size]


def long_line(data: bytes, rng: random.Random, size: int | None = None) -> bytes:
    """A random line replaced by, or stretched with, a long run (up to 256 KB; `size` to choose)."""
    lines = _lines(data) or [b""]
    i = rng.randrange(len(lines))
    run = long_run(size or int(2 ** rng.uniform(10, 18)), rng)
    line = lines[i]
    if rng.random() < 0.5:
        lines[i] = run + b"\n"
    else:
        at = rng.randrange(len(line) + 1)
        lines[i] = line[:at] + run + line[at:]
    return b"".join(lines)


def empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b"\n" * 1000, b" \t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n", b"\x00", b"{}",
                       b"{\n"])


def headers_only(data: bytes, rng: random.Random) -> bytes:
    """Each entry's header kept, its body dropped (a profile keeps its own header; JSON lines: each record cut
    down to its id)."""
    if data.lstrip().startswith(b"{"):
        return b"".join(
            json.dumps({"id": json.loads(line)["id"], **rng.choice([{}, {"title": ""}, {"abstract": None}])}).encode()
            + b"\n"
            for line in _lines(data)
        )
    lines = data.decode().splitlines()
    first = next((i for i, line in enumerate(lines) if HEADER.fullmatch(line.strip())), 0)  # a profile's own header
    keep = (HEADER.fullmatch, ARXIV_LINE.fullmatch, CREATED_LINE.fullmatch)
    kept = lines[:first] + [line for line in lines[first:] if any(f(line.strip()) for f in keep)]
    return "".join(line + "\n" for line in kept).encode()


def json_values(data: bytes, rng: random.Random) -> bytes:
    """Fields of some arXiv records set to odd JSON: wrong types, lone surrogates, deep nesting, huge numbers."""
    lines = _lines(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        try:
            record = json.loads(lines[i])
        except (ValueError, RecursionError):
            continue
        if not isinstance(record, dict):
            continue
        record[rng.choice([*record, "extra"])] = "@@NASTY@@"
        lines[i] = json.dumps(record).replace('"@@NASTY@@"', rng.choice(NASTY_JSON)).encode() + b"\n"
    return b"".join(lines)


def spliced(data: bytes, rng: random.Random) -> bytes:
    """Another listing (maybe of another format) appended, or its lines interleaved."""
    other = rng.choice(list(SEEDS.values()))
    if rng.random() < 0.5:
        return data + other
    a, b = _lines(data), _lines(other)
    return b"".join(x for pair in zip(a, b) for x in pair)


FAMILIES: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncated": truncated,
    "shuffled": shuffled,
    "duplicated": duplicated,
    "garbage": garbage,
    "binary": binary,
    "invalid-utf8": invalid_utf8,
    "crlf": crlf,
    "long-line": long_line,
    "empty": empty,
    "headers-only": headers_only,
    "json-values": json_values,
    "spliced": spliced,
}
STACKABLE = ["truncated", "shuffled", "duplicated", "garbage", "invalid-utf8", "crlf", "long-line", "json-values"]
SEEDS = seeds()


def stacked(data: bytes, rng: random.Random) -> bytes:
    """Two or three families one after the other."""
    for name in rng.sample(STACKABLE, rng.randint(2, 3)):
        data = FAMILIES[name](data, rng)
    return data


FAMILIES["stacked"] = stacked


def huge_lines(size: int) -> dict[str, bytes]:
    """One line of `size` bytes in each place a parser reads a line whole."""
    words = (b"word " * (size // 5 + 1))[:size]
    camel = (b"aB" * (size // 2 + 1))[:size]
    record = json.dumps({"id": "2401.00001", "title": "x", "abstract": "y"}).encode() + b"\n"
    other = record.replace(b"00001", b"00003")
    return {
        "text": words,
        "json-first-line": b'{"id": "2401.00002", "title": "' + words + b'"}\n',
        "json-second-line": record + b'{"id": "2401.00002", "title": "' + words + b'"}\n' + other,
        "feed-title": b"CVJan 30, 2025Code\n" + camel + b"Ada Lovelace, Alan Turing et al.\nAn abstract.\n",
        "feed-title-spaces": b"CVJan 30, 2025\nDeep" + b" " * size + b"NetsAda Lovelace\nAn abstract.\n",
        # Names with a split point each (CdEf) after a title that is not one: every piece is tried.
        "feed-author-list": b"CVJan 30, 2025\nDeep nets, " + b"Ab CdEf, " * (size // 9) + b"Ab CdEf\nText.\n",
        "feed-abstract": b"CVJan 30, 2025\nDeep NetsAda Lovelace\n" + words + b"\n",
        "arxiv-abstract": words + b"\n\narXiv:2310.05873\nCreated: 2023-10-09\n",
        "profile-title": (b"Ada Lovelace\n\nCV\nh-index3\n2papers\n\nCVDec 8, 2022\n" + camel
                          + b"\nAda Lovelace\nWe weave.\n"),
    }


# -- the promise ---------------------------------------------------------------------------------------


def read(data: bytes | Path, name: str = NAME) -> Listing:
    """A listing in memory (as the bot's attachments) or on disk (as `papers-bot load`)."""
    return read_listing(data, name=name) if isinstance(data, Path) else read_listing_bytes(data, name=name)


def parse(data: bytes | Path, name: str = NAME) -> tuple[list[Paper], ParseError | None]:
    """Papers, or our own ParseError naming the file; any other exception propagates."""
    try:
        return list(read(data, name).papers), None
    except ParseError as e:
        if e.file != name or not str(e).startswith(name):
            raise AssertionError(f"the error does not name the file: {e}") from e
        return [], e


def store_and_reopen(data: bytes | Path, papers: list[Paper], db_path: Path, name: str = NAME) -> int:
    """Load a listing that parsed into the database at db_path (replacing what it held), re-open the database
    and read every paper back; returns how many papers it holds."""
    db = store.open_db(db_path)
    try:
        store.load_listings(db, [read(data, name)], replace=True)
    finally:
        db.close()
    db = store.open_db(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [row.id for row in store.iter_papers(db)]
        rows = store.get_papers(db, ids)
        assert [row.id for row in rows] == ids and store.stats(db)["papers"] == len(ids)
        for paper_id in ids[:50]:
            assert store.get_paper(db, paper_id).sources
        stored, keys = set(ids), {normalise_title(row.title) or None for row in rows}
        lost = [p.id for p in papers if p.id not in stored and p.title_key not in keys]
        assert not lost, f"parsed but not stored: {lost[:5]}"
        return len(ids)
    finally:
        db.close()


@dataclass
class Result:
    cases: Counter = field(default_factory=Counter)  # family -> cases
    outcomes: Counter = field(default_factory=Counter)  # family, outcome -> cases
    failures: list[dict] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)  # seed listing -> s/MB
    ratio: float = RATIO
    worst: dict = field(default_factory=dict)  # the case with the highest s/MB (each counted as >= FLOOR_MB)
    huge: dict = field(default_factory=dict)  # the --huge-mb cases by name

    @property
    def baseline_s_per_mb(self) -> float:
        return max(self.baseline.values())


def timed_parse(data: bytes) -> tuple[float, list[Paper], ParseError | None]:
    start = time.perf_counter()
    papers, error = parse(data)
    return time.perf_counter() - start, papers, error


def baseline(size_mb: float) -> dict[str, float]:
    """Seconds per MB to parse a large valid listing of each format (the seed repeated; fastest of three)."""
    out = {}
    for name, data in SEEDS.items():
        big = (data + b"\n") * max(1, int(size_mb * MB / (len(data) + 1)))
        runs = [timed_parse(big) for _ in range(3)]
        assert all(error is None and papers for _, papers, error in runs), name
        out[name] = min(seconds for seconds, _, _ in runs) / (len(big) / MB)
    return out


def run_case(result: Result, family: str, data: bytes, db_path: Path, out: Path, label: str) -> dict:
    """Check the promise on one input; returns its parse time."""
    bound = result.ratio * result.baseline_s_per_mb
    size_mb = max(len(data) / MB, FLOOR_MB)
    seconds = 0.0
    try:
        seconds, papers, error = timed_parse(data)
        if seconds / size_mb > bound:  # only noise (another process, a GC pass) makes a parse slower
            seconds = min(seconds, *(timed_parse(data)[0] for _ in range(2)))
        kind = type(error).__name__ if error else "papers"
        if error is None:
            store_and_reopen(data, papers, db_path)
    except PapersBotError as e:  # our own error from the store: allowed, and counted
        kind = f"store {type(e).__name__}"
    except Exception:
        kind = "foreign"
        _save(result, out, label, family, data, traceback.format_exc())
    result.cases[family] += 1
    result.outcomes[family, kind] += 1
    s_per_mb = seconds / size_mb
    case = {"case": label, "family": family, "mb": len(data) / MB, "seconds": seconds, "s_per_mb": s_per_mb}
    if s_per_mb > result.worst.get("s_per_mb", 0):
        result.worst = case
    if s_per_mb > bound:
        _save(result, out, label, family, data, f"too slow: {seconds:.3f} s for {len(data) / MB:.3f} MB")
    return case


def _save(result: Result, out: Path, label: str, family: str, data: bytes, why: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{label}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(f"family: {family}\n{why}\n")
    result.failures.append({"case": label, "family": family, "reproducer": str(path),
                            "why": why.strip().splitlines()[-1]})


def fuzz(cases: int, seed: int, out: Path, *, baseline_mb: float = 10, huge_mb: float = 50,
         ratio: float = RATIO) -> Result:
    result = Result(baseline=baseline(baseline_mb), ratio=ratio)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "fuzz.db"
        for name, data in huge_lines(int(huge_mb * MB)).items():
            start = time.perf_counter()
            result.huge[name] = run_case(result, "huge-line", data, db_path, out, f"huge-{name}")
            result.huge[name]["parse_and_store_s"] = time.perf_counter() - start
        families = list(FAMILIES)
        for i in range(cases):
            rng = random.Random(f"{seed}-{i}")
            family = families[i % len(families)]
            seed_name = "arxiv.jsonl" if family == "json-values" else rng.choice(list(SEEDS))
            data = FAMILIES[family](SEEDS[seed_name], rng)
            run_case(result, family, data, db_path, out, f"{seed}-{i}-{family}")
    return result


def report(result: Result) -> str:
    base = result.baseline_s_per_mb
    lines = [f"machine: {machine()}", "baseline (large valid files, s/MB): "
             + ", ".join(f"{k} {v:.4f}" for k, v in result.baseline.items()) + f"; bound {result.ratio:g}x {base:.4f}"]
    lines.append(f"cases: {sum(result.cases.values()):,}")
    kinds = sorted({k for _, k in result.outcomes})
    lines.append(f"  {'family':<14}{'cases':>8}" + "".join(f"{k:>20}" for k in kinds))
    for family, n in result.cases.items():
        lines.append(f"  {family:<14}{n:>8}" + "".join(f"{result.outcomes[family, k]:>20}" for k in kinds))
    for name, big in result.huge.items():
        lines.append(f"  huge line {name:<18} {big['mb']:6.1f} MB: parse {big['s_per_mb']:.4f} s/MB "
                     f"({big['s_per_mb'] / base:.2f}x the baseline), "
                     f"parse + store + re-open {big['parse_and_store_s']:.1f} s")
    if result.worst:
        w = result.worst
        lines.append(f"worst parse time per MB: {w['s_per_mb']:.4f} s/MB = {w['s_per_mb'] / base:.2f}x the baseline "
                     f"({w['case']}, {w['mb']:.2f} MB in {w['seconds']:.3f} s)")
    lines.append(f"failures: {len(result.failures)}")
    lines += [f"  {f['case']} ({f['family']}): {f['why']} -> {f['reproducer']}" for f in result.failures]
    return "\n".join(lines)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="where reproducers are saved")
    parser.add_argument("--baseline-mb", type=float, default=10)
    parser.add_argument("--huge-mb", type=float, default=50)
    parser.add_argument("--ratio", type=float, default=RATIO, help="allowed s/MB as a multiple of the baseline's")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = fuzz(args.cases, args.seed, args.out, baseline_mb=args.baseline_mb, huge_mb=args.huge_mb, ratio=args.ratio)
    if args.json:
        print(json.dumps({**vars(result), "cases": dict(result.cases),
                          "outcomes": {f"{f}/{k}": n for (f, k), n in result.outcomes.items()}}, indent=2))
    else:
        print(report(result))
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
