"""Audit rows: one per action, by a person, the sheet or the guide itself."""

from __future__ import annotations

import secrets
from datetime import datetime

from engine.models import (
    GUIDE_COLUMNS,
    AuditEntry,
    CellValue,
    CustomerState,
    RawRow,
    RosterSnapshot,
    Snapshot,
)
from engine.roster.cells import cell_text, is_blank, parse_bool, parse_date
from engine.roster.validate import DATE_COLUMNS, FLAG_COLUMNS, find_columns


def new_audit_id(at: datetime) -> str:
    """Sorts by time; the random tail keeps two actions in one microsecond apart."""
    return f"{at:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"


def guide_row(raw: RawRow | None, columns: dict[str, str]) -> dict[str, str]:
    """The guide's columns of a roster row, as the guide writes them (`columns` maps a known
    column to its header cell, as `find_columns` gives it). The same row reads the same from a
    CSV file and from a Google Sheet, so an undo compares like with like."""
    values = raw.values if raw is not None else {}
    return {
        column: guide_text(column, values.get(columns[column])) if column in columns else ""
        for column in GUIDE_COLUMNS
    }


def guide_row_of(roster: RosterSnapshot, customer_id: str) -> dict[str, str]:
    """The guide's columns of the customer's first row in `roster` (all blank when none)."""
    columns = find_columns(roster.header)
    raw = next(
        (r for r in roster.rows if cell_text(r.values.get(columns["customer_id"])) == customer_id),
        None,
    )
    return guide_row(raw, columns)


def guide_text(column: str, value: CellValue) -> str:
    """One cell of a guide column as the guide writes it: a flag "TRUE" or "", a date ISO text
    (`yes`, a checkbox, `2 Nov 2026` or a Sheets serial read as what they mean). A cell that
    is not a valid flag or date keeps its text, so a snapshot still shows what was there."""
    if column in FLAG_COLUMNS:
        try:
            return "TRUE" if parse_bool(value) else ""
        except ValueError:
            return _text(value)
    if column in DATE_COLUMNS:
        if is_blank(value):
            return ""
        try:
            return parse_date(value).isoformat()
        except ValueError:
            return _text(value)
    return _text(value)


def _text(value: CellValue) -> str:
    # Text exactly as it stands (a note's spaces are the note's); a typed cell as its text,
    # whole numbers without `.0`.
    return value if isinstance(value, str) else cell_text(value)


def audit_entry(
    *,
    customer_id: str,
    action: str,
    actor: str,
    at: datetime,
    before: tuple[dict[str, str], CustomerState],
    after: tuple[dict[str, str], CustomerState],
    note: str = "",
    undoes: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=new_audit_id(at),
        customer_id=customer_id,
        journey=before[1].journey,
        action=action,
        actor=actor,
        at=at,
        note=note,
        before=Snapshot(row=before[0], state=before[1]),
        after=Snapshot(row=after[0], state=after[1]),
        undoes=undoes,
    )


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between two snapshots of a customer, ignoring bookkeeping (version, who
    wrote last and when)."""
    changes = [
        f"{column}: {before.row.get(column, '')!r} -> {after.row.get(column, '')!r}"
        for column in GUIDE_COLUMNS
        if before.row.get(column, "") != after.row.get(column, "")
    ]
    mine, theirs = _comparable(before.state), _comparable(after.state)
    changes += [
        f"state {field}: {_change(mine[field], theirs[field])}"
        for field in mine
        if mine[field] != theirs[field]
    ]
    return changes


def _comparable(state: CustomerState) -> dict[str, object]:
    # wrap_up_pending is the guide's own bookkeeping: it clears when the wrap-up goes out;
    # pending is an action on its way, not where the customer stands.
    return state.model_dump(
        mode="json",
        exclude={"version", "updated_at", "updated_by", "wrap_up_pending", "pending"},
    )


def _change(old: object, new: object) -> str:
    """One changed value as a person reads it; for a map (steps done), what came and went."""
    if isinstance(old, dict) and isinstance(new, dict):
        added = [f"+{key}" for key in new if key not in old]
        removed = [f"-{key}" for key in old if key not in new]
        altered = [
            f"{key} {old[key]} -> {new[key]}" for key in old if key in new and old[key] != new[key]
        ]
        return ", ".join(added + removed + altered)
    return f"{old!r} -> {new!r}"
