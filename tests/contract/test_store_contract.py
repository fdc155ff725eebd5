"""The state store contract: every StateStore adapter must pass all of this.

A new backend joins by adding one entry to `STORES` (tests/contract/conftest.py): a function
of the test's request that returns the store (fixtures it needs, for servers or clean-up, it
asks the request for). DynamoDB runs three ways: moto in-process, moto's HTTP server, and AWS's
DynamoDB Local. Claims and their ends a batch at a time: test_store_batch_contract.py.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from store_cases import T0, a_send

from engine.adapters.sqlite_store import parse_sqlite_url
from engine.models import (
    AuditEntry,
    CustomerState,
    SendKind,
    SendStatus,
    SendWrite,
    Snapshot,
)
from engine.ports import StaleStateError, StateStore


def test_empty_store_loads_empty(store: StateStore) -> None:
    snapshot = store.load()
    assert snapshot.states == {} and snapshot.sends == {}
    assert snapshot.history("C1").state.journey == 1


def test_a_claim_is_taken_once(store: StateStore) -> None:
    assert store.claim(a_send()) is True
    assert store.claim(a_send()) is False
    assert store.claim(a_send(kind=SendKind.NUDGE)) is True
    assert store.claim(a_send(journey=2)) is True
    assert store.claim(a_send(customer="C2")) is True
    loaded = store.load().sends["C1"]
    assert len(loaded) == 3
    assert next(s for s in loaded if s.key == a_send().key) == a_send()


def test_a_claim_for_an_earlier_journey_is_refused(store: StateStore) -> None:
    store.save_state(CustomerState(customer_id="C1", journey=2))
    assert store.claim(a_send(journey=1)) is False
    assert store.claim(a_send(journey=2)) is True
    assert [s.journey for s in store.load().sends["C1"]] == [2]


def test_a_finished_journey_takes_no_claim_but_a_hand_finish_takes_its_wrap_up(
    store: StateStore,
) -> None:
    # A tick that read the state before another finished the journey (and archived its
    # sends) must not find their slots free and send them again.
    finished = store.save_state(CustomerState(customer_id="C1", finished=True))
    wrap_up = a_send(step="wrap-up", kind=SendKind.FINISH)
    assert store.claim(a_send()) is False
    assert store.claim(wrap_up) is False
    store.save_state(finished.model_copy(update={"wrap_up_pending": True}))
    assert store.claim(a_send(kind=SendKind.NUDGE)) is False
    assert store.claim(wrap_up) is True


@pytest.mark.parametrize("stopped", ["unsubscribed", "replied"])
def test_a_customer_whose_mail_stopped_takes_no_email_claim_but_a_flag(
    store: StateStore, stopped: str
) -> None:
    # A tick that read the state before the customer unsubscribed (or wrote back, engine.heard)
    # must not mail them.
    day = date(2026, 11, 2)
    stop = {"unsubscribed": True, "unsubscribed_on": day} if stopped == "unsubscribed" else {}
    store.save_state(CustomerState(customer_id="C1", replied_on=day if not stop else None, **stop))
    for kind in (SendKind.STEP, SendKind.NUDGE, SendKind.FINISH, SendKind.NOTE):
        assert store.claim(a_send(kind=kind)) is False
    assert store.claim(a_send(kind=SendKind.FLAG)) is True
    assert store.claim_many([a_send(customer="C2"), a_send(step="setup")]) == [True, False]
    assert {(s.customer_id, s.kind) for ss in store.load().sends.values() for s in ss} == {
        ("C1", SendKind.FLAG),
        ("C2", SendKind.STEP),
    }


def test_confirm_records_message_id_and_time(store: StateStore) -> None:
    store.claim(a_send())
    store.confirm(a_send().key, "<m1@og>", T0 + timedelta(seconds=2))
    (sent,) = store.load().sends["C1"]
    assert (sent.status, sent.message_id, sent.sent_at) == (
        SendStatus.SENT,
        "<m1@og>",
        T0 + timedelta(seconds=2),
    )


def test_a_personal_note_is_claimed_once_a_day_and_confirmed_like_any_send(
    store: StateStore,
) -> None:
    note = a_send(step="note-2026-11-02", kind=SendKind.NOTE)
    assert store.claim(note) is True and store.claim(note) is False
    store.confirm(note.key, "<n1@og>", T0)
    (sent,) = store.load_one("C1").sends["C1"]
    assert (sent.kind, sent.step, sent.status) == (
        SendKind.NOTE,
        "note-2026-11-02",
        SendStatus.SENT,
    )


def test_release_frees_a_failed_claim_but_never_a_confirmed_send(store: StateStore) -> None:
    store.claim(a_send())
    store.release(a_send().key)
    assert store.load().sends == {}
    assert store.claim(a_send()) is True
    store.confirm(a_send().key, "<m1@og>", T0)
    store.release(a_send().key)
    assert len(store.load().sends["C1"]) == 1


def test_a_rejected_send_is_kept_with_its_reason_and_survives_the_archive(
    store: StateStore,
) -> None:
    store.claim(a_send())
    store.reject(a_send().key, "MessageRejected: address on the suppression list", T0)
    (rejected,) = store.load().sends["C1"]
    assert (rejected.status, rejected.error, rejected.sent_at) == (
        SendStatus.REJECTED,
        "MessageRejected: address on the suppression list",
        T0,
    )
    store.release(a_send().key)  # a rejection is final, not a claim to free
    assert store.claim(a_send()) is False
    store.archive_journey("C1", 1, T0)
    (archived,) = store.archived_sends("C1")
    assert (archived.status, archived.error) == (SendStatus.REJECTED, rejected.error)


def test_reject_only_touches_an_open_claim(store: StateStore) -> None:
    store.claim(a_send())
    store.confirm(a_send().key, "<m1@og>", T0)
    store.reject(a_send().key, "too late", T0)
    (sent,) = store.load().sends["C1"]
    assert (sent.status, sent.error) == (SendStatus.SENT, "")


def test_mark_unconfirmed_only_touches_open_claims(store: StateStore) -> None:
    store.claim(a_send())
    store.claim(a_send(step="setup"))
    store.confirm(a_send(step="setup").key, "<m2@og>", T0)
    marked = store.mark_unconfirmed([a_send().key, a_send(step="setup").key])
    assert marked == [a_send().key]
    statuses = {s.step: s.status for s in store.load().sends["C1"]}
    assert statuses == {"welcome": SendStatus.UNCONFIRMED, "setup": SendStatus.SENT}
    # A second run finding the same claim turns nothing: the first one announced it.
    assert store.mark_unconfirmed([a_send().key]) == []


def test_state_round_trips_and_versions_bump(store: StateStore) -> None:
    state = CustomerState(
        customer_id="C1",
        steps_done={"welcome": date(2026, 11, 3)},
        offline_days=2,
        offline_since=date(2026, 11, 5),
        paused=True,
        paused_note="migration, back in Q1 — ünïcode",
        unsubscribed=True,
        unsubscribed_on=date(2026, 11, 4),
        replied_on=date(2026, 11, 5),
        undeliverable="bounced for good (5.1.1)",
        undeliverable_email="ada@example.test",
        soft_bounces=2,
        updated_by="dana",
        updated_at=T0,
    )
    written = store.save_state(state)
    assert written.version == 1
    assert store.load().states["C1"] == written
    again = store.save_state(written.model_copy(update={"paused": False}))
    assert again.version == 2
    assert store.load_one("C1").states["C1"].paused is False


def test_a_write_based_on_a_stale_read_is_refused_and_changes_nothing(store: StateStore) -> None:
    first = store.save_state(CustomerState(customer_id="C1", updated_by="dana", updated_at=T0))
    store.save_state(first.model_copy(update={"paused": True}))
    with pytest.raises(StaleStateError, match="changed by dana"):
        store.save_state(first.model_copy(update={"finished": True}))
    with pytest.raises(StaleStateError):
        store.save_state(CustomerState(customer_id="C1"))
    current = store.load().states["C1"]
    assert (current.paused, current.finished, current.version) == (True, False, 2)


def test_concurrent_writers_of_one_version_exactly_one_wins(store: StateStore) -> None:
    base = store.save_state(CustomerState(customer_id="C1"))
    outcomes: list[str] = []

    def write(note: str) -> None:
        try:
            store.save_state(base.model_copy(update={"paused_note": note}))
            outcomes.append("won")
        except StaleStateError:
            outcomes.append("lost")

    threads = [threading.Thread(target=write, args=(f"n{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    assert store.load().states["C1"].version == 2


def test_load_one_and_history_keep_to_one_customer_and_the_current_journey(
    store: StateStore,
) -> None:
    store.claim(a_send())
    store.claim(a_send(customer="C2"))
    store.claim(a_send(journey=2, step="setup"))
    store.save_state(CustomerState(customer_id="C1", journey=2))
    one = store.load_one("C1")
    assert set(one.sends) == {"C1"}
    assert [s.step for s in one.history("C1").sends] == ["setup"]


def test_archiving_a_journey_moves_its_settled_sends_out_of_the_live_table(
    store: StateStore,
) -> None:
    store.claim(a_send())
    store.confirm(a_send().key, "<m1@og>", T0)
    store.claim(a_send(step="wrap-up", kind=SendKind.FINISH))
    store.confirm(a_send(step="wrap-up", kind=SendKind.FINISH).key, "<m2@og>", T0)
    store.claim(a_send(step="setup"))
    store.reject(a_send(step="setup").key, "address suppressed", T0)
    store.claim(a_send(journey=2))
    store.claim(a_send(customer="C2"))
    assert store.archive_journey("C1", 1, T0) == 3
    assert [s.journey for s in store.load().sends["C1"]] == [2]
    assert "C2" in store.load().sends
    archived = store.archived_sends("C1")
    assert {(s.step, s.kind, s.status) for s in archived} == {
        ("welcome", SendKind.STEP, SendStatus.SENT),
        ("wrap-up", SendKind.FINISH, SendStatus.SENT),
        ("setup", SendKind.STEP, SendStatus.REJECTED),
    }
    assert store.archive_journey("C1", 1, T0) == 0
    assert len(store.archived_sends("C1")) == 3
    assert store.archived_sends("C2") == ()


def test_open_sends_stay_live_when_their_journey_is_archived(store: StateStore) -> None:
    # Claimed or unconfirmed, a send's fate is unknown: it stays where every tick sees it.
    store.claim(a_send())
    store.confirm(a_send().key, "<m1@og>", T0)
    store.claim(a_send(step="setup"))
    store.claim(a_send(step="wrap-up", kind=SendKind.FINISH))
    assert store.mark_unconfirmed([a_send(step="wrap-up", kind=SendKind.FINISH).key])
    assert store.archive_journey("C1", 1, T0) == 1
    live = {(s.step, s.status) for s in store.load().sends["C1"]}
    assert live == {("setup", SendStatus.CLAIMED), ("wrap-up", SendStatus.UNCONFIRMED)}
    assert [s.step for s in store.load().unconfirmed()] == ["wrap-up"]
    # Once settled, the next archive of the journey takes it along.
    store.confirm(a_send(step="setup").key, "<m3@og>", T0)
    assert store.archive_journey("C1", 1, T0) == 1
    assert [s.step for s in store.load().sends["C1"]] == ["wrap-up"]


def an_audit(entry_id: str, action: str = "paused", customer: str = "C1") -> AuditEntry:
    empty = Snapshot(row={}, state=CustomerState(customer_id=customer))
    after = Snapshot(row={"paused": "TRUE"}, state=CustomerState(customer_id=customer, paused=True))
    return AuditEntry(
        id=entry_id,
        customer_id=customer,
        journey=1,
        action=action,
        actor="dana",
        at=T0,
        note="migration",
        before=empty,
        after=after,
    )


def test_an_action_writes_state_and_audit_together(store: StateStore) -> None:
    written = store.commit_action(CustomerState(customer_id="C1", paused=True), an_audit("a1"))
    assert written.version == 1 and store.load().states["C1"].paused
    store.commit_action(written.model_copy(update={"paused": False}), an_audit("a2", "resumed"))
    store.commit_action(CustomerState(customer_id="C2"), an_audit("b1", customer="C2"))
    trail = store.audit_trail("C1")
    assert [(e.id, e.action) for e in trail] == [("a2", "resumed"), ("a1", "paused")]
    assert trail[1] == an_audit("a1")


def test_a_stale_action_writes_neither_state_nor_audit_nor_archive(store: StateStore) -> None:
    store.claim(a_send())
    base = store.commit_action(CustomerState(customer_id="C1"), an_audit("a1"))
    store.save_state(base.model_copy(update={"paused_note": "someone else"}))
    with pytest.raises(StaleStateError):
        store.commit_action(
            base.model_copy(update={"finished": True}),
            an_audit("a2", "finished"),
            archive_journey=1,
        )
    assert [e.id for e in store.audit_trail("C1")] == ["a1"]
    assert not store.load().states["C1"].finished
    assert len(store.load().sends["C1"]) == 1 and store.archived_sends("C1") == ()


def test_an_action_can_archive_a_journey_and_another_restore_it(store: StateStore) -> None:
    for send in (a_send(), a_send(step="setup"), a_send(step="wrap-up", kind=SendKind.FINISH)):
        store.claim(send)
        store.confirm(send.key, f"<{send.step}@og>", T0)
    done = store.commit_action(
        CustomerState(customer_id="C1", finished=True),
        an_audit("a1", "finished"),
        archive_journey=1,
    )
    assert "C1" not in store.load().sends and len(store.archived_sends("C1")) == 3
    store.commit_action(
        done.model_copy(update={"finished": False}), an_audit("a2", "undo"), restore_journey=1
    )
    assert {s.step for s in store.load().sends["C1"]} == {"welcome", "setup"}
    assert [s.step for s in store.archived_sends("C1")] == ["wrap-up"]


def test_meta_values(store: StateStore) -> None:
    assert store.get_meta("k") is None
    store.put_meta("k", "v1")
    store.put_meta("k", "v2")
    assert store.get_meta("k") == "v2"
    assert store.add_meta_if_absent("k", "other") == "v2"
    assert store.add_meta_if_absent("fresh", "first") == "first"
    assert store.get_meta("fresh") == "first"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///og.db", "og.db"),
        ("sqlite:////var/lib/og.db", "/var/lib/og.db"),
        ("sqlite://:memory:", ":memory:"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    assert parse_sqlite_url(url) == path


@pytest.mark.parametrize("url", ["sqlite://", "postgres:///x", "sqlite:/og.db"])
def test_bad_sqlite_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not a SQLite state URL"):
        parse_sqlite_url(url)


def test_an_action_writes_one_send_with_its_audit_row(store: StateStore) -> None:
    # Settling an unconfirmed send, and undoing that: all in the action's one commit.
    store.claim(a_send())
    assert store.mark_unconfirmed([a_send().key])
    (unconfirmed,) = store.load().sends["C1"]
    state = CustomerState(customer_id="C1")
    sent = unconfirmed.model_copy(update={"status": SendStatus.SENT, "sent_at": T0})
    state = store.commit_action(
        state, an_audit("a1"), send_write=SendWrite(key=sent.key, record=sent)
    )
    assert store.load().sends["C1"] == (sent,)
    state = store.commit_action(
        state, an_audit("a2"), send_write=SendWrite(key=sent.key, record=sent, archived=True)
    )
    assert "C1" not in store.load().sends and store.archived_sends("C1") == (sent,)
    state = store.commit_action(
        state, an_audit("a3"), send_write=SendWrite(key=sent.key, record=unconfirmed)
    )
    assert store.load().sends["C1"] == (unconfirmed,) and store.archived_sends("C1") == ()
    store.commit_action(state, an_audit("a4"), send_write=SendWrite(key=sent.key))
    assert "C1" not in store.load().sends and store.archived_sends("C1") == ()
    assert [e.id for e in store.audit_trail("C1")] == ["a4", "a3", "a2", "a1"]
    assert store.claim(a_send()) is True  # forgotten: the slot is free for the next tick


def test_a_claim_keeps_the_run_that_made_it(store: StateStore) -> None:
    claim = a_send().model_copy(
        update={"run_process": "host/b00t/42/123", "run_deadline": T0 + timedelta(minutes=15)}
    )
    store.claim(claim)
    assert store.load().sends["C1"] == (claim,)
    store.confirm(claim.key, "<m1@og>", T0)
    store.archive_journey("C1", 1, T0)
    (archived,) = store.archived_sends("C1")
    assert (archived.run_process, archived.run_deadline) == (claim.run_process, claim.run_deadline)
