"""The state store contract, continued: what a tick reads (`tick_read`, `load_many`) and the
memos it keeps (`put_memos`, engine.memo).

Against every store: with no memo kept, `tick_read` is the whole state. Against the stores
that keep memos (`MEMO_KEEPERS`): a memo is current exactly until the next write of any kind to
its customer's sends or state, whoever makes it, and a write to one customer leaves another's
memo current."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from store_cases import T0, a_memo, a_send, current, remember

from engine.models import (
    AuditEntry,
    ClaimEnd,
    ClaimOutcome,
    CustomerState,
    SendKind,
    SendWrite,
    Snapshot,
)
from engine.outcomes import QuietSpell
from engine.ports import StateStore


def test_with_no_memo_kept_a_tick_reads_every_customer(store: StateStore) -> None:
    store.claim(a_send("C1"))
    store.claim(a_send("C2", step="setup"))
    store.save_state(CustomerState(customer_id="C3", paused=True))
    read = store.tick_read(lambda memo: True)
    assert read.memos == {}
    assert read.snapshot.states == store.load().states
    assert read.snapshot.sends == store.load().sends


def test_load_many_reads_those_customers_alone(store: StateStore) -> None:
    store.claim(a_send("C1"))
    store.claim(a_send("C2"))
    store.save_state(CustomerState(customer_id="C2", paused=True))
    store.save_state(CustomerState(customer_id="C3"))
    many = store.load_many(["C2", "C4"])
    assert set(many.sends) == {"C2"} and set(many.states) == {"C2"}
    assert many.history("C2") == store.load().history("C2")
    assert store.load_many([]).states == {}


def test_held_or_flagged_are_the_paused_the_handed_off_the_waiting_and_the_flagged(
    store: StateStore,
) -> None:
    store.save_state(CustomerState(customer_id="C1", paused=True))
    store.save_state(CustomerState(customer_id="C2", handed_off_to="<@U0SAM>"))
    store.claim(a_send("C3", step="setup", kind=SendKind.FLAG))
    store.claim(a_send("C4"))
    store.save_state(CustomerState(customer_id="C5", steps_done={"welcome": date(2026, 11, 2)}))
    store.save_state(CustomerState(customer_id="C6", paused=False, paused_note="was, once"))
    store.save_state(CustomerState(customer_id="C7", replied_on=date(2026, 12, 3)))
    store.save_state(
        CustomerState(customer_id="C8", undeliverable="bounced", undeliverable_email="a@x.test")
    )
    # Soft bounces alone, or an address kept after its reason was lifted, hold nothing.
    store.save_state(CustomerState(customer_id="C9", soft_bounces=2, undeliverable_email="b@x"))
    held = {"C1", "C2", "C3", "C7", "C8"}
    assert store.held_or_flagged() == held == store.load().held_or_flagged()


def test_a_memo_is_current_while_nothing_is_written(keeper: StateStore) -> None:
    keeper.claim(a_send("C1"))
    keeper.confirm(a_send("C1").key, "<m@og>", T0)
    keeper.save_state(CustomerState(customer_id="C2"))
    remember(keeper, "C1", "C2", "C3")
    read = keeper.tick_read(lambda memo: memo.customer_id != "C2")
    assert set(read.memos) == {"C1", "C3"}
    assert read.memos["C1"] == a_memo("C1", read.memos["C1"].changes)
    # The others' state is read: C2's memo was not kept.
    assert set(read.snapshot.states) == {"C2"} and "C1" not in read.snapshot.sends
    remember(keeper, "C1")
    assert current(keeper) == {"C1", "C2", "C3"}


def test_a_memo_held_for_someones_hours_keeps_when_they_open_on_their_clock(
    keeper: StateStore,
) -> None:
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    opens = datetime(2026, 11, 3, 9, 0, tzinfo=tokyo)
    spell = QuietSpell(
        since=date(2026, 11, 3),
        until=date(2026, 11, 4),
        reason="the step of welcome waits for the customer's hours, 09:00–17:00",
        step="welcome",
        held=True,
        held_until=opens,
        starts_at=datetime(2026, 11, 2, 8, 0, tzinfo=new_york),
        ends_at=datetime(2026, 11, 2, 9, 0, tzinfo=new_york),
    )
    memo = replace(a_memo("C1", 0), zone="Asia/Tokyo", spell=spell)
    keeper.put_memos([memo])
    kept = keeper.tick_read(lambda memo: True).memos["C1"]
    assert kept == memo  # the same moments
    assert str(kept.spell.held_until.tzinfo) == "Asia/Tokyo"  # type: ignore[union-attr]


Write = Callable[[StateStore], object]
CLAIMED = a_send("C1", step="setup")


def _state(store: StateStore) -> CustomerState:
    return store.load_one("C1").states.get("C1") or CustomerState(customer_id="C1")


def _action(store: StateStore, **moves: object) -> None:
    state = _state(store)
    before = Snapshot(row={}, state=state)
    audit = AuditEntry(
        id=f"a{state.version}",
        customer_id="C1",
        journey=1,
        action="paused",
        actor="dana",
        at=T0,
        before=before,
        after=before,
    )
    store.commit_action(state, audit, **moves)  # type: ignore[arg-type]


def _nothing(store: StateStore) -> None:
    pass


def _a_state(store: StateStore) -> None:
    store.save_state(CustomerState(customer_id="C1"))


def _archived(store: StateStore) -> None:
    _a_state(store)
    _action(store, archive_journey=1)


WRITES: dict[str, tuple[Write, Write]] = {
    "claim": (_nothing, lambda s: s.claim(a_send("C1", kind=SendKind.NUDGE))),
    "claim_many": (_nothing, lambda s: s.claim_many([a_send("C1", kind=SendKind.FLAG)])),
    "confirm": (_nothing, lambda s: s.confirm(CLAIMED.key, "<m@og>", T0)),
    "release": (_nothing, lambda s: s.release(CLAIMED.key)),
    "reject": (_nothing, lambda s: s.reject(CLAIMED.key, "bounced", T0)),
    "mark_unconfirmed": (_nothing, lambda s: s.mark_unconfirmed([CLAIMED.key])),
    "finish_claims": (
        _nothing,
        lambda s: s.finish_claims([ClaimOutcome(key=CLAIMED.key, end=ClaimEnd.SENT)]),
    ),
    "archive_journey": (_nothing, lambda s: s.archive_journey("C1", 1, T0)),
    "a first state": (_nothing, _a_state),
    "a state written again": (_a_state, lambda s: s.save_state(_state(s))),
    "an action": (_a_state, _action),
    "an action archiving": (_a_state, lambda s: _action(s, archive_journey=1)),
    "an action restoring": (_archived, lambda s: _action(s, restore_journey=1)),
    "an action writing a send": (
        _a_state,
        lambda s: _action(s, send_write=SendWrite(key=CLAIMED.key, record=None)),
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_any_write_to_a_customer_makes_their_memo_stale(keeper: StateStore, write: str) -> None:
    setup, change = WRITES[write]
    keeper.claim(a_send("C1"))
    keeper.confirm(a_send("C1").key, "<m0@og>", T0)
    keeper.claim(CLAIMED)
    keeper.claim(a_send("C2"))
    setup(keeper)
    remember(keeper, "C1", "C2")
    assert current(keeper) == {"C1", "C2"}
    change(keeper)
    assert current(keeper) == {"C2"}
    remember(keeper, "C1")
    assert current(keeper) == {"C1", "C2"}


@pytest.mark.parametrize("first_write", [False, True])
def test_a_memo_made_before_a_write_is_never_kept(keeper: StateStore, first_write: bool) -> None:
    if not first_write:  # else C1's count is 0 (nothing written yet) when the memo is made
        keeper.save_state(CustomerState(customer_id="C1"))
    changes = keeper.load_many(["C1"]).changes.get("C1", 0)
    keeper.claim(a_send("C1"))
    keeper.put_memos([a_memo("C1", changes)])
    assert current(keeper) == set()
    remember(keeper, "C1")
    assert current(keeper) == {"C1"}


def test_a_tick_keeping_most_memos_reads_the_others_as_load_does(keeper: StateStore) -> None:
    quiet = [f"Q{n:02d}" for n in range(30)]
    for customer in quiet:
        keeper.claim(a_send(customer))
        keeper.confirm(a_send(customer).key, f"<{customer}@og>", T0)
    keeper.save_state(CustomerState(customer_id="P1", paused=True))
    keeper.claim(a_send("P1"))
    keeper.claim(a_send("U1"))
    keeper.mark_unconfirmed([a_send("U1").key])
    keeper.claim(a_send("U1", step="setup"))  # claimed, open
    remember(keeper, *quiet)
    counts = keeper.load_many(["P1", "U1"]).changes
    read = keeper.tick_read(lambda memo: True)
    whole = keeper.load()
    assert set(read.memos) == set(quiet)
    assert read.snapshot.states == {"P1": whole.states["P1"]}
    assert read.snapshot.sends == {c: whole.sends[c] for c in ("P1", "U1")}
    assert {c: read.snapshot.changes.get(c, 0) for c in ("P1", "U1")} == counts
    assert counts["U1"] > 0 and counts["P1"] > 0
    assert [s.step for s in read.snapshot.unconfirmed()] == ["welcome"]
