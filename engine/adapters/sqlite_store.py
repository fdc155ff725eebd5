"""State on the embedded default: one SQLite file holding the story's four tables.

Claims rely on the primary key of `og_sends`: inserting a send that exists fails, so two ticks
racing on one database, or a re-run, never send twice. State rows carry a version so a write
based on a stale read is refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from engine.adapters.memo_fields import MemoReader, memo_to_row
from engine.adapters.sqlite_month import SqliteMonthReads
from engine.adapters.sqlite_schema import (
    CURRENT_MEMOS,
    MEMO_COLUMNS,
    SCHEMA,
    SEND_AS_JSON,
    SEND_COLUMNS,
    SEND_PLACES,
    SETTLED,
    add_missing_columns,
    key_values,
    send_from_row,
    send_to_row,
    snapshot_from_rows,
    state_from_json,
)
from engine.memo import TickMemo, TickRead
from engine.models import (
    AuditEntry,
    ClaimEnd,
    ClaimOutcome,
    CustomerState,
    SendKey,
    SendRecord,
    SendStatus,
    SendWrite,
    StoreSnapshot,
    journey_id,
    journey_takes,
    mail_stopped,
)
from engine.ports import StaleStateError


def parse_sqlite_url(url: str) -> str:
    """`sqlite:///og.db` -> `og.db`, `sqlite:////abs/og.db` -> `/abs/og.db`,
    `sqlite://:memory:` -> `:memory:`."""
    if url == "sqlite://:memory:":
        return ":memory:"
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(f"not a SQLite state URL: {url!r} (expected sqlite:///PATH)")
    return url[len(prefix) :]


class SqliteStore(SqliteMonthReads):
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
            self._db.executescript(SCHEMA)
            add_missing_columns(self._db)

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

    def held_or_flagged(self) -> set[str]:
        with self._lock:
            return {customer_id for (customer_id,) in self._db.execute(_HELD_OR_FLAGGED)}

    def load_many(self, customer_ids: Collection[str]) -> StoreSnapshot:
        where = " WHERE customer_id IN (SELECT value FROM json_each(?))"
        return self._snapshot(where, (json.dumps(sorted(customer_ids)),), with_changes=True)

    def _snapshot(
        self, where: str, args: tuple[str, ...], *, with_changes: bool = False
    ) -> StoreSnapshot:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                # SQLite hands each row over as JSON, which pydantic validates in Rust: at
                # 100k customers that cut the state load by a third.
                state_rows = self._db.execute(f"{_STATES}{where}", args).fetchall()
                send_rows = self._db.execute(
                    f"SELECT customer_id, {SEND_AS_JSON} FROM og_sends{where} ORDER BY claimed_at",
                    args,
                ).fetchall()
                changes = (
                    self._db.execute(f"SELECT customer_id, n FROM og_changes{where}", args)
                    if with_changes
                    else []
                )
                counts = dict(changes)
            finally:
                self._db.execute("COMMIT")
        return snapshot_from_rows(state_rows, send_rows, counts)

    def tick_read(self, keep: Callable[[TickMemo], bool]) -> TickRead:
        reader = MemoReader()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                memos: dict[str, TickMemo] = {}
                for row in self._db.execute(CURRENT_MEMOS):
                    memo = reader.memo(row)
                    if keep(memo):
                        memos[memo.customer_id] = memo
                # The kept customers' ids in a table of this connection's own, so SQLite
                # leaves their rows out itself: only the others' are made into records.
                self._db.execute(_KEPT)
                self._db.execute("DELETE FROM temp.og_kept")
                self._db.executemany("INSERT INTO temp.og_kept VALUES (?)", ((c,) for c in memos))
                others = " WHERE customer_id NOT IN (SELECT customer_id FROM temp.og_kept)"
                state_rows = self._db.execute(f"{_STATES}{others}").fetchall()
                send_rows = self._db.execute(
                    f"SELECT customer_id, {SEND_AS_JSON} FROM og_sends{others} "
                    f"OR status IN ('claimed', 'unconfirmed') ORDER BY claimed_at"
                ).fetchall()
                counts = dict(self._db.execute(f"SELECT customer_id, n FROM og_changes{others}"))
                self._db.execute("DELETE FROM temp.og_kept")
            finally:
                self._db.execute("COMMIT")
        return TickRead(memos=memos, snapshot=snapshot_from_rows(state_rows, send_rows, counts))

    def put_memos(self, memos: Sequence[TickMemo]) -> None:
        with self._transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO og_tick_memo ({MEMO_COLUMNS}) "
                f"VALUES ({', '.join('?' * len(MEMO_COLUMNS.split(', ')))})",
                [memo_to_row(memo) for memo in memos],
            )

    # --- sends -----------------------------------------------------------------------------

    def claim(self, send: SendRecord) -> bool:
        return self.claim_many([send])[0]

    def claim_many(self, sends: Sequence[SendRecord]) -> list[bool]:
        # Checked and inserted under one write lock: a finish in between (another tick,
        # another process) cannot slip past the check.
        taken = []
        with self._transaction() as db:
            for send in sends:
                taken.append(_claim(db, send))
        return taken

    def finish_claims(self, outcomes: Sequence[ClaimOutcome]) -> list[SendKey]:
        turned = []
        with self._transaction() as db:
            for outcome in outcomes:
                if _finish(db, outcome) and outcome.end == ClaimEnd.UNCONFIRMED:
                    turned.append(outcome.key)
        return turned

    def confirm(self, key: SendKey, message_id: str, sent_at: datetime) -> None:
        self.finish_claims(
            [ClaimOutcome(key=key, end=ClaimEnd.SENT, message_id=message_id, at=sent_at)]
        )

    def reject(self, key: SendKey, reason: str, at: datetime) -> None:
        self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.REJECTED, reason=reason, at=at)])

    def release(self, key: SendKey) -> None:
        self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.RELEASED)])

    def mark_unconfirmed(self, keys: Sequence[SendKey]) -> list[SendKey]:
        return self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.UNCONFIRMED) for key in keys])

    def archive_journey(self, customer_id: str, journey: int, archived_at: datetime) -> int:
        with self._transaction() as db:
            return _archive(db, customer_id, journey, archived_at)

    def archived_sends(self, customer_id: str) -> tuple[SendRecord, ...]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {SEND_COLUMNS} FROM og_sends_archive WHERE customer_id = ? "
                "ORDER BY journey, claimed_at",
                (customer_id,),
            ).fetchall()
        return tuple(send_from_row(row) for row in rows)

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


_STATES = "SELECT json_set(data, '$.version', version) FROM og_state"
_HELD_OR_FLAGGED = (
    "SELECT customer_id FROM og_state WHERE json_extract(data, '$.paused') "
    "OR json_extract(data, '$.handed_off_to') != '' "
    "OR json_extract(data, '$.replied_on') IS NOT NULL "
    "OR json_extract(data, '$.undeliverable') != '' "
    "UNION SELECT customer_id FROM og_sends WHERE kind = 'flag'"
)
_KEPT = "CREATE TEMP TABLE IF NOT EXISTS og_kept (customer_id TEXT PRIMARY KEY) WITHOUT ROWID"
_KEY = "customer_id = ? AND journey = ? AND step = ? AND kind = ?"


_JOURNEY = (
    "SELECT COALESCE(json_extract(data, '$.journey'), 1), "
    "COALESCE(json_extract(data, '$.finished'), 0), "
    "COALESCE(json_extract(data, '$.wrap_up_pending'), 0), "
    "COALESCE(json_extract(data, '$.unsubscribed'), 0) "
    "OR json_extract(data, '$.replied_on') IS NOT NULL FROM og_state WHERE customer_id = ?"
)


def _claim(db: sqlite3.Connection, send: SendRecord) -> bool:
    """Inside a transaction: insert `send` as claimed if its slot is free and the stored state
    still takes it (read from five fields of the state's JSON: a claim batch of thousands
    would spend more on validating whole states than on the inserts)."""
    stored = db.execute(_JOURNEY, (send.customer_id,)).fetchone()
    if stored is not None and not (
        journey_takes(int(stored[0]), bool(stored[1]), bool(stored[2]), send)
        and not mail_stopped(bool(stored[3]), send)
    ):
        return False
    try:
        db.execute(
            f"INSERT INTO og_sends ({SEND_COLUMNS}) VALUES ({SEND_PLACES})", send_to_row(send)
        )
    except sqlite3.IntegrityError:
        return False
    return True


def _finish(db: sqlite3.Connection, outcome: ClaimOutcome) -> bool:
    """Inside a transaction: one claim's end, under the condition its single method has (a
    confirmation of any send that exists; the others only of an open claim). Whether it
    changed a row."""
    key = key_values(outcome.key)
    claimed = SendStatus.CLAIMED.value
    at = outcome.at.isoformat() if outcome.at else None
    if outcome.end == ClaimEnd.SENT:
        sql = f"UPDATE og_sends SET status = ?, message_id = ?, sent_at = ? WHERE {_KEY}"
        args: tuple[object, ...] = (SendStatus.SENT.value, outcome.message_id, at, *key)
    elif outcome.end == ClaimEnd.REJECTED:
        sql = f"UPDATE og_sends SET status = ?, error = ?, sent_at = ? WHERE {_KEY} AND status = ?"
        args = (SendStatus.REJECTED.value, outcome.reason, at, *key, claimed)
    elif outcome.end == ClaimEnd.UNCONFIRMED:
        sql = f"UPDATE og_sends SET status = ? WHERE {_KEY} AND status = ?"
        args = (SendStatus.UNCONFIRMED.value, *key, claimed)
    else:
        sql = f"DELETE FROM og_sends WHERE {_KEY} AND status = ?"
        args = (*key, claimed)
    return bool(db.execute(sql, args).rowcount)


def _write_state(db: sqlite3.Connection, state: CustomerState) -> CustomerState:
    """Inside a transaction: write `state` if the stored version is still `state.version`."""
    written = state.model_copy(update={"version": state.version + 1})
    row = db.execute(
        "SELECT data, version FROM og_state WHERE customer_id = ?", (state.customer_id,)
    ).fetchone()
    if (row[1] if row else 0) != state.version:
        raise StaleStateError(state.customer_id, state_from_json(row[0], row[1]) if row else None)
    db.execute(
        "INSERT INTO og_state (customer_id, version, data) VALUES (?, ?, ?) "
        "ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version, data = excluded.data",
        (state.customer_id, written.version, written.model_dump_json(exclude={"version"})),
    )
    return written


def _archive(db: sqlite3.Connection, customer_id: str, journey: int, at: datetime) -> int:
    # Open sends (claimed, unconfirmed) stay live, and so in every tick's sight, until settled.
    moved = db.execute(
        f"INSERT OR REPLACE INTO og_sends_archive (journey_id, {SEND_COLUMNS}, archived_at) "
        f"SELECT ?, {SEND_COLUMNS}, ? FROM og_sends "
        f"WHERE customer_id = ? AND journey = ? AND {SETTLED}",
        (journey_id(customer_id, journey), at.isoformat(), customer_id, journey),
    ).rowcount
    db.execute(
        f"DELETE FROM og_sends WHERE customer_id = ? AND journey = ? AND {SETTLED}",
        (customer_id, journey),
    )
    return int(moved)


def _write_send(db: sqlite3.Connection, write: SendWrite, at: datetime) -> None:
    key = key_values(write.key)
    where = "WHERE customer_id = ? AND journey = ? AND step = ? AND kind = ?"
    db.execute(f"DELETE FROM og_sends {where}", key)
    db.execute(f"DELETE FROM og_sends_archive {where}", key)
    if write.record is None:
        return
    row = send_to_row(write.record)
    if write.archived:
        db.execute(
            f"INSERT INTO og_sends_archive (journey_id, {SEND_COLUMNS}, archived_at) "
            f"VALUES (?, {SEND_PLACES}, ?)",
            (journey_id(write.key.customer_id, write.key.journey), *row, at.isoformat()),
        )
    else:
        db.execute(f"INSERT INTO og_sends ({SEND_COLUMNS}) VALUES ({SEND_PLACES})", row)


def _restore(db: sqlite3.Connection, customer_id: str, journey: int) -> None:
    """The reverse of _archive, for undoing a finish. A wrap-up that went out stays in the
    archive: back in the live table it would make the journey look finished again."""
    where = "WHERE journey_id = ? AND kind != 'finish'"
    db.execute(
        f"INSERT OR REPLACE INTO og_sends ({SEND_COLUMNS}) SELECT {SEND_COLUMNS} "
        f"FROM og_sends_archive {where}",
        (journey_id(customer_id, journey),),
    )
    db.execute(f"DELETE FROM og_sends_archive {where}", (journey_id(customer_id, journey),))
