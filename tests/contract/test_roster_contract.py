"""What every `Roster` adapter promises, run against each of them.

To add a backend, add its name to the `roster_factory` params and a class like
`CsvRosterUnderTest` that can seed the list, edit it as a person would, and show its cells.
The Google Sheet runs through gspread against the in-process Sheets API of `fake_google`.
"""

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Worksheet

from engine.adapters.csv_roster import CsvRoster
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.audit import guide_row
from engine.models import GUIDE_COLUMNS, RowUpdate
from engine.ports import Roster, RosterError
from engine.roster.columns import find_columns
from engine.roster.grid import grid_snapshot
from engine.roster.validate import validate_rows

Table = list[list[str]]


class RosterUnderTest(Protocol):
    roster: Roster

    def edit(self, table: Table) -> None:
        """Replace the whole list, as a person sorting or inserting rows would."""
        ...

    def table(self) -> Table:
        """The header and rows as stored, trailing blank cells trimmed."""
        ...


RosterFactory = Callable[[Sequence[str], Sequence[Sequence[str]]], RosterUnderTest]


class CsvRosterUnderTest:
    def __init__(self, path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.path = path
        self.edit([list(header), *map(list, rows)])
        self.roster: Roster = CsvRoster(path)

    def edit(self, table: Table) -> None:
        with self.path.open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows(table)

    def table(self) -> Table:
        with self.path.open(encoding="utf-8-sig", newline="") as file:
            return [trimmed(row) for row in csv.reader(file)]


class GoogleSheetRosterUnderTest:
    """Cells are typed as text, as in a list whose columns are formatted as plain text: the
    contract is about text; typed cells (numbers, dates, checkboxes) have their own tests."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        google = FakeGoogle()
        self.sheet: Worksheet = google.sheets.add_spreadsheet("1SheetId").add_worksheet("Roster")
        self.edit([list(header), *map(list, rows)])
        self.roster: Roster = GoogleSheetRoster("1SheetId", "Roster", google.session())

    def edit(self, table: Table) -> None:
        self.sheet.fill(table)

    def table(self) -> Table:
        return self.sheet.displayed()


def trimmed(row: Sequence[str]) -> list[str]:
    cells = list(row)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


@pytest.fixture(params=["csv", "gsheet"])
def roster_factory(request: pytest.FixtureRequest, tmp_path: Path) -> RosterFactory:
    def make(header: Sequence[str], rows: Sequence[Sequence[str]]) -> RosterUnderTest:
        if request.param == "csv":
            return CsvRosterUnderTest(tmp_path / "onboarding.csv", header, rows)
        if request.param == "gsheet":
            return GoogleSheetRosterUnderTest(header, rows)
        raise NotImplementedError(request.param)

    return make


HEADER = ["customer_id", "name", "email", "plan", "signup_date", "notes"]
ROWS = [
    ["C1", "Ada", "ada@example.com", "starter", "2026-11-02", "likes tea, not coffee"],
    ["C2", "Bob", "bob@example.com", "pro", "2026-11-03", 'said "hi"\nthen left'],
    ["00123", "Cy", "cy@example.com", "pro", "2026-11-04", "  padded  "],
]


def test_read_returns_the_header_and_numbered_rows(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    snapshot = subject.roster.read()
    assert snapshot.header == tuple(HEADER)
    assert [row.row_number for row in snapshot.rows] == [2, 3, 4]
    assert [row.values["customer_id"] for row in snapshot.rows] == ["C1", "C2", "00123"]
    assert snapshot.rows[1].values["notes"] == 'said "hi"\nthen left'
    assert snapshot.rows[2].values["notes"] == "  padded  "


def test_read_grid_is_read_before_the_rows_are_modelled(roster_factory: RosterFactory) -> None:
    # Short rows, a blank and a repeated column name: cells the grid keeps as they are and
    # `read` keys by name.
    header = [*HEADER, "", "notes"]
    subject = roster_factory(header, [*ROWS, ["C4", "Di"], ["C5", *[""] * 6, "x", "y"]])
    grid = subject.roster.read_grid()
    assert grid.header == tuple(header)
    assert [cells[0] for cells in grid.rows] == ["C1", "C2", "00123", "C4", "C5"]
    assert grid_snapshot(grid) == subject.roster.read()
    subject.roster.write([RowUpdate(customer_id="C4", values={"plan": "pro"})])
    assert grid_snapshot(subject.roster.read_grid()) == subject.roster.read()
    assert subject.roster.read().rows[3].values["plan"] == "pro"


def test_write_finds_the_row_by_id_after_a_person_sorted_and_inserted_rows(
    roster_factory: RosterFactory,
) -> None:
    subject = roster_factory(HEADER, ROWS)
    subject.roster.read()
    new_row = ["C0", "Dee", "dee@example.com", "starter", "2026-11-05"]
    subject.edit([HEADER, new_row, *reversed(ROWS)])

    not_found = subject.roster.write([RowUpdate(customer_id="C1", values={"notes": "called"})])

    assert not_found == []
    assert subject.table() == [
        HEADER,
        new_row,
        ROWS[2],
        ROWS[1],
        [*ROWS[0][:5], "called"],
    ]


def test_write_keeps_an_edit_made_after_the_read(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    subject.roster.read()
    edited = [HEADER, [*ROWS[0][:4], "2026-12-24", ROWS[0][5]], *ROWS[1:]]
    subject.edit(edited)

    subject.roster.write([RowUpdate(customer_id="C2", values={"name": "Robert"})])

    assert subject.table() == [HEADER, edited[1], ["C2", "Robert", *ROWS[1][2:]], ROWS[2]]


def test_write_appends_missing_columns(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    update = RowUpdate(customer_id="C2", values={"finished": "TRUE", "finished_date": "2026-12-01"})

    assert subject.roster.write([update]) == []

    assert subject.table() == [
        [*HEADER, "finished", "finished_date"],
        ROWS[0],
        [*ROWS[1], "TRUE", "2026-12-01"],
        ROWS[2],
    ]
    snapshot = subject.roster.read()
    assert snapshot.header == (*HEADER, "finished", "finished_date")
    # Each list holds a date its own way (text in CSV, a serial number in a sheet): read back,
    # it is the date written.
    row = guide_row(snapshot.rows[1], find_columns(snapshot.header))
    assert (row["finished"], row["finished_date"]) == ("TRUE", "2026-12-01")


def test_the_guide_columns_read_back_as_written(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    written = {
        "plan": "pro",
        "plan_override": "starter",
        "signup_date": "2026-11-05",
        "paused": "TRUE",
        "paused_note": '=HYPERLINK("x") +1',
        "handed_off_to": "Sam Ortiz",
        "finished": "",
        "finished_date": "",
        "finished_by": "guide",
        "unsubscribed": "2026-11-09",
    }
    assert set(written) == set(GUIDE_COLUMNS)

    subject.roster.write([RowUpdate(customer_id="C2", values=written)])

    snapshot = subject.roster.read()
    assert guide_row(snapshot.rows[1], find_columns(snapshot.header)) == written
    customers, skipped = validate_rows(snapshot, ["starter", "pro"], "UTC")
    assert skipped == []
    c2 = customers[1]
    assert (c2.paused, c2.finished, c2.finished_date) == (True, False, None)
    assert c2.signup_date.isoformat() == "2026-11-05"
    assert (c2.unsubscribed, str(c2.unsubscribed_on)) == (True, "2026-11-09")


def test_a_flag_and_a_date_cleared_read_back_as_no_and_blank(
    roster_factory: RosterFactory,
) -> None:
    subject = roster_factory(HEADER, ROWS)
    done = {"finished": "TRUE", "finished_date": "2026-12-01", "paused": "TRUE"}
    subject.roster.write([RowUpdate(customer_id="C1", values=done)])

    cleared = {"finished": "", "finished_date": "", "paused": ""}
    subject.roster.write([RowUpdate(customer_id="C1", values=cleared)])

    snapshot = subject.roster.read()
    row = guide_row(snapshot.rows[0], find_columns(snapshot.header))
    assert {column: row[column] for column in cleared} == cleared
    (c1, *_), _ = validate_rows(snapshot, ["starter", "pro"], "UTC")
    assert (c1.paused, c1.finished, c1.finished_date) == (False, False, None)


def test_write_matches_existing_columns_ignoring_case_and_spaces(
    roster_factory: RosterFactory,
) -> None:
    header = [" Customer_ID ", "Name", "Notes "]
    subject = roster_factory(header, [["C1", "Ada", ""]])

    subject.roster.write([RowUpdate(customer_id="C1", values={"notes": "n", "name": "A"})])

    assert subject.table() == [header, ["C1", "A", "n"]]


def test_other_columns_and_rows_are_untouched(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    before = subject.table()

    subject.roster.write([RowUpdate(customer_id="00123", values={"plan": "starter"})])

    after = subject.table()
    before[3][3] = "starter"
    assert after == before


def test_unknown_ids_are_returned_and_known_ones_still_applied(
    roster_factory: RosterFactory,
) -> None:
    subject = roster_factory(HEADER, ROWS)
    updates = [
        RowUpdate(customer_id="C404", values={"notes": "x"}),
        RowUpdate(customer_id="C2", values={"notes": "seen"}),
        RowUpdate(customer_id="123", values={"notes": "x"}),
        RowUpdate(customer_id="C404", values={"name": "x"}),
    ]

    assert subject.roster.write(updates) == ["C404", "123"]

    assert [row[5] for row in subject.table()[1:]] == [ROWS[0][5], "seen", ROWS[2][5]]


def test_later_updates_to_one_row_win(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    subject.roster.write(
        [
            RowUpdate(customer_id="C1", values={"notes": "first", "name": "A"}),
            RowUpdate(customer_id="C1", values={"notes": "second"}),
        ]
    )
    assert subject.table()[1] == ["C1", "A", *ROWS[0][2:5], "second"]


def test_nothing_to_write_changes_nothing(roster_factory: RosterFactory) -> None:
    subject = roster_factory(HEADER, ROWS)
    before = subject.table()
    assert subject.roster.write([]) == []
    assert subject.table() == before


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("x")',
        "+1",
        "-1",
        "@sum(A1)",
        "\tindented",
        "\rreturned",
        "'quoted",
        "'=already quoted",
        "''-2",
        "'",
        "0042",
        " spaced ",
        "a,b",
    ],
)
def test_values_are_stored_as_literal_text(roster_factory: RosterFactory, text: str) -> None:
    subject = roster_factory(HEADER, ROWS)

    subject.roster.write([RowUpdate(customer_id="C1", values={"notes": text})])

    assert subject.roster.read().rows[0].values["notes"] == text


def test_a_list_without_customer_id_cannot_be_written(roster_factory: RosterFactory) -> None:
    subject = roster_factory(["email", "plan"], [["a@example.com", "pro"]])
    with pytest.raises(RosterError, match="customer_id"):
        subject.roster.write([RowUpdate(customer_id="C1", values={"notes": "x"})])
