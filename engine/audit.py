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
from engine.roster.validate import find_columns


def new_audit_id(at: datetime) -> str:
    """Sorts by time; the random tail keeps two actions in one microsecond apart."""
    return f"{at:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"


def guide_row(raw: RawRow | None, columns: dict[str, str]) -> dict[str, str]:
    """The guide's columns of a roster row as written there (`columns` maps a known column to
    its header cell, as `find_columns` gives it)."""
    values = raw.values if raw is not None else {}
    return {
        column: _text(values.get(columns[column])) if column in columns else ""
        for column in GUIDE_COLUMNS
    }


def guide_row_of(roster: RosterSnapshot, customer_id: str) -> dict[str, str]:
    """The guide's columns of the customer's first row in `roster` (all blank when none)."""
    columns = find_columns(roster.header)
    raw = next(
        (
            r
            for r in roster.rows
            if str(r.values.get(columns["customer_id"], "")).strip() == customer_id
        ),
        None,
    )
    return guide_row(raw, columns)


def _text(value: CellValue) -> str:
    return "" if value is None else str(value)


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
