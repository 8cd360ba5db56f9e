"""Paper vectors: what each paper is about as a point in a static word-embedding space, beside the index.

Derived from the store like the index, and rebuilt from it: `VectorStore.build` embeds the papers whose title and
abstract changed since the vectors on disk were built (a hash of each paper's text says which) and writes a new
set of files, then names it in `current.json` by an atomic rename. After a load that can say which papers it
touched, `VectorStore.update` writes the new set from the previous one and those papers alone, without reading
every paper's text (README "Scale"). A kill at any point leaves the previous set named and whole: the library
answers from it (papers without a vector rank by words alone) and brings it in step at its next load or start.
Vectors are int8 on disk (each row scaled to its largest component, the scale kept beside it) and
memory-mapped: 260 bytes a paper.

A library of ANN_MIN_PAPERS papers or more also gets an approximate nearest-neighbour index (usearch's HNSW graph
over the same int8 rows, `ann-<tag>.usearch`, memory-mapped), written before the set that first uses it is
named; a smaller one is scanned exactly (`Vectors.similarities`), which is exact and, there, as fast. Papers are
keyed by a hash of their id (`paper_key`; every set's `lookup-<tag>.npy` turns keys into rows, and the tantivy
index holds the same key), so that a search never reads the set's ids. A set `update` wrote keeps the index of
the set before it (`ann_tag` in `current.json`): the rows it does not hold come last (the tail, scanned exactly)
and its nodes of papers gone or changed since are passed over (`stale-<tag>.npy`). Past TAIL_MAX of either, or
after a `build`, the changes are made to a copy of the index (a full build at 1M papers takes minutes); after
changes to ANN_REFRESH_SHARE of the papers it is built anew. A set written before the index existed, or whose
index is missing or unreadable, answers by the exact scan and is brought in step (its vectors kept, the index
added) at the next load or start.

The model is wordllama's bundled `l2_supercat` 256-d token embeddings (README "How it is built"): a token
look-up and a mean, so a fresh install embeds offline, and thousands of papers a second.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import mmap
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from usearch.index import Index

log = logging.getLogger(__name__)

MODEL = "wordllama l2_supercat 256 int8"  # (another: the vectors are rebuilt)
DIM = 256
BATCH = 2048  # papers per tokenizer call: the Rust tokenizer spreads a batch over the cores
CURRENT = "current.json"
LOCK = ".lock"  # (held by the one process writing a set: app.library.update_vectors)
SCAN_BLOCK = 1024  # papers a block in an exact scan (`Vectors.similarities`)
# The approximate index (README "Scale", figures from bench/ann.py): from this many papers on, the nearest are
# found in it and re-scored exactly; below, the exact scan (at 50k papers 2.5 ms) is as fast and exact.
ANN_MIN_PAPERS = 50_000
ANN_CONNECTIVITY = 16  # usearch's default: graph edges a node
ANN_EXPANSION_ADD = 64  # candidates kept while adding: half usearch's default (README "Scale": 128 may be better)
ANN_EXPANSION_SEARCH = 256  # candidates kept while searching: recall@100 against exact (bench/ann.py)
ANN_ADD_BLOCK = 65_536  # rows added to the index at once (each block is read from the memory-mapped matrix)
# Papers added, changed or removed since the index was last built anew, as a share of the papers, past which it
# is built anew (a graph's removed nodes stay as tombstones, and many make it slower and less exact).
ANN_REFRESH_SHARE = 0.2
# A set written from the one before it and a load's few papers (`VectorStore.update`) leaves the approximate index
# as it was: the papers' rows embedded since it was written come last in the set and are scanned exactly (each
# search, ~0.05 ms a thousand), and its nodes of papers since gone or changed are passed over. Past this many of
# either, the index is changed in a copy (which holds the whole graph in memory: about 450 MB at 1M papers).
TAIL_MAX = 16_384


@functools.lru_cache(maxsize=1)
def _model() -> tuple[object, np.ndarray]:
    """The tokenizer and token-embedding matrix, read from the wheel's own files (never downloaded)."""
    import wordllama  # type: ignore[import-untyped]

    # WordLlama.load() as documented fetches its tokenizer from the network; from the package folder it does not.
    model = wordllama.WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)
    tokenizer = model.tokenizer
    tokenizer.no_padding()  # (each text's own tokens: padding to the longest in a batch wastes the mean's work)
    tokenizer.no_truncation()
    return tokenizer, np.ascontiguousarray(model.embedding, dtype=np.float32)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors (float32, len(texts) x DIM) of `texts`: the mean of their tokens' embeddings; a text with
    no token is the zero vector (it is near nothing)."""
    tokenizer, table = _model()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        encoded = tokenizer.encode_batch(list(texts[start : start + BATCH]),  # type: ignore[attr-defined]
                                         add_special_tokens=False)
        # Each text's tokens summed by itself: np.add.reduceat over a pool of texts' rows was 8x slower (on
        # synthetic arXiv abstracts, 320 tokens each: 220 against 27 µs a text), and the tokenizer is now most of
        # the time (README "Scale").
        for i, e in enumerate(encoded, start):
            if e.ids:
                total = table[e.ids].sum(axis=0)
                out[i] = total / max(float(np.linalg.norm(total)), 1e-12)
    return out


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row as int8 scaled to its largest component, and the scale that brings it back."""
    largest = np.abs(vectors).max(axis=1)
    scales = np.where(largest > 0, largest / 127, 1.0).astype(np.float32)
    return np.round(vectors / scales[:, None]).astype(np.int8), scales


