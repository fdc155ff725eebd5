"""The fake Sheets API keeps cells as Google documents it, for what the roster sends: typed
values written RAW, number formats set by repeatCell and kept by value writes, dates shown
through their pattern, and a spreadsheets.batchUpdate applied in order, all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import gspread
import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Worksheet, format_date
from gspread.exceptions import APIError

SHEET_ID = "1FakeSheets"
DATE = {"type": "DATE", "pattern": "yyyy-mm-dd"}


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def sheet(google: FakeGoogle) -> Worksheet:
    worksheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet("Roster", columns=3)
    worksheet.fill([["customer_id", "finished", "finished_date"], ["C1"], ["C2"]])
    return worksheet


def api(google: FakeGoogle) -> gspread.HTTPClient:
    return gspread.Client(None, session=google.session()).http_client


def repeat_format(columns: tuple[int, int], number_format: dict[str, str]) -> dict[str, Any]:
    return {
        "repeatCell": {
            "range": {
                "sheetId": 0,
                "startRowIndex": 1,
                "endRowIndex": 3,
                "startColumnIndex": columns[0],
                "endColumnIndex": columns[1],
            },
            "cell": {"userEnteredFormat": {"numberFormat": number_format}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def widen(columns: int) -> dict[str, Any]:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": 0, "gridProperties": {"columnCount": columns}},
            "fields": "gridProperties.columnCount",
        }
    }


def write_raw(google: FakeGoogle, a1: str, values: list[list[Any]]) -> None:
    body = {"valueInputOption": "RAW", "data": [{"range": f"Roster!{a1}", "values": values}]}
    api(google).values_batch_update(SHEET_ID, body=body)


def values(google: FakeGoogle, a1: str, **options: str) -> list[list[Any]]:
    answer = api(google).values_get(SHEET_ID, f"Roster!{a1}", params=options)
    found: list[list[Any]] = answer.get("values", [])
    return found


def test_booleans_and_numbers_written_raw_stay_booleans_and_numbers(
    google: FakeGoogle, sheet: Worksheet
) -> None:
    write_raw(google, "B2:C3", [[True, 46357], [False, "46357"]])

    assert values(google, "B2:C3", valueRenderOption="UNFORMATTED_VALUE") == [
        [True, 46357],
        [False, "46357"],
    ]
    assert values(google, "B2:C3") == [["TRUE", "46357"], ["FALSE", "46357"]]


def test_a_date_format_shows_a_serial_as_a_date_and_outlives_the_values_written(
    google: FakeGoogle, sheet: Worksheet
) -> None:
    api(google).batch_update(SHEET_ID, {"requests": [repeat_format((2, 3), DATE)]})
    write_raw(google, "C2:C3", [[46357], [46358]])

    assert values(google, "C2:C3") == [["2026-12-01"], ["2026-12-02"]]
    assert values(google, "C2:C3", valueRenderOption="UNFORMATTED_VALUE") == [[46357], [46358]]
    assert values(
        google,
        "C2:C3",
        valueRenderOption="UNFORMATTED_VALUE",
        dateTimeRenderOption="FORMATTED_STRING",
    ) == [["2026-12-01"], ["2026-12-02"]]

    write_raw(google, "C2:C3", [[""], ["text"]])

    assert values(google, "C2:C3") == [[], ["text"]]
    cleared = sheet.cell("C2")
    assert cleared is not None and (cleared.value, cleared.number_format) == (None, DATE)
    write_raw(google, "C2", [[46360]])
    assert values(google, "C2") == [["2026-12-04"]]


def test_a_batch_formats_columns_an_earlier_request_of_it_added(
    google: FakeGoogle, sheet: Worksheet
) -> None:
    api(google).batch_update(SHEET_ID, {"requests": [widen(5), repeat_format((4, 5), DATE)]})

    assert sheet.column_count == 5
    cell = sheet.cell("E3")
    assert cell is not None and cell.number_format == DATE


def test_a_batch_is_applied_all_or_nothing(google: FakeGoogle, sheet: Worksheet) -> None:
    requests = [widen(4), repeat_format((0, 1), DATE), repeat_format((4, 5), DATE)]

    with pytest.raises(APIError, match=r"requests\[2\].repeatCell.*exceeds grid limits"):
        api(google).batch_update(SHEET_ID, {"requests": requests})

    assert sheet.column_count == 3
    first = sheet.cell("A2")
    assert first is not None and first.number_format is None


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        ("yyyy-mm-dd", "2026-11-04"),
        ("m/d/yyyy", "11/4/2026"),
        ("d mmm yyyy", "4 Nov 2026"),
        ("dddd, d mmmm yy", "Wednesday, 4 November 26"),
        ('ddd "the" d\\.', "Wed the 4."),
        ("mmmmm", "N"),
    ],
)
def test_date_patterns_show_as_google_documents_them(pattern: str, shown: str) -> None:
    serial = (date(2026, 11, 4) - date(1899, 12, 30)).days
    assert format_date(serial + 0.75, pattern) == shown


def test_a_format_the_fake_cannot_show_is_refused(google: FakeGoogle, sheet: Worksheet) -> None:
    for number_format in (
        {"type": "DATE_TIME", "pattern": "yyyy"},
        {"type": "DATE", "pattern": "hh:mm"},
    ):
        with pytest.raises(APIError, match="fake:"):
            api(google).batch_update(SHEET_ID, {"requests": [repeat_format((2, 3), number_format)]})
