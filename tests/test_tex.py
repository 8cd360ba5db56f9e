"""arXiv's TeX in names, titles, abstracts and comments: decoded for display and search, kept raw."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papers_bot.library import Library
from papers_bot.store import db as store
from papers_bot.store.parse import read_listing
from papers_bot.store.tex import tex_to_text

# Lines in the exact form of arXiv's metadata snapshot (JSON: backslashes escaped), each written over several
# source lines. 0704.0001 and 0704.0002 are copied from it; the third is written the TeX way in both author fields,
# as many records are.
SNAPSHOT = [
    r'{"id":"0704.0001","submitter":"Pavel Nadolsky",'
    r'''"authors":"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",'''
    r'"title":"Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",'
    r'"comments":"37 pages, 15 figures; published version","journal-ref":"Phys.Rev.D76:013009,2007",'
    r'"doi":"10.1103/PhysRevD.76.013009","report-no":"ANL-HEP-PR-07-12","categories":"hep-ph",'
    r'"license":null,"abstract":"  A fully differential calculation in perturbative quantum chromodynamics '
    r'is\npresented for the production of massive photon pairs at hadron colliders.","versions":[{"version":"v1",'
    r'"created":"Mon, 2 Apr 2007 19:18:42 GMT"}],"update_date":"2008-11-13","authors_parsed":[["Bal\u00e1zs","C.",""],'
    r'["Berger","E. L.",""],["Nadolsky","P. M.",""],["Yuan","C. -P.",""]]}',
    r'{"id":"0704.0002","submitter":"Louis Theran","authors":"Ileana Streinu and Louis Theran",'
    r'"title":"Sparsity-certifying Graph Decompositions","comments":"To appear in Graphs and Combinatorics",'
    r'"journal-ref":null,"doi":null,"report-no":null,"categories":"math.CO cs.CG",'
    r'"license":"http://arxiv.org/licenses/nonexclusive-distrib/1.0/",'
    r'"abstract":"  We describe a new algorithm, the $(k,\\ell)$-pebble game with colors, and use\nit obtain a '
    r'characterization of the family of $(k,\\ell)$-sparse graphs.","versions":[{"version":"v1",'
    r'"created":"Sat, 31 Mar 2007 02:26:18 GMT"}],"update_date":"2008-12-13","authors_parsed":[["Streinu","Ileana",'
    r'""],["Theran","Louis",""]]}',
    r'{"id":"0704.9999","authors":"J. M\\\"uller and {\\O}. S{\\o}rensen",'
    r'"title":"On the $\\ell^2$-Betti numbers of \\emph{foliations}",'
    r'"abstract":"We use {\\em Stra\\ss e} and \\c{c}ay and \\v{s}ums, Pe\\~na, na{\\\"\\i}ve -- 50\\% of '
    r'$\\mathcal{O}(n)$~work.","comments":"\\textbf{12} pages, \\textit{draft}","categories":"math.GT",'
    r'"versions":[{"version":"v1","created":"Sun, 1 Apr 2007 10:00:00 GMT"}],"authors_parsed":[["M\\\"uller","J.",""],'
    r'["S{\\o}rensen","{\\O}.",""]]}',
]


@pytest.fixture
def tex_library(tmp_path):
    (tmp_path / "snapshot.jsonl").write_text("\n".join(SNAPSHOT) + "\n")
    lib = Library(tmp_path / "p.db", sample_if_new=False)
    lib.load([tmp_path / "snapshot.jsonl"])
    yield lib
    lib.close()


@pytest.mark.parametrize(
    "tex, text",
    [(r"Bal\'azs", "Balázs"), (r"M\"uller", "Müller"), (r"{\o}", "ø"), (r"{\O}", "Ø"), (r"Stra\ss e", "Straße"),
     (r"\c{c}", "ç"), (r"\v{s}", "š"), (r"Pe\~na", "Peña"), (r"na{\"\i}ve", "naïve"), ("a--b", "a–b"),
     ("x~y", "x y"), (r"\emph{foliations}", "foliations"), (r"\textbf{bold}", "bold"), (r"\textit{it}", "it"),
     (r"{\em Stra\ss e}", "Straße"), (r"Erd\H{o}s", "Erdős"), (r"\'{E}cole", "École"), (r"S\o rensen", "Sørensen"),
     (r"50\% \& more", "50% & more"), ("100% of it", "100% of it"), (r"{GAN}s", "GANs"),
     (r"PIXART-$\alpha$", "PIXART-α"), (r"$\ell^2$-Betti", "ℓ^2-Betti"),
     (r"$\mathcal{O}(n)$ and $\frac{a}{b}$", r"$\mathcal{O}(n)$ and $\frac{a}{b}$"),  # math kept as written
     ("plain text", "plain text"), ("unbalanced { brace \\", "unbalanced brace \\"),
     # macros pylatexenc drops or cannot read keep their words (it turned these into nothing)
     (r"\texttt{fairseq}: A Toolkit in C\+\+", "fairseq: A Toolkit in C++"), (r"\mbox{y} with \LaTeX", "y with LaTeX"),
     (r"\href{http://a.b}{link text}", "http://a.b link text"), (r"\textcolor{red}{alert}", "alert"),
     (r"\frac{a}{b}", "a/b"), (r'na\"{\i}ve', "naïve"), (r"K{\i}van\c{c}", "Kıvanç"), (r"\url{http://x/~u}", "http://x/~u")],
)
def test_each_escape(tex, text):
    assert tex_to_text(tex) == text


def test_snapshot_records_display_decoded_and_keep_their_raw_text(tmp_path):
    (tmp_path / "s.jsonl").write_text("\n".join(SNAPSHOT) + "\n")
    first, second, third = read_listing(tmp_path / "s.jsonl").papers
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]  # hyphenated initials kept
    assert first.raw is not None
    assert json.loads(first.raw) == {"authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan"}
    assert second.raw is None and "$(k,\\ell)$-pebble game" in second.abstract  # math as written
    assert third.authors == ["J. Müller", "Ø. Sørensen"]
    assert third.title == "On the ℓ^2-Betti numbers of foliations"
    assert third.abstract == "We use Straße and çay and šums, Peña, naïve – 50% of $\\mathcal{O}(n)$ work."
    assert third.comment == "12 pages, draft"
    assert third.raw is not None
    raw = json.loads(third.raw)
    assert raw["title"] == "On the $\\ell^2$-Betti numbers of \\emph{foliations}"
    assert raw["authors"] == 'J. M\\"uller and {\\O}. S{\\o}rensen'
    assert set(raw) == {"title", "abstract", "comments", "authors"}


def test_names_people_type_find_decoded_authors(tex_library):
    for typed in ("Müller", "Muller", 'M\\"uller', "J. Müller", "Muller, J."):
        assert tex_library.author(typed).name == "J. Müller", typed
    for query in ('author:"Sørensen"', "author:Sorensen", 'author:"Ø. Sørensen"', 'author:"O. Sorensen"',
                  'author:"M\\"uller"', 'author:"C.-P. Yuan"', "author:Balazs"):
        assert tex_library.search(query).hits, query
    assert tex_library.search("foliations").hits[0].paper.id == "0704.9999"
    assert tex_library.search("emph textbf").hits == []  # markup is not indexed as words
    assert tex_library.paper("0704.9999").raw  # what the record said, for anyone who needs it


_TEX = st.sampled_from([r"\'", r"\"", "\\", "{", "}", "$", r"\emph{", r"{\em ", r"\c{", r"\v", "--", "~", r"\o",
                        r"\ss", "%", r"\%", "^", "_", r"\frac{", "a", "é", " ", "\n", "\x00", "\ud800"])


@settings(derandomize=True, max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(_TEX, st.text(max_size=3)), max_size=30).map("".join))
def test_random_tex_never_fails(text):
    decoded = tex_to_text(text)
    assert isinstance(decoded, str)
    assert all(mark not in decoded for mark in "\x01\x02\x03" if mark not in text)  # (no placeholder left behind)


@settings(derandomize=True, max_examples=60, deadline=None, database=None)
@given(st.lists(st.one_of(_TEX, st.text(max_size=3)), max_size=20).map("".join),
       st.lists(st.lists(st.one_of(_TEX, st.text(max_size=3)), max_size=6).map("".join), max_size=3))
def test_random_tex_in_titles_and_names_parses(tmp_path_factory, title, names):
    path = tmp_path_factory.mktemp("tex") / "r.jsonl"
    record = {"id": "2401.00001", "title": title, "abstract": "a", "authors": " and ".join(names),
              "authors_parsed": [[n, "", ""] for n in names]}
    path.write_text(json.dumps(record) + "\n")
    listing = read_listing(path)
    papers = list(listing.papers)
    assert len(papers) + len(listing.warnings) == 1


def test_a_schema_1_database_is_upgraded_with_its_papers(tmp_path, tex_library):
    path = tmp_path / "old.db"
    db = store.open_db(path)
    store.load_listings(db, [read_listing(tmp_path / "snapshot.jsonl")])
    db.close()
    conn = sqlite3.connect(path)  # as papers-bot 0.1 left it: no `raw` column, schema 1
    conn.execute("ALTER TABLE papers DROP COLUMN raw")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    db = store.open_db(path)
    try:
        assert store.stats(db)["papers"] == 3 and store.get_paper(db, "0704.0001").raw is None
    finally:
        db.close()