def paper_text(title: str, abstract: str) -> str:
    """What a paper's vector is made from."""
    return f"{title}. {abstract}"


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def key_lookup(keys: np.ndarray) -> np.ndarray:
    """uint64 2 x len(keys): the keys sorted, and the row of each (`Vectors.lookup`)."""
    order = np.argsort(keys, kind="stable")
    return np.stack([keys[order], order.astype(np.uint64)])


def paper_key(paper_id: str) -> int:
    """A paper's key in the approximate index and, as a fast field, in the tantivy index: a hash of its id (two
    of 3M ids share one with odds of about 1 in 4 million)."""
    return text_hash(paper_id)


@dataclass
class Vectors:
    """One written set of vectors: row i is paper ids[i]'s, `matrix[i] * scales[i]` (memory-mapped int8). A search
    goes by keys (`paper_key`): the ids, a list of strings (about 70 MB at 1M papers, and a second to read), are
    read only when first asked for (a build, `stats`)."""

    matrix: np.ndarray  # len(ids) x DIM, int8
    scales: np.ndarray  # float32: what each row's int8 values are multiplied by
    hashes: np.ndarray  # uint64: each row's text hash (what a rebuild reuses)
    store_version: str | None
    tag: str
    ann: Index | None = None  # the approximate index over the rows (None: scanned exactly)
    lookup: np.ndarray | None = None  # uint64 2 x len(ids): every paper key, sorted, and the row of each
    changes: int = 0  # papers added, changed or removed since the index was built anew (ANN_REFRESH_SHARE)
    ids_file: Path | None = None  # where the ids are (a JSON list), for messages
    ids_source: mmap.mmap | None = field(default=None, repr=False)  # that file, mapped when the set was opened
    given_ids: list[str] | None = field(default=None, repr=False)  # or the ids themselves
    ann_tag: str = ""  # the set whose `ann-<tag>.usearch` this one searches ("": its own)
    tail: int = -1  # the first of the rows the index does not hold (the tail, scanned exactly; -1: none)
    stale: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))  # index keys to pass over

    @functools.cached_property
    def ids(self) -> list[str]:
        """Each row's paper id. (Read from the file as it was mapped when the set was opened: a later set's
        writer deletes it, and the mapping keeps it for this reader.)"""
        if self.given_ids is not None:
            return self.given_ids
        assert self.ids_source is not None
        ids = json.loads(self.ids_source[:])
        if not isinstance(ids, list) or len(ids) != len(self.matrix):
            raise ValueError(f"{self.ids_file} does not list the {len(self.matrix)} papers of its vectors")
        return ids

    @functools.cached_property
    def rows(self) -> dict[str, int]:
        """Each paper id's row."""
        return {pid: i for i, pid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.matrix)

    def vector(self, paper_id: str) -> np.ndarray | None:
        rows = self._rows_of(np.array([paper_key(paper_id)], dtype=np.uint64))
        return np.asarray(self.matrix[rows[0]], dtype=np.float32) * self.scales[rows[0]] if len(rows) else None

    def similarities(self, query: np.ndarray, *, start: int = 0) -> np.ndarray:
        """The cosine similarity to `query` (a unit vector) of every paper from row `start` on, exact."""
        q = np.asarray(query, dtype=np.float32)
        out = np.empty(len(self) - start, dtype=np.float32)
        # numpy has no int8 or float16 BLAS: each block is widened to float32 in one reused buffer, small enough
        # to stay in cache, and multiplied there. At 100k papers: 4.9 ms from int8, 47 ms from float16 (its
        # widening is slow), 244 ms multiplying float16 directly, 12.8 ms from float32 held in memory.
        block = np.empty((min(SCAN_BLOCK, len(out)), DIM), dtype=np.float32)
        for at in range(0, len(out), SCAN_BLOCK):
            part = self.matrix[start + at : start + at + SCAN_BLOCK]
            block[: len(part)] = part
            np.matmul(block[: len(part)], q, out=out[at : at + len(part)])
        out *= self.scales[start:]
        return out

    def nearest(self, query: np.ndarray, k: int) -> list[tuple[float, str]]:
        """The k papers most like `query`, best first, as (similarity, id)."""
        sims, rows = self._nearest_rows(query, k)
        return [(float(sim), self.ids[row]) for sim, row in zip(sims, rows)]

    def nearest_keys(self, query: np.ndarray, k: int) -> list[tuple[float, int]]:
        """The k papers most like `query`, best first, as (similarity, key): the key (`paper_key`) the index
        holds as a fast field, so that a search need not read a stored document for each."""
        sims, rows = self._nearest_rows(query, k)
        return list(zip(map(float, sims), map(int, self._keys[2][rows])))

    def _nearest_rows(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if not len(self) or k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if self.ann is not None:
            # The graph's candidates, re-scored from the rows: the similarity the exact scan gives (to rounding),
            # asked again for more while the nodes passed over leave fewer than k (papers removed together, a
            # field's, lie near each other); and the tail's rows, scanned.
            q8 = quantise(np.asarray(query, dtype=np.float32)[None])[0][0]
            wanted = k + min(len(self.stale), k)
            while True:
                found = self.ann.search(q8, wanted, threads=1).keys
                keys = found if not len(self.stale) else found[~_member(found, self.stale)]
                if len(keys) >= k or len(found) < wanted:
                    break
                wanted *= 4
            rows = np.unique(self._rows_of(keys))
            sims = self._rows_similarity(query, rows)
            if 0 <= self.tail < len(self):
                tail_sims = self.similarities(query, start=self.tail)
                rows = np.concatenate([rows, np.arange(self.tail, len(self))])
                sims = np.concatenate([sims, tail_sims])
        else:
            sims = self.similarities(query)
            # (every paper tied with the k-th: which of them make the k goes by key below, not by row)
            rows = np.flatnonzero(sims >= np.partition(sims, len(sims) - k)[len(sims) - k]) if k < len(sims) \
                else np.arange(len(sims))
            sims = sims[rows]
        order = np.lexsort((self._keys[2][rows], -sims))[:k]  # (ties by key: the same order in every process)
        return sims[order], rows[order]

    @functools.cached_property
    def _keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The keys sorted, the row of each, and each row's key."""
        lookup = self.lookup if self.lookup is not None else key_lookup(  # (ids given, not read from a set)
            np.fromiter(map(paper_key, self.ids), dtype=np.uint64, count=len(self.ids)))
        ordered, rows = lookup[0], lookup[1].astype(np.int64)
        by_row = np.empty(len(rows), dtype=np.uint64)
        by_row[rows] = ordered
        return ordered, rows, by_row

    def _rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The rows of those of `keys` that have one (in order; the others left out)."""
        ordered, rows, _ = self._keys
        if not len(ordered):
            return np.empty(0, dtype=np.int64)
        return rows[np.searchsorted(ordered, keys[_member(keys, ordered)])]

    def _rows_similarity(self, query: np.ndarray, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return (np.asarray(self.matrix[rows], dtype=np.float32) @ query) * self.scales[rows]

    def similarity(self, query: np.ndarray, ids: Iterable[str]) -> dict[str, float]:
        """The similarity to `query` of those of `ids` that have a vector."""
        named = {paper_key(pid): pid for pid in ids}
        return {named[key]: sim for key, sim in self.similarity_by_key(query, list(named)).items()}

    def similarity_by_key(self, query: np.ndarray, keys: Sequence[int]) -> dict[int, float]:
        """The similarity to `query` of those of the papers `keys` that have a vector."""
        rows = self._rows_of(np.array(keys, dtype=np.uint64))
        if not len(rows):
            return {}
        return dict(zip(map(int, self._keys[2][rows]), map(float, self._rows_similarity(query, rows))))


class VectorStore:
    """The vector files of one library, in a folder beside its database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def current(self) -> Vectors | None:
        """The set `current.json` names (None: none yet, or its files are unreadable: then rebuilt)."""
        try:
            meta = json.loads((self.path / CURRENT).read_text())
            if meta.get("model") != MODEL:
                return None
            tag = meta["tag"]
            ids_file = self.path / f"ids-{tag}.json"
            with open(ids_file, "rb") as f:  # (mapped now, read when first needed)
                ids_source = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            if len(ids_source) != meta.get("ids_bytes", len(ids_source)):  # (its length, checked without reading it)
                raise ValueError(f"{ids_file} is {len(ids_source)} bytes, not the {meta['ids_bytes']} written")
            matrix = np.load(self.path / f"vectors-{tag}.npy", mmap_mode="r")
            count = len(matrix)
            hashes = np.load(self.path / f"hashes-{tag}.npy")
            scales = np.load(self.path / f"scales-{tag}.npy")
            lookup = self._lookup(tag, ids_source, count)
            ann_tag = meta.get("ann_tag") or tag
            tail = int(meta.get("tail", -1))
            ann, stale = None, self._stale(tag) if ann_tag != tag else np.empty(0, dtype=np.uint64)
            if stale is None:
                stale = np.empty(0, dtype=np.uint64)
            elif meta.get("ann"):
                ann = self._ann(ann_tag, (tail if tail >= 0 else count) + len(stale))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as e:
            log.warning("the vectors at %s cannot be read (%s); they are rebuilt from the store", self.path, e)
            return None
        if matrix.shape != (meta.get("count", count), DIM) or len(hashes) != count or len(scales) != count \
                or tail > count:
            log.warning("the vectors at %s do not agree with their ids; they are rebuilt from the store", self.path)
            return None
        return Vectors(matrix, scales, hashes, meta.get("store"), tag, ann, lookup, meta.get("changes", 0), ids_file,
                       ids_source, ann_tag=ann_tag, tail=tail if ann is not None else -1, stale=stale)

    def _lookup(self, tag: str, ids_source: mmap.mmap, count: int) -> np.ndarray:
        """The set's key look-up; made anew from its ids when it is missing (a set scanned exactly, from before
        every set had one) or unreadable."""
        path = self.path / f"lookup-{tag}.npy"
        try:
            lookup = np.load(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            log.warning("the vectors' key look-up %s cannot be read (%s); it is made from their ids", path, e)
        else:
            if lookup.shape == (2, count) and lookup.dtype == np.uint64:
                return lookup
            log.warning("the vectors' key look-up %s is not of their %d papers; it is made from their ids", path,
                        count)
        return key_lookup(np.fromiter(map(paper_key, json.loads(ids_source[:])), dtype=np.uint64, count=count))

    def _stale(self, tag: str) -> np.ndarray | None:
        """The set's list of its approximate index's nodes to pass over (None when it is missing or unreadable:
        the set is then scanned exactly, its vectors kept, until the index is rebuilt)."""
        path = self.path / f"stale-{tag}.npy"
        try:
            stale = np.load(path)
            if stale.dtype != np.uint64 or stale.ndim != 1:
                raise ValueError(f"{stale.dtype} x {stale.shape}, not a list of keys")
        except (OSError, ValueError) as e:
            log.warning("the vectors' list of stale index nodes %s cannot be read (%s); the vectors are scanned "
                        "exactly until the index is rebuilt", path, e)
            return None
        return stale

    def _ann(self, tag: str, count: int) -> Index | None:
        """The set's approximate index, memory-mapped (None when it is missing or unreadable: the set is then
        scanned exactly until it is rebuilt)."""
        from usearch.index import Index  # (here: importing it costs 0.2 s, and most libraries never need it)

        path = self.path / f"ann-{tag}.usearch"
        try:
            ann = Index.restore(str(path), view=True, expansion_search=ANN_EXPANSION_SEARCH)
        except (OSError, RuntimeError, ValueError) as e:
            ann, problem = None, str(e)
        else:
            problem = "not a usearch index" if ann is None else f"{len(ann)} rows, not {count}"
        if ann is None or len(ann) != count:
            log.warning("the vector index %s cannot be read (%s); the vectors are scanned exactly until it is "
                        "rebuilt", path, problem)
            return None
        return ann

    def build(self, papers: Iterable[tuple[str, str, str]], count: int, store_version: str,
              previous: Vectors | None = None) -> tuple[Vectors, int]:
        """Write the vectors of the `count` `papers` ((id, title, abstract)) and name them current; a paper whose
        text `previous` holds keeps its vector. The new set and how many papers were embedded. (Its approximate
        index holds every row: no tail.)"""
        self.path.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex
        tmp = self.path / f".writing-{tag}.npy"
        matrix = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int8, shape=(count, DIM))
        scales = np.zeros(count, dtype=np.float32)
        ids: list[str] = []
        hashes = np.zeros(count, dtype=np.uint64)
        keys = np.zeros(count, dtype=np.uint64)  # (each paper's in the approximate index: a hash of its id)
        unindexed: list[int] = []  # the rows whose vector `previous`'s index does not hold (embedded, or its tail's)
        embedded = 0
        rows: list[int] = []
        texts: list[str] = []

        kept: list[tuple[int, int]] = []  # (row, its row in `previous`) of the papers whose vector is kept

        def flush() -> None:
            if rows:
                matrix[rows], scales[rows] = quantise(embed(texts))
                rows.clear()
                texts.clear()
            if kept:  # (copied a block at a time: row by row, a 1M set's copy cost seconds in Python)
                new, old = np.array(kept, dtype=np.int64).T
                matrix[new] = previous.matrix[old]  # type: ignore[union-attr]
                scales[new] = previous.scales[old]  # type: ignore[union-attr]
                kept.clear()

        for row, (pid, title, abstract) in enumerate(papers):
            if row >= count:
                raise ValueError(f"more papers than the {count} counted")
            text = paper_text(title, abstract)
            ids.append(pid)
            keys[row] = paper_key(pid)
            hashes[row] = h = text_hash(text)
            old = previous.rows.get(pid) if previous is not None else None
            if old is not None and int(previous.hashes[old]) == h:  # type: ignore[union-attr]
                kept.append((row, old))
                if 0 <= previous.tail <= old:  # type: ignore[union-attr]
                    unindexed.append(row)
            else:
                rows.append(row)
                unindexed.append(row)
                texts.append(text)
                embedded += 1
            if max(len(rows), len(kept)) >= BATCH * 4:
                flush()
        flush()
        if len(ids) != count:
            raise ValueError(f"{len(ids)} papers, not the {count} counted")
        tail = self._index(tag, matrix, keys, np.array(unindexed, dtype=np.int64), previous, fold=True)
        return self._name(tag, tmp, matrix, scales, hashes, keys, ids, store_version, tail), embedded

    def update(self, previous: Vectors, papers: Iterable[tuple[str, str, str]], touched: Iterable[str], count: int,
               store_version: str) -> tuple[Vectors, int] | None:
        """Write `previous` brought in step with a store where only the papers `touched` were added, changed or
        removed since it was built, and name it current: `papers` ((id, title, abstract)) are those of them still
        stored, in id order. The other rows are copied as they are, those of `previous`'s tail last, then these
        papers' (a search's ties go by key, not row): the approximate index is kept, and the new tail is scanned,
        up to TAIL_MAX. The new set and how many papers were embedded; None, and nothing written, when the papers
        would not be the `count` stored (`touched` missed some: the caller builds the set anew)."""
        listed = list(papers)
        gone = np.fromiter({paper_key(pid) for pid in touched} | {paper_key(pid) for pid, _, _ in listed},
                           dtype=np.uint64)
        keep = np.ones(len(previous), dtype=bool)
        keep[previous._rows_of(gone)] = False
        indexed = len(previous) if previous.ann is None or previous.tail < 0 else previous.tail
        base, tail = np.flatnonzero(keep[:indexed]), indexed + np.flatnonzero(keep[indexed:])
        if len(base) + len(tail) + len(listed) != count:
            return None
        self.path.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex
        tmp = self.path / f".writing-{tag}.npy"
        matrix = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int8, shape=(count, DIM))
        scales = np.zeros(count, dtype=np.float32)
        hashes = np.zeros(count, dtype=np.uint64)
        keys = np.zeros(count, dtype=np.uint64)
        kept = np.concatenate([base, tail])
        for start in range(0, len(kept), ANN_ADD_BLOCK):  # (a block at a time: the matrix may be 1 GB at 3M papers)
            block = kept[start : start + ANN_ADD_BLOCK]
            matrix[start : start + len(block)] = previous.matrix[block]
        n = len(kept)
        scales[:n], hashes[:n], keys[:n] = previous.scales[kept], previous.hashes[kept], previous._keys[2][kept]
        old_ids = previous.ids
        ids = [old_ids[row] for row in kept.tolist()]
        fresh: list[int] = []
        texts: list[str] = []
        for row, (pid, title, abstract) in enumerate(listed, n):
            text = paper_text(title, abstract)
            ids.append(pid)
            keys[row] = key = paper_key(pid)
            hashes[row] = h = text_hash(text)
            old = previous._rows_of(np.array([key], dtype=np.uint64))
            if len(old) and int(previous.hashes[old[0]]) == h:  # (its text as it was: a profile page changed)
                matrix[row], scales[row] = previous.matrix[old[0]], previous.scales[old[0]]
            else:
                fresh.append(row)
                texts.append(text)
        if fresh:
            matrix[fresh], scales[fresh] = quantise(embed(texts))
        # (rows from len(base) on: the index's copy of their vector, if any, is not theirs now)
        new_tail = self._index(tag, matrix, keys, np.arange(len(base), count), previous, fold=False)
        return self._name(tag, tmp, matrix, scales, hashes, keys, ids, store_version, new_tail), len(fresh)

    def _index(self, tag: str, matrix: np.ndarray, keys: np.ndarray, unindexed: np.ndarray,
               previous: Vectors | None, *, fold: bool) -> _Tail:
        """The new set's approximate index, from `previous`'s: its keys, and the `unindexed` rows (those whose
        vector its index does not hold). Unless `fold` (or past TAIL_MAX), when the unindexed rows are the set's
        last (its tail), the index is kept as it is; else it is written anew for this set: a copy of the previous
        one less its papers gone or changed and plus the unindexed rows, or, past ANN_REFRESH_SHARE (or without
        one), built anew."""
        count = len(keys)
        if count < ANN_MIN_PAPERS:
            return _Tail(ann=False)
        if previous is None or previous.ann is None or previous.lookup is None:
            write_ann(matrix, keys, np.arange(count), self.path / f".writing-{tag}.usearch")
            os.replace(self.path / f".writing-{tag}.usearch", self.path / f"ann-{tag}.usearch")
            return _Tail()
        # The index's keys: the previous set's rows before its tail, and its stale keys.
        indexed = previous.tail if previous.tail >= 0 else len(previous)
        in_index = np.union1d(previous._keys[2][:indexed], previous.stale)
        still = np.ones(count, dtype=bool)
        still[unindexed] = False
        stale = np.setdiff1d(in_index, keys[still], assume_unique=True)  # (gone, or its vector changed)
        is_tail = not len(unindexed) or int(unindexed[0]) == count - len(unindexed)
        # (and the nodes passed over at most a fifth of the index: more, and a search asks it for many more)
        if not fold and is_tail and len(unindexed) <= TAIL_MAX and \
                len(stale) <= min(TAIL_MAX, ANN_REFRESH_SHARE * len(in_index)):
            return _Tail(previous.ann_tag or previous.tag, count - len(unindexed), stale, previous.changes)
        # (papers added or changed, and those gone)
        changes = previous.changes + len(unindexed) + len(np.setdiff1d(stale, keys[unindexed]))
        writing = self.path / f".writing-{tag}.usearch"
        built = False
        if changes <= ANN_REFRESH_SHARE * count:
            try:
                write_ann(matrix, keys, unindexed, writing,
                          (self.path / f"ann-{previous.ann_tag or previous.tag}.usearch", stale))
                built = True
            except (OSError, RuntimeError, ValueError) as e:
                log.warning("cannot change a copy of the vector index %s (%s); building it anew",
                            previous.ann_tag or previous.tag, e)
        if not built:
            changes = 0
            write_ann(matrix, keys, np.arange(count), writing)
        os.replace(writing, self.path / f"ann-{tag}.usearch")
        return _Tail(changes=changes)

    def _name(self, tag: str, tmp: Path, matrix: np.memmap, scales: np.ndarray, hashes: np.ndarray,
              keys: np.ndarray, ids: list[str], store_version: str, tail: _Tail) -> Vectors:
        """Write the rest of the set `tag` whose matrix is being written at `tmp`, name it current, and delete
        the sets before it (but the one whose approximate index it searches)."""
        count = len(ids)
        matrix.flush()
        _fsync(tmp)
        os.replace(tmp, self.path / f"vectors-{tag}.npy")
        lookup = key_lookup(keys)  # (every set's: a search goes by keys)
        arrays = [("hashes", hashes), ("scales", scales), ("lookup", lookup)]
        if tail.ann_tag:
            arrays.append(("stale", tail.stale))
        for name, array in arrays:
            with open(self.path / f".writing-{tag}.{name}", "wb") as f:
                np.save(f, array)
                f.flush()
                os.fsync(f.fileno())
            os.replace(self.path / f".writing-{tag}.{name}", self.path / f"{name}-{tag}.npy")
        listed = json.dumps(ids).encode()
        _write(self.path / f"ids-{tag}.json", listed)
        # Naming the new set is the one step that makes it current: before it the old set is, after it the new.
        meta = {"model": MODEL, "store": store_version, "tag": tag, "count": count, "ann": tail.ann,
                "changes": tail.changes, "ids_bytes": len(listed)}
        if tail.ann_tag:
            meta |= {"ann_tag": tail.ann_tag, "tail": tail.start}
        _write(self.path / CURRENT, json.dumps(meta).encode())
        self._remove_all_but(tag, tail.ann_tag)
        built = self.current()
        if built is None:
            raise OSError(f"the vectors just written to {self.path} cannot be read back")
        return built

    def _remove_all_but(self, tag: str, ann_tag: str = "") -> None:
        """Delete earlier sets (a reader holding one keeps its open files: the system frees them after it), but
        the index `ann_tag` names; never the writers' lock (deleted, the next writer would lock a new file while
        this one still writes)."""
        for file in self.path.iterdir():
            if file.name not in (CURRENT, LOCK, f"ann-{ann_tag}.usearch") and tag not in file.name:
                file.unlink(missing_ok=True)


