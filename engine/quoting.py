"""Quoting what people typed (a cell, a subject line) in a message of the guide's own."""

from __future__ import annotations

CLIP_CHARS = 80


def clip(text: str, limit: int = CLIP_CHARS) -> str:
    """A cell's text short enough to quote in a message: a pasted essay stays readable."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"
