"""Which customers a tick decides in full, and which it takes from their memo (engine.memo).

A customer is taken from their memo only when the store kept it (their change count is the
same, the rules and the team's zone are the same, and their local day is inside its quiet
spell) and their one row of the list is the row the memo was made from. Every other row is
validated, and every other customer decided, as a tick without memos would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter

from engine.memo import TickMemo, row_fingerprint
from engine.models import Customer, RosterGrid, RosterSnapshot, SkippedRow
from engine.outcomes import MoveKind, QuietSpell
from engine.roster.columns import cell_id, find_columns
from engine.roster.grid import named, raw_row
from engine.roster.validate import validate_rows
from engine.tick_run import CustomerResult

CHANGED_WHILE_READ = "being changed by someone else right now; the next tick takes it from there"


@dataclass
class TickPlan:
    entries: list[TickMemo | Customer]
    """In list order: the memo of a customer taken from it, or a customer to decide."""
    skipped: list[SkippedRow]
    late: list[str]
    """Customers to decide whose memo the store kept, so their state was not read with the
    others': their row changed (or now has a twin)."""
    rows: dict[str, str]
    """The row fingerprint of each customer to decide who has one row: their next memo's."""
    decided: RosterSnapshot
    """The list with only the rows validated: all the run needs of it (its audit rows are
    those of customers it decides), so the whole list need not be kept."""


def plan_tick(
    grid: RosterGrid,
    memos: dict[str, TickMemo],
    plans: Collection[str],
    team_timezone: str,
) -> TickPlan:
    """Split the list into customers taken from their memo and rows to validate, modelling
    only the rows to validate. Rows only affect each other through a repeated id, so a
    repeated id's rows are all validated, together, and the verdicts are those of validating
    the whole list."""
    columns = named(grid.header)
    found = find_columns(grid.header)
    id_at = columns[found["customer_id"]]
    # What validation reads of a row: the known columns' cells, by column key.
    known = sorted((key, columns[cell]) for key, cell in found.items())
    keys = tuple(key for key, _ in known)
    read_at = itemgetter(*(at for _, at in known))  # a tuple: the required columns are several
    width = max(at for _, at in known) + 1
    ids = [cell_id(cells, id_at) for cells in grid.rows]
    counts = Counter(ids)
    kept: dict[int, TickMemo] = {}
    rows: dict[str, str] = {}
    to_check = []
    for index, (cells, customer_id) in enumerate(zip(grid.rows, ids, strict=True)):
        row_number = index + 2
        problem = grid.problems.get(row_number)
        if customer_id and counts[customer_id] == 1:
            if len(cells) >= width:
                read = read_at(cells)
            else:  # trailing cells left out (Sheets does): blank, as a row model reads them
                read = tuple(cells[at] if at < len(cells) else "" for _, at in known)
            fingerprint = row_fingerprint(zip(keys, read, strict=True), problem)
            memo = memos.get(customer_id)
            if memo is not None and memo.row == fingerprint:
                kept[row_number] = memo
                continue
            rows[customer_id] = fingerprint
        to_check.append(raw_row(row_number, cells, columns, problem))
    decided = RosterSnapshot(header=grid.header, rows=tuple(to_check))
    customers, skipped = validate_rows(decided, plans, team_timezone)
    by_row: dict[int, TickMemo | Customer] = {c.row_number: c for c in customers}
    by_row.update(kept)
    entries = [by_row[number] for number in sorted(by_row)]
    late = [c.customer_id for c in customers if c.customer_id in memos]
    return TickPlan(entries=entries, skipped=skipped, late=late, rows=rows, decided=decided)


def remembered(memo: TickMemo, day_in: Callable[[str], date], now: datetime) -> CustomerResult:
    """The result a memo stands for at `now`, on the customer's day (`day_in` their zone)."""
    spell = memo.spell
    return CustomerResult(
        customer_id=memo.customer_id,
        move=MoveKind.ON_TRACK.value,
        step=spell.step,
        reason=spell.reason_on(day_in(memo.zone), now),
        held=spell.held,
        held_until=spell.held_until,
    )


def changed_while_read(customer_id: str) -> CustomerResult:
    """A customer whose state changed between the tick's first read and its read of them:
    the list it read may be older than that change, so it is left to the next tick."""
    return CustomerResult(customer_id=customer_id, move="on_track", reason=CHANGED_WHILE_READ)


def new_memo(
    customer: Customer,
    spell: QuietSpell,
    *,
    rules: str,
    row: str,
    changes: int,
    team_timezone: str,
) -> TickMemo:
    return TickMemo(
        customer_id=customer.customer_id,
        rules=rules,
        row=row,
        changes=changes,
        zone=customer.timezone or team_timezone,
        spell=spell,
    )
