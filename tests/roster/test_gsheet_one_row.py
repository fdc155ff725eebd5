"""One customer of a Google Sheet roster, read and written through the rows remembered from the
last look (engine.adapters.row_memory), with gspread's own code over the in-process Sheets API:
the calls and cells of a click or a link at 100 and at 20,000 rows, rows a person moved found
again, a remembered row that is no longer the customer's never trusted, and a memory that cannot
be read or written costing only a longer look."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fake_google import FakeGoogle
from fake_sheets_grid import Worksheet, typed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.adapters import gsheet_roster
from engine.adapters.gsheet_cells import DATE_FORMAT
from engine.adapters.gsheet_roster import GoogleSheetRoster, gsheet_url
from engine.adapters.row_memory import KEY, InProcessRowMemory, StoreRowMemory
from engine.adapters.sqlite_store import SqliteStore
from engine.models import RowUpdate
from engine.ports import RowMemory
from engine.roster.grid import one_customer

SHEET_ID = "1OneRowSheet"
TITLE = "Roster"
URL = gsheet_url(SHEET_ID, TITLE)
HEADER = ["customer_id", "name", "email", "plan", "signup_date", "paused", "paused_note"]
MOST_CELLS = 100


def customer(n: int) -> list[object]:
    return [f"C{n:05d}", f"Name {n}", f"c{n}@example.test", "Starter", 46328, False]


def sheet_of(google: FakeGoogle, size: int) -> Worksheet:
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet(TITLE, columns=len(HEADER))
    sheet.fill([HEADER, *(customer(n) for n in range(size))])
    return sheet


def roster(google: FakeGoogle, memory: RowMemory | None = None) -> GoogleSheetRoster:
    return GoogleSheetRoster(SHEET_ID, TITLE, google.session(), memory)


def ids(sheet: Worksheet) -> list[str]:
    return [row[0] for row in sheet.displayed()[1:]]


@pytest.mark.parametrize("size", [100, 20_000])
def test_a_fresh_process_reads_and_writes_one_customer_in_few_calls_and_cells(
    google: FakeGoogle, tmp_path: Path, size: int
) -> None:
    sheet = sheet_of(google, size)
    store = SqliteStore(tmp_path / "og.db")
    whole = roster(google, StoreRowMemory(store, URL)).read()  # the tick's, elsewhere
    one = roster(google, StoreRowMemory(SqliteStore(tmp_path / "og.db"), URL))
    wanted = f"C{size * 2 // 3:05d}"
    google.calls.clear()

    snapshot = one.read_one(wanted)

    assert snapshot == one_customer(whole, wanted)
    assert [row.row_number for row in snapshot.rows] == [size * 2 // 3 + 2]
    assert google.kinds() == ["spreadsheets.get"]  # the header and the row
    assert google.cells() <= MOST_CELLS
    google.calls.clear()

    # The action's write, moments after its read: the row just checked.
    one.write([RowUpdate(customer_id=wanted, values={"paused": "TRUE", "paused_note": "Q1"})])

    assert google.kinds() == ["spreadsheets.batchUpdate"]
    assert google.cells() <= MOST_CELLS
    assert sheet.displayed()[size * 2 // 3 + 1][5:] == ["TRUE", "Q1"]
    google.calls.clear()

    # A write without a read before it checks the remembered row first.
    again = roster(google, StoreRowMemory(SqliteStore(tmp_path / "og.db"), URL))
    again.write([RowUpdate(customer_id=wanted, values={"paused": "", "paused_note": ""})])

    assert google.kinds() == ["spreadsheets.get", "values.batchUpdate"]
    assert google.cells() <= MOST_CELLS
    assert sheet.displayed()[size * 2 // 3 + 1][5:] == ["FALSE"]


def test_a_finish_after_its_read_writes_the_flag_and_a_formatted_date_in_one_call(
    google: FakeGoogle,
) -> None:
    sheet = sheet_of(google, 10)
    sheet.fill([[*HEADER, "finished", "finished_date"], *(customer(n) for n in range(10))])
    guide = roster(google)
    guide.read()
    update = RowUpdate(
        customer_id="C00004", values={"finished": "TRUE", "finished_date": "2026-12-01"}
    )
    google.calls.clear()

    guide.read_one("C00004")
    guide.write([update])

    assert google.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate"]
    assert sheet.displayed()[5][7:] == ["TRUE", "2026-12-01"]
    finished_date = sheet.cell("I6")
    assert finished_date is not None and finished_date.number_format == DATE_FORMAT


def test_a_row_read_long_ago_is_checked_again_before_it_is_written(
    google: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gsheet_roster, "TRUSTED_FOR", -1.0)
    sheet_of(google, 10)
    guide = roster(google)
    guide.read_one("C00004")
    google.calls.clear()

    guide.write([RowUpdate(customer_id="C00004", values={"paused_note": "later"})])

    assert google.kinds() == ["spreadsheets.get", "values.batchUpdate"]


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


@pytest.mark.parametrize(
    "edit",
    ["sorted", "inserted above", "deleted above"],
)
def test_rows_a_person_moved_are_found_again_and_remembered_anew(
    google: FakeGoogle, edit: str
) -> None:
    sheet = sheet_of(google, 50)
    guide = roster(google)
    guide.read()
    if edit == "sorted":
        sheet.reorder_rows(2, list(range(51, 1, -1)))
    elif edit == "inserted above":
        sheet.insert_row(2, ["C99999", "New", "new@example.test", "Starter", 46328])
    else:
        del sheet.rows[1:4]
    expected = roster(google, InProcessRowMemory()).read()
    google.calls.clear()

    assert guide.read_one("C00030") == one_customer(expected, "C00030")
    # The remembered row, then the header and the id column, then the rows it names.
    assert google.kinds() == ["spreadsheets.get", "values.batchGet", "spreadsheets.get"]
    google.calls.clear()
    assert guide.read_one("C00040") == one_customer(expected, "C00040")
    assert google.kinds() == ["spreadsheets.get"]  # remembered anew by the look above


def test_a_remembered_row_that_holds_someone_else_is_never_read_or_written(
    google: FakeGoogle,
) -> None:
    sheet = sheet_of(google, 5)
    memory = InProcessRowMemory()
    memory.remember({"C00001": [2], "C00004": [99]})  # row 2 is C00000; row 99 is empty
    guide = roster(google, memory)

    assert [row.values["name"] for row in guide.read_one("C00001").rows] == ["Name 1"]
    memory.remember({"C00001": [2], "C00004": [99]})
    assert [row.values["name"] for row in guide.read_one("C00004").rows] == ["Name 4"]
    for customer_id, note in (("C00001", "x"), ("C00004", "y")):
        memory.remember({"C00001": [2], "C00004": [99]})
        writer = roster(google, memory)  # no read before: the write's own check
        assert (
            writer.write([RowUpdate(customer_id=customer_id, values={"paused_note": note})]) == []
        )

    notes = {row[0]: row[6:] for row in sheet.displayed()[1:]}
    assert notes == {"C00000": [], "C00001": ["x"], "C00002": [], "C00003": [], "C00004": ["y"]}


def test_a_row_remembered_past_the_end_of_a_shrunk_grid_costs_a_longer_look(
    google: FakeGoogle,
) -> None:
    sheet = sheet_of(google, 5)
    memory = InProcessRowMemory()
    memory.remember({"C00003": [1500]})  # the grid has 1,000 rows: Sheets answers 400
    guide = roster(google, memory)
    assert sheet.row_count == 1000

    assert [row.row_number for row in guide.read_one("C00003").rows] == [5]
    memory.remember({"C00003": [1500]})
    update = RowUpdate(customer_id="C00003", values={"paused_note": "x"})
    assert roster(google, memory).write([update]) == []
    assert sheet.displayed()[4][6:] == ["x"]


def test_a_customer_gone_from_the_sheet_is_not_found_where_their_row_was(
    google: FakeGoogle,
) -> None:
    sheet = sheet_of(google, 5)
    guide = roster(google)
    guide.read()
    del sheet.rows[2]  # C00001's row: C00002 moves up into it
    before = sheet.displayed()

    assert guide.read_one("C00001").rows == ()
    assert guide.write([RowUpdate(customer_id="C00001", values={"paused": "TRUE"})]) == ["C00001"]
    assert sheet.displayed() == before


def test_rows_that_move_again_during_the_look_are_read_whole(google: FakeGoogle) -> None:
    sheet = sheet_of(google, 20)
    guide = roster(google)
    guide.read()
    sheet.reorder_rows(2, list(range(21, 1, -1)))
    google.after_next("values.batchGet", lambda: sheet.insert_row(2, ["C77777"]))
    google.calls.clear()

    snapshot = guide.read_one("C00005")

    assert [row.values["name"] for row in snapshot.rows] == ["Name 5"]
    assert google.kinds() == [
        "spreadsheets.get",
        "values.batchGet",
        "spreadsheets.get",
        "values.get",
    ]


def test_a_memory_that_cannot_be_read_or_written_costs_only_a_longer_look(
    google: FakeGoogle, tmp_path: Path
) -> None:
    sheet_of(google, 30)
    store = SqliteStore(tmp_path / "og.db")
    roster(google, StoreRowMemory(store, URL)).read()
    with sqlite3.connect(tmp_path / "og.db") as db:
        db.execute("UPDATE og_meta SET value = 'not a bucket' WHERE key LIKE ?", (KEY + "%",))
    spoilt = roster(google, StoreRowMemory(SqliteStore(tmp_path / "og.db"), URL))
    google.calls.clear()

    assert [row.row_number for row in spoilt.read_one("C00007").rows] == [9]
    assert google.kinds() == ["values.batchGet", "spreadsheets.get"]  # the id column, the row

    with sqlite3.connect(tmp_path / "og.db") as db:
        db.execute("DELETE FROM og_meta WHERE key LIKE ?", (KEY + "%",))
        db.execute(
            "CREATE TRIGGER refused BEFORE INSERT ON og_meta BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    refusing = roster(google, StoreRowMemory(SqliteStore(tmp_path / "og.db"), URL))
    refusing.read()  # remembering in the store fails, and is only logged
    google.calls.clear()
    assert [row.row_number for row in refusing.read_one("C00008").rows] == [10]
    assert google.kinds() == ["spreadsheets.get"]  # this process still remembers its look
    other = roster(google, StoreRowMemory(SqliteStore(tmp_path / "og.db"), URL))
    google.calls.clear()
    assert [row.row_number for row in other.read_one("C00009").rows] == [11]
    assert google.kinds() == ["values.batchGet", "spreadsheets.get"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(range(8)),
    inserted=st.lists(st.integers(0, 8), max_size=3),
    deleted=st.sets(st.integers(0, 7), max_size=3),
    asked=st.sampled_from(["C00000", "C00003", "C00007", "C00100", "C00101", "C99999"]),
)
def test_one_customer_is_what_a_whole_read_gives_them_after_any_moves(
    order: list[int], inserted: list[int], deleted: set[int], asked: str
) -> None:
    google = FakeGoogle()
    sheet = sheet_of(google, 8)
    guide = roster(google)
    guide.read()
    rows = [sheet.rows[1 + n] for n in order if n not in deleted]
    for number, at in enumerate(inserted):
        rows.insert(min(at, len(rows)), [typed(f"C{100 + number:05d}"), typed("New")])
    sheet.rows[1:] = rows

    expected = one_customer(roster(google).read(), asked)

    assert guide.read_one(asked) == expected
    assert guide.read_one(asked) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"paused_note": '=HYPERLINK("x")'},
        {"paused_note": "+1", "paused": "TRUE"},
        {"paused_note": "'quoted", "name": "0042"},
        {"paused_note": "", "paused": ""},
        {"finished_date": "2026-12-01", "finished": "TRUE", "finished_by": "@here"},
        {"signup_date": "2026-02-30", "notes": " spaced "},
    ],
)
def test_the_one_call_write_leaves_the_sheet_as_the_long_way_does(
    values: dict[str, str],
) -> None:
    sheets = []
    for just_read in (True, False):
        google = FakeGoogle()
        sheet = sheet_of(google, 5)
        sheet.fill([[*HEADER, "finished"], *([*customer(n), "note"] for n in range(5))])
        writer = roster(google)
        if just_read:
            writer.read_one("C00002")
        google.calls.clear()
        writer.write([RowUpdate(customer_id="C00002", values=values)])
        assert (google.kinds()[-1] == "spreadsheets.batchUpdate") is just_read
        sheets.append((sheet.displayed(), [row[:] for row in sheet.rows]))
    assert sheets[0] == sheets[1]
