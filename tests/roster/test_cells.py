from datetime import date

import pytest

from engine.models import CellValue
from engine.roster.cells import cell_text, is_blank, parse_bool, parse_date

NOV_2 = date(2026, 11, 2)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-02",
        " 2026-11-02 ",
        "2026-11-02T09:30:00",
        "2026-11-02T23:59:59Z",
        "2026-11-02 09:30:00+05:00",
        46328,
        46328.0,
        46328.99,
        "46328",
        "46328.5",
        "2 Nov 2026",
        "2 November 2026",
        "Nov 2, 2026",
        "November 2 2026",
        "Mon, 2 Nov 2026",
        "Monday 2 November 2026",
        "2nd Nov. 2026",
        "2-Nov-2026",
        "NOV 2 2026",
        "2026/11/02",
        "2026-11-2",
        "2026.11.02",
    ],
)
def test_every_accepted_form_reads_as_the_same_day(value: CellValue) -> None:
    assert parse_date(value) == NOV_2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, date(1899, 12, 31)),
        (2958465, date(9999, 12, 31)),
        (45658, date(2025, 1, 1)),
        ("Sept 30 2026", date(2026, 9, 30)),
        ("29 Feb 2028", date(2028, 2, 29)),
    ],
)
def test_serial_range_ends_and_other_dates(value: CellValue, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("03/04/2026", "2026-04-03 or 3 Apr 2026"),
        ("3.4.2026", "2026-04-03 or 3 Apr 2026"),
        ("03-04-2026", "2026-04-03 or 3 Apr 2026"),
        ("03/14/2026", "2026-03-14 or 14 Mar 2026"),
    ],
)
def test_numbers_only_dates_are_refused_with_a_suggestion(value: str, suggestion: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_date(value)
    message = str(refused.value)
    assert repr(value) in message
    assert suggestion in message


def test_two_readings_are_both_named() -> None:
    with pytest.raises(ValueError, match=r"ambiguous \(3 Apr 2026 or 4 Mar 2026\?\)"):
        parse_date("03/04/2026")


def test_two_digit_years_are_ambiguous_too() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_date("3/4/26")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "required"),
        ("   ", "required"),
        (None, "required"),
        ("soon", "'soon' is not a date"),
        ("2 Nov", "not a date"),
        ("Nov 2026", "not a date"),
        ("2 Foo 2026", "not a date"),
        ("2 Nov 2026 10:00", "not a date"),
        ("31 Feb 2026", "not a valid date"),
        ("2026-02-30", "not a valid date"),
        ("2026-13-01", "not a valid date"),
        ("2026-11-02 junk", "not a valid date"),
        ("2026/13/01", "not a valid date"),
        ("31/31/2026", "not a date"),
        ("Tue, 2 Nov 2026", "2 Nov 2026 is a Monday"),
        (0, "between 1 and 2958465"),
        (-5, "between 1 and 2958465"),
        (2958466, "between 1 and 2958465"),
        ("0", "between 1 and 2958465"),
        ("20261102", "'20261102' is not a date"),
        (float("nan"), "not a date"),
        (float("inf"), "not a date"),
        (True, "yes/no value"),
        (False, "yes/no value"),
    ],
)
def test_nonsense_is_refused_with_a_clear_message(value: CellValue, fragment: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_date(value)
    assert fragment in str(refused.value)


@pytest.mark.parametrize(
    "value", [True, "TRUE", "true", " True ", "yes", "YES", "1", 1, 1.0, "x", "X"]
)
def test_true_forms(value: CellValue) -> None:
    assert parse_bool(value) is True


@pytest.mark.parametrize(
    "value", [False, "FALSE", "false", "no", "No", "0", 0, 0.0, "", "  ", None]
)
def test_false_forms(value: CellValue) -> None:
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["maybe", "y", "n", "2", 2, -1, 0.5, "✓", "TRUE!"])
def test_other_flags_are_refused(value: CellValue) -> None:
    with pytest.raises(ValueError, match="not a yes/no value; use TRUE or FALSE"):
        parse_bool(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  00123 ", "00123"),
        (123, "123"),
        (123.0, "123"),
        (12.5, "12.5"),
        (True, "TRUE"),
        (False, "FALSE"),
    ],
)
def test_cell_text(value: CellValue, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "blank"), [(None, True), ("", True), (" \t", True), ("x", False), (0, False)]
)
def test_is_blank(value: CellValue, blank: bool) -> None:
    assert is_blank(value) is blank
