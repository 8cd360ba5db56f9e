"""The bot's commands, once: name, aliases, argument, help. The cogs' decorators, `!help` and `/help`, the slash
commands' descriptions and the console's commands all come from this table (no Discord import)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one line: `!help`, the slash command's description, the console
    argument: str | None = None  # the one argument's name, if it takes one (`query`: the rest of the line)
    usage: str = ""  # how the argument is written in help: `<words>`
    aliases: tuple[str, ...] = ()
    admin: bool = False  # slash: hidden from members without Manage Server (the command checks on every call too)
    guild_only: bool = False  # only in a server's channels (never offered in DMs)
    options: tuple[tuple[str, str], ...] = ()  # (option, description) of each slash option, as Discord shows it
    optional: bool = False  # the argument may be left out (`!help`, `!help papers`)

    def line(self, prefix: str, *, twin: bool = True) -> str:
        """The command's line in `!help` (`twin`: naming its slash twin, as `!help <command>` does)."""
        said = f"`{prefix}{self.name}{' ' + self.usage if self.usage else ''}`"
        also = [f"or `/{self.name}`"] if prefix != "/" and twin else []  # (a slash user sees the slash form alone)
        also += ["admins"] if self.admin else []
        return said + (f" ({', '.join(also)})" if also else "") + f": {self.help}"


COMMANDS = (
    Command("papers", "the best-matching papers, with passages and links", "query", "<words>", aliases=("search",),
            options=(("query", 'words to find; also "a phrase", -word, author:"Name", cat:CV, year:2023, has:code'),
                     ("author", "only papers by this author (as author:\"Name\")"),
                     ("year", "only papers of this year, or years: 2023, 2021-2023"),
                     ("category", "only papers in this category: cs.CV, CV"),
                     ("code", "only papers with code"))),
    Command("ask", "ask a question: a fact from the library, or the passages of the papers that answer it",
            "question", "<question>",
            options=(("question", "a question in plain words, e.g. which papers adapt SAM to seismic data?"),)),
    Command("paper", "one paper in full; ids are shown with every result (an arXiv id, URL or DOI works too)",
            "paper_id", "<id>", options=(("paper_id", "the id shown with a result, an arXiv id or URL, or a DOI"),)),
    Command("related", "papers like one paper", "paper_id", "<id>",
            options=(("paper_id", "the id shown with a result, or an arXiv id"),)),
    Command("author", "an author's papers and profile", "name", "<name>",
            options=(("name", "the author's name, or part of it (a surname)"),)),
    Command("follow", "post the new papers that match a query in this channel, after each harvest or load",
            "query", "<query>", guild_only=True,
            options=(("query", 'what to follow: words, author:"Name", cat:cs.CV, has:code; or author "Name"'),)),
    Command("unfollow", "stop one of this channel's follows", "number", "<n>", guild_only=True,
            options=(("number", "the follow's number, as /following lists them"),)),
    Command("following", "what this channel follows, numbered", guild_only=True),
    Command("bib", "BibTeX entries for papers (a .bib file when long)", "paper_ids", "<id> [<id>...]",
            options=(("paper_ids", "the ids shown with results (arXiv ids, URLs or DOIs work too), space-separated"),)),
    Command("trend", "papers per year that match, as a chart; `a | b` compares", "query", "<words>",
            options=(("query", "what to count (every word must match, as a follow); `diffusion | GAN` compares"),)),
    Command("why", "why a paper is a result for a query: words, rarity, filters, score",
            "query", "<id> <query>",
            options=(("paper_id", "the id shown with the result"), ("query", "the query it was a result for"))),
    Command("forget", "delete every 👍/👎 vote you gave on results"),
    Command("about", "version, library size and freshness, uptime"),
    Command("ping", "whether the library answers, and how fast"),
    Command("stats", "what is in the library"),
    Command("help", "how to use papers-bot; `help <command>` for one command", "command", "[command]", optional=True,
            options=(("command", "a command to explain, with its options and examples"),)),
    Command("reload", "re-read the data folder and any attached listing files", admin=True,
            options=(("file", "a listing file to load too (text or arXiv JSON lines)"),)),
    Command("settings", "see or change server settings", admin=True, guild_only=True,
            options=(("name", "the setting: prefix, answer_channels, cooldown, ..."),
                     ("value", "its value, as the configuration file writes it: ?, #papers, 5/30, true"),
                     ("channel", "for answer_every_message: the one channel it is for (else the whole server)"))),
)
BY_NAME = {c.name: c for c in COMMANDS}


