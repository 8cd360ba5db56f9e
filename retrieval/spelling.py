"""Typos in questions: a word the library (almost) never uses is read as the spelling one edit away that its
papers use far more often: `waht is teh best papr on seismic falut detection` -> `what is the best paper on
seismic fault detection`; `papers by Jinwne Ma` -> `papers by Jinwen Ma`.

The vocabulary is the index itself: its `words` field holds the titles' and abstracts' words as written (lower
case, unstemmed, document ids only), so a spelling is known when some paper uses it, as a word of an author's
name, or as one of the words questions are phrased with, and how many papers use it is one `doc_freq`. It is
always the library's, rebuilt with the index, and costs no memory of its own: a distance-2 delete table
(SymSpell) over a 1M-paper vocabulary of 500k words holds tens of millions of entries, and rapidfuzz would scan
a vocabulary list that tantivy does not keep. The candidates are every spelling one edit away (a letter dropped,
doubled or added, two swapped, one replaced: about 54 x length), looked up in the index; only words that are
not known already are looked at, so a question without a typo costs one look-up a word (README "Ranking
quality" has the timing). Two edits are not tried (54^2 x length look-ups).

Never corrected: words of English (`english`: "write" is not "white" because no paper says "write"),
acronyms (`SAM`), words with digits or inner capitals (`SANA1.5`, `GrowCLIP`), quoted words, operators' values,
words of two letters or fewer, words outside ASCII, and a capitalised word inside a sentence unless an author's
name is one edit away (a name: `Jinwne`; after a first name, even a short or English one: `Bingchen Lui`). A
plural is read as its singular's spelling plus s (`faluts`: `faults`). A question most of whose words are
unknown is in another language (or is not words): none of them is "corrected" into English.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

from papers_bot.retrieval.analysis import QUESTION_WORDS
from papers_bot.retrieval.index import Snapshot

# A word is read as another when the other is in at least RATIO times as many papers (and in FLOOR or more):
# a word in no paper is read as any known spelling one edit away; one in a few papers (a typo that occurs in a
# handful of a million abstracts) only as a spelling a hundred times more common. Measured: bench/quality.py
# --spelling (README "Ranking quality").
RATIO = 100
FLOOR = 1
# A word in more papers than this share of the library is a word, whatever is one edit away from it.
RARE_SHARE = 0.00001
MIN_LENGTH = 3
SHORT = 3  # a word this short is read only as a question word ("teh", "waht" is four)
# A question more than this share of whose words are unknown with no spelling one edit away is not read as typos
# (another language, a list of names): none of its words is "corrected".
MAX_UNKNOWN = 0.5
# The analyser's English stop words: known words that the index does not hold.
_STOP = frozenset("a an and are as at be but by for if in into is it no not of on or such that the their then "
                  "there these they this to was will with".split())
# ... and the words the parser reads as filters (`retrieval.query`), which papers need not use.
_INTENT = frozenset("newest latest newer recent recently last past year years since before after during between "
                    "until code repo repos repository github implementation open sourced first ones".split())
KNOWN = _STOP | frozenset(QUESTION_WORDS) | _INTENT
_LETTERS = string.ascii_lowercase
# A question's words with what surrounds them: quoted text and operators (`author:"Jinwen Ma"`) are kept as said.
_QUOTED = re.compile(r'"[^"]*"?|[\u201c][^\u201d]*[\u201d]?|\b[A-Za-z]+:(?:"[^"]*"|\S+)|\S+://\S+')
# A word that may be corrected: ASCII letters, lower case after the first (a word directly followed by a
# capital, a digit or another script is a name or an id: `GrowCLIP`, `SANA1`, `v3`).
_WORD = re.compile(r"(?<![\w'’.])[A-Za-z][a-z]*(?:['’][a-z]+)?(?!\w)")


@dataclass(frozen=True)
class Reading:
    """How a question was read: its text with typos corrected, and each (as typed, as read)."""

    text: str
    corrected: tuple[tuple[str, str], ...] = ()


def read_as(index: Snapshot, text: str) -> Reading:
    """`text` with its typos corrected (see the module's docstring); as it was when there are none."""
    kept = [m.span() for m in _QUOTED.finditer(text)]
    outside = [m for m in re.finditer(r"\w+", text) if not any(a <= m.start() < b for a, b in kept)]
    words = [m for m in _WORD.finditer(text) if not any(a <= m.start() < b for a, b in kept)]
    words = [m for m in words if len(m.group()) >= MIN_LENGTH and "'" not in m.group() and "’" not in m.group()
             and not re.search(r"(?:^|\s)-$", text[: m.start()])]  # (`-word` excludes a word as written)
    if not words:
        return Reading(text)
    rare = RARE_SHARE * index.searcher().num_docs
    english_words = english()
    sentence_starts = {0} | {m.end() for m in re.finditer(r"[.!?]\s+", text)}
    found: list[tuple[re.Match[str], str | None]] = []  # each unknown word, and the spelling it is read as
    for m in words:
        word = m.group()
        n = frequency(index, word)
        surname = _after_name(index, text[: m.start()]) and word.istitle()  # ("Bingchen Lui": a name's typo)
        if n > rare or (not surname and (word.lower() in english_words or word.isupper())):  # (English, acronym)
            continue
        first = m.start() in sentence_starts or not text[: m.start()].strip()
        names_only = surname or (word[0].isupper() and not first)
        better = _best(index, word.lower(), n, names_only=names_only, short=len(word) <= SHORT and not surname)
        if better is None and word.endswith("s") and len(word) > MIN_LENGTH + 1 and not names_only:
            # ("faluts": the plural of a typo whose singular papers use, "fault": one edit, then the s)
            stem = word[:-1].lower()
            better = (singular := _best(index, stem, frequency(index, stem), names_only=False, short=False)) and (
                singular + "s")
        found.append((m, better.capitalize() if better and word[0].isupper() else better))
    unread = sum(better is None for _, better in found) + sum(not m.group().isascii() for m in outside)
    if unread > MAX_UNKNOWN * len(outside):
        return Reading(text)  # (another language, or not words: nothing in it is "corrected" into English)
    out, last, corrected = [], 0, []
    for m, better in found:
        if better is None:
            continue
        out += [text[last : m.start()], better]
        last = m.end()
        corrected.append((m.group(), better))
    if not corrected:
        return Reading(text)
    return Reading("".join(out) + text[last:], tuple(corrected))


@functools.cache
def english() -> frozenset[str]:
    """Words of English (pyspellchecker's list, 160k words from subtitles and Wikipedia): a word in it is a word,
    however few papers use it ("write", "date", "side" are in none of the sample's 62); loaded once, 0.3 s."""
    from spellchecker import SpellChecker  # (a cost only for a process that reads a question)

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.keys())


