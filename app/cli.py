"""The `papers-bot` command: a thin shell over the library. Each command parses its flags, makes one call,
prints the answer (text or --json), and turns library errors into a clean message and exit status 1."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from papers_bot import format as fmt
from papers_bot.config import Config, ConfigError
from papers_bot.errors import PapersBotError
from papers_bot.library import Library, VectorsWhen
from papers_bot.settings import override_line, stored_overrides
from papers_bot.store import db as store
from papers_bot.store.paper import AuthorLookup, StoredPaper
from papers_bot.text import plural

log = logging.getLogger("papers_bot")


def hit_json(paper: StoredPaper, score: float | None) -> dict[str, Any]:
    keys = ("id", "title", "display_title", "authors", "year", "date", "category", "url", "code_url")
    return {**{k: getattr(paper, k) for k in keys}, **({"score": round(score, 4)} if score is not None else {})}


def _lines(answer_line: Any, *, key: str = "query") -> None:
    """Stdin, one query a line -> stdout, one JSON object a line; a line that fails says why and the rest go on."""
    sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    for line in sys.stdin:
        text = line.rstrip("\n")
        try:
            record = answer_line(text)
        except PapersBotError as e:
            record = {key: text, "error": str(e), "results": []}
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


class LibraryContext:
    """Opens the library on first use, so `--help` and bad flags never touch the database."""

    def __init__(self, db_path: str | None) -> None:
        self.db_path = db_path  # --db or PAPERS_BOT_DB; None: the configuration file's `db`, else papers.db
        self.sample_if_new = True  # `load` starts a new database empty: only the user's papers go in
        self.vectors: VectorsWhen = "now"  # `load` brings the vectors in step itself, as its last stage
        self._library: Library | None = None

    def config(self) -> Config:
        config = Config.load()
        return dataclasses.replace(config, db=self.db_path) if self.db_path else config

    @property
    def library(self) -> Library:
        if self._library is None:
            db = self.db_path or Config.load().db  # (the configuration file is read only when it names the db)
            self._library = Library(db, sample_if_new=self.sample_if_new, vectors=self.vectors)
        return self._library


DB_HELP = (
    "SQLite database (env PAPERS_BOT_DB; default papers.db). Created with the bundled sample papers if missing "
    "(by `load`: created empty, for the papers it loads)."
)


def _set_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        context = ctx.find_object(LibraryContext)
        assert context is not None  # (the group made it before its command's options are read)
        context.db_path = value


class _Command(click.Command):
    """A command that also takes `--db` after its name (`papers-bot load --db x.db ...`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--db"], expose_value=False, callback=_set_db, help=DB_HELP))


class _Group(click.Group):
    command_class = _Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`papers-bot load ... | head -0`): what the command did stands, and its exit
            # status says so (1 means nothing changed). Later writes go nowhere instead of failing again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):  # (locked, busy, read-only: the library says those)
                raise
            # The file changed under the open library (truncated, overwritten, replaced by another file): what it
            # read is gone, so stop, whatever the command was (`search -` reading queries for hours).
            context = ctx.find_object(LibraryContext)
            db = context._library.db_path if context is not None and context._library is not None else "the database"
            raise click.ClickException(
                f"{db}: the database was truncated, overwritten or damaged while this command used it ({e}). "
                "Restore it from a backup (or load its papers again), then run the command again"
            ) from e


def _fail(e: PapersBotError) -> NoReturn:
    raise click.ClickException(str(e)) from e


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", envvar="PAPERS_BOT_DB", help=DB_HELP)
@click.option("-v", "--verbose", is_flag=True, help="Log what is happening to stderr.")
@click.version_option(package_name="papers-bot")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, verbose: bool) -> None:
    """Answer questions about a collection of research papers."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    context = LibraryContext(db_path)
    ctx.obj = context

    def close() -> None:
        if context._library is not None:
            context._library.close()

    ctx.call_on_close(close)


def _columns(stream: Any) -> int:
    """The width of the terminal `stream` writes to (the bar is drawn on stderr, whatever stdout is)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size().columns


