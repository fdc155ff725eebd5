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
remembered for the customer in one `spreadsheets.get` (with the grid's size and id, which the
action's write needs), a few dozen cells at any size; each cell as the values API gives it. A
row is trusted only when its id is still the customer's, as the header now places the id
column: people sort, insert and delete rows while the guide runs. When any is not, or nothing
is remembered, the id column is read (with the header, one `values.batchGet`), remembered
anew, and the rows it names read and checked again; rows that moved once more in between send
it to a whole read. What it cannot see is a second row with the same id that a person added
since the last look: until the next whole read, the customer is the row remembered.

Writing does not trust an old read. A write re-reads the header row and the customer_id column
(one `spreadsheets.get`, which also gives the grid's size), finds each row by its id, and sends
every cell in one `values.batchUpdate` with RAW input, typed as `gsheet_cells` says: the flags
`paused` and `finished` as booleans, the dates `signup_date` and `finished_date` as serial
numbers, and everything else as the text it is, so a pause note like `=IMPORTXML(...)` or `+1`
is never a formula or a number. Columns the list lacks are added after its last column. Before
the values, one `spreadsheets.batchUpdate` widens the grid when it is too narrow for them and
gives the cells it is about to fill with dates a date format; it is sent only when there is
either to do. A write of one customer re-reads the header and their remembered row instead of
the whole id column, and goes the long way when the row's id is not theirs. An action's write
follows its `read_one` by milliseconds: within TRUSTED_FOR seconds of that check, the row just
checked is written without another, values and date formats in one `spreadsheets.batchUpdate`
(updateCells: text stays text, as RAW). The risk taken is a person sorting the sheet in that
moment, the same moment every check-then-write of the Sheets API leaves open.

Calls per tick (the budget is on Sheets API calls; the OAuth token exchange, about once an
hour, is not one): 1 to read. A write is 2 (the layout, the values), 3 when the grid must widen
or a date is written (one `spreadsheets.batchUpdate` does both), plus 1 in the rare case that
someone moved the customer_id column since the read. A tick writes when it finishes customers,
and a finish writes its finished_date: 1 + 3 = 4 calls, widening or not. Per click, link or
form: 1 to read the customer, 1 to write their row; 2 more when the row moved (the id column,
about one cell per customer, and the row again).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from engine.adapters.google_auth import (
    RetryingSession,
    credentials_from_environment,
    google_session,
)
from engine.adapters.gsheet_api import ID_FIELDS, ROW_FIELDS, BeyondGridError, SheetsApi
from engine.adapters.gsheet_cells import date_format_requests
from engine.adapters.gsheet_grid import (
    ID_COLUMN,
    WriteLayout,
    grid_values,
    header_text,
    id_cell,
    id_position,
    planned_cells,
    row_values,
    rows_by_id,
    rows_snapshot,
    update_cells_requests,
    value_ranges,
    widen_request,
)
from engine.adapters.row_memory import InProcessRowMemory
from engine.bulk import cyclic_gc_paused
from engine.models import CellValue, RosterGrid, RosterSnapshot, RowUpdate
from engine.ports import RosterError, RowMemory
from engine.roster.cells import column_letter
from engine.roster.grid import grid_snapshot, one_customer

SCHEME = "gsheet://"
_SPREADSHEET_ID = re.compile(r"[A-Za-z0-9_-]+")
TRUSTED_FOR = 2.0
"""Seconds a row `read_one` has just checked stands for the write of the same action, which
follows within milliseconds; past it the write checks the row again."""

_MOST_CHECKED = 64
"""Checks kept before those past TRUSTED_FOR are let go (a done link GET writes nothing)."""
Rows = list[tuple[int, list[CellValue]]]
"""(row number, cells) of some rows of the worksheet."""


@dataclass(frozen=True)
class _Checked:
    """Where `read_one` found one customer's row holding their id, and when."""

    layout: WriteLayout
    at: float


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
        self._api = SheetsApi(spreadsheet_id, worksheet_title, session, self.url)
        self._memory: RowMemory = memory or InProcessRowMemory()
        # Learnt from the last read, to make a re-read hit the id column first time and to
        # put new columns after any unnamed column that holds data.
        self._id_position = 0
        self._read_header: list[str] = []
        self._data_width = 0
        self._checked: dict[str, _Checked] = {}
        self._lock = threading.Lock()

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
            return grid_snapshot(self.read_grid())

    def read_grid(self) -> RosterGrid:
        with self._lock:  # a whole read starts a run (a tick) whose writes check afresh
            self._checked.clear()
        with cyclic_gc_paused():
            grid = self._grid(self._api.values())
            position = id_position(grid.header)
            if position is not None:
                ids = [cells[position] if position < len(cells) else None for cells in grid.rows]
                self._memory.remember(rows_by_id(ids, 2))
            return grid

    def read_one(self, customer_id: str) -> RosterSnapshot:
        wanted = customer_id.strip()
        remembered = self._memory.rows_of(wanted)
        if remembered:
            try:
                found = self._if_theirs(wanted, remembered)
            except BeyondGridError:  # rows deleted since: the row is no longer there
                found = None
            if found is not None:
                return found
        return self._look_for(wanted)

    def _look_for(self, wanted: str) -> RosterSnapshot:
        """The customer's rows found by the id column, which is remembered anew."""
        guess = self._id_position
        letter = column_letter(guess)
        header_rows, id_rows = self._api.batch_values(["1:1", f"{letter}2:{letter}"])
        header = _checked_header(header_rows[0] if header_rows else [], self.url)
        position = id_position(header)
        if position is None:
            return one_customer(rows_snapshot(header, []), wanted)  # raises RosterError
        self._id_position = position
        ids = [cells[0] if cells else None for cells in id_rows]
        if position != guess:  # someone moved the id column since the last read
            ids = self._api.column(position, "read")[1:]
        found = rows_by_id(ids, 2)
        self._memory.remember(found)
        numbers = found.get(wanted, [])
        if not numbers:
            return one_customer(rows_snapshot(header, []), wanted)
        checked = self._if_theirs(wanted, numbers)
        if checked is not None:
            return checked
        # They moved again between the two reads: one read of everything cannot be torn.
        return one_customer(self.read(), wanted)

    def _if_theirs(self, wanted: str, numbers: Sequence[int]) -> RosterSnapshot | None:
        """The customer's snapshot from the header and the rows `numbers` (one call), when
        every one of them holds their id."""
        properties, (header_data, *row_data) = self._api.grid(
            ["1:1", *(f"{number}:{number}" for number in numbers)], ROW_FIELDS, "read"
        )
        header_cells = row_values(header_data)
        header = _checked_header(header_cells[0] if header_cells else [], self.url)
        rows: Rows = []
        for number, data in zip(numbers, row_data, strict=True):
            cells = row_values(data)
            rows.append((number, cells[0] if cells else []))
        snapshot = rows_snapshot(header, rows)
        position = id_position(header)
        if position is None:
            return one_customer(snapshot, wanted)  # raises RosterError
        self._id_position = position
        if not all(id_cell(cells, position) == wanted for _, cells in rows):
            return None
        found = one_customer(snapshot, wanted)  # as `read` would: checks the header too
        layout = _write_layout(properties, header, {wanted: numbers[0]})
        with self._lock:
            now = time.monotonic()
            if len(self._checked) > _MOST_CHECKED:  # reads with no write after them
                self._checked = {
                    key: checked
                    for key, checked in self._checked.items()
                    if now - checked.at <= TRUSTED_FOR
                }
            self._checked[wanted] = _Checked(layout, now)
        return found

    def _grid(self, rows: list[list[CellValue]]) -> RosterGrid:
        header = _checked_header(rows[0] if rows else [], self.url)
        self._id_position = id_position(header) or 0
        self._read_header = header
        self._data_width = max(len(cells) for cells in rows)
        return RosterGrid(tuple(header), rows[1:])

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        if not updates:
            return []
        layout = self._just_checked(updates)
        just_read = layout is not None
        layout = layout or self._one_row_layout(updates) or self._layout()
        # Past the widest row of the last read, unless the columns changed since (then that
        # width says nothing about the columns now).
        width = self._data_width if layout.header == self._read_header else 0
        cells, dates, not_found = planned_cells(layout, updates, width)
        if not cells:
            return not_found
        # Widening first: the dates may be in the new columns.
        requests: list[dict[str, Any]] = []
        needed_columns = max(position for _, position in cells) + 1
        if needed_columns > layout.column_count:
            requests.append(widen_request(layout.sheet_id, needed_columns))
        if just_read:  # values and date formats in one call: an action's budget is two
            self._api.change(requests + update_cells_requests(layout.sheet_id, cells, dates))
            return not_found
        requests += date_format_requests(layout.sheet_id, dates)
        if requests:
            self._api.change(requests)
        self._api.write_values(value_ranges(self._api.a1_sheet, cells))
        return not_found

    def _just_checked(self, updates: Sequence[RowUpdate]) -> WriteLayout | None:
        """The layout `read_one` found moments ago for the one customer of `updates`: the
        read and the write of one action."""
        ids = {update.customer_id.strip() for update in updates}
        if len(ids) != 1:
            return None
        with self._lock:
            checked = self._checked.pop(next(iter(ids)), None)
        if checked is None or time.monotonic() - checked.at > TRUSTED_FOR:
            return None
        return checked.layout

    def _one_row_layout(self, updates: Sequence[RowUpdate]) -> WriteLayout | None:
        """The layout of a write to one customer from the header and their remembered row,
        when that row still holds their id; None sends the write the long way."""
        ids = {update.customer_id.strip() for update in updates}
        remembered = self._memory.rows_of(next(iter(ids))) if len(ids) == 1 else ()
        if not remembered:
            return None
        (wanted,), row = ids, remembered[0]
        try:
            sheet, (header_data, row_data) = self._api.grid(
                ["1:1", f"{row}:{row}"], ID_FIELDS, "update"
            )
        except BeyondGridError:  # rows deleted since: the row is no longer there
            return None
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
        sheet, (header_data, id_data) = self._api.grid(
            ["1:1", f"{guess}:{guess}"], ID_FIELDS, "update"
        )
        header = _header(header_data)
        position = id_position(header)
        if position is None:
            raise RosterError(f"{self.url}: the onboarding list has no {ID_COLUMN} column")
        if position == self._id_position:
            ids = [row[0] if row else None for row in grid_values(id_data)]
        else:
            ids = self._api.column(position, "update")
        found = rows_by_id(ids[1:], 2)
        self._memory.remember(found)
        # The first row with an id is the customer, as validation skips later duplicates.
        return _write_layout(sheet, header, {key: rows[0] for key, rows in found.items()})


def _checked_header(cells: Sequence[CellValue], url: str) -> list[str]:
    if not any(header_text(cell).strip() for cell in cells):
        raise RosterError(f"{url}: the worksheet has no header row (row 1 is blank)")
    return [header_text(cell) for cell in cells]


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
