"""Follows and digests in the library: which new papers a channel is shown, once, within Discord's limits."""

from __future__ import annotations

import re
import sqlite3

import pytest

from papers_bot.bot import replies
from papers_bot.errors import PapersBotError
from papers_bot.library import Library
from papers_bot.retrieval import search
from papers_bot.store import state
from tests.conftest import arxiv_record, write_jsonl

CHANNEL = "1001"


def load(library: Library, tmp_path, name: str, records: list[dict]) -> None:
    library.load([write_jsonl(tmp_path / f"{name}.jsonl", records)])


def shown(digests: list[state.Digest], channel: str = CHANNEL) -> dict[int, list[str]]:
    """Follow number -> the ids its group shows, for one channel's digest."""
    [digest] = [d for d in digests if d.channel_id == channel]
    return {g.number: [p.id for p, _ in g.papers] for g in digest.groups}


def post(library: Library, digests: list[state.Digest]) -> None:
    """What the bot does with each digest: record its papers as shown, then the follows as digested."""
    for digest in digests:
        library.posted(library.posting(digest.channel_id, "a digest", digest.papers), shown=True)
        library.digested(digest)


SEISMIC = arxiv_record(id="2612.00001", title="Seismic fault segmentation", abstract="Faults in seismic data.",
                       authors_parsed=[["Ma", "Jinwen", ""]], categories="cs.CV")
HASHING = arxiv_record(id="2612.00002", title="Deep hashing", abstract="Hashing images. Code: https://github.com/a/b",
                       authors_parsed=[["Person", "Ada", ""]], categories="cs.IR")
SEISMIC_LG = arxiv_record(id="2612.00003", title="Seismic inversion", abstract="Seismic waves, learned.",
                          authors_parsed=[["Other", "Bo", ""]], categories="cs.LG")


def test_a_follow_sees_only_papers_loaded_after_it_and_each_once(library, tmp_path):
    library.follow(CHANNEL, "segmentation")  # (the sample holds segmentation papers: they are not news)
    assert library.digests() == []
    load(library, tmp_path, "one", [SEISMIC, HASHING])
    digests = library.digests()
    assert shown(digests) == {1: ["2612.00001"]}
    post(library, digests)
    assert library.digests() == []
    load(library, tmp_path, "again", [SEISMIC, HASHING])  # (harvested again: unchanged, nothing to show)
    assert library.digests() == []


def test_each_kind_of_query_selects_as_the_query_language_says(library, tmp_path):
    for query in ('author:"Jinwen Ma"', "seismic cat:cs.LG", "has:code", "seismic -inversion", "hashing images"):
        library.follow(CHANNEL, query)
    load(library, tmp_path, "new", [SEISMIC, HASHING, SEISMIC_LG])
    assert shown(library.digests()) == {1: ["2612.00001"], 2: ["2612.00003"], 3: ["2612.00002"]}
    # (follow 4 matched 2612.00001, shown under follow 1 already; follow 5's paper is follow 3's)


def test_a_paper_several_follows_match_is_shown_once_under_the_first(library, tmp_path):
    library.follow(CHANNEL, "seismic")
    library.follow(CHANNEL, "fault")
    load(library, tmp_path, "new", [SEISMIC])
    assert shown(library.digests()) == {1: ["2612.00001"]}


def test_a_new_version_is_shown_again_only_when_revisions_are_asked_for(library, tmp_path):
    library.follow(CHANNEL, "seismic")
    load(library, tmp_path, "v1", [SEISMIC])
    post(library, library.digests())
    load(library, tmp_path, "v2", [{**SEISMIC, "update_date": "2024-06-20", "title": "Seismic fault segmentation v2"}])
    assert library.digests()[0].papers == []  # (a digest that shows nothing still moves its follows on)
    assert shown(library.digests(revisions=True)) == {1: ["2612.00001"]}
    assert library.digests(revisions=True)[0].groups[0].papers[0][1] is True  # (as a new version)


