"""What every state store's month reads share (`StateStore.sends_between`, `audit_between`):
each narrows its read by what its tables can compare (a send's local date, an audit row's id)
and hands the rows here, which judge them exactly and put them in the port's order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from engine.models import AuditEntry, SendKey, SendRecord


def each_send_once(sends: Iterable[SendRecord]) -> tuple[SendRecord, ...]:
    """The sends, one per key (the last read wins: a send read live and then, moved by an
    action meanwhile, archived is the archived one), oldest claim first."""
    by_key: dict[SendKey, SendRecord] = {}
    for send in sends:
        by_key[send.key] = send
    return tuple(
        sorted(
            by_key.values(),
            key=lambda s: (_utc(s.claimed_at), s.customer_id, s.journey, s.step, s.kind.value),
        )
    )


def audit_in(
    entries: Iterable[AuditEntry], start: datetime, end: datetime
) -> tuple[AuditEntry, ...]:
    """The rows whose `at` is at or after `start` and before `end`, oldest first."""
    begin, stop = _utc(start), _utc(end)
    kept = (entry for entry in entries if begin <= _utc(entry.at) < stop)
    return tuple(sorted(kept, key=lambda entry: (_utc(entry.at), entry.id)))


def _utc(moment: datetime) -> datetime:
    """An aware time in UTC; a naive one is taken to be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
