"""Text cut to a length, one way everywhere: titles, passages, statements and Discord's fields."""

from __future__ import annotations


def clip(text: str, limit: int, *, markdown: bool = False) -> str:
    """`text` cut to `limit` characters (the ellipsis included), at a word break in the last fifth where there is
    one, without a dangling comma or colon. `markdown`: the text is Discord markdown (escaped), so the cut never
    leaves half of a `**` pair or a lone backslash; plain text keeps every `**` it has (`2**k`)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():  # (the cut is inside a word: back to its start, if that is near)
        space = cut.rfind(" ")
        if space > limit * 0.8:
            cut = cut[:space]
    cut = cut.rstrip(" ,;:")
    if markdown:
        cut = cut.rstrip("\\")
        if cut.count("**") % 2:
            cut = cut[: cut.rfind("**")]
    return cut + "…"



def plural(n: int, word: str) -> str:
    """`1 record`, `2 records`, `1,000 records`."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def redact_url(url: str) -> str:
    """`url` as it may be shown, logged or stored: whatever stands before an `@` in its address (a user and
    password, or a token: `http://user:secret@host/`) replaced by `***`. A password holding `#`, `?` or `/`
    breaks the address where a parser would; then everything up to its last `@` goes."""
    from urllib.parse import urlsplit, urlunsplit

    scheme, sep, rest = url.partition("://")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        return urlunsplit((parts.scheme, "***@" + parts.netloc.rsplit("@", 1)[1], parts.path, parts.query,
                           parts.fragment))
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url if parts is not None else "(an address that does not parse)"


def redact_urls(text: str) -> str:
    """`text` with every address in it as `redact_url` shows it (a message that quotes one, stored before): up
    to the last `@` before the address ends (a space or a quote)."""
    import re

    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s'\"<>]*@", r"\1***@", text)
