"""One customer of a CSV list, read and written without parsing the whole list: the rows
`read` would give for them, and a write that changes their row's text alone.

The records that may hold the customer come from the text's id index (`csv_index`) when its
records can be told from its lines, else from a search of the text (`csv_scan`). Both say
None when they cannot be sure, and the caller goes through the whole list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine.models import RosterSnapshot, RowUpdate
from engine.ports import RosterError
from engine.roster.cells import cell_text
from engine.roster.columns import column_key, find_columns
from engine.roster.csv_encoding import DecodedText, has_undecodable, text_only, visible
from engine.roster.csv_formulas import as_typed, formula_safe
from engine.roster.csv_index import IdIndex
from engine.roster.csv_scan import Record, TextLayout, needle_for
from engine.roster.grid import named, raw_row

ID_COLUMN = "customer_id"


@dataclass
class CsvText:
    """A list's bytes as last read, their text, and (learnt when first asked) where its
    records are: kept while the bytes stay the same."""

    data: bytes
    decoded: DecodedText
    carried: IdIndex | None = None
    """The index of this very text, carried over from the write that made it."""

    @cached_property
    def layout(self) -> TextLayout:
        return TextLayout(self.decoded.text, self.decoded.encoding.label)

    @cached_property
    def index(self) -> IdIndex | None:
        return self.carried or IdIndex.build(self.layout, self.decoded.escaped)


def rows_of(csv_text: CsvText, customer_id: str) -> RosterSnapshot | None:
    """What `read` gives for the rows of `customer_id` (as `grid.one_customer` picks them):
    the header, those rows as `show_as_typed` leaves them, and the file's warning."""
    decoded = csv_text.decoded
    found = _records(csv_text, customer_id)
    if found is None:
        return None
    header, records = found
    cells = header.cells
    if any(map(has_undecodable, cells)):
        cells = [visible(cell) for cell in cells]
    columns = named(cells)
    id_column = find_columns(cells)[ID_COLUMN]
    wanted = customer_id.strip()
    rows = []
    for record in records:
        shown = list(map(visible if record.problem else as_typed, record.cells))
        row = raw_row(record.index + 1, shown, columns, record.problem)
        if cell_text(row.values.get(id_column)) == wanted:
            rows.append(row)
    warnings = (decoded.warning,) if decoded.warning else ()
    return RosterSnapshot(header=tuple(cells), rows=tuple(rows), warnings=warnings)


@dataclass(frozen=True)
class Spliced:
    not_found: list[str]
    text: str | None = None
    """The list's new text; None when no cell changed."""
    index: IdIndex | None = None
    """The new text's id index, when the old one carries over."""


def splice(csv_text: CsvText, updates: Sequence[RowUpdate], path: Path) -> Spliced | None:
    """For updates of one customer: the customer's row (the first with the id, as `apply`
    finds it) and, when a column is added, the header rewritten; every other character as
    it was."""
    found = _records(csv_text, updates[0].customer_id)
    if found is None:
        return None
    header, records = found
    header_cells = list(header.cells)
    columns = column_positions(header_cells, path)
    wanted = updates[0].customer_id.strip()
    at = columns[ID_COLUMN]
    record = next(
        (r for r in records if at < len(r.cells) and write_id(r.cells[at]) == wanted), None
    )
    if record is None or record.problem is not None:
        # A row that cannot be read is never written to: an update for it is not found.
        return Spliced(list(dict.fromkeys(update.customer_id for update in updates)))
    cells = list(record.cells)
    width = len(header_cells)
    changed = False
    for update in updates:
        changed = set_cells(header_cells, columns, cells, update) or changed
    if not changed:
        return Spliced([])
    text = csv_text.decoded.text
    row = _line(cells)
    if len(header_cells) > width:
        spliced = _line(header_cells) + text[header.end : record.start] + row
        return Spliced([], spliced + text[record.end :])
    index = csv_text.index
    carried = index.spliced(record, cells, row) if index is not None else None
    return Spliced([], text[: record.start] + row + text[record.end :], carried)


def column_positions(header: Sequence[str], path: Path) -> dict[str, int]:
    """Where each column is, by `column_key` (the first of two with one key)."""
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        columns.setdefault(column_key(name), position)
    if ID_COLUMN not in columns:
        raise RosterError(f"the onboarding list {path} has no {ID_COLUMN} column")
    return columns


def write_id(cell: str) -> str:
    """A stored id cell as a write finds it: the customer_id as the guide reads it."""
    return (as_typed(cell) if cell[:1] == "'" else cell).strip()


def set_cells(
    header: list[str], columns: dict[str, int], cells: list[str], update: RowUpdate
) -> bool:
    """Set `update`'s cells in a row (as the file stores them: formula-safe), adding a column
    the header lacks; whether any cell changed."""
    changed = False
    for name, typed in update.values.items():
        value = formula_safe(text_only(typed))
        key = column_key(name)
        if key not in columns:
            columns[key] = len(header)
            header.append(name)
        position = columns[key]
        if len(cells) <= position:
            cells.extend([""] * (position + 1 - len(cells)))
        if cells[position] != value:
            cells[position] = value
            changed = True
    return changed


def _records(csv_text: CsvText, customer_id: str) -> tuple[Record, list[Record]] | None:
    """The header and the records that may hold `customer_id`, in order."""
    wanted = customer_id.strip()
    if not wanted:
        return None  # rows without an id: the whole list says which
    index = csv_text.index
    if index is not None:
        return index.header, index.records(csv_text.decoded.text, wanted)
    layout = csv_text.layout
    header = layout.header
    needle = needle_for(customer_id)
    if header is None or header.problem is not None or needle is None:
        return None  # the whole read says what is wrong with a header
    if not any(cell.strip() for cell in header.cells):
        return None
    records = layout.records_holding(needle[0], whole=needle[1])
    return None if records is None else (header, records)


def _line(cells: Sequence[str]) -> str:
    """One row as the csv module writes it, without a line break; a cell holding either line
    break is quoted, whatever the file's line ending (see `csv_text.render`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()[:-2]
