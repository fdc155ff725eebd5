"""How errors quote the rep's own text: whole when it is short, clipped when it is long.

A doc of a megabyte can have a plan named with a pasted paragraph and tens of thousands of
steps; an error that repeated the name, or listed every step, for each of its steps would be
gigabytes. Clipping keeps each error short, so the errors of a doc grow with the doc.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from engine.models import clip

QUOTE_CHARS = 80
LISTED_NAMES = 10


def quote(text: str) -> str:
    """A sentence in double quotes, cut at 80 characters."""
    return f'"{text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."}"'


def clip_name(text: str) -> str:
    """A plan's or step's name where it repeats in other errors than its own."""
    return clip(text)


def name_list(names: Iterable[str], count: int) -> str:
    """'a, b, c', or the first ten of the `count` names and how many more. Reads only the
    names it shows, so listing a plan's steps in each of many errors stays cheap."""
    shown = ", ".join(clip(n) for n in islice(names, LISTED_NAMES))
    if count <= LISTED_NAMES:
        return shown
    return f"{shown} and {count - LISTED_NAMES:,} more"


def plan_window_hint(step: str | None) -> str:
    """ "Pro plan: nudge after ..." reads naturally but names a step: the real form."""
    if step is None or not step.lower().endswith("plan"):
        return ""
    return (
        ". To give a plan its own window, write 'Nudge after N days, flag after M more "
        "days.' right after the plan's sentence"
    )