def test_channels_are_apart_and_caps_count_the_rest(library, tmp_path):
    library.follow(CHANNEL, "study")
    library.follow("2002", "study")
    load(library, tmp_path, "many", [arxiv_record(id=f"2612.{i:05d}", title=f"A study {i}",
                                                  update_date=f"2024-11-{i:02d}") for i in range(1, 13)])
    [mine, theirs] = sorted(library.digests(per_follow=5, most=20), key=lambda d: d.channel_id)
    group = mine.groups[0]
    assert [p.id for p, _ in group.papers] == [f"2612.{i:05d}" for i in range(12, 7, -1)]  # (newest first)
    assert group.more == 7 and shown([theirs], "2002") == {1: [p.id for p, _ in group.papers]}
    post(library, [mine])
    assert [d.channel_id for d in library.digests()] == ["2002"]


def test_follows_are_numbered_per_channel_and_kept_in_the_store(library, tmp_path):
    library.follow(CHANNEL, "seismic")
    library.follow(CHANNEL, 'author:"Jinwen Ma"')
    with pytest.raises(PapersBotError, match="follows 'seismic' already"):
        library.follow(CHANNEL, "Seismic")
    with pytest.raises(PapersBotError, match="selects no papers"):
        library.follow(CHANNEL, "the of and")
    with pytest.raises(PapersBotError, match="selects no papers"):
        library.follow(CHANNEL, "related 2310.05873")
    assert library.unfollow(CHANNEL, 1).query == "seismic"
    assert [f.query for f in library.following(CHANNEL)] == ['author:"Jinwen Ma"']
    with pytest.raises(PapersBotError, match="no follow number 2"):
        library.unfollow(CHANNEL, 2)
    library.reload(None)  # (a reload leaves them be)
    with sqlite3.connect(library.db_path) as conn:  # readable as plain tables
        assert conn.execute("SELECT channel_id, query FROM follows").fetchall() == [(CHANNEL, 'author:"Jinwen Ma"')]


def test_the_change_log_is_kept_only_while_someone_follows(library, tmp_path):
    def logged() -> int:
        with sqlite3.connect(library.db_path) as conn:
            return conn.execute("SELECT COUNT(*) FROM paper_changes").fetchone()[0]

    load(library, tmp_path, "a", [SEISMIC])
    assert logged() == 0
    library.follow(CHANNEL, "hashing")
    load(library, tmp_path, "b", [HASHING])
    assert logged() == 1
    post(library, library.digests())
    assert logged() == 0  # (every follow has covered it)


def test_digest_messages_stay_within_discords_limits_and_never_mention(library, tmp_path):
    hostile = "@everyone <@123> **" + "x" * 3000
    library.follow(CHANNEL, "study")
    load(library, tmp_path, "hostile", [arxiv_record(id=f"2612.{i:05d}", title=f"study {hostile}",
                                                     authors_parsed=[[hostile, "A", ""]] * 5) for i in range(1, 11)])
    [digest] = library.digests(per_follow=8)
    messages = replies.digest_messages(digest, "!")
    assert len(messages) > 1 and all(len(text) <= 2000 for text, _ in messages)
    assert sum(len(papers) for _, papers in messages) == 8
    assert "and 2 more: `!papers study sort:date`" in messages[-1][0]
    assert not any(re.search(r"(?<!\\)@everyone|<@\d", text) for text, _ in messages)


def test_follow_author_shorthand_and_long_queries():
    assert replies.as_follow('author "Jinwen Ma"') == 'author:"Jinwen Ma"'
    assert replies.as_follow("author Jinwen Ma") == 'author:"Jinwen Ma"'
    assert replies.as_follow("seismic  faults") == "seismic faults"
    with pytest.raises(PapersBotError, match="at most 150"):
        replies.as_follow("x" * 151)


