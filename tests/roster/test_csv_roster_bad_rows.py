"""One bad row of the CSV list costs that row only, and a write keeps it as it was: other
encodings than UTF-8, bytes that are not text, oversized cells and stray quotes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from engine.adapters.csv_roster import CsvRoster
from engine.models import CellProblem, RowUpdate
from engine.ports import RosterError

HEADER = "customer_id,name,email,plan,signup_date,notes\n"


def row(customer_id: str, name: str = "", notes: str = "") -> str:
    name = name or f"Name {customer_id}"
    return f"{customer_id},{name},{customer_id.lower()}@example.com,pro,2026-11-02,{notes}\n"


def saved(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "onboarding.csv"
    path.write_bytes(data)
    return path


def note(customer_id: str, text: str) -> RowUpdate:
    return RowUpdate(customer_id=customer_id, values={"notes": text})


def ids_and_problems(path: Path) -> list[tuple[int, str, CellProblem | None]]:
    return [
        (r.row_number, str(r.values["customer_id"]), r.problem) for r in CsvRoster(path).read().rows
    ]


def test_a_windows_1252_list_is_read_with_one_warning(tmp_path: Path) -> None:
    path = saved(tmp_path, (HEADER + row("C1", "José") + row("C2", "Zoë")).encode("cp1252"))
    snapshot = CsvRoster(path).read()
    assert [r.values["name"] for r in snapshot.rows] == ["José", "Zoë"]
    assert snapshot.warnings == (
        "onboarding.csv is not UTF-8: read as Windows-1252 (cp1252); "
        "save it as CSV UTF-8 to be sure of every character",
    )


@pytest.mark.parametrize(
    ("codec", "mark"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_a_utf16_or_utf32_list_is_read_by_its_byte_order_mark(
    tmp_path: Path, codec: str, mark: bytes
) -> None:
    path = saved(tmp_path, mark + (HEADER + row("C1", "José") + row("C2")).encode(codec))
    snapshot = CsvRoster(path).read()
    assert [r.values["name"] for r in snapshot.rows] == ["José", "Name C2"]
    assert snapshot.warnings == ()


def test_bytes_that_are_not_text_cost_their_row_only(tmp_path: Path) -> None:
    data = (HEADER + row("C1", "José")).encode("cp1252") + row("C2", "B\x81ob").encode("latin-1")
    path = saved(tmp_path, data + row("C3").encode())
    assert ids_and_problems(path) == [
        (2, "C1", None),
        (
            3,
            "C2",
            CellProblem(
                column="name",
                value="B\\x81ob",
                message="the cell holds bytes that are not Windows-1252 (cp1252) text "
                "(shown as \\x..); retype it, or save the list as CSV UTF-8",
            ),
        ),
        (4, "C3", None),
    ]


def test_a_broken_utf16_unit_costs_its_row_only(tmp_path: Path) -> None:
    broken = row("C2", "B?ob").encode("utf-16-le").replace("?".encode("utf-16-le"), b"\x00\xd8")
    data = codecs.BOM_UTF16_LE + (HEADER + row("C1")).encode("utf-16-le") + broken
    path = saved(tmp_path, data + row("C3").encode("utf-16-le"))
    rows = ids_and_problems(path)
    assert [(number, customer_id) for number, customer_id, _ in rows] == [
        (2, "C1"),
        (3, "C2"),
        (4, "C3"),
    ]
    problem = rows[1][2]
    assert problem is not None and problem.value == "B\\x00\\xd8ob"
    assert rows[0][2] is None and rows[2][2] is None


@pytest.mark.parametrize(
    ("codec", "mark"),
    [
        ("cp1252", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-16-le", b""),
    ],
)
def test_a_write_keeps_the_encoding_and_every_byte(tmp_path: Path, codec: str, mark: bytes) -> None:
    junk = {"cp1252": b"\x81", "utf-8": b"\xff"}.get(codec, b"\x00\xd8"[: len(mark) or 2])
    before, after = row("C1", "José"), row("C1", "José", "Grüße")
    bad = row("C2", "B?ob").encode(codec).replace("?".encode(codec), junk)
    tail = row("C3", "Zoë").encode(codec)
    path = saved(tmp_path, mark + (HEADER + before).encode(codec) + bad + tail)

    assert CsvRoster(path).write([note("C1", "Grüße")]) == []

    assert path.read_bytes() == mark + (HEADER + after).encode(codec) + bad + tail


def test_a_character_the_encoding_lacks_makes_the_list_utf8_with_a_mark(tmp_path: Path) -> None:
    path = saved(tmp_path, (HEADER + row("C1", "José") + row("C2")).encode("cp1252"))

    CsvRoster(path).write([note("C2", "日本 trip")])

    expected = HEADER + row("C1", "José") + row("C2", notes="日本 trip")
    assert path.read_bytes() == codecs.BOM_UTF8 + expected.encode()
    snapshot = CsvRoster(path).read()
    assert snapshot.warnings == ()
    assert snapshot.rows[1].values["notes"] == "日本 trip"


def test_a_switch_to_utf8_that_would_lose_bytes_is_refused(tmp_path: Path) -> None:
    data = (HEADER + row("C1")).encode() + row("C2", "B\x81ob").encode("latin-1")
    path = saved(tmp_path, data)
    with pytest.raises(RosterError, match="Windows-1252 \\(cp1252\\) has no '日本'"):
        CsvRoster(path).write([note("C1", "日本")])
    assert path.read_bytes() == data


def test_an_oversized_cell_costs_its_row_only_and_is_written_back(tmp_path: Path) -> None:
    essay = "x" * 200_000
    text = HEADER + row("C1") + f'C2,"{essay}",c2@example.com,pro,2026-11-02,\n' + row("C3")
    path = saved(tmp_path, text.encode())

    rows = ids_and_problems(path)

    assert [(number, customer_id) for number, customer_id, _ in rows] == [
        (2, "C1"),
        (3, "C2"),
        (4, "C3"),
    ]
    problem = rows[1][2]
    assert problem is not None and problem.column == "name"
    assert "200,000 characters, more than the 131,072 a cell may hold" in problem.message
    CsvRoster(path).write([note("C3", "hi")])
    assert path.read_text() == text.replace(row("C3"), row("C3", notes="hi"))


STRAY = 'C2,"Bob,c2@example.com, pro ,2026-11-02,\r\n'


def test_a_stray_quote_costs_its_row_only(tmp_path: Path) -> None:
    path = saved(tmp_path, (HEADER + row("C1") + STRAY + row("C3") + row("C4")).encode())
    rows = ids_and_problems(path)
    assert [(number, customer_id) for number, customer_id, _ in rows] == [
        (2, "C1"),
        (3, "C2"),
        (4, "C3"),
        (5, "C4"),
    ]
    assert rows[1][2] == CellProblem(
        column="name",
        value='"Bob,c2@example.com, pro ,2026-11-02,',
        message='a quote (") opens this cell and is never closed, so rows 4–5 (C3, C4) would '
        "have been read into it; remove the quote or close it",
    )


@pytest.mark.parametrize("end", ["", "\n"])
def test_a_write_keeps_an_unreadable_row_byte_for_byte(tmp_path: Path, end: str) -> None:
    last = row("C5", '"Eve')[:-1] + end  # a quote open until the end of the file
    text = HEADER + row("C1") + STRAY + row("C3") + row("C4", "Dee") + last
    path = saved(tmp_path, text.encode())

    assert CsvRoster(path).write([note("C1", "a"), note("C4", "b"), note("C2", "c")]) == ["C2"]

    expected = HEADER + row("C1", notes="a") + STRAY + row("C3") + row("C4", "Dee", "b") + last
    assert path.read_bytes() == expected.encode()


def test_a_stray_quote_in_the_header_makes_the_list_unreadable_and_says_where(
    tmp_path: Path,
) -> None:
    path = saved(tmp_path, ('customer_id,"name,email,plan\n' + row("C1") + row("C2")).encode())
    with pytest.raises(RosterError) as raised:
        CsvRoster(path).read()
    assert f"cannot read the onboarding list {path}: row 1 (the header), column B" in str(
        raised.value
    )
    assert "so rows 2–3 (C1, C2) would have been read into it" in str(raised.value)


def test_an_id_written_formula_safe_is_found_as_read(tmp_path: Path) -> None:
    path = saved(tmp_path, b"customer_id,notes\n'-17,\n")
    assert [r.values["customer_id"] for r in CsvRoster(path).read().rows] == ["-17"]
    assert CsvRoster(path).write([note("-17", "found")]) == []
    assert path.read_bytes() == b"customer_id,notes\n'-17,found\n"
