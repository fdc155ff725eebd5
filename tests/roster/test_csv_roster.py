import fcntl
import multiprocessing
import os
import stat
import tempfile
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.adapters.csv_roster import CsvRoster
from engine.models import RowUpdate
from engine.ports import RosterError

HEADER_LINE = "customer_id,email,plan,signup_date,notes"


def make_file(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "onboarding.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def note(customer_id: str, text: str) -> RowUpdate:
    return RowUpdate(customer_id=customer_id, values={"notes": text})


@pytest.mark.parametrize("name", ["nowhere.csv", "no-folder/nowhere.csv"])
def test_a_missing_file_names_its_path(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(RosterError, match=f"{path} does not exist"):
        CsvRoster(path).read()
    with pytest.raises(RosterError, match=f"{path} does not exist"):
        CsvRoster(path).write([note("C1", "x")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "bom", "fragment"),
    [
        ("", False, "is empty"),
        ("", True, "is empty"),
        ("\nC1,a@example.com\n", False, "no header row"),
        (" , \nC1,a@example.com\n", False, "no header row"),
    ],
)
def test_an_empty_file_or_blank_header_is_unusable(
    tmp_path: Path, text: str, bom: bool, fragment: str
) -> None:
    with pytest.raises(RosterError, match=fragment):
        CsvRoster(make_file(tmp_path, text, bom=bom)).read()


def test_utf16_without_a_byte_order_mark_is_read_and_said(tmp_path: Path) -> None:
    # Read as UTF-8 it would be "c\0u\0s\0..." and fail on a missing customer_id column.
    path = tmp_path / "onboarding.csv"
    path.write_bytes("customer_id,name\nC1,José\n".encode("utf-16-le"))
    snapshot = CsvRoster(path).read()
    assert snapshot.rows[0].values == {"customer_id": "C1", "name": "José"}
    assert len(snapshot.warnings) == 1
    assert "onboarding.csv looks like UTF-16 without a byte-order mark" in snapshot.warnings[0]


def test_row_numbers_count_records_including_blank_lines(tmp_path: Path) -> None:
    text = f'{HEADER_LINE}\nC1,a@example.com,pro,2026-11-02,"two\nlines"\n\nC2,b@example.com\n'
    snapshot = CsvRoster(make_file(tmp_path, text, bom=True)).read()
    assert snapshot.header[0] == "customer_id"
    assert [(row.row_number, row.values["customer_id"]) for row in snapshot.rows] == [
        (2, "C1"),
        (3, ""),
        (4, "C2"),
    ]
    assert snapshot.rows[0].values["notes"] == "two\nlines"
    assert snapshot.rows[2].values["notes"] == ""


def test_blank_header_cells_and_cells_past_the_header_are_not_read(tmp_path: Path) -> None:
    snapshot = CsvRoster(make_file(tmp_path, "customer_id,,email\nC1,x,a@example.com,y\n")).read()
    assert snapshot.header == ("customer_id", "", "email")
    assert snapshot.rows[0].values == {"customer_id": "C1", "email": "a@example.com"}


@pytest.mark.parametrize("terminator", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", [True, False])
def test_write_keeps_line_endings_and_byte_order_mark(
    tmp_path: Path, terminator: str, bom: bool
) -> None:
    lines = [HEADER_LINE, "C1,a@example.com,pro,2026-11-02,", "C2,b@example.com,pro,,old"]
    path = make_file(tmp_path, terminator.join(lines) + terminator, bom=bom)

    CsvRoster(path).write([note("C1", "new")])

    expected = [HEADER_LINE, "C1,a@example.com,pro,2026-11-02,new", lines[2]]
    prefix = b"\xef\xbb\xbf" if bom else b""
    assert path.read_bytes() == prefix + (terminator.join(expected) + terminator).encode()


def test_write_keeps_blank_lines_ragged_rows_and_cells_past_the_header(tmp_path: Path) -> None:
    text = "customer_id,notes\nC1\n\nC2,b,extra,cells\nC3,\n"
    path = make_file(tmp_path, text)

    CsvRoster(path).write([note("C3", "hi")])

    assert path.read_text() == "customer_id,notes\nC1\n\nC2,b,extra,cells\nC3,hi\n"


def test_write_pads_a_short_row_to_reach_an_appended_column(tmp_path: Path) -> None:
    path = make_file(tmp_path, "customer_id,notes\nC1\nC2,b\n")

    CsvRoster(path).write([RowUpdate(customer_id="C1", values={"finished": "TRUE"})])

    assert path.read_text() == "customer_id,notes,finished\nC1,,TRUE\nC2,b\n"


def test_the_first_of_duplicate_ids_is_written(tmp_path: Path) -> None:
    path = make_file(tmp_path, "customer_id,notes\n C1 ,a\nC1,b\n")
    CsvRoster(path).write([note("C1", "z")])
    assert path.read_text() == "customer_id,notes\n C1 ,z\nC1,b\n"


def test_write_keeps_the_file_mode_and_leaves_only_the_lock_beside_it(tmp_path: Path) -> None:
    path = make_file(tmp_path, f"{HEADER_LINE}\nC1,a@example.com,pro,2026-11-02,\n")
    path.chmod(0o640)

    CsvRoster(path).write([note("C1", "x")])

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onboarding.csv", "onboarding.csv.lock"]


def test_an_unchanged_write_leaves_the_file_alone(tmp_path: Path) -> None:
    path = make_file(tmp_path, '"customer_id","notes"\n"C1","same"\n')
    before = path.stat().st_ino
    assert CsvRoster(path).write([note("C1", "same"), note("C9", "x")]) == ["C9"]
    assert path.read_text() == '"customer_id","notes"\n"C1","same"\n'
    assert path.stat().st_ino == before


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = make_file(tmp_path, f"{HEADER_LINE}\nC1,a@example.com,pro,2026-11-02,old\n")
    original = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, failing, crash)
    with pytest.raises(OSError, match="disk on fire"):
        CsvRoster(path).write([note("C1", "new")])
    monkeypatch.undo()

    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onboarding.csv", "onboarding.csv.lock"]


ROUNDS = 15
CUSTOMERS_PER_WRITER = 3


def write_rounds(path: str, writer: str, start: Barrier) -> None:
    roster = CsvRoster(Path(path))
    start.wait()
    for round_number in range(ROUNDS):
        for index in range(CUSTOMERS_PER_WRITER):
            # A column per write: a lost update would drop it for good, so it shows at the end.
            column = f"{writer}{round_number}"
            roster.write([RowUpdate(customer_id=f"{writer}{index}", values={column: "done"})])


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    writers = ["a", "b"]
    ids = [f"{writer}{index}" for writer in writers for index in range(CUSTOMERS_PER_WRITER)]
    path = make_file(tmp_path, "customer_id\n" + "\n".join(ids) + "\n")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(writers))
    processes = [
        context.Process(target=write_rounds, args=(str(path), writer, start)) for writer in writers
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0]

    snapshot = CsvRoster(path).read()
    assert len(snapshot.header) == 1 + len(writers) * ROUNDS
    for row in snapshot.rows:
        writer = str(row.values["customer_id"])[0]
        written = {name for name, value in row.values.items() if value == "done"}
        assert written == {f"{writer}{round_number}" for round_number in range(ROUNDS)}


def test_a_written_formula_is_text_on_disk_and_reads_back_as_typed(tmp_path: Path) -> None:
    path = make_file(tmp_path, "customer_id,notes\nC1,\nC2,\n")
    formula = '=HYPERLINK("http://evil.example","x")'

    CsvRoster(path).write([note("C1", formula), note("C2", "'=quoted")])

    assert path.read_text().splitlines() == [
        "customer_id,notes",
        '''C1,"'=HYPERLINK(""http://evil.example"",""x"")"''',
        "C2,''=quoted",
    ]
    assert [r.values["notes"] for r in CsvRoster(path).read().rows] == [formula, "'=quoted"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12))
