"""The real tick on a Google Sheet roster (SQLite state, the rules file, a recording mailer):
how many Sheets API calls a tick makes, rows moved by a person while it runs, bad rows, and
a sheet that fails. The OAuth token exchange is not a Sheets call and is not counted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Worksheet, date_cell
from workspace import HEADER, Workspace, nine_am, row

from engine.actions import mark_done
from engine.adapters.gsheet_cells import DATE_FORMAT
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.adapters.memory import RecordingMailer
from engine.guide import Guide
from engine.ports import RosterError
from engine.tick import tick

SHEET_ID = "1TickSheet"
DAY0 = nine_am("2026-11-02")


def sheet_guide(
    tmp_path: Path, google: FakeGoogle, rows: list[list[object]], *, columns: int = 26
) -> tuple[Guide, Worksheet]:
    guide = Workspace(tmp_path, []).guide()
    guide.mailer = RecordingMailer()
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet("Roster", columns=columns)
    sheet.fill([HEADER, *rows])
    guide.roster = GoogleSheetRoster(SHEET_ID, "Roster", google.session())
    return guide, sheet


def cells(cid: str, **overrides: object) -> list[object]:
    values: dict[str, object] = {**row(cid), **overrides}
    return [values[column] for column in HEADER]


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


def finish_all_steps(guide: Guide, *customer_ids: str) -> None:
    for customer_id in customer_ids:
        for step in ("welcome", "setup", "check-in"):
            assert mark_done(guide, customer_id, step, DAY0, actor="customer").ok


def test_a_tick_over_many_rows_with_nothing_to_write_reads_the_sheet_once(
    tmp_path: Path, google: FakeGoogle
) -> None:
    rows = [cells(f"C{n:04}") for n in range(1, 1201)]
    guide, _ = sheet_guide(tmp_path, google, rows)

    report = tick(guide, DAY0)

    assert report.counts() == {"step": 1200}
    assert google.kinds() == ["values.get"]  # the budget: at most 3
    assert google.kinds("oauth2.googleapis.com") == ["token"]


def test_a_tick_that_writes_makes_four_calls_at_most_even_widening_the_grid_and_with_rows_moved(
    tmp_path: Path, google: FakeGoogle
) -> None:
    """The worst case: the grid has no room for the finished columns, and a person sorts the
    list and inserts a row between the tick's read and its write. Widening and the finished
    dates' format share one spreadsheets.batchUpdate."""
    rows = [cells(f"C{n}") for n in range(1, 6)]
    guide, sheet = sheet_guide(tmp_path, google, rows, columns=len(HEADER))
    tick(guide, DAY0)
    finish_all_steps(guide, "C2", "C4")
    google.calls.clear()

    def sort_and_insert() -> None:
        sheet.reorder_rows(2, [6, 5, 4, 3, 2])
        sheet.insert_row(2, cells("C0"))

    google.after_next("values.get", sort_and_insert)
    report = tick(guide, DAY0 + timedelta(days=1))

    assert report.failures == []
    assert report.counts()["finish"] == 2
    assert google.kinds() == [
        "values.get",
        "spreadsheets.get",
        "spreadsheets.batchUpdate",
        "values.batchUpdate",
    ]
    shown = sheet.displayed()
    assert shown[0] == [*HEADER, "finished", "finished_date", "finished_by"]
    by_id = {line[0]: line[len(HEADER) :] for line in shown[1:]}
    assert by_id == {
        "C0": [],
        "C5": [],
        "C4": ["TRUE", "2026-11-03", "guide"],
        "C3": [],
        "C2": ["TRUE", "2026-11-03", "guide"],
        "C1": [],
    }


def test_a_tick_that_finishes_into_a_roomy_grid_makes_four_calls_writing_a_flag_and_a_date(
    tmp_path: Path, google: FakeGoogle
) -> None:
    """The finished_date needs a date format (a number written RAW keeps its cell's format,
    here none): the one spreadsheets.batchUpdate a widening would otherwise have made."""
    guide, sheet = sheet_guide(tmp_path, google, [cells("C1"), cells("C2")])
    tick(guide, DAY0)
    finish_all_steps(guide, "C1")
    google.calls.clear()

    tick(guide, DAY0 + timedelta(days=1))

    assert google.kinds() == [
        "values.get",
        "spreadsheets.get",
        "spreadsheets.batchUpdate",
        "values.batchUpdate",
    ]
    assert sheet.displayed()[1][len(HEADER) :] == ["TRUE", "2026-11-03", "guide"]
    finished, finished_date = sheet.rows[1][len(HEADER) : len(HEADER) + 2]
    assert finished is not None and finished.value is True
    assert finished_date is not None
    assert (finished_date.value, finished_date.number_format) == (46329, DATE_FORMAT)
    assert tick(guide, DAY0 + timedelta(days=2)).skipped == []  # and it reads back


def test_typed_cells_and_a_bad_row_skip_only_that_row(tmp_path: Path, google: FakeGoogle) -> None:
    guide, _ = sheet_guide(
        tmp_path,
        google,
        [
            cells("C1", signup_date=date_cell(DAY0.date())),
            cells("C2", email="not-an-email"),
            cells("00123", signup_date=46328),
            cells("C4", signup_date="03/04/2026"),
        ],
    )

    report = tick(guide, DAY0)

    assert [(s.row_number, s.column, s.value) for s in report.skipped] == [
        (3, "email", "not-an-email"),
        (5, "signup_date", "03/04/2026"),
    ]
    assert isinstance(guide.mailer, RecordingMailer)
    assert sorted(email.customer_id for email in guide.mailer.sent) == ["00123", "C1"]


def test_a_sheet_that_cannot_be_read_stops_the_tick_with_a_roster_error(
    tmp_path: Path, google: FakeGoogle
) -> None:
    guide, _ = sheet_guide(tmp_path, google, [cells("C1")])
    google.fail(503, times=5)

    with pytest.raises(RosterError, match="Google Sheets answered 503"):
        tick(guide, DAY0)
    assert isinstance(guide.mailer, RecordingMailer) and guide.mailer.sent == []


def test_a_failed_write_is_reported_and_the_next_tick_writes_it(
    tmp_path: Path, google: FakeGoogle
) -> None:
    guide, sheet = sheet_guide(tmp_path, google, [cells("C1")])
    tick(guide, DAY0)
    finish_all_steps(guide, "C1")
    google.after_next("values.get", lambda: google.fail(500, times=5))

    failed = tick(guide, DAY0 + timedelta(days=1))

    assert len(failed.failures) == 1
    assert "the onboarding list could not be updated (C1)" in failed.failures[0]
    assert "Google Sheets answered 500" in failed.failures[0]
    assert sheet.displayed()[0] == HEADER
    tick(guide, DAY0 + timedelta(days=2))
    assert sheet.displayed()[1][len(HEADER) :] == ["TRUE", "2026-11-03", "guide"]
