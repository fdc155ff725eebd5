"""Stray quotes in a CSV file: how a row whose quote never closes is told from a quoted cell
that rightly runs over several lines.

A quote at the start of a cell (a name typed as `"Bob`) makes the csv module read on, over line
breaks, until some later quote closes the cell: the rows in between become part of one cell.
A quoted address or note over several lines reads the same way. What tells them apart: the
lines a stray quote swallows are rows of the list, each of which reads alone as one
(`RowShape`), and either the row it makes is not well formed (its quote is closed by the end
of the file, or by a quote followed by more text, as the opening quote of a later cell is),
or its own line still holds the rest of its row. A well-formed row with a full row of cells is
always taken as it reads, whatever its cell over several lines holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from engine.roster.columns import REQUIRED_COLUMNS, column_key


@dataclass(frozen=True)
class RowShape:
    """What a text line, read alone, must look like to be taken for a row of the list."""

    width: int
    id_position: int
    email_position: int | None
    reach: int
    """How many cells hold every required column."""

    @classmethod
    def of(cls, header: Sequence[str]) -> RowShape:
        keys = [column_key(cell) for cell in header]
        required = [keys.index(name) for name in REQUIRED_COLUMNS if name in keys]
        return cls(
            width=len(header),
            id_position=id_position(header),
            email_position=keys.index("email") if "email" in keys else None,
            reach=max(required, default=len(header) - 1) + 1,
        )

    def fits(self, line: str) -> bool:
        # Too few commas for the cells a row needs: most lines of a note or an address.
        if line.count(",") + 1 < min(self.width, self.reach):
            return False
        return self.fits_cells(next(csv.reader((line,)), []))

    def fits_cells(self, cells: list[str]) -> bool:
        """A customer_id, and as many cells as the header (as a spreadsheet app saves every
        row) or, for a row cut short, every required column with an email address."""
        if len(cells) <= self.id_position or not cells[self.id_position].strip():
            return False
        if len(cells) >= self.width:
            return True
        email = self.email_position
        return email is not None and len(cells) >= self.reach and "@" in cells[email]


def literal_cells(raw: str) -> tuple[list[str], int, int] | None:
    """When a quote opens a cell of `raw` (one row's text) and is still open at its end: the
    row's cells with that quote taken as a plain character, the cell's position, and the
    quote's offset in `raw`."""
    opened = open_quote(raw)
    if opened is None:
        return None
    position, offset = opened
    cells = next(csv.reader(io.StringIO(raw[:offset] + raw[offset + 1 :], newline="")), [])
    if position < len(cells):
        cells[position] = '"' + cells[position]
    return cells, position, offset


def open_quote(raw: str) -> tuple[int, int] | None:
    """(cell position, offset) of the quote that opened a cell still open at the end of
    `raw`, as the csv module's default dialect reads it: a quote opens a cell only as its
    first character, two quotes inside stand for one, and a quote followed by anything else
    closes the cell. The position counts from the last record that starts in `raw`."""
    position, offset = 0, -1
    at_start, quoted = True, False
    index, length = 0, len(raw)
    while index < length:
        character = raw[index]
        if quoted:
            if character == '"':
                if index + 1 < length and raw[index + 1] == '"':
                    index += 1
                else:
                    quoted = False
        elif character == '"' and at_start:
            quoted, offset, at_start = True, index, False
        elif character == ",":
            position, at_start = position + 1, True
        elif character in "\r\n":
            position, at_start = 0, True
        else:
            at_start = False
        index += 1
    return (position, offset) if quoted else None


def id_position(header: Sequence[str]) -> int:
    keys = [column_key(cell) for cell in header]
    return keys.index("customer_id") if "customer_id" in keys else 0
