"""The one exception tree of papers-bot: every error a user can cause says what to do."""

from __future__ import annotations


class PapersBotError(Exception):
    """Something went wrong in papers-bot."""


class ParseError(PapersBotError):
    """A listing file could not be read."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class UnknownFormatError(ParseError):
    """A file is not in any listing format papers-bot knows."""


class PaperNotFound(PapersBotError):
    """No paper has that id."""


class StoreBusy(PapersBotError):
    """Another load is writing the database; try again when it has finished."""
