"""The state store contract, continued: claims and their ends a batch at a time
(`claim_many`, `finish_claims`), against every store of `STORES` (conftest.py).

A batch must judge each send exactly as its single method would: some sends of a batch taken
already, a journey inside the batch that no longer takes its send, a send listed twice, and
more sends than one DynamoDB transaction holds (100)."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

from store_cases import T0, a_send

from engine.models import ClaimEnd, ClaimOutcome, CustomerState, SendKind, SendStatus
from engine.ports import StateStore


def statuses(store: StateStore) -> dict[tuple[str, str, str], SendStatus]:
    return {
        (s.customer_id, s.step, s.kind.value): s.status
        for sends in store.load().sends.values()
        for s in sends
    }


def test_a_batch_claims_what_is_free_and_refuses_what_is_taken(store: StateStore) -> None:
    assert store.claim(a_send("C2"))
    batch = [a_send("C1"), a_send("C2"), a_send("C3"), a_send("C2", kind=SendKind.NUDGE)]

    assert store.claim_many(batch) == [True, False, True, True]
    assert store.claim_many(batch) == [False] * 4
    assert len(statuses(store)) == 4
    assert store.claim_many([]) == []


def test_a_send_listed_twice_in_a_batch_is_claimed_once(store: StateStore) -> None:
    assert store.claim_many([a_send(), a_send("C2"), a_send()]) == [True, True, False]
    assert [s.step for s in store.load().sends["C1"]] == ["welcome"]


def test_a_journey_that_no_longer_takes_a_send_refuses_it_inside_a_batch(
    store: StateStore,
) -> None:
    store.save_state(CustomerState(customer_id="C1", finished=True))
    store.save_state(CustomerState(customer_id="C2", journey=2))
    store.save_state(CustomerState(customer_id="C3", finished=True, wrap_up_pending=True))
    wrap_up = a_send("C3", step="wrap-up", kind=SendKind.FINISH)
    batch = [a_send("C1"), a_send("C2"), a_send("C2", journey=2), a_send("C3"), wrap_up]
    batch.append(a_send("C4"))

    assert store.claim_many(batch) == [False, False, True, False, True, True]
    assert set(statuses(store)) == {
        ("C2", "welcome", "step"),
        ("C3", "wrap-up", "finish"),
        ("C4", "welcome", "step"),
    }


def test_a_batch_larger_than_a_transaction_is_judged_send_by_send(store: StateStore) -> None:
    # DynamoDB holds 100 writes in one transaction; taken and refused sends fall on both sides.
    for number in (0, 99, 100, 150, 229):
        assert store.claim(a_send(f"C{number:03d}"))
    store.save_state(CustomerState(customer_id="C101", finished=True))
    batch = [a_send(f"C{number:03d}") for number in range(230)]

    taken = store.claim_many(batch)

    refused = {0, 99, 100, 101, 150, 229}
    assert taken == [number not in refused for number in range(230)]
    assert len(statuses(store)) == 229


def test_the_ends_of_a_batch_are_written_together_each_under_its_condition(
    store: StateStore,
) -> None:
    sends = [a_send(f"C{n}") for n in range(6)]
    assert store.claim_many(sends) == [True] * 6
    store.confirm(sends[3].key, "<early@og>", T0)  # no longer an open claim
    at = T0 + timedelta(seconds=3)

    turned = store.finish_claims(
        [
            ClaimOutcome(key=sends[0].key, end=ClaimEnd.SENT, message_id="<m0@og>", at=at),
            ClaimOutcome(key=sends[1].key, end=ClaimEnd.REJECTED, reason="suppressed", at=at),
            ClaimOutcome(key=sends[2].key, end=ClaimEnd.UNCONFIRMED),
            ClaimOutcome(key=sends[3].key, end=ClaimEnd.UNCONFIRMED),  # sent: left alone
            ClaimOutcome(key=sends[4].key, end=ClaimEnd.RELEASED),
            ClaimOutcome(key=a_send("C9").key, end=ClaimEnd.RELEASED),  # never claimed
        ]
    )

    assert turned == [sends[2].key]
    loaded = {cid: ss[0] for cid, ss in store.load().sends.items()}
    assert (loaded["C0"].status, loaded["C0"].message_id, loaded["C0"].sent_at) == (
        SendStatus.SENT,
        "<m0@og>",
        at,
    )
    assert (loaded["C1"].status, loaded["C1"].error) == (SendStatus.REJECTED, "suppressed")
    assert loaded["C2"].status == SendStatus.UNCONFIRMED
    assert (loaded["C3"].status, loaded["C3"].message_id) == (SendStatus.SENT, "<early@og>")
    assert "C4" not in loaded and loaded["C5"].status == SendStatus.CLAIMED
    # Released, the slot is free again; the others are not.
    assert store.claim_many([sends[4], sends[0], sends[2]]) == [True, False, False]
    # Turned once: a second run finding the same claim turns nothing.
    assert store.finish_claims([ClaimOutcome(key=sends[2].key, end=ClaimEnd.UNCONFIRMED)]) == []


def test_a_release_never_forgets_a_sent_message(store: StateStore) -> None:
    store.claim(a_send())
    store.finish_claims(
        [ClaimOutcome(key=a_send().key, end=ClaimEnd.SENT, message_id="<m>", at=T0)]
    )
    store.finish_claims([ClaimOutcome(key=a_send().key, end=ClaimEnd.RELEASED)])
    store.finish_claims([ClaimOutcome(key=a_send().key, end=ClaimEnd.REJECTED, reason="x", at=T0)])
    (kept,) = store.load().sends["C1"]
    assert (kept.status, kept.message_id, kept.error) == (SendStatus.SENT, "<m>", "")


def test_the_ends_of_a_batch_larger_than_a_transaction(store: StateStore) -> None:
    sends = [a_send(f"C{n:03d}") for n in range(150)]
    store.claim_many(sends)
    ends = [ClaimEnd.SENT, ClaimEnd.UNCONFIRMED, ClaimEnd.RELEASED]

    turned = store.finish_claims(
        [
            ClaimOutcome(key=s.key, end=ends[n % 3], message_id=f"<{n}@og>", at=T0)
            for n, s in enumerate(sends)
        ]
    )

    assert turned == [s.key for n, s in enumerate(sends) if n % 3 == 1]
    found = statuses(store)
    assert len(found) == 100
    assert sorted(set(found.values())) == [SendStatus.SENT, SendStatus.UNCONFIRMED]


def test_batches_racing_claim_each_send_once(store: StateStore, thread_safe: bool) -> None:
    # Ticks racing on one store: overlapping batches, each send taken by exactly one.
    batches = [[a_send(f"C{(start + n) % 40:02d}") for n in range(25)] for start in (0, 10, 20)]
    taken: list[list[bool]] = [[] for _ in batches]
    barrier = threading.Barrier(len(batches))
    one_at_a_time = threading.Lock() if not thread_safe else contextlib.nullcontext()

    def claim(index: int) -> None:
        barrier.wait()
        with one_at_a_time:
            taken[index] = store.claim_many(batches[index])

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [
        send.customer_id
        for batch, flags in zip(batches, taken, strict=True)
        for send, flag in zip(batch, flags, strict=True)
        if flag
    ]
    assert sorted(won) == sorted({s.customer_id for batch in batches for s in batch})
