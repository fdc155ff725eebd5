"""Formula-safe cells: what the guide writes into a CSV file is shown as text, never run.

Excel, LibreOffice and Google Sheets (importing a CSV) take a cell that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return for a formula, so a pause note such as
`=HYPERLINK("http://evil.example", "click")` would become a live link, or worse (OWASP, "CSV
injection"). The advice there: start such a cell with a single quote, after which those
programs show the cell as text (opening a CSV file, some of them show the quote as well).

The guide shows people what they typed, so reading takes that quote away again. The pair is
exact for any text: a value that itself starts with quotes and then a trigger character gets one
more quote, and reading takes one quote away only from a cell whose quotes are followed by a
trigger character, so `as_typed(formula_safe(value)) == value` always. A person who types
`'=1` by hand into a CSV file reads as `=1`: the same rule, applied to every cell.
"""

from __future__ import annotations

import re

TRIGGERS = frozenset("=+-@\t\r")
# A quote then a trigger or another quote: the superset of guide-escaped cells that a whole file
# is searched for (a literal first character keeps the search fast).
_CANDIDATE = re.compile("'[=+\\-@\t\r']")
_FIELD_START = frozenset(',"\r\n')


def formula_safe(value: str) -> str:
    """`value` as the guide writes it into a CSV cell."""
    rest = value.lstrip("'")
    if rest and rest[0] in TRIGGERS:
        return "'" + value
    return value


def as_typed(cell: str) -> str:
    """A CSV cell as the value it holds: the quote `formula_safe` added, taken away."""
    if cell[:1] != "'":
        return cell
    rest = cell.lstrip("'")
    if rest and rest[0] in TRIGGERS:
        return cell[1:]
    return cell


def escaped_offsets(text: str) -> list[int]:
    """Where in a CSV file's text a cell may start with a quote that `as_typed` takes away:
    every such cell starts at one of these offsets, and most files have none at all."""
    return [
        match.start()
        for match in _CANDIDATE.finditer(text)
        if match.start() == 0 or text[match.start() - 1] in _FIELD_START
    ]
