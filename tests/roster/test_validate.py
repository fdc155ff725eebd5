import gc
from collections.abc import Sequence
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.models import (
    CellProblem,
    CellValue,
    Customer,
    RawRow,
    RosterSnapshot,
    SkippedRow,
    clip,
)
from engine.ports import RosterError
from engine.roster.columns import find_columns
from engine.roster.validate import _RowValidator, validate_customer, validate_rows

PLANS = ("starter", "pro", "enterprise-plus")
HEADER = (
    "customer_id",
    "name",
    "email",
    "company",
    "plan",
    "plan_override",
    "signup_date",
    "timezone",
    "country",
    "owner",
    "paused",
    "paused_note",
    "finished",
    "finished_date",
    "finished_by",
    "handed_off_to",
    "unsubscribed",
    "notes",
)
GOOD: dict[str, CellValue] = {
    "customer_id": "C1",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "plan": "starter",
    "signup_date": "2026-11-02",
}


def roster(rows: Sequence[dict[str, CellValue]], header: Sequence[str] = HEADER) -> RosterSnapshot:
    return RosterSnapshot(
        header=tuple(header),
        rows=tuple(
            RawRow(row_number=number, values=values) for number, values in enumerate(rows, 2)
        ),
    )


def validate(
    rows: Sequence[dict[str, CellValue]], header: Sequence[str] = HEADER
) -> tuple[list[Customer], list[SkippedRow]]:
    return validate_rows(roster(rows, header), PLANS, "Europe/London")


def only_skip(row: dict[str, CellValue]) -> SkippedRow:
    """The one SkippedRow for a roster whose single bad row (row 3) sits between good ones."""
    customers, skipped = validate([GOOD, row, {**GOOD, "customer_id": "C9"}])
    assert [c.customer_id for c in customers] == ["C1", "C9"]
    assert len(skipped) == 1
    assert skipped[0].row_number == 3
    return skipped[0]


def test_a_full_row_becomes_a_customer() -> None:
    row: dict[str, CellValue] = {
        "customer_id": " C-00123 ",
        "name": " Ada Lovelace ",
        "email": "ada@example.com",
        "company": "Analytical Engines",
        "plan": "Starter",
        "plan_override": "Enterprise Plus",
        "signup_date": "2 Nov 2026",
        "timezone": "europe/london",
        "owner": "Grace",
        "paused": "x",
        "paused_note": "on holiday",
        "finished": "FALSE",
        "finished_date": "",
        "finished_by": "",
        "handed_off_to": "Bob",
        "notes": "ignored",
    }
    customers, skipped = validate([row])
    assert skipped == []
    assert customers == [
        Customer(
            customer_id="C-00123",
            name="Ada Lovelace",
            email="ada@example.com",
            company="Analytical Engines",
            plan="starter",
            plan_override="enterprise-plus",
            signup_date=date(2026, 11, 2),
            timezone="Europe/London",
            owner="Grace",
            paused=True,
            paused_note="on holiday",
            finished=False,
            handed_off_to="Bob",
            row_number=2,
        )
    ]


def test_only_required_columns_gives_defaults() -> None:
    header = (" Customer_ID ", "EMAIL", "Plan", "signup_date")
    row: dict[str, CellValue] = {
        " Customer_ID ": "C1",
        "EMAIL": "a@example.com",
        "Plan": "pro",
        "signup_date": "2026-11-02",
    }
    [customer], [] = validate([row], header)
    assert customer.plan == "pro"
    assert customer.timezone is None
    assert customer.owner is None
    assert customer.name == ""
    assert customer.paused is False
    assert customer.finished_date is None


