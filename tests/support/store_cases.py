"""Sends for the state store's tests: one per (customer, step, kind, journey), all claimed at
T0 by one tick."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.models import SendKind, SendRecord

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