def _progressbar(columns: int) -> Any:
    """A load's progress bar that fits `columns`: label, bar, percentage and time left take 28 columns besides the
    bar; a narrower terminal gets the bar and the percentage alone."""
    if columns >= 40:
        return click.progressbar(length=100, label="Loading", width=min(36, columns - 29), file=sys.stderr)
    return click.progressbar(length=100, width=max(columns - 11, 1), show_eta=False, file=sys.stderr)


# Every command that prints a result can print it as JSON instead (sqlite-utils' output_options).
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Make the database exactly these files' papers (others are removed).")
@click.pass_obj
def load(obj: LibraryContext, paths: tuple[Path, ...], replace: bool) -> None:
    """Load listing files or folders (feed, arXiv abstracts, author profile, arXiv metadata JSON lines)."""
    obj.sample_if_new = False
    obj.vectors = "later"
    try:
        library = obj.library
        before = store.version(library.db)
    except PapersBotError as e:
        _fail(e)
    try:
        if sys.stderr.isatty():
            with _progressbar(_columns(sys.stderr)) as bar:
                done = {}

                def progress(listing: Any, _count: int) -> None:
                    done[listing.file] = (listing.position, listing.size or 1)
                    total = sum(size for _, size in done.values())
                    bar.update(int(100 * sum(pos for pos, _ in done.values()) / total) - bar.pos)

                summary = library.load(list(paths), replace=replace, on_batch=progress)
        else:
            summary = library.load(list(paths), replace=replace)
        click.echo(fmt.format_load(summary))
        # Last: the papers are searchable by words already, and by meaning once embedded (a kill here loses none).
        library.update_vectors(on_start=lambda n: click.echo(f"embedding {plural(n, 'paper')}...") if n else None)
    except PapersBotError as e:
        _fail(e)
    except (KeyboardInterrupt, SystemExit):
        # Ctrl-C (or SIGTERM, SIGHUP: _exit_on) before the store's commit undid the load: "Aborted!", status 1.
        # After it, the papers are in: saying "Aborted!" would have the user load again what is there.
        if store.version(library.db) == before:
            raise
        click.echo("Interrupted after the load committed: its papers are in the library (`papers-bot stats`).")


# A query or question may start with `-` (`-ultrasound seismic`): it is the text, not an unknown option.
_TEXT_FIRST = {"ignore_unknown_options": True}


@cli.command(context_settings=_TEXT_FIRST)
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many papers.")
@json_option
@click.pass_obj
def search(obj: LibraryContext, query: str, k: int, as_json: bool) -> None:
    """Rank papers for QUERY. QUERY `-` reads one query per line from stdin and prints JSON lines."""
    try:
        library = obj.library
        if query == "-":
            _lines(lambda text: {"query": text, **_result_json(library.search(text, k=k, passages=True))})
            return
        result = library.search(query, k=k, passages=True)
    except PapersBotError as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(_result_json(result)["results"], indent=2))
    else:
        click.echo(fmt.format_hits(result))


def _parts(hit: Any) -> dict[str, float | None]:
    """Why a hit ranked where it did: its score by words (BM25), by meaning (cosine) and the two fused (None:
    that part took no part)."""
    fused = hit.lexical is not None
    return {"lexical": round(hit.lexical if fused else hit.score, 4),
            "semantic": None if hit.semantic is None else round(hit.semantic, 4),
            "fused": round(hit.score, 4) if fused else None}


def _result_json(result: Any) -> dict[str, Any]:
    hits = [{**hit_json(h.paper, h.score), "parts": _parts(h)} for h in result.hits]
    for hit, passage in zip(hits, result.passages):
        hit["passage"] = passage
    return {"took_ms": round(result.took_ms, 3), "relaxed": result.relaxed, "results": hits}


@cli.command(context_settings=_TEXT_FIRST)
@click.argument("question")
@click.option("-k", "k", default=None, type=click.IntRange(1, 100),
              help="Print the K best-ranked papers, each with its passage, instead of the answer.")
