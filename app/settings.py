"""A server's settings: the configuration file's, with what its admins changed from Discord (`/settings`) over
them, kept in the library's database (store/state.py).

Which settings a server may change is OVERRIDABLE; each value is read by the file's own parser
(`config.parse_setting`), so `/settings set` refuses what the file would, with the same message. No Discord here:
the bot asks its `ServerSettingsCache` (`PapersBot.settings_for`) wherever it read the file's value.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papers_bot.config import Config, ConfigError, parse_setting
from papers_bot.errors import PapersBotError
from papers_bot.format import DISCORD
from papers_bot.store import db as store
from papers_bot.store.state import GuildSetting, SettingChange, guild_settings
from papers_bot.text import clip

log = logging.getLogger("papers_bot.settings")

# What a server may change, and what each is (for `/settings show` and the names' autocomplete).
OVERRIDABLE = {
    "prefix": "the command prefix (mentioning the bot works too)",
    "answer_channels": "where questions are answered without mentioning the bot: channels, comma-separated",
    "answer_every_message": "in answer channels, answer every message, not only questions (a channel of its own "
                            "with #channel)",
    "answer_threads": "open a thread on each answer, for follow-ups",
    "admin_role": "a role whose members may reload, besides Manage Server",
    "follow_role": "a role whose members may follow, besides Manage Channels; or everyone",
    "cooldown": "searches and questions per member, USES/SECONDS (5/30)",
}
PER_CHANNEL = frozenset({"answer_every_message"})  # settings a server may set for one channel too
MENTION = re.compile(r"<(?:#|@&)([0-9]{1,20})>")  # a channel's or a role's mention, as Discord writes it


class SettingError(PapersBotError):
    """A server's setting cannot be changed so: the message is ready for Discord (what was typed made inert)."""


def quoted(value: str) -> str:
    """What a member typed, as a code span nothing in it can end (no markdown, no mention shows in one)."""
    return f"`{value.replace('`', 'ˋ')}`"


@dataclass(frozen=True)
class ServerSettings:
    """What one server's bot goes by: the file's settings, with the server's own over them."""

    prefix: str
    answer_channels: frozenset[str]
    answer_every_message: bool
    answer_threads: bool
    admin_role: str | None
    follow_role: str | None
    cooldown_uses: int
    cooldown_seconds: float
    every_message_in: Mapping[str, bool] = field(default_factory=dict)  # channel id -> its own answer_every_message
    own: frozenset[str] = frozenset()  # the settings this server changed

    def every_message(self, channel_id: int | str) -> bool:
        """answer_every_message in one channel: its own, else the server's."""
        return self.every_message_in.get(str(channel_id), self.answer_every_message)


def of_config(config: Config) -> ServerSettings:
    """The settings of a server that changed none (and of DMs)."""
    return ServerSettings(config.prefix, config.answer_channels, config.answer_every_message, config.answer_threads,
                          config.admin_role, config.follow_role, config.cooldown_uses, config.cooldown_seconds)


def normalized(text: str) -> str:
    """A value as typed in Discord, as the file would hold it: a #channel or @role mention becomes its id, and a
    value in double quotes is taken as it is inside them (spaces kept)."""
    text = MENTION.sub(r"\1", text).strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text  # ("pb ": a prefix ending in a space)


def setting_named(name: str) -> str:
    """`name` if a server may change it; else a SettingError naming those it may (and the nearest)."""
    key = name.strip().casefold().replace("-", "_")
    if key in OVERRIDABLE:
        return key
    near = difflib.get_close_matches(key, OVERRIDABLE, n=1)
    hint = f" Did you mean `{near[0]}`?" if near else ""
    raise SettingError(f"There is no server setting {quoted(clip(name, 40))}.{hint} A server can change "
                       f"{', '.join(f'`{k}`' for k in OVERRIDABLE)}.")


def checked(name: str, text: str) -> str:
    """A server's value of setting `name` as stored (mentions as ids), after the file's parser has read it;
    SettingError with the parser's message otherwise."""
    value = normalized(text)
    try:
        parse_setting(name, value)
    except ConfigError as e:
        raise SettingError(f"Not changed: {DISCORD.text(str(e))}") from e
    return value


