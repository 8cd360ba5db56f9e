"""The configuration: a TOML file named by PAPERS_BOT_CONFIG, then the environment (which wins), then defaults.

Every setting is in SETTINGS once, with its environment variable, and in PARSERS once, with what checks and
reads it; `papers-bot.example.toml` documents them all and `papers-bot config check` prints what they resolve
to (the token redacted), or every problem at once, each with the file and line or the variable it is in.
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from papers_bot.errors import PapersBotError
from papers_bot.text import clip, redact_url


class ConfigError(PapersBotError):
    """The bot's configuration is incomplete or wrong."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        many = f"{len(self.problems)} problems in the configuration:\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(self.problems[0] if len(self.problems) == 1 else many)


# (key in the file, its environment variable)
SETTINGS = (
    ("token", "DISCORD_TOKEN"),
    ("application_id", "DISCORD_APPLICATION_ID"),
    ("prefix", "PAPERS_BOT_PREFIX"),
    ("db", "PAPERS_BOT_DB"),
    ("data_dir", "PAPERS_BOT_DATA"),
    ("answer_channels", "PAPERS_BOT_ANSWER_CHANNELS"),
    ("answer_every_message", "PAPERS_BOT_ANSWER_EVERY_MESSAGE"),
    ("answer_threads", "PAPERS_BOT_ANSWER_THREADS"),
    ("admin_role", "PAPERS_BOT_ADMIN_ROLE"),
    ("owner_ids", "PAPERS_BOT_OWNER_IDS"),
    ("cooldown", "PAPERS_BOT_COOLDOWN"),
    ("max_attachment_bytes", "PAPERS_BOT_MAX_ATTACHMENT_BYTES"),
    ("log_level", "PAPERS_BOT_LOG_LEVEL"),
    ("health_file", "PAPERS_BOT_HEALTH_FILE"),
    ("gateway_grace", "PAPERS_BOT_GATEWAY_GRACE"),
    ("harvest_sets", "PAPERS_BOT_HARVEST_SETS"),
    ("harvest_feeds", "PAPERS_BOT_HARVEST_FEEDS"),
    ("harvest_times", "PAPERS_BOT_HARVEST_TIMES"),
    ("harvest_contact", "PAPERS_BOT_HARVEST_CONTACT"),
    ("harvest_delay", "PAPERS_BOT_HARVEST_DELAY"),
    ("oai_url", "PAPERS_BOT_OAI_URL"),
    ("rss_url", "PAPERS_BOT_RSS_URL"),
    ("follow_role", "PAPERS_BOT_FOLLOW_ROLE"),
    ("announce_revisions", "PAPERS_BOT_ANNOUNCE_REVISIONS"),
    ("shard_count", "PAPERS_BOT_SHARD_COUNT"),
    ("shard_ids", "PAPERS_BOT_SHARD_IDS"),
    ("api_base", "DISCORD_API_BASE"),
    ("gateway_url", "DISCORD_GATEWAY_URL"),
    ("error_channel", "PAPERS_BOT_ERROR_CHANNEL"),
    ("error_webhook", "PAPERS_BOT_ERROR_WEBHOOK"),
    ("unhealthy_exit", "PAPERS_BOT_UNHEALTHY_EXIT"),
)
ENVIRONMENT = dict(SETTINGS)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
URL_SETTINGS = ("oai_url", "rss_url", "api_base", "gateway_url")  # shown through redact_url, never whole
ASKED_OF = {"harvest_sets": "oai_url", "harvest_feeds": "rss_url"}  # where each harvest setting is looked for
MAX_FILE_BYTES = 1_000_000  # a configuration file is a few kB: more is not one (or is /dev/zero)
MAX_COOLDOWN_USES = 1000
MAX_PREFIX = 20  # characters
MAX_COOLDOWN_SECONDS = 86400.0
MAX_ATTACHMENT_BYTES = 1 << 30  # attachments are held in memory while they load
MAX_HARVEST_DELAY = 3600.0
MAX_GATEWAY_GRACE = 86400.0
MAX_UNHEALTHY_EXIT = 86400.0
# A webhook's address, as Discord shows it (Server Settings > Integrations > Webhooks > Copy Webhook URL).
WEBHOOK_URL = re.compile(r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/[0-9]{17,20}/"
                         r"[A-Za-z0-9._-]{60,}")