@pytest.mark.parametrize(
    ("typed", "plan_id"),
    [
        ("starter", "starter"),
        ("STARTER", "starter"),
        (" Pro ", "pro"),
        ("Enterprise Plus", "enterprise-plus"),
        ("enterprise_plus", "enterprise-plus"),
        ("(Enterprise) plus!", "enterprise-plus"),
    ],
)
def test_plans_are_matched_by_slug(typed: str, plan_id: str) -> None:
    [customer], [] = validate([{**GOOD, "plan": typed, "plan_override": typed}])
    assert (customer.plan, customer.plan_override) == (plan_id, plan_id)


def test_sheets_numbers_and_ids_are_kept_as_text() -> None:
    rows: list[dict[str, CellValue]] = [
        {**GOOD, "customer_id": 123, "signup_date": 46328, "paused": False},
        {**GOOD, "customer_id": 124.0, "signup_date": 46328.25, "finished": True},
        {**GOOD, "customer_id": "00123", "finished_date": 46329, "finished": 1},
    ]
    customers, skipped = validate(rows)
    assert skipped == []
    assert [c.customer_id for c in customers] == ["123", "124", "00123"]
    assert {c.signup_date for c in customers} == {date(2026, 11, 2)}
    assert [c.finished for c in customers] == [False, True, True]
    assert customers[2].finished_date == date(2026, 11, 3)


def test_finished_customer() -> None:
    row = {**GOOD, "finished": "TRUE", "finished_date": "2026-12-01", "finished_by": "Grace"}
    [customer], [] = validate([row])
    assert customer.finished
    assert customer.finished_date == date(2026, 12, 1)
    assert customer.finished_by == "Grace"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Europe/Paris", "Europe/Paris"), ("america/new_york", "America/New_York"), ("UTC", "UTC")],
)
def test_timezones_are_stored_by_their_iana_name(typed: str, zone: str) -> None:
    [customer], [] = validate([{**GOOD, "timezone": f" {typed} "}])
    assert customer.timezone == zone


@pytest.mark.parametrize(("typed", "code"), [("GB", "GB"), (" de ", "DE"), ("usa", "USA")])
def test_a_country_is_stored_as_its_code(typed: str, code: str) -> None:
    [customer], [] = validate([{**GOOD, "country": typed}])
    assert customer.country == code
    assert validate([{**GOOD, "country": ""}])[0][0].country is None


def test_blank_timezone_stays_none_and_owner_blank_is_none() -> None:
    [customer], [] = validate([{**GOOD, "timezone": "  ", "owner": " "}])
    assert customer.timezone is None
    assert customer.owner is None