@dataclass
class _Tail:
    """How a new set searches its approximate index: with one (`ann`); whose it is ("": its own, holding every
    row); from which row on the index does not hold its rows, and the index's keys it is to pass over."""

    ann_tag: str = ""
    start: int = -1
    stale: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    changes: int = 0
    ann: bool = True


def _member(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Whether each of `values` is in the sorted array `ordered`."""
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[at] == values


def write_ann(matrix: np.ndarray, keys: np.ndarray, rows: np.ndarray, path: Path,
              base: tuple[Path, np.ndarray] | None = None) -> None:
    """Write to `path`, synced, an approximate index of `matrix`'s int8 `rows`, each keyed by `keys[row]`; with a
    `base` (an earlier index's file, and keys to drop from it), that index less those keys, plus the rows."""
    from usearch.index import Index

    if base is None:
        ann = Index(ndim=DIM, metric="cos", dtype="i8", connectivity=ANN_CONNECTIVITY,
                    expansion_add=ANN_EXPANSION_ADD)
    else:
        loaded = Index.restore(str(base[0]), expansion_add=ANN_EXPANSION_ADD)
        if loaded is None:
            raise OSError(f"the vector index {base[0]} cannot be read")
        ann = loaded
        if len(base[1]):
            ann.remove(base[1])
    for start in range(0, len(rows), ANN_ADD_BLOCK):
        block = rows[start : start + ANN_ADD_BLOCK]
        ann.add(keys[block], np.ascontiguousarray(matrix[block]))
    ann.save(str(path))
    _fsync(path)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (a temporary file renamed over it, synced)."""
    tmp = path.with_name(f".writing-{path.name}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
