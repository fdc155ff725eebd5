"""Which rows a tick takes from their memo (engine.tick_memo.plan_tick), read from the list's
cells before any row is modelled."""

from __future__ import annotations

from datetime import date

from engine.memo import TickMemo, row_fingerprint
from engine.models import CellProblem, Customer, RosterGrid
from engine.outcomes import QuietSpell
from engine.tick_memo import TickPlan, plan_tick

HEADER = ("customer_id", "name", "email", "plan", "signup_date", "", "notes")
FULL = ["C1", "Ada", "ada@example.com", "Starter", "2026-11-02", "", ""]
SHORT = FULL[:5]  # the blank trailing cells left out, as Sheets leaves them out


KNOWN = {"customer_id": 0, "email": 2, "name": 1, "plan": 3, "signup_date": 4}
"""HEADER's columns that validation reads, by key (in key order), and where they are."""


def memo_of(customer_id: str, cells: list[str]) -> TickMemo:
    """A memo made from these cells of the row, as the tick that decided them would make it."""
    read = [(key, cells[at] if at < len(cells) else "") for key, at in KNOWN.items()]
    row = row_fingerprint(read)
    spell = QuietSpell(since=date(2026, 11, 2), until=None, reason="waiting")
    return TickMemo(customer_id, rules="r", row=row, changes=0, zone="UTC", spell=spell)


def plan(rows: list[list[str]], memos: list[TickMemo], **problems: CellProblem) -> TickPlan:
    grid = RosterGrid(HEADER, rows, {int(n[1:]): p for n, p in problems.items()})
    return plan_tick(grid, {m.customer_id: m for m in memos}, ["starter"], "UTC")


def test_a_row_read_short_is_the_row_with_blank_cells() -> None:
    for made_from, read in ((FULL, SHORT), (SHORT, FULL)):
        planned = plan([read], [memo_of("C1", made_from)])
        assert planned.entries == [memo_of("C1", made_from)] and planned.decided.rows == ()


def test_an_edited_row_is_decided_and_modelled_alone() -> None:
    other = ["C2", "Bo", "bo@example.com", "Starter", "2026-11-03"]
    edited = [FULL[0], "Ada Lovelace", *FULL[2:6], "likes tea"]
    planned = plan([edited, other], [memo_of("C1", FULL), memo_of("C2", other)])
    assert [type(e) for e in planned.entries] == [Customer, TickMemo]
    assert [row.row_number for row in planned.decided.rows] == [2]
    named = ("customer_id", "name", "email", "plan", "signup_date", "notes")
    cells = [*edited[:5], edited[6]]
    assert planned.decided.rows[0].values == dict(zip(named, cells, strict=True))
    assert planned.late == ["C1"] and set(planned.rows) == {"C1"}


def test_a_column_the_guide_does_not_read_changes_no_memo() -> None:
    # Notes edited, a column added, the columns reordered and recased, a known column added
    # blank: a rep's everyday edits of a big sheet, none of them a reason to decide again.
    memo = memo_of("C1", FULL)
    assert plan([[*FULL[:6], "likes tea"]], [memo]).entries == [memo]
    header = ("Email", "plan", "CUSTOMER_ID", "signup_date", "name", "timezone", "region")
    cells = ["ada@example.com", "Starter", "C1", "2026-11-02", "Ada", "", "EMEA"]
    grid = RosterGrid(header, [cells])
    planned = plan_tick(grid, {"C1": memo}, ["starter"], "UTC")
    assert planned.entries == [memo] and planned.decided.rows == ()
    # A known column filled in is read: the row is decided again.
    cells[5] = "Asia/Tokyo"
    planned = plan_tick(RosterGrid(header, [cells]), {"C1": memo}, ["starter"], "UTC")
    assert [type(e) for e in planned.entries] == [Customer]


def test_a_row_the_list_could_not_read_is_never_taken_from_a_memo() -> None:
    problem = CellProblem(column="notes", value='"open', message="a quote is never closed")
    planned = plan([FULL], [memo_of("C1", FULL)], r2=problem)
    assert planned.decided.rows[0].problem == problem
    assert [s.row_number for s in planned.skipped] == [2] and planned.entries == []


def test_a_repeated_id_is_decided_on_every_row() -> None:
    planned = plan([FULL, FULL], [memo_of("C1", FULL)])
    assert [row.row_number for row in planned.decided.rows] == [2, 3]
    assert all(not isinstance(e, TickMemo) for e in planned.entries)