@json_option
@click.pass_obj
def ask(obj: LibraryContext, question: str, k: int | None, as_json: bool) -> None:
    """Answer a QUESTION with the best passages from the best-matching papers. QUESTION `-` reads one question
    per line from stdin and prints JSON lines of the ranking a question in a Discord channel gets."""
    try:
        library = obj.library
        if question == "-":
            _lines(lambda text: {"question": text,
                                 **_result_json(library.rank_question(text, k=k or 10, passages=True))},
                   key="question")
            return
        if k is not None:
            result = library.rank_question(question, k=k, passages=True)
            click.echo(json.dumps({"question": question, **_result_json(result)}, indent=2) if as_json
                       else fmt.format_hits(result))
            return
        answer = library.ask(question)
    except PapersBotError as e:
        _fail(e)
    if not as_json:
        click.echo(fmt.format_answer(answer))
        return
    fact = answer.fact
    record = {
        "question": question,
        "read_as": answer.read_as or None,  # (the question with its typos read as the library spells them)
        "found": answer.found,
        "help": answer.help,
        "unmatched": answer.unmatched or None,
        "fact": None if fact is None else {
            "kind": fact.kind, "statement": fact.statement, "established": fact.established, "total": fact.total,
            "papers": [hit_json(p, None) for p in fact.papers],
        },
        "notes": answer.notes,
        "passages": [
            {**hit_json(p.paper, p.score), "passage": p.text, "coverage": round(p.coverage, 3)} for p in answer.passages
        ],
        "nearest": [hit_json(h.paper, h.score) for h in answer.nearest],
    }
    click.echo(json.dumps(record, indent=2))


def _plain(found: StoredPaper | AuthorLookup | dict[str, Any]) -> dict[str, Any]:
    """`--json`'s form of a paper (without `listed_by`, which only the index reads, and without `sources` where
    they were not read: a paper in a list), an author look-up, or the stats."""
    if isinstance(found, StoredPaper):
        record = dataclasses.asdict(found)
        del record["listed_by"]
        if not found.sources:
            del record["sources"]
        return record
    if isinstance(found, AuthorLookup):
        return {**dataclasses.asdict(found), "papers": [_plain(p) for p in found.papers]}
    return found


def _show(call: Any, formatter: Any, as_json: bool) -> None:
    try:
        found = call()
    except PapersBotError as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(_plain(found), indent=2))
    else:
        click.echo(formatter(found))


@cli.command()
@click.argument("paper_id")
@json_option
@click.pass_obj
def paper(obj: LibraryContext, paper_id: str, as_json: bool) -> None:
    """Show one paper in full (by id or arXiv id)."""
    _show(lambda: obj.library.paper(paper_id), fmt.format_paper, as_json)


@cli.command()
@click.argument("name")
@json_option
@click.pass_obj
def author(obj: LibraryContext, name: str, as_json: bool) -> None:
    """Show an author's papers and profile figures."""
    _show(lambda: obj.library.author(name), fmt.format_author, as_json)


@cli.command()
@json_option
@click.pass_obj
def stats(obj: LibraryContext, as_json: bool) -> None:
    """Papers, authors, sources, year span and categories in the database."""
    _show(lambda: obj.library.stats(), fmt.format_stats, as_json)


