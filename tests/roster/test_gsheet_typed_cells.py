"""The Google Sheet roster writes the guide's flags as booleans and its dates as dates (a serial
number with a date format), so a checkbox column stays checkboxes and a date column dates;
everything else stays text. gspread's own code runs against `fake_google`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import gspread
import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Worksheet, date_cell

from engine.adapters.gsheet_cells import DATE_FORMAT
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.models import RowUpdate
from engine.roster.validate import validate_rows

SHEET_ID = "1TypedCells"
TITLE = "Roster"
HEADER = ["customer_id", "email", "plan", "signup_date", "paused", "paused_note", "finished"]
HEADER += ["finished_date", "finished_by"]
FINISH = {"finished": "TRUE", "finished_date": "2026-12-01", "finished_by": "guide"}
SERIAL = 46357  # 2026-12-01: days since 1899-12-30


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


def open_sheet(google: FakeGoogle, rows: list[list[object]]) -> tuple[GoogleSheetRoster, Worksheet]:
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet(TITLE)
    sheet.fill([HEADER, *rows])
    return GoogleSheetRoster(SHEET_ID, TITLE, google.session()), sheet


def customer(cid: str, **cells: object) -> list[object]:
    values: dict[str, object] = {
        "customer_id": cid,
        "email": f"{cid.lower()}@example.com",
        "plan": "Starter",
        "signup_date": date_cell(date(2026, 11, 2)),
        "paused": False,
        **cells,
    }
    return [values.get(column, "") for column in HEADER]


def value(sheet: Worksheet, a1: str) -> Any:
    cell = sheet.cell(a1)
    return None if cell is None else cell.value


def read(google: FakeGoogle, a1: str, render: str) -> Any:
    client = gspread.Client(None, session=google.session()).http_client
    answer = client.values_get(SHEET_ID, f"{TITLE}!{a1}", params={"valueRenderOption": render})
    return answer.get("values", [[None]])[0][0]


def structure_requests(google: FakeGoogle) -> list[dict[str, Any]]:
    calls = [call for call in google.calls if call.kind == "spreadsheets.batchUpdate"]
    return [request for call in calls for request in json.loads(call.body)["requests"]]


def test_a_finish_writes_a_boolean_and_a_date_shown_through_a_date_format(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(google, [customer("C1")])

    assert roster.write([RowUpdate(customer_id="C1", values=FINISH)]) == []

    assert google.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "values.batchUpdate"]
    assert google.sheets.value_input_options == ["RAW"]
    assert (value(sheet, "G2"), value(sheet, "H2"), value(sheet, "I2")) == (True, SERIAL, "guide")
    assert structure_requests(google) == [
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 2,
                    "startColumnIndex": 7,
                    "endColumnIndex": 8,
                },
                "cell": {"userEnteredFormat": {"numberFormat": DATE_FORMAT}},
                "fields": "userEnteredFormat.numberFormat",
            }
        }
    ]
    cell = sheet.cell("H2")
    assert cell is not None and cell.number_format == DATE_FORMAT
    # As the guide reads it, and as a person sees it.
    assert read(google, "H2", "UNFORMATTED_VALUE") == SERIAL
    assert read(google, "H2", "FORMATTED_VALUE") == "2026-12-01"
    assert read(google, "G2", "UNFORMATTED_VALUE") is True
    (c1,), skipped = validate_rows(roster.read(), ["starter"], "UTC")
    assert skipped == [] and (c1.finished, c1.finished_date) == (True, date(2026, 12, 1))


def test_a_write_without_a_date_sends_no_format_request(google: FakeGoogle) -> None:
    roster, sheet = open_sheet(google, [customer("C1")])

    roster.write([RowUpdate(customer_id="C1", values={"paused": "TRUE", "paused_note": "+1"})])

    assert google.kinds() == ["spreadsheets.get", "values.batchUpdate"]
    assert (value(sheet, "E2"), value(sheet, "F2")) == (True, "+1")


def test_a_flag_written_blank_is_false_so_a_checkbox_stays_one_unchecked(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(google, [customer("C1", paused=True, paused_note="away")])

    roster.write([RowUpdate(customer_id="C1", values={"paused": "", "paused_note": ""})])

    assert value(sheet, "E2") is False
    assert sheet.cell("F2") is None  # text "" clears the cell
    assert read(google, "E2", "FORMATTED_VALUE") == "FALSE"


def test_a_date_written_blank_clears_the_cell_and_sends_no_format(google: FakeGoogle) -> None:
    roster, sheet = open_sheet(
        google, [customer("C1", finished=True, finished_date=date_cell(date(2026, 12, 1)))]
    )

    roster.write([RowUpdate(customer_id="C1", values={"finished": "", "finished_date": ""})])

    assert google.kinds() == ["spreadsheets.get", "values.batchUpdate"]
    assert value(sheet, "G2") is False
    assert value(sheet, "H2") is None
    assert read(google, "H2", "UNFORMATTED_VALUE") is None


def test_a_signup_date_is_a_date_too(google: FakeGoogle) -> None:
    roster, sheet = open_sheet(google, [customer("C1")])

    roster.write([RowUpdate(customer_id="C1", values={"signup_date": "2027-01-05"})])

    assert value(sheet, "D2") == 46392
    assert read(google, "D2", "FORMATTED_VALUE") == "2027-01-05"


def test_adjacent_rows_share_one_format_request_and_only_written_dates_are_formatted(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(google, [customer(f"C{n}") for n in range(1, 6)])

    roster.write(
        [
            RowUpdate(customer_id="C2", values=FINISH),
            RowUpdate(customer_id="C3", values=FINISH),
            RowUpdate(customer_id="C5", values=FINISH),
            RowUpdate(customer_id="C1", values=FINISH),
            # A later update of the same write clears C1's date again.
            RowUpdate(customer_id="C1", values={"finished_date": ""}),
        ]
    )

    ranges = [request["repeatCell"]["range"] for request in structure_requests(google)]
    assert [(r["startRowIndex"], r["endRowIndex"]) for r in ranges] == [(2, 4), (5, 6)]
    assert [value(sheet, f"H{n}") for n in range(2, 7)] == [None, SERIAL, SERIAL, None, SERIAL]
    shown = [line[7] if len(line) > 7 else "" for line in sheet.displayed()[1:]]
    assert shown == ["", "2026-12-01", "2026-12-01", "", "2026-12-01"]


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("paused", "maybe"),
        ("finished", "=TRUE()"),
        ("finished_date", "03/04/2026"),
        ("finished_date", "2026-02-30"),
        ("signup_date", "=TODAY()"),
        ("finished_date", "46357"),
    ],
)
def test_text_that_is_no_flag_or_iso_date_is_written_as_the_text_it_is(
    google: FakeGoogle, column: str, text: str
) -> None:
    """An undo gives back what a person had typed, valid or not; never as a formula."""
    roster, sheet = open_sheet(google, [customer("C1")])

    roster.write([RowUpdate(customer_id="C1", values={column: text})])

    cell = sheet.cell(f"{'ABCDEFGHI'[HEADER.index(column)]}2")
    assert cell is not None and (cell.value, cell.formula) == (text, None)
    assert "spreadsheets.batchUpdate" not in google.kinds()


def test_the_format_goes_to_the_written_cells_only(google: FakeGoogle) -> None:
    """A person's format elsewhere in the column stays; a written cell shows the guide's."""
    roster, sheet = open_sheet(google, [customer("C1"), customer("C2", finished_date=SERIAL)])
    their_format = {"type": "DATE", "pattern": "d mmm yyyy"}
    sheet.format(2, 7, their_format)  # H3, C2's

    roster.write([RowUpdate(customer_id="C1", values=FINISH)])

    assert read(google, "H2", "FORMATTED_VALUE") == "2026-12-01"
    assert read(google, "H3", "FORMATTED_VALUE") == "1 Dec 2026"


def test_an_unsubscribe_is_written_as_a_date_a_yes_as_a_checked_box(google: FakeGoogle) -> None:
    """The column is added on the first write, as any the guide writes."""
    roster, sheet = open_sheet(google, [customer("C1"), customer("C2")])

    roster.write(
        [
            RowUpdate(customer_id="C1", values={"unsubscribed": "2026-12-01"}),
            RowUpdate(customer_id="C2", values={"unsubscribed": "TRUE"}),
        ]
    )

    assert (value(sheet, "J1"), value(sheet, "J2"), value(sheet, "J3")) == (
        "unsubscribed",
        SERIAL,
        True,
    )
    assert read(google, "J2", "FORMATTED_VALUE") == "2026-12-01"
    customers, _ = validate_rows(roster.read(), ["starter"], "UTC")
    assert [(c.unsubscribed, c.unsubscribed_on) for c in customers] == [
        (True, date(2026, 12, 1)),
        (True, None),
    ]
