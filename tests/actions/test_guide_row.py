"""The guide's columns of a roster row, as audit snapshots and undo compare them: one row reads
the same whether a CSV file holds it as text or a Google Sheet as typed cells."""

from __future__ import annotations

import pytest

from engine.audit import guide_row, guide_text
from engine.models import CellValue, RawRow
from engine.roster.columns import DATE_COLUMNS, FLAG_COLUMNS, FLAG_OR_DATE_COLUMNS, find_columns

HEADER = ("customer_id", "email", "plan", "signup_date", "paused", "paused_note", "finished")
HEADER += ("finished_date", "finished_by", "handed_off_to", "unsubscribed")
AS_CSV: dict[str, CellValue] = {
    "customer_id": "C1",
    "email": "a@example.com",
    "plan": "Starter",
    "signup_date": "2026-11-02",
    "paused": "",
    "paused_note": "",
    "finished": "TRUE",
    "finished_date": "2026-11-04",
    "finished_by": "dana",
    "handed_off_to": "",
    "unsubscribed": "2026-11-05",
}
# What Sheets answers for that row read UNFORMATTED_VALUE with SERIAL_NUMBER dates, after the
# guide wrote it: checkboxes, serial numbers, and cells it never wrote left out ("").
AS_SHEET: dict[str, CellValue] = {
    **AS_CSV,
    "signup_date": 46328,
    "paused": False,
    "finished": True,
    "finished_date": 46330,
    "unsubscribed": 46331,
}


def row(values: dict[str, CellValue]) -> RawRow:
    return RawRow(row_number=2, values=values)


def test_a_row_reads_the_same_from_csv_text_and_from_typed_sheet_cells() -> None:
    columns = find_columns(HEADER)

    from_csv = guide_row(row(AS_CSV), columns)
    from_sheet = guide_row(row(AS_SHEET), columns)

    assert from_sheet == from_csv
    assert from_csv == {
        "plan": "Starter",
        "plan_override": "",
        "signup_date": "2026-11-02",
        "paused": "",
        "paused_note": "",
        "handed_off_to": "",
        "finished": "TRUE",
        "finished_date": "2026-11-04",
        "finished_by": "dana",
        "unsubscribed": "2026-11-05",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "TRUE"),
        ("TRUE", "TRUE"),
        ("yes", "TRUE"),
        ("x", "TRUE"),
        (1, "TRUE"),
        (False, ""),
        ("FALSE", ""),
        ("no", ""),
        (0, ""),
        ("", ""),
        (" ", ""),
        (None, ""),
    ],
)
def test_a_flag_reads_as_true_or_blank(value: CellValue, text: str) -> None:
    assert [guide_text(column, value) for column in FLAG_COLUMNS] == [text, text]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (46330, "2026-11-04"),
        (46330.75, "2026-11-04"),
        ("2026-11-04", "2026-11-04"),
        ("4 Nov 2026", "2026-11-04"),
        ("2026-11-04T10:00:00Z", "2026-11-04"),
        ("", ""),
        ("  ", ""),
        (None, ""),
    ],
)
def test_a_date_reads_as_iso_text(value: CellValue, text: str) -> None:
    assert [guide_text(column, value) for column in DATE_COLUMNS] == [text, text]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "TRUE"),
        ("yes", "TRUE"),
        ("1", "TRUE"),  # a yes, not Sheets' day 1
        (1, "TRUE"),
        (False, ""),
        ("no", ""),
        ("", ""),
        (None, ""),
        (46331, "2026-11-05"),
        ("5 Nov 2026", "2026-11-05"),
        ("2026-11-05", "2026-11-05"),
        ("soon", "soon"),
    ],
)
def test_a_flag_or_date_cell_reads_as_its_day_true_or_blank(value: CellValue, text: str) -> None:
    assert [guide_text(column, value) for column in FLAG_OR_DATE_COLUMNS] == [text]


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("paused", "maybe", "maybe"),
        ("paused", 2, "2"),
        ("finished", " later ", " later "),
        ("finished_date", "03/04/2026", "03/04/2026"),
        ("signup_date", True, "TRUE"),
        ("finished_date", 0, "0"),
    ],
)
def test_a_cell_that_is_no_valid_flag_or_date_keeps_its_text(
    column: str, value: CellValue, text: str
) -> None:
    assert guide_text(column, value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("  back in Q1 ", "  back in Q1 "),
        ('=HYPERLINK("x")', '=HYPERLINK("x")'),
        (123, "123"),
        (123.0, "123"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (None, ""),
    ],
)
def test_other_cells_keep_their_text_and_whole_numbers_lose_the_fraction(
    value: CellValue, text: str
) -> None:
    assert guide_text("paused_note", value) == text