def test_the_console_says_follows_belong_to_a_channel(library):
    from papers_bot.bot.console import Console
    from papers_bot.config import Config

    console = Console(library, Config())
    assert console.handle("!follow seismic") == [replies.FOLLOWS_ARE_FOR_CHANNELS]
    assert "!follow <query>" in console.handle("!help")[0]


def test_a_follow_reads_hyphenated_words_as_one_and_passes_over_request_words(library, tmp_path):
    papers = [arxiv_record(id="2612.00001", title="Self attention for seismic data"),
              arxiv_record(id="2612.00002", title="Supervised hashing"),
              arxiv_record(id="2612.00003", title="Self-supervised seismic inversion with diffusion")]
    for query in ("self-supervised", "new papers on diffusion", "latest diffusion papers", "anything about seismic"):
        library.follow(CHANNEL, query)
    load(library, tmp_path, "new", papers)
    queries = ["self-supervised", "new papers on diffusion", "latest diffusion papers", "anything about seismic"]
    with library.reading() as (_, snapshot):
        found = search.follow_matches(snapshot, queries, ["2612.00001", "2612.00002", "2612.00003"])
    assert found == {"self-supervised": {"2612.00003"}, "new papers on diffusion": {"2612.00003"},
                     "latest diffusion papers": {"2612.00003"}, "anything about seismic": {"2612.00001", "2612.00003"}}
    with pytest.raises(PapersBotError, match="selects no papers"):
        library.follow(CHANNEL, "new papers")


def test_without_revisions_a_new_version_of_a_paper_the_library_held_is_not_news(library, tmp_path):
    load(library, tmp_path, "v1", [SEISMIC])  # (held before the channel follows)
    library.follow(CHANNEL, "seismic")
    load(library, tmp_path, "v2", [{**SEISMIC, "update_date": "2024-06-20", "abstract": "Faults, revised."}])
    assert library.digests()[0].papers == []
    assert library.digests(revisions=True)[0].groups[0].papers[0][1] is True


def test_following_lists_every_follow_in_as_many_messages_as_it_takes(library):
    for n in range(25):
        library.follow(CHANNEL, f"topic{n} " + "word " * 25)
    texts = replies.following_texts(library.following(CHANNEL), "!")
    assert len(texts) > 1 and all(len(t) <= 2000 for t in texts)
    assert "25. `topic24" in texts[-1] and texts[-1].endswith("`!unfollow <n>` stops one.")
    assert all(t.count("`") % 2 == 0 for t in texts)


def test_a_digest_line_leaves_out_a_link_too_long_to_show(library, tmp_path):
    library.follow(CHANNEL, "quasar")
    load(library, tmp_path, "long", [arxiv_record(id="not-arxiv-1", title="Quasar " + "lensing " * 300)])
    [digest] = library.digests()
    [(text, papers)] = replies.digest_messages(digest, "!")
    assert len(text) < 1200 and [pid for pid, _ in papers] == ["not-arxiv-1"] and "arxiv.org/search" not in text


def test_follow_author_shorthand_takes_more_words():
    assert replies.as_follow('author "Jinwen Ma" seismic') == 'author:"Jinwen Ma" seismic'
    assert replies.as_follow('by "Jinwen Ma"') == 'author:"Jinwen Ma"'


def test_many_changed_papers_are_matched_as_a_few_are(library, tmp_path, monkeypatch):
    load(library, tmp_path, "many", [
        arxiv_record(id=f"2612.{i:05d}", title=f"A study {i} of {'seismic' if i % 3 else 'graphs'}",
                     abstract="With code: https://github.com/a/b" if i % 2 else "No code.")
        for i in range(1, 61)
    ])
    queries = ["seismic", "graphs has:code", "study -seismic", 'author:"Ada Lovelace" seismic']
    ids = [f"2612.{i:05d}" for i in range(1, 61, 2)] + ["2310.05873"]
    with library.reading() as (_, snapshot):
        monkeypatch.setattr(search, "FOLLOW_CHUNK", 7)
        few = search.follow_matches(snapshot, queries, ids)
        monkeypatch.setattr(search, "FOLLOW_WHOLE", 0)
        many = search.follow_matches(snapshot, queries, ids)
    assert few == many and len(few["seismic"]) == 20 and few["graphs has:code"] == {
        f"2612.{i:05d}" for i in range(3, 61, 6)}


