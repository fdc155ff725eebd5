"""Audit rows: one per action, by a person, the sheet or the guide itself."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from engine.models import (
    GUIDE_COLUMNS,
    AuditEntry,
    CellValue,
    CustomerState,
    RawRow,
    RosterSnapshot,
    SendRecord,
    SendWrite,
    Snapshot,
)
from engine.roster.cells import cell_text, is_blank, parse_bool, parse_date, parse_date_or_flag
from engine.roster.columns import DATE_COLUMNS, FLAG_COLUMNS, FLAG_OR_DATE_COLUMNS, find_columns

_ID_TIME = "%Y%m%dT%H%M%S%f"


def new_audit_id(at: datetime) -> str:
    """Sorts by time (UTC, whatever clock `at` was read on); the random tail keeps two
    actions in one microsecond apart."""
    utc = at.astimezone(UTC) if at.tzinfo is not None else at
    return f"{utc.strftime(_ID_TIME)}Z-{secrets.token_hex(3)}"


def audit_ids_between(start: datetime, end: datetime) -> tuple[str, str]:
    """Ids `lo` and `hi` such that every audit row whose `at` is in [start, end) has an id from
    `lo` to `hi`: an id spells `at` in UTC, but ids written by earlier releases spelled it on
    whatever clock it was read in, and every clock is within a day of UTC, so the bounds are a
    day wider on each side. What a store's range read narrows by before it compares `at`."""
    day = timedelta(days=1)
    lo = (start.astimezone(UTC) - day).strftime(_ID_TIME)
    hi = (end.astimezone(UTC) + day).strftime(_ID_TIME)
    return lo, hi


def guide_row(raw: RawRow | None, columns: dict[str, str]) -> dict[str, str]:
    """The guide's columns of a roster row, as the guide writes them (`columns` maps a known
    column to its header cell, as `find_columns` gives it). The same row reads the same from a
    CSV file and from a Google Sheet, so an undo compares like with like."""
    values = raw.values if raw is not None else {}
    return {
        column: guide_text(column, values.get(columns[column])) if column in columns else ""
        for column in GUIDE_COLUMNS
    }


def rows_by_id(roster: RosterSnapshot) -> dict[str, RawRow]:
    """Each customer's row, by id as validation reads it; the first row of an id is the
    customer, as validation skips later duplicates. The one way to find a customer's row."""
    id_column = find_columns(roster.header)["customer_id"]
    rows: dict[str, RawRow] = {}
    for raw in roster.rows:
        rows.setdefault(cell_text(raw.values.get(id_column)), raw)
    return rows


def guide_row_of(roster: RosterSnapshot, customer_id: str) -> dict[str, str]:
    """The guide's columns of the customer's row in `roster` (all blank when none)."""
    return guide_row(rows_by_id(roster).get(customer_id), find_columns(roster.header))


def guide_text(column: str, value: CellValue) -> str:
    """One cell of a guide column as the guide writes it: a flag "TRUE" or "", a date ISO text
    (`yes`, a checkbox, `2 Nov 2026` or a Sheets serial read as what they mean), a flag-or-date
    cell either. A cell that
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
    if column in FLAG_OR_DATE_COLUMNS:
        try:
            read = parse_date_or_flag(value)
        except ValueError:
            return _text(value)
        return read.isoformat() if isinstance(read, date) else "TRUE" if read else ""
    return _text(value)


def _text(value: CellValue) -> str:
    # Text exactly as it stands (a note's spaces are the note's); a typed cell as its text,
    # whole numbers without `.0`.
    return value if isinstance(value, str) else cell_text(value)


def recorded_change(
    *,
    customer_id: str,
    action: str,
    actor: str,
    at: datetime,
    before: tuple[dict[str, str], CustomerState],
    after: tuple[dict[str, str], CustomerState],
    note: str = "",
    undoes: str | None = None,
    send_before: SendRecord | None = None,
    send_write: SendWrite | None = None,
) -> tuple[CustomerState, AuditEntry]:
    """One change to a customer, as every writer records it (a person's action, the tick's own
    finish or a sheet edit it found, the settling of a send): the state to write, based on the
    version `before` read and stamped with who and when, and its audit row. Both go to the
    store in one `commit_action`."""
    written = after[1].model_copy(
        update={"version": before[1].version, "updated_at": at, "updated_by": actor}
    )
    entry = AuditEntry(
        id=new_audit_id(at),
        customer_id=customer_id,
        journey=before[1].journey,
        action=action,
        actor=actor,
        at=at,
        note=note,
        before=Snapshot(row=before[0], state=before[1]),
        after=Snapshot(
            row=after[0], state=written.model_copy(update={"version": written.version + 1})
        ),
        undoes=undoes,
        send_before=send_before,
        send_write=send_write,
    )
    return written, entry


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


def standing_rows(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Of a stretch of audit rows, those no standing undo among them undid (an undo that was
    itself undone undoes nothing), in their order; the undos themselves left out."""
    undone: set[str] = set()
    for entry in sorted(entries, key=lambda e: (e.at, e.id), reverse=True):
        if entry.action == "undo" and entry.id not in undone and entry.undoes:
            undone.add(entry.undoes)
    return [e for e in entries if e.action != "undo" and e.id not in undone]