def frequency(index: Snapshot, word: str) -> int:
    """How many papers use `word` as written (in their title or abstract, or as a word of an author's name); a
    question word counts as in every paper."""
    lower = word.lower()
    if lower in KNOWN:
        return index.searcher().num_docs
    return max(index.doc_freq("words", lower), index.doc_freq("authors", lower))


def _after_name(index: Snapshot, before: str) -> bool:
    """Whether `before` ends with a capitalised word of an author's name (a first name: "papers by Bingchen")."""
    m = re.search(r"(?<![\w'’.])([A-Z][a-z]+)\s+$", before)
    return m is not None and index.doc_freq("authors", m.group(1).lower()) > 0


def _best(index: Snapshot, word: str, count: int, *, names_only: bool, short: bool) -> str | None:
    """The most common known spelling one edit from `word`, if it is RATIO times as common (and FLOOR); of a
    short word, only a word questions are phrased with ("teh": "the"; "pdf" is not "pdo")."""
    best, best_count = None, max(FLOOR, RATIO * count) - 1
    for candidate in dict.fromkeys(_edits(word)):
        if short:
            found = index.searcher().num_docs if candidate in KNOWN else 0
        else:
            found = index.doc_freq("authors", candidate) if names_only else frequency(index, candidate)
        if found > best_count:
            best, best_count = candidate, found
    return best


def _edits(word: str) -> list[str]:
    """Every spelling one edit from `word`: a letter dropped, two neighbours swapped, one replaced, one added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = [a + b[1:] for a, b in splits if b]
    swapped = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1 and b[0] != b[1]]
    replaced = [a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]]
    added = [a + c + b for a, b in splits for c in _LETTERS]
    return [w for w in dropped + swapped + replaced + added if len(w) >= MIN_LENGTH - 1]
