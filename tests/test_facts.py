"""Fact questions over the sample papers, with the exact answers the store holds (issue 13): counts, profile
figures, what an author published, who wrote a paper, when, its id, links, code and venue, the papers at a
venue, named papers side by side, and the ones the library cannot answer (said, never guessed)."""

from __future__ import annotations

import pytest

from retrieval.answer import Context

# (question, established, the first supporting paper's id, how many papers support it, the fact as said)
FACTS = [
    ('how many papers has Jinwen Ma published?', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('How many papers did Jinwen Ma write?', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('how many papers by Jinwen Ma are in the library?', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('number of papers by Jinwen Ma', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('how many papers are there?', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('how many papers do you have?', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('How many papers are in the library?', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('how many papers have code?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers with code are there?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers come with code?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers from 2019?', True, '1912.00398', 10,
     'The library holds 10 papers from 2019.'),
    ('how many papers were published in 2024?', True, 'learn-to-unlearn-0b247f', 9,
     'The library holds 9 papers from 2024.'),
    ('how many papers since 2023?', True, 'soaesv2-7b-72b-9f048d', 25,
     'The library holds 25 papers since 2023.'),
    ('how many CV papers are there?', True, 'sana-1-5-4324d7', 29,
     'The library holds 29 papers in CV.'),
    ('how many papers in cs.LG?', True, 'geouni-a-unified-b1352c', 6,
     'The library holds 6 papers in LG.'),
    ('how many papers are in the AI category?', True, 'a-zero-shot-0aa17c', 6,
     'The library holds 6 papers in AI.'),
    ('how many papers by Bingchen Liu have code?', True, 'moma-multimodal-llm-24b37d', 3,
     'The library holds 3 papers by Bingchen Liu with code.'),
    ('how many papers mention diffusion?', True, 'sana-1-5-4324d7', 13,
     'The library holds 13 papers mentioning diffusion.'),
    ('how many authors are there?', True, None, None,
     "The library's papers name 70 authors (1 with a profile page)."),
    ('how many papers has Gerard Salton published?', False, None, None,
     'No author called Gerard Salton in the library.'),
    ("what is Jinwen Ma's h-index?", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("What's the h-index of Jinwen Ma?", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('h-index for Jinwen Ma', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("what is Bingchen Liu's h-index?", False, None, None,
     ('No h-index is known for Bingchen Liu: no profile of theirs is loaded (19 papers by Bingchen Liu in '
      'the library).')),
    ('how many citations does Jinwen Ma have?', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("Jinwen Ma's citations", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("what is J. Ma's h-index?", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('where does Jinwen Ma work?', True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Jinwen Ma's papers give the affiliation bytedance, mit."),
    ('what did Jinwen Ma publish in 2024?', True, 'polynomial-composition-activatio-526353', 4,
     'The library holds 4 papers by Jinwen Ma from 2024, newest first:'),
    ('What did Jinwen Ma publish in 2025?', True, 'soaesv2-7b-72b-9f048d', 3,
     'The library holds 3 papers by Jinwen Ma from 2025, newest first:'),
    ('latest papers by Jinwen Ma', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma, newest first:'),
    ("Jinwen Ma's latest papers", True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma, newest first:'),
    ('newest papers from Bingchen Liu', True, 'a-zero-shot-0aa17c', 19,
     'The library holds 19 papers by Bingchen Liu, newest first:'),
    ('papers by Jinwen Ma since 2024', True, 'soaesv2-7b-72b-9f048d', 7,
     'The library holds 7 papers by Jinwen Ma since 2024, newest first:'),
    ('who wrote SANA 1.5?', True, 'sana-1-5-4324d7', None,
     ('SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion '
      'Transformer is by Enze Xie, Junsong Chen, Yuyang Zhao et al. (the listing cuts the list short).')),
    ('Who wrote GrowCLIP?', True, '2308.11331', None,
     'The listing of GrowCLIP names no authors.'),
    ('who are the authors of PixArt-alpha?', True, '2310.00426', None,
     'The listing of PIXART-α names no authors.'),
    ('authors of fastgan', True, 'towards-faster-and-9bb2e7', None,
     ('Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis is by '
      'Bingchen Liu, Yizhe Zhu, Kunpeng Song et al. (the listing cuts the list short).')),
    ('who wrote the paper on few-shot GAN training?', True, 'towards-faster-and-9bb2e7', None,
     ('Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis is by '
      'Bingchen Liu, Yizhe Zhu, Kunpeng Song et al. (the listing cuts the list short).')),
    ('who wrote Seismic Fault SAM?', True, 'seismic-fault-sam-b554c8', None,
     ('Seismic Fault SAM: Adapting SAM with Lightweight Modules and 2.5D Strategy for Fault Detection is '
      'by Ran Chen, Zeren Zhang, Jinwen Ma.')),
    ('who wrote AlphaFold?', False, None, None,
     'No paper in the library is called AlphaFold.'),
    ('when was PixArt-alpha published?', True, '2310.00426', None,
     'PIXART-α was published on 2023-09-30.'),
    ('when was SANA 1.5 released?', True, 'sana-1-5-4324d7', None,
     ('SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion '
      'Transformer was published on 2025-01-30.')),
    ('what year was DNA-GAN published?', True, 'dna-gan-learning-a08845', None,
     'DNA-GAN: Learning Disentangled Representations from Multi-Attribute Images was published on 2017-11-15.'),
    ('when did TimeDiff come out?', True, '2306.05043', None,
     'TimeDiff was published on 2023-06-08.'),
    ('publication date of HybridNorm', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization was '
      'published on 2025-03-06.')),
    ("what's the arXiv id of GrowCLIP?", True, '2308.11331', None,
     'The arXiv id of GrowCLIP is 2308.11331.'),
    ('arXiv id of SANA 1.5', True, 'sana-1-5-4324d7', None,
     ('The listing of SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear '
      'Diffusion Transformer gives no arXiv id (its id here is sana-1-5-4324d7).')),
    ('what is the arxiv id for Seismic Fault SAM', True, 'seismic-fault-sam-b554c8', None,
     ('The listing of Seismic Fault SAM: Adapting SAM with Lightweight Modules and 2.5D Strategy for Fault '
      'Detection gives no arXiv id (its id here is seismic-fault-sam-b554c8).')),
    ('does fastgan have code?', True, 'towards-faster-and-9bb2e7', None,
     ('Yes: Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis has '
      'released code (linked below).')),
    ('does SANA 1.5 have code?', True, 'sana-1-5-4324d7', None,
     ('Yes: the listing says SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in '
      'Linear Diffusion Transformer has released code, but gives no link.')),
    ('is there code for GrowCLIP?', True, '2308.11331', None,
     'No code is listed for GrowCLIP.'),
    ('where is the code for MoMA?', True, 'moma-multimodal-llm-24b37d', None,
     ('Yes: the listing says MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation has '
      'released code, but gives no link.')),
    ('does TimeDiff have code', True, '2306.05043', None,
     'No code is listed for TimeDiff.'),
    ('link to GrowCLIP', True, '2308.11331', None,
     'GrowCLIP: its arXiv page and a PDF, linked below.'),
    ('pdf of PixArt-alpha', True, '2310.00426', None,
     'PIXART-α: its arXiv page and a PDF, linked below.'),
    ('where can I read Geom-Erasing?', True, '2310.05873', None,
     'Geom-Erasing: its arXiv page and a PDF, linked below.'),
    ('where was TimeDiff published?', True, '2306.05043', None,
     'TimeDiff appeared at ICML 2023 (the listing says: Accepted by ICML 2023 (Poster)).'),
    ('which conference was GrowCLIP accepted at?', True, '2308.11331', None,
     'GrowCLIP appeared at ICCV 2023 (the listing says: Accepted by ICCV2023).'),
    ('what venue was SANA 1.5 published in?', True, 'sana-1-5-4324d7', None,
     ('The listing of SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear '
      'Diffusion Transformer names no venue (no journal reference, and no venue in its comment).')),
    ('where was Geom-Erasing published?', True, '2310.05873', None,
     'The listing of Geom-Erasing names no venue (no journal reference, and no venue in its comment).'),
    ('which papers were accepted at ICML 2023?', True, '2306.05043', 2,
     'The library holds 2 papers at ICML 2023 (as their comments or journal references say):'),
    ('papers accepted at ICLR 2023', True, '2304.14647', 1,
     'The library holds 1 paper at ICLR 2023 (as their comments or journal references say):'),
    ('what was published at ICCV 2023?', True, '2308.11331', 1,
     'The library holds 1 paper at ICCV 2023 (as their comments or journal references say):'),
    ('how many papers were accepted at ICML 2023?', True, '2306.05043', 2,
     'The library holds 2 papers at ICML 2023.'),
    ('which papers were accepted at NeurIPS 2023?', False, None, None,
     'No paper in the library names NeurIPS 2023 in its comment or journal reference.'),
    ('papers in JMLR', True, '2205.03059', 1,
     'The library holds 1 paper at JMLR (as their comments or journal references say):'),
    ('compare FaultSeg Swin-UNETR and Seismic Fault SAM', True, 'faultseg-swin-unetr-cc6302', None,
     '2 papers side by side:'),
    ('SANA 1.5 vs PixArt-alpha', True, 'sana-1-5-4324d7', None,
     '2 papers side by side:'),
    ('difference between DNA-GAN and ELEGANT', True, 'dna-gan-learning-a08845', None,
     '2 papers side by side:'),
    ('compare GrowCLIP, TimeDiff and Geom-Erasing', True, '2308.11331', None,
     '3 papers side by side:'),
    ('compare SANA 1.5 and AlphaFold', False, 'sana-1-5-4324d7', None,
     'No paper in the library is called AlphaFold.'),
    ('what is the h-index of Nobody Atall?', False, None, None,
     'No author called Nobody Atall in the library.'),
    ('Who authored DNA-GAN?', True, 'dna-gan-learning-a08845', None,
     ('DNA-GAN: Learning Disentangled Representations from Multi-Attribute Images is by Taihong Xiao, '
      'Jiapeng Hong, Jinwen Ma.')),
    ('in what year did ELEGANT come out?', True, 'elegant-exchanging-latent-1bc204', None,
     ('ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face Attributes was '
      'published on 2018-03-28.')),
    ('tell me the arxiv id of TimeDiff', True, '2306.05043', None,
     'The arXiv id of TimeDiff is 2306.05043.'),
    ('can you tell me who wrote MoMA?', True, 'moma-multimodal-llm-24b37d', None,
     ('MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation is by Kunpeng Song, Yizhe Zhu, '
      'Bingchen Liu et al. (the listing cuts the list short).')),
    ('and who wrote HybridNorm?', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization is by '
      'Zhijian Zhuo, Yutao Zeng, Ya Wang et al. (the listing cuts the list short).')),
    ('is there an implementation of OOGAN?', True, 'oogan-disentangling-gan-6637ac', None,
     'No code is listed for OOGAN: Disentangling GAN with One-Hot Sampling and Orthogonal Regularization.'),
    ('how many papers did Salton, G. write?', False, None, None,
     'No author called Salton, G. in the library.'),
    ('How many papers by J. Ma?', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('what has Zeren Zhang published?', True, 'geouni-a-unified-b1352c', 5,
     'The library holds 5 papers by Zeren Zhang, newest first:'),
    ("Ran Chen's papers", True, 'soaesv2-7b-72b-9f048d', 4,
     'The library holds 4 papers by Ran Chen, newest first:'),
    ('which papers appeared in ICLR?', True, '2304.14647', 1,
     'The library holds 1 paper at ICLR (as their comments or journal references say):'),
]


@pytest.mark.parametrize(("question", "established", "first", "total", "statement"), FACTS, ids=[f[0] for f in FACTS])
def test_fact_questions_are_answered_exactly(library, question, established, first, total, statement):
    answer = library.ask(question)
    assert answer.fact is not None, "not read as a fact question"
    assert (answer.fact.established, answer.fact.statement) == (established, statement)
    assert (answer.fact.papers[0]["id"] if answer.fact.papers else None) == first
    assert answer.fact.total == total


def test_the_set_covers_every_kind_and_what_is_not_there(library):
    kinds = {library.ask(q).fact.kind for q, *_ in FACTS}
    assert kinds >= {"count", "profile", "author-papers", "authors", "date", "id", "code", "links", "venue",
                     "venue-papers", "compare"}
    assert len(FACTS) >= 60 and sum(not established for _, established, *_ in FACTS) >= 6


@pytest.mark.parametrize("question", [
    "which papers adapt SAM to seismic data?", "papers by Jinwen Ma on geometry", "how do GANs learn disentangled "
    "representations?", "where can i find pressure data on surfaces of swept cylinders", "recommender systems",
    "what is the best way to erase concepts from diffusion models?",
])
def test_topical_questions_are_not_fact_questions(library, question):
    answer = library.ask(question)
    assert answer.fact is None and (answer.passages or answer.nearest)


def test_a_fact_the_library_lacks_falls_back_to_passages_and_says_so(library):
    answer = library.ask("what is Bingchen Liu's h-index?")
    assert not answer.fact.established and "no profile of theirs is loaded" in answer.fact.statement
    assert answer.passages  # (his papers, ranked for the question)


def test_papers_with_code_on_a_topic_say_when_the_best_match_has_none(library):
    answer = library.ask("papers with code on time series")
    assert answer.notes == ["The best match, TimeDiff, has no code listed; the best with code:"]
    assert all(p.paper["has_code"] for p in answer.passages)


def test_a_thread_keeps_its_papers_for_it_and_its_topic_for_follow_ups_but_a_new_topic_wins(library):
    context = Context()
    said = []
    for question in ["what is SANA 1.5?", "how does SANA scale training?", "and what about hashing?",
                     "who wrote it?", "any from 2021?", "when was it published?"]:
        answer = library.ask(question, context=context)
        said.append(answer.fact.statement if answer.fact else answer.papers()[0]["display_title"])
        context = context.after(answer)
    assert said[0].startswith("SANA 1.5") and said[1].startswith("SANA 1.5")
    assert "Hash" in said[2]  # (the thread's SANA context no longer drowns a new topic)
    assert said[3].startswith("CIMON: Towards High-quality Hash Codes is by Xiao Luo")
    assert said[4] == "Deep Unsupervised Hashing by Distilled Smooth Guidance"  # 2021, on the thread's topic
    assert said[5] == "Deep Unsupervised Hashing by Distilled Smooth Guidance was published on 2021-05-13."


def test_it_with_nothing_before_asks_which_paper(library):
    answer = library.ask("who wrote it?")
    assert answer.fact.statement.startswith("Which paper do you mean?")


@pytest.mark.parametrize("reference", [
    "https://arxiv.org/abs/2310.05873", "https://arxiv.org/pdf/2310.05873v2", "arxiv.org/pdf/2310.05873v2.pdf",
    "arXiv:2310.05873", "2310.05873v1", "<https://arxiv.org/abs/2310.05873>",
])
def test_paper_accepts_what_people_paste(library, reference):
    assert library.paper(reference)["id"] == "2310.05873"


def test_a_doi_finds_its_paper(empty_library, tmp_path):
    from tests.conftest import arxiv_record, write_jsonl

    empty_library.load([write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id="2401.00007", doi="10.1145/3583780.3614872")])])
    for reference in ("10.1145/3583780.3614872", "https://doi.org/10.1145/3583780.3614872", "doi:10.1145/3583780.3614872"):
        assert empty_library.paper(reference)["id"] == "2401.00007"
    assert empty_library.ask("who wrote 10.1145/3583780.3614872?").fact.statement.startswith("Analytical Engines")


def test_comments_and_venues_are_searchable(library):
    assert {h.paper["id"] for h in library.search("ICML", k=5).hits} >= {"2306.05043", "2306.03007"}
    assert library.search("accepted ICCV2023", k=1).hits[0].paper["id"] == "2308.11331"
