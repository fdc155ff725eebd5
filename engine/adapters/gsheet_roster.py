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

One customer (a click, a done link, `og status`) is read without the rest: every whole read
tells a `RowMemory` which rows hold each id, and `read_one` reads the header and the rows
remembered for the customer in one `values.batchGet`, a few dozen cells at any size. A row is
trusted only when its id is still the customer's, as the header now places the id column:
people sort, insert and delete rows while the guide runs. When any is not, or nothing is
remembered, the id column is read (with the header, one call), remembered anew, and the rows
it names read and checked again; rows that moved once more in between send it to a whole read.
What it cannot see is a second row with the same id that a person added since the last look:
until the next whole read, the customer is the row remembered (the tick reads the whole list).

Writing never trusts the read. A write re-reads the header row and the customer_id column (one
`spreadsheets.get`, which also gives the grid's size), finds each row by its id, and sends
every cell in one `values.batchUpdate` with RAW input, typed as `gsheet_cells` says: the flags
`paused` and `finished` as booleans, the dates `signup_date` and `finished_date` as serial
numbers, and everything else as the text it is, so a pause note like `=IMPORTXML(...)` or `+1`
is never a formula or a number. Columns the list lacks are added after its last column. Before
the values, one `spreadsheets.batchUpdate` widens the grid when it is too narrow for them and
gives the cells it is about to fill with dates a date format; it is sent only when there is
either to do. A write of one customer (an action) re-reads the header and their remembered row
instead of the whole id column, and goes the long way when the row's id is not theirs.

Calls per tick (the budget is on Sheets API calls; the OAuth token exchange, about once an
hour, is not one): 1 to read. A write is 2 (the layout, the values), 3 when the grid must widen
or a date is written (one `spreadsheets.batchUpdate` does both), plus 1 in the rare case that
someone moved the customer_id column since the read. A tick writes when it finishes customers,
and a finish writes its finished_date: 1 + 3 = 4 calls, widening or not. Per click or link: 1
(header and row), 3 when the row moved (and the id column, about one cell per customer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
from engine.adapters.gsheet_cells import date_format_requests
from engine.adapters.gsheet_grid import (
    ID_COLUMN,
    WriteLayout,
    grid_values,
    header_text,
    id_cell,
    id_position,
    planned_cells,
    rows_by_id,
    rows_snapshot,
    value_ranges,
    widen_request,
)
from engine.adapters.row_memory import InProcessRowMemory
from engine.bulk import cyclic_gc_paused
from engine.models import CellValue, RosterSnapshot, RowUpdate
from engine.ports import RosterError, RowMemory
from engine.roster.cells import column_letter
from engine.roster.grid import one_customer, snapshot_from_grid

SCHEME = "gsheet://"
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
Rows = list[tuple[int, list[CellValue]]]
"""(row number, cells) of some rows of the worksheet."""


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


def gsheet_url(spreadsheet_id: str, worksheet_title: str) -> str:
    """The one spelling of a worksheet's `gsheet://` URL."""
    return f"{SCHEME}{spreadsheet_id}/{quote(worksheet_title, safe=' ')}"


class GoogleSheetRoster:
    """A `Roster` backed by one worksheet of a Google spreadsheet."""

    def __init__(
        self,
        spreadsheet_id: str,
        worksheet_title: str,
        session: RetryingSession,
        memory: RowMemory | None = None,
    ):
        self.spreadsheet_id = spreadsheet_id
        self.worksheet_title = worksheet_title
        self._session = session
        # gspread uses the session as given (auth and all); the credentials argument is only
        # for its own log-in path, which an injected session bypasses.
        self._sheets = gspread.Client(session.credentials, session=session).http_client
        self._a1_sheet = "'" + worksheet_title.replace("'", "''") + "'"
        self._memory: RowMemory = memory or InProcessRowMemory()
        # Learnt from the last read, to make a re-read hit the id column first time and to
        # put new columns after any unnamed column that holds data.
        self._id_position = 0
        self._read_header: list[str] = []
        self._data_width = 0

    @classmethod
    def from_url(
        cls, spec: str, session: RetryingSession | None = None, memory: RowMemory | None = None
    ) -> GoogleSheetRoster:
        spreadsheet_id, title = parse_gsheet_url(spec)
        session = session or google_session(credentials_from_environment())
        return cls(spreadsheet_id, title, session, memory)

    @property
    def url(self) -> str:
        return gsheet_url(self.spreadsheet_id, self.worksheet_title)

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
            rows: list[list[CellValue]] = payload.get("values", [])
            snapshot = self._snapshot(rows)
            position = id_position(snapshot.header)
            if position is not None:
                ids = [cells[position] if position < len(cells) else None for cells in rows[1:]]
                self._memory.remember(rows_by_id(ids, 2))
            return snapshot

    def read_one(self, customer_id: str) -> RosterSnapshot:
        wanted = customer_id.strip()
        remembered = self._memory.rows_of(wanted)
        if remembered:
            found = self._if_theirs(wanted, *self._rows(remembered))
            if found is not None:
                return found
        return self._look_for(wanted)

    def _look_for(self, wanted: str) -> RosterSnapshot:
        """The customer's rows found by the id column, which is remembered anew."""
        guess = self._id_position
        header, id_rows = self._rows([], column=guess)
        position = id_position(header)
        if position is None:
            return one_customer(rows_snapshot(header, []), wanted)  # raises RosterError
        self._id_position = position
        ids = [cells[0] if cells else None for _, cells in id_rows]
        if position != guess:  # someone moved the id column since the last read
            ids = self._column(position, "read")[1:]
        found = rows_by_id(ids, 2)
        self._memory.remember(found)
        numbers = found.get(wanted, [])
        if not numbers:
            return one_customer(rows_snapshot(header, []), wanted)
        checked = self._if_theirs(wanted, *self._rows(numbers))
        if checked is not None:
            return checked
        # They moved again between the two reads: one read of everything cannot be torn.
        return one_customer(self.read(), wanted)

    def _rows(self, numbers: Sequence[int], column: int | None = None) -> tuple[list[str], Rows]:
        """The header, and the rows `numbers` or (from row 2 down) the cells of `column`, in
        one call."""
        ranges = [f"{self._a1_sheet}!1:1"]
        if column is not None:
            letter = column_letter(column)
            ranges.append(f"{self._a1_sheet}!{letter}2:{letter}")
        ranges += [f"{self._a1_sheet}!{number}:{number}" for number in numbers]
        payload = self._call(
            "read",
            lambda: self._sheets.values_batch_get(
                self.spreadsheet_id, ranges, params=dict(_READ_OPTIONS)
            ),
        )
        answers = [answer.get("values", []) for answer in payload.get("valueRanges", [])]
        if len(answers) != len(ranges):
            raise RosterError(f"{self.url}: Google Sheets answered {len(answers)} ranges")
        header_cells = answers[0][0] if answers[0] else []
        if not any(header_text(cell).strip() for cell in header_cells):
            raise RosterError(f"{self.url}: the worksheet has no header row (row 1 is blank)")
        header = [header_text(cell) for cell in header_cells]
        if column is not None:
            return header, list(enumerate(answers[1], start=2))
        found = zip(numbers, answers[1:], strict=True)
        return header, [(number, cells[0] if cells else []) for number, cells in found]

    def _if_theirs(self, wanted: str, header: list[str], rows: Rows) -> RosterSnapshot | None:
        """The customer's snapshot from `rows`, when every one of them holds their id."""
        snapshot = rows_snapshot(header, rows)
        position = id_position(header)
        if position is None:
            return one_customer(snapshot, wanted)  # raises RosterError
        self._id_position = position
        if all(id_cell(cells, position) == wanted for _, cells in rows):
            return one_customer(snapshot, wanted)  # as `read` would: checks the header too
        return None

    def _snapshot(self, rows: list[list[CellValue]]) -> RosterSnapshot:
        if not rows or not any(header_text(cell).strip() for cell in rows[0]):
            raise RosterError(f"{self.url}: the worksheet has no header row (row 1 is blank)")
        header = [header_text(cell) for cell in rows[0]]
        self._id_position = id_position(header) or 0
        self._read_header = header
        self._data_width = max(len(cells) for cells in rows)
        return snapshot_from_grid(header, rows[1:])

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        if not updates:
            return []
        layout = self._one_row_layout(updates) or self._layout()
        # Past the widest row of the last read, unless the columns changed since (then that
        # width says nothing about the columns now).
        width = self._data_width if layout.header == self._read_header else 0
        cells, dates, not_found = planned_cells(layout, updates, width)
        if not cells:
            return not_found
        # Widening first: the dates may be in the new columns.
        requests = date_format_requests(layout.sheet_id, dates)
        needed_columns = max(position for _, position in cells) + 1
        if needed_columns > layout.column_count:
            requests.insert(0, widen_request(layout.sheet_id, needed_columns))
        if requests:
            self._call(
                "update",
                lambda: self._sheets.batch_update(self.spreadsheet_id, {"requests": requests}),
            )
        body = {"valueInputOption": "RAW", "data": value_ranges(self._a1_sheet, cells)}
        self._call(
            "update", lambda: self._sheets.values_batch_update(self.spreadsheet_id, body=body)
        )
        return not_found

    def _one_row_layout(self, updates: Sequence[RowUpdate]) -> WriteLayout | None:
        """The layout of a write to one customer from the header and their remembered row,
        when that row still holds their id; None sends the write the long way."""
        ids = {update.customer_id.strip() for update in updates}
        remembered = self._memory.rows_of(next(iter(ids))) if len(ids) == 1 else ()
        if not remembered:
            return None
        (wanted,), row = ids, remembered[0]
        sheet, (header_data, row_data) = self._grid([f"{row}:{row}"])
        header = _header(header_data)
        position = id_position(header)
        cells = grid_values(row_data)
        if position is None:
            return None
        self._id_position = position  # so that the long way reads the id column first time
        if id_cell(cells[0] if cells else [], position) != wanted:
            return None
        return _write_layout(sheet, header, {wanted: row})

    def _layout(self) -> WriteLayout:
        """The header row, the id column (where customer_id stood at the last read, or read
        again where it stands now) and the grid; the rows it names are remembered anew."""
        guess = column_letter(self._id_position)
        sheet, (header_data, id_data) = self._grid([f"{guess}:{guess}"])
        header = _header(header_data)
        position = id_position(header)
        if position is None:
            raise RosterError(f"{self.url}: the onboarding list has no {ID_COLUMN} column")
        if position == self._id_position:
            ids = [row[0] if row else None for row in grid_values(id_data)]
        else:
            ids = self._column(position, "update")
        found = rows_by_id(ids[1:], 2)
        self._memory.remember(found)
        # The first row with an id is the customer, as validation skips later duplicates.
        return _write_layout(sheet, header, {key: rows[0] for key, rows in found.items()})

    def _grid(self, ranges: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The worksheet's properties, and the GridData of its header row and of `ranges`,
        in one request."""
        params: dict[str, Any] = {
            "ranges": [f"{self._a1_sheet}!1:1", *(f"{self._a1_sheet}!{r}" for r in ranges)],
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
        # One GridData per requested range, in the order requested.
        data = sheet.get("data", [])
        if len(data) != len(params["ranges"]):
            raise RosterError(
                f"{self.url}: Google Sheets answered {len(data)} ranges, not "
                f"{len(params['ranges'])}"
            )
        return sheet["properties"], data

    def _column(self, position: int, doing: str) -> list[CellValue]:
        letter = column_letter(position)
        payload = self._call(
            doing,
            lambda: self._sheets.values_get(
                self.spreadsheet_id,
                f"{self._a1_sheet}!{letter}:{letter}",
                params={**_READ_OPTIONS, "majorDimension": "COLUMNS"},
            ),
        )
        values: list[list[CellValue]] = payload.get("values", [])
        return values[0] if values else []

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


def _header(header_data: dict[str, Any]) -> list[str]:
    rows = grid_values(header_data)
    return [header_text(cell) for cell in (rows[0] if rows else [])]


def _write_layout(
    properties: dict[str, Any], header: list[str], row_by_id: dict[str, int]
) -> WriteLayout:
    return WriteLayout(
        # JSON may leave out zeros, and the first sheet's id is usually 0.
        sheet_id=int(properties.get("sheetId", 0)),
        column_count=int(properties["gridProperties"]["columnCount"]),
        header=header,
        row_by_id=row_by_id,
    )
