"""Actions and their undo on a Google Sheet roster (gspread over the in-process fake Google):
the sheet holds flags as booleans and dates as serial numbers with a date format, its rows
snapshot as their CSV twins would, and undo finds nothing changed that did not change."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Cell, Worksheet, date_cell
from workspace import Workspace, nine_am

from engine.actions import finish, pause, reenroll, resume
from engine.adapters.gsheet_cells import DATE_FORMAT
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.guide import Guide
from engine.tick import tick
from engine.undo import undo

SHEET_ID = "1ActionsSheet"
DAY0 = nine_am("2026-11-02")
HEADER = ["customer_id", "name", "email", "plan", "signup_date", "paused", "paused_note"]
HEADER += ["finished", "finished_date", "finished_by"]
COLUMN = {name: "ABCDEFGHIJ"[position] for position, name in enumerate(HEADER)}
SIGNUP = date(2026, 11, 2)


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


def sheet_guide(tmp_path: Path, google: FakeGoogle) -> tuple[Guide, Worksheet]:
    """C1 on a sheet as a person keeps it: the signup a date, paused an unchecked checkbox."""
    guide = Workspace(tmp_path, []).guide()
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet("Roster")
    c1 = ["C1", "Ada", "ada@example.test", "Starter", date_cell(SIGNUP), False]
    sheet.fill([HEADER, c1])
    guide.roster = GoogleSheetRoster(SHEET_ID, "Roster", google.session())
    tick(guide, DAY0)  # the welcome: a journey in progress
    return guide, sheet


def cell(sheet: Worksheet, column: str) -> Cell | None:
    return sheet.cell(f"{COLUMN[column]}2")


def typed(sheet: Worksheet, column: str) -> Any:
    found = cell(sheet, column)
    return None if found is None else found.value


def assert_date(sheet: Worksheet, column: str, day: date) -> None:
    found = cell(sheet, column)
    assert found is not None
    assert (found.value, found.number_format) == ((day - date(1899, 12, 30)).days, DATE_FORMAT)


def test_pause_resume_and_both_undone_keep_a_checkbox_and_never_refuse(
    tmp_path: Path, google: FakeGoogle
) -> None:
    guide, sheet = sheet_guide(tmp_path, google)
    signup = cell(sheet, "signup_date")

    assert pause(guide, "C1", "=HYPERLINK(1)", "dana", DAY0 + timedelta(hours=1)).changed
    assert (typed(sheet, "paused"), typed(sheet, "paused_note")) == (True, "=HYPERLINK(1)")
    assert resume(guide, "C1", "dana", DAY0 + timedelta(hours=2)).changed
    assert (typed(sheet, "paused"), typed(sheet, "paused_note")) == (False, None)

    undone = undo(guide, "C1", "sam", DAY0 + timedelta(hours=3))
    assert undone.changed, undone.message  # the resume, with no "changed since"
    assert (typed(sheet, "paused"), typed(sheet, "paused_note")) == (True, "=HYPERLINK(1)")
    assert guide.store.load().states["C1"].paused
    undone = undo(guide, "C1", "sam", DAY0 + timedelta(hours=4))
    assert undone.changed, undone.message  # the pause
    assert (typed(sheet, "paused"), typed(sheet, "paused_note")) == (False, None)
    assert not guide.store.load().states["C1"].paused

    note = cell(sheet, "paused_note")
    assert note is None or note.formula is None
    assert cell(sheet, "signup_date") == signup  # never written: still the person's date
    actions = [(e.action, e.undoes is not None) for e in guide.store.audit_trail("C1")]
    assert actions == [("undo", True), ("undo", True), ("resumed", False), ("paused", False)]


def test_an_undo_writes_dates_and_flags_back_as_dates_and_flags(
    tmp_path: Path, google: FakeGoogle
) -> None:
    guide, sheet = sheet_guide(tmp_path, google)
    finished_on = (DAY0 + timedelta(days=2)).date()
    assert finish(guide, "C1", "dana", DAY0 + timedelta(days=2)).changed
    assert typed(sheet, "finished") is True
    assert_date(sheet, "finished_date", finished_on)

    back_on = DAY0 + timedelta(days=9)
    assert reenroll(guide, "C1", "Pro", "dana", back_on).changed
    assert_date(sheet, "signup_date", back_on.date())
    assert (typed(sheet, "finished"), typed(sheet, "finished_date")) == (False, None)

    undone = undo(guide, "C1", "sam", back_on + timedelta(hours=1))
    assert undone.changed, undone.message  # the re-enrolment
    assert_date(sheet, "signup_date", SIGNUP)
    assert typed(sheet, "finished") is True
    assert_date(sheet, "finished_date", finished_on)
    assert typed(sheet, "plan") == "Starter"

    undone = undo(guide, "C1", "sam", back_on + timedelta(hours=2))
    assert undone.changed, undone.message  # the finish
    assert (typed(sheet, "finished"), typed(sheet, "finished_date")) == (False, None)
    assert typed(sheet, "finished_by") is None
    assert_date(sheet, "signup_date", SIGNUP)
