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

    doi = "10.1145/3583780.3614872"
    empty_library.load([write_jsonl(tmp_path / "a.jsonl", [arxiv_record(id="2401.00007", doi=doi)])])
    for reference in (doi, f"https://doi.org/{doi}", f"doi:{doi}"):
        assert empty_library.paper(reference)["id"] == "2401.00007"
    assert empty_library.ask("who wrote 10.1145/3583780.3614872?").fact.statement.startswith("Analytical Engines")


def test_comments_and_venues_are_searchable(library):
    assert {h.paper["id"] for h in library.search("ICML", k=5).hits} >= {"2306.05043", "2306.03007"}
    assert library.search("accepted ICCV2023", k=1).hits[0].paper["id"] == "2308.11331"
