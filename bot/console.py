"""`papers-bot chat`: the bot in a terminal. Same commands, same reply functions, printed as the bot posts them."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import TextIO

from papers_bot.bot import replies
from papers_bot.bot.commands import COMMANDS, command_help
from papers_bot.config import Config
from papers_bot.errors import PapersBotError
from papers_bot.library import Library
from papers_bot.retrieval.answer import Context

PAGE_HINT = "[Previous] [Next] — type `next` or `prev` to turn the page"


class Console:
    """One person chatting with the bot: `handle` takes a line and returns what the bot would post."""

    def __init__(self, library: Library, config: Config) -> None:
        self.library = library
        self.config = config
        self.pages: list[replies.Reply] = []
        self.page = 0
        self.context = Context()  # the chat is one conversation: "who wrote it?" follows the last answer
        p = config.prefix
        run: dict[str, Callable[[str], list[str]]] = {
            "ask": self._ask,
            "papers": self._search,
            "paper": lambda arg: [replies.paper_reply(self.library, arg).text()],
            "related": lambda arg: self._show_pages(replies.related_pages(self.library, arg)),
            "author": lambda arg: self._show_pages(replies.author_pages(self.library, arg)),
            "stats": lambda _arg: [replies.stats_reply(self.library)],
            "bib": self._bib,
            "trend": self._trend,
            "why": lambda arg: [replies.why_reply(self.library, arg).text()],
            "forget": lambda _arg: ["Votes are given with the buttons under results in Discord; the chat has none."],
            "help": lambda arg: [command_help(arg, p) if arg else replies.help_text(p)],
            "about": lambda _arg: [replies.about_text(self.library)],
            "ping": lambda _arg: [replies.ping_text(self.library)],
            "reload": lambda _arg: replies.reload_messages(self.library, config.data_dir),
            **dict.fromkeys(("follow", "unfollow", "following"), lambda _arg: [replies.FOLLOWS_ARE_FOR_CHANNELS]),
            "settings": lambda _arg: ["Settings belong to a Discord server: change them there with /settings (the "
                                      "chat goes by the configuration file)."],
        }
        # Every command of the table, by its name and its aliases (`!search` is `!papers`).
        self.commands = {f"{p}{name}": (c, run[c.name]) for c in COMMANDS for name in (c.name, *c.aliases)}

    def handle(self, line: str) -> list[str]:
        line = line.strip()
        if not line:
            return []
        if line in ("next", "prev") and self.pages:
            self.page = max(0, min(len(self.pages) - 1, self.page + (1 if line == "next" else -1)))
            return [self._page()]
        name, _, arg = line.partition(" ")
        try:
            if name in self.commands:
                command, call = self.commands[name]
                if command.argument and not command.optional and not arg.strip():
                    return [f"Missing `{command.argument}`: `{name} {command.usage}`. Try `{self.config.prefix}help`."]
                return call(arg.strip())
            if name.startswith(self.config.prefix):
                return [f"No command `{name}`. Try `{self.config.prefix}help`."]
            return self._ask(line)
        except PapersBotError as e:
            return [str(e)]

    def _ask(self, question: str) -> list[str]:
        """A question (or `!ask` one), in the chat's conversation."""
        answer, self.context = replies.answer_replies(self.library, question, context=self.context,
                                                      prefix=self.config.prefix)
        return [reply.text() for reply in answer]

    def _search(self, query: str) -> list[str]:
        return self._show_pages(replies.papers_pages(self.library, query))

    def _bib(self, ids: str) -> list[str]:
        bib = replies.bib_export(self.library, ids)  # (a terminal has no message limit: the whole export)
        return ["\n".join(filter(None, [bib.note, bib.text.rstrip()]))]

    def _trend(self, query: str) -> list[str]:
        """The table, and where the chart was written (a terminal shows no pictures)."""
        text, png = replies.trend_reply(self.library, query)
        with tempfile.NamedTemporaryFile(prefix="papers-bot-trend-", suffix=".png", delete=False) as file:
            file.write(png or b"")
        return [f"{text}\nChart: {file.name}"]

    def _show_pages(self, pages: list[replies.Reply]) -> list[str]:
        self.pages, self.page = pages, 0
        return [self._page()]

    def _page(self) -> str:
        text = self.pages[self.page].text()
        return f"{text}\n{PAGE_HINT}" if len(self.pages) > 1 else text


def chat(library: Library, config: Config, stdin: TextIO, stdout: TextIO, *, prompt: bool) -> None:
    console = Console(library, config)
    if prompt:
        stdout.write(f"papers-bot chat: ask a question, or `{config.prefix}help`. Ctrl-D to leave.\n")
    while True:
        if prompt:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip() in ("quit", "exit"):
            return
        for message in console.handle(line):
            stdout.write(message + "\n\n")
        stdout.flush()
