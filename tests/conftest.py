from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from papers_bot.library import Library
from papers_bot.store.parse import sample_folder
from papers_bot.testing.fakediscord import FakeDiscord, serving

FEED, ABSTRACTS, PROFILE = sorted(sample_folder().glob("*.txt"))


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running FakeDiscord with discord.py pointed at it."""
    async with serving() as fake:
        yield fake


@pytest.fixture
def sample_dir() -> Path:
    return sample_folder()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """A real SQLite file and index in tmp_path, holding the bundled sample papers."""
    lib = Library(tmp_path / "papers.db")
    yield lib
    lib.close()


@pytest.fixture
def empty_library(tmp_path: Path) -> Iterator[Library]:
    lib = Library(tmp_path / "empty.db", sample_if_new=False)
    yield lib
    lib.close()


def arxiv_record(**fields) -> dict:
    """One record of the arXiv metadata snapshot, with realistic defaults."""
    record = {
        "id": "2401.00001",
        "submitter": "A. Person",
        "authors": "Ada Lovelace and Charles Babbage",
        "title": "Analytical Engines for  Everyone",
        "comments": "12 pages",
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "cs.LG cs.AI",
        "license": None,
        "abstract": "  We study engines.\nThey compute.  ",
        "versions": [{"version": "v1", "created": "Tue, 2 Jan 2024 10:00:00 GMT"}],
        "update_date": "2024-01-05",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Babbage", "Charles", ""]],
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records: Sequence[dict | str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path
