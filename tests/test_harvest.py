"""Harvesting arXiv (OAI-PMH and RSS) against the fake arXiv on 127.0.0.1: parsing, politeness, resuming."""

from __future__ import annotations

import asyncio
import datetime
import itertools
import logging
import resource
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_asyncio

from papers_bot.config import Config
from papers_bot.errors import PapersBotError, ParseError
from papers_bot.harvest import (
    MIN_DELAY,
    Client,
    Harvester,
    HarvestError,
    Limits,
    Target,
    after,
    delay_for,
    feed_quiet_reason,
    harvest_lock,
    next_run,
    quiet_reason,
    retry_after,
    status,
)
from papers_bot.library import Library
from papers_bot.store import arxiv, state
from papers_bot.store import db as store
from papers_bot.testing.fakearxiv import (
    HTML_PAGE,
    OAI_NS,
    XHTML_LOGIN,
    FakeArxiv,
    Item,
    Record,
    deep,
    huge,
    laughs,
    serving_arxiv,
)

FULL = Record(
    id="2612.00042", title=r"Seismic fault segmentation with $\alpha$-SAM", abstract="We adapt SAM to seismic data.",
    authors=(("M\\\"uller", "J\\\"org", "Jr", "ETH Z\\\"urich"), ("Ma", "Jinwen")), categories="cs.CV physics.geo-ph",
    created="2026-11-20", updated="2026-11-28", datestamp="2026-12-01", comments="Code: https://github.com/a/fault-sam",
    journal_ref="CVPR 2026", doi="10.1000/xyz", report_no="R-1", msc_class="68T45", acm_class="I.4",
    license="http://creativecommons.org/licenses/by/4.0/",
)
BARE = Record(id="2612.00043", title="Bare", abstract="Nothing optional.", authors=(("Solo", ""),), categories="cs.CV",
              created="2026-11-30")


def many(n: int, *, start: int = 1, datestamp: str = "2026-12-01") -> list[Record]:
    return [Record(id=f"2612.{i:05d}", title=f"Diffusion paper {i}", datestamp=datestamp)
            for i in range(start, start + n)]


def config(fake: FakeArxiv, **values) -> Config:
    return Config.from_values({"harvest_sets": ["cs.CV"], "oai_url": fake.oai_url, "rss_url": fake.rss_url,
                               "harvest_delay": 0, **values})


@pytest_asyncio.fixture
async def fake():
    async with serving_arxiv(page_size=3) as server:
        yield server


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "papers.db", sample_if_new=False)
    yield library
    library.close()


def harvested(library: Library) -> list[str]:
    with library.reading() as (db, _):
        return [r[0] for r in db.conn.execute("SELECT id FROM papers ORDER BY id")]


async def test_a_record_with_every_optional_field_and_one_with_none(fake, lib):
    fake.records = [FULL, BARE]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and report.added == 2
    full, bare = lib.paper("2612.00042"), lib.paper("2612.00043")
    assert full.title == "Seismic fault segmentation with α-SAM"  # (TeX decoded, as from the metadata snapshot)
    assert full.authors == ("Jörg Müller Jr", "Jinwen Ma")
    assert full.categories == ("cs.CV", "physics.geo-ph") and full.category == "cs.CV"
    assert (full.date, full.updated, full.year) == ("2026-11-20", "2026-11-28", 2026)
    assert full.comment == "Code: https://github.com/a/fault-sam" and full.code_url == "https://github.com/a/fault-sam"
    assert (full.journal_ref, full.doi) == ("CVPR 2026", "10.1000/xyz")
    assert [s.file for s in full.sources] == ["harvest/oai/cs:cs:CV"]
    assert bare.authors == ("Solo",) and bare.comment is None and bare.doi is None and bare.date == "2026-11-30"
    assert lib.search('author:"Jinwen Ma" seismic').hits[0].paper.id == "2612.00042"


async def test_pages_follow_resumption_tokens_to_the_end_and_the_next_run_asks_from_the_day_it_began(fake, lib):
    fake.records = many(8)
    day = datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.UTC)
    harvester = Harvester(lib, config(fake), clock=lambda: day)
    [report] = await harvester.run()
    assert (report.records, report.pages, report.added) == (8, 3, 8)
    assert harvested(lib) == [f"2612.{i:05d}" for i in range(1, 9)]
    assert [r.query.get("resumptionToken") is not None for r in fake.requests] == [False, True, True]
    assert fake.requests[0].query == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs:cs:CV"}
    fake.records += many(2, start=9, datestamp="2026-12-05")  # (added after the first run's day)
    day = datetime.datetime(2026, 12, 9, 9, 30, tzinfo=datetime.UTC)
    [again] = await harvester.run()
    assert fake.requests[3].query["from"] == "2026-12-02"  # (the day the first run began, by its clock)
    assert len(harvested(lib)) == 10 and again.added == 2 and again.records == 2


async def test_a_new_version_updates_the_paper(fake, lib):
    fake.records = [Record(id="2612.00001", title="First title", created="2026-11-01")]
    harvester = Harvester(lib, config(fake))
    await harvester.run(since="2026-01-01")
    fake.records = [Record(id="2612.00001", title="Second title", created="2026-11-01", updated="2026-12-01")]
    [report] = await harvester.run(since="2026-01-01")
    assert (report.added, report.updated) == (0, 1)
    paper = lib.paper("2612.00001")
    assert (paper.title, paper.date, paper.updated) == ("Second title", "2026-11-01", "2026-12-01")
    [same] = await harvester.run(since="2026-01-01")
    assert (same.added, same.updated) == (0, 0)  # (harvested again: unchanged, never a second copy)
    assert harvested(lib) == ["2612.00001"]