def command(name: str) -> Command:
    return BY_NAME[name]


def help_text(prefix: str) -> str:
    """The bot's one help text (`!help`, `/help`, and the answer to "what can you do?")."""
    return "\n".join([
        "**papers-bot** answers questions about the papers in its library."
        + (" Each command is also a slash command: `/papers`, `/ask`, ..." if prefix != "/" else ""),
        *(c.line(prefix, twin=False) for c in COMMANDS if c.name != "help"),
        "Ask a question in an answer channel, or mention me anywhere, and I answer: facts from the library "
        "(how many, who wrote, when, where published) or passages; ask follow-ups in the thread I start.",
        'Searches and questions read `"a phrase"`, `-word`, `author:"Name"`, `year:2019-2021`, `cat:CV`, '
        "`has:code` and `sort:date`, or the same in plain words: `papers by Jinwen Ma since 2022 with code`, "
        "`newest papers on diffusion`, `anything from 2017?`.",
        "Examples: `which papers adapt SAM to seismic data?`, `who wrote SANA 1.5?`, `how many papers have code?`",
        f"`{prefix}help <command>` explains one command, with its options and examples.",
    ])


# Two examples of each command, for `!help <command>` (after the prefix).
EXAMPLES = {
    "ask": ("ask which papers adapt SAM to seismic data?", "ask who wrote SANA 1.5?"),
    "papers": ("papers diffusion models sort:date", 'papers author:"Jinwen Ma" has:code year:2023'),
    "paper": ("paper 2310.05873", "paper https://arxiv.org/abs/2310.05873v2"),
    "related": ("related seismic-fault-sam-b554c8", "related 2310.05873"),
    "author": ('author Jinwen Ma', "author Chen"),
    "follow": ("follow seismic segmentation", 'follow author "Jinwen Ma"'),
    "unfollow": ("unfollow 2", "unfollow 1"),
    "following": ("following",),
    "bib": ("bib 2310.05873", "bib 2310.05873 2306.05043 2308.11331"),
    "trend": ("trend diffusion", "trend diffusion | GAN | transformer"),
    "why": ("why seismic-fault-sam-b554c8 seismic fault segmentation", "why 2310.05873 diffusion year:2023"),
    "forget": ("forget",),
    "about": ("about",),
    "ping": ("ping",),
    "stats": ("stats",),
    "help": ("help", "help papers"),
    "reload": ("reload", "reload (with a listing file attached)"),
    "settings": ("settings", "settings set prefix ?", "settings set answer_every_message true #papers",
                 "settings reset prefix", "settings log"),
}


def command_help(name: str, prefix: str) -> str:
    """`!help <command>`: the command's line, its options, and examples; or what the commands are called."""
    name = name.strip().removeprefix(prefix).removeprefix("/").casefold()
    found = BY_NAME.get(name) or next((c for c in COMMANDS if name in c.aliases), None)
    if found is None:
        names = ", ".join(f"`{c.name}`" for c in COMMANDS)
        return f"There is no command `{name[:40]}`. The commands are {names}: `{prefix}help <command>` explains one."
    lines = [found.line(prefix)]
    lines += [f"• `{option}`: {about}" for option, about in found.options]
    lines += [f"Also written `{prefix}{alias}`." for alias in found.aliases]
    lines += ["Examples: " + ", ".join(f"`{prefix}{e}`" for e in EXAMPLES.get(found.name, ()))]
    return "\n".join(lines)
