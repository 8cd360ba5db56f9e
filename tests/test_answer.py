from __future__ import annotations

from papers_bot.retrieval.answer import best_passages, split_sentences
from papers_bot.retrieval.search import Hit
from papers_bot.store.paper import StoredPaper


def test_split_sentences_keeps_abbreviations_and_decimals():
    text = "We use e.g. GANs. Scores rose by 1.5 points. Et al. is not a sentence end, see Liu et al. for more."
    assert split_sentences(text) == [
        "We use e.g. GANs.",
        "Scores rose by 1.5 points.",
        "Et al. is not a sentence end, see Liu et al. for more.",
    ]


def fake_hit(abstract: str) -> Hit:
    return Hit(StoredPaper("x", abstract=abstract, display_title="T"), 1.0)


def test_best_passage_is_the_sentence_that_matches_the_question():
    hit = fake_hit(
        "Deep models are popular in many areas of science and engineering today. "
        "We adapt the Segment Anything Model to seismic fault detection with lightweight adapters here. "
        "Experiments on public benchmarks demonstrate clear and consistent improvements over baselines."
    )
    [passage] = best_passages([hit], ["seismic", "adapt"])
    assert passage == "We adapt the Segment Anything Model to seismic fault detection with lightweight adapters here."


def test_a_short_best_sentence_brings_the_next_one():
    hit = fake_hit("Intro sentence about nothing at all in particular. Seismic works. It detects faults well.")
    [passage] = best_passages([hit], ["seismic"])
    assert passage == "Seismic works. It detects faults well."


def test_ask_answers_with_the_passage_that_answers(library):
    answer = library.ask("which papers adapt SAM to seismic data?")
    assert answer.found
    first = answer.passages[0]
    assert first.paper.display_title.startswith("Seismic Fault SAM")
    assert "seismic" in first.text.lower() and "SAM" in first.text
    assert first.coverage == 1.0
    assert all(p.paper.display_title
               != "Sharpness-aware minimization (SAM), which searches for flat minima by min-max…"
               for p in answer.passages)  # a far weaker match is not presented as an answer


def test_ask_says_plainly_when_nothing_matches(library):
    answer = library.ask("what is known about quantum gravity in black holes?")
    assert not answer.found and answer.passages == []


def test_ask_offers_nearest_papers_for_a_weak_match(library):
    answer = library.ask("seismic protein folding enzyme kinetics")
    assert not answer.found
    assert answer.nearest and "Seismic" in answer.nearest[0].paper.display_title
