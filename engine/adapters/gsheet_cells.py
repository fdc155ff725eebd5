"""The guide's cells as a Google Sheet holds them.

The guide writes text (`RowUpdate`), but a sheet types its cells, and a checkbox or date column
that the guide filled with text would stop being one. So, written RAW:

- a flag (`FLAG_COLUMNS`) is a boolean: "TRUE" true, "" false (a checkbox stays a checkbox,
  unchecked, and a plain cell shows FALSE);
- a date (`DATE_COLUMNS`, and the day in a `FLAG_OR_DATE_COLUMNS` cell) in ISO text is its
  serial number, which shows as a date only through a date format: a value written RAW keeps
  whatever format its cell had, often none, so the write also formats the cells it fills with
  dates. "" clears the cell, and "TRUE" in a flag-or-date cell is a checked box;
- everything else is the text it is, never a formula or a number, and so is a flag or date
  column's text that is not a flag or an ISO date (say, an undo giving back what a person had
  typed there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from engine.roster.cells import parse_bool, serial_number
from engine.roster.columns import DATE_COLUMNS, FLAG_COLUMNS, FLAG_OR_DATE_COLUMNS, column_key

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
"""How a date the guide writes shows in the sheet: as the CSV list has it."""
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SheetCell(NamedTuple):
    value: str | bool | int
    is_date: bool = False
    """A serial number that needs a date format to show as a date."""


def sheet_cell(column: str, text: str) -> SheetCell:
    """What to write into `column` for the guide's `text`."""
    key = column_key(column)
    if key in FLAG_COLUMNS:
        try:
            return SheetCell(parse_bool(text))
        except ValueError:
            return SheetCell(text)
    if key in FLAG_OR_DATE_COLUMNS and text == "TRUE":  # a person's checkbox, given back
        return SheetCell(True)
    if key in (*DATE_COLUMNS, *FLAG_OR_DATE_COLUMNS) and _ISO_DATE.fullmatch(text):
        try:
            return SheetCell(serial_number(date.fromisoformat(text)), is_date=True)
        except ValueError:  # 2026-02-30
            return SheetCell(text)
    return SheetCell(text)


def date_format_requests(sheet_id: int, cells: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
    """spreadsheets.batchUpdate requests giving DATE_FORMAT to `cells` (row number from 1,
    column position from 0) and to no other cell: one repeatCell per run of adjacent rows in a
    column, so a tick that finishes a sorted block of customers sends few."""
    requests: list[dict[str, Any]] = []
    for column, first, last in _runs(cells):
        requests.append(
            {
                "repeatCell": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": first - 1,
                        "endRowIndex": last,
                        "startColumnIndex": column,
                        "endColumnIndex": column + 1,
                    },
                    "cell": {"userEnteredFormat": {"numberFormat": dict(DATE_FORMAT)}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    return requests


def _runs(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each run of adjacent rows in a column."""
    runs: list[tuple[int, int, int]] = []
    for row, column in sorted(cells, key=lambda cell: (cell[1], cell[0])):
        if runs and runs[-1][0] == column and runs[-1][2] == row - 1:
            runs[-1] = (column, runs[-1][1], row)
        else:
            runs.append((column, row, row))
    return runs