@pytest.mark.parametrize(
    ("row", "column", "value", "fragment"),
    [
        ({**GOOD, "customer_id": ""}, "customer_id", "", "customer_id is required"),
        ({**GOOD, "customer_id": None}, "customer_id", "", "customer_id is required"),
        ({**GOOD, "email": " "}, "email", "", "email is required"),
        ({**GOOD, "email": "ada"}, "email", "ada", "not a valid email"),
        ({**GOOD, "email": "ada@example"}, "email", "ada@example", "not a valid email"),
        ({**GOOD, "email": "a@@example.com"}, "email", "a@@example.com", "not a valid"),
        ({**GOOD, "email": "a@b@example.com"}, "email", "a@b@example.com", "not a valid"),
        ({**GOOD, "email": "ada lovelace@x.com"}, "email", "ada lovelace@x.com", "not a valid"),
        ({**GOOD, "email": "ada@x\x07.com"}, "email", "ada@x\x07.com", "not a valid"),
        ({**GOOD, "email": "ada@.example.com"}, "email", "ada@.example.com", "not a valid"),
        ({**GOOD, "email": "ada@example.com."}, "email", "ada@example.com.", "not a valid"),
        ({**GOOD, "email": "a@x.com,b@y.com"}, "email", "a@x.com,b@y.com", "not a valid"),
        ({**GOOD, "email": "Ada <a@x.com>"}, "email", "Ada <a@x.com>", "not a valid"),
        ({**GOOD, "plan": ""}, "plan", "", "plan is required"),
        ({**GOOD, "plan": "Gold"}, "plan", "Gold", "unknown plan"),
        ({**GOOD, "plan_override": "gold"}, "plan_override", "gold", "unknown plan"),
        ({**GOOD, "signup_date": ""}, "signup_date", "", "signup_date is required"),
        ({**GOOD, "signup_date": "soon"}, "signup_date", "soon", "not a date"),
        ({**GOOD, "signup_date": "03/04/2026"}, "signup_date", "03/04/2026", "ambiguous"),
        ({**GOOD, "signup_date": True}, "signup_date", "TRUE", "yes/no value"),
        ({**GOOD, "signup_date": 0}, "signup_date", "0", "between 1 and"),
        ({**GOOD, "timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus", "unknown time zone"),
        ({**GOOD, "timezone": "../etc/passwd"}, "timezone", "../etc/passwd", "unknown time"),
        ({**GOOD, "timezone": "localtime"}, "timezone", "localtime", "unknown time zone"),
        # Folders of zones and names too long for a file: once they crashed every tick.
        ({**GOOD, "timezone": "US"}, "timezone", "US", "unknown time zone"),
        ({**GOOD, "timezone": "America"}, "timezone", "America", "unknown time zone"),
        ({**GOOD, "timezone": "Europe/"}, "timezone", "Europe/", "unknown time zone"),
        ({**GOOD, "timezone": "Asia/" + "x" * 300}, "timezone", "Asia/" + "x" * 300, "unknown"),
        ({**GOOD, "country": "Narnia"}, "country", "Narnia", "unknown country"),
        ({**GOOD, "country": "XX"}, "country", "XX", "unknown country; use a code whose"),
        ({**GOOD, "paused": "maybe"}, "paused", "maybe", "not a yes/no value"),
        ({**GOOD, "paused": 2}, "paused", "2", "not a yes/no value"),
        ({**GOOD, "finished": "done"}, "finished", "done", "not a yes/no value"),
        ({**GOOD, "finished_date": "later"}, "finished_date", "later", "not a date"),
    ],
)
def test_each_bad_row_is_skipped_with_its_reason(
    row: dict[str, CellValue], column: str, value: str, fragment: str
) -> None:
    skip = only_skip({**row, "customer_id": row["customer_id"] and "C2"})
    assert (skip.column, skip.value) == (column, value)
    assert fragment in skip.message
    assert skip.render().startswith(f"row 3, column {column} ({clip(value)!r}): ")


def test_unknown_plan_lists_the_plans() -> None:
    skip = only_skip({**GOOD, "customer_id": "C2", "plan": "Gold"})
    assert "enterprise-plus, pro, starter" in skip.message


def test_skip_names_the_column_as_the_header_writes_it() -> None:
    header = ("Customer_ID", "Email", "Plan", "Signup_Date")
    row: dict[str, CellValue] = {
        "Customer_ID": "C1",
        "Email": "nope",
        "Plan": "pro",
        "Signup_Date": "2026-11-02",
    }
    [], [skip] = validate([row], header)
    assert skip.render() == "row 2, column Email ('nope'): not a valid email address"


def test_the_first_problem_from_left_to_right_is_reported() -> None:
    bad = {**GOOD, "email": "nope", "plan": "gold", "paused": "maybe"}
    [], [skip] = validate([bad])
    assert skip.column == "email"

    plan_first = ("plan", "paused", "customer_id", "email", "signup_date")
    [], [skip] = validate([bad], plan_first)
    assert skip.column == "plan"


def test_a_later_duplicate_is_skipped_naming_the_earlier_row() -> None:
    rows = [GOOD, {**GOOD, "customer_id": "C2"}, {**GOOD, "customer_id": " C1 ", "name": "Dup"}]
    customers, [skip] = validate(rows)
    assert [(c.customer_id, c.row_number) for c in customers] == [("C1", 2), ("C2", 3)]
    assert (skip.row_number, skip.column, skip.value) == (4, "customer_id", "C1")
    assert "row 2 already has it" in skip.message


def test_a_bad_row_still_claims_its_id() -> None:
    rows = [{**GOOD, "email": "nope"}, GOOD]
    [], skipped = validate(rows)
    assert [(s.row_number, s.column) for s in skipped] == [(2, "email"), (3, "customer_id")]
    assert "row 2 already has it" in skipped[1].message


def test_ids_are_compared_exactly() -> None:
    rows = [{**GOOD, "customer_id": "00123"}, {**GOOD, "customer_id": "123"}]
    customers, [] = validate(rows)
    assert [c.customer_id for c in customers] == ["00123", "123"]


def test_blank_rows_are_ignored_silently() -> None:
    rows: list[dict[str, CellValue]] = [
        {},
        {name: "" for name in HEADER},
        {name: None for name in HEADER},
        {"customer_id": "  ", "email": "\t", "notes": " "},
        GOOD,
    ]
    customers, skipped = validate(rows)
    assert skipped == []
    assert [c.row_number for c in customers] == [6]


def test_a_row_with_only_other_cells_filled_is_not_blank() -> None:
    [], [skip] = validate([{"notes": "call back"}])
    assert (skip.row_number, skip.column) == (2, "customer_id")


def test_other_rows_are_still_handled() -> None:
    rows: list[dict[str, CellValue]] = [
        {**GOOD, "customer_id": "C1"},
        {**GOOD, "customer_id": "C2", "email": "bad"},
        {},
        {**GOOD, "customer_id": "C3", "plan": "PRO"},
        {**GOOD, "customer_id": "C4", "signup_date": "1/2/2026"},
        {**GOOD, "customer_id": "C5", "timezone": "Asia/Tokyo"},
    ]
    customers, skipped = validate(rows)
    assert [(c.customer_id, c.row_number) for c in customers] == [
        ("C1", 2),
        ("C3", 5),
        ("C5", 7),
    ]
    assert [(s.row_number, s.column) for s in skipped] == [(3, "email"), (6, "signup_date")]


@pytest.mark.parametrize("missing", ["customer_id", "email", "plan", "signup_date"])
def test_a_missing_required_column_makes_the_list_unusable(missing: str) -> None:
    header = [name for name in HEADER if name != missing]
    with pytest.raises(RosterError, match=f"no {missing} column"):
        validate([GOOD], header)


def test_all_missing_columns_are_named() -> None:
    with pytest.raises(RosterError, match="no email, signup_date columns"):
        find_columns(["customer_id", "plan"])


def test_a_known_column_twice_makes_the_list_unusable() -> None:
    with pytest.raises(RosterError, match="two email columns \\(B and D\\)"):
        find_columns(["customer_id", "email", "plan", " Email ", "signup_date"])


def test_unknown_columns_may_repeat() -> None:
    assert find_columns(["customer_id", "email", "plan", "signup_date", "x", "x", ""]) == {
        "customer_id": "customer_id",
        "email": "email",
        "plan": "plan",
        "signup_date": "signup_date",
    }


def test_garbage_collection_is_left_as_it_was() -> None:
    assert gc.isenabled()
    validate([GOOD])
    assert gc.isenabled()
    gc.disable()
    try:
        validate([GOOD])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RosterError):
        validate([GOOD], ["email"])
    assert gc.isenabled()


