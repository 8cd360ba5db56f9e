"""The configuration: a TOML file named by PAPERS_BOT_CONFIG, then the environment (which wins), then defaults.

Every setting is in SETTINGS once, with its environment variable; `papers-bot.example.toml` documents them all
and `papers-bot config check` prints what they resolve to, the token redacted.
"""

from __future__ import annotations

import datetime
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papers_bot.errors import PapersBotError


class ConfigError(PapersBotError):
    """The bot's configuration is incomplete or wrong."""


# (key in the file, its environment variable)
SETTINGS = (
    ("token", "DISCORD_TOKEN"),
    ("application_id", "DISCORD_APPLICATION_ID"),
    ("prefix", "PAPERS_BOT_PREFIX"),
    ("db", "PAPERS_BOT_DB"),
    ("data_dir", "PAPERS_BOT_DATA"),
    ("answer_channels", "PAPERS_BOT_ANSWER_CHANNELS"),
    ("answer_every_message", "PAPERS_BOT_ANSWER_EVERY_MESSAGE"),
    ("admin_role", "PAPERS_BOT_ADMIN_ROLE"),
    ("owner_ids", "PAPERS_BOT_OWNER_IDS"),
    ("cooldown", "PAPERS_BOT_COOLDOWN"),
    ("max_attachment_bytes", "PAPERS_BOT_MAX_ATTACHMENT_BYTES"),
    ("log_level", "PAPERS_BOT_LOG_LEVEL"),
    ("health_file", "PAPERS_BOT_HEALTH_FILE"),
    ("harvest_sets", "PAPERS_BOT_HARVEST_SETS"),
    ("harvest_feeds", "PAPERS_BOT_HARVEST_FEEDS"),
    ("harvest_times", "PAPERS_BOT_HARVEST_TIMES"),
    ("harvest_contact", "PAPERS_BOT_HARVEST_CONTACT"),
    ("harvest_delay", "PAPERS_BOT_HARVEST_DELAY"),
    ("oai_url", "PAPERS_BOT_OAI_URL"),
    ("rss_url", "PAPERS_BOT_RSS_URL"),
    ("follow_role", "PAPERS_BOT_FOLLOW_ROLE"),
    ("announce_revisions", "PAPERS_BOT_ANNOUNCE_REVISIONS"),
    ("api_base", "DISCORD_API_BASE"),
    ("gateway_url", "DISCORD_GATEWAY_URL"),
)
ENVIRONMENT = dict(SETTINGS)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Config:
    token: str | None = field(default=None, repr=False)  # never printed
    application_id: int | None = None  # for `papers-bot invite`; the token names it too
    prefix: str = "!"
    db: str = "papers.db"
    data_dir: Path | None = None  # None: `!reload` re-reads the files the library was loaded from
    answer_channels: frozenset[str] = frozenset()  # channel ids, `server/channel` names, or plain names
    answer_every_message: bool = False  # in answer channels: every message, not only what reads as a question
    admin_role: str | None = None  # a role (id or name) allowed to reload, besides Manage Server
    owner_ids: frozenset[int] = frozenset()  # bot owners; empty: the application's owner
    cooldown_uses: int = 5  # searches and questions per user ...
    cooldown_seconds: float = 30.0  # ... in this many seconds
    max_attachment_bytes: int = 25 * 1024 * 1024
    log_level: str = "INFO"  # of `papers-bot run`
    health_file: str | None = None  # where `run` keeps its heartbeat, for `papers-bot health`
    harvest_sets: tuple[str, ...] = ()  # arXiv OAI-PMH sets to harvest (`cs`, `cs:cs:CV`; `cs.CV` is read so)
    harvest_feeds: tuple[str, ...] = ()  # arXiv categories whose RSS feed of the day's announcements to read
    harvest_times: tuple[datetime.time, ...] = (datetime.time(3, 0),)  # UTC times of day the bot harvests
    harvest_contact: str | None = None  # an e-mail or URL for the User-Agent, as arXiv asks of harvesters
    harvest_delay: float = 3.0  # seconds between requests (arXiv asks at least 3; only a local server gets less)
    oai_url: str = "https://oaipmh.arxiv.org/oai"
    rss_url: str = "https://rss.arxiv.org/rss"
    follow_role: str | None = None  # a role (id or name) that may follow, besides Manage Channels; `everyone`
    announce_revisions: bool = False  # a digest also shows new versions of papers the channel was shown
    api_base: str | None = None
    gateway_url: str | None = None
    file: Path | None = field(default=None, compare=False)  # the file read, if any
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)  # key -> file/environment

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, file: str | Path | None = None) -> Config:
        """The file (`file`, else PAPERS_BOT_CONFIG's), then the environment over it. A relative `db` or
        `data_dir` in the file is relative to the file's folder, so a service finds the same library whatever
        its working directory; from the environment, to the working directory."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        path = Path(file) if file else Path(env["PAPERS_BOT_CONFIG"]) if env.get("PAPERS_BOT_CONFIG") else None
        if path is not None:
            values = _read(path)
            origins = {key: str(path) for key in values}
            for key in ("db", "data_dir", "health_file"):
                if key in values and not Path(str(values[key])).expanduser().is_absolute():
                    values[key] = str(path.resolve().parent / str(values[key]))
            try:
                cls.from_values(values)  # (what is wrong in the file, said with its name)
            except ConfigError as e:
                raise ConfigError(f"{path}: {e}") from e
        for key, name in SETTINGS:
            if env.get(name):
                values[key], origins[key] = env[name], name
        return cls.from_values(values, file=path, origins=origins)

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, file: Path | None = None,
                    origins: Mapping[str, str] | None = None) -> Config:
        unknown = set(values) - set(ENVIRONMENT)
        if unknown:
            raise ConfigError(f"unknown configuration keys: {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(ENVIRONMENT)})")
        as_given = {"token", "prefix", "db", "admin_role", "api_base", "gateway_url", "health_file", "harvest_contact",
                    "oai_url", "rss_url", "follow_role"}
        out: dict[str, Any] = {k: str(v) for k, v in values.items() if k in as_given}
        if "data_dir" in values:
            out["data_dir"] = Path(values["data_dir"]).expanduser()
            if not out["data_dir"].is_dir():
                raise ConfigError(f"data folder {out['data_dir']} does not exist")
        if "answer_channels" in values:
            out["answer_channels"] = frozenset(_channels(values["answer_channels"]))
        if "owner_ids" in values:
            ids = _words(values["owner_ids"])
            out["owner_ids"] = frozenset(_number(x, "owner_ids", "Discord user ids") for x in ids)
        if "application_id" in values:
            out["application_id"] = _number(values["application_id"], "application_id", "a Discord application id")
        if "cooldown" in values:
            try:
                uses, seconds = str(values["cooldown"]).split("/")
                out["cooldown_uses"], out["cooldown_seconds"] = int(uses), float(seconds)
            except ValueError as e:
                raise ConfigError("cooldown must look like USES/SECONDS, e.g. 5/30") from e
        if "max_attachment_bytes" in values:
            out["max_attachment_bytes"] = _number(values["max_attachment_bytes"], "max_attachment_bytes", "bytes")
        if "log_level" in values:
            out["log_level"] = str(values["log_level"]).upper()
            if out["log_level"] not in LOG_LEVELS:
                raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
        if "harvest_sets" in values:
            out["harvest_sets"] = tuple(dict.fromkeys(oai_set(x) for x in _words(values["harvest_sets"])))
        if "harvest_feeds" in values:
            out["harvest_feeds"] = tuple(dict.fromkeys(_words(values["harvest_feeds"])))
        if "harvest_times" in values:
            out["harvest_times"] = tuple(sorted({_time(x) for x in _words(values["harvest_times"])}))
        if "harvest_delay" in values:
            try:
                out["harvest_delay"] = float(values["harvest_delay"])
            except ValueError as e:
                raise ConfigError(f"harvest_delay must be seconds, not {values['harvest_delay']!r}") from e
            if not 0 <= out["harvest_delay"] <= 3600:  # (NaN too)
                raise ConfigError(f"harvest_delay must be 0 to 3600 seconds, not {values['harvest_delay']!r}")
        for key in ("oai_url", "rss_url"):
            if key in out and not out[key].startswith(("http://", "https://")):
                raise ConfigError(f"{key} must be an http(s) URL, not {out[key]!r}")
        if "answer_every_message" in values:
            out["answer_every_message"] = _flag(values["answer_every_message"], "answer_every_message")
        if "announce_revisions" in values:
            out["announce_revisions"] = _flag(values["announce_revisions"], "announce_revisions")
        if "prefix" in out and not out["prefix"].strip():
            raise ConfigError("the command prefix cannot be empty")
        return cls(**out, file=file, origins=dict(origins or {}))

    @property
    def plain_channels(self) -> frozenset[str]:
        """The answer channels named by a plain name: a channel in every server that has one by that name."""
        return frozenset(c for c in self.answer_channels if not c.isdigit() and "/" not in c)

    def describe(self) -> list[str]:
        """Every setting as it resolved, and where from (the token only as set or not)."""
        lines = []
        for key, name in SETTINGS:
            if key == "cooldown":
                shown = repr(f"{self.cooldown_uses}/{self.cooldown_seconds:g}")
            elif key == "harvest_times":
                shown = repr([t.strftime("%H:%M") for t in self.harvest_times])
            elif key == "token":
                shown = "[set, not shown]" if self.token else "[not set: `run` needs it]"
            else:
                value = getattr(self, key)
                shown = repr(sorted(value) if isinstance(value, frozenset) else list(value) if isinstance(value, tuple)
                             else str(value) if isinstance(value, Path) else value)
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
        return found


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration file ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from e


def _number(value: object, key: str, what: str) -> int:
    try:
        return int(str(value))
    except ValueError as e:
        raise ConfigError(f"{key} must be {what} (numbers), not {value!r}") from e


def _words(value: object) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    return [str(x).strip() for x in items if str(x).strip()]


# arXiv's physics archives: their OAI-PMH sets sit under `physics` (`physics:hep-th`, `physics:astro-ph:CO`).
PHYSICS_ARCHIVES = frozenset("astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nlin nucl-ex nucl-th "
                             "physics quant-ph".split())


def oai_set(name: str) -> str:
    """An OAI-PMH set as arXiv names them: `cs`, `cs:cs:CV`, `physics:hep-th`, `physics:astro-ph:CO`; an
    archive or a category written as arXiv writes it (`cs.CV`, `math.AG`, `hep-th`, `astro-ph.CO`) is its set."""
    if ":" in name:
        return name
    archive, dot, rest = name.partition(".")
    if archive in PHYSICS_ARCHIVES:
        return f"physics:{archive}" + (f":{rest}" if dot else "")
    return f"{archive}:{archive}:{rest}" if dot else archive


def _time(value: str) -> datetime.time:
    try:
        at = datetime.time.fromisoformat(value)
    except ValueError as e:
        raise ConfigError(f"harvest_times must be UTC times of day such as 03:00, not {value!r}") from e
    if at.tzinfo is not None:
        raise ConfigError(f"harvest_times are UTC: write {value!r} without its offset, as the UTC time it means")
    return at


def _flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key} must be true or false, not {value!r}")


def _channels(value: object) -> list[str]:
    """Channel ids, `server/channel` (a server's name or id, then the channel's name), or plain names; `#` is
    dropped. A list from the file keeps each item whole; the environment's string is split at commas, and an
    item without a `/` at spaces too (a server's name may hold spaces)."""
    if isinstance(value, (list, tuple)):
        items = [str(x) for x in value]
    else:
        items = [w for part in str(value).split(",") for w in ([part] if "/" in part else part.split())]
    out = []
    for item in (i.strip() for i in items):
        server, slash, channel = item.rpartition("/")
        channel = channel.strip().lstrip("#")
        if channel:
            out.append(f"{server.strip()}/{channel}" if slash else channel)
    return out
