"""The SQLite store's month reads (`StateStore.sends_between`, `audit_between`), kept apart
from its writes: both tables searched whole (no index on a send's local date, and an audit
row's id only near its time), which is fine for a report run once a month."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime

from engine.adapters.month_reads import audit_in, each_send_once
from engine.adapters.sqlite_schema import SEND_COLUMNS, send_from_row
from engine.audit import audit_ids_between
from engine.models import AuditEntry, SendRecord


class SqliteMonthReads:
    """Mixed into SqliteStore: reads its connection under its lock."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def sends_between(self, first: date, last: date) -> tuple[SendRecord, ...]:
        where = "WHERE local_date BETWEEN ? AND ?"
        days = (first.isoformat(), last.isoformat())
        with self._lock:
            self._db.execute("BEGIN")  # one moment: a send moved to the archive is read once
            try:
                rows = self._db.execute(
                    f"SELECT {SEND_COLUMNS} FROM og_sends {where} "
                    f"UNION ALL SELECT {SEND_COLUMNS} FROM og_sends_archive {where}",
                    days + days,
                ).fetchall()
            finally:
                self._db.execute("COMMIT")
        return each_send_once(send_from_row(row) for row in rows)

    def audit_between(self, start: datetime, end: datetime) -> tuple[AuditEntry, ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM og_audit WHERE id BETWEEN ? AND ?", audit_ids_between(start, end)
            ).fetchall()
        return audit_in((AuditEntry.model_validate_json(data) for (data,) in rows), start, end)
