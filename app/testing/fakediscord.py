"""A small in-process fake of Discord (REST v10 + JSON gateway) for end-to-end tests of the bot.

The unmodified discord.py client connects to it as if it were Discord: it logs in over REST, opens the
gateway websocket (a session per shard), receives READY and GUILD_CREATE for its guilds (one, unless tests
`add_guild` more; each shard gets those Discord would route to it), then reacts to the MESSAGE_CREATE and
INTERACTION_CREATE events that tests inject with `send_message`, `slash` and `click`. Everything the bot
sends back is checked against Discord's documented limits and recorded in `posted`, and each reply (or
interaction response) in `answers` under the message it answers. `rate_limit` makes routes answer as Discord's
per-route limits do: X-RateLimit-* headers, and a 429 with retry_after past the limit. A message's nonce with
enforce_nonce is honoured for `nonce_window` seconds (the same nonce returns the first message, no copy), and
`fail_after_create` answers a create with a 5xx after carrying it out. The gateway misbehaves on
request as Discord's does: `drop` (abruptly, or with a close code), `send_reconnect` (op 7), `invalidate_session`
(op 9), `go_down` and `come_back`; a RESUME gets the events the session missed, then RESUMED, unless
`refuse_resume` (op 9, not resumable: the client identifies again). `sessions` records each.

Payload shapes follow what discord.py reads (gateway.py, state.py, http.py, interactions.py,
webhook/async_.py). Fields it merely tolerates are still sent where Discord sends them, so code that
inspects them sees realistic data.

    fake = FakeDiscord()
    await fake.start()
    with point_discord_py_at(fake):          # or DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url
        async with run_client(bot, fake):
            await fake.send_message("general", "member", "!ping")
            (post,) = await fake.wait_for_posts(1)
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import mimetypes
import re
import secrets
import time
import traceback
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, WSMsgType, web

Json = dict[str, Any]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
HEARTBEAT_INTERVAL_MS = 41250
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

GATEWAY_MESSAGE_CONTENT = 1 << 19  # application flag: Message Content intent enabled in the developer portal
INTENT_MESSAGE_CONTENT = 1 << 15  # gateway intent bit the client requests in IDENTIFY

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
READ_MESSAGE_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
MANAGE_THREADS = 1 << 34
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1
# Roughly @everyone in a fresh server: chat, embed, upload, react, threads, app commands.
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 18, 31, 35, 38))

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15
EDITABLE_FLAGS = (1 << 2) | (1 << 12) | IS_COMPONENTS_V2  # suppress embeds/notifications, components v2


class DiscordError(Exception):
    """Raised by a route handler to answer with Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors, self.reason = status, code, message, errors, reason

    def response(self) -> web.Response:
        body: Json = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return json_response(body, status=self.status)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py decodes a body only if Content-Type is exactly "application/json"; aiohttp's json_response
    # appends "; charset=utf-8", which would hand the client a str instead of a dict.
    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Time-based, strictly increasing ids, so `created_at` on discord.py objects is plausible."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        self._last = max((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22, self._last + 1)
        return self._last


# ------------------------------------------------------------------------------------------------------
# Message validation. Discord rejects the whole request with 50035 "Invalid Form Body" and a nested
# `errors` object whose leaves are {"_errors": [{code, message}]}; discord.py flattens that into the
# HTTPException text, so mirroring the shape keeps error messages seen by the bot realistic.
# ------------------------------------------------------------------------------------------------------

Violation = tuple[tuple[str, ...], str, str]  # (path, code, message)


