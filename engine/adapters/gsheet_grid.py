"""What the Google Sheet roster makes of the Sheets API's answers and what it sends, without
calling it: header cells, a GridData's values, where each customer's rows are, the cells of a
write and their ranges, a request to widen the grid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.adapters.gsheet_cells import DATE_FORMAT, sheet_cell
from engine.models import CellValue, RawRow, RosterSnapshot, RowUpdate
from engine.roster.cells import cell_text, column_letter
from engine.roster.columns import column_key
from engine.roster.grid import named, raw_row

ID_COLUMN = "customer_id"


@dataclass
class WriteLayout:
    """What a write needs to know of the worksheet as it is now."""

    sheet_id: int
    column_count: int
    header: list[str]
    row_by_id: dict[str, int]
    """The row number of each customer the write may touch: the first row with their id,
    as validation skips later duplicates."""


def id_position(header: Sequence[str]) -> int | None:
    """Where customer_id stands in the header (the first such column), or None."""
    return next((p for p, name in enumerate(header) if column_key(name) == ID_COLUMN), None)


def rows_by_id(ids: Sequence[CellValue], first_row: int) -> dict[str, list[int]]:
    """The row numbers that hold each id (as validation reads an id: its text, stripped), in
    order; `ids` are the cells of the id column from row `first_row` down."""
    rows: dict[str, list[int]] = {}
    for row_number, value in enumerate(ids, start=first_row):
        if customer_id := cell_text(value):
            rows.setdefault(customer_id, []).append(row_number)
    return rows


def id_cell(cells: Sequence[CellValue], position: int) -> str:
    return cell_text(cells[position]) if position < len(cells) else ""


def rows_snapshot(
    header: Sequence[str], rows: Sequence[tuple[int, Sequence[CellValue]]]
) -> RosterSnapshot:
    """(row number, cells) pairs under `header`, as `snapshot_from_grid` would key them."""
    columns = named(header)
    raw: list[RawRow] = [raw_row(number, cells, columns) for number, cells in rows]
    return RosterSnapshot(header=tuple(header), rows=tuple(raw))


def header_text(cell: CellValue) -> str:
    # A header cell is kept as typed, spaces and all, like the CSV list's; a number or a
    # checkbox in row 1 becomes its text.
    return cell if isinstance(cell, str) else cell_text(cell)


def grid_values(grid_data: dict[str, Any]) -> list[list[CellValue]]:
    """The effective values of a GridData, as the values API would give them unformatted."""
    rows: list[list[CellValue]] = []
    for row in grid_data.get("rowData", []):
        rows.append([_effective_value(cell) for cell in row.get("values", [])])
    return rows


def row_values(grid_data: dict[str, Any]) -> list[list[CellValue]]:
    """The rows of a GridData asked with effectiveValue and formattedValue, each cell as the
    values API gives it unformatted (what `read` gets): an empty cell "", a whole number an
    int, an error its text (`#REF!`); trailing empty cells left out."""
    rows: list[list[CellValue]] = []
    for row in grid_data.get("rowData", []):
        cells = [_unformatted(cell) for cell in row.get("values", [])]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(cells)
    return rows


def _unformatted(cell: dict[str, Any]) -> CellValue:
    value = cell.get("effectiveValue", {})
    if "errorValue" in value:
        return str(cell.get("formattedValue", "#ERROR!"))
    found = _effective_value(cell)
    if isinstance(found, float) and found.is_integer():
        return int(found)
    return "" if found is None else found


def _effective_value(cell: dict[str, Any]) -> CellValue:
    value = cell.get("effectiveValue", {})
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in value:
            found: CellValue = value[kind]
            return found
    return None  # empty, or an error such as #REF!: not an id


def widen_request(sheet_id: int, column_count: int) -> dict[str, Any]:
    # Setting the count (rather than appending columns) is safe to retry.
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"columnCount": column_count}},
            "fields": "gridProperties.columnCount",
        }
    }


class PlannedCells(NamedTuple):
    cells: dict[tuple[int, int], CellValue]
    """What to write, by (row number, column position)."""
    dates: set[tuple[int, int]]
    """Those of them that need a date format."""
    not_found: list[str]


def planned_cells(layout: WriteLayout, updates: Sequence[RowUpdate], width: int) -> PlannedCells:
    """The cells `updates` set, as `gsheet_cells` types them; a column the header lacks is
    named in row 1 past the header and past `width` (the widest row last read)."""
    columns: dict[str, int] = {}
    for position, name in enumerate(layout.header):
        columns.setdefault(column_key(name), position)
    next_column = max(len(layout.header), width)
    planned = PlannedCells({}, set(), [])
    for update in updates:
        target_row = layout.row_by_id.get(update.customer_id.strip())
        if target_row is None:
            if update.customer_id not in planned.not_found:
                planned.not_found.append(update.customer_id)
            continue
        for name, text in update.values.items():
            key = column_key(name)
            if key not in columns:
                columns[key] = next_column
                planned.cells[(1, next_column)] = name
                next_column += 1
            at = (target_row, columns[key])
            cell = sheet_cell(key, text)
            planned.cells[at] = cell.value
            if cell.is_date:
                planned.dates.add(at)
            else:  # a later update of the row may have cleared it
                planned.dates.discard(at)
    return planned


def value_ranges(a1_sheet: str, cells: dict[tuple[int, int], CellValue]) -> list[dict[str, Any]]:
    """One range per row, from its first to its last written cell; `None` in between
    leaves a cell as it is (the API skips nulls)."""
    by_row: dict[int, dict[int, CellValue]] = {}
    for (row_number, position), value in cells.items():
        by_row.setdefault(row_number, {})[position] = value
    ranges = []
    for row_number in sorted(by_row):
        row = by_row[row_number]
        first, last = min(row), max(row)
        ranges.append(
            {
                "range": f"{a1_sheet}!{column_letter(first)}{row_number}:"
                f"{column_letter(last)}{row_number}",
                "majorDimension": "ROWS",
                "values": [[row.get(position) for position in range(first, last + 1)]],
            }
        )
    return ranges


def update_cells_requests(
    sheet_id: int, cells: dict[tuple[int, int], CellValue], dates: set[tuple[int, int]]
) -> list[dict[str, Any]]:
    """spreadsheets.batchUpdate requests that write `cells` as a RAW `values.batchUpdate`
    would (text as text, never a formula), and give the cells in `dates` DATE_FORMAT: one
    updateCells per cell, so no cell between them is touched."""
    requests: list[dict[str, Any]] = []
    for (row_number, position), value in sorted(cells.items()):
        data: dict[str, Any] = {}
        if value is not None and value != "":  # "" clears the cell, as RAW does
            data["userEnteredValue"] = _entered_value(value)
        fields = "userEnteredValue"
        if (row_number, position) in dates:
            data["userEnteredFormat"] = {"numberFormat": dict(DATE_FORMAT)}
            fields += ",userEnteredFormat.numberFormat"
        requests.append(
            {
                "updateCells": {
                    "start": {
                        "sheetId": sheet_id,
                        "rowIndex": row_number - 1,
                        "columnIndex": position,
                    },
                    "rows": [{"values": [data]}],
                    "fields": fields,
                }
            }
        )
    return requests


def _entered_value(value: str | bool | int | float) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": value}
