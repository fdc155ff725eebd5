"""A list as a grid of cells (a CSV file, a worksheet) turned into a `RosterSnapshot`: the one
reading of a header row that every roster adapter shares."""

from __future__ import annotations

from collections.abc import Sequence

from engine.models import CellValue, RawRow, RosterSnapshot


def snapshot_from_grid(
    header: Sequence[str], rows: Sequence[Sequence[CellValue]]
) -> RosterSnapshot:
    """`rows` (the records under the header, in order) keyed by column name. A blank header
    cell names nothing, and of two cells with one name the first counts (validation refuses
    a list where that matters). Missing trailing cells read as "" (Sheets leaves them out),
    and row numbers count records from 2, as a spreadsheet app shows them, not text lines."""
    named_columns: dict[str, int] = {}
    for position, name in enumerate(header):
        if name.strip():
            named_columns.setdefault(name, position)
    raw_rows = tuple(
        RawRow(
            row_number=row_number,
            values={
                name: cells[position] if position < len(cells) else ""
                for name, position in named_columns.items()
            },
        )
        for row_number, cells in enumerate(rows, start=2)
    )
    return RosterSnapshot(header=tuple(header), rows=raw_rows)