def message_violations(payload: Json) -> list[Violation]:
    out: list[Violation] = []

    def too_long(path: tuple[str, ...], value: Sequence[Any] | None, limit: int) -> None:
        if value is not None and len(value) > limit:
            out.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))

    too_long(("content",), payload.get("content"), 2000)
    embeds = payload.get("embeds") or []
    too_long(("embeds",), embeds, 10)
    total = 0
    for i, embed in enumerate(embeds):
        at = ("embeds", str(i))
        texts = {("title",): (embed.get("title"), 256), ("description",): (embed.get("description"), 4096),
                 ("footer", "text"): ((embed.get("footer") or {}).get("text"), 2048),
                 ("author", "name"): ((embed.get("author") or {}).get("name"), 256)}
        for key, (value, limit) in texts.items():
            too_long(at + key, value, limit)
            total += len(value or "")
        fields = embed.get("fields") or []
        too_long(at + ("fields",), fields, 25)
        for j, fld in enumerate(fields):
            for part, limit in (("name", 256), ("value", 1024)):
                if not fld.get(part):  # empty field names/values are a classic source of production 400s
                    out.append((at + ("fields", str(j), part), "BASE_TYPE_REQUIRED", "This field is required"))
                too_long(at + ("fields", str(j), part), fld.get(part), limit)
                total += len(fld.get(part) or "")
    if total > 6000:
        out.append((("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))

    if payload.get("flags", 0) & IS_COMPONENTS_V2:
        return out  # layout components follow different rules; not modelled
    rows = payload.get("components") or []
    too_long(("components",), rows, 5)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        at = ("components", str(i))
        if row.get("type") != 1:
            out.append((at + ("type",), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'))
            continue
        children = row.get("components") or []
        if not children:
            out.append((at + ("components",), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
        too_long(at + ("components",), children, 5)
        if len(children) > 1 and any(c.get("type") != 2 for c in children):  # a select fills its row
            out.append((at, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"))
        for j, child in enumerate(children):
            too_long(at + ("components", str(j), "label"), child.get("label"), 80)
            too_long(at + ("components", str(j), "custom_id"), child.get("custom_id"), 100)
            if child.get("custom_id") in seen:
                out.append((at + ("components", str(j), "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated"))
            if child.get("custom_id") is not None:
                seen.add(child["custom_id"])
    return out


def invalid_form_body(violations: list[Violation], prefix: tuple[str, ...] = ()) -> DiscordError:
    errors: Json = {}
    for path, code, message in violations:
        node = errors
        for key in prefix + path:
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    reason = "; ".join(f"{'.'.join(prefix + path)}: {message}" for path, _, message in violations)
    return DiscordError(400, 50035, "Invalid Form Body", errors, reason)


def find_component(components: list[Json], custom_id: str) -> Json | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        children = comp.get("components") or ([comp["accessory"]] if "accessory" in comp else [])
        if (found := find_component(children, custom_id)) is not None:
            return found
    return None


@dataclass
class UploadedFile:
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Call:
    """One REST request as a route handler sees it: the URL match and the decoded JSON/multipart body."""

    request: web.Request
    match: re.Match[str]
    body: Any
    files: list[UploadedFile]

    def id(self, group: int) -> int:
        return int(self.match[group])


@dataclass
class Interaction:
    payload: Json
    channel: Json
    response_type: int | None = None
    original_id: int | None = None  # the message "@original" refers to
    loading: bool = False  # deferred with type 5: the first followup fills in the "thinking" message

    @property
    def id(self) -> int:
        return int(self.payload["id"])


@dataclass
class RateLimit:
    """Discord's per-route limit: `limit` requests per `per` seconds on each route in each channel."""

    prefix: str
    limit: int
    per: float
    announce: bool  # successful responses carry the X-RateLimit-* headers, as Discord's do


@dataclass
class Window:
    resets_at: float  # time.monotonic()
    used: int = 0
    refused: int = 0  # 429s answered in this window


@dataclass
class Session:
    """One shard's gateway session: the socket it is on, the id a RESUME names, and its dispatches to replay."""

    shard: int
    count: int
    ws: web.WebSocketResponse | None = None  # None: the client is away (it gets the events if it resumes)
    id: str | None = None  # None: it ended, and cannot be resumed
    history: list[Json] = field(default_factory=list)
    seq: int = 0


def shard_of(guild_id: int, count: int) -> int:
    """The shard a server's events go to, as Discord routes them."""
    return (guild_id >> 22) % count


Handler = Callable[[Call], Awaitable[Any]]


class FakeDiscord:
    """One guild ("Paper Club"), two text channels, four human users (and any `users` named) and the bot; any more
    `servers` named (or added by `add_guild`), each with its own @everyone and bot role and channels, where every
    user is a plain member and the owner owns it. Each shard the bot identifies as (`shard` in IDENTIFY) gets its
    own session, with only the guilds Discord routes to it; `shards` is the count GET /gateway/bot recommends,
    and with `sharding_required` a client that identifies with fewer is closed with 4011, as Discord closes a
    session that would hold too many guilds."""

    def __init__(self, *, message_content: bool = True, enforce_privileged_intents: bool = False,
                 users: Sequence[str] = (), team: Sequence[str] = (), shards: int = 1,
                 sharding_required: bool = False, servers: Sequence[str] = ()) -> None:
        self.message_content = message_content
        # Discord closes the gateway with 4014 when a privileged intent is requested but not enabled. Off by
        # default, so a bot requesting message_content can still connect to a message_content=False fake.
        self.enforce_privileged_intents = enforce_privileged_intents
        self._ids = Snowflakes()
        self.token = f"Fake.{secrets.token_urlsafe(24)}"
        self.port = 0

        self.application_id = self._ids()
        self.bot_user: Json = {"id": str(self.application_id), "username": "papers-bot", "discriminator": "0001",
                               "global_name": None, "avatar": None, "bot": True, "public_flags": 0, "flags": 0}
        self.users: dict[str, Json] = {
            name: {"id": str(self._ids()), "username": name, "discriminator": "0", "global_name": name.title(),
                   "avatar": None, "bot": False, "public_flags": 0}
            for name in ("owner", "admin", "member", "other", *users)
        }
        self._users_by_id: dict[int, Json] = {int(u["id"]): u for u in [self.bot_user, *self.users.values()]}
        self.team = list(team)  # the users of the application's Team (none: "owner" owns it alone)
        self.team_id = self._ids()
        self.refuse_dms: set[str] = set()  # users who accept no DMs from the bot (a 403, 50007, as Discord says)
        self.webhooks: dict[int, tuple[str, int]] = {}  # a channel webhook's id -> (its token, its channel)
        self.reactions: list[tuple[int, str]] = []  # (message id, emoji) of each reaction the bot added

        self.guild_id, self.admin_role_id, self.helper_role_id, bot_role = (self._ids() for _ in range(4))
        self.roles: dict[int, Json] = {}
        for rid, name, position, perms in [(self.guild_id, "@everyone", 0, EVERYONE_PERMISSIONS),
                                           (bot_role, "papers-bot", 1, EVERYONE_PERMISSIONS),
                                           (self.helper_role_id, "paper-admins", 2, 0),
                                           (self.admin_role_id, "server-admins", 3, MANAGE_GUILD)]:
            self.roles[rid] = {"id": str(rid), "name": name, "position": position, "permissions": str(perms),
                               "color": 0, "hoist": False, "managed": rid == bot_role, "mentionable": False,
                               "icon": None, "unicode_emoji": None, "flags": 0}
        self.roles[bot_role]["tags"] = {"bot_id": self.bot_user["id"]}
        self.bot_role_id = bot_role  # the bot's managed role: `<@&id>` mentions it
        self._member_roles: dict[int, list[int]] = {self.application_id: [bot_role],
                                                    int(self.users["admin"]["id"]): [self.admin_role_id],
                                                    int(self.users["other"]["id"]): [self.helper_role_id]}
        self.guild_names: dict[int, str] = {self.guild_id: "Paper Club"}  # every guild the bot is in, by id
        self._bot_roles = {self.guild_id: bot_role}  # each guild's managed role of the bot
        self._guild_roles: dict[int, set[int]] = {self.guild_id: set(self.roles)}

        self.channels: dict[str, int] = {}
        self._channels: dict[int, Json] = {}  # every channel by id: text channels, threads and DMs
        self._add_channels(self.guild_id, ("general", "papers"))
        for server in servers:
            self.add_guild(server, ("general", "papers"), key=f"{server}/")
        self.threads: dict[int, Json] = {}
        self._thread_active: dict[int, float] = {}  # thread id -> time.monotonic() of its last message

        # Observable state for assertions.
        self.messages: dict[int, Json] = {}  # every live message, user- or bot-authored
        self.posted: list[Json] = []
        self.answers: dict[int, list[Json]] = {}  # posts by what they answer: the message replied to, or interaction
        self.rejected: list[tuple[str, str]] = []
        self.forbidden: list[tuple[int, int]] = []  # (channel id, permissions it lacked) of each refused request
        self.unknown_requests: list[tuple[str, str]] = []
        self.server_errors: list[str] = []  # tracebacks of bugs in this fake; tests should assert it is empty
        self.responses: list[Json] = []  # interaction callbacks: {"interaction_id", "type", "data"}
        self.dispatched: list[tuple[str, Json]] = []  # gateway events exactly as the client received them
        self.commands: dict[int | None, list[Json]] = {}  # registered app commands: None = global, else guild id
        self.commands_fault: int | None = None  # the status the commands routes answer instead (a 429 is retried)
        self.status_429 = 0
        self.windows: dict[tuple[str, str, str], list[Window]] = {}  # rate-limit windows by (method, route, channel)
        self.intents = 0  # as requested in IDENTIFY
        self.shard_count = shards  # what GET /gateway/bot recommends
        self.sharding_required = sharding_required
        self.held_shards: set[int] = set()  # shards whose IDENTIFY waits unanswered until `let_in`
        self._waiting: dict[int, tuple[web.WebSocketResponse, Json]] = {}  # shard -> its IDENTIFY held
        self.identifies: list[tuple[int, int]] = []  # the [shard, count] of each IDENTIFY
        self.identified = asyncio.Event()

        self._files: dict[int, tuple[bytes, str]] = {}
        self._interactions: dict[str, Interaction] = {}  # by token
        self._rate_limits: list[RateLimit] = []
        # Discord de-duplicates a message's nonce (with enforce_nonce) for a few minutes: `nonce_window` seconds.
        self.nonce_window = 300.0
        self._nonces: dict[str, tuple[int, float]] = {}  # nonce -> (the message it made, when: time.monotonic())
        self._create_faults: dict[int, list[int]] = {}  # channel id -> the statuses its next creates answer with
        self._answer_waiters: dict[int, asyncio.Future[Json]] = {}
        self._posted_event = asyncio.Event()
        self._sockets: dict[web.WebSocketResponse, web.Request] = {}  # every open gateway socket, by its request
        self._shards: dict[int, Session] = {}  # each shard's identified (or resumed) session, by shard id
        self.refuse_resume = False  # answer every RESUME with Invalid Session (op 9, d=false): the client identifies
        self.sessions: list[str] = []  # "identify", "resume", "resume refused": each as the gateway answered it
        self._sessions_changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        message = r"/channels/(\d+)/messages/(\d+)"
        webhook_message = r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/users/(\d+)", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/gateway(/bot)?", self._get_gateway, False),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/guilds/(\d+)", self._get_guild, True),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member, True),
            ("GET|PATCH", r"/channels/(\d+)", self._get_channel, True),
            ("POST", r"/channels/(\d+)/typing", self._typing, True),
            ("POST", r"/channels/(\d+)/messages", self._create_message, True),
            ("GET", r"/channels/(\d+)/messages", self._channel_messages, True),
            ("GET|PATCH|DELETE", message, self._channel_message, True),
            ("PUT", message + r"/reactions/([^/]+)/@me", self._add_reaction, True),
            ("POST", r"/channels/(\d+)/(?:messages/(\d+)/)?threads", self._create_thread, True),
            # Interaction callbacks and their webhooks authenticate by the token in the URL, not a header.
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._interaction_callback, False),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup, False),
            ("GET|PATCH|DELETE", webhook_message, self._webhook_message, False),
            ("GET|PUT", r"/applications/(\d+)(?:/guilds/(\d+))?/commands", self._commands, True),
        ]
        self._routes = [(m.split("|"), re.compile(p), h, auth) for m, p, h, auth in routes]

    def _add_channels(self, guild_id: int, names: Sequence[str], key: str = "") -> None:
        """A guild's text channels of these names, known to tests as `<key><name>`."""
        if taken := [f"{key}{name}" for name in names if f"{key}{name}" in self.channels]:
            raise ValueError(f"channel names already taken: {taken}")
        for position, name in enumerate(names):
            cid = self.channels[f"{key}{name}"] = self._ids()
            self._channels[cid] = {"id": str(cid), "type": 0, "guild_id": str(guild_id), "name": name,
                                   "position": position, "parent_id": None, "topic": None, "nsfw": False,
                                   "last_message_id": None, "rate_limit_per_user": 0, "permission_overwrites": [],
                                   "flags": 0}

    # ---- lifecycle ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{id}/{name}", self._get_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await self._listen()
        self.port = self._runner.addresses[0][1]

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()

    async def stop(self) -> None:
        # Close the client first (run_client does): discord.py answers any server-side close, even 1000, by
        # reconnecting, so a client still connected here ends its connect() task with a connection error.
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- gateway -----------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        # The client asks for compress=zstd-stream/zlib-stream in the query, but discord.py only decompresses
        # BINARY frames and reads TEXT frames as-is, so plain JSON text is simplest.
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        self._sockets[ws] = request
        try:
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                msg = json.loads(frame.data)
                if msg.get("op") == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif msg.get("op") == 2:
                    await self._identify(ws, msg["d"])
                elif msg.get("op") == 6:
                    await self._resume(ws, msg["d"])
                elif msg.get("op") == 8:
                    # The guild arrives fully chunked, so discord.py never asks on its own; answering keeps
                    # guild.chunk()/query_members() working if a bot calls them.
                    members = [self._member(uid) for uid in self._users_by_id]
                    await self._dispatch("GUILD_MEMBERS_CHUNK", {
                        "guild_id": str(msg["d"].get("guild_id", self.guild_id)), "members": members,
                        "chunk_index": 0, "chunk_count": 1, "not_found": [], "nonce": msg["d"].get("nonce")})
                # Presence (3) and voice (4) updates need no answer.
        finally:
            self._sockets.pop(ws, None)
            for session in self._shards.values():
                if session.ws is ws:
                    session.ws = None
                    if ws.close_code in (1000, 1001):  # the client closed it (discord.py's close): no RESUME
                        session.id = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.intents = int(data.get("intents", 0))
        if self.enforce_privileged_intents and self.intents & INTENT_MESSAGE_CONTENT and not self.message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard, count = data.get("shard") or (0, 1)
        self.identifies.append((shard, count))
        if not 0 <= shard < count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return
        if self.sharding_required and count < self.shard_count:
            await ws.close(code=4011, message=b"Sharding required.")
            return
        if shard in self.held_shards:  # (Discord lets shards in one at a time: this one waits)
            self._waiting[shard] = ws, data
            return
        session = self._shards[shard] = Session(shard, count, ws, secrets.token_hex(16))
        self._note_session("identify")
        guilds = [guild for guild in self.guild_names if shard_of(guild, count) == shard]
        await self._dispatch("READY", {
            "v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
            # Guilds arrive unavailable in READY and are filled in by GUILD_CREATE, as on Discord.
            "guilds": [{"id": str(guild), "unavailable": True} for guild in guilds],
            "session_id": session.id, "resume_gateway_url": self.gateway_url, "shard": [shard, count],
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [], "relationships": [], "presences": [], "guild_join_requests": [],
            "geo_ordered_rtc_regions": [], "user_settings": {}, "_trace": ["fake-discord"],
        }, shard=shard)
        for guild in guilds:
            await self._dispatch("GUILD_CREATE", self._guild_payload(guild, full=True), shard=shard)
        self.identified.set()

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        """RESUME (op 6): the events the session missed after `seq`, then RESUMED; or, refused (`refuse_resume`,
        or a session that ended), Invalid Session not resumable, after which the client must IDENTIFY."""
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        session = next((s for s in self._shards.values() if s.id and s.id == data.get("session_id")), None)
        if self.refuse_resume or session is None:
            if session is not None:
                session.id, session.history = None, []
            self._note_session("resume refused")
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
            return
        session.ws = ws
        self._note_session("resume")
        for frame in [f for f in session.history if f["s"] > (data.get("seq") or 0)]:
            await self._send(ws, frame)
        await self._dispatch("RESUMED", {}, shard=session.shard)

    def _note_session(self, what: str) -> None:
        self.sessions.append(what)
        self._sessions_changed.set()

    async def _dispatch(self, event: str, data: Json, *, required: bool = True, shard: int | None = None) -> None:
        """Send an event to the session of `shard`, else of the shard its guild is routed to (a guild's own
        events name it by `id`), else shard 0's (DMs, as on Discord)."""
        session = self._shards.get(shard) if shard is not None else self._session_for(data, event)
        if session is None or session.id is None:
            if required:
                raise RuntimeError(f"cannot dispatch {event}: no identified gateway session for its shard (is the "
                                   "client running, with that shard?)")
            return
        session.seq += 1
        # (a copy: later edits must not rewrite history)
        frame = {"op": 0, "t": event, "s": session.seq, "d": copy.deepcopy(data)}
        session.history.append(frame)
        ws = session.ws
        if ws is not None and not ws.closed:  # (else the client is away: it gets the event if it resumes)
            await self._send(ws, frame)

    def _session_for(self, data: Json, event: str) -> Session | None:
        guild = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        if guild is None:
            return self._shards.get(0)
        return next((s for s in self._shards.values() if s.id and shard_of(int(guild), s.count) == s.shard), None)

    async def _send(self, ws: web.WebSocketResponse, frame: Json) -> None:
        self.dispatched.append((frame["t"], frame["d"]))
        await ws.send_json(frame)

    # ---- the gateway misbehaving, as Discord's (and networks) do -----------------------------------------

    def _live_session(self, shard: int) -> Session:
        session = self._shards.get(shard)
        if session is None or session.ws is None or session.ws.closed:
            raise RuntimeError(f"no gateway session of shard {shard} is connected")
        return session

    async def drop(self, *, code: int | None = None, shard: int = 0) -> None:
        """Lose the bot's gateway connection (of `shard`): abruptly (the socket just goes, as when a network
        fails), or closed with `code` (4000-4009 are Discord's resumable ones). The session stays resumable."""
        session = self._live_session(shard)
        ws, session.ws = session.ws, None
        assert ws is not None
        if code is None:
            transport = self._sockets[ws].transport
            if transport is not None:
                transport.abort()
        else:
            await ws.close(code=code, message=b"fake-discord closed it")

    async def send_reconnect(self, *, shard: int = 0) -> None:
        """Reconnect (op 7): Discord asks the client to connect again and RESUME."""
        ws = self._live_session(shard).ws
        assert ws is not None
        await ws.send_json({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool, shard: int = 0) -> None:
        """Invalid Session (op 9): the client may RESUME (`resumable`) or must IDENTIFY again."""
        session = self._live_session(shard)
        ws = session.ws
        assert ws is not None
        if not resumable:
            session.id, session.history = None, []
        await ws.send_json({"op": 9, "d": resumable, "s": None, "t": None})

    async def let_in(self, shard: int) -> None:
        """Stop holding `shard`'s IDENTIFY back (`held_shards`), and answer the one waiting, if any."""
        self.held_shards.discard(shard)
        if shard in self._waiting:
            await self._identify(*self._waiting.pop(shard))

    async def go_down(self) -> None:
        """Discord unreachable: every connection (REST and gateway) is refused and open sockets go abruptly, until
        `come_back`. The session stays resumable."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        for session in self._shards.values():
            session.ws = None
        server = self._runner.server if self._runner is not None else None
        for handler in server.connections if server is not None else []:  # (REST's kept-alive ones too)
            if handler.transport is not None:
                handler.transport.abort()

    async def come_back(self) -> None:
        """Reachable again, on the same port."""
        if self._site is None:
            await self._listen()

    async def wait_for_sessions(self, n: int, *, timeout: float = 10) -> list[str]:
        """`sessions` once it holds `n` entries: the client identified, resumed or was refused that often."""
        await until(lambda: len(self.sessions) >= n, self._sessions_changed, timeout,
                    lambda: f"expected {n} gateway sessions, got {self.sessions!r}")
        return self.sessions

    # ---- payload builders --------------------------------------------------------------------------------

    def _application_flags(self) -> int:
        return GATEWAY_MESSAGE_CONTENT if self.message_content else 0

    def _roles_in(self, user_id: int, guild_id: int | None = None) -> list[int]:
        """A member's roles in one guild (the first, without one)."""
        guild = self._guild_roles[guild_id or self.guild_id]
        return [r for r in self._member_roles.get(user_id, []) if r in guild]

    def _permissions(self, user_id: int, guild_id: int | None = None) -> int:
        if user_id == int(self.users["owner"]["id"]):
            return ALL_PERMISSIONS
        perms = EVERYONE_PERMISSIONS
        for role_id in self._roles_in(user_id, guild_id):
            perms |= int(self.roles[role_id]["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _channel_permissions(self, user_id: int, channel: Json) -> int:
        """A member's permissions in a channel: the server's, then the channel's overwrites (a thread has its
        parent's) for @everyone, the member's roles, and the member, as Discord computes them."""
        guild_id = int(channel["guild_id"])
        perms = self._permissions(user_id, guild_id)
        if perms & ADMINISTRATOR or perms == ALL_PERMISSIONS:
            return perms
        parent = self._channels.get(int(channel["parent_id"])) if channel.get("parent_id") else None
        overwrites = {int(o["id"]): o for o in (parent or channel).get("permission_overwrites", [])}
        roles = self._roles_in(user_id, guild_id)
        for ids in ([guild_id], roles, [user_id]):
            allow = deny = 0
            for oid in ids:
                if oid in overwrites:
                    allow |= int(overwrites[oid]["allow"])
                    deny |= int(overwrites[oid]["deny"])
            perms = (perms & ~deny) | allow
        return perms

    def _require(self, channel: Json, needed: int) -> None:
        """A bot request in `channel` that needs `needed` is refused as Discord refuses it (403, 50013)."""
        if "guild_id" in channel and self._channel_permissions(self.application_id, channel) & needed != needed:
            self.forbidden.append((int(channel["id"]), needed))
            raise DiscordError(403, 50013, "Missing Permissions")

    def _member(self, user_id: int, *, with_user: bool = True, permissions: bool = False,
                guild_id: int | None = None) -> Json:
        member: Json = {"roles": [str(r) for r in self._roles_in(user_id, guild_id)], "nick": None, "avatar": None,
                        "joined_at": "2024-01-01T00:00:00+00:00", "premium_since": None, "deaf": False,
                        "mute": False, "pending": False, "flags": 0, "communication_disabled_until": None}
        if with_user:
            member["user"] = self._users_by_id[user_id]
        if permissions:
            member["permissions"] = str(self._permissions(user_id, guild_id))
        return member

    def _guild_payload(self, guild_id: int, *, full: bool) -> Json:
        guild: Json = {
            "id": str(guild_id), "name": self.guild_names[guild_id], "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": self.users["owner"]["id"],
            "roles": [r for r in self.roles.values() if int(r["id"]) in self._guild_roles[guild_id]],
            "emojis": [], "stickers": [],
            "features": [], "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "afk_timeout": 300,
            "afk_channel_id": None, "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "public_updates_channel_id": None, "preferred_locale": "en-US", "description": None,
        }
        if not full:
            return {**guild, "approximate_member_count": len(self._users_by_id), "approximate_presence_count": 0}
        members = [self._member(uid, guild_id=guild_id) for uid in self._users_by_id]
        return {**guild, "unavailable": False, "large": False, "joined_at": "2024-01-01T00:00:00+00:00",
                "channels": [c for c in self._channels.values() if c["type"] == 0 and c["guild_id"] == str(guild_id)],
                "threads": [t for t in self.threads.values()
                            if not t["thread_metadata"]["archived"] and t["guild_id"] == str(guild_id)],
                "members": members,
                # member_count must equal the members sent, or discord.py decides the guild needs chunking.
                "member_count": len(members), "presences": [], "voice_states": [], "stage_instances": [],
                "guild_scheduled_events": [], "soundboard_sounds": []}

    def _channel(self, channel: str | int) -> Json:
        cid = self.channels[channel] if isinstance(channel, str) else int(channel)
        if cid not in self._channels:
            raise DiscordError(404, 10003, "Unknown Channel")
        return self._channels[cid]

    def _dm_channel(self, user_id: int) -> Json:
        for ch in self._channels.values():
            if ch["type"] == 1 and int(ch["recipients"][0]["id"]) == user_id:
                return ch
        cid = self._ids()
        self._channels[cid] = {"id": str(cid), "type": 1, "last_message_id": None, "flags": 0,
                               "recipients": [self._users_by_id[user_id]]}
        return self._channels[cid]

    def _attachment(self, channel_id: int, filename: str, data: bytes, content_type: str | None = None) -> Json:
        aid = self._ids()
        if content_type in (None, "application/octet-stream"):  # discord.py labels every upload octet-stream
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self._files[aid] = (data, content_type)
        url = f"{self.base_url}/attachments/{channel_id}/{aid}/{quote(filename)}"
        return {"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                "content_type": content_type}

    def _message(self, channel: Json, author_id: int, content: str) -> Json:
        msg: Json = {
            "id": str(self._ids()), "channel_id": channel["id"], "type": 0, "content": content,
            "author": self._users_by_id[author_id], "timestamp": now_iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": self._mentions(content, channel),
            "mention_roles": [r for r in dict.fromkeys(re.findall(r"<@&(\d+)>", content or "")) if int(r) in self.roles]
            if "guild_id" in channel else [],
            "attachments": [], "embeds": [], "components": [], "pinned": False, "flags": 0,
        }
        if "guild_id" in channel:
            msg["guild_id"] = channel["guild_id"]
            msg["member"] = self._member(author_id, with_user=False, guild_id=int(channel["guild_id"]))
        self.messages[int(msg["id"])] = msg
        channel["last_message_id"] = msg["id"]
        return msg

    def _mentions(self, content: str, channel: Json) -> list[Json]:
        ids = dict.fromkeys(int(x) for x in re.findall(r"<@!?(\d+)>", content or ""))
        in_guild = "guild_id" in channel
        return [{**self._users_by_id[uid], **({"member": self._member(uid, with_user=False, guild_id=int(
            channel["guild_id"]))} if in_guild else {})}
                for uid in ids if uid in self._users_by_id]

    def _visible(self, msg: Json) -> Json:
        """The message as the bot may see it: without Message Content (not enabled, or not requested in
        IDENTIFY) Discord blanks it, except in DMs, when it mentions the bot, or when the bot wrote it."""
        if (self.message_content and self.intents & INTENT_MESSAGE_CONTENT) or "guild_id" not in msg:
            return msg
        if any(m["id"] == self.bot_user["id"] for m in [msg["author"], *msg["mentions"]]):
            return msg
        return {**msg, "content": "", "embeds": [], "attachments": [], "components": []}

    # ---- bot-authored messages ---------------------------------------------------------------------------

    def _check(self, payload: Json, *, creating: bool, files: list[UploadedFile], prefix: tuple[str, ...] = ()) -> None:
        if violations := message_violations(payload):
            raise invalid_form_body(violations, prefix)
        keys = ("content", "embeds", "components", "sticker_ids", "poll")
        if creating and not files and not any(payload.get(k) for k in keys):
            raise DiscordError(400, 50006, "Cannot send an empty message", reason="empty message")

    def _apply(self, msg: Json, payload: Json, files: list[UploadedFile]) -> None:
        """Apply the editable fields of a create/edit payload to a stored message."""
        if "content" in payload:
            msg["content"] = payload["content"] or ""
            msg["mentions"] = self._mentions(msg["content"], self._channels[int(msg["channel_id"])])
        for key in ("embeds", "components"):
            if key in payload:
                msg[key] = payload[key] or []
        if "flags" in payload:
            msg["flags"] = (msg["flags"] & ~EDITABLE_FLAGS) | ((payload["flags"] or 0) & EDITABLE_FLAGS)
        if "attachments" in payload or files:
            # Existing attachments are kept by listing their snowflake id; new uploads arrive as files[N] parts.
            keep = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in msg["attachments"] if "attachments" not in payload or a["id"] in keep]
            cid = int(msg["channel_id"])
            msg["attachments"] = kept + [self._attachment(cid, f.filename, f.data, f.content_type) for f in files]

    def _bot_message(self, channel: Json, payload: Json, files: list[UploadedFile],
                     interaction: Interaction | None = None, flags: int = 0) -> Json:
        ref = payload.get("message_reference") or {}
        target = self.messages.get(int(ref["message_id"])) if ref.get("message_id") else None
        if ref.get("message_id") and target is None and ref.get("fail_if_not_exists", True):
            raise invalid_form_body([(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")])
        msg = self._message(channel, self.application_id, "")
        msg.pop("member", None)  # REST responses carry no member object for the author
        if interaction is not None:  # only interaction responses may be ephemeral
            flags |= (payload.get("flags") or 0) & EPHEMERAL
        msg.update(flags=flags, tts=bool(payload.get("tts")))
        self._apply(msg, payload, files)
        if "nonce" in payload:
            msg["nonce"] = payload["nonce"]
        if target is not None:
            msg.update(type=19, referenced_message=self._visible(target), message_reference={
                "type": 0, "message_id": target["id"], "channel_id": target["channel_id"],
                **({"guild_id": target["guild_id"]} if "guild_id" in target else {})})
        if interaction is not None:
            ip = interaction.payload
            user = ip["member"]["user"] if "member" in ip else ip["user"]
            msg.update(type=20 if ip["type"] == 2 else 0, webhook_id=str(self.application_id),
                       application_id=str(self.application_id),
                       interaction={"id": ip["id"], "type": ip["type"], "name": ip["data"].get("name", ""),
                                    "user": user},
                       interaction_metadata={"id": ip["id"], "type": ip["type"], "user": user,
                                             "authorizing_integration_owners": ip["authorizing_integration_owners"]})
        return msg

    def _record(self, msg: Json, kind: str, body: Json, interaction: Interaction | None = None) -> None:
        allowed_mentions = body.get("allowed_mentions")
        self.posted.append(copy.deepcopy({
            "id": int(msg["id"]), "channel_id": int(msg["channel_id"]), "content": msg["content"],
            "embeds": msg["embeds"], "components": msg["components"], "kind": kind,
            "interaction_id": interaction.id if interaction else None, "allowed_mentions": allowed_mentions,
            "ephemeral": bool(msg["flags"] & EPHEMERAL), "message_reference": msg.get("message_reference"),
            "files": [(a["filename"], self._files[int(a["id"])][0]) for a in msg["attachments"]],
            "sent": sorted(body),  # the fields the request set (an edit may change only the buttons)
        }))
        post, reference = self.posted[-1], msg.get("message_reference")
        answered = interaction.id if interaction else int(reference["message_id"]) if reference else None
        if answered is not None and kind != "edit":
            self.answers.setdefault(answered, []).append(post)
            if (waiter := self._answer_waiters.pop(answered, None)) is not None and not waiter.done():
                waiter.set_result(post)
        self._posted_event.set()

    async def _echo(self, event: str, msg: Json) -> None:
        # Discord also sends the bot its own (non-ephemeral) messages over the gateway, so a bot that forgets
        # to ignore itself misbehaves here just as it would in production.
        if not msg["flags"] & EPHEMERAL:
            await self._dispatch(event, msg, required=False)

    async def _post(self, channel: Json, body: Json, files: list[UploadedFile], kind: str,
                    interaction: Interaction | None = None) -> Json:
        self._check(body, creating=True, files=files)
        await self._wake(channel)
        msg = self._bot_message(channel, body, files, interaction)
        self._record(msg, kind, body, interaction)
        await self._echo("MESSAGE_CREATE", msg)
        return msg

    async def _edit(self, msg: Json, body: Json, files: list[UploadedFile], interaction: Interaction | None = None,
                    *, kind: str = "edit", prefix: tuple[str, ...] = ()) -> Json:
        self._check(body, creating=False, files=files, prefix=prefix)
        self._apply(msg, body, files)
        msg["edited_timestamp"] = now_iso()
        msg["flags"] &= ~LOADING
        self._record(msg, kind, body, interaction)
        await self._echo("MESSAGE_UPDATE", msg)
        return msg

    async def _delete(self, msg: Json) -> None:
        del self.messages[int(msg["id"])]
        event = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if "guild_id" in msg:
            event["guild_id"] = msg["guild_id"]
        if not msg["flags"] & EPHEMERAL:
            await self._dispatch("MESSAGE_DELETE", event, required=False)

    # ---- REST plumbing -----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        method, path = request.method, "/" + request.match_info["tail"]
        route = next(((h, m, auth) for methods, pattern, h, auth in self._routes
                      if method in methods and (m := pattern.fullmatch(path))), None)
        if route is None:
            self.unknown_requests.append((method, path))
            return json_response({"message": "404: Not Found", "code": 0}, status=404)
        handler, match, needs_auth = route
        limit = next((r for r in self._rate_limits if path.startswith(r.prefix)), None)
        if limit is None:
            return await self._answer(request, path, handler, match, needs_auth)
        window, headers = self._window(limit, method, match)
        if window.used >= limit.limit:
            window.refused += 1
            return self._too_many_requests(float(headers["X-RateLimit-Reset-After"]), headers)
        window.used += 1
        response = await self._answer(request, path, handler, match, needs_auth)
        if limit.announce:
            response.headers.update(headers)
        return response

    def _window(self, limit: RateLimit, method: str, match: re.Match[str]) -> tuple[Window, dict[str, str]]:
        """The window a request to this route in this channel falls in (a new one once the last has reset),
        and the X-RateLimit-* headers that describe it after this request."""
        route = match.re.pattern
        windows = self.windows.setdefault((method, route, match[1] if match.re.groups else ""), [])
        now = time.monotonic()
        if not windows or now >= windows[-1].resets_at:
            windows.append(Window(now + limit.per))
        window, reset_after = windows[-1], windows[-1].resets_at - now
        return window, {
            "X-RateLimit-Limit": str(limit.limit), "X-RateLimit-Remaining": str(max(0, limit.limit - window.used - 1)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}", "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"{zlib.crc32(f'{method} {route}'.encode()):08x}",
        }

    async def _answer(self, request: web.Request, path: str, handler: Handler, match: re.Match[str],
                      needs_auth: bool) -> web.StreamResponse:
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        try:
            body, files = await self._read_body(request)
            result = await handler(Call(request, match, body, files))
        except DiscordError as exc:
            if exc.status == 400 and exc.reason:
                self.rejected.append((path, exc.reason))
            return exc.response()
        except Exception as exc:
            self.server_errors.append(traceback.format_exc())
            return json_response({"code": 0, "message": f"fake discord error: {exc!r}"}, status=400)
        if isinstance(result, web.StreamResponse):
            return result
        return web.Response(status=204) if result is None else json_response(result)

    def _too_many_requests(self, retry_after: float, headers: dict[str, str]) -> web.Response:
        self.status_429 += 1
        headers = {
            **headers, "X-RateLimit-Remaining": "0", "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": "user",
            # discord.py treats a 429 without a Via header as a Cloudflare ban and raises instead of retrying.
            "Via": "1.1 google",
        }
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        return json_response(body, status=429, headers=headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if not request.body_exists:
            return None, []
        if request.content_type != "multipart/form-data":
            text = await request.text()
            return (json.loads(text) if text else None), []
        payload, files = None, []
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename:
                files.append(UploadedFile(part.filename, bytes(await part.read()), part.headers.get("Content-Type")))
        return payload, files

    def _stored(self, channel_id: int, message_id: int | None) -> Json:
        msg = self.messages.get(message_id) if message_id is not None else None
        if msg is None or int(msg["channel_id"]) != channel_id:
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    # ---- REST routes -------------------------------------------------------------------------------------

    async def _get_me(self, call: Call) -> Json:
        return {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _get_user(self, call: Call) -> Json:
        if call.id(1) not in self._users_by_id:
            raise DiscordError(404, 10013, "Unknown User")
        return self._users_by_id[call.id(1)]

    async def _create_dm(self, call: Call) -> Json:
        return self._dm_channel(int(call.body["recipient_id"]))

    async def _get_gateway(self, call: Call) -> Json:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}

    async def _get_application(self, call: Call) -> Json:
        team: Json | None = None
        if self.team:  # (a Team application: its owner is the team's pseudo-user, the members are the owners)
            team_id = str(self.team_id)
            team = {"id": team_id, "name": "Paper Team", "icon": None, "owner_user_id": self.users[self.team[0]]["id"],
                    "members": [{"membership_state": 2, "permissions": ["*"], "team_id": team_id, "role": "admin",
                                 "user": self.users[name]} for name in self.team]}
        owner = {"id": str(self.team_id), "username": f"team{self.team_id}", "discriminator": "0", "global_name": None,
                 "avatar": None, "flags": 1024} if team else self.users["owner"]
        return {"id": str(self.application_id), "name": self.bot_user["username"], "description": "", "icon": None,
                "bot_public": False, "bot_require_code_grant": False, "owner": owner, "team": team,
                "verify_key": secrets.token_hex(32), "flags": self._application_flags(), "bot": self.bot_user,
                "summary": "", "rpc_origins": [], "redirect_uris": [], "interactions_endpoint_url": None}

    async def _get_guild(self, call: Call) -> Json:
        if call.id(1) not in self.guild_names:
            raise DiscordError(404, 10004, "Unknown Guild")
        return self._guild_payload(call.id(1), full=False)

    async def _get_member(self, call: Call) -> Json:
        if call.id(1) not in self.guild_names or call.id(2) not in self._users_by_id:
            raise DiscordError(404, 10007, "Unknown Member")
        return self._member(call.id(2), guild_id=call.id(1))

    async def _get_channel(self, call: Call) -> Json:
        """A channel; PATCH renames a thread (its owner may, or whoever has Manage Threads): THREAD_UPDATE."""
        channel = self._channel(call.id(1))
        if call.request.method == "GET":
            return channel
        if int(channel["id"]) not in self.threads or set(call.body) - {"name"}:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if channel["owner_id"] != self.bot_user["id"]:
            self._require(channel, MANAGE_THREADS)
        if not 1 <= len(name := call.body.get("name") or "") <= 100:
            raise invalid_form_body([(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")])
        channel["name"] = name
        await self._dispatch("THREAD_UPDATE", copy.deepcopy(channel), required=False)
        return channel

    async def _add_reaction(self, call: Call) -> None:
        """The bot reacts to a message (MESSAGE_REACTION_ADD is not sent: the bot reads none)."""
        msg = self._stored(call.id(1), call.id(2))
        self._require(self._channels[int(msg["channel_id"])], VIEW_CHANNEL | READ_MESSAGE_HISTORY | ADD_REACTIONS)
        self.reactions.append((int(msg["id"]), unquote(call.match[3])))
        self._posted_event.set()

    async def _typing(self, call: Call) -> None:
        self._channel(call.id(1))

    async def _create_message(self, call: Call) -> Json:
        channel = self._channel(call.id(1))
        in_thread = int(channel["id"]) in self.threads
        self._require(channel, VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if in_thread else SEND_MESSAGES)
                      | (ATTACH_FILES if call.files else 0))
        if channel["type"] == 1 and channel["recipients"][0]["username"] in self.refuse_dms:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        body = call.body
        if body.get("embeds") and "guild_id" in channel and not self._permission(channel, EMBED_LINKS):
            body = {**body, "embeds": []}  # Discord drops a bot's embeds where it may not embed links
        nonce = str(body["nonce"]) if body.get("enforce_nonce") and body.get("nonce") is not None else None
        made = self._nonces.get(nonce) if nonce is not None else None
        if made is not None and made[1] + self.nonce_window > time.monotonic() and made[0] in self.messages:
            msg = self.messages[made[0]]  # (the same author's nonce within the window: that message, no copy)
        else:
            msg = await self._post(channel, body, call.files, "message")
            if nonce is not None:
                self._nonces[nonce] = (int(msg["id"]), time.monotonic())
        faults = self._create_faults.get(int(channel["id"]))
        if faults:
            status = faults.pop(0)
            raise DiscordError(status, 0, f"{status}: the message was created, but the answer was lost")
        return msg

    async def _channel_messages(self, call: Call) -> list[Json]:
        """A channel's messages, newest first, as `channel.history` reads them (limit, before, after); without
        nonces, as Discord returns them."""
        channel = self._channel(call.id(1))
        self._require(channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        query = call.request.query
        limit = min(int(query.get("limit", 50)), 100)
        ids = sorted(mid for mid, m in self.messages.items() if m["channel_id"] == channel["id"])
        if "after" in query:
            ids = [mid for mid in ids if mid > int(query["after"])][:limit]
        else:
            ids = [mid for mid in ids if "before" not in query or mid < int(query["before"])][-limit:]
        return [{k: v for k, v in self._visible(self.messages[mid]).items() if k != "nonce"} for mid in reversed(ids)]

    def _permission(self, channel: Json, flag: int) -> bool:
        return bool(self._channel_permissions(self.application_id, channel) & flag)

    async def _channel_message(self, call: Call) -> Json | None:
        msg = self._stored(call.id(1), call.id(2))
        if call.request.method == "GET":
            return self._visible(msg)
        if call.request.method == "DELETE":
            await self._delete(msg)
            return None
        if msg["author"]["id"] != self.bot_user["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return await self._edit(msg, call.body, call.files)

    async def _create_thread(self, call: Call) -> web.Response:
        parent = self._channel(call.id(1))
        self._require(parent, VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
        source = self._stored(call.id(1), call.id(2)) if call.match[2] else None
        if source is not None and "thread" in source:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        if not 1 <= len(name := call.body.get("name") or "") <= 100:
            raise invalid_form_body([(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")])
        tid = int(source["id"]) if source else self._ids()  # a thread started from a message shares its id
        stamp = now_iso()
        thread: Json = {
            "id": str(tid), "type": 11 if source else call.body.get("type", 12), "guild_id": parent["guild_id"],
            "parent_id": parent["id"], "owner_id": self.bot_user["id"], "name": name, "last_message_id": None,
            "message_count": 0, "member_count": 1, "total_message_sent": 0, "flags": 0,
            "rate_limit_per_user": call.body.get("rate_limit_per_user") or 0,
            "thread_metadata": {"archived": False, "locked": False, "create_timestamp": stamp,
                                "auto_archive_duration": call.body.get("auto_archive_duration") or 1440,
                                "archive_timestamp": stamp},
        }
        self._channels[tid] = self.threads[tid] = thread
        self._thread_active[tid] = time.monotonic()
        if source is not None:
            source["thread"] = thread
        member = {"id": str(tid), "user_id": self.bot_user["id"], "join_timestamp": stamp, "flags": 1}
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True, "member": member}, required=False)
        return json_response({**thread, "member": member}, status=201)

    async def _interaction_callback(self, call: Call) -> Json:
        it = self._interactions.get(call.match[2])
        if it is None or it.id != call.id(1):
            raise DiscordError(404, 10062, "Unknown interaction")
        if it.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        rtype, data = call.body["type"], call.body.get("data") or {}
        resource: Json = {"type": rtype}
        if rtype == 4:
            self._check(data, creating=True, files=call.files, prefix=("data",))
            resource["message"] = msg = self._bot_message(it.channel, data, call.files, it)
            self._record(msg, "interaction", data, it)
            await self._echo("MESSAGE_CREATE", msg)
            it.original_id = int(msg["id"])
        elif rtype == 5:
            # "Bot is thinking...": an empty LOADING message that the first followup (or an edit) fills in.
            msg = self._bot_message(it.channel, {}, [], it, flags=LOADING | ((data.get("flags") or 0) & EPHEMERAL))
            await self._echo("MESSAGE_CREATE", msg)
            it.original_id, it.loading = int(msg["id"]), True
        elif rtype in (6, 7):
            if "message" not in it.payload:
                raise DiscordError(400, 40043, "Interaction response type is not valid for this interaction")
            it.original_id = int(it.payload["message"]["id"])
            if rtype == 7:  # a rejected edit leaves the interaction unacknowledged, as on Discord
                resource["message"] = await self._edit(self.messages[it.original_id], data, call.files, it,
                                                       prefix=("data",))
        elif rtype not in (1, 8, 9, 10, 12):
            raise invalid_form_body([(("type",), "BASE_TYPE_CHOICES", "Value must be one of valid types.")])
        info: Json = {"id": str(it.id), "type": it.payload["type"]}
        if it.original_id is not None and rtype in (4, 5, 7):
            info.update(response_message_id=str(it.original_id), response_message_loading=rtype == 5,
                        response_message_ephemeral=bool(self.messages[it.original_id]["flags"] & EPHEMERAL))
        it.response_type = rtype
        self.responses.append({"interaction_id": it.id, "type": rtype, "data": data})
        return {"interaction": info, "resource": resource}

    def _webhook_interaction(self, call: Call) -> Interaction:
        it = self._interactions.get(call.match[2])
        if call.id(1) != self.application_id or it is None or it.response_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")  # followups exist only after the callback
        return it

    async def _followup(self, call: Call) -> Json | None:
        if call.id(1) in self.webhooks:  # a channel's webhook, not an interaction's
            token, channel_id = self.webhooks[call.id(1)]
            if call.match[2] != token:
                raise DiscordError(401, 50027, "Invalid Webhook Token")
            msg = await self._post(self._channels[channel_id], call.body, call.files, "webhook")
            return msg if call.request.query.get("wait", "").lower() in ("1", "true") else None
        it = self._webhook_interaction(call)
        if it.loading and it.original_id in self.messages:  # the first followup after a defer replaces it
            self._check(call.body, creating=True, files=call.files)
            it.loading = False
            msg = await self._edit(self.messages[it.original_id], call.body, call.files, it, kind="followup")
        else:
            msg = await self._post(it.channel, call.body, call.files, "followup", it)
        return msg if call.request.query.get("wait", "").lower() in ("1", "true") else None

    async def _webhook_message(self, call: Call) -> Json | None:
        it = self._webhook_interaction(call)
        msg = self._stored(int(it.channel["id"]), it.original_id if call.match[3] == "@original" else call.id(3))
        if call.request.method == "GET":
            return msg
        if call.request.method == "DELETE":
            await self._delete(msg)
            return None
        it.loading = False
        return await self._edit(msg, call.body, call.files, it)

    async def _commands(self, call: Call) -> list[Json] | web.Response:
        if self.commands_fault == 429:
            return self._too_many_requests(0.01, {})
        if self.commands_fault is not None:
            raise DiscordError(self.commands_fault, 0, f"{self.commands_fault}: fake-discord was told to fail")
        guild_id = call.id(2) if call.match[2] else None
        if call.id(1) != self.application_id or (guild_id is not None and guild_id not in self.guild_names):
            raise DiscordError(403, 50001, "Missing Access")
        if call.request.method == "PUT":
            previous = {c["name"]: c["id"] for c in self.commands.get(guild_id, [])}
            self.commands[guild_id] = [
                {"type": 1, "description": "", "options": [], "default_member_permissions": None, "nsfw": False,
                 **cmd, "id": previous.get(cmd["name"]) or str(self._ids()), "version": str(self._ids()),
                 "application_id": str(self.application_id), **({"guild_id": str(guild_id)} if guild_id else {})}
                for cmd in call.body
            ]
        return self.commands.get(guild_id, [])

    async def _get_attachment(self, request: web.Request) -> web.Response:
        # Served like the CDN: Attachment.read() sends no Authorization header.
        try:
            data, content_type = self._files[int(request.match_info["id"])]
        except (KeyError, ValueError):
            return web.Response(status=404, text="not found")
        return web.Response(body=data, headers={"Content-Type": content_type})

    # ---- test-facing API ---------------------------------------------------------------------------------

    def add_guild(self, name: str, channels: Sequence[str], *, shard: tuple[int, int] | None = None,
                  key: str = "") -> int:
        """Another server the bot is in (every user a plain member, the owner owning it), with its own @everyone
        and bot role and text channels of these names (known to tests as `<key><name>`, so each unique); its id
        routes it to `shard` (id, count) when given. Before the bot connects."""
        guild, role = self._ids(), self._ids()
        while shard is not None and shard_of(guild, shard[1]) != shard[0]:
            guild = self._ids()  # (the next millisecond's ids: a shard is picked by an id's time)
        self.guild_names[guild] = name
        self._bot_roles[guild] = role
        self._guild_roles[guild] = {guild, role}
        self.roles[guild] = {**self.roles[self.guild_id], "id": str(guild)}  # (its @everyone: the guild's id)
        self.roles[role] = {**self.roles[self.bot_role_id], "id": str(role)}  # (the bot's managed role, its tags)
        self._member_roles[self.application_id].append(role)
        self._add_channels(guild, channels, key)
        return guild

    async def deny_bot(self, channel: str | int, permissions: int) -> None:
        """Take `permissions` from the bot in one channel (an overwrite for its role), as a server admin would;
        the bot hears of it by CHANNEL_UPDATE."""
        ch = self._channel(channel)
        overwrite = {"id": str(self._bot_roles[int(ch["guild_id"])]), "type": 0, "allow": "0",
                     "deny": str(permissions)}
        ch["permission_overwrites"] = [o for o in ch["permission_overwrites"] if o["id"] != overwrite["id"]]
        ch["permission_overwrites"].append(overwrite)
        await self._dispatch("CHANNEL_UPDATE", ch, required=False)  # (a client that connects later reads it whole)

    def create_webhook(self, channel: str | int) -> str:
        """A webhook posting in a channel, as a server admin makes one: its address (Discord's host, as the Copy
        Webhook URL button gives it; discord.py sends to the API base it is pointed at)."""
        webhook_id, token = self._ids(), secrets.token_urlsafe(51)
        self.webhooks[webhook_id] = (token, int(self._channel(channel)["id"]))
        return f"https://discord.com/api/webhooks/{webhook_id}/{token}"

    async def send_message(self, channel: str | int, user: str, content: str, *, mention_bot: bool = False,
                           attachments: Sequence[tuple[str, bytes]] = ()) -> Json:
        """`user` posts in a channel (name, id, thread id, or "dm" for a DM with the bot). Returns the full
        stored message; what the bot received (blanked without Message Content) is in `dispatched`."""
        author_id = int(self.users[user]["id"])
        ch = self._dm_channel(author_id) if channel == "dm" else self._channel(channel)
        mention = f"<@{self.bot_user['id']}>"
        if mention_bot and mention not in content:
            content = f"{mention} {content}"
        await self._wake(ch)
        msg = self._message(ch, author_id, content)
        msg["attachments"] = [self._attachment(int(ch["id"]), name, data) for name, data in attachments]
        await self._dispatch("MESSAGE_CREATE", self._visible(msg))
        return msg

    async def remove_bot(self, server: str) -> None:
        """A server's admin removes the bot from `server` (a name in `servers`): GUILD_DELETE, as Discord sends it;
        it is no longer among the bot's guilds when it connects again."""
        gid = next(g for g, name in self.guild_names.items() if name == server)
        del self.guild_names[gid]
        await self._dispatch("GUILD_DELETE", {"id": str(gid)})

    async def edit_message(self, message_id: int | str, content: str) -> Json:
        """The author of a message edits it: MESSAGE_UPDATE with the whole message, as Discord sends it."""
        msg = self.messages[int(message_id)]
        channel = self._channels[int(msg["channel_id"])]
        msg.update(content=content, edited_timestamp=now_iso(), mentions=self._mentions(content, channel))
        await self._dispatch("MESSAGE_UPDATE", self._visible(msg))
        return msg

    async def delete_message(self, message_id: int | str) -> None:
        """The author (or a moderator) deletes a message."""
        await self._delete(self.messages[int(message_id)])

    async def archive_idle_threads(self, idle: float) -> int:
        """Archive the threads with no message for `idle` seconds, as Discord does after a thread's
        auto_archive_duration (THREAD_UPDATE; clients drop archived threads from their cache). Returns how many."""
        cutoff = time.monotonic() - idle
        idle_ids = [tid for tid, at in self._thread_active.items() if at < cutoff]
        for tid in idle_ids:
            del self._thread_active[tid]
            await self._set_archived(self.threads[tid], True)
        return len(idle_ids)

    async def _wake(self, channel: Json) -> None:
        """A message in an archived thread unarchives it (Discord does so for anyone who may post there)."""
        tid = int(channel["id"])
        if tid in self.threads:
            if channel["thread_metadata"]["archived"]:
                await self._set_archived(channel, False)
            self._thread_active[tid] = time.monotonic()

    async def _set_archived(self, thread: Json, archived: bool) -> None:
        thread["thread_metadata"].update(archived=archived, archive_timestamp=now_iso())
        await self._dispatch("THREAD_UPDATE", copy.deepcopy(thread), required=False)

    async def slash(self, name: str, options: dict[str, Any] | list[Json] | None = None, *, user: str = "member",
                    channel: str | int = "general") -> Json:
        """`user` runs /name; options map option name -> value (str, int, float, bool) or are raw option dicts."""
        def option_type(v: Any) -> int:
            return 5 if isinstance(v, bool) else 4 if isinstance(v, int) else 10 if isinstance(v, float) else 3

        if not isinstance(options, list):
            options = [{"name": k, "type": option_type(v), "value": v} for k, v in (options or {}).items()]
        data: Json = {"name": name, "type": 1, "options": options}
        # (a channel option (type 7) comes with the channel resolved, as Discord sends it; in a subcommand too)
        chosen = [o["value"] for o in [*options, *(o for sub in options for o in sub.get("options", []))]
                  if o.get("type") == 7]
        if chosen:
            data["resolved"] = {"channels": {str(c): {**self._channel(int(c)), "permissions": str(
                self._channel_permissions(int(self.users[user]["id"]), self._channel(int(c))))} for c in chosen}}
        where = self._channel(channel)
        guild_id = int(where.get("guild_id") or self.guild_id)
        guild_cmd = next((c for c in self.commands.get(guild_id, []) if c["name"] == name), None)
        global_cmd = next((c for c in self.commands.get(None, []) if c["name"] == name), None)
        if guild_cmd is not None:  # discord.py looks guild commands up by data.guild_id
            data["guild_id"] = str(guild_id)
        data["id"] = (guild_cmd or global_cmd or {}).get("id") or str(self._ids())
        return await self._interact(2, data, user, self._channel(channel))

    async def autocomplete(self, name: str, options: dict[str, Any], *, focused: str, user: str = "member",
                           channel: str | int = "general", timeout: float = 10,
                           subcommand: str | None = None) -> list[Json]:
        """`user` types in option `focused` of /name (or of its `subcommand`; the other options as given): an
        APPLICATION_COMMAND_AUTOCOMPLETE interaction; the choices the bot answers with (type 8)."""
        typed = [{"name": k, "type": 3, "value": v, **({"focused": True} if k == focused else {})}
                 for k, v in options.items()]
        data: Json = {"name": name, "type": 1, "options": [{"name": subcommand, "type": 1, "options": typed}]
                      if subcommand else typed}
        cmd = next((c for c in self.commands.get(None, []) if c["name"] == name), {})
        data["id"] = cmd.get("id") or str(self._ids())
        payload = await self._interact(4, data, user, self._channel(channel))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for response in self.responses:
                if response["interaction_id"] == int(payload["id"]):
                    assert response["type"] == 8, response
                    return list(response["data"].get("choices") or [])
            await asyncio.sleep(0.01)
        raise AssertionError(f"no autocomplete answer for /{name} {focused}")

    async def context_menu(self, name: str, message_id: int | str, *, user: str = "member") -> Json:
        """`user` picks the message command `name` (Apps in a message's menu) on a message: an APPLICATION_COMMAND
        of type 3 whose target is the message, resolved in full as Discord sends it."""
        msg = self.messages[int(message_id)]
        cmd = next((c for c in self.commands.get(None, []) if c["name"] == name and c.get("type") == 3), {})
        data: Json = {"name": name, "type": 3, "id": cmd.get("id") or str(self._ids()), "target_id": msg["id"],
                      "resolved": {"messages": {msg["id"]: self._visible(msg)}}}
        return await self._interact(2, data, user, self._channels[int(msg["channel_id"])])

    async def click(self, message_id: int, custom_id: str, *, user: str = "member",
                    values: list[str] | None = None) -> Json:
        """`user` clicks a button (or picks `values` in a select menu) on a message the bot posted."""
        msg = self.messages.get(int(message_id))
        component = find_component(msg["components"], custom_id) if msg else None
        if msg is None or component is None or component.get("disabled"):
            raise ValueError(f"message {message_id} has no enabled component {custom_id!r}")
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return await self._interact(3, data, user, self._channels[int(msg["channel_id"])], copy.deepcopy(msg))

    async def _interact(self, itype: int, data: Json, user: str, channel: Json, message: Json | None = None) -> Json:
        user_id = int(self.users[user]["id"])
        token = f"aW50ZXJhY3Rpb24.{secrets.token_urlsafe(32)}"
        guild_id = int(channel.get("guild_id") or self.guild_id)
        payload: Json = {
            "id": str(self._ids()), "application_id": str(self.application_id), "type": itype, "data": data,
            "token": token, "version": 1, "channel_id": channel["id"], "channel": channel, "locale": "en-US",
            "entitlements": [], "entitlement_sku_ids": [], "context": 0 if "guild_id" in channel else 1,
            "authorizing_integration_owners": {"0": str(guild_id)},
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(self._permissions(self.application_id, guild_id)),
        }
        if "guild_id" in channel:
            payload.update(guild_id=str(guild_id), guild_locale="en-US",
                           guild={"id": str(guild_id), "locale": "en-US", "features": []},
                           member=self._member(user_id, permissions=True, guild_id=guild_id))
        else:
            payload["user"] = self._users_by_id[user_id]
        if message is not None:
            payload["message"] = message
        self._interactions[token] = Interaction(payload=payload, channel=channel)
        await self._dispatch("INTERACTION_CREATE", payload)
        return payload

    async def wait_for_posts(self, n: int, *, timeout: float = 10) -> list[Json]:
        await until(lambda: len(self.posted) >= n, self._posted_event, timeout,
                    lambda: f"expected {n} posts, got {len(self.posted)}: {self.posted!r}; "
                            f"rejected={self.rejected!r}; unknown={self.unknown_requests!r}; "
                            f"server_errors={self.server_errors!r}")
        return self.posted

    async def wait_for_answer(self, answered: int, *, timeout: float = 10) -> Json:
        """The first post answering a message (replying to it) or an interaction, by its id."""
        if answered in self.answers:
            return self.answers[answered][0]
        waiter = self._answer_waiters.setdefault(answered, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            raise AssertionError(f"no answer to {answered} within {timeout}s; rejected={self.rejected!r}; "
                                 f"server_errors={self.server_errors!r}") from None

    def rate_limit(self, route_prefix: str, limit: int, per: float, *, announce: bool = True) -> None:
        """Limit each route whose path (after /api/v10) starts with route_prefix, in each channel, to `limit`
        requests per `per` seconds, as Discord does; one more is refused with a 429 and the time left as
        retry_after. With `announce`, every answer says what is left (X-RateLimit-*), so a client can wait
        before it is refused; without, it learns the limit from 429s alone. `windows` keeps the counts."""
        self._rate_limits.append(RateLimit(route_prefix, limit, per, announce))

    def lift_rate_limits(self) -> None:
        """No more rate limits (as if their windows had long passed)."""
        self._rate_limits.clear()
        self.windows.clear()

    def fail_after_create(self, channel: str | int, status: int = 502, *, times: int = 1) -> None:
        """The next `times` message creates in a channel are carried out (a message made, or one its nonce names
        returned), then answered with `status`: Discord's 5xx after it created the message, which the client
        cannot tell from one before."""
        self._create_faults.setdefault(int(self._channel(channel)["id"]), []).extend([status] * times)


# ------------------------------------------------------------------------------------------------------
# helpers for tests and benchmarks
# ------------------------------------------------------------------------------------------------------


async def until(done: Callable[[], bool], changed: asyncio.Event, timeout: float, failure: Callable[[], str]) -> None:
    """Wait until `done()`, looking again each time `changed` is set; AssertionError(failure()) after `timeout`."""
    async def wait() -> None:
        while not done():
            changed.clear()
            await changed.wait()

    try:
        await asyncio.wait_for(wait(), timeout)
    except TimeoutError:
        raise AssertionError(failure()) from None


@contextlib.contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Send discord.py's REST and gateway traffic to the fake, restoring the real URLs afterwards."""
    import discord.gateway
    import discord.http
    import yarl

    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def run_client(client: Any, fake: FakeDiscord, *, timeout: float = 10, reconnect: bool = False
                     ) -> AsyncIterator[Any]:
    """Log `client` in against the fake, connect, wait until ready; close it and join its task on exit. With
    `reconnect`, the client tries again when it cannot reach the fake (`go_down`), as `papers-bot run` does."""
    await client.login(fake.token)
    task = asyncio.create_task(client.connect(reconnect=reconnect))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # surface why the connection died
            raise TimeoutError(f"discord.py client was not ready within {timeout}s")
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, timeout)


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A running FakeDiscord(**options) with discord.py pointed at it."""
    fake = FakeDiscord(**options)
    await fake.start()
    try:
        with point_discord_py_at(fake):
            yield fake
    finally:
        await fake.stop()

