"""The `unsubscribed` column: the day the guide wrote, or a yes a person typed; blank is no."""

from __future__ import annotations

from datetime import date

import pytest

from engine.models import CellValue, RawRow, RosterSnapshot
from engine.roster.validate import validate_rows

HEADER = ("customer_id", "email", "plan", "signup_date", "unsubscribed")
PLANS = ("starter",)


def read(cell: CellValue) -> tuple[bool, date | None] | str:
    """The customer's unsubscribe as validation reads it, or why the row was skipped."""
    values = {
        "customer_id": "C1",
        "email": "a@example.com",
        "plan": "starter",
        "signup_date": "2026-11-02",
        "unsubscribed": cell,
    }
    snapshot = RosterSnapshot(header=HEADER, rows=(RawRow(row_number=2, values=values),))
    customers, skipped = validate_rows(snapshot, PLANS, "UTC")
    if skipped:
        (skip,) = skipped
        return f"{skip.column}: {skip.message}"
    (customer,) = customers
    return customer.unsubscribed, customer.unsubscribed_on


@pytest.mark.parametrize(
    ("cell", "reads"),
    [
        ("2026-11-05", (True, date(2026, 11, 5))),
        ("5 Nov 2026", (True, date(2026, 11, 5))),
        (46331, (True, date(2026, 11, 5))),  # a Sheets date
        ("TRUE", (True, None)),
        ("yes", (True, None)),
        (True, (True, None)),  # a checkbox
        ("1", (True, None)),  # a yes, not Sheets' day 1
        ("", (False, None)),
        (None, (False, None)),
        ("FALSE", (False, None)),
        (False, (False, None)),
    ],
)
def test_a_day_or_a_yes_is_unsubscribed_and_blank_or_no_is_not(
    cell: CellValue, reads: tuple[bool, date | None]
) -> None:
    assert read(cell) == reads


def test_anything_else_skips_the_row_saying_what_to_write() -> None:
    assert read("soon") == (
        "unsubscribed: 'soon' is neither a date nor a yes/no value; write the date, or TRUE"
    )


def test_the_same_cell_reads_the_same_on_the_fast_path() -> None:
    """Validation remembers good cells; a second row with the same cell takes that path."""
    rows = tuple(
        RawRow(
            row_number=n,
            values={
                "customer_id": f"C{n}",
                "email": "a@example.com",
                "plan": "starter",
                "signup_date": "2026-11-02",
                "unsubscribed": "2026-11-05",
            },
        )
        for n in (2, 3)
    )
    customers, _ = validate_rows(RosterSnapshot(header=HEADER, rows=rows), PLANS, "UTC")

    assert [(c.unsubscribed, c.unsubscribed_on) for c in customers] == [
        (True, date(2026, 11, 5)),
        (True, date(2026, 11, 5)),
    ]
