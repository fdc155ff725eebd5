"""A mail service refusing an address for good: that send is recorded as rejected with the
reason, shown in `og status`, never retried, and every other customer is still handled."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from workspace import Workspace, nine_am, row

from engine.adapters.sqlite_store import SqliteStore
from engine.models import SendStatus
from engine.outcomes import OutgoingEmail
from engine.ports import Mailer, RejectedError
from engine.queries import timeline, view_customer
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
REASON = "MessageRejected: Email address is on the account-level suppression list"


class RefusingOneAddress:
    """The outbox, except for one address the service will never deliver to."""

    def __init__(self, inner: Mailer, address: str) -> None:
        self.inner, self.address, self.refused = inner, address, 0

    def send(self, email: OutgoingEmail) -> str:
        if email.to_email == self.address:
            self.refused += 1
            raise RejectedError(REASON)
        return self.inner.send(email)

    def flush(self) -> None:
        self.inner.flush()


def test_a_rejected_address_is_recorded_shown_and_never_retried(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1", email="bounce@example.test"), row("C2")])
    guide = ws.guide()
    mailer = RefusingOneAddress(guide.mailer, "bounce@example.test")
    guide.mailer = mailer

    report = tick(guide, DAY0)

    assert [f for f in report.failures if f.startswith("C1")] == [f"C1: step failed: {REASON}"]
    assert ws.sent() == [("C2", "welcome", "step")]  # C2 is handled all the same
    (rejected,) = guide.store.load_one("C1").sends["C1"]
    assert (rejected.status, rejected.error) == (SendStatus.REJECTED, REASON)

    tick(guide, DAY0)  # the same day again: no second attempt
    tick(guide, DAY0 + timedelta(days=1))
    assert mailer.refused == 1

    view = view_customer(guide, "C1", DAY0 + timedelta(days=1))
    assert not isinstance(view, str)
    lines = timeline(view)
    assert any(f"step welcome (rejected: {REASON})" in line for line in lines), lines


def test_a_database_from_before_rejections_gains_the_column_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE og_sends (
            customer_id TEXT NOT NULL, journey INTEGER NOT NULL, step TEXT NOT NULL,
            kind TEXT NOT NULL, local_date TEXT NOT NULL, guide_day INTEGER NOT NULL,
            status TEXT NOT NULL, message_id TEXT, claimed_at TEXT NOT NULL, sent_at TEXT,
            tick_id TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (customer_id, journey, step, kind)
        ) WITHOUT ROWID;
        INSERT INTO og_sends VALUES ('C1', 1, 'welcome', 'step', '2026-11-02', 0, 'sent',
            '<m1@og>', '2026-11-02T09:00:00+00:00', '2026-11-02T09:00:01+00:00', 't1');
        """
    )
    old.commit()
    old.close()

    (kept,) = SqliteStore(path).load().sends["C1"]

    assert (kept.message_id, kept.status, kept.error) == ("<m1@og>", SendStatus.SENT, "")