@cli.command()
@click.argument("paper_ids", nargs=-1, required=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the entries to this .bib file (default: print them).")
@click.pass_obj
def bib(obj: LibraryContext, paper_ids: tuple[str, ...], out: Path | None) -> None:
    """BibTeX entries for papers, by the ids shown with results (arXiv ids, URLs and DOIs work too). Exits 1 when
    an id names no paper (the others are still written)."""
    from papers_bot.bibtex import bibtex

    try:
        papers, missing = obj.library.papers(paper_ids)
    except PapersBotError as e:
        _fail(e)
    if papers:
        text = bibtex(papers)
        if out is None:
            click.echo(text, nl=False)
        else:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as e:
                raise click.ClickException(f"cannot write {out}: {e.strerror or e}") from e
            click.echo(f"{len(papers)} entr{'y' if len(papers) == 1 else 'ies'} written to {out}", err=True)
    for said in missing:
        click.echo(f"error: no paper has the id {said!r}; search for it first, ids are shown with each result",
                   err=True)
    if missing:
        sys.exit(1)


@cli.command(context_settings=_TEXT_FIRST)
@click.argument("query")
@click.option("--png", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also draw the counts as a bar chart in this PNG file.")
@json_option
@click.pass_obj
def trend(obj: LibraryContext, query: str, png: Path | None, as_json: bool) -> None:
    """Papers per year that match QUERY (every word, as a follow matches), and those with no year. `a | b`
    compares topics."""
    from papers_bot.trends import format_trend, render_png

    try:
        topics = obj.library.trend(query)
    except PapersBotError as e:
        _fail(e)
    if png is not None:
        try:
            png.write_bytes(render_png(topics))
        except OSError as e:
            raise click.ClickException(f"cannot write {png}: {e.strerror or e}") from e
    if as_json:
        click.echo(json.dumps([{"query": t.query, "years": t.years, "no_year": t.undated, "total": t.total}
                               for t in topics], indent=2))
    else:
        click.echo(format_trend(topics))


@cli.command()
@click.option("--export", "export", type=click.Path(file_okay=False, path_type=Path),
              help="Write the votes as a test collection (BEIR layout) in this folder, for bench/quality.py.")
@click.option("--forget", "forget", type=int, metavar="DISCORD_USER_ID",
              help="Delete every vote this Discord user gave (as /forget does for themselves).")
@json_option
@click.pass_obj
def feedback(obj: LibraryContext, export: Path | None, forget: int | None, as_json: bool) -> None:
    """What the 👍/👎 votes under results say: the worst-rated queries and the share of 👍 by month."""
    from papers_bot import feedback as votes

    try:
        library = obj.library
        if forget is not None:
            count = library.forget_votes(forget)
            click.echo(f"Deleted {count} vote{'s' * (count != 1)}.")
            return
        judged, months = library.feedback()
        if export is not None:
            try:
                queries, pairs = library.export_feedback(export)
            except OSError as e:
                raise click.ClickException(f"cannot write {export}: {e.strerror or e}") from e
            click.echo(f"{queries} queries and {pairs} judgements written to {export} "
                       f"(python bench/quality.py {export})")
            return
    except PapersBotError as e:
        _fail(e)
    click.echo(json.dumps(votes.report(judged, months), indent=2) if as_json
               else votes.format_feedback(judged, months))


@cli.command(context_settings=_TEXT_FIRST)
@click.argument("paper_id")
@click.argument("query")
@json_option
@click.pass_obj
def why(obj: LibraryContext, paper_id: str, query: str, as_json: bool) -> None:
    """Why PAPER_ID is a result for QUERY: which words it holds where, how rare they are, the filters, and the
    score's parts (they add up to `search --json`'s lexical part)."""
    from papers_bot.bot.replies import why_reply

    try:
        if not as_json:
            click.echo(why_reply(obj.library, f"{paper_id} {query}").text())
            return
        found = obj.library.why(paper_id, query)
    except PapersBotError as e:
        _fail(e)
    click.echo(json.dumps({
        "id": found.paper.id, "query": found.query, "rank": found.rank, "score": round(found.score, 4),
        "lexical": round(found.lexical, 4), "semantic": None if found.semantic is None else round(found.semantic, 4),
        "parts": [{"what": p.what, "field": p.field, "score": round(p.score, 4), "papers": p.papers}
                  for p in found.parts],
        "missing": [{"what": w, "papers": n} for w, n in found.missing],
        "filters": found.filters, "relaxed": found.relaxed, "passes": found.passes, "library": found.library,
    }, indent=2))


@cli.command()
@click.pass_obj
def run(obj: LibraryContext) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN; see README 'Discord bot')."""
    import asyncio

    from papers_bot.bot.client import run as run_bot

    try:
        config = obj.config()
        # A service's log: to stdout, one line a record, no timestamps (journald and Docker add their own).
        logging.basicConfig(stream=sys.stdout, level=config.log_level, format="%(levelname)s %(name)s: %(message)s",
                            force=True)
        logging.getLogger("discord").setLevel(config.log_level)
        status = asyncio.run(run_bot(config))
    except PapersBotError as e:
        _fail(e)
    sys.exit(status)


@cli.command()
@click.option("--set", "sets", multiple=True, metavar="SET",
              help="An arXiv OAI-PMH set to harvest: cs, cs:cs:CV (cs.CV means that); default: harvest_sets.")
@click.option("--feed", "feeds", multiple=True, metavar="CATEGORY",
              help="A category whose RSS feed of today's announcements to read (cs.CV); default: harvest_feeds.")
@click.option("--from", "since", metavar="YYYY-MM-DD", help="Ask for records from this date, not the last run's.")
@click.option("--status", "show_status", is_flag=True,
              help="Show each feed's last run, what it brought (and why nothing), and the next run; fetch nothing.")
@click.pass_obj
def harvest(obj: LibraryContext, sets: tuple[str, ...], feeds: tuple[str, ...], since: str | None,
            show_status: bool) -> None:
    """Fetch new and updated papers from arXiv into the library (see README 'Keeping the library current'). A
    run stopped anywhere goes on from where it stopped the next time."""
    import asyncio
    import datetime

    from papers_bot.harvest import Harvester, status, targets

    try:
        config = obj.config()
        if sets or feeds:  # (checked as the settings are: a set arXiv lacks is refused before any request)
            chosen = Config.from_values({"harvest_sets": list(sets), "harvest_feeds": list(feeds),
                                         "oai_url": config.oai_url, "rss_url": config.rss_url},
                                        origins={"harvest_sets": "--set", "harvest_feeds": "--feed"})
            config = dataclasses.replace(config, harvest_sets=chosen.harvest_sets, harvest_feeds=chosen.harvest_feeds)
    except PapersBotError as e:
        _fail(e)
    if since is not None:
        try:
            since = datetime.date.fromisoformat(since).isoformat()
        except ValueError as e:
            raise click.BadParameter(f"{since!r} is not a date (YYYY-MM-DD)", param_hint="--from") from e
    obj.sample_if_new = False  # (a new database holds only what is harvested)
    try:
        if show_status:  # (never creating a library that is not there)
            there = Path(obj.db_path or config.db).exists()
            click.echo("\n".join(status(obj.library if there else None, config)))
            return
        if not targets(config):
            raise click.ClickException("nothing to harvest: give --set or --feed, or configure harvest_sets or "
                                       "harvest_feeds (README 'Keeping the library current')")
        logging.getLogger("papers_bot.harvest").setLevel(logging.INFO)  # (a page a line: a first harvest is long)
        reports = asyncio.run(Harvester(obj.library, config).run(since=since))
    except PapersBotError as e:
        _fail(e)
    for report in reports:
        click.echo(report.line())
        for warning in report.warnings[:20]:
            click.echo(f"  warning: {warning}", err=True)
    sys.exit(1 if any(r.failed for r in reports) else 0)


def _config(file: Path | None = None) -> Config:
    """The configuration (FILE, else PAPERS_BOT_CONFIG's, with the environment over it), or a clean error."""
    try:
        return Config.load(file=file)
    except PapersBotError as e:
        _fail(e)


@cli.group(name="config")
def config_group() -> None:
    """The configuration: a TOML file (PAPERS_BOT_CONFIG) and the environment."""


@config_group.command(name="check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def config_check(file: Path | None) -> None:
    """Check FILE (else PAPERS_BOT_CONFIG's) with the environment over it, and print what every setting resolves
    to and where from (the token is never shown)."""
    try:
        config = Config.load(file=file)
    except ConfigError as e:
        for problem in e.problems:
            click.echo(f"error: {problem}", err=True)
        count = len(e.problems)
        raise click.ClickException(f"{count} problem{'s' * (count != 1)}: the configuration is not valid") from e
    click.echo(f"{config.file or 'no configuration file'}, then the environment:")
    for line in config.describe():
        click.echo(f"  {line}")
    try:
        overrides = stored_overrides(config.db)
    except PapersBotError as e:
        overrides = []
        click.echo(f"warning: the servers' own settings could not be read: {e}", err=True)
    if overrides:
        click.echo(f"Servers' own settings over these (/settings), in {config.db}:")
    for row in overrides:
        click.echo(f"  server {row.guild_id}: {override_line(row)}")
    for warning in config.warnings():
        click.echo(f"warning: {warning}", err=True)
    click.echo("The configuration is valid.")


@cli.command()
@click.pass_obj
def doctor(obj: LibraryContext) -> None:
    """Connect as the bot and report, per server and answer channel, what it can and cannot do (the Message
    Content intent, permissions, slash commands registered), and the library's health, each with its fix."""
    import asyncio

    import aiohttp
    import discord

    from papers_bot.bot.doctor import check

    try:
        findings = asyncio.run(check(obj.config()))
    except PapersBotError as e:
        _fail(e)
    except discord.LoginFailure as e:
        raise click.ClickException("Discord rejected the token in DISCORD_TOKEN; copy it again from the "
                                   "Developer Portal (Bot > Reset Token)") from e
    except (aiohttp.ClientConnectionError, OSError, TimeoutError) as e:
        raise click.ClickException(f"cannot reach Discord ({e or type(e).__name__})") from e
    for finding in findings:
        click.echo(finding.line())
    problems = sum(not f.ok for f in findings)
    click.echo(f"{problems} thing{'s' * (problems != 1)} to fix." if problems else "All is in place.")
    sys.exit(1 if problems else 0)


def _positive_seconds(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    if not 0 < value < float("inf"):  # (NaN too: no heartbeat is ever older than NaN)
        raise click.BadParameter(f"must be a number of seconds above 0, not {value}")
    return value


@cli.command()
@click.option("--max-age", type=float, default=60.0, show_default=True, callback=_positive_seconds,
              help="Seconds after which a heartbeat counts as missed.")
def health(max_age: float) -> None:
    """Exit 0 if the running bot is healthy (its heartbeat fresh, connected to Discord or reconnecting for less
    than gateway_grace, its library answering), else say why and exit 1: a container's or a supervisor's health
    check. Reads health_file (PAPERS_BOT_HEALTH_FILE)."""
    from papers_bot.bot.client import health_problems

    config = _config()
    if not config.health_file:
        raise click.ClickException("no health_file is configured (PAPERS_BOT_HEALTH_FILE): `run` keeps none")
    problems = health_problems(config.health_file, max_age=max_age, grace=config.gateway_grace)
    for problem in problems:
        click.echo(f"unhealthy: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("healthy")


def _application_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    """--application-id as a snowflake; a wrong one is not echoed (a token pasted in its place is a secret)."""
    try:
        return None if value is None else Config.from_values({"application_id": value}).application_id
    except ConfigError as e:
        raise click.BadParameter(str(e).removeprefix("application_id ")) from e


@cli.command()
@click.option("--application-id", callback=_application_id,
              help="The application's id (default: configured, else the token's).")
def invite(application_id: int | None) -> None:
    """Print the link that adds the bot to a server with the permissions it needs, and what each is for."""
    from papers_bot.bot.permissions import NEEDED, NOT_NEEDED, application_id_of, invite_url, needed

    config = _config()
    application_id = application_id or config.application_id or application_id_of(config.token or "")
    if application_id is None:
        raise click.ClickException(
            "no application id: set application_id (or DISCORD_APPLICATION_ID, or pass --application-id) to the "
            "Application ID on the Developer Portal's General Information page, or set the bot token"
        )
    click.echo(invite_url(application_id))
    click.echo(f"\nOpen it, pick the server, and authorise. It asks for these permissions ({needed().value}):")
    for _flag, name, why in NEEDED:
        click.echo(f"  {name}: to {why}")
    click.echo(f"Not asked for (nothing the bot does needs them): {', '.join(name for _, name in NOT_NEEDED)}.")
    click.echo("Scopes: bot, and applications.commands for the slash commands (then `!sync` once, as the owner).")


@cli.command()
@click.pass_obj
def chat(obj: LibraryContext) -> None:
    """Chat with the bot in the terminal: the same commands and answers, no Discord account needed."""
    from papers_bot.bot.console import chat as run_chat

    try:
        config = obj.config()
        obj.db_path = config.db
        run_chat(obj.library, config, sys.stdin, sys.stdout, prompt=sys.stdin.isatty())
    except PapersBotError as e:
        _fail(e)


def main() -> None:
    # A terminal whose encoding lacks a character (an en dash, a name in another script, a byte the shell passed
    # through undecoded) shows a replacement for it, never a traceback.
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    # SIGTERM and SIGHUP end the command as SIGINT does, through its clean-up: a load is rolled back, and a
    # read-only library's index folder in the temporary folder is removed (the default kills it where it stands).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on)
    cli(prog_name="papers-bot")


def _exit_on(sig: int, _frame: Any) -> None:
    raise SystemExit(128 + sig)


if __name__ == "__main__":
    main()
