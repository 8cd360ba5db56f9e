"""Bot configuration from the environment, optionally from a TOML file (the environment wins)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from papers_bot.errors import PapersBotError


class ConfigError(PapersBotError):
    """The bot's configuration is incomplete or wrong."""


@dataclass(frozen=True)
class Config:
    token: str | None = field(default=None, repr=False)  # never printed
    prefix: str = "!"
    db: str = "papers.db"
    data_dir: Path | None = None  # None: `!reload` re-reads the files the library was loaded from
    answer_channels: frozenset[str] = frozenset()  # channel ids or names where questions get answers
    admin_role: str | None = None  # a role (id or name) allowed to reload, besides Manage Server
    owner_ids: frozenset[int] = frozenset()  # bot owners; empty: the application's owner
    cooldown_uses: int = 5  # searches and questions per user ...
    cooldown_seconds: float = 30.0  # ... in this many seconds
    max_attachment_bytes: int = 25 * 1024 * 1024
    api_base: str | None = None
    gateway_url: str | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        values: dict = {}
        path = env.get("PAPERS_BOT_CONFIG")
        if path:
            try:
                values.update(tomllib.loads(Path(path).read_text()))
            except (OSError, tomllib.TOMLDecodeError) as e:
                raise ConfigError(f"{path}: cannot read the configuration file ({e})") from e
        names = {
            "DISCORD_TOKEN": "token",
            "PAPERS_BOT_PREFIX": "prefix",
            "PAPERS_BOT_DB": "db",
            "PAPERS_BOT_DATA": "data_dir",
            "PAPERS_BOT_ANSWER_CHANNELS": "answer_channels",
            "PAPERS_BOT_ADMIN_ROLE": "admin_role",
            "PAPERS_BOT_OWNER_IDS": "owner_ids",
            "PAPERS_BOT_COOLDOWN": "cooldown",
            "DISCORD_API_BASE": "api_base",
            "DISCORD_GATEWAY_URL": "gateway_url",
        }
        values.update({key: env[name] for name, key in names.items() if env.get(name)})
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values: Mapping) -> Config:
        known = {"token", "prefix", "db", "data_dir", "answer_channels", "admin_role", "owner_ids", "cooldown",
                 "max_attachment_bytes", "api_base", "gateway_url"}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown configuration keys: {', '.join(sorted(unknown))}")
        as_given = {"token", "prefix", "db", "admin_role", "api_base", "gateway_url"}
        out: dict = {k: v for k, v in values.items() if k in as_given}
        if "data_dir" in values:
            out["data_dir"] = Path(values["data_dir"]).expanduser()
            if not out["data_dir"].is_dir():
                raise ConfigError(f"data folder {out['data_dir']} does not exist")
        if "answer_channels" in values:
            out["answer_channels"] = frozenset(_words(values["answer_channels"]))
        if "owner_ids" in values:
            try:
                out["owner_ids"] = frozenset(int(x) for x in _words(values["owner_ids"]))
            except ValueError as e:
                raise ConfigError("owner_ids must be Discord user ids (numbers)") from e
        if "cooldown" in values:
            try:
                uses, seconds = str(values["cooldown"]).split("/")
                out["cooldown_uses"], out["cooldown_seconds"] = int(uses), float(seconds)
            except ValueError as e:
                raise ConfigError("cooldown must look like USES/SECONDS, e.g. 5/30") from e
        if "max_attachment_bytes" in values:
            out["max_attachment_bytes"] = int(values["max_attachment_bytes"])
        if "prefix" in out and not str(out["prefix"]).strip():
            raise ConfigError("the command prefix cannot be empty")
        return cls(**out)


def _words(value: object) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    return [str(x).strip().lstrip("#") for x in items if str(x).strip()]
