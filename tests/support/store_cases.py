"""Sends for the state store's tests: one per (customer, step, kind, journey), all claimed at
T0 by one tick; and memos of customers, as a tick would keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.memo import TickMemo
from engine.models import SendKind, SendRecord
from engine.outcomes import QuietSpell
from engine.ports import StateStore

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def a_send(
    customer: str = "C1", step: str = "welcome", kind: SendKind = SendKind.STEP, journey: int = 1
) -> SendRecord:
    return SendRecord(
        customer_id=customer,
        journey=journey,
        step=step,
        kind=kind,
        local_date=date(2026, 11, 2),
        guide_day=0,
        claimed_at=T0,
        tick_id="tick-1",
    )


def a_memo(customer: str, changes: int) -> TickMemo:
    spell = QuietSpell(since=date(2026, 11, 2), until=None, reason="finished")
    return TickMemo(
        customer_id=customer, rules="r", row="w", changes=changes, zone="UTC", spell=spell
    )


def remember(store: StateStore, *customers: str) -> None:
    """A memo of each customer at the change count their state is read at now."""
    changes = store.load_many(customers).changes
    store.put_memos([a_memo(c, changes.get(c, 0)) for c in customers])


def current(store: StateStore) -> set[str]:
    return set(store.tick_read(lambda memo: True).memos)
