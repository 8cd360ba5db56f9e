"""Fact questions over the sample papers, with the exact answers the store holds (issue 13): counts, profile
figures, what an author published, who wrote a paper, when, its id, links, code and venue, the papers at a
venue, named papers side by side, and the ones the library cannot answer (said, never guessed)."""

from __future__ import annotations

import pytest

from papers_bot.retrieval.answer import Context
from papers_bot.store.paper import StoredPaper

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

# Other phrasings, from an independent review that worked out each answer in SQL (lower case, contractions,
# lead-ins, "X authors?", "2024 papers by X", "side by side: A and B", ...).
FACTS += [
    ('yo how many papers does jinwen ma have', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('how many papers in total?', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ("what's the total number of papers in the library?", True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('how big is the library? how many papers', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('number of papers with code', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers have released code?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers have open source code', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers have a github repo?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers came out in 2019', True, '1912.00398', 10,
     'The library holds 10 papers from 2019.'),
    ('how many 2023 papers?', True, 'faultseg-swin-unetr-cc6302', 10,
     'The library holds 10 papers from 2023.'),
    ('how many papers between 2020 and 2022', True, 'diffusion-guided-domain-5978fd', 19,
     'The library holds 19 papers from 2020 to 2022.'),
    ('how many papers before 2019?', True, 'tangent-normal-adversarial-2cd16d', 7,
     'The library holds 7 papers up to 2018.'),
    ('how many cs.CV papers', True, 'sana-1-5-4324d7', 29,
     'The library holds 29 papers in CV.'),
    ('How many IR papers do you have?', True, 'argo-modeling-heterogeneity-4f8aac', 2,
     'The library holds 2 papers in IR.'),
    ('how many papers in CL', True, 'soaesv2-7b-72b-9f048d', 7,
     'The library holds 7 papers in CL.'),
    ('how many papers at ICML 2023', True, '2306.05043', 2,
     'The library holds 2 papers at ICML 2023.'),
    ('how many ICLR papers', True, '2304.14647', 1,
     'The library holds 1 paper at ICLR.'),
    ('how many papers did Bingchen Liu write in 2024', True, 'playground-v3-improving-f02e47', 4,
     'The library holds 4 papers by Bingchen Liu from 2024.'),
    ('how many papers with code does Jinwen Ma have', True, 'hybridnorm-towards-stable-2bb9ba', 6,
     'The library holds 6 papers by Jinwen Ma with code.'),
    ('how many papers has Kunpeng Song co-authored', True, 'moma-multimodal-llm-24b37d', 6,
     'The library holds 6 papers by Kunpeng Song.'),
    ('how many papers by Mohamed Elhoseiny?', True, 'a-generative-adversarial-af6b88', 2,
     'The library holds 2 papers by Mohamed Elhoseiny.'),
    ('Jinwen Ma paper count', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma. Their profile page counts 30.'),
    ('how many different authors are in the library?', True, None, None,
     "The library's papers name 70 authors (1 with a profile page)."),
    ('how many papers from NeurIPS', True, None, 0,
     'The library holds 0 papers at NeurIPS.'),
    ('how many papers got published in 2023', True, 'faultseg-swin-unetr-cc6302', 10,
     'The library holds 10 papers from 2023.'),
    ('how many papers have a code link?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('how many papers by Geoffrey Hinton', False, None, None,
     'No author called Geoffrey Hinton in the library.'),
    ('Jinwen Ma h index', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('whats the h index of jinwen ma', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("jinwen ma's hindex?", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('how many citations has Jinwen Ma got', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('total citations for Jinwen Ma', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('Jinwen Ma citation count', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('how often is Jinwen Ma cited?', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ("what's Zhijian Zhuo's affiliation", True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Zhijian Zhuo's papers give the affiliation bytedance, mit."),
    ('where is Zhijian Zhuo based?', True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Zhijian Zhuo's papers give the affiliation bytedance, mit."),
    ('which institution is Jinwen Ma at', True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Jinwen Ma's papers give the affiliation bytedance, mit."),
    ("Jinwen Ma's affiliation?", True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Jinwen Ma's papers give the affiliation bytedance, mit."),
    ('Bingchen Liu h-index?', False, None, None,
     ('No h-index is known for Bingchen Liu: no profile of theirs is loaded (19 papers by Bingchen Liu in '
      'the library).')),
    ('citations of Kunpeng Song', False, None, None,
     ('No citation count is known for Kunpeng Song: no profile of theirs is loaded (6 papers by Kunpeng '
      'Song in the library).')),
    ('where does Bingchen Liu work?', False, None, None,
     'No affiliation is known for Bingchen Liu: none of their 19 papers in the library gives one.'),
    ('h-index of Yann LeCun', False, None, None,
     'No author called Yann LeCun in the library.'),
    ('2024 papers by Jinwen Ma', True, 'polynomial-composition-activatio-526353', 4,
     'The library holds 4 papers by Jinwen Ma from 2024, newest first:'),
    ('what did Bingchen Liu publish in 2020', True, 'self-supervised-sketch-da79d6', 3,
     'The library holds 3 papers by Bingchen Liu from 2020, newest first:'),
    ('list papers by Zeren Zhang', True, 'geouni-a-unified-b1352c', 5,
     'The library holds 5 papers by Zeren Zhang, newest first:'),
    ("show me Kunpeng Song's papers", True, 'moma-multimodal-llm-24b37d', 6,
     'The library holds 6 papers by Kunpeng Song, newest first:'),
    ('recent work by Ran Chen', True, 'soaesv2-7b-72b-9f048d', 4,
     'The library holds 4 papers by Ran Chen, newest first:'),
    ('what has jinwen ma published since 2023?', True, 'soaesv2-7b-72b-9f048d', 9,
     'The library holds 9 papers by Jinwen Ma since 2023, newest first:'),
    ('papers by yizhe zhu', True, 'moma-multimodal-llm-24b37d', 8,
     'The library holds 8 papers by Yizhe Zhu, newest first:'),
    ('anything by Ahmed Elgammal?', True, 'sketch-to-art-0cc988', 3,
     'The library holds 3 papers by Ahmed Elgammal, newest first:'),
    ('Jinwen Ma papers from 2019', True, 'multi-label-classification-36ba37', 7,
     'The library holds 7 papers by Jinwen Ma from 2019, newest first:'),
    ('what did Taihong Xiao write', True, 'elegant-exchanging-latent-1bc204', 2,
     'The library holds 2 papers by Taihong Xiao, newest first:'),
    ('papers by Jinwen Ma, newest first', True, 'soaesv2-7b-72b-9f048d', 30,
     'The library holds 30 papers by Jinwen Ma, newest first:'),
    ("Yizhe Zhu's papers from 2019", True, 'oogan-disentangling-gan-6637ac', 2,
     'The library holds 2 papers by Yizhe Zhu from 2019, newest first:'),
    ('papers by Jinwen Ma from 2019', True, 'multi-label-classification-36ba37', 7,
     'The library holds 7 papers by Jinwen Ma from 2019, newest first:'),
    ('what has John Smith published?', False, None, None,
     'No author called John Smith in the library.'),
    ('SANA-1.5 authors?', True, 'sana-1-5-4324d7', None,
     ('SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion '
      'Transformer is by Enze Xie, Junsong Chen, Yuyang Zhao et al. (the listing cuts the list short).')),
    ("who's behind GrowCLIP", True, '2308.11331', None,
     'The listing of GrowCLIP names no authors.'),
    ('who made fastgan', True, 'towards-faster-and-9bb2e7', None,
     ('Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis is by '
      'Bingchen Liu, Yizhe Zhu, Kunpeng Song et al. (the listing cuts the list short).')),
    ('who are the authors of the ELEGANT paper', True, 'elegant-exchanging-latent-1bc204', None,
     ('ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face Attributes is by '
      'Taihong Xiao, Jiapeng Hong, Jinwen Ma.')),
    ('who wrote the MoMA paper?', True, 'moma-multimodal-llm-24b37d', None,
     ('MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation is by Kunpeng Song, Yizhe Zhu, '
      'Bingchen Liu et al. (the listing cuts the list short).')),
    ('who wrote playground v3', True, 'playground-v3-improving-f02e47', None,
     ('Playground v3: Improving Text-to-Image Alignment with Deep-Fusion Large Language Models is by '
      'Bingchen Liu, Ehsan Akhgari, Alexander Visheratin et al. (the listing cuts the list short).')),
    ('who wrote 2306.05043', True, '2306.05043', None,
     'The listing of TimeDiff names no authors.'),
    ('who wrote https://arxiv.org/abs/2308.11331 ?', True, '2308.11331', None,
     'The listing of GrowCLIP names no authors.'),
    ('who wrote Common Diffusion Noise Schedules and Sample Steps are Flawed', True,
     'common-diffusion-noise-0d23d5', None,
     ('Common Diffusion Noise Schedules and Sample Steps are Flawed is by Shanchuan Lin, Bingchen Liu, '
      'Jiashi Li et al. (the listing cuts the list short).')),
    ('who is the author of HybridNorm', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization is by '
      'Zhijian Zhuo, Yutao Zeng, Ya Wang et al. (the listing cuts the list short).')),
    ('hybridnorm authors', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization is by '
      'Zhijian Zhuo, Yutao Zeng, Ya Wang et al. (the listing cuts the list short).')),
    ('who wrote StyleGAN3?', False, None, None,
     'No paper in the library is called StyleGAN3.'),
    ('when did pixart alpha come out', True, '2310.00426', None,
     'PIXART-α was published on 2023-09-30.'),
    ('what year is ELEGANT from?', True, 'elegant-exchanging-latent-1bc204', None,
     ('ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face Attributes was '
      'published on 2018-03-28.')),
    ('when was the fastgan paper published', True, 'towards-faster-and-9bb2e7', None,
     ('Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis was published '
      'on 2021-01-12.')),
    ('release date of SANA 1.5', True, 'sana-1-5-4324d7', None,
     ('SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion '
      'Transformer was published on 2025-01-30.')),
    ('when was GeoUni published?', True, 'geouni-a-unified-b1352c', None,
     ('GeoUni: A Unified Model for Generating Geometry Diagrams, Problems and Problem Solutions was '
      'published on 2025-04-14.')),
    ('TimeDiff publication date?', True, '2306.05043', None,
     'TimeDiff was published on 2023-06-08.'),
    ('when was arXiv:2211.15398 posted', True, '2211.15398', None,
     'EPIC was published on 2022-11-20.'),
    ('when did the TIME paper come out', True, 'time-text-and-493daa', None,
     'TIME: Text and Image Mutual-Translation Adversarial Networks was published on 2020-05-27.'),
    ('when was DALL-E 3 released?', False, None, None,
     'No paper in the library is called DALL-E 3.'),
    ('arxiv id for pixart alpha?', True, '2310.00426', None,
     'The arXiv id of PIXART-α is 2310.00426.'),
    ("what's the arxiv number of TimeDiff", True, '2306.05043', None,
     'The arXiv id of TimeDiff is 2306.05043.'),
    ('GrowCLIP arxiv id', True, '2308.11331', None,
     'The arXiv id of GrowCLIP is 2308.11331.'),
    ('arxiv link for Geom-Erasing', True, '2310.05873', None,
     'The arXiv id of Geom-Erasing is 2310.05873.'),
    ('arxiv id of Stable Diffusion XL', False, None, None,
     'No paper in the library is called Stable Diffusion XL.'),
    ('pdf for TimeDiff?', True, '2306.05043', None,
     'TimeDiff: its arXiv page and a PDF, linked below.'),
    ('link to the fastgan paper', True, 'towards-faster-and-9bb2e7', None,
     ('Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis: its code, '
      'linked below.')),
    ('where can I download SANA 1.5', True, 'sana-1-5-4324d7', None,
     ('SANA 1.5: Efficient Scaling of Training-Time and Inference-Time Compute in Linear Diffusion '
      'Transformer: a search for its title, linked below.')),
    ('got a link for GrowCLIP?', True, '2308.11331', None,
     'GrowCLIP: its arXiv page and a PDF, linked below.'),
    ('url of EPIC', True, '2211.15398', None,
     'EPIC: its arXiv page and a PDF, linked below.'),
    ('is fastgan open source?', True, 'towards-faster-and-9bb2e7', None,
     ('Yes: Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis has '
      'released code (linked below).')),
    ('does HybridNorm have a github repo', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('Yes: HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization has '
      'released code (linked below).')),
    ('github for Polynomial Composition Activations', True, 'polynomial-composition-activatio-526353', None,
     ('Yes: Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models has '
      'released code (linked below).')),
    ('did PixArt-alpha release code', True, '2310.00426', None,
     'No code is listed for PIXART-α.'),
    ('code for ELEGANT?', True, 'elegant-exchanging-latent-1bc204', None,
     ('Yes: ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face Attributes has '
      'released code (linked below).')),
    ('any code for DNA-GAN', True, 'dna-gan-learning-a08845', None,
     'No code is listed for DNA-GAN: Learning Disentangled Representations from Multi-Attribute Images.'),
    ('is there a repo for AlphaGo?', False, None, None,
     'No paper in the library is called AlphaGo.'),
    ('where did GrowCLIP appear', True, '2308.11331', None,
     'GrowCLIP appeared at ICCV 2023 (the listing says: Accepted by ICCV2023).'),
    ('which venue is TimeDiff in?', True, '2306.05043', None,
     'TimeDiff appeared at ICML 2023 (the listing says: Accepted by ICML 2023 (Poster)).'),
    ('what conference was 2304.14647 at', True, '2304.14647', None,
     ('Sharpness-aware minimization (SAM), which searches for flat minima by min-max… appeared at ICLR '
      '2023 (the listing says: Accepted by ICLR 2023).')),
    ('TimeDiff venue?', True, '2306.05043', None,
     'TimeDiff appeared at ICML 2023 (the listing says: Accepted by ICML 2023 (Poster)).'),
    ('was EPIC accepted anywhere?', True, '2211.15398', None,
     'The listing of EPIC names no venue (no journal reference, and no venue in its comment).'),
    ('where was HybridNorm published', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('The listing of HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid '
      'Normalization names no venue (no journal reference, and no venue in its comment).')),
    ('papers from ICLR 2023', True, '2304.14647', 1,
     'The library holds 1 paper at ICLR 2023 (as their comments or journal references say):'),
    ("ICML'23 papers?", True, '2306.05043', 2,
     'The library holds 2 papers at ICML 2023 (as their comments or journal references say):'),
    ('which papers got into ICCV', True, '2308.11331', 1,
     'The library holds 1 paper at ICCV (as their comments or journal references say):'),
    ("what's been published in JMLR", True, '2205.03059', 1,
     'The library holds 1 paper at JMLR (as their comments or journal references say):'),
    ('list the ICML papers', True, '2306.05043', 2,
     'The library holds 2 papers at ICML (as their comments or journal references say):'),
    ("what's published at ICCV 2023", True, '2308.11331', 1,
     'The library holds 1 paper at ICCV 2023 (as their comments or journal references say):'),
    ('CVPR 2024 papers', False, None, None,
     'No paper in the library names CVPR 2024 in its comment or journal reference.'),
    ('papers accepted to NeurIPS', False, None, None,
     'No paper in the library names NeurIPS in its comment or journal reference.'),
    ('ECCV papers in the library?', False, None, None,
     'No paper in the library names ECCV in its comment or journal reference.'),
    ('side by side: TimeDiff and GrowCLIP', True, '2306.05043', None,
     '2 papers side by side:'),
    ('TimeDiff vs GrowCLIP', True, '2306.05043', None,
     '2 papers side by side:'),
    ('compare sana 1.5 with pixart alpha', True, 'sana-1-5-4324d7', None,
     '2 papers side by side:'),
    ('how does fastgan compare to TIME', True, 'towards-faster-and-9bb2e7', None,
     '2 papers side by side:'),
    ('DNA-GAN vs ELEGANT vs OOGAN', True, 'dna-gan-learning-a08845', None,
     '3 papers side by side:'),
    ('compare HybridNorm and Polynomial Composition Activations', True, 'hybridnorm-towards-stable-2bb9ba', None,
     '2 papers side by side:'),
    ('compare TimeDiff and Imagen', False, '2306.05043', None,
     'No paper in the library is called Imagen.'),
]

# A second review's phrasings (greetings, "pls", co-authors, "no code", "2017 or earlier", ambiguous surnames).
FACTS += [
    ('Hey everyone! Quick one: how many papers are in the database?', True, 'soaesv2-7b-72b-9f048d', 62,
     'The library holds 62 papers.'),
    ('how many papers did Bingchen Liu publish in 2024 with code?', True, 'moma-multimodal-llm-24b37d', 1,
     'The library holds 1 paper by Bingchen Liu from 2024 with code.'),
    ('How many papers has Zeren Zhang authored?', True, 'geouni-a-unified-b1352c', 5,
     'The library holds 5 papers by Zeren Zhang.'),
    ('how many papers has Xiao Luo written? thanks!', True, 'argo-modeling-heterogeneity-4f8aac', 4,
     'The library holds 4 papers by Xiao Luo.'),
    ('how many papers by Ahmed Elgammal are in the AI category?', True, 'the-shape-of-557be4', 2,
     'The library holds 2 papers by Ahmed Elgammal in AI.'),
    ('how many papers came out during 2022 🙂', True, 'diffusion-guided-domain-5978fd', 5,
     'The library holds 5 papers from 2022.'),
    ('how many papers are from 2017 or earlier', True, 'a-generative-adversarial-af6b88', 3,
     'The library holds 3 papers up to 2017.'),
    ('how many papers after 2022?', True, 'soaesv2-7b-72b-9f048d', 25,
     'The library holds 25 papers since 2023.'),
    ('how many stat.ML papers?', True, 'the-anisotropic-noise-a56937', 1,
     'The library holds 1 paper in ML.'),
    ('how many papers mention GANs?', True, 'diffusion-guided-domain-5978fd', 9,
     'The library holds 9 papers mentioning GANs.'),
    ('how many papers talk about knowledge graphs', True, 'a-zero-shot-0aa17c', 8,
     'The library holds 8 papers mentioning knowledge and graphs.'),
    ('how many papers mentioning transformers have code?', True, 'hybridnorm-towards-stable-2bb9ba', 3,
     'The library holds 3 papers with code mentioning transformers.'),
    ('how many of the papers have code available?', True, 'hybridnorm-towards-stable-2bb9ba', 10,
     'The library holds 10 papers with code.'),
    ('total no. of papers by Kunpeng Song?', True, 'moma-multimodal-llm-24b37d', 6,
     'The library holds 6 papers by Kunpeng Song.'),
    ('how many authors does the library know about?', True, None, None,
     "The library's papers name 70 authors (1 with a profile page)."),
    ('how many ICML 2023 papers do we have?', True, '2306.05043', 2,
     'The library holds 2 papers at ICML 2023 (as their comments or journal references say):'),
    ('how many papers did Jinwen Ma publish between 2019 and 2021', True, 'automatic-text-extractive-af6dae', 16,
     'The library holds 16 papers by Jinwen Ma from 2019 to 2021.'),
    ('How many papers from 2020 have code?', True, 'self-supervised-sketch-da79d6', 2,
     'The library holds 2 papers from 2020 with code.'),
    ('how many papers have no code?', True, 'soaesv2-7b-72b-9f048d', 52,
     'The library holds 52 papers without code.'),
    ('how many papers in the collection mention diffusion and have code?', True, 'sana-1-5-4324d7', 2,
     'The library holds 2 papers with code mentioning diffusion.'),
    ('how many CV papers has Yizhe Zhu got', True, 'moma-multimodal-llm-24b37d', 8,
     'The library holds 8 papers by Yizhe Zhu in CV.'),
    ("What's Jinwen Ma's total citation count?", True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('Does Jinwen Ma have a high h-index? What is it?', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('How many times has Jinwen Ma been cited?', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's citation count is 2,072, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('jinwen ma hindex pls', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('Hi there. What is the h-index of Jinwen Ma, please?', True, 'soaesv2-7b-72b-9f048d', 30,
     "Jinwen Ma's h-index is 11, as their profile page (sample/002_4d706571fe10a733.txt) gives it."),
    ('which company does Zhijian Zhuo work for?', True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Zhijian Zhuo's papers give the affiliation bytedance, mit."),
    ('what university is Jinwen Ma at?', True, 'hybridnorm-towards-stable-2bb9ba', None,
     "Jinwen Ma's papers give the affiliation bytedance, mit."),
    ('what has Kunpeng Song published since 2021?', True, 'moma-multimodal-llm-24b37d', 3,
     'The library holds 3 papers by Kunpeng Song since 2021, newest first:'),
    ('Show me everything Xiao Luo has written', True, 'argo-modeling-heterogeneity-4f8aac', 4,
     'The library holds 4 papers by Xiao Luo, newest first:'),
    ('any papers from Zeren Zhang in 2024?', True, 'diagram-formalization-enhanced-b2ef3d', 3,
     'The library holds 3 papers by Zeren Zhang from 2024, newest first:'),
    ('what did Ahmed Elgammal publish before 2019?', True, 'the-shape-of-557be4', 2,
     'The library holds 2 papers by Ahmed Elgammal up to 2018, newest first:'),
    ("Bingchen Liu's most recent papers", True, 'a-zero-shot-0aa17c', 19,
     'The library holds 19 papers by Bingchen Liu, newest first:'),
    ('what have Daqing Wu and Xiao Luo published together?', True, 'argo-modeling-heterogeneity-4f8aac', 4,
     'The library holds 4 papers by Daqing Wu and Xiao Luo, newest first:'),
    ('what have Bingchen Liu and Ahmed Elgammal published together?', True, 'sketch-to-art-0cc988', 3,
     'The library holds 3 papers by Bingchen Liu and Ahmed Elgammal, newest first:'),
    ('hi! what has Mohamed Elhoseiny put out?', True, 'a-generative-adversarial-af6b88', 2,
     'The library holds 2 papers by Mohamed Elhoseiny, newest first:'),
    ("what's the latest paper by Bingchen Liu?", True, 'a-zero-shot-0aa17c', 19,
     'The library holds 19 papers by Bingchen Liu, newest first:'),
    ('what did Bingchen Liu publish in 2024 that has code?', True, 'moma-multimodal-llm-24b37d', 1,
     'The library holds 1 paper by Bingchen Liu from 2024 with code, newest first:'),
    ('wat has Ran Chen published?', True, 'soaesv2-7b-72b-9f048d', 4,
     'The library holds 4 papers by Ran Chen, newest first:'),
    ('what did Elgammal publish?', True, 'sketch-to-art-0cc988', 3,
     'The library holds 3 papers by Ahmed Elgammal, newest first:'),
    ('Kunpeng Song papers 2020', True, 'self-supervised-sketch-da79d6', 3,
     'The library holds 3 papers by Kunpeng Song from 2020, newest first:'),
    ('who were the authors of Playground v3?', True, 'playground-v3-improving-f02e47', None,
     ('Playground v3: Improving Text-to-Image Alignment with Deep-Fusion Large Language Models is by '
      'Bingchen Liu, Ehsan Akhgari, Alexander Visheratin et al. (the listing cuts the list short).')),
    ("who's the author of the CIMON paper", True, 'cimon-towards-high-43deee', None,
     ('CIMON: Towards High-quality Hash Codes is by Xiao Luo, Daqing Wu, Zeyu Ma et al. (the listing cuts '
      'the list short).')),
    ('Who wrote Deep Unsupervised Hashing by Distilled Smooth Guidance?',
     True, 'deep-unsupervised-hashing-43b76d', None,
     ('Deep Unsupervised Hashing by Distilled Smooth Guidance is by Xiao Luo, Zeyu Ma, Daqing Wu et al. '
      '(the listing cuts the list short).')),
    ('who came up with GeoUni?', True, 'geouni-a-unified-b1352c', None,
     ('GeoUni: A Unified Model for Generating Geometry Diagrams, Problems and Problem Solutions is by '
      'Jo-Ku Cheng, Zeren Zhang, Ran Chen et al. (the listing cuts the list short).')),
    ('authors of arXiv:2211.15398?', True, '2211.15398', None,
     'The listing of EPIC names no authors.'),
    ('who wrote The Anisotropic Noise in Stochastic Gradient Descent?', True, 'the-anisotropic-noise-a56937', None,
     ('The Anisotropic Noise in Stochastic Gradient Descent: Its Behavior of Escaping from Sharp Minima '
      'and Regularization Effects is by Zhanxing Zhu, Jingfeng Wu, Bing Yu et al. (the listing cuts the '
      'list short).')),
    ('StyleNAS authors pls', True, 'stylenas-an-empirical-244a80', None,
     ('StyleNAS: An Empirical Study of Neural Architecture Search to Uncover Surprisingly Fast End-to-End '
      'Universal Style Transfer Networks is by Jie An, Haoyi Xiong, Jinwen Ma et al. (the listing cuts the '
      'list short).')),
    ('Hello! I liked the TIME paper a lot. Who wrote it?', True, 'time-text-and-493daa', None,
     ('TIME: Text and Image Mutual-Translation Adversarial Networks is by Bingchen Liu, Kunpeng Song, '
      'Yizhe Zhu et al. (the listing cuts the list short).')),
    ('when did the OOGAN paper come out?', True, 'oogan-disentangling-gan-6637ac', None,
     'OOGAN: Disentangling GAN with One-Hot Sampling and Orthogonal Regularization was published on 2019-05-26.'),
    ('when was Diagram Formalization Enhanced Multi-Modal Geometry Problem Solver published?',
     True, 'diagram-formalization-enhanced-b2ef3d', None,
     'Diagram Formalization Enhanced Multi-Modal Geometry Problem Solver was published on 2024-09-06.'),
    ('MoMA release date?', True, 'moma-multimodal-llm-24b37d', None,
     'MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation was published on 2024-04-08.'),
    ('In which year was ARGO published?', True, 'argo-modeling-heterogeneity-4f8aac', None,
     'ARGO: Modeling Heterogeneity in E-commerce Recommendation was published on 2021-09-13.'),
    ('when was https://arxiv.org/abs/2306.03007 published?', True, '2306.03007', None,
     'In this paper, we consider the problem of Iterative Machine Teaching (IMT)… was published on 2023-06-05.'),
    ('when did Playground v3 come out? thx', True, 'playground-v3-improving-f02e47', None,
     ('Playground v3: Improving Text-to-Image Alignment with Deep-Fusion Large Language Models was '
      'published on 2024-09-16.')),
    ('when was the Dynamic Interaction-Aware paper published?', True, 'dynamic-interaction-aware-1d6478', None,
     ('The listing of Dynamic Interaction-Aware and Causality-Disentangled Framework for Multimodal '
      'Sentiment Analysis gives no date.')),
    ("EPIC's arXiv identifier?", True, '2211.15398', None,
     'The arXiv id of EPIC is 2211.15398.'),
    ('arXiv number for PixArt-α?', True, '2310.00426', None,
     'The arXiv id of PIXART-α is 2310.00426.'),
    ("what is AntNet's arxiv id", True, '1912.00398', None,
     'The arXiv id of AntNet is 1912.00398.'),
    ('arxiv identifier for MoMA', True, 'moma-multimodal-llm-24b37d', None,
     ('The listing of MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation gives no arXiv '
      'id (its id here is moma-multimodal-llm-24b37d).')),
    ('could you give me the arXiv ID for Geom-Erasing 🙏', True, '2310.05873', None,
     'The arXiv id of Geom-Erasing is 2310.05873.'),
    ('can I get the PDF for EPIC?', True, '2211.15398', None,
     'EPIC: its arXiv page and a PDF, linked below.'),
    ('link for ELEGANT', True, 'elegant-exchanging-latent-1bc204', None,
     ('ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face Attributes: its code, '
      'linked below.')),
    ('where can I find the TimeDiff pdf?', True, '2306.05043', None,
     'TimeDiff: its arXiv page and a PDF, linked below.'),
    ('url for HybridNorm please', True, 'hybridnorm-towards-stable-2bb9ba', None,
     ('HybridNorm: Towards Stable and Efficient Transformer Training via Hybrid Normalization: its code, '
      'linked below.')),
    ('GeoUni link?', True, 'geouni-a-unified-b1352c', None,
     ('GeoUni: A Unified Model for Generating Geometry Diagrams, Problems and Problem Solutions: a search '
      'for its title, linked below.')),
    ('is the code for Seismic Fault SAM available?', True, 'seismic-fault-sam-b554c8', None,
     ('Yes: the listing says Seismic Fault SAM: Adapting SAM with Lightweight Modules and 2.5D Strategy '
      'for Fault Detection has released code, but gives no link.')),
    ('has MoMA been open-sourced?', True, 'moma-multimodal-llm-24b37d', None,
     ('Yes: the listing says MoMA: Multimodal LLM Adapter for Fast Personalized Image Generation has '
      'released code, but gives no link.')),
    ('github repo for the Self-Supervised Sketch-to-Image Synthesis paper', True, 'self-supervised-sketch-da79d6', None,
     'Yes: Self-Supervised Sketch-to-Image Synthesis has released code (linked below).'),
    ('is there a GitHub for DefenseVGAE?', True, 'defensevgae-defending-against-d66481', None,
     ('Yes: DefenseVGAE: Defending against Adversarial Attacks on Graph Data via a Variational Graph '
      'Autoencoder has released code (linked below).')),
    ('did the GeoUni authors release their code?', True, 'geouni-a-unified-b1352c', None,
     ('No code is listed for GeoUni: A Unified Model for Generating Geometry Diagrams, Problems and '
      'Problem Solutions.')),
    ('Does Playground v3 have an official implementation?', True, 'playground-v3-improving-f02e47', None,
     ('No code is listed for Playground v3: Improving Text-to-Image Alignment with Deep-Fusion Large '
      'Language Models.')),
    ('which conference did GrowCLIP appear at?', True, '2308.11331', None,
     'GrowCLIP appeared at ICCV 2023 (the listing says: Accepted by ICCV2023).'),
    ('was the Iterative Machine Teaching paper published at a conference?', True, '2306.03007', None,
     ('In this paper, we consider the problem of Iterative Machine Teaching (IMT)… appeared at ICML 2023 '
      '(the listing says: ICML 2023 (20 pages, 10 figures)).')),
    ('Where did the non-contrastive learning paper get published?', True, 'towards-a-unified-1d96e9', None,
     ('The listing of Towards a Unified Theoretical Understanding of Non-contrastive Learning via Rank '
      'Differential Mechanism names no venue (no journal reference, and no venue in its comment).')),
    ('In which journal was the nonconvex regularization paper published?', True, '2205.03059', None,
     ('Nonconvex regularization has been popularly used in low-rank matrix learning appeared at JMLR 2022 '
      '(the listing says: Accepted to JMLR in 2022).')),
    ('What venue did ELEGANT appear in?', True, 'elegant-exchanging-latent-1bc204', None,
     ('The listing of ELEGANT: Exchanging Latent Encodings with GAN for Transferring Multiple Face '
      'Attributes names no venue (no journal reference, and no venue in its comment).')),
    ('what got accepted to ICML?', True, '2306.05043', 2,
     'The library holds 2 papers at ICML (as their comments or journal references say):'),
    ("anything from ICCV'23 in here?", True, '2308.11331', 1,
     'The library holds 1 paper at ICCV 2023 (as their comments or journal references say):'),
    ('show me the JMLR 2022 papers', True, '2205.03059', 1,
     'The library holds 1 paper at JMLR 2022 (as their comments or journal references say):'),
    ('Which ICLR 2023 papers do you have? cheers', True, '2304.14647', 1,
     'The library holds 1 paper at ICLR 2023 (as their comments or journal references say):'),
    ('compare CIMON with Deep Unsupervised Hashing by Distilled Smooth Guidance',
     True, 'cimon-towards-high-43deee', None,
     '2 papers side by side:'),
    ('MoMA versus Playground v3', True, 'moma-multimodal-llm-24b37d', None,
     '2 papers side by side:'),
    ('what are the differences between PDO-eConvs and PDO-s3DCNNs?', True, 'pdo-econvs-partial-7bbf6e', None,
     '2 papers side by side:'),
    ('ARGO vs. Criterion-based Heterogeneous Collaborative Filtering', True, 'argo-modeling-heterogeneity-4f8aac', None,
     '2 papers side by side:'),
    ('TimeDiff, EPIC and GrowCLIP side by side please', True, '2306.05043', None,
     '3 papers side by side:'),
    ('how many papers has Yoshua Bengio written?', False, None, None,
     'No author called Yoshua Bengio in the library.'),
    ('what did Kaiming He publish in 2022?', False, None, None,
     'Several authors fit He: Dongliang He, Lingshen He. Which one?'),
    ('who wrote LoRA?', False, None, None,
     'No paper in the library is called LoRA.'),
    ('does ControlNet have code?', False, None, None,
     'No paper in the library is called ControlNet.'),
    ('arXiv id for DreamBooth', False, None, None,
     'No paper in the library is called DreamBooth.'),
    ('CVPR 2023 papers?', False, None, None,
     'No paper in the library names CVPR 2023 in its comment or journal reference.'),
    ("Kaiming He's h-index", False, None, None,
     'Several authors fit He: Dongliang He, Lingshen He. Which one?'),
    ('where does Fei-Fei Li work?', False, None, None,
     'Several authors fit Li: Fu Li, Jiashi Li, Jingchen Li, Qian Li, Tao Li, Yixin Li. Which one?'),
    ('compare MoMA and DreamBooth', False, 'moma-multimodal-llm-24b37d', None,
     'No paper in the library is called DreamBooth.'),
    ("what's the h-index of Ahmed Elgammal", False, None, None,
     ('No h-index is known for Ahmed Elgammal: no profile of theirs is loaded (3 papers by Ahmed Elgammal '
      'in the library).')),
    ('where is Kunpeng Song based?', False, None, None,
     'No affiliation is known for Kunpeng Song: none of their 6 papers in the library gives one.'),
    ('how many papers from 2016?', True, None, 0,
     'The library holds 0 papers from 2016.'),
    ('Where is Xiao Luo affiliated?', False, None, None,
     'No affiliation is known for Xiao Luo: none of their 4 papers in the library gives one.'),
    ('h index of Yizhe Zhu please', False, None, None,
     'No h-index is known for Yizhe Zhu: no profile of theirs is loaded (8 papers by Yizhe Zhu in the library).'),
    ('anything new from Zhang?', False, None, None,
     'Several authors fit Zhang: Ao Zhang, Zeren Zhang. Which one?'),
    ('papers by Liu pls', False, None, None,
     'Several authors fit Liu: Bing Liu, Bingchen Liu, Shenghao Liu. Which one?'),
    ('how many papers has Ma written?', False, None, None,
     'Several authors fit Ma: Jinwen Ma, Zeyu Ma. Which one?'),
    ("Zhu's h-index?", False, None, None,
     'Several authors fit Zhu: Yizhe Zhu, Zhanxing Zhu. Which one?'),
    ('what did Wang publish in 2024?', False, None, None,
     'Several authors fit Wang: Mengyu Wang, Xu Wang, Ya Wang, Yifei Wang. Which one?'),
    ("Chen's papers", False, None, None,
     'Several authors fit Chen: Junsong Chen, Ran Chen. Which one?'),
    ('how many papers by Luo?', False, None, None,
     'Several authors fit Luo: Jiebo Luo, Xiao Luo. Which one?'),
    ('when was Open Knowledge Base Canonicalization published?', True, 'open-knowledge-base-8fb0db', None,
     ('Open Knowledge Base Canonicalization with Multi-task Learning was published on 2024-03-21. Open '
      'Knowledge Base Canonicalization with Multi-task Unlearning was published on 2023-10-25.')),
]


@pytest.mark.parametrize(("question", "established", "first", "total", "statement"), FACTS, ids=[f[0] for f in FACTS])
def test_fact_questions_are_answered_exactly(library, question, established, first, total, statement):
    answer = library.ask(question)
    assert answer.fact is not None, "not read as a fact question"
    assert (answer.fact.established, answer.fact.statement) == (established, statement)
    assert (answer.fact.papers[0].id if answer.fact.papers else None) == first
    assert answer.fact.total == total


def test_the_set_covers_every_kind_and_what_is_not_there(library):
    kinds = {library.ask(q).fact.kind for q, *_ in FACTS}
    assert kinds >= {"count", "profile", "author-papers", "authors", "date", "id", "code", "links", "venue",
                     "venue-papers", "compare"}
    assert len(FACTS) >= 60 and sum(not established for _, established, *_ in FACTS) >= 6


@pytest.mark.parametrize("question", [
    "which papers adapt SAM to seismic data?", "papers by Jinwen Ma on geometry",
    "where can i find pressure data on surfaces of swept cylinders", "recommender systems",
    "what is the best way to erase concepts from diffusion models?",
    'which papers use SAM for seismic fault detection?',
    'how do I make GAN training stable with few images?',
    'what is new in text to image generation?',
    'papers about knowledge graph unlearning',
    'any work on equivariant CNNs built from partial differential operators?',
    'how do diffusion models pick their noise schedules?',
    "what's a good approach for style transfer on high res images",
    'papers on unsupervised hashing for image retrieval',
    'how does hybrid normalization help transformer training',
    'anything on multimodal sentiment analysis?',
    'who is working on geometry problem solving?',
    'papers that release code for image generation',
    'how many layers does the SANA model use?',
    'how many GPU days did PixArt-alpha take to train?',
    "what's the difference between GANs and diffusion models?",
    'compare contrastive and non-contrastive learning',
    "Jinwen Ma's work on fault detection",
    'what did people publish on recommendation in 2021?',
    'when was diffusion first used for image generation?',
    'where can i find datasets for talking face generation',
    'is there a paper on iterative machine teaching?',
    'recent progress in LLM activation functions',
    'code for training GANs on small datasets',
    'how does SANA compare to other diffusion transformers',
    'which papers study the noise in SGD and sharp minima?',
    'how do GANs compare with VAEs for disentanglement?',
    'who introduced the idea of creative adversarial networks?',
    "what's the difference between SANA 1.5 and diffusion models in general?",
    'how many layers does a U-Net have?',
    'who is the best at GAN training?',
    'what year did diffusion models become popular?',
    'when should I use contrastive learning?',
    'compare GANs and VAEs for image synthesis',
    'where can I learn about seismic interpretation?',
    'how many parameters does a typical diffusion transformer have?',
    'how many sampling steps does DDIM need?',
    'who invented the transformer architecture?',
    'when did style transfer start using neural networks?',
    "what's a good h-index for a postdoc?",
    'how many citations does a typical NeurIPS paper get?',
    'where can I find code for few-shot image generation?',
    'is there code for knowledge graph unlearning?',
    'what is the difference between hashing and embedding for retrieval?',
    'how many GPUs do I need to train a text-to-image model?',
    'which venue is best for a paper on geometry problem solving?',
    'who are the main people working on knowledge graph embedding?',
    'when was the first GAN paper published?',
    "what's the arXiv category for recommender systems?",
    'how many datasets are used for talking face generation?',
    'any style transfer papers that released their code?',
    'how does MoMA compare to other personalization methods?',
    'when is the ICML 2025 deadline?',
    'what is the best paper award at CVPR?',
    'how many papers should I read before starting a PhD?',
    'how many papers get accepted at NeurIPS each year?',
    'who wrote the most influential paper on diffusion?',
    "what's the publication date of the next SANA version?",
    'where can I read about partial differential operators?',
    'is there code for training diffusion models on a single GPU?',
    'does anyone have a repo for seismic fault detection?',
    'when did transformers replace CNNs in vision?',
    "what's the difference between SGD and Adam?",
    'compare BERT and GPT for summarization',
    'how many papers are there on arXiv in total?',
    'how many authors should a paper have?',
    'where do most diffusion researchers work?',
    'in what year did unsupervised hashing take off?',
    'when is it better to use a VAE than a GAN?',
])
def test_topical_questions_are_not_fact_questions(library, question):
    answer = library.ask(question)
    assert answer.fact is None and (answer.passages or answer.nearest or answer.unmatched)


def test_a_fact_the_library_lacks_falls_back_to_passages_and_says_so(library):
    answer = library.ask("what is Bingchen Liu's h-index?")
    assert not answer.fact.established and "no profile of theirs is loaded" in answer.fact.statement
    assert answer.passages  # (his papers, ranked for the question)


def test_papers_with_code_on_a_topic_say_when_the_best_match_has_none(library):
    answer = library.ask("papers with code on time series")
    assert answer.notes == ["The best match, TimeDiff, has no code listed, and no paper with code holds all the "
                            "question's words; the nearest with code:"]  # (those with code hold "time" alone)
    assert all(p.paper.has_code for p in answer.passages)


def test_a_thread_keeps_its_papers_for_it_and_its_topic_for_follow_ups_but_a_new_topic_wins(library):
    context = Context()
    said = []
    for question in ["what is SANA 1.5?", "how does SANA scale training?", "and what about hashing?",
                     "who wrote it?", "any from 2021?", "when was it published?"]:
        answer = library.ask(question, context=context)
        said.append(answer.fact.statement if answer.fact else answer.papers()[0].display_title)
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
    assert library.paper(reference).id == "2310.05873"


def test_a_doi_finds_its_paper(empty_library, tmp_path):
    from tests.conftest import arxiv_record, write_jsonl

    doi = "10.1145/3583780.3614872"
    empty_library.load([write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id="2401.00007", doi=doi)])])
    for reference in (doi, f"https://doi.org/{doi}", f"doi:{doi}"):
        assert empty_library.paper(reference).id == "2401.00007"
    assert empty_library.ask("who wrote 10.1145/3583780.3614872?").fact.statement.startswith("Analytical Engines")


def test_comments_and_venues_are_searchable(library):
    assert {h.paper.id for h in library.search("ICML", k=5).hits} >= {"2306.05043", "2306.03007"}
    assert library.search("accepted ICCV2023", k=1).hits[0].paper.id == "2308.11331"


def test_no_fact_is_stated_from_an_index_out_of_step_with_the_store(library, tmp_path):
    """From review: while the index is behind the store (a load between its commits, a rebuild), a count came
    from the index as it was ("The library holds 0 papers")."""
    from papers_bot.store import db as store
    from papers_bot.store.parse import read_listing
    from tests.conftest import arxiv_record, write_jsonl

    listing = write_jsonl(tmp_path / "more.jsonl", [arxiv_record(id=f"2404.{i:05d}") for i in range(3)])
    db = store.open_db(library.db_path)
    try:  # the store moves on alone, as a load killed between its two commits leaves it
        store.load_listings(db, [read_listing(listing)])
    finally:
        db.close()
    answer = library.ask("how many papers are there?")
    assert not answer.fact.established and "brought up to date" in answer.fact.statement


def test_venues_are_where_a_listing_says_the_paper_appeared():
    """From review: `www.` in a link was the WWW conference, "under review at NeurIPS" a NeurIPS paper, and
    NIPS'99 the year 2099."""
    from papers_bot.retrieval.names import venue_keys, venue_of

    def paper(comment: str) -> StoredPaper:
        return StoredPaper("x", comment=comment, year=2024)

    assert venue_keys(paper("Project page: https://www.glorpnet.org/ . 9 pages")) == []
    assert venue_keys(paper("Under review at NeurIPS 2024; rejected from ICLR 2024")) == []
    assert venue_keys(paper("Code: https://github.com/x/y. Extends our KDD 2021 paper.")) == []
    assert venue_of(paper("Appeared at NIPS'99")) == "NeurIPS 1999"
    assert venue_keys(paper("Accepted by ICCV2023")) == ["iccv", "iccv@2023"]


def test_a_tool_a_paper_links_to_is_not_its_name():
    """From review: every repository an abstract linked became a name of the paper ("who wrote stable diffusion?"
    named the paper that fine-tuned it)."""
    from papers_bot.retrieval.names import paper_name_keys

    used = StoredPaper(
        "x", title="Zebra Painting with Latent Models", display_title="Zebra Painting with Latent Models",
        abstract="We fine-tune Stable Diffusion (https://github.com/CompVis/stable-diffusion) on zebras. "
                 "Our code is available at https://github.com/jane/zebrapaint.",
        code_url="https://github.com/CompVis/stable-diffusion",
        links=("https://github.com/CompVis/stable-diffusion", "https://github.com/jane/zebrapaint"),
    )
    keys = paper_name_keys(used)
    assert "zebrapaint" in keys and "stablediffusion" not in keys


def test_a_big_collaboration_fits_a_message(empty_library, tmp_path):
    """From review: 700 authors made a 15,000-character sentence, and the embed said only "…"."""
    from papers_bot.bot.replies import answer_replies
    from tests.conftest import arxiv_record, write_jsonl

    names = " and ".join(f"Firstname Surname{i:03d}" for i in range(700))
    parsed = [[f"Surname{i:03d}", "Firstname", ""] for i in range(700)]
    empty_library.load([write_jsonl(tmp_path / "big.jsonl", [arxiv_record(
        id="2401.00009", title="Observation of Quuxon Decays with the Grand Detector", authors=names,
        authors_parsed=parsed)])])
    [reply], _ = answer_replies(empty_library, "who wrote Observation of Quuxon Decays with the Grand Detector?")
    description = reply.cards[0].description
    assert description.startswith("**Observation of Quuxon Decays") and "and 680 more" in description
    assert len(description) <= 4096


def test_a_long_run_of_spaces_is_not_a_fact_question(library):
    from papers_bot.retrieval.facts import fact

    with library.reading() as (db, index):
        assert fact(db, index, "how many papers" + " " * 4000 + "are there") is not None  # (one space: as words)
        assert fact(db, index, "how many papers " + "and more words " * 40) is None  # (a paragraph: a topic)


@pytest.mark.parametrize("said", ["that include code", "that have code links", "that had code", "with a github repo",
                                  "with publicly available code", "that released their code", "open source"])
def test_with_code_means_the_same_in_a_count_and_in_a_search(library, said):
    """One definition of "with code" (retrieval.query.CODE_WORDS): the papers a count says have code are the
    papers `has:code` finds, and a search reads the same words as the same filter."""
    with_code = {h.paper.id for h in library.search("has:code", k=100).hits}
    fact = library.ask(f"how many papers {said}?").fact
    searched = library.search(f"papers {said}", k=100)
    assert fact is not None and fact.statement == f"The library holds {len(with_code)} papers with code."
    assert {p.id for p in fact.papers} <= with_code
    assert searched.parsed.has_code and {h.paper.id for h in searched.hits} == with_code
