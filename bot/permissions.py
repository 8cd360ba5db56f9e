"""What the bot needs in a channel, and why: the invite link's permissions (`papers-bot invite`)."""

from __future__ import annotations

import base64
import binascii

import discord

# (discord.Permissions flag, its name in Discord's settings, what the bot does with it): all it needs, no more.
NEEDED = (
    ("view_channel", "View Channel", "see the channels it answers in"),
    ("send_messages", "Send Messages", "answer"),
    ("send_messages_in_threads", "Send Messages in Threads", "answer follow-up questions in an answer's thread"),
    ("create_public_threads", "Create Public Threads", "start a thread on each answer, for follow-ups"),
    ("embed_links", "Embed Links", "show papers as cards with links (without it they come as text)"),
    ("read_message_history", "Read Message History", "reply to the message it answers"),
    ("attach_files", "Attach Files", "send long BibTeX exports as .bib files (without it they come as text)"),
)
# Asked for elsewhere, and not needed: the bot adds no reactions, and its slash commands
# come with the `applications.commands` scope (Use Application Commands is the members' permission to use them).
NOT_NEEDED = (
    ("add_reactions", "Add Reactions"),
    ("use_application_commands", "Use Application Commands"),
)
SCOPES = ("bot", "applications.commands")


def missing(permissions: discord.Permissions, flags: tuple[str, ...] | None = None) -> list[str]:
    """The names (as Discord's settings show them) of the permissions the bot needs, or of `flags`, that
    `permissions` lacks."""
    return [name for flag, name, _ in NEEDED if (flags is None or flag in flags) and not getattr(permissions, flag)]


def needed() -> discord.Permissions:
    return discord.Permissions(**{flag: True for flag, _, _ in NEEDED})


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server with exactly the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=needed(), scopes=SCOPES)


def application_id_of(token: str) -> int | None:
    """A bot token's first part is its user id (the application id), in base64; None for anything else."""
    head = token.split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() else None