@pytest.mark.parametrize("said", ["by Jinwen Ma seismic", "author Jinwen Ma seismic"])
def test_a_follow_of_a_name_then_a_topic_reads_them_as_papers_does(library, tmp_path, said):
    graphs = arxiv_record(id="2612.00004", title="Graph coloring", authors_parsed=[["Ma", "Jinwen", ""]])
    query = replies.as_follow(said)
    library.follow(CHANNEL, query)
    load(library, tmp_path, "new", [SEISMIC, HASHING, SEISMIC_LG, graphs])
    assert shown(library.digests()) == {1: ["2612.00001"]}
    assert [h.paper.id for h in library.search("by Jinwen Ma seismic").hits][:1] == ["2612.00001"]


def test_a_follow_keeps_no_invisible_or_bidi_characters():
    said = "\u202eseis\u200bmic\u2066 \u200ffaults\ufeff\u0000"
    assert replies.as_follow(said) == "seismic faults"
    assert state.plain("a\tb\u2028c\u00adx") == "a b cx"


def test_the_store_takes_invisible_characters_out_of_a_follow(library):
    assert library.follow(CHANNEL, "\u202eseismic\u200b").query == "seismic"


def test_a_lease_has_one_holder_until_it_lapses_or_is_given_up(library):
    assert library.lease("digests", "a", 60, now=1000.0)
    assert not library.lease("digests", "b", 60, now=1059.0)
    assert library.lease("digests", "a", 60, now=1059.0)  # (renewed: until 1119)
    assert not library.lease("digests", "b", 60, now=1100.0)
    assert library.lease("digests", "b", 60, now=1119.0)  # (lapsed)
    library.release("digests", "a")  # (not a's to give up any more)
    assert not library.lease("digests", "a", 60, now=1120.0)
    library.release("digests", "b")
    assert library.lease("other", "a", 60, now=1120.0) and library.lease("digests", "a", 60, now=1120.0)


def test_a_pending_post_keeps_its_papers_out_of_the_digests_until_it_is_settled(library, tmp_path):
    library.follow(CHANNEL, "seismic")
    load(library, tmp_path, "new", [SEISMIC, SEISMIC_LG])
    [digest] = library.digests()
    [(text, papers)] = replies.digest_messages(digest, "!")
    post = library.posting(CHANNEL, text, papers)
    assert library.pending_posts() == [post] and len(post.nonce) <= 25
    assert library.digests()[0].papers == []  # (being posted: not chosen again)
    library.posted(post, shown=False)  # (surely not posted: they come back)
    assert library.pending_posts() == [] and sorted(library.digests()[0].papers) == sorted(papers)
    post = library.posting(CHANNEL, text, papers)
    library.posted(post, shown=True)
    assert library.pending_posts() == [] and library.digests()[0].papers == []


def test_a_lease_whose_holder_died_here_is_taken_at_once_and_a_live_ones_is_not(library):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = state.lease_holder()
    home = holder.split(":", 1)[0]
    assert library.lease("digests", f"{home}:{int(dead.stdout)}:abcd", 600, now=1000.0)  # (a SIGKILLed bot's)
    assert library.lease("digests", holder, 600, now=1001.0)  # (its pid is gone: no wait for the lapse)
    assert not library.lease("digests", state.lease_holder(), 600, now=1002.0)  # (this process: alive)
    assert not library.lease("digests", "elsewhere/1:1:ab", 600, now=1003.0)
    assert state.holder_alive("another-host/7:1:ab") and not state.holder_alive(f"{home}:{int(dead.stdout)}:x")
