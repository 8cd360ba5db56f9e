"""Text cut to a length, one way everywhere: titles, passages, statements and Discord's fields."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, at a word break in the last fifth where there is one, and marked
    with an ellipsis. Never leaves a dangling comma, half of a markdown pair or a lone escape behind."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    cut = cut.rstrip(" ,;:").rstrip("\\")
    if cut.count("**") % 2:
        cut = cut[: cut.rfind("**")]
    return cut + "…"
