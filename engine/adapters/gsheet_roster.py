"""The onboarding list as a Google Sheet: `OG_ROSTER=gsheet://SPREADSHEET_ID/WORKSHEET_TITLE`.

The spreadsheet id is the part of the sheet's address between `/d/` and `/edit`; the worksheet
is the tab's name (URL-encoded when it holds a `/` or a `%`). Requests go through gspread's
HTTP client over the retrying session of `google_auth`.

Reading is one `values.get` of the whole worksheet with UNFORMATTED_VALUE and SERIAL_NUMBER
dates, so cells arrive as Sheets holds them: text as typed (`00123` typed as text stays
`00123`), numbers as numbers, checkboxes as booleans and dates as serial numbers, which
validation reads. An id that Sheets itself turned into the number 123 arrives as 123 and is the
customer `123`: the zeros were gone from the sheet before the guide looked. Format the id column
as plain text to keep them.

Writing never trusts the read: people sort, insert and delete rows while the guide runs. A
write re-reads the header row and the customer_id column (one `spreadsheets.get`, which also
gives the grid's size), finds each row by its id, and sends every cell in one
`values.batchUpdate` with RAW input, typed as `gsheet_cells` says: the flags `paused` and
`finished` as booleans, the dates `signup_date` and `finished_date` as serial numbers, and
everything else as the text it is, so a pause note like `=IMPORTXML(...)` or `+1` is never a
formula or a number. Columns the list lacks are added after its last column. Before the values,
one `spreadsheets.batchUpdate` widens the grid when it is too narrow for them and gives the
cells it is about to fill with dates a date format; it is sent only when there is either to do.

Calls per tick (the budget is on Sheets API calls; the OAuth token exchange, about once an
hour, is not one): 1 to read. A write is 2 (the layout, the values), 3 when the grid must widen
or a date is written (one `spreadsheets.batchUpdate` does both), plus 1 in the rare case that
someone moved the customer_id column since the read. A tick writes when it finishes customers,
and a finish writes its finished_date: 1 + 3 = 4 calls, widening or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError

from engine.adapters.google_auth import (
    RetryingSession,
    credentials_from_environment,
    google_session,
)
from engine.adapters.gsheet_cells import date_format_requests, sheet_cell
from engine.bulk import cyclic_gc_paused
from engine.models import CellValue, RosterSnapshot, RowUpdate
from engine.ports import RosterError
from engine.roster.cells import cell_text, column_letter
from engine.roster.grid import one_customer, snapshot_from_grid
from engine.roster.validate import column_key

SCHEME = "gsheet://"
_ID_COLUMN = "customer_id"
_SPREADSHEET_ID = re.compile(r"[A-Za-z0-9_-]+")
_READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
}
# Only what the write needs: without a field mask, Sheets sends every cell's formats too.
_LAYOUT_FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "data(rowData(values(effectiveValue))))"
)

T = TypeVar("T")


def parse_gsheet_url(spec: str) -> tuple[str, str]:
    """(spreadsheet id, worksheet title) from `gsheet://ID/TITLE`. Raises ValueError."""
    spreadsheet_id, _, title = spec.strip().removeprefix(SCHEME).partition("/")
    title = unquote(title)
    if not _SPREADSHEET_ID.fullmatch(spreadsheet_id):
        raise ValueError(
            f"roster {spec!r}: {spreadsheet_id!r} is not a spreadsheet id; use "
            "gsheet://SPREADSHEET_ID/WORKSHEET_TITLE with the id from the sheet's address "
            "(between /d/ and /edit)"
        )
    if not title:
        raise ValueError(f"roster {spec!r} names no worksheet: gsheet://{spreadsheet_id}/TITLE")
    return spreadsheet_id, title


@dataclass
class _WriteLayout:
    sheet_id: int
    column_count: int
    header: list[str]
    id_position: int
    id_column: list[CellValue]
    """The cells of column `id_position`, row 1 first."""


class GoogleSheetRoster:
    """A `Roster` backed by one worksheet of a Google spreadsheet."""

    def __init__(self, spreadsheet_id: str, worksheet_title: str, session: RetryingSession):
        self.spreadsheet_id = spreadsheet_id
        self.worksheet_title = worksheet_title
        self._session = session
        # gspread uses the session as given (auth and all); the credentials argument is only
        # for its own log-in path, which an injected session bypasses.
        self._sheets = gspread.Client(session.credentials, session=session).http_client
        self._a1_sheet = "'" + worksheet_title.replace("'", "''") + "'"
        # Learnt from the last read, to make the write's re-read hit the id column first time
        # and to put new columns after any unnamed column that holds data.
        self._id_position = 0
        self._read_header: list[str] = []
        self._data_width = 0

    @classmethod
    def from_url(cls, spec: str, session: RetryingSession | None = None) -> GoogleSheetRoster:
        spreadsheet_id, title = parse_gsheet_url(spec)
        return cls(spreadsheet_id, title, session or google_session(credentials_from_environment()))

    @property
    def url(self) -> str:
        return f"{SCHEME}{self.spreadsheet_id}/{quote(self.worksheet_title, safe=' ')}"

    def __repr__(self) -> str:
        return f"GoogleSheetRoster({self.url!r})"

    def read(self) -> RosterSnapshot:
        with cyclic_gc_paused():
            payload = self._call(
                "read",
                lambda: self._sheets.values_get(
                    self.spreadsheet_id, self._a1_sheet, params=dict(_READ_OPTIONS)
                ),
            )
            return self._snapshot(payload.get("values", []))

    def read_one(self, customer_id: str) -> RosterSnapshot:
        return one_customer(self.read(), customer_id)

    def _snapshot(self, rows: list[list[CellValue]]) -> RosterSnapshot:
        if not rows or not any(_header_text(cell).strip() for cell in rows[0]):
            raise RosterError(f"{self.url}: the worksheet has no header row (row 1 is blank)")
        header = [_header_text(cell) for cell in rows[0]]
        self._id_position = next(
            (p for p, name in enumerate(header) if column_key(name) == _ID_COLUMN), 0
        )
        self._read_header = header
        self._data_width = max(len(cells) for cells in rows)
        return snapshot_from_grid(header, rows[1:])

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        if not updates:
            return []
        layout = self._layout()
        columns: dict[str, int] = {}
        for position, name in enumerate(layout.header):
            columns.setdefault(column_key(name), position)
        id_position = columns.get(_ID_COLUMN)
        if id_position is None:
            raise RosterError(f"{self.url}: the onboarding list has no {_ID_COLUMN} column")
        ids = layout.id_column if id_position == layout.id_position else self._column(id_position)
        # The first row with an id is the customer, as validation skips later duplicates.
        row_by_id: dict[str, int] = {}
        for row_number, value in enumerate(ids[1:], start=2):
            if customer_id := cell_text(value):
                row_by_id.setdefault(customer_id, row_number)

        # Past the widest row of the last read, unless the columns changed since (then that
        # width says nothing about the columns now).
        width = self._data_width if layout.header == self._read_header else 0
        next_column = max(len(layout.header), width)
        cells: dict[tuple[int, int], CellValue] = {}
        dates: set[tuple[int, int]] = set()
        not_found: list[str] = []
        for update in updates:
            target_row = row_by_id.get(update.customer_id.strip())
            if target_row is None:
                if update.customer_id not in not_found:
                    not_found.append(update.customer_id)
                continue
            for name, text in update.values.items():
                key = column_key(name)
                if key not in columns:
                    columns[key] = next_column
                    cells[(1, next_column)] = name
                    next_column += 1
                at = (target_row, columns[key])
                cell = sheet_cell(key, text)
                cells[at] = cell.value
                if cell.is_date:
                    dates.add(at)
                else:  # a later update of the row may have cleared it
                    dates.discard(at)
        if not cells:
            return not_found
        # Widening first: the dates may be in the new columns.
        requests = date_format_requests(layout.sheet_id, dates)
        needed_columns = max(position for _, position in cells) + 1
        if needed_columns > layout.column_count:
            requests.insert(0, _widen_request(layout.sheet_id, needed_columns))
        if requests:
            self._call(
                "update",
                lambda: self._sheets.batch_update(self.spreadsheet_id, {"requests": requests}),
            )
        body = {"valueInputOption": "RAW", "data": self._value_ranges(cells)}
        self._call(
            "update", lambda: self._sheets.values_batch_update(self.spreadsheet_id, body=body)
        )
        return not_found

    def _layout(self) -> _WriteLayout:
        """The header row, the column where customer_id stood at the last read, and the grid,
        in one request."""
        guess = column_letter(self._id_position)
        params: dict[str, Any] = {
            "ranges": [f"{self._a1_sheet}!1:1", f"{self._a1_sheet}!{guess}:{guess}"],
            "includeGridData": "true",
            "fields": _LAYOUT_FIELDS,
        }
        payload = self._call(
            "update", lambda: self._sheets.fetch_sheet_metadata(self.spreadsheet_id, params)
        )
        # Picked by title: which other sheets come along when ranges are given is not ours
        # to rely on.
        sheet = next(
            (s for s in payload["sheets"] if s["properties"]["title"] == self.worksheet_title),
            None,
        )
        if sheet is None:
            raise RosterError(f"{self.url}: Google Sheets answered without the worksheet")
        properties = sheet["properties"]
        # One GridData per requested range, in the order requested.
        data = sheet.get("data", [])
        if len(data) != 2:
            raise RosterError(f"{self.url}: Google Sheets answered {len(data)} ranges, not 2")
        header_data, id_data = data
        header_cells = _grid_values(header_data)
        return _WriteLayout(
            # JSON may leave out zeros, and the first sheet's id is usually 0.
            sheet_id=int(properties.get("sheetId", 0)),
            column_count=int(properties["gridProperties"]["columnCount"]),
            header=[_header_text(cell) for cell in (header_cells[0] if header_cells else [])],
            id_position=self._id_position,
            id_column=[row[0] if row else None for row in _grid_values(id_data)],
        )

    def _column(self, position: int) -> list[CellValue]:
        letter = column_letter(position)
        payload = self._call(
            "update",
            lambda: self._sheets.values_get(
                self.spreadsheet_id,
                f"{self._a1_sheet}!{letter}:{letter}",
                params={**_READ_OPTIONS, "majorDimension": "COLUMNS"},
            ),
        )
        values: list[list[CellValue]] = payload.get("values", [])
        return values[0] if values else []

    def _value_ranges(self, cells: dict[tuple[int, int], CellValue]) -> list[dict[str, Any]]:
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
                    "range": f"{self._a1_sheet}!{column_letter(first)}{row_number}:"
                    f"{column_letter(last)}{row_number}",
                    "majorDimension": "ROWS",
                    "values": [[row.get(position) for position in range(first, last + 1)]],
                }
            )
        return ranges

    def _call(self, doing: str, request: Callable[[], T]) -> T:
        account = self._session.account
        try:
            return request()
        except APIError as error:
            raise RosterError(f"{self.url}: {self._explain(doing, error, account)}") from error
        except GoogleAuthError as error:
            raise RosterError(
                f"{self.url}: cannot sign in to Google as {account}: {error}"
            ) from error
        except requests.RequestException as error:
            raise RosterError(
                f"{self.url}: cannot {doing} the sheet, Google Sheets did not answer ({error})"
            ) from error

    def _explain(self, doing: str, error: APIError, account: str) -> str:
        code = error.code
        message = str(error.error.get("message", "")) or "no reason given"
        if code == 404:
            return (
                f"there is no spreadsheet {self.spreadsheet_id}: check the id in OG_ROSTER "
                "(the part of the sheet's address between /d/ and /edit)"
            )
        if code == 403:
            return (
                f"{account} may not {doing} this spreadsheet ({message}): share the sheet with "
                "that address as an editor"
            )
        if code == 400 and message.startswith("Unable to parse range"):
            return f"the spreadsheet has no worksheet (tab) named {self.worksheet_title!r}"
        if code == 429 or code >= 500:
            tries = self._session.retry.attempts
            return f"Google Sheets answered {code} ({message}) to all {tries} tries to {doing} it"
        return f"Google Sheets refused to {doing} the sheet: {code} {message}"


def _widen_request(sheet_id: int, column_count: int) -> dict[str, Any]:
    # Setting the count (rather than appending columns) is safe to retry.
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"columnCount": column_count}},
            "fields": "gridProperties.columnCount",
        }
    }


def _header_text(cell: CellValue) -> str:
    # A header cell is kept as typed, spaces and all, like the CSV list's; a number or a
    # checkbox in row 1 becomes its text.
    return cell if isinstance(cell, str) else cell_text(cell)


def _grid_values(grid_data: dict[str, Any]) -> list[list[CellValue]]:
    """The effective values of a GridData, as the values API would give them unformatted."""
    rows: list[list[CellValue]] = []
    for row in grid_data.get("rowData", []):
        rows.append([_effective_value(cell) for cell in row.get("values", [])])
    return rows


def _effective_value(cell: dict[str, Any]) -> CellValue:
    value = cell.get("effectiveValue", {})
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in value:
            found: CellValue = value[kind]
            return found
    return None  # empty, or an error such as #REF!: not an id