async def test_no_records_says_why_instead_of_looking_broken(fake, lib):
    [report] = await Harvester(lib, config(fake)).run(since="2026-11-28")  # a Saturday, to the next days
    assert not report.failed and report.records == 0
    assert report.outcome.startswith("no new records since 2026-11-28")
    text = "\n".join(status(lib, config(fake)))
    assert "no new records since 2026-11-28" in text and "set cs:cs:CV:" in text
    assert "Saturdays and Sundays" in quiet_reason("2026-11-28", "2026-11-30")  # Sat, Sun; Monday is today
    assert "holiday" in quiet_reason("2026-11-24", "2026-11-27")  # Tuesday to Friday
    assert "once a day" in quiet_reason("2026-12-02", "2026-12-02")
    assert "empty on Saturdays and Sundays" in feed_quiet_reason("2026-12-05")  # a Saturday's feed
    assert "holiday" in feed_quiet_reason("2026-12-03")


async def test_503_retry_after_is_honoured_and_5xx_retried_with_growing_waits(fake, lib):
    fake.records = many(4)
    fake.fail = [(503, 1), (500,), (500,)]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and len(harvested(lib)) == 4
    times = [r.at for r in fake.requests]
    assert times[1] - times[0] >= 1.0  # Retry-After: 1
    assert times[3] - times[2] >= 2 * (times[2] - times[1]) * 0.9 and times[3] - times[2] > 0.05


async def test_requests_are_one_at_a_time_and_spaced_and_say_who_asks(fake, lib):
    fake.records = many(7)
    await Harvester(lib, config(fake, harvest_delay=0.3, harvest_contact="ops@example.org")).run()
    times = [r.at for r in fake.requests]
    assert len(times) == 3 and all(b - a >= 0.3 for a, b in itertools.pairwise(times))
    agent = fake.requests[0].user_agent
    assert agent.startswith("papers-bot/") and "ops@example.org" in agent
    assert delay_for("https://oaipmh.arxiv.org/oai", 0) == MIN_DELAY == 3.0  # (arXiv never gets less)
    assert delay_for("http://127.0.0.1:9/oai", 0) == 0 and delay_for("http://localhost:9/oai", 0.5) == 0.5
    assert retry_after("7") == 7 and retry_after("soon") is None
    assert retry_after("Wed, 02 Dec 2026 10:00:10 GMT", now=datetime.datetime(
        2026, 12, 2, 10, 0, tzinfo=datetime.UTC).timestamp()) == 10


async def test_giving_up_after_retries_keeps_what_was_loaded_and_the_next_run_goes_on(fake, lib):
    fake.records = many(7)
    fake.fail = [None, *[(500,)] * 6]  # the first page comes, then the second fails every time
    harvester = Harvester(lib, config(fake))
    [report] = await harvester.run()
    assert report.failed and "gave up after 6 attempts" in report.outcome
    assert len(harvested(lib)) == 3
    stopped = "\n".join(status(lib, config(fake)))
    assert "part way through a run" in stopped and ", stopped 20" in stopped
    [resumed] = await harvester.run()
    assert not resumed.failed and len(harvested(lib)) == 7
    assert resumed.outcome.endswith("in 2 pages, after 3 in an earlier try")
    assert "7 records, complete" in "\n".join(status(lib, config(fake)))
    assert "resumptionToken" in fake.requests[7].query  # (it went on from the page it had not loaded)


async def test_an_expired_token_starts_the_run_again_from_its_date(fake, lib):
    fake.records = many(7)
    fake.fail = [None, *[(500,)] * 6]
    harvester = Harvester(lib, config(fake))
    await harvester.run()
    fake.expire_tokens()
    [report] = await harvester.run()
    assert not report.failed and harvested(lib) == [f"2612.{i:05d}" for i in range(1, 8)]
    assert fake.requests[-3].query.get("set") == "cs:cs:CV"  # (asked again from the start of its list)


async def test_a_malformed_page_is_asked_for_again_then_the_run_stops_with_where(fake, lib):
    fake.records = many(4)
    fake.fail = [("malformed",)]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and len(harvested(lib)) == 4
    fake.records = many(4, start=10, datestamp="2030-01-01")
    fake.fail = [("malformed",), ("malformed",)]
    [broken] = await Harvester(lib, config(fake)).run(since="2030-01-01")
    assert broken.failed and "malformed XML" in broken.outcome and "line 1" in broken.outcome
    assert len(harvested(lib)) == 4  # (nothing of the broken page)


async def test_a_dropped_connection_is_retried(fake, lib):
    fake.records = many(2)
    fake.fail = [("drop",)]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and len(harvested(lib)) == 2


def test_entity_declarations_are_refused_not_expanded(tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
              "<ListRecords>&c;</ListRecords></OAI-PMH>")
    page = tmp_path / "page.xml"
    page.write_text(laughs)
    with pytest.raises(ParseError, match="declares a DTD"):
        arxiv.page_end(page, name="page")
    with pytest.raises(ParseError, match="declares a DTD"):
        arxiv.read_feed(laughs.encode(), name="feed", source="harvest/rss/cs.CV")


