"""Message placeholders: finding `{name}` tokens and filling them in.

Templates are written by reps and filled with customer data, so filling them is plain text
substitution: never `str.format`, which would let `{name.__class__}` or `{x[0]}` reach into
Python objects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = frozenset(
    {
        "first_name",
        "name",
        "company",
        "plan",
        "step",
        "done_link",
        "owner_name",
        "original_subject",
    }
)

# `{{` and `}}` come first so an escaped brace is consumed before it can open a token.
# Anything between single braces is a token, malformed or not, so validation can name it.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def placeholders_in(text: str) -> list[str]:
    """Every `{...}` token in `text`, as written between the braces, in order."""
    return [m.group(1) for m in _TOKEN.finditer(text) if m.group(1) is not None]


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each `{key}` with `values[key]`; `{{` and `}}` become literal braces.

    Values are inserted as they are and never scanned again. A key missing from `values`
    raises KeyError: the rules check rejects unknown placeholders long before a send.
    """

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key is None:
            return match.group(0)[0]
        return values[key]

    return _TOKEN.sub(fill, text)
