"""What a paper is called and where it appeared: the keys the index finds a paper by when a question names it
("who wrote SANA 1.5?", "does fastgan have code?") or names a venue ("papers accepted at ICML 2023").

A name key is a name with everything but letters and digits dropped, lowercased, accents folded and Greek
letters spelt out, so the ways people write one name meet: `PIXART-α`, `PixArt-alpha` and `pixart alpha` are
all `pixartalpha`; `SANA 1.5` and `SANA-1.5` are `sana15`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from papers_bot.store.paper import StoredPaper

MIN_KEY = 3  # a shorter name ("AI") names too much
MAX_NAME_WORDS = 8  # a title's head ("SANA 1.5: ...") longer than this is not a name

_TITLE_HEAD = re.compile(r"^(.{2,80}?)\s*(?::|\s[-–—]\s)")
_VERSION = re.compile(r"(?:[\s-]+v?\d+(?:\.\d+)*[a-z]?)+$", re.I)  # "SANA 1.5", "Playground v3" (not "YOLOv8")
_REPO = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[^/\s]+/([^/\s#?]+)", re.I)
_PROJECT_PAGE = re.compile(r"https?://([a-z0-9-]+)\.github\.io/?(?:([a-z0-9._-]+)/?)?$", re.I)
# A repository's name says what the paper is called, less what it is written in ("FastGAN-pytorch").
_REPO_SUFFIX = re.compile(
    r"[-_.](?:pytorch|torch|tensorflow|tf|jax|keras|official|code|release|main|master|impl|github|io)$", re.I
)

# Venues people name: conferences and journals of the fields arXiv serves most, as their acronyms are written.
VENUES = {
    name.lower(): name
    for name in """
    NeurIPS NIPS ICML ICLR AAAI IJCAI AISTATS UAI COLT CoRL CVPR ICCV ECCV WACV BMVC ACCV 3DV ACL EMNLP NAACL
    COLING EACL AACL CoNLL TACL SIGIR KDD WWW WSDM CIKM RecSys ICDM ECIR ICDE VLDB SIGMOD MICCAI ISBI ICASSP
    INTERSPEECH ICRA IROS SIGGRAPH TPAMI TNNLS TKDE IJCV JMLR TMLR TOIS TASLP PNAS
    """.split()
}
VENUES["neurips"], VENUES["nips"] = "NeurIPS", "NeurIPS"  # (one conference, renamed in 2018)
# A venue as written, with the year beside it if there is one: `ICML 2023`, `ICCV2023`, `NeurIPS'23`.
VENUE_PATTERN = re.compile(
    r"(?<![A-Za-z])(" + "|".join(sorted(map(re.escape, VENUES), key=len, reverse=True))
    + r")(?:[\s'’-]*((?:19|20)\d\d|'\d\d)(?!\d))?(?![A-Za-z])",
    re.IGNORECASE,
)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def name_key(text: str) -> str:
    """`text` as a name key (see the module's docstring)."""
    if text.isascii():  # (most titles: the same key without a look at each character's Unicode name)
        return _NOT_ALNUM.sub("", text.lower())
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii():
            if char.isalnum():
                out.append(char.lower())
        elif unicodedata.category(char) == "Ll" or unicodedata.category(char) == "Lu":
            name = unicodedata.name(char, "")
            if name.startswith("GREEK"):  # "GREEK SMALL LETTER ALPHA" -> "alpha"
                out.append(name.rsplit(" ", 1)[-1].lower())
            else:
                out.append(char.lower())
    return "".join(out)


def paper_names(paper: StoredPaper) -> list[str]:
    """The names `paper` goes by, as written: its title, the head of a title (`SANA 1.5: ...`), the name a
    listing without a title is known by (from its abstract), and its code repository's or project page's name."""
    shown = paper.display_title
    titles = {paper.title, "" if shown.endswith("…") else shown} - {""}  # (not an excerpt of the abstract)
    names = list(titles)
    for title in titles:
        head = _TITLE_HEAD.match(title)
        if head and len(head.group(1).split()) <= MAX_NAME_WORDS:
            names.append(head.group(1))
    names += [_VERSION.sub("", n) for n in names if n[-1:].isdigit() and _VERSION.search(n)]  # "SANA 1.5": "SANA"
    urls = [u for u in [paper.code_url or "", *paper.links] if u]
    said = " ".join(filter(None, [paper.abstract, paper.comment])) if urls else ""
    for url in dict.fromkeys(u for u in urls if _presented_as_its_own(said, u)):
        if repo := _REPO.match(url):
            names.append(_REPO_SUFFIX.sub("", repo.group(1)))
        elif page := _PROJECT_PAGE.match(url.rstrip("/")):
            names.append(page.group(2) or page.group(1))
    return list(dict.fromkeys(n for n in names if n))


# How a listing presents its own code or page: "code is available at", "our implementation:", "Project page:".
_OWN_LINK = re.compile(r"\b(?:code|codes|available|implementation|released?|our|project|page|website|repo|"
                       r"repository|github|here|at)\b[^.]{0,30}$", re.I)


def _presented_as_its_own(text: str, url: str) -> bool:
    """Whether `text` presents `url` as the paper's own code or page, not a tool it used ("We fine-tune Stable
    Diffusion (https://github.com/CompVis/stable-diffusion)"). A link only in the listing's links counts."""
    at = text.find(url)
    return at < 0 or bool(_OWN_LINK.search(text[max(0, at - 60): at]))


def paper_name_keys(paper: StoredPaper) -> list[str]:
    return list(dict.fromkeys(k for k in map(name_key, paper_names(paper)) if len(k) >= MIN_KEY))


_URL = re.compile(r"\S+://\S+|\bwww\.\S+", re.I)
# A venue named in a clause that says the paper is not (yet) there: "under review at NeurIPS", "extends our KDD
# 2021 paper", "rejected from ICLR".
_NOT_THERE = re.compile(r"\b(?:under review|review|submitted|submission|rejected|extends|extension|extended|"
                        r"previous|prior|earlier|preliminary|short version|conference version|see also|workshop)\b",
                        re.I)


def venues_in(text: str, *, appeared: bool = False) -> list[tuple[str, int | None]]:
    """The venues `text` names, each with the year written beside it: `Accepted by ICCV2023` -> ICCV, 2023.
    Links are not read (`www.` is not the WWW conference). `appeared`: only where the clause says the paper
    appeared there (not "under review at", "extends our KDD 2021 paper"), as a listing's comment does."""
    text = _URL.sub(" ", text)
    found = []
    for match in VENUE_PATTERN.finditer(text):
        clause = re.split(r"[;.,()\n]", text[: match.start()])[-1]
        if appeared and _NOT_THERE.search(clause):
            continue
        name = VENUES[match.group(1).lower()]
        year = match.group(2)
        year_value: int | None = None
        if year is not None:
            digits = int(year.lstrip("'"))
            year_value = digits if digits > 999 else (1900 + digits if digits > 50 else 2000 + digits)  # ('99, '23)
        found.append((name, year_value))
    return list(dict.fromkeys(found))


def venue_keys(paper: StoredPaper) -> list[str]:
    """Index terms for the venues a paper's comment and journal reference name: `icml`, with `icml@2023` when
    the year is written and `icml@` when it is not (then the paper's own year stands for it)."""
    keys: list[str] = []
    said = " ".join(filter(None, [paper.comment, paper.journal_ref]))
    for name, year in venues_in(said, appeared=True):
        key = name.lower()
        keys += [key, f"{key}@{year}" if year else f"{key}@"]
    return list(dict.fromkeys(keys))


def venue_of(paper: StoredPaper) -> str | None:
    """Where a paper appeared, as its listing says: the journal reference, else a comment naming a venue."""
    if paper.journal_ref:
        return paper.journal_ref
    comment = paper.comment or ""
    found = venues_in(comment, appeared=True)
    if not found:
        return None
    name, year = found[0]
    return f"{name} {year}" if year else (f"{name} {paper.year}" if paper.year else name)


def spans(words: list[str], longest: int = MAX_NAME_WORDS) -> Iterable[tuple[int, int]]:
    """Every run of up to `longest` consecutive words, longest first."""
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            yield start, start + size
