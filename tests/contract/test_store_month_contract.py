"""The state store contract, a month's reads: every send of a range of local dates, live and
archived, and every audit row of a range of time, whatever clock each row's time was read on.
What engine.month_summary builds its figures from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from store_cases import T0

from engine.audit import new_audit_id
from engine.models import (
    AuditEntry,
    CustomerState,
    SendKind,
    SendRecord,
    SendStatus,
    SendWrite,
    Snapshot,
)
from engine.ports import StateStore

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = (datetime(2026, 11, 1, tzinfo=BERLIN), datetime(2026, 12, 1, tzinfo=BERLIN))


def _send(customer: str, step: str, day: date, *, journey: int = 1, minute: int = 0) -> SendRecord:
    return SendRecord(
        customer_id=customer,
        journey=journey,
        step=step,
        kind=SendKind.STEP,
        local_date=day,
        guide_day=0,
        claimed_at=T0 + timedelta(minutes=minute),
        tick_id="tick-1",
    )


def _sent(store: StateStore, send: SendRecord) -> SendRecord:
    assert store.claim(send)
    store.confirm(send.key, f"<{send.customer_id}-{send.step}@og>", send.claimed_at)
    return send.model_copy(
        update={
            "status": SendStatus.SENT,
            "message_id": f"<{send.customer_id}-{send.step}@og>",
            "sent_at": send.claimed_at,
        }
    )


def _keys(sends: tuple[SendRecord, ...]) -> list[tuple[str, int, str]]:
    return [(s.customer_id, s.journey, s.step) for s in sends]


def test_the_sends_of_a_range_of_days_live_and_archived_each_once_oldest_first(
    store: StateStore,
) -> None:
    # C1's first journey: archived by its finish; its second in the live table.
    first = [
        _sent(store, _send("C1", "welcome", date(2026, 10, 31), minute=1)),
        _sent(store, _send("C1", "setup", date(2026, 11, 1), minute=2)),
        _sent(store, _send("C1", "check-in", date(2026, 11, 30), minute=9)),
    ]
    finished = store.commit_action(
        CustomerState(customer_id="C1", finished=True),
        _entry("C1", "finished", T0),
        archive_journey=1,
    )
    store.commit_action(
        finished.model_copy(update={"journey": 2, "finished": False}),
        _entry("C1", "reenrolled", T0),
    )
    again = _sent(store, _send("C1", "welcome", date(2026, 11, 15), journey=2, minute=5))
    # C2: one claim still open, one that may or may not have gone out, one of December.
    open_claim = _send("C2", "welcome", date(2026, 11, 10), minute=3)
    assert store.claim(open_claim)
    unsure = _send("C2", "setup", date(2026, 11, 12), minute=4)
    assert store.claim(unsure)
    store.mark_unconfirmed([unsure.key])
    _sent(store, _send("C2", "check-in", date(2026, 12, 1), minute=6))
    # C3: a send an action wrote straight into the archive.
    moved = _send("C3", "welcome", date(2026, 11, 20), minute=7)
    store.commit_action(
        CustomerState(customer_id="C3"),
        _entry("C3", "marked_delivered", T0),
        send_write=SendWrite(key=moved.key, record=moved, archived=True),
    )

    found = store.sends_between(date(2026, 11, 1), date(2026, 11, 30))

    assert _keys(found) == [
        ("C1", 1, "setup"),
        ("C2", 1, "welcome"),
        ("C2", 1, "setup"),
        ("C1", 2, "welcome"),
        ("C3", 1, "welcome"),
        ("C1", 1, "check-in"),
    ]
    by_key = {(s.customer_id, s.journey, s.step): s for s in found}
    assert by_key[("C1", 1, "setup")] == first[1]
    assert by_key[("C1", 2, "welcome")] == again
    assert by_key[("C2", 1, "welcome")] == open_claim
    assert by_key[("C2", 1, "setup")].status == SendStatus.UNCONFIRMED
    assert by_key[("C3", 1, "welcome")] == moved
    assert store.sends_between(date(2026, 10, 31), date(2026, 10, 31)) == (first[0],)
    assert store.sends_between(date(2027, 1, 1), date(2027, 1, 31)) == ()


def _entry(customer: str, action: str, at: datetime) -> AuditEntry:
    """An audit row as the guide writes one, its id spelled from `at` in UTC; for `ahead` and
    `behind`, as releases before did: on `at`'s own clock."""
    state = CustomerState(customer_id=customer)
    legacy = f"{at.strftime('%Y%m%dT%H%M%S%f')}Z-{action[:6]}"
    return AuditEntry(
        id=legacy if action in ("ahead", "behind") else new_audit_id(at),
        customer_id=customer,
        journey=1,
        action=action,
        actor="dana",
        at=at,
        before=Snapshot(row={}, state=state),
        after=Snapshot(row={}, state=state),
    )


def test_the_audit_rows_of_a_range_of_time_whatever_clock_they_were_read_on(
    store: StateStore,
) -> None:
    kiritimati, honolulu = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Honolulu")
    times = {
        # November in Berlin runs from 31 Oct 23:00 UTC to 30 Nov 23:00 UTC.
        "before": datetime(2026, 10, 31, 23, 59, 59, tzinfo=BERLIN),
        "first": datetime(2026, 11, 1, 0, 0, tzinfo=BERLIN),
        "utc": datetime(2026, 11, 15, 12, 0, tzinfo=UTC),
        # Its id reads "20261201T08...", past the window's end on the face of it.
        "ahead": datetime(2026, 12, 1, 8, 0, tzinfo=kiritimati),
        # Its id reads "20261031T13...", before the window's start on the face of it.
        "behind": datetime(2026, 10, 31, 13, 0, 30, tzinfo=honolulu),
        "last": datetime(2026, 11, 30, 23, 59, 59, tzinfo=BERLIN),
        "after": datetime(2026, 12, 1, 0, 0, tzinfo=BERLIN),
    }
    states = {c: CustomerState(customer_id=c) for c in ("C1", "C2")}
    for n, (name, at) in enumerate(times.items()):
        customer = "C1" if n % 2 else "C2"
        states[customer] = store.commit_action(states[customer], _entry(customer, name, at))

    found = store.audit_between(*NOVEMBER)

    assert [entry.action for entry in found] == ["first", "behind", "utc", "ahead", "last"]
    assert found[3].at == times["ahead"] and found[3].customer_id == "C1"
    assert store.audit_between(times["after"], times["after"] + timedelta(days=1)) == (
        store.audit_trail("C2")[0],
    )
    assert (
        store.audit_between(datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
        == ()
    )