MAX_SHARDS = 65536  # (Discord's largest bots run a few thousand shards)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}")  # a Discord bot token's form


@dataclass(frozen=True)
class Config:
    token: str | None = field(default=None, repr=False)  # never printed
    application_id: int | None = None  # for `papers-bot invite`; the token names it too
    prefix: str = "!"
    db: str = "papers.db"
    data_dir: Path | None = None  # None: `!reload` re-reads the files the library was loaded from
    answer_channels: frozenset[str] = frozenset()  # channel ids, `server/channel` names, or plain names
    answer_every_message: bool = False  # in answer channels: every message, not only what reads as a question
    answer_threads: bool = True  # a thread is opened on each answer in a channel, for follow-ups
    admin_role: str | None = None  # a role (id or name) allowed to reload, besides Manage Server
    owner_ids: frozenset[int] = frozenset()  # bot owners; empty: the application's owner
    cooldown_uses: int = 5  # searches and questions per user ...
    cooldown_seconds: float = 30.0  # ... in this many seconds
    max_attachment_bytes: int = 25 * 1024 * 1024
    log_level: str = "INFO"  # of `papers-bot run`
    health_file: str | None = None  # where `run` keeps its heartbeat, for `papers-bot health`
    gateway_grace: float = 120.0  # seconds without Discord's gateway `papers-bot health` lets pass as a reconnect
    harvest_sets: tuple[str, ...] = ()  # arXiv OAI-PMH sets to harvest (`cs`, `cs:cs:CV`; `cs.CV` is read so)
    harvest_feeds: tuple[str, ...] = ()  # arXiv categories whose RSS feed of the day's announcements to read
    harvest_times: tuple[datetime.time, ...] = (datetime.time(3, 0),)  # UTC times of day the bot harvests
    harvest_contact: str | None = None  # an e-mail or URL for the User-Agent, as arXiv asks of harvesters
    harvest_delay: float = 3.0  # seconds between requests (arXiv asks at least 3; only a local server gets less)
    oai_url: str = "https://oaipmh.arxiv.org/oai"
    rss_url: str = "https://rss.arxiv.org/rss"
    follow_role: str | None = None  # a role (id or name) that may follow, besides Manage Channels; `everyone`
    announce_revisions: bool = False  # a digest also shows new versions of papers the channel was shown
    shard_count: int | Literal["auto"] | None = None  # the bot's shards: a number, "auto" (Discord's); None: one
    shard_ids: tuple[int, ...] = ()  # the shards this process runs (with shard_count); empty: all of them
    api_base: str | None = None
    gateway_url: str | None = None
    error_channel: int | None = None  # where error reports go; None: to the owners by DM
    error_webhook: str | None = field(default=None, repr=False)  # or this webhook (its address is a secret)
    unhealthy_exit: float = 600.0  # seconds unhealthy (as `papers-bot health` says) before `run` exits; 0: never
    file: Path | None = field(default=None, compare=False)  # the file read, if any
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)  # key -> file/environment

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, file: str | Path | None = None) -> Config:
        """The file (`file`, else PAPERS_BOT_CONFIG's), then the environment over it. A relative `db`,
        `data_dir` or `health_file` in the file is relative to the file's folder, so a service finds the same
        library whatever its working directory; from the environment, to the working directory.

        Every value given is checked, the file's even where the environment overrides it, and every problem is
        raised at once in one ConfigError."""
        env = os.environ if environ is None else environ
        path = Path(file) if file else Path(env["PAPERS_BOT_CONFIG"]) if env.get("PAPERS_BOT_CONFIG") else None
        values: dict[str, Any] = {}
        where: dict[str, str] = {}
        if path is not None:
            values, lines = _read(path)
            where = {key: f"{path}:{lines[key]}" if key in lines else str(path) for key in values}
            for key in ("db", "data_dir", "health_file"):
                if isinstance(values.get(key), str) and not Path(values[key]).expanduser().is_absolute():
                    values[key] = str(path.resolve().parent / values[key])
        out, problems = _parse(values, where)
        given = {key: env[name] for key, name in SETTINGS if env.get(name)}
        env_where = {key: f"environment variable {ENVIRONMENT[key]}" for key in given}
        from_env, env_problems = _parse(given, env_where)
        origins = {key: str(path) for key in values} | {key: ENVIRONMENT[key] for key in given}
        return cls._made(out | from_env, problems + env_problems, where | env_where, file=path, origins=origins)

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, file: Path | None = None,
                    origins: Mapping[str, str] | None = None) -> Config:
        """The configuration of these file-like values (`key: value`), every problem raised at once."""
        where = dict(origins or {})
        out, problems = _parse(values, where)
        return cls._made(out, problems, where, file=file, origins=where)

    @classmethod
    def _made(cls, out: dict[str, Any], problems: list[str], where: Mapping[str, str], *, file: Path | None,
              origins: Mapping[str, str]) -> Config:
        if "cooldown" in out:
            out["cooldown_uses"], out["cooldown_seconds"] = out.pop("cooldown")
        config = cls(**out, file=file, origins=dict(origins))
        problems.extend(f"{_at(where, 'shard_ids')}{problem}" for problem in config.shard_problems())
        if (clash := config.health_file_clash()) is not None:
            problems.append(f"{_at(where, 'health_file')}health_file is {config.health_file}, {clash}: the heartbeat "
                            "would overwrite it; name a file of its own")
        for key, names in config.unknown_to_arxiv().items():
            if _is_arxiv(getattr(config, ASKED_OF[key])):
                shown = ", ".join(map(arxiv_name, names))
                problems.append(f"{_at(where, key)}{key} names what arXiv does not have: {shown} (see "
                                "https://arxiv.org/category_taxonomy)")
        if problems:
            raise ConfigError(problems)
        return config

    def health_file_clash(self) -> str | None:
        """What the health file would overwrite (the database, its journal, its index, this file), or None."""
        if self.health_file is None:
            return None
        health = Path(self.health_file).expanduser().resolve()
        db = Path(self.db).expanduser().resolve()
        named = {db: "the database", Path(f"{db}-wal"): "the database's journal", Path(f"{db}-shm"): "the "
                 "database's journal", **({self.file.resolve(): "the configuration file"} if self.file else {})}
        for path, what in named.items():
            if health == path or (path.exists() and health.exists() and os.path.samefile(health, path)):
                return what
        if health.is_relative_to(Path(f"{db}.index")):
            return "in the database's index"
        return None

    def shard_problems(self) -> list[str]:
        """What is wrong with shard_ids given shard_count (each is checked alone where it is read)."""
        if not self.shard_ids:
            return []
        if self.shard_count is None or self.shard_count == "auto":
            return ["shard_ids needs shard_count set to a number: the shards of how many these are"]
        assert isinstance(self.shard_count, int)
        if too_big := [i for i in self.shard_ids if i >= self.shard_count]:
            return [f"shard_ids {', '.join(map(str, too_big))} not below shard_count {self.shard_count} (shards are "
                    f"numbered from 0 to {self.shard_count - 1})"]
        return []

    @property
    def plain_channels(self) -> frozenset[str]:
        """The answer channels named by a plain name: a channel in every server that has one by that name."""
        return frozenset(c for c in self.answer_channels if not c.isdigit() and "/" not in c)

    def unknown_to_arxiv(self) -> dict[str, list[str]]:
        """Sets and feeds arXiv does not have, by setting (fine for another server: a mirror, a test's)."""
        found = {"harvest_sets": [s for s in self.harvest_sets if not known_set(s)],
                 "harvest_feeds": [f for f in self.harvest_feeds if not known_feed(f)]}
        return {key: names for key, names in found.items() if names}

    def describe(self) -> list[str]:
        """Every setting as it resolved, and where from (the token only as set or not, addresses redacted)."""
        lines = []
        for key, name in SETTINGS:
            if key == "cooldown":
                shown = repr(f"{self.cooldown_uses}/{self.cooldown_seconds:g}")
            elif key == "harvest_times":
                shown = repr([t.isoformat("minutes" if not t.second else "seconds") for t in self.harvest_times])
            elif key == "token":
                shown = "[set, not shown]" if self.token else "[not set: `run` needs it]"
            elif key == "error_webhook":
                shown = "[set, not shown]" if self.error_webhook else "None"
            else:
                value = getattr(self, key)
                if key in URL_SETTINGS and value is not None:
                    value = redact_url(value)
                shown = repr(sorted(value) if isinstance(value, frozenset) else list(value) if isinstance(value, tuple)
                             else str(value) if isinstance(value, Path) else value)
            if key != "token" and (TOKEN_SHAPE.search(shown) or (self.token and self.token in shown)):
                shown = "[looks like a bot token: not shown]"  # (pasted into the wrong setting)
            where = f"from {self.origins[key]}" if key in self.origins else "default"
            lines.append(f"{key} = {shown}  ({where}; env {name})")
        return lines

    def warnings(self) -> list[str]:
        """What works but should not be left so."""
        found = []
        if self.file is not None and self.origins.get("token") == str(self.file):
            mode = self.file.stat().st_mode
            if mode & (stat.S_IRGRP | stat.S_IROTH):
                found.append(f"{self.file} holds the bot token and other users can read it: chmod 600 {self.file}")
        if not Path(self.db).is_absolute() and "db" not in self.origins:
            found.append(f"db is the default {self.db!r}, in the working directory ({Path.cwd()}): a service "
                         "started elsewhere would make a new library; set an absolute db")
        if plain := sorted(self.plain_channels):
            found.append(f"answer_channels {', '.join(plain)} name a channel in every server that has one; write "
                         "`server/channel` or the channel id to mean one (a name two servers share is not used)")
        for key, names in self.unknown_to_arxiv().items():
            found.append(f"{key} {', '.join(names)}: arXiv has no such set or category; kept, as {ASKED_OF[key]} is "
                         f"not arXiv's ({redact_url(getattr(self, ASKED_OF[key]))})")
        return found