async def test_rss_feeds_bring_new_papers_and_new_versions(fake, lib):
    fake.records = [Record(id="2612.00001", title="Old title", created="2026-10-01")]
    fake.feeds = {"cs.CV": [Item("2612.00300v1", title="Announced today", authors="Ada Lovelace, Jinwen Ma",
                                 categories=("cs.CV", "cs.LG")),
                            Item("2612.00001v2", title="Revised title", kind="replace")]}
    harvester = Harvester(lib, config(fake, harvest_feeds=["cs.CV"]))
    _, rss = await harvester.run()
    assert not rss.failed and (rss.records, rss.added, rss.updated) == (2, 1, 1)
    new, revised = lib.paper("2612.00300"), lib.paper("2612.00001")
    assert new.authors == ("Ada Lovelace", "Jinwen Ma") and new.categories == ("cs.CV", "cs.LG")
    assert new.date == "2026-12-01" and new.abstract == "What it does."
    assert revised.title == "Revised title" and revised.date == "2026-10-01"  # (the first version's date is kept)
    fake.feeds["cs.CV"] = []
    [empty] = await harvester.run([Target("rss", "cs.CV")])
    assert not empty.failed and "no announcements" in empty.outcome


async def test_a_harvested_paper_survives_a_reload_that_replaces_the_files(fake, lib, sample_dir):
    fake.records = many(2)
    await Harvester(lib, config(fake)).run()
    lib.reload(sample_dir)  # what `!reload` does with a data folder: the library becomes its listings...
    assert {"2612.00001", "2612.00002"} <= set(harvested(lib))  # ... and keeps what harvests brought
    lib.reload(None)  # (without one: the harvested sources are not files to read again)


def test_settings_and_the_next_run():
    cfg = Config.from_values({"harvest_sets": "cs.CV, math", "harvest_times": ["03:00", "15:30"]})
    assert cfg.harvest_sets == ("cs:cs:CV", "math")
    now = datetime.datetime(2026, 12, 2, 16, 0, tzinfo=datetime.UTC)
    assert next_run(cfg, now) == datetime.datetime(2026, 12, 3, 3, 0, tzinfo=datetime.UTC)
    assert next_run(Config(), now) is None  # (harvesting is opt-in)


async def test_the_command_line_harvests_and_shows_the_status(fake, tmp_path):
    from click.testing import CliRunner

    from papers_bot.cli import cli

    fake.records = many(4)
    env = {"PAPERS_BOT_OAI_URL": fake.oai_url, "PAPERS_BOT_HARVEST_DELAY": "0"}
    db = str(tmp_path / "cli.db")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", db, "harvest", *args], env=env, catch_exceptions=False)

    none = await asyncio.to_thread(invoke)
    assert none.exit_code == 1 and "nothing to harvest" in none.output
    never = await asyncio.to_thread(invoke, "--status", "--set", "cs.CV")
    assert "never harvested" in never.output and not await asyncio.to_thread(Path(db).exists)  # (none made)
    done = await asyncio.to_thread(invoke, "--set", "cs.CV")
    assert done.exit_code == 0 and "set cs:cs:CV: 4 records (4 new, 0 updated) in 2 pages" in done.output
    shown = await asyncio.to_thread(invoke, "--status", "--set", "cs.CV")
    assert "records received in all (re-sent ones counted again): 4" in shown.output
    assert "4 records, complete" in shown.output
    assert "Next run: " in shown.output and " 03:00 UTC" in shown.output  # (the default time of day)
    with sqlite3.connect(db) as conn:  # (readable as the rest: plain tables)
        assert conn.execute("SELECT total_records FROM harvests").fetchone() == (4,)


def test_oai_listing_warns_for_a_record_without_metadata(tmp_path: Path):
    page = tmp_path / "p.xml"
    page.write_text('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
                    "<identifier>x</identifier></header></record>" + Record(id="2612.00001").xml()
                    + "</ListRecords></OAI-PMH>")
    listing = arxiv.oai_listing(page, name="page", source="harvest/oai/cs")
    assert [p.arxiv_id for p in listing.papers] == ["2612.00001"]
    assert listing.warnings == ["page: record 1 has no arXiv metadata; skipped"]


async def test_a_second_harvester_that_finds_the_run_moved_on_loads_nothing(fake, lib):
    fake.records = many(7)
    fake.fail = [None, *[(500,)] * 6]
    harvester = Harvester(lib, config(fake))
    await harvester.run()  # (stopped after its first page: a token is stored)
    lib.write(lambda db: state.begin_run(db, "harvest/oai/cs:cs:CV", run_from=None, started="2026-12-02"))
    with pytest.raises(PapersBotError, match="moved on meanwhile"):
        lib.write(lambda db: state.page_loaded(db, "harvest/oai/cs:cs:CV", asked="1|3", token="2|6", records=3))


async def test_a_read_only_library_is_not_harvested_and_says_why(fake, lib):
    lib.read_only = "its disk is full"  # (as the library finds a full disk when it opens)
    fake.records = many(2)
    [report] = await Harvester(lib, config(fake)).run()
    assert report.failed and "read-only (its disk is full)" in report.outcome and fake.requests == []