def effective(config: Config, rows: Iterable[GuildSetting], *,
              unused: Callable[[GuildSetting, str], None] = lambda _row, _why: None) -> ServerSettings:
    """A server's settings: the file's, with its rows over them (a row the parser no longer reads, after an
    upgrade, is passed over and told to `unused`)."""
    values: dict[str, Any] = {}
    channels: dict[str, bool] = {}
    own = set()
    for row in rows:
        if (why := unusable(row)) is not None:
            unused(row, why)
            continue
        parsed = parse_setting(row.setting, row.value)
        own.add(row.setting)
        if row.channel_id:
            channels[row.channel_id] = bool(parsed)
        elif row.setting == "cooldown":
            assert isinstance(parsed, tuple)
            values["cooldown_uses"], values["cooldown_seconds"] = parsed
        else:
            values[row.setting] = parsed
    return dataclasses.replace(of_config(config), **values, every_message_in=channels, own=frozenset(own))


class ServerSettingsCache:
    """Every server's settings, read once from the database and again for a server whose settings changed; a
    look-up never touches the database (it is made for each message)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.default = of_config(config)
        self._servers: dict[str, ServerSettings] = {}
        self._said: set[GuildSetting] = set()  # unusable rows logged already (they are read every minute)

    def _unused(self, row: GuildSetting, why: str) -> None:
        if row not in self._said:
            self._said.add(row)
            log.warning("server %s: its setting %s is not used (the default is): %s", row.guild_id, row.setting, why)

    def load(self, rows: Iterable[GuildSetting]) -> None:
        """Every server's rows (the database's whole table): what was cached before goes."""
        by_guild: dict[str, list[GuildSetting]] = {}
        for row in rows:
            by_guild.setdefault(row.guild_id, []).append(row)
        self._servers = {g: effective(self.config, mine, unused=self._unused) for g, mine in by_guild.items()}

    def changed(self, guild_id: int | str, rows: Iterable[GuildSetting]) -> None:
        """A server's settings changed: its rows as they are now."""
        mine = list(rows)
        if mine:
            self._servers[str(guild_id)] = effective(self.config, mine, unused=self._unused)
        else:
            self._servers.pop(str(guild_id), None)

    def get(self, guild_id: int | str | None) -> ServerSettings:
        if guild_id is None:
            return self.default
        return self._servers.get(str(guild_id), self.default)


def shown(name: str, settings: ServerSettings) -> str:
    """A setting's value as `/settings show` writes it (channels as mentions, which ping no one)."""
    if name == "cooldown":
        return f"{settings.cooldown_uses}/{settings.cooldown_seconds:g}"
    value = getattr(settings, name)
    if name == "answer_channels":
        return ", ".join(f"<#{c}>" if c.isdigit() else c for c in sorted(value)) or "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "not set" if value is None else quoted(str(value))


def show_lines(settings: ServerSettings) -> list[str]:
    """`/settings show`: every setting a server may change, its value here, and whether it is the server's own."""
    lines = []
    for name, about in OVERRIDABLE.items():
        whose = "this server's" if name in settings.own else "the default"
        lines.append(f"`{name}` = {shown(name, settings)} ({whose}): {about}")
        for channel, on in sorted(settings.every_message_in.items()) if name == "answer_every_message" else ():
            lines.append(f"  in <#{channel}>: {'true' if on else 'false'} (this server's)")
    return lines


def change_line(change: SettingChange) -> str:
    """One line of `/settings log`: when, who (a mention, which pings no one), what from what."""
    where = f" in <#{change.channel_id}>" if change.channel_id else ""
    new = "reset to the default" if change.new is None else f"set to {quoted(clip(change.new, 100))}"
    old = "" if change.old is None else f" (was {quoted(clip(change.old, 100))})"
    who = f"<@{change.changed_by}>" if change.changed_by else "someone"
    return f"{change.changed_at[:16].replace('T', ' ')} UTC: {who} {new}{old}: `{change.setting}`{where}"


def unusable(row: GuildSetting) -> str | None:
    """Why a server's stored value is not used (the parser no longer reads it: the default is), or None."""
    try:
        parse_setting(row.setting, row.value)
    except ConfigError as e:
        return str(e)
    return None if row.setting in OVERRIDABLE else "no server may change it"


def override_line(row: GuildSetting) -> str:
    """A server's own setting as `papers-bot config check` and `doctor` show it: value, who set it and when."""
    where = f" in channel {row.channel_id}" if row.channel_id else ""
    problem = unusable(row)
    return (f"{row.setting}{where} = {row.value!r} (set by {row.changed_by} at {row.changed_at})"
            + (f" [not used: {problem}]" if problem else ""))


def stored_overrides(db_path: str | Path) -> list[GuildSetting]:
    """Every server's own settings in the library at `db_path` (read-only; none if it does not exist)."""
    if not Path(db_path).is_file():
        return []
    db = store.open_db(db_path, read_only=True)
    try:
        return guild_settings(db)
    finally:
        db.close()