def test_any_text_written_reads_back_as_written(value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(Path(folder), "customer_id,notes\nC1,\nC2,x\n")
        roster = CsvRoster(path)

        roster.write([note("C1", value)])

        assert [r.values["notes"] for r in roster.read().rows] == [value, "x"]


def leftover(tmp_path: Path, name: str, *, age: float) -> Path:
    path = tmp_path / name
    path.write_text("customer_id,email\nC1,secret@example.com\n")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_a_new_roster_removes_its_own_old_leftover_copies_only(tmp_path: Path) -> None:
    path = make_file(tmp_path, "customer_id,notes\nC1,\n")
    CsvRoster(path).write([note("C1", "x")])  # leaves the lock file, as any write does
    old = leftover(tmp_path, ".onboarding.csv.k3x_9q2a.tmp", age=3600)
    young = leftover(tmp_path, ".onboarding.csv.a1b2c3d4.tmp", age=5)
    others = [
        leftover(tmp_path, name, age=3600)
        for name in (
            ".other.csv.k3x_9q2a.tmp",
            ".onboarding.csv.notes.tmp",
            "onboarding.csv.k3x_9q2a.tmp",
            ".onboarding.csv.k3x_9q2a.tmp.keep",
        )
    ]

    snapshot = CsvRoster(path).read()

    assert not old.exists()
    assert young.exists() and all(p.exists() for p in others)
    assert [r.values["customer_id"] for r in snapshot.rows] == ["C1"]


def test_leftovers_stay_while_a_write_holds_the_lock(tmp_path: Path) -> None:
    path = make_file(tmp_path, "customer_id,notes\nC1,\n")
    old = leftover(tmp_path, ".onboarding.csv.k3x_9q2a.tmp", age=3600)
    with open(tmp_path / "onboarding.csv.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        CsvRoster(path)
        assert old.exists()
    CsvRoster(path)
    assert not old.exists()
