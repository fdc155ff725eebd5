"""From the onboarding list as read to customers the guide can act on.

One bad row never stops the others: it is skipped with exactly one reason (the first problem
from left to right), and every other row is still handled. Only a list that cannot be read at
all (a required column missing) is an error for the whole list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import NamedTuple, TypeVar

from engine.bulk import cyclic_gc_paused
from engine.calendar import canonical_timezone, holidays_country
from engine.models import CellValue, Customer, RawRow, RosterSnapshot, SkippedRow
from engine.roster.cells import cell_text, is_blank, parse_bool, parse_date, parse_date_or_flag
from engine.roster.columns import KNOWN_COLUMNS, column_key, find_columns, id_text, row_id
from engine.rules import slugify

_Read = TypeVar("_Read", bool, date | bool)

# Strict on purpose: a typo'd address bounces silently days later, a skipped row is seen now.
_ADDRESS_CHAR = r"[^@\s\x00-\x1f\x7f-\x9f,;:<>()\[\]\\\"."
_EMAIL = re.compile(
    rf"{_ADDRESS_CHAR}]+(?:\.{_ADDRESS_CHAR}]+)*@{_ADDRESS_CHAR}]+(?:\.{_ADDRESS_CHAR}]+)+"
)


def validate_rows(
    snapshot: RosterSnapshot, plans: Collection[str], default_timezone: str
) -> tuple[list[Customer], list[SkippedRow]]:
    """Customers in row order, and one SkippedRow per bad row. Blank rows are neither.

    `plan` and `plan_override` cells are matched to `plans` (plan ids) by `slugify`, the
    function that makes plan ids from the rules doc, so `Starter` means `starter`. A blank
    timezone stays None so the team zone (`default_timezone`) applies when the guide runs;
    it is accepted here so callers need not change if a row ever has to fall back to it.
    """
    del default_timezone  # see the docstring: a blank zone stays None
    columns = find_columns(snapshot.header)
    with cyclic_gc_paused():
        return _RowValidator(columns, snapshot.header, plans).validate(snapshot.rows)


def validate_customer(
    snapshot: RosterSnapshot, customer_id: str, plans: Collection[str], default_timezone: str
) -> tuple[list[Customer], list[SkippedRow]]:
    """What `validate_rows` says about the rows of one customer id, checking only those rows.

    Rows only affect each other through a repeated id (the first good row wins), so the rows
    with this id, in order, get the same verdict alone as among all the others; one click in
    Slack or on a done link then costs a scan of one column, not a check of every row."""
    id_key = find_columns(snapshot.header)["customer_id"]
    wanted = customer_id.strip()
    rows = tuple(row for row in snapshot.rows if row_id(row, id_key) == wanted)
    return validate_rows(RosterSnapshot(header=snapshot.header, rows=rows), plans, default_timezone)


_UNKNOWN_ZONE = "unknown time zone; use an IANA name like Europe/Paris"
_UNKNOWN_COUNTRY = "unknown country; use a code whose holidays are known, like US, GB or DE"


class _Problem(NamedTuple):
    column: str
    value: str
    message: str


class _RowValidator:
    """Checks rows in order, remembering the ids seen.

    Every row first takes a fast path that only looks cells up in caches of values already
    known to be good (a list repeats the same few plans, zones, flags and dates thousands of
    times); a row with anything new or wrong takes the full check, which fills the caches and
    finds the row's first problem.
    """

    def __init__(self, columns: dict[str, str], header: Sequence[str], plans: Collection[str]):
        # A column the header lacks gets a key no header cell can have, so lookups need no
        # branch: they simply find nothing.
        self._keys = {name: columns.get(name, f"\x00absent {name}") for name in KNOWN_COLUMNS}
        order = {column_key(cell): position for position, cell in enumerate(header)}
        self._position = {name: order.get(name, len(header)) for name in KNOWN_COLUMNS}
        self._header_cell = {name: columns.get(name, name).strip() for name in KNOWN_COLUMNS}
        self._plan_ids: dict[str, str] = {}
        for plan_id in plans:
            self._plan_ids.setdefault(slugify(plan_id), plan_id)
        self._known_plans = ", ".join(sorted(plans)) or "none"
        # Caches hold good values only. As dict keys True, 1 and 1.0 are one cell: harmless
        # for flags, and dates are never looked up by a boolean (46328 and 46328.0 are the
        # same day, as Sheets serials).
        self._plans: dict[str, str] = {}
        self._dates: dict[CellValue, date] = {}
        self._timezones: dict[str, str] = {}
        self._countries: dict[str, str] = {}
        self._names = {"timezone": self._timezones, "country": self._countries}
        self._flags: dict[CellValue, bool] = {None: False, "": False, True: True, False: False}
        self._flag_or_dates: dict[CellValue, date | bool] = {None: False, "": False}
        self._seen_ids: dict[str, int] = {}

    def validate(self, rows: Sequence[RawRow]) -> tuple[list[Customer], list[SkippedRow]]:
        customers: list[Customer] = []
        skipped: list[SkippedRow] = []
        keys = self._keys
        id_key, email_key, plan_key, override_key = (
            keys["customer_id"],
            keys["email"],
            keys["plan"],
            keys["plan_override"],
        )
        signup_key, finished_date_key, timezone_key, country_key = (
            keys["signup_date"],
            keys["finished_date"],
            keys["timezone"],
            keys["country"],
        )
        paused_key, finished_key = keys["paused"], keys["finished"]
        unsubscribed_key, flag_or_dates = keys["unsubscribed"], self._flag_or_dates
        name_key, company_key, owner_key, note_key, finished_by_key, handed_off_key = (
            keys["name"],
            keys["company"],
            keys["owner"],
            keys["paused_note"],
            keys["finished_by"],
            keys["handed_off_to"],
        )
        plans, dates, timezones, flags = self._plans, self._dates, self._timezones, self._flags
        countries = self._countries
        seen_ids = self._seen_ids
        is_email = _EMAIL.fullmatch
        for row in rows:
            get = row.values.get
            customer_id = id_text(get(id_key))
            if row.problem is not None:
                skipped.append(self._unreadable(row, customer_id))
                continue
            if not customer_id:
                if all(map(is_blank, row.values.values())):
                    continue
                skipped.append(self._check_or_skip(row))
                continue
            email = id_text(get(email_key))
            raw = get(plan_key)
            plan = plans.get(raw) if type(raw) is str else None
            raw = get(override_key)
            override_ok = True
            plan_override = None
            if raw is not None and raw != "":
                plan_override = plans.get(raw) if type(raw) is str else None
                override_ok = plan_override is not None
            raw = get(signup_key)
            signup_date = None if type(raw) is bool else dates.get(raw)
            raw = get(finished_date_key)
            finished_date = None
            finished_date_ok = True
            if raw is not None and raw != "":
                finished_date = None if type(raw) is bool else dates.get(raw)
                finished_date_ok = finished_date is not None
            raw = get(timezone_key)
            timezone = None
            timezone_ok = True
            if raw is not None and raw != "":
                timezone = timezones.get(raw) if type(raw) is str else None
                timezone_ok = timezone is not None
            raw = get(country_key)
            country = None
            country_ok = True
            if raw is not None and raw != "":
                country = countries.get(raw) if type(raw) is str else None
                country_ok = country is not None
            paused = flags.get(get(paused_key))
            finished = flags.get(get(finished_key))
            unsubscribed = flag_or_dates.get(get(unsubscribed_key))
            if (
                plan is None
                or signup_date is None
                or paused is None
                or finished is None
                or unsubscribed is None
                or not (override_ok and finished_date_ok and timezone_ok and country_ok)
                or customer_id in seen_ids
                or not is_email(email)
            ):
                result = self.check(row)
                if isinstance(result, Customer):
                    customers.append(result)
                else:
                    skipped.append(result)
                continue
            seen_ids[customer_id] = row.row_number
            customers.append(
                Customer(
                    customer_id=customer_id,
                    email=email,
                    plan=plan,
                    signup_date=signup_date,
                    row_number=row.row_number,
                    name=id_text(get(name_key)),
                    company=id_text(get(company_key)),
                    plan_override=plan_override,
                    timezone=timezone,
                    country=country,
                    owner=id_text(get(owner_key)) or None,
                    paused=paused,
                    paused_note=id_text(get(note_key)),
                    finished=finished,
                    finished_date=finished_date,
                    finished_by=id_text(get(finished_by_key)),
                    handed_off_to=id_text(get(handed_off_key)),
                    **_unsubscribed(unsubscribed),
                )
            )
        return customers, skipped

    def _unreadable(self, row: RawRow, customer_id: str) -> SkippedRow:
        """A row the roster could not read into cells. Its id is still claimed, as in `check`,
        so a later row with the same id never silently becomes this customer."""
        assert row.problem is not None
        if customer_id:
            self._seen_ids.setdefault(customer_id, row.row_number)
        return SkippedRow(
            row_number=row.row_number,
            column=row.problem.column,
            value=row.problem.value,
            message=row.problem.message,
            customer_id=customer_id,
        )

    def _check_or_skip(self, row: RawRow) -> SkippedRow:
        result = self.check(row)
        assert isinstance(result, SkippedRow), "a row without an id is never a customer"
        return result

    def check(self, row: RawRow) -> Customer | SkippedRow:
        """The full check of one row: its first problem from left to right, or the customer."""
        problems: list[_Problem] = []
        cell = self._cell
        customer_id = cell(row, "customer_id")
        if not customer_id:
            problems.append(_Problem("customer_id", "", "customer_id is required"))
        elif (earlier := self._seen_ids.get(customer_id)) is not None:
            problems.append(
                _Problem(
                    "customer_id",
                    customer_id,
                    f"duplicate customer_id: row {earlier} already has it; this row is ignored",
                )
            )
        else:
            # Claimed even when the row is bad otherwise, so fixing an earlier row never
            # silently turns a later one into a different customer.
            self._seen_ids[customer_id] = row.row_number
        email = cell(row, "email")
        if not email:
            problems.append(_Problem("email", "", "email is required"))
        elif not _EMAIL.fullmatch(email):
            problems.append(_Problem("email", email, "not a valid email address"))
        plan = self._plan(row, "plan", problems, required=True)
        plan_override = self._plan(row, "plan_override", problems, required=False)
        signup_date = self._date(row, "signup_date", problems, required=True)
        finished_date = self._date(row, "finished_date", problems, required=False)
        timezone = self._named(row, "timezone", problems, canonical_timezone, _UNKNOWN_ZONE)
        country = self._named(row, "country", problems, holidays_country, _UNKNOWN_COUNTRY)
        paused = self._flag(row, "paused", problems)
        finished = self._flag(row, "finished", problems)
        unsubscribed = self._flag_or_date(row, "unsubscribed", problems)
        if problems:
            first = min(problems, key=lambda problem: self._position[problem.column])
            return SkippedRow(
                row_number=row.row_number,
                column=self._header_cell[first.column],
                value=first.value,
                message=first.message,
                customer_id=customer_id,
            )
        assert plan is not None and signup_date is not None
        return Customer(
            customer_id=customer_id,
            email=email,
            plan=plan,
            signup_date=signup_date,
            row_number=row.row_number,
            name=cell(row, "name"),
            company=cell(row, "company"),
            plan_override=plan_override,
            timezone=timezone,
            country=country,
            owner=cell(row, "owner") or None,
            paused=paused,
            paused_note=cell(row, "paused_note"),
            finished=finished,
            finished_date=finished_date,
            finished_by=cell(row, "finished_by"),
            handed_off_to=cell(row, "handed_off_to"),
            **_unsubscribed(unsubscribed),
        )

    def _raw(self, row: RawRow, column: str) -> CellValue:
        return row.values.get(self._keys[column])

    def _cell(self, row: RawRow, column: str) -> str:
        return cell_text(self._raw(row, column))

    def _plan(
        self, row: RawRow, column: str, problems: list[_Problem], *, required: bool
    ) -> str | None:
        raw = self._raw(row, column)
        text = cell_text(raw)
        if not text:
            if required:
                problems.append(_Problem(column, "", f"{column} is required"))
            return None
        plan_id = self._plan_ids.get(slugify(text))
        if plan_id is None:
            problems.append(
                _Problem(column, text, f"unknown plan; the rules define: {self._known_plans}")
            )
        elif isinstance(raw, str):
            self._plans[raw] = plan_id
        return plan_id

    def _date(
        self, row: RawRow, column: str, problems: list[_Problem], *, required: bool
    ) -> date | None:
        raw = self._raw(row, column)
        if is_blank(raw):
            if required:
                problems.append(_Problem(column, "", f"{column} is required"))
            return None
        try:
            parsed = parse_date(raw)
        except ValueError as error:
            problems.append(_Problem(column, cell_text(raw), str(error)))
            return None
        self._dates[raw] = parsed
        return parsed

    def _named(
        self,
        row: RawRow,
        column: str,
        problems: list[_Problem],
        look_up: Callable[[str], str | None],
        unknown: str,
    ) -> str | None:
        """A cell that names something from a fixed list (a time zone, a country): its
        proper name, None when blank, a problem saying `unknown` when the list lacks it."""
        raw = self._raw(row, column)
        text = cell_text(raw)
        if not text:
            return None
        name = look_up(text)
        if name is None:
            problems.append(_Problem(column, text, unknown))
        elif isinstance(raw, str):
            self._names[column][raw] = name
        return name

    def _flag(self, row: RawRow, column: str, problems: list[_Problem]) -> bool:
        return self._parsed(row, column, problems, parse_bool, self._flags)

    def _flag_or_date(self, row: RawRow, column: str, problems: list[_Problem]) -> date | bool:
        return self._parsed(row, column, problems, parse_date_or_flag, self._flag_or_dates)

    def _parsed(
        self,
        row: RawRow,
        column: str,
        problems: list[_Problem],
        parse: Callable[[CellValue], _Read],
        known: dict[CellValue, _Read],
    ) -> _Read | bool:
        """A cell read by `parse` and remembered in `known`; a cell it refuses is a problem,
        read as False meanwhile."""
        raw = self._raw(row, column)
        try:
            read = parse(raw)
        except ValueError as error:
            problems.append(_Problem(column, cell_text(raw), str(error)))
            return False
        known[raw] = read
        return read


def _unsubscribed(cell: date | bool) -> dict[str, bool | date | None]:
    """A Customer's fields for its `unsubscribed` cell: a yes or a date is unsubscribed."""
    if isinstance(cell, date):
        return {"unsubscribed": True, "unsubscribed_on": cell}
    return {"unsubscribed": cell, "unsubscribed_on": None}
