"""The tick's moves go in batches: each claimed in one `claim_many`, its emails made durable by
one `flush`, its claims ended by one `finish_claims`; and a batch whose emails could not be made
durable is kept unconfirmed, each told once, none sent again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from workspace import Workspace, nine_am, row

from engine.adapters.memory import RecordingNotifier
from engine.models import ClaimOutcome, SendRecord, SendStatus
from engine.ports import Mailer, OutcomeUnknownError, StateStore
from engine.tick import tick
from engine.tick_send import FIRST_BATCH, MAX_BATCH

DAY0 = nine_am("2026-11-02")


class CountingStore:
    """The store, with its batch calls counted."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.claims: list[int] = []
        self.finishes: list[int] = []

    def claim_many(self, sends: list[SendRecord]) -> list[bool]:
        self.claims.append(len(sends))
        return self.inner.claim_many(sends)

    def finish_claims(self, outcomes: list[ClaimOutcome]) -> Any:
        self.finishes.append(len(outcomes))
        return self.inner.finish_claims(outcomes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class FailingFlush:
    """The outbox, whose sync fails: what it wrote may not survive the machine stopping."""

    def __init__(self, inner: Mailer) -> None:
        self.inner, self.flushes = inner, 0

    def send(self, email: Any) -> str:
        return self.inner.send(email)

    def flush(self) -> None:
        self.flushes += 1
        raise OutcomeUnknownError("syncfs: input/output error")


def test_moves_are_claimed_sent_and_confirmed_a_batch_at_a_time(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row(f"C{n:03d}") for n in range(100)])
    guide = ws.guide()
    guide.store = store = CountingStore(guide.store)  # type: ignore[assignment]

    report = tick(guide, DAY0)

    assert report.counts() == {"step": 100} and report.failures == []
    assert store.claims == store.finishes  # every claimed send of a batch ended in one call
    assert sum(store.claims) == 100 and len(store.claims) < 100 // 4
    assert store.claims[0] == FIRST_BATCH and max(store.claims) <= MAX_BATCH
    assert len(ws.sent()) == 100
    assert all(s.status == SendStatus.SENT for ss in guide.store.load().sends.values() for s in ss)


def test_a_batch_that_could_not_be_made_durable_is_unconfirmed_and_never_resent(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2"), row("C3")])
    guide = ws.guide()
    guide.mailer = mailer = FailingFlush(guide.mailer)  # type: ignore[assignment]
    guide.notifier = notifier = RecordingNotifier()

    report = tick(guide, DAY0)

    assert mailer.flushes == 1
    assert sorted(u.customer_id for u in report.unconfirmed) == ["C1", "C2", "C3"]
    assert all(u.new for u in report.unconfirmed)
    assert sorted(report.failures) == [
        f"C{n}: step failed: syncfs: input/output error" for n in (1, 2, 3)
    ]
    told = sorted((n.customer_id, n.why) for n in notifier.unconfirmed_sends)
    why = "its batch could not be made durable (syncfs: input/output error)"
    assert told == [("C1", why), ("C2", why), ("C3", why)]
    guide.mailer = mailer.inner
    later = tick(guide, DAY0 + timedelta(days=1))
    assert len(ws.sent()) == 3  # written once, never again
    assert Counter(u.new for u in later.unconfirmed) == {False: 3}