# --- property: whatever the rows, every one is accounted for exactly once ------------------

_CELLS: dict[str, st.SearchStrategy[CellValue]] = {
    "customer_id": st.sampled_from(["C1", "C2", " C3 ", "00123", 123, 7.0, "", None]),
    "email": st.sampled_from(["a@example.com", "B@Example.org", "nope", "a b@x.com", ""]),
    "plan": st.sampled_from(["starter", "Pro", "Enterprise Plus", "gold", "", 5]),
    "plan_override": st.sampled_from(["", None, "pro", "gold"]),
    "signup_date": st.sampled_from(
        ["2026-11-02", 46328, 46328.5, "2 Nov 2026", "03/04/2026", "", True, -3, "soon"]
    ),
    "timezone": st.sampled_from(
        ["", None, "Europe/Paris", "asia/tokyo", "Mars/Base", "US", "Europe", "x" * 300]
    ),
    "paused": st.sampled_from(["", "x", "TRUE", 1, 0, True, 1.0, 2, "maybe", None]),
    "finished_date": st.sampled_from(["", "2026-12-01", 46400, "tomorrow"]),
    "unsubscribed": st.sampled_from(["", "TRUE", "1", 1, 46400, "2026-12-01", "soon", None]),
    "notes": st.sampled_from(["", "hello"]),
}
_ROW: st.SearchStrategy[dict[str, CellValue]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({}, optional=_CELLS),
    st.fixed_dictionaries(
        {"customer_id": st.one_of(_CELLS["customer_id"], st.text(max_size=4))},
        optional={name: cells for name, cells in _CELLS.items() if name != "customer_id"},
    ).map(lambda row: {**GOOD, **row}),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_ROW, max_size=25))