async def test_a_long_retry_after_or_a_server_that_keeps_failing_ends_the_run(fake, lib):
    fake.records = many(2)
    fake.fail = [(503, 3600)]
    reports = await Harvester(lib, config(fake, harvest_sets=["cs.CV", "cs.LG"], harvest_feeds=["cs.CV"])).run()
    assert [r.failed for r in reports] == [True, True, True] and len(fake.requests) == 1
    assert "asked to wait 3600 s" in reports[0].outcome and reports[1].outcome.startswith("stopped: not asked this run")
    fake.requests.clear()
    fake.fail = [(500,)] * 6
    reports = await Harvester(lib, config(fake, harvest_sets=["cs.CV", "cs.LG"])).run()
    assert len(fake.requests) == 6 and "not asked this run" in reports[1].outcome


def test_a_dtd_anywhere_in_a_feed_in_any_encoding_is_refused():
    entity = '<!DOCTYPE rss [<!ENTITY e "EXPANDED">]>'
    feed = '<rss version="2.0"><channel><title>&e;</title></channel></rss>'
    for data in (f'<?xml version="1.0"?><!--{"x" * 5000}-->{entity}{feed}'.encode(),
                 f'<?xml version="1.0" encoding="UTF-16"?>{entity}{feed}'.encode("utf-16")):
        with pytest.raises(ParseError, match="declares a DTD"):
            arxiv.read_feed(data, name="feed", source="harvest/rss/cs.CV")


async def test_the_same_first_version_from_oai_and_rss_is_one_version(fake, lib):
    fake.records = [Record(id="2612.00001", title="Seismic", created="2026-11-30")]
    fake.feeds = {"cs.CV": [Item("2612.00001v1", title="Seismic")]}
    lib.follow("1", "seismic")
    await Harvester(lib, config(fake)).run()
    [digest] = lib.digests(revisions=True)
    lib.posted(lib.posting("1", "a digest", digest.papers), shown=True)
    lib.digested(digest)
    await Harvester(lib, config(fake, harvest_sets=[], harvest_feeds=["cs.CV"])).run()
    assert all(d.papers == [] for d in lib.digests(revisions=True))


def test_settings_that_would_break_politeness_or_the_schedule_are_refused():
    from papers_bot.config import ConfigError, oai_set

    for values in ({"harvest_delay": "nan"}, {"harvest_delay": "inf"}, {"harvest_delay": "-1"},
                   {"harvest_times": "03:00,05:00+02:00"}, {"harvest_times": "3 o'clock"}):
        with pytest.raises(ConfigError):
            Config.from_values(values)
    assert [oai_set(s) for s in ("cs.CV", "cs", "hep-th", "astro-ph.CO", "physics.optics", "math:math:AG")] == [
        "cs:cs:CV", "cs", "physics:hep-th", "physics:astro-ph:CO", "physics:physics:optics", "math:math:AG"]


def test_an_atom_feed_reads_as_the_rss_one():
    atom = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>http://rss.arxiv.org/atom/cs.CV</id><title>cs.CV updates on arXiv.org</title>
  <updated>2026-12-01T00:00:00-05:00</updated>
  <entry>
    <id>oai:arXiv.org:2612.00500v1</id><title>An Atom announcement</title>
    <updated>2026-12-01T00:00:00-05:00</updated>
    <link href="https://arxiv.org/abs/2612.00500" rel="alternate" type="text/html"/>
    <summary>arXiv:2612.00500v1 Announce Type: cross
Abstract: Cross-listed here.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
    <published>2026-12-01T00:00:00-05:00</published>
    <arxiv:announce_type>cross</arxiv:announce_type>
    <author><name>Ada Lovelace</name></author><author><name>Jinwen Ma</name></author>
  </entry>