def _read(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The file's settings, and the line each key is on. Only a regular file of at most MAX_FILE_BYTES is read
    (opened without waiting, so a FIFO or a device named by mistake is refused, not read for ever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ConfigError(f"{path}: not a regular file; name the TOML configuration file")
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: over {MAX_FILE_BYTES:,} bytes, too big for a configuration file")
        text = data.decode()
        values = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration file ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from e
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if found := re.match(r"""\s*["']?([A-Za-z0-9_-]+)["']?\s*=""", line):
            lines.setdefault(found.group(1), number)
    return values, lines


class _Invalid(Exception):
    """A value that is not right for its setting; the message follows the setting's name."""


def _at(where: Mapping[str, str], key: str) -> str:
    """Where `key`'s value came from, as a problem with it starts: `file:line: `, `environment variable X: `."""
    return f"{where[key]}: " if key in where else ""


def parse_setting(key: str, value: object) -> Any:
    """One setting's value as its Config field (`cooldown`: (uses, seconds)), read by the parser the file's is;
    ConfigError saying what is wrong, as for the file but without a where (a server's `/settings set`)."""
    out, problems = _parse({key: value}, {})
    if problems:
        raise ConfigError(problems)
    return out[key]


def _parse(values: Mapping[str, Any], where: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The Config fields of `values`, and every problem with them (each prefixed by its `where`)."""
    out: dict[str, Any] = {}
    problems = []
    for key, value in values.items():
        parser = PARSERS.get(key)
        if parser is None:
            near = difflib.get_close_matches(key, ENVIRONMENT, n=1)
            hint = f"; did you mean {near[0]}?" if near else f" (known: {', '.join(ENVIRONMENT)})"
            problems.append(f"{_at(where, key)}unknown key {key}{hint}")
            continue
        try:
            out[key] = parser(value)
        except _Invalid as e:
            problems.append(f"{_at(where, key)}{key} {e}")
    return out, problems


def _shown(value: object) -> str:
    """A value as an error shows it: quoted, and short."""
    return clip(repr(value), 80)


def _control(text: str) -> bool:
    """A control character, or an invisible one that changes how text reads (U+200B, U+202E, U+2028...)."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 or unicodedata.category(c) in ("Cf", "Zl", "Zp") for c in text)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be text (in quotes), not {type(value).__name__} {_shown(value)}")
    if _control(value):
        raise _Invalid(f"has a control character (a line break, a tab...) in it: {_shown(value)}")
    return value


def _name(value: object) -> str:
    text = _text(value).strip()
    if not text:
        raise _Invalid("cannot be empty")
    return text


def _token(value: object) -> str:
    # Never echoed, whatever is wrong with it: an error message ends up in logs and terminals.
    if not isinstance(value, str):
        raise _Invalid(f"must be text (in quotes), not {type(value).__name__} (the value is not shown)")
    token = value.strip()
    if not token or not all("!" <= c <= "~" for c in token):  # (Discord's tokens are printable ASCII)
        raise _Invalid("is empty or has a space, line break or other character no token has (the token is not "
                       "shown; copied with more than the token?): copy it again from the Developer Portal (Bot > "
                       "Reset Token)")
    return token


def _snowflake(value: object) -> int:
    """A Discord id: digits, at most 20 (2**64). Not echoed when wrong: a token pasted in its place is a secret."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,20}", text) or not 0 < int(text) < 2**64:
        raise _Invalid("must be a Discord id, up to 20 digits (what was given is not shown: it may be a token)")
    return int(text)


def _prefix(value: object) -> str:
    text = _text(value)  # (as given: a prefix may end in a space)
    if not text.strip():
        raise _Invalid("cannot be empty")
    if len(text) > MAX_PREFIX:  # (every reply that names a command repeats it: within Discord's 2,000)
        raise _Invalid(f"is at most {MAX_PREFIX} characters, not {len(text):,}")
    return text


def _ids(value: object) -> frozenset[int]:
    return frozenset(_snowflake(x) for x in (value if isinstance(value, list) else _words(value)))


def _words(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [_text(x) for x in value]
    else:
        items = _text(value).replace(",", " ").split()
    return [x.strip() for x in items if x.strip()]


def _whole(value: object, low: int, high: int) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[+-]?[0-9]+", text) or not low <= int(text) <= high:
        raise _Invalid(f"must be a whole number from {low:,} to {high:,}, not {_shown(value)}")
    return int(text)


def _seconds(value: object, low: float, high: float) -> float:
    """A number of seconds in [low, high]: never NaN or infinite (a wait of either overflows where it is used)."""
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise _Invalid(f"must be seconds from {low:g} to {high:g}, not {_shown(value)}")
    return seconds


def _cooldown(value: object) -> tuple[int, float]:
    uses, slash, seconds = (value if isinstance(value, str) else "").partition("/")
    try:
        parsed = _whole(uses, 1, MAX_COOLDOWN_USES), _seconds(seconds, 0, MAX_COOLDOWN_SECONDS)
    except _Invalid:
        parsed = None
    if not slash or parsed is None or parsed[1] == 0:  # (no time: every use would be its own window)
        raise _Invalid(f"must look like USES/SECONDS, e.g. 5/30: USES from 1 to {MAX_COOLDOWN_USES}, SECONDS above "
                       f"0 and at most {MAX_COOLDOWN_SECONDS:g}; not {_shown(value)}")
    return parsed


def _folder(value: object) -> Path:
    folder = Path(_name(value)).expanduser()
    if not folder.is_dir():
        raise _Invalid(f"is {folder}, a data folder that does not exist")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise _Invalid(f"is {folder}, a folder this user cannot read")
    return folder


def _file_in_folder(value: object) -> str:
    """A file the bot writes: its folder must be there (it is not made, so a typo does not make a library)."""
    text = _name(value)
    path = Path(text).expanduser()
    if path.is_dir():
        raise _Invalid(f"is {path}, a folder: name a file")
    if not path.parent.is_dir():
        raise _Invalid(f"is {path}, in {path.parent}, a folder that does not exist (create it, or fix the path)")
    if path.exists() and not path.is_file():
        raise _Invalid(f"is {path}, which is not a regular file (a device or a pipe): name a file")
    return text


def _url(*schemes: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        url = _text(value).strip()
        try:
            parts = urlsplit(url)
            ok = parts.scheme in schemes and bool(parts.hostname) and (parts.port or 0) >= 0
        except ValueError:
            ok = False
        if not ok:
            raise _Invalid(f"must be a URL ({'/'.join(schemes)}) with a host, not {redact_url(url)!r}")
        return url

    return parse


def _webhook(value: object) -> str:
    # Never echoed: the address holds the webhook's token, which lets anyone post as it.
    url = value.strip() if isinstance(value, str) else ""
    if not WEBHOOK_URL.fullmatch(url):
        raise _Invalid("must be a Discord webhook's address, https://discord.com/api/webhooks/ID/TOKEN (what was "
                       "given is not shown: it may hold a secret)")
    return url


def _log_level(value: object) -> str:
    level = _text(value).strip().upper()
    if level not in LOG_LEVELS:
        raise _Invalid(f"must be one of {', '.join(LOG_LEVELS)}, not {_shown(value)}")
    return level


def _sets(value: object) -> tuple[str, ...]:
    sets = tuple(dict.fromkeys(oai_set(x) for x in _words(value)))
    for name in sets:  # (the OAI-PMH setSpec syntax; whether arXiv has it is checked against oai_url)
        if not re.fullmatch(r"[A-Za-z0-9._~*'()!-]+(:[A-Za-z0-9._~*'()!-]+)*", name):
            raise _Invalid(f"has {name!r}, not an OAI-PMH set name (cs, cs:cs:CV or cs.CV)")
    return sets


def _feeds(value: object) -> tuple[str, ...]:
    feeds = tuple(dict.fromkeys(_words(value)))
    for name in feeds:
        if not re.fullmatch(r"[A-Za-z-]+(\.[A-Za-z-]+)?(\+[A-Za-z-]+(\.[A-Za-z-]+)?)*", name):
            raise _Invalid(f"has {name!r}, not an arXiv category (cs.CV) or archive (cs)")
    return feeds


def _times(value: object) -> tuple[datetime.time, ...]:
    items = value if isinstance(value, list) else [value]
    times = {_whole_second(t) for t in items if isinstance(t, datetime.time)}  # (a TOML time, 03:00:00, unquoted)
    texts = [word for t in items if not isinstance(t, datetime.time) for word in _words(t)]
    return tuple(sorted(times | {_time(x) for x in texts}))


def _time(value: str) -> datetime.time:
    try:
        at = datetime.time.fromisoformat(value)
    except ValueError as e:
        raise _Invalid(f"must be UTC times of day such as 03:00, not {_shown(value)}") from e
    if at.tzinfo is not None:
        raise _Invalid(f"are UTC: write {value!r} without its offset, as the UTC time it means")
    return _whole_second(at)


def _whole_second(at: datetime.time) -> datetime.time:
    if at.microsecond:  # (the schedule is kept to the second: a fraction would be dropped without a word)
        raise _Invalid(f"are kept to the second: write {at.isoformat('seconds')}, not {at.isoformat()}")
    return at


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise _Invalid(f"must be true or false, not {_shown(value)}")


def _shard_count(value: object) -> int | Literal["auto"]:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return _whole(value, 1, MAX_SHARDS)
    except _Invalid:
        raise _Invalid(f"must be \"auto\" or a whole number from 1 to {MAX_SHARDS:,}, not {_shown(value)}") from None


def _shard_ids(value: object) -> tuple[int, ...]:
    items = value if isinstance(value, list) else _words(value)
    return tuple(sorted({_whole(x, 0, MAX_SHARDS - 1) for x in items}))


def _channels(value: object) -> frozenset[str]:
    """Channel ids, `server/channel` (a server's name or id, then the channel's name), or plain names; `#` is
    dropped. A list from the file keeps each item whole; the environment's string is split at commas, and an
    item without a `/` at spaces too (a server's name may hold spaces)."""
    if isinstance(value, (list, tuple)):
        items = [_text(x) for x in value]
    else:
        items = [w for part in _text(value).split(",") for w in ([part] if "/" in part else part.split())]
    out = []
    for item in (i.strip() for i in items):
        server, slash, channel = item.rpartition("/")
        channel = channel.strip().lstrip("#")
        if channel:
            out.append(f"{server.strip()}/{channel}" if slash else channel)
    return frozenset(out)


# How each setting is checked and read: a function of the value as given (TOML's, or the environment's text)
# that returns its Config field or raises _Invalid saying what is wrong. `cooldown` gives (uses, seconds).

PARSERS: dict[str, Callable[[Any], Any]] = {
    "token": _token,
    "application_id": _snowflake,
    "prefix": _prefix,
    "db": _file_in_folder,
    "data_dir": _folder,
    "answer_channels": _channels,
    "answer_every_message": _flag,
    "answer_threads": _flag,
    "admin_role": _name,
    "owner_ids": _ids,
    "cooldown": _cooldown,
    "max_attachment_bytes": lambda value: _whole(value, 0, MAX_ATTACHMENT_BYTES),
    "log_level": _log_level,
    "health_file": _file_in_folder,
    "gateway_grace": lambda value: _seconds(value, 0, MAX_GATEWAY_GRACE),
    "harvest_sets": _sets,
    "harvest_feeds": _feeds,
    "harvest_times": _times,
    "harvest_contact": _name,
    "harvest_delay": lambda value: _seconds(value, 0, MAX_HARVEST_DELAY),
    "oai_url": _url("http", "https"),
    "rss_url": _url("http", "https"),
    "follow_role": _name,
    "announce_revisions": _flag,
    "shard_count": _shard_count,
    "shard_ids": _shard_ids,
    "api_base": _url("http", "https"),
    "gateway_url": _url("ws", "wss", "http", "https"),
    "error_channel": _snowflake,
    "error_webhook": _webhook,
    "unhealthy_exit": lambda value: _seconds(value, 0, MAX_UNHEALTHY_EXIT),
}
assert set(PARSERS) == set(ENVIRONMENT)


# -- arXiv's archives and categories (https://arxiv.org/category_taxonomy), to check harvest_sets and
# harvest_feeds when they are asked of arXiv itself.

# An archive's categories, as `archive: SUB SUB ...` (`cs.CV`); an archive without a colon has none.
TAXONOMY = """
cs: AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL RO SC
    SD SE SI SY
econ: EM GN TH
eess: AS IV SP SY
math: AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST
astro-ph: CO EP GA HE IM SR
cond-mat: dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con
nlin: AO CD CG PS SI
physics: acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph geo-ph
    hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph
q-bio: BM CB GN MN NC OT PE QM SC TO
q-fin: CP EC GN MF PM PR RM ST TR
stat: AP CO ME ML OT TH
gr-qc
hep-ex
hep-lat
hep-ph
hep-th
math-ph
nucl-ex
nucl-th
quant-ph
"""
_ARCHIVES: dict[str, frozenset[str]] = {
    archive.strip(): frozenset(subs.split())
    for archive, _, subs in (entry.partition(":") for entry in re.split(r"\n(?=\S)", TAXONOMY.strip()))
}
CATEGORIES = frozenset(a for a, subs in _ARCHIVES.items() if not subs) | {
    f"{a}.{s}" for a, subs in _ARCHIVES.items() for s in subs}
# arXiv's physics archives: their OAI-PMH sets sit under `physics` (`physics:hep-th`, `physics:astro-ph:CO`).
PHYSICS_ARCHIVES = frozenset(a for a in _ARCHIVES if a not in ("cs", "econ", "eess", "math", "q-bio", "q-fin",
                                                                "stat"))
GROUPS = frozenset({"physics", *(a for a in _ARCHIVES if a not in PHYSICS_ARCHIVES)})  # OAI-PMH's top sets


def oai_set(name: str) -> str:
    """An OAI-PMH set as arXiv names them: `cs`, `cs:cs:CV`, `physics:hep-th`, `physics:astro-ph:CO`; an
    archive or a category written as arXiv writes it (`cs.CV`, `math.AG`, `hep-th`, `astro-ph.CO`) is its set."""
    if ":" in name:
        return name
    archive, dot, rest = name.partition(".")
    if archive in PHYSICS_ARCHIVES:
        return f"physics:{archive}" + (f":{rest}" if dot else "")
    return f"{archive}:{archive}:{rest}" if dot else archive


def arxiv_name(name: str) -> str:
    """A set as arXiv's category or archive name, as people write it (`cs:cs:CV` -> `cs.CV`), else as it is."""
    group, _, rest = name.partition(":")
    archive, _, sub = rest.partition(":")
    if not archive or ":" in sub:
        return name
    if group == "physics" or group == archive:
        return f"{archive}.{sub}" if sub else archive
    return name


def known_set(name: str) -> bool:
    """Whether arXiv's OAI-PMH interface has the set `name`: a group, a physics archive, or a category."""
    parts = name.split(":")
    if len(parts) == 1:
        return name in GROUPS
    group, archive, *sub = parts
    if len(sub) > 1 or archive not in _ARCHIVES or (group == "physics") != (archive in PHYSICS_ARCHIVES):
        return False
    if group != "physics" and group != archive:
        return False
    return f"{archive}.{sub[0]}" in CATEGORIES if sub else group == "physics"


def known_feed(name: str) -> bool:
    """Whether arXiv has an RSS feed `name`: archives and categories, alone or joined by `+`."""
    return all(part in CATEGORIES or part in _ARCHIVES for part in name.split("+"))


def _is_arxiv(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "arxiv.org" or host.endswith(".arxiv.org")
