"""The SQLite store's tables, and records turned into rows and back (the twin of
dynamodb_items.py): one place knows the columns, so the store's queries and a database from an
older release agree on them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from engine.bulk import cyclic_gc_paused
from engine.models import CustomerState, SendKey, SendRecord, StoreSnapshot

SEND_COLUMNS = (
    "customer_id, journey, step, kind, local_date, guide_day, status, message_id, "
    "claimed_at, sent_at, tick_id, run_process, run_deadline, error"
)
# Added since the first release: a database from before gets them with these defaults.
ADDED_SEND_COLUMNS = {
    "error": "TEXT NOT NULL DEFAULT ''",
    "run_process": "TEXT NOT NULL DEFAULT ''",
    "run_deadline": "TEXT",
}
ADDED_MEMO_COLUMNS = {"held_until": "TEXT", "starts_at": "TEXT", "ends_at": "TEXT"}
SETTLED = "status IN ('sent', 'rejected')"

SCHEMA = """
CREATE TABLE IF NOT EXISTS og_sends (
    customer_id TEXT NOT NULL,
    journey INTEGER NOT NULL,
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_date TEXT NOT NULL,
    guide_day INTEGER NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    tick_id TEXT NOT NULL DEFAULT '',
    run_process TEXT NOT NULL DEFAULT '',
    run_deadline TEXT,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (customer_id, journey, step, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS og_state (
    customer_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS og_sends_archive (
    journey_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    journey INTEGER NOT NULL,
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_date TEXT NOT NULL,
    guide_day INTEGER NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    tick_id TEXT NOT NULL DEFAULT '',
    run_process TEXT NOT NULL DEFAULT '',
    run_deadline TEXT,
    error TEXT NOT NULL DEFAULT '',
    archived_at TEXT NOT NULL,
    PRIMARY KEY (journey_id, step, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS og_audit (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    action TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS og_audit_by_customer ON og_audit (customer_id, id);
CREATE TABLE IF NOT EXISTS og_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS og_changes (
    customer_id TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS og_tick_memo (
    customer_id TEXT PRIMARY KEY,
    changes INTEGER NOT NULL,
    rules TEXT NOT NULL,
    row TEXT NOT NULL,
    zone TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    reason TEXT NOT NULL,
    step TEXT,
    held INTEGER NOT NULL,
    day_zero TEXT,
    held_until TEXT,
    starts_at TEXT,
    ends_at TEXT
) WITHOUT ROWID;
""" + "".join(
    f"""CREATE TRIGGER IF NOT EXISTS og_count_{table}_{event.lower()} AFTER {event} ON {table}
BEGIN
    INSERT INTO og_changes (customer_id, n) VALUES ({row}.customer_id, 1)
    ON CONFLICT (customer_id) DO UPDATE SET n = n + 1;
END;
"""
    for table in ("og_sends", "og_state")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)
"""The change count of a customer (`og_changes`) is bumped by triggers on every write to their
sends or state, whoever writes it: a tick's memo of the customer (`og_tick_memo`, see
engine.memo) holds the count it was worked out at, and is trusted only while it is the same."""
MEMO_COLUMNS = (
    "customer_id, changes, rules, row, zone, since, until, reason, step, held, day_zero, "
    "held_until, starts_at, ends_at"
)
CURRENT_MEMOS = (
    "SELECT m.customer_id, m.changes, rules, row, zone, since, until, reason, step, held, "
    "day_zero, held_until, starts_at, ends_at FROM og_tick_memo m "
    "LEFT JOIN og_changes c ON c.customer_id = m.customer_id "
    "WHERE m.changes = COALESCE(c.n, 0)"
)


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a database from an older release up to this schema: columns added since are
    appended with their defaults (SQLite adds a column in place, without copying rows)."""
    added = (
        ("og_sends", ADDED_SEND_COLUMNS),
        ("og_sends_archive", ADDED_SEND_COLUMNS),
        ("og_tick_memo", ADDED_MEMO_COLUMNS),
    )
    for table, columns in added:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column, definition in columns.items():
            if column not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def key_values(key: SendKey) -> tuple[str, int, str, str]:
    return (key.customer_id, key.journey, key.step, key.kind.value)


def send_to_row(send: SendRecord) -> tuple[object, ...]:
    return (
        send.customer_id,
        send.journey,
        send.step,
        send.kind.value,
        send.local_date.isoformat(),
        send.guide_day,
        send.status.value,
        send.message_id,
        send.claimed_at.isoformat(),
        send.sent_at.isoformat() if send.sent_at else None,
        send.tick_id,
        send.run_process,
        send.run_deadline.isoformat() if send.run_deadline else None,
        send.error,
    )


SEND_FIELDS = tuple(SEND_COLUMNS.split(", "))
SEND_PLACES = ", ".join("?" * len(SEND_FIELDS))
SEND_AS_JSON = "json_object(" + ", ".join(f"'{f}', {f}" for f in SEND_FIELDS) + ")"


def send_from_row(row: tuple[Any, ...]) -> SendRecord:
    # pydantic parses the stored ISO text itself, faster than converting here first.
    return SendRecord.model_validate(dict(zip(SEND_FIELDS, row, strict=True)))


def state_from_json(data: str, version: int) -> CustomerState:
    payload = json.loads(data)
    payload["version"] = version
    return CustomerState.model_validate(payload)


def snapshot_from_rows(
    state_rows: Iterable[tuple[str]],
    send_rows: Iterable[tuple[str, str]],
    changes: dict[str, int],
) -> StoreSnapshot:
    """States (JSON with their version) and sends (customer id, JSON) made records."""
    with cyclic_gc_paused():
        states = {}
        for (data,) in state_rows:
            state = CustomerState.model_validate_json(data)
            states[state.customer_id] = state
        sends: dict[str, list[SendRecord]] = defaultdict(list)
        for customer_id, data in send_rows:
            sends[customer_id].append(SendRecord.model_validate_json(data))
        return StoreSnapshot(
            states=states, sends={k: tuple(v) for k, v in sends.items()}, changes=changes
        )
