"""The Google Sheet roster beyond the shared contract: typed cells, text that looks like a
formula, rows and columns moved between a read and a write, a grid too narrow for new
columns, and Google's failures. gspread's own code runs against `fake_google`."""

from __future__ import annotations

import json
from datetime import date

import gspread
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_google import ACCOUNT, FakeGoogle, no_wait_retries, service_account_info
from fake_sheets_grid import Worksheet, date_cell

from engine.adapters.google_auth import RetryPolicy, google_session, load_credentials
from engine.adapters.gsheet_roster import GoogleSheetRoster, parse_gsheet_url
from engine.models import RowUpdate
from engine.ports import RosterError
from engine.roster.validate import validate_rows

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789-xy"
TITLE = "Onboarding list"
HEADER = ["customer_id", "email", "plan", "signup_date", "paused"]


def open_sheet(
    google: FakeGoogle,
    table: list[list[object]],
    *,
    columns: int = 26,
    retry: RetryPolicy | None = None,
) -> tuple[GoogleSheetRoster, Worksheet]:
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet(TITLE, columns=columns)
    sheet.fill(table)
    return GoogleSheetRoster(SHEET_ID, TITLE, google.session(retry=retry)), sheet


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


def test_one_read_is_one_values_get_of_unformatted_values_and_serial_dates(
    google: FakeGoogle,
) -> None:
    roster, _ = open_sheet(
        google,
        [
            HEADER,
            ["00123", "ada@example.com", "Starter", date_cell(date(2026, 11, 2)), True],
            [123, "bob@example.com", "Starter", "2 Nov 2026", False],
        ],
    )

    snapshot = roster.read()

    assert google.kinds() == ["values.get"]
    (read,) = [call for call in google.calls if call.kind == "values.get"]
    assert read.query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert read.query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    first, second = snapshot.rows
    assert first.values == {
        "customer_id": "00123",
        "email": "ada@example.com",
        "plan": "Starter",
        "signup_date": 46328,
        "paused": True,
    }
    assert second.values["customer_id"] == 123
    customers, skipped = validate_rows(snapshot, ["starter"], "UTC")
    assert skipped == []
    assert [(c.customer_id, c.signup_date, c.paused) for c in customers] == [
        ("00123", date(2026, 11, 2), True),
        ("123", date(2026, 11, 2), False),
    ]


