"""State on the embedded default: one SQLite file holding the story's four tables.

Claims rely on the primary key of `og_sends`: inserting a send that exists fails, so two ticks
racing on one database, or a re-run, never send twice. State rows carry a version so a write
based on a stale read is refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.bulk import cyclic_gc_paused
from engine.models import (
    AuditEntry,
    CustomerState,
    SendKey,
    SendRecord,
    SendStatus,
    SendWrite,
    StoreSnapshot,
    journey_id,
)
from engine.ports import StaleStateError

_SEND_COLUMNS = (
    "customer_id, journey, step, kind, local_date, guide_day, status, message_id, "
    "claimed_at, sent_at, tick_id, run_process, run_deadline, error"
)
# Added since the first release: a database from before gets them with these defaults.
_ADDED_SEND_COLUMNS = {
    "error": "TEXT NOT NULL DEFAULT ''",
    "run_process": "TEXT NOT NULL DEFAULT ''",
    "run_deadline": "TEXT",
}
_SETTLED = "status IN ('sent', 'rejected')"

_SCHEMA = """
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
"""


def parse_sqlite_url(url: str) -> str:
    """`sqlite:///og.db` -> `og.db`, `sqlite:////abs/og.db` -> `/abs/og.db`,
    `sqlite://:memory:` -> `:memory:`."""
    if url == "sqlite://:memory:":
        return ":memory:"
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(f"not a SQLite state URL: {url!r} (expected sqlite:///PATH)")
    return url[len(prefix) :]


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # One connection guarded by a lock: the local server calls in from several threads.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        with self._lock:
            self._db.executescript(_SCHEMA)
            _add_missing_columns(self._db)

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        return cls(parse_sqlite_url(url))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- reading ---------------------------------------------------------------------------

    def load(self) -> StoreSnapshot:
        return self._snapshot("", ())

    def load_one(self, customer_id: str) -> StoreSnapshot:
        return self._snapshot(" WHERE customer_id = ?", (customer_id,))

    def _snapshot(self, where: str, args: tuple[str, ...]) -> StoreSnapshot:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                # SQLite hands each row over as JSON, which pydantic validates in Rust: at
                # 100k customers that cut the state load by a third.
                state_rows = self._db.execute(
                    f"SELECT json_set(data, '$.version', version) FROM og_state{where}", args
                ).fetchall()
                send_rows = self._db.execute(
                    f"SELECT customer_id, {_SEND_AS_JSON} FROM og_sends{where} ORDER BY claimed_at",
                    args,
                ).fetchall()
            finally:
                self._db.execute("COMMIT")
        with cyclic_gc_paused():
            states = {}
            for (data,) in state_rows:
                state = CustomerState.model_validate_json(data)
                states[state.customer_id] = state
            sends: dict[str, list[SendRecord]] = defaultdict(list)
            for customer_id, data in send_rows:
                sends[customer_id].append(SendRecord.model_validate_json(data))
            return StoreSnapshot(states=states, sends={k: tuple(v) for k, v in sends.items()})

    # --- sends -----------------------------------------------------------------------------

    def claim(self, send: SendRecord) -> bool:
        # Checked and inserted under one write lock: a finish in between (another tick,
        # another process) cannot slip past the check.
        with self._transaction() as db:
            stored = db.execute(
                "SELECT data, version FROM og_state WHERE customer_id = ?", (send.customer_id,)
            ).fetchone()
            if stored is not None and not _state_from_json(*stored).takes(send):
                return False
            try:
                db.execute(
                    f"INSERT INTO og_sends ({_SEND_COLUMNS}) VALUES ({_SEND_PLACES})",
                    _send_to_row(send),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def confirm(self, key: SendKey, message_id: str, sent_at: datetime) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE og_sends SET status = ?, message_id = ?, sent_at = ? "
                "WHERE customer_id = ? AND journey = ? AND step = ? AND kind = ?",
                (SendStatus.SENT.value, message_id, sent_at.isoformat(), *_key(key)),
            )

    def reject(self, key: SendKey, reason: str, at: datetime) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE og_sends SET status = ?, error = ?, sent_at = ? "
                "WHERE customer_id = ? AND journey = ? AND step = ? AND kind = ? AND status = ?",
                (
                    SendStatus.REJECTED.value,
                    reason,
                    at.isoformat(),
                    *_key(key),
                    SendStatus.CLAIMED.value,
                ),
            )

    def release(self, key: SendKey) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM og_sends WHERE customer_id = ? AND journey = ? AND step = ? "
                "AND kind = ? AND status = ?",
                (*_key(key), SendStatus.CLAIMED.value),
            )

    def mark_unconfirmed(self, keys: Sequence[SendKey]) -> list[SendKey]:
        marked = []
        with self._transaction() as db:
            for key in keys:
                changed = db.execute(
                    "UPDATE og_sends SET status = ? WHERE customer_id = ? AND journey = ? "
                    "AND step = ? AND kind = ? AND status = ?",
                    (SendStatus.UNCONFIRMED.value, *_key(key), SendStatus.CLAIMED.value),
                ).rowcount
                if changed:
                    marked.append(key)
        return marked

    def archive_journey(self, customer_id: str, journey: int, archived_at: datetime) -> int:
        with self._transaction() as db:
            return _archive(db, customer_id, journey, archived_at)

    def archived_sends(self, customer_id: str) -> tuple[SendRecord, ...]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_SEND_COLUMNS} FROM og_sends_archive WHERE customer_id = ? "
                "ORDER BY journey, claimed_at",
                (customer_id,),
            ).fetchall()
        return tuple(_send_from_row(row) for row in rows)

    # --- customer state --------------------------------------------------------------------

    def save_state(self, state: CustomerState) -> CustomerState:
        with self._transaction() as db:
            return _write_state(db, state)

    def commit_action(
        self,
        state: CustomerState,
        audit: AuditEntry,
        *,
        archive_journey: int | None = None,
        restore_journey: int | None = None,
        send_write: SendWrite | None = None,
    ) -> CustomerState:
        with self._transaction() as db:
            written = _write_state(db, state)
            db.execute(
                "INSERT INTO og_audit (id, customer_id, action, data) VALUES (?, ?, ?, ?)",
                (audit.id, audit.customer_id, audit.action, audit.model_dump_json()),
            )
            if archive_journey is not None:
                _archive(db, state.customer_id, archive_journey, audit.at)
            if restore_journey is not None:
                _restore(db, state.customer_id, restore_journey)
            if send_write is not None:
                _write_send(db, send_write, audit.at)
        return written

    def audit_trail(self, customer_id: str) -> list[AuditEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM og_audit WHERE customer_id = ? ORDER BY id DESC", (customer_id,)
            ).fetchall()
        return [AuditEntry.model_validate_json(data) for (data,) in rows]

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM og_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def put_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO og_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def add_meta_if_absent(self, key: str, value: str) -> str:
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO og_meta (key, value) VALUES (?, ?)", (key, value))
            row = db.execute("SELECT value FROM og_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])


def _write_state(db: sqlite3.Connection, state: CustomerState) -> CustomerState:
    """Inside a transaction: write `state` if the stored version is still `state.version`."""
    written = state.model_copy(update={"version": state.version + 1})
    row = db.execute(
        "SELECT data, version FROM og_state WHERE customer_id = ?", (state.customer_id,)
    ).fetchone()
    if (row[1] if row else 0) != state.version:
        raise StaleStateError(state.customer_id, _state_from_json(row[0], row[1]) if row else None)
    db.execute(
        "INSERT INTO og_state (customer_id, version, data) VALUES (?, ?, ?) "
        "ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version, data = excluded.data",
        (state.customer_id, written.version, written.model_dump_json(exclude={"version"})),
    )
    return written


def _archive(db: sqlite3.Connection, customer_id: str, journey: int, at: datetime) -> int:
    # Open sends (claimed, unconfirmed) stay live, and so in every tick's sight, until settled.
    moved = db.execute(
        f"INSERT OR REPLACE INTO og_sends_archive (journey_id, {_SEND_COLUMNS}, archived_at) "
        f"SELECT ?, {_SEND_COLUMNS}, ? FROM og_sends "
        f"WHERE customer_id = ? AND journey = ? AND {_SETTLED}",
        (journey_id(customer_id, journey), at.isoformat(), customer_id, journey),
    ).rowcount
    db.execute(
        f"DELETE FROM og_sends WHERE customer_id = ? AND journey = ? AND {_SETTLED}",
        (customer_id, journey),
    )
    return int(moved)


def _write_send(db: sqlite3.Connection, write: SendWrite, at: datetime) -> None:
    key = _key(write.key)
    where = "WHERE customer_id = ? AND journey = ? AND step = ? AND kind = ?"
    db.execute(f"DELETE FROM og_sends {where}", key)
    db.execute(f"DELETE FROM og_sends_archive {where}", key)
    if write.record is None:
        return
    row = _send_to_row(write.record)
    if write.archived:
        db.execute(
            f"INSERT INTO og_sends_archive (journey_id, {_SEND_COLUMNS}, archived_at) "
            f"VALUES (?, {_SEND_PLACES}, ?)",
            (journey_id(write.key.customer_id, write.key.journey), *row, at.isoformat()),
        )
    else:
        db.execute(f"INSERT INTO og_sends ({_SEND_COLUMNS}) VALUES ({_SEND_PLACES})", row)


def _restore(db: sqlite3.Connection, customer_id: str, journey: int) -> None:
    """The reverse of _archive, for undoing a finish. A wrap-up that went out stays in the
    archive: back in the live table it would make the journey look finished again."""
    where = "WHERE journey_id = ? AND kind != 'finish'"
    db.execute(
        f"INSERT OR REPLACE INTO og_sends ({_SEND_COLUMNS}) SELECT {_SEND_COLUMNS} "
        f"FROM og_sends_archive {where}",
        (journey_id(customer_id, journey),),
    )
    db.execute(f"DELETE FROM og_sends_archive {where}", (journey_id(customer_id, journey),))


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a database from an older release up to this schema: columns added since are
    appended with their defaults (SQLite adds a column in place, without copying rows)."""
    for table in ("og_sends", "og_sends_archive"):
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column, definition in _ADDED_SEND_COLUMNS.items():
            if column not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _key(key: SendKey) -> tuple[str, int, str, str]:
    return (key.customer_id, key.journey, key.step, key.kind.value)


def _send_to_row(send: SendRecord) -> tuple[object, ...]:
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


_SEND_FIELDS = tuple(_SEND_COLUMNS.split(", "))
_SEND_PLACES = ", ".join("?" * len(_SEND_FIELDS))
_SEND_AS_JSON = "json_object(" + ", ".join(f"'{f}', {f}" for f in _SEND_FIELDS) + ")"


def _send_from_row(row: tuple[Any, ...]) -> SendRecord:
    # pydantic parses the stored ISO text itself, faster than converting here first.
    return SendRecord.model_validate(dict(zip(_SEND_FIELDS, row, strict=True)))


def _state_from_json(data: str, version: int) -> CustomerState:
    payload = json.loads(data)
    payload["version"] = version
    return CustomerState.model_validate(payload)