</feed>"""
    feed = arxiv.read_feed(atom, name="atom", source="harvest/rss/cs.CV")
    [paper] = feed.papers
    assert (paper.arxiv_id, paper.title, paper.abstract) == ("2612.00500", "An Atom announcement", "Cross-listed here.")
    assert paper.authors == ["Ada Lovelace", "Jinwen Ma"] and paper.categories == ["cs.LG", "cs.CV"]
    assert paper.date == "2026-12-01" and feed.revised == 0


async def test_a_first_harvest_into_a_new_library_warns_of_nothing(fake, tmp_path, caplog):
    fake.records = many(2)
    library = Library(tmp_path / "new.db", sample_if_new=False)
    try:
        [report] = await Harvester(library, config(fake)).run()
    finally:
        library.close()
    assert not report.failed and [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# -- when the server misbehaves (the fake arXiv as a hostile server) --------------------------------------

SOURCE = "harvest/oai/cs:cs:CV"


def on(day: int) -> Callable[[], datetime.datetime]:
    return lambda: datetime.datetime(2026, 12, day, 9, 0, tzinfo=datetime.UTC)


DC = ("<record><header><identifier>oai:arXiv.org:2612.0000{}</identifier><datestamp>2026-12-01</datestamp></header>"
      "<metadata><oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/' "
      "xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:title>T</dc:title></oai_dc:dc></metadata></record>")
OAI_DC = f"<OAI-PMH xmlns='{OAI_NS}'><ListRecords>{DC.format(1)}{DC.format(2)}</ListRecords></OAI-PMH>"


def progress(library: Library, source: str = SOURCE) -> state.Progress:
    with library.reading() as (db, _):
        return state.progress(db, source)


@pytest.mark.parametrize(("fault", "said"), [
    (("body", HTML_PAGE), "an HTML page, not an OAI-PMH reply"),
    (("body", XHTML_LOGIN, "application/xhtml+xml"), "an HTML page, not an OAI-PMH reply"),
    (("body", "<html><body><p>Gateway timeout<br></body></html>"), "an HTML page, not an OAI-PMH reply"),
    (("namespace", ""), "an XML document <OAI-PMH> without a namespace, not an OAI-PMH reply"),
    (("namespace", "http://example.org/other/"), "<OAI-PMH> in the namespace http://example.org/other/"),
    (("body", '<?xml version="1.0"?><status>ok</status>', "text/xml"), "an XML document <status>"),
    (("body", f"<OAI-PMH xmlns='{OAI_NS}'><responseDate>2026-12-02</responseDate></OAI-PMH>", "text/xml"),
     "neither ListRecords nor an error"),
    (("body", deep(), "text/xml"), "ListRecords holds an XML document <x>"),
    (("encoding", "x-klingon"), "declares an encoding Python does not know (unknown encoding: x-klingon)"),
    (("body", laughs(), "text/xml"), "declares a DTD or entities"),
    (("encoding", "shift_jis"), "declares an encoding (shift_jis) the XML parser cannot read"),
    (("body", f"<OAI-PMH xmlns='{OAI_NS}'><ListRecords/></OAI-PMH>", "text/xml"),
     "an empty ListRecords, neither records nor noRecordsMatch"),
    (("body", OAI_DC, "text/xml"), "2 records and none in the arXiv format asked for (their metadata: an XML "
                                   "document <dc> in the namespace http://www.openarchives.org/OAI/2.0/oai_dc/)"),
])
async def test_a_reply_that_is_not_oai_pmh_stops_the_run_and_the_next_asks_the_same_from(fake, lib, fault, said):
    fake.records = many(2, datestamp="2026-12-05")
    await Harvester(lib, config(fake), clock=on(2)).run()  # (complete: the next run asks from 2026-12-02)
    fake.always = fault
    [report] = await Harvester(lib, config(fake), clock=on(9)).run()
    assert report.failed and said in report.outcome, report.outcome
    assert progress(lib).next_from == "2026-12-02"  # (never taken as "0 records, complete")
    fake.always = None
    await Harvester(lib, config(fake), clock=on(10)).run()
    assert fake.requests[-1].query["from"] == "2026-12-02"  # (the records since then are asked for again)


def test_an_html_page_is_called_that_and_a_real_dtd_is_still_refused(tmp_path):
    page = tmp_path / "page.xml"
    page.write_text(HTML_PAGE)
    with pytest.raises(ParseError, match="an HTML page, not an OAI-PMH reply"):
        arxiv.page_end(page, name="page")
    page.write_text(laughs())
    with pytest.raises(ParseError, match="declares a DTD or entities"):
        arxiv.page_end(page, name="page")
    with pytest.raises(ParseError, match="nested more than 64 deep"):
        page.write_text(deep().replace("<ListRecords>", "<ListRecords><record>", 1).replace(
            "</ListRecords>", "</record></ListRecords>"))
        arxiv.page_end(page, name="page")


@pytest.mark.parametrize(("fault", "said"), [
    (("body", XHTML_LOGIN, "application/xhtml+xml"), "an HTML page, not an RSS or Atom feed"),
    (("body", HTML_PAGE), "an HTML page, not an RSS or Atom feed"),
    (("body", f"<OAI-PMH xmlns='{OAI_NS}'/>", "text/xml"), f"<OAI-PMH> in the namespace {OAI_NS}, not an RSS"),
    (("encoding", "x-klingon"), "declares an encoding Python does not know"),
    (("encoding", "shift_jis"), "declares an encoding (shift_jis) the XML parser cannot read"),
])
async def test_a_feed_that_is_not_rss_is_an_error_not_a_holiday(fake, lib, fault, said):
    fake.feeds = {"cs.CV": [Item("2612.00300v1")]}
    fake.always = fault
    [report] = await Harvester(lib, config(fake, harvest_sets=[], harvest_feeds=["cs.CV"])).run()
    assert report.failed and said in report.outcome and "holiday" not in report.outcome, report.outcome


async def test_one_bad_feed_item_is_skipped_with_a_warning_and_the_rest_kept(fake, lib):
    good = [Item(f"2612.{i:05d}v1", title=f"Announced {i}") for i in range(1, 41)]
    fake.feeds = {"cs.CV": [*good[:20], Item(""), Item("2612." + "1" * 1000 + "v1"), *good[20:]]}
    [report] = await Harvester(lib, config(fake, harvest_sets=[], harvest_feeds=["cs.CV"])).run()
    assert not report.failed and report.added == 40 and len(harvested(lib)) == 40
    assert report.outcome.startswith("40 announcements (0 of them new versions), 2 items skipped")
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "item 21 (no id): not an arXiv announcement (no `id`); skipped",
        "item 22 (oai:arXiv.org:2612.11111111111111111111…): not an arXiv announcement (`id` is longer than 1000 "
        "bytes); skipped"]
    fake.feeds = {"cs.CV": [Item("")]}  # (nothing readable at all: an error, not an empty day)
    [bad] = await Harvester(lib, config(fake, harvest_sets=[], harvest_feeds=["cs.CV"])).run()
    assert bad.failed and "none of its 1 item is an arXiv announcement" in bad.outcome


async def test_a_resumption_token_sent_twice_ends_the_run(fake, lib):
    fake.records = many(7)
    fake.fail = [("same-token",)] * 50  # (then the list would end: a harvester that loops asks 50 times)
    harvester = Harvester(lib, config(fake))
    [report] = await harvester.run()
    assert report.failed and "sent the resumption token 'same' twice in one run" in report.outcome
    assert len(fake.requests) == 2 and len(harvested(lib)) == 3
    [again] = await harvester.run()  # (goes on from `same`, which comes back at once: stopped again)
    assert again.failed and len(fake.requests) == 3


@pytest.mark.parametrize(("size", "limits", "pages"), [("2", Limits(), 7), ("", Limits(pages=4), 4),
                                                      ("²", Limits(pages=4), 4), ("1000000", Limits(pages=4), 4)])
async def test_a_list_that_never_ends_stops_at_a_cap(fake, lib, size, limits, pages):
    fake.records = many(2)
    fake.fail = [("endless", size)] * 40  # cursors 3, 6, ... of a list of `size` (or of none said)
    [report] = await Harvester(lib, config(fake), limits=limits).run()
    assert report.failed and f"has not ended after {pages} pages" in report.outcome, report.outcome
    assert ("more than twice the pages its size (2 records) needs" in report.outcome) == (size == "2")
    assert len(fake.requests) == pages


async def test_garbage_counts_are_no_count(fake, lib):
    fake.records = many(5)
    fake.fail = [("count", "²")]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and len(harvested(lib)) == 5
    fake.fail = [("count", "9" * 5000)]  # (more digits than int() takes)
    [long] = await Harvester(lib, config(fake)).run(since="2026-01-01")
    assert not long.failed and long.records == 5
    assert retry_after("²") is None and retry_after("٣") is None and retry_after(" 7 ") == 7


async def test_a_server_that_drips_is_left_at_the_page_deadline_and_the_next_run_goes_on(fake, lib):
    fake.records = many(2)
    fake.fail = [("drip", 0.01)]  # (a page of about 2 KB: 20 s a byte at a time)
    harvester = Harvester(lib, config(fake), limits=Limits(page_deadline=0.3))
    [report] = await harvester.run()
    assert report.failed and "a response took more than 0.3 s to arrive whole" in report.outcome
    assert len(fake.requests) == 1  # (not asked again this run)
    [again] = await harvester.run()  # (the run's lock was let go: the next run harvests)
    assert not again.failed and len(harvested(lib)) == 2


async def test_redirect_hops_are_each_a_spaced_request_and_a_loop_ends(fake, lib):
    fake.records = many(2)
    fake.fail = [("redirect", None), ("redirect", None, 301), ("redirect", None, 307)]
    [report] = await Harvester(lib, config(fake, harvest_delay=0.2)).run()
    assert not report.failed and len(harvested(lib)) == 2 and len(fake.requests) == 4
    assert all(b.at - a.at >= 0.2 for a, b in itertools.pairwise(fake.requests))
    fake.requests.clear()
    fake.always = ("redirect", None)
    [looped] = await Harvester(lib, config(fake), limits=Limits(redirects=3)).run()
    assert looped.failed and "more than 3 redirects (a loop?)" in looped.outcome and len(fake.requests) == 4


async def test_a_redirect_to_another_host_waits_as_that_host_needs(fake, tmp_path):
    async with serving_arxiv(records=many(1)) as other:
        fake.fail = [("redirect", other.oai_url + "?verb=ListRecords&metadataPrefix=arXiv")]
        slow = f"127.0.0.1:{other.port}"
        async with Client(spacing=lambda url: 0.4 if slow in url else 0.0) as client:
            with (tmp_path / "page.xml").open("w+b") as out:
                await client.fetch(fake.oai_url, {"verb": "ListRecords"}, out, limit=1 << 20)
        assert other.requests[0].at - fake.requests[0].at >= 0.4


async def test_one_harvest_per_library_at_a_time(fake, lib, tmp_path):
    fake.records = many(4)
    fake.fail = [(503, 1)]
    go_on = asyncio.Event()

    async def held(_seconds: float) -> None:  # (the first harvest waits out its Retry-After until told)
        await go_on.wait()

    first = asyncio.create_task(Harvester(lib, config(fake), sleep=held).run())
    while not fake.requests and not first.done():
        await asyncio.sleep(0.01)
    other = Library(tmp_path / "papers.db", sample_if_new=False)  # (the same library, opened again)
    try:
        [second] = await Harvester(other, config(fake)).run()
    finally:
        other.close()
    assert second.failed and "another harvest of this library is running" in second.outcome
    assert len(fake.requests) == 1  # (the second asked nothing: never twice the rate)
    go_on.set()
    [done] = await first
    assert not done.failed and len(harvested(lib)) == 4


async def test_a_second_harvest_process_finds_the_lock_taken(fake, tmp_path):
    from click.testing import CliRunner

    from papers_bot.cli import cli

    db = tmp_path / "cli.db"
    env = {"PAPERS_BOT_OAI_URL": fake.oai_url, "PAPERS_BOT_HARVEST_DELAY": "0"}
    with harvest_lock(db) as taken:
        assert taken
        with harvest_lock(db) as again:
            assert not again  # (another open of the file is refused, as another process is)
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["--db", str(db), "harvest", "--set", "cs.CV"],
                                         env=env)
    assert result.exit_code == 1 and "another harvest of this library is running" in result.output
    assert fake.requests == []


async def test_retry_after_waits_are_capped_in_all(fake, lib):
    fake.records = many(2)
    fake.fail = [(503, 600)] * 6
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    [report] = await Harvester(lib, config(fake), sleep=sleep).run()
    assert report.failed and "asked to wait 600 s (Retry-After) after 600 s of waits" in report.outcome
    assert "more than the 600 s one request may wait" in report.outcome
    assert sum(waited) <= 600 and len(fake.requests) == 2


async def test_a_password_in_the_address_is_never_shown_logged_or_stored(fake, tmp_path, caplog):
    fake.fail = [(500,)] * 6
    url = fake.oai_url.replace("http://", "http://user:hunter2@")
    library = Library(tmp_path / "papers.db", sample_if_new=False)
    try:
        [report] = await Harvester(library, config(fake, oai_url=url)).run()
        shown = "\n".join(status(library, config(fake, oai_url=url)))
    finally:
        library.close()
    assert report.failed and "http://***@127.0.0.1" in report.outcome
    with sqlite3.connect(tmp_path / "papers.db") as conn:
        stored = conn.execute("SELECT last_outcome FROM harvests").fetchone()[0]
    for text in (report.outcome, shown, stored, caplog.text):
        assert "hunter2" not in text and "user:" not in text


async def test_an_address_that_does_not_parse_is_said_once_without_its_password(tmp_path):
    async with Client(spacing=lambda _url: 0.0) as client:
        with (tmp_path / "page.xml").open("w+b") as out, pytest.raises(HarvestError) as e:
            await client.fetch("http://user:hunter2@[oops/oai", {}, out, limit=1 << 20)
    assert str(e.value) == "http://***@[oops/oai is not an address it can ask: check the setting"


def test_a_password_stored_before_is_scrubbed_when_the_library_opens(tmp_path):
    Library(tmp_path / "papers.db", sample_if_new=False).close()
    with sqlite3.connect(tmp_path / "papers.db") as conn:
        conn.execute("INSERT INTO harvests (source, last_outcome) VALUES (?, ?)",
                     [SOURCE, "stopped: http://user:hunter2@example.org/oai answered 500"])
    Library(tmp_path / "papers.db", sample_if_new=False).close()
    with sqlite3.connect(tmp_path / "papers.db") as conn:
        assert conn.execute("SELECT last_outcome FROM harvests").fetchone() == (
            "stopped: http://***@example.org/oai answered 500",)


async def test_a_resumed_run_counts_what_the_run_loaded_in_all(fake, lib, caplog):
    fake.records = many(7)
    fake.fail = [None, *[(500,)] * 6]
    harvester = Harvester(lib, config(fake))
    await harvester.run()
    caplog.set_level(logging.INFO, "papers_bot.harvest")
    await harvester.run()
    resumed = caplog.text.split("goes on from the page it had not loaded")[1]
    assert "page 1: 3 records (3 new, 0 updated); 6 of 7" in resumed  # (not "3 of 7": 6 are loaded)


def test_the_status_of_a_killed_run_says_one_thing_of_the_next(fake, lib):
    def first_page(db) -> None:  # (as a page's load writes it; then the harvest is killed)
        with store.writing(db):
            state.page_loaded(db, SOURCE, asked=None, token="1|3", records=3)

    lib.write(lambda db: state.begin_run(db, SOURCE, run_from=None, started="2026-12-02"))
    lib.write(first_page)
    text = "\n".join(status(lib, config(fake)))
    assert "not finished (still running, or stopped without a word)" in text
    assert "3 records so far): the next run goes on from its next page" in text
    assert "asks from" not in text and text.count("next run") == 1


async def test_a_set_that_does_not_exist_is_not_called_a_holiday(fake, lib):
    fake.records = many(2)
    fake.no_sets = ["cs:cs:XX"]
    [bad] = await Harvester(lib, config(fake)).run([Target("oai", "cs:cs:XX")])
    assert bad.failed and "badArgument" in bad.outcome and "check the set name (cs:cs:XX;" in bad.outcome
    [empty] = await Harvester(lib, config(fake)).run([Target("oai", "math")])  # (never had a record)
    assert not empty.failed and "check the set name (math;" in empty.outcome and "holiday" not in empty.outcome


async def test_one_record_is_one_record_and_the_count_says_what_it_counts(fake, lib):
    fake.records = many(1)
    harvester = Harvester(lib, config(fake))
    [one] = await harvester.run()
    assert one.outcome == "1 record (1 new, 0 updated) in 1 page"
    await harvester.run(since="2026-01-01")  # (the same record, sent again)
    text = "\n".join(status(lib, config(fake)))
    assert "1 record, complete" in text and "records received in all (re-sent ones counted again): 2" in text
    assert len(harvested(lib)) == 1


async def test_bombs_are_refused(fake, lib):
    fake.always = ("body", huge(2 << 20), "text/xml")
    [big] = await Harvester(lib, config(fake), limits=Limits(page_bytes=1 << 20)).run()
    assert big.failed and "larger than 1 MB; refused" in big.outcome
    fake.always = ("body", deep(), "text/xml")
    [nested] = await Harvester(lib, config(fake)).run()
    assert nested.failed and "ListRecords holds" in nested.outcome


NO_RECORDS = f"<OAI-PMH xmlns='{OAI_NS}'><error code='noRecordsMatch'>no records</error></OAI-PMH>"


async def test_no_records_match_to_a_resumption_token_is_an_error_and_the_run_goes_on_later(fake, lib):
    fake.records = many(7)
    fake.fail = [None, ("body", NO_RECORDS, "text/xml")]
    harvester = Harvester(lib, config(fake))
    [report] = await harvester.run()
    assert report.failed and "answered noRecordsMatch (no records) to the resumption token '1|3': not a reply it " \
        "understands" in report.outcome, report.outcome
    assert "has ever come" not in report.outcome and len(harvested(lib)) == 3
    assert progress(lib).token  # (part way: the next run asks for the page again)
    [again] = await harvester.run()
    assert not again.failed and len(harvested(lib)) == 7


async def test_a_page_where_only_some_records_lack_arxiv_metadata_keeps_the_others(fake, lib):
    page = f"<OAI-PMH xmlns='{OAI_NS}'><ListRecords>{Record('2612.00007').xml()}{DC.format(1)}</ListRecords></OAI-PMH>"
    fake.fail = [("body", page, "text/xml")]
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and harvested(lib) == ["2612.00007"]
    assert [w.split(": ", 1)[1] for w in report.warnings] == ["record 2 has no arXiv metadata; skipped"]


@pytest.mark.parametrize(("fault", "said"), [
    ([("encoding", "shift_jis")] * 2, "declares an encoding (shift_jis) the XML parser cannot read"),  # (asked twice)
    ([("redirect", "http://[oops/oai")], "redirects to 'http://[oops/oai', not an address it can ask"),
])
async def test_a_reply_that_cannot_be_read_stops_its_target_only(fake, lib, fault, said):
    fake.records, fake.feeds = many(2), {"cs.CV": [Item("2612.00300v1")]}
    fake.fail = fault
    chosen = config(fake, harvest_feeds=["cs.CV"])
    bad, good = await Harvester(lib, chosen).run()
    assert bad.failed and said in bad.outcome, bad.outcome
    assert not good.failed and harvested(lib) == ["2612.00300"]
    assert "stopped 20" in "\n".join(status(lib, chosen))  # (its run is said to have stopped, not left running)


@pytest.mark.parametrize("fault", [("redirect", None), (500,)])
async def test_the_page_deadline_is_for_all_of_a_pages_hops_and_tries(fake, lib, fault):
    fake.records, fake.latency, fake.always = many(2), 0.1, fault  # (each reply well within the deadline)

    async def sleep(_seconds: float) -> None:
        pass

    limits = Limits(page_deadline=0.35, redirects=50)
    [report] = await Harvester(lib, config(fake), limits=limits, sleep=sleep).run()
    assert report.failed and "took more than 0.35 s to arrive whole (its redirects and retries included)" in \
        report.outcome, report.outcome
    assert len(fake.requests) <= 4


async def test_the_polite_waits_are_not_the_page_deadlines(fake, lib):
    fake.records, fake.fail = many(2), [(503, 1)]
    [report] = await Harvester(lib, config(fake), limits=Limits(page_deadline=0.5)).run()
    assert not report.failed and len(harvested(lib)) == 2


async def test_a_wait_under_a_second_is_said_as_it_is(fake, lib, caplog):
    fake.records, fake.fail = many(1), [(500,)]
    caplog.set_level(logging.WARNING, "papers_bot.harvest")
    [report] = await Harvester(lib, config(fake)).run()
    assert not report.failed and "answered 500; trying again in 0.05 s (attempt 2 of 6)" in caplog.text
    assert (after(0), after(0.4), after(3), after(600)) == ("at once", "in 0.4 s", "in 3 s", "in 600 s")


async def test_a_download_that_cannot_be_written_is_said_so_and_stored(fake, lib):
    fake.records, fake.always = many(1), ("body", huge(2 << 20), "text/xml")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # (a write past the limit fails, as on a full disk)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limit[1]))
    try:
        [report] = await Harvester(lib, config(fake)).run()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    assert report.failed and "cannot write its download in" in report.outcome and "File too large" in report.outcome
    assert "harvest lock" not in report.outcome
    assert progress(lib).last_outcome == report.outcome


async def test_only_the_locks_own_failure_is_called_that(fake, lib, tmp_path):
    (tmp_path / "papers.db.harvest-lock").mkdir()  # (a lock file that cannot be opened)
    [report] = await Harvester(lib, config(fake)).run()
    assert report.failed and report.outcome.startswith("stopped: cannot take the harvest lock") and \
        "Is a directory" in report.outcome
    assert fake.requests == []


def test_a_symlink_to_the_database_takes_the_same_lock(tmp_path):
    db, link = tmp_path / "papers.db", tmp_path / "other" / "papers.db"
    db.touch()
    link.parent.mkdir()
    link.symlink_to(db)
    with harvest_lock(db) as taken, harvest_lock(link) as again:
        assert taken and not again


@pytest.mark.parametrize("written, day", [
    ("Mon, 01 Jan 0001 00:00:00 +1400", None),  # (feedparser read the offset as the year 1400)
    ("Fri, 31 Dec 9999 23:00:00 -0500", None),
    ("Tue, 01 Dec 2026 23:30:00 -0500", "2026-12-02"),
    ("2026-12-01T00:00:00-05:00", "2026-12-01"),
])
def test_an_announcement_is_dated_as_written_or_not_at_all(written, day):
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A paper</title>'
            "<link>https://arxiv.org/abs/2612.00001</link><description>arXiv:2612.00001v1 Announce Type: new "
            f"Abstract: Words.</description><pubDate>{written}</pubDate></item></channel></rss>")
    [paper] = arxiv.read_feed(feed.encode(), name="feed", source="harvest/rss/cs.CV").papers
    assert paper.date == day and paper.year == (int(day[:4]) if day else None)