def test_an_id_typed_as_text_and_one_sheets_made_a_number_are_two_customers(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(
        google, [HEADER, ["00123", "a@example.com"], [123, "b@example.com"], ["0123", "c@x.io"]]
    )

    not_found = roster.write(
        [
            RowUpdate(customer_id="123", values={"plan": "pro"}),
            RowUpdate(customer_id="00123", values={"plan": "starter"}),
        ]
    )

    assert not_found == []
    assert [row[:3] for row in sheet.displayed()[1:]] == [
        ["00123", "a@example.com", "starter"],
        ["123", "b@example.com", "pro"],
        ["0123", "c@x.io"],
    ]
    cell = sheet.cell("A2")
    assert cell is not None and cell.value == "00123"


@pytest.mark.parametrize(
    "note", ['=IMPORTXML("https://evil.example", "//a")', "+1 555 0100", "-2 weeks", "@here back"]
)
def test_a_pause_note_that_looks_like_a_formula_is_stored_as_text(
    google: FakeGoogle, note: str
) -> None:
    roster, sheet = open_sheet(google, [[*HEADER, "paused_note"], ["C1", "a@example.com"]])

    roster.write([RowUpdate(customer_id="C1", values={"paused": "TRUE", "paused_note": note})])

    cell = sheet.cell("F2")
    assert cell is not None and (cell.value, cell.formula) == (note, None)
    assert google.sheets.value_input_options == ["RAW"]
    flag = sheet.cell("E2")  # written beside it in the same range, as a boolean
    assert flag is not None and flag.value is True
    formulas = gspread.Client(None, session=google.session()).http_client.values_get(
        SHEET_ID, "'Onboarding list'!F2", params={"valueRenderOption": "FORMULA"}
    )
    assert formulas["values"] == [[note]]


def test_the_fake_turns_user_entered_text_into_a_formula_so_the_test_above_can_fail(
    google: FakeGoogle,
) -> None:
    """gspread's own `update_acell` writes USER_ENTERED: exactly what the roster must not do."""
    _, sheet = open_sheet(google, [[*HEADER, "paused_note"], ["C1", "a@example.com"]])
    client = gspread.Client(None, session=google.session())

    client.open_by_key(SHEET_ID).worksheet(TITLE).update_acell("F2", "=1+1")

    cell = sheet.cell("F2")
    assert cell is not None and cell.formula == "=1+1"
    assert google.sheets.value_input_options == ["USER_ENTERED"]


def test_missing_optional_columns_are_appended_widening_a_grid_that_is_too_narrow(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(google, [HEADER, ["C1", "a@example.com"]], columns=5)
    update = RowUpdate(
        customer_id="C1",
        values={"finished": "TRUE", "finished_date": "2026-12-01", "finished_by": "guide"},
    )

    assert roster.write([update]) == []

    # One batchUpdate widens the grid and then formats the date cell in a new column.
    assert google.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "values.batchUpdate"]
    (structure,) = [c for c in google.calls if c.kind == "spreadsheets.batchUpdate"]
    widen, date_format = json.loads(structure.body)["requests"]
    assert widen["updateSheetProperties"]["properties"]["gridProperties"] == {"columnCount": 8}
    assert date_format["repeatCell"]["range"] == {
        "sheetId": 0,
        "startRowIndex": 1,
        "endRowIndex": 2,
        "startColumnIndex": 6,
        "endColumnIndex": 7,
    }
    assert sheet.column_count == 8
    assert sheet.displayed() == [
        [*HEADER, "finished", "finished_date", "finished_by"],
        ["C1", "a@example.com", "", "", "", "TRUE", "2026-12-01", "guide"],
    ]


def test_new_columns_go_after_an_unnamed_column_that_holds_data(google: FakeGoogle) -> None:
    roster, sheet = open_sheet(
        google, [HEADER, ["C1", "a@example.com", "pro", "2026-11-02", "", "call back Tuesday"]]
    )

    roster.read()
    roster.write([RowUpdate(customer_id="C1", values={"paused_note": "back in Q1"})])

    assert sheet.displayed() == [
        [*HEADER, "", "paused_note"],
        ["C1", "a@example.com", "pro", "2026-11-02", "", "call back Tuesday", "back in Q1"],
    ]


def test_rows_sorted_and_inserted_after_the_read_are_still_found_by_id(google: FakeGoogle) -> None:
    rows = [[f"C{n}", f"c{n}@example.com"] for n in range(1, 6)]
    roster, sheet = open_sheet(google, [HEADER, *rows])
    roster.read()
    sheet.reorder_rows(2, [6, 5, 4, 3, 2])
    sheet.insert_row(2, ["C0", "new@example.com"])

    roster.write([RowUpdate(customer_id="C2", values={"plan": "pro"})])

    assert [row[:3] for row in sheet.displayed()[1:]] == [
        ["C0", "new@example.com"],
        ["C5", "c5@example.com"],
        ["C4", "c4@example.com"],
        ["C3", "c3@example.com"],
        ["C2", "c2@example.com", "pro"],
        ["C1", "c1@example.com"],
    ]


def test_a_customer_id_column_moved_after_the_read_costs_one_more_call(
    google: FakeGoogle,
) -> None:
    roster, sheet = open_sheet(google, [HEADER, ["C1", "a@example.com"], ["C2", "b@example.com"]])
    roster.read()
    sheet.fill([["email", "customer_id"], ["b@example.com", "C2"], ["a@example.com", "C1"]])
    google.calls.clear()

    roster.write([RowUpdate(customer_id="C1", values={"plan": "pro"})])

    # The remembered row 2 and the header; both again with the id column where it now is.
    assert google.kinds() == ["spreadsheets.get", "spreadsheets.get", "values.batchUpdate"]
    assert sheet.displayed() == [
        ["email", "customer_id", "plan"],
        ["b@example.com", "C2"],
        ["a@example.com", "C1", "pro"],
    ]


def test_a_429_is_retried_no_sooner_than_google_asks(google: FakeGoogle) -> None:
    waits: list[float] = []
    roster, _ = open_sheet(google, [HEADER, ["C1", "a@example.com"]], retry=no_wait_retries(waits))
    google.fail(429, retry_after="7")

    snapshot = roster.read()

    assert [row.values["customer_id"] for row in snapshot.rows] == ["C1"]
    assert google.kinds() == ["fault", "values.get"]
    assert len(waits) == 1 and 7 <= waits[0] <= 8


def test_a_500_during_a_write_is_retried_with_backoff(google: FakeGoogle) -> None:
    waits: list[float] = []
    roster, sheet = open_sheet(
        google, [HEADER, ["C1", "a@example.com"]], retry=no_wait_retries(waits)
    )
    google.fail(500, times=2)

    roster.write([RowUpdate(customer_id="C1", values={"plan": "pro"})])

    assert google.kinds() == ["fault", "fault", "spreadsheets.get", "values.batchUpdate"]
    assert sheet.displayed()[1][:3] == ["C1", "a@example.com", "pro"]
    # Half of 1 s, then of 2 s, plus jitter up to the other half.
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2


def test_a_500_that_persists_is_a_roster_error_saying_so(google: FakeGoogle) -> None:
    waits: list[float] = []
    roster, _ = open_sheet(google, [HEADER], retry=no_wait_retries(waits, attempts=4))
    google.fail(500, times=4)

    with pytest.raises(RosterError) as raised:
        roster.read()

    assert str(raised.value) == (
        f"gsheet://{SHEET_ID}/Onboarding list: Google Sheets answered 500 "
        "(Internal error encountered.) to all 4 tries to read it"
    )
    assert len(waits) == 3 and waits == sorted(waits)


def test_a_sheet_not_shared_with_the_service_account_says_whom_to_share_it_with(
    google: FakeGoogle,
) -> None:
    roster, _ = open_sheet(google, [HEADER])
    google.sheets.spreadsheets[SHEET_ID].shared_with = {"someone-else@example.com"}

    with pytest.raises(RosterError, match=f"{ACCOUNT} may not read this spreadsheet .*share"):
        roster.read()


@pytest.mark.parametrize(
    ("spreadsheet_id", "title", "message"),
    [
        ("1NoSuchSheet", TITLE, "there is no spreadsheet 1NoSuchSheet"),
        (SHEET_ID, "Onboarding", "no worksheet \\(tab\\) named 'Onboarding'"),
    ],
)
def test_a_wrong_spreadsheet_or_worksheet_is_named(
    google: FakeGoogle, spreadsheet_id: str, title: str, message: str
) -> None:
    open_sheet(google, [HEADER])
    roster = GoogleSheetRoster(spreadsheet_id, title, google.session())
    with pytest.raises(RosterError, match=message):
        roster.read()


def test_a_blank_first_row_is_no_header(google: FakeGoogle) -> None:
    roster, _ = open_sheet(google, [[], HEADER])
    with pytest.raises(RosterError, match="no header row"):
        roster.read()


def test_a_key_google_does_not_know_cannot_sign_in(google: FakeGoogle) -> None:
    open_sheet(google, [HEADER])
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info = service_account_info() | {
        "private_key": other_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    }
    session = google_session(
        load_credentials(json.dumps(info)), retry=no_wait_retries(), transport=google
    )

    with pytest.raises(RosterError, match=f"cannot sign in to Google as {ACCOUNT}"):
        GoogleSheetRoster(SHEET_ID, TITLE, session).read()
    assert google.kinds() == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (f"gsheet://{SHEET_ID}/Roster", (SHEET_ID, "Roster")),
        (f"gsheet://{SHEET_ID}/Onboarding list", (SHEET_ID, "Onboarding list")),
        (f"gsheet://{SHEET_ID}/Q1%2FQ2", (SHEET_ID, "Q1/Q2")),
    ],
)
def test_the_setting_names_a_spreadsheet_and_a_worksheet(
    spec: str, expected: tuple[str, str]
) -> None:
    assert parse_gsheet_url(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (f"gsheet://docs.google.com/spreadsheets/d/{SHEET_ID}/edit", "is not a spreadsheet id"),
        (f"gsheet://{SHEET_ID}", "names no worksheet"),
        (f"gsheet://{SHEET_ID}/", "names no worksheet"),
    ],
)
def test_a_setting_that_names_no_sheet_is_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_gsheet_url(spec)