def test_every_row_is_a_customer_or_one_skip_or_blank(rows: list[dict[str, CellValue]]) -> None:
    snapshot = roster(rows)
    customers, skipped = validate_rows(snapshot, PLANS, "UTC")

    blank = {
        raw.row_number
        for raw in snapshot.rows
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values.values())
    }
    customer_rows = [c.row_number for c in customers]
    skipped_rows = [s.row_number for s in skipped]
    assert customer_rows == sorted(customer_rows)
    assert skipped_rows == sorted(skipped_rows)
    assert sorted(customer_rows + skipped_rows + sorted(blank)) == [
        raw.row_number for raw in snapshot.rows
    ]
    assert len({c.customer_id for c in customers}) == len(customers)

    # The cached fast path must agree with the full check, row by row.
    full_check = _RowValidator(find_columns(snapshot.header), snapshot.header, PLANS)
    expected = [full_check.check(raw) for raw in snapshot.rows if raw.row_number not in blank]
    results: list[Customer | SkippedRow] = [*customers, *skipped]
    assert expected == sorted(results, key=lambda result: result.row_number)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_ROW, max_size=25))
def test_one_customers_rows_alone_get_the_verdict_the_whole_list_gives(
    rows: list[dict[str, CellValue]],
) -> None:
    snapshot = roster(rows)
    customers, skipped = validate_rows(snapshot, PLANS, "UTC")

    for customer_id in {c.customer_id for c in customers} | {s.customer_id for s in skipped}:
        if not customer_id:
            continue
        alone = validate_customer(snapshot, customer_id, PLANS, "UTC")
        assert alone == (
            [c for c in customers if c.customer_id == customer_id],
            [s for s in skipped if s.customer_id == customer_id],
        )


def test_a_row_the_roster_could_not_read_is_skipped_with_its_problem_and_keeps_its_id() -> None:
    unreadable = RawRow(
        row_number=3,
        values={**GOOD, "customer_id": "C2"},
        problem=CellProblem(column="name", value="x" * 500, message="longer than a cell"),
    )
    later = RawRow(row_number=4, values={**GOOD, "customer_id": "C2"})
    snapshot = RosterSnapshot(header=tuple(GOOD), rows=(unreadable, later))
    customers, skipped = validate_rows(snapshot, PLANS, "UTC")
    assert [(s.row_number, s.column, s.customer_id) for s in skipped] == [
        (3, "name", "C2"),
        (4, "customer_id", "C2"),
    ]
    assert customers == []
    assert skipped[0].render() == f"row 3, column name ({clip('x' * 500)!r}): longer than a cell"
    assert "(500 characters)" in skipped[0].render()
