"""What the DynamoDB store does beyond the shared contract (tests/contract): retries,
batches, parallel scans, transactions' limits, and telling a retried write from someone
else's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from dynamodb_local import client_for, store_on
from moto_server import MotoServer
from request_counter import RequestCounter

from engine.adapters.dynamodb_reads import SEGMENT_BYTES, segments_for
from engine.adapters.dynamodb_store import DynamoDbStore, JourneyTooLargeError
from engine.adapters.dynamodb_tables import MAX_ATTEMPTS, MAX_SEGMENTS
from engine.models import AuditEntry, CustomerState, SendKind, SendRecord, SendStatus, Snapshot
from engine.ports import StaleStateError

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def a_send(customer: str = "C1", step: str = "welcome", journey: int = 1) -> SendRecord:
    return SendRecord(
        customer_id=customer,
        journey=journey,
        step=step,
        kind=SendKind.STEP,
        local_date=date(2026, 11, 2),
        guide_day=0,
        claimed_at=T0,
        tick_id="tick-1",
    )


def an_audit(entry_id: str, customer: str = "C1", actor: str = "dana") -> AuditEntry:
    empty = Snapshot(row={}, state=CustomerState(customer_id=customer))
    return AuditEntry(
        id=entry_id,
        customer_id=customer,
        journey=1,
        action="paused",
        actor=actor,
        at=T0,
        before=empty,
        after=empty,
    )


def force_a_retry_of_a_request_that_landed(client: Any, operation: str) -> list[int]:
    """Make botocore send `operation` again after its first attempt succeeded, as it does when
    the answer is lost on the way back (a timeout, a dropped connection)."""
    made: list[int] = []

    def retry_the_first(attempts: int, **_: Any) -> float | None:
        made.append(attempts)
        return 0 if attempts == 1 else None

    client.meta.events.register(f"needs-retry.dynamodb.{operation}", retry_the_first)
    return made


# --- retries -----------------------------------------------------------------------------------


def test_the_client_retries_in_standard_mode() -> None:
    client = client_for("http://127.0.0.1:1")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def test_a_throttled_claim_is_retried_and_lands_once(moto_server_store: DynamoDbStore) -> None:
    sent: list[str] = []

    def throttle_the_first(request: Any, **_: Any) -> AWSResponse | None:
        sent.append(request.headers["X-Amz-Target"].decode())
        if len(sent) > 1:
            return None  # on to moto's server
        body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",'
        body += b'"message":"Rate of requests exceeds the allowed throughput."}'
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": "throttled"}, _Body(body))

    moto_server_store.client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems", throttle_the_first
    )
    assert moto_server_store.claim(a_send()) is True
    assert sent == ["DynamoDB_20120810.TransactWriteItems"] * 2
    assert [s.step for s in moto_server_store.load().sends["C1"]] == ["welcome"]
    assert moto_server_store.claim(a_send()) is False


def test_a_claim_whose_answer_was_lost_is_still_ours(moto_store: DynamoDbStore) -> None:
    # moto does not honour a transaction's idempotency token: the claim's own token tells.
    attempts = force_a_retry_of_a_request_that_landed(moto_store.client, "TransactWriteItems")
    assert moto_store.claim(a_send()) is True  # the retry found our own claim
    assert attempts == [1, 2]
    assert moto_store.claim(a_send()) is False  # a second claim is still refused


def test_a_state_write_whose_answer_was_lost_is_not_stale(moto_store: DynamoDbStore) -> None:
    first = moto_store.save_state(CustomerState(customer_id="C1", updated_by="dana"))
    attempts = force_a_retry_of_a_request_that_landed(moto_store.client, "TransactWriteItems")
    written = moto_store.save_state(first.model_copy(update={"paused": True}))
    assert attempts == [1, 2]
    assert written.version == 2 and moto_store.load().states["C1"] == written
    with pytest.raises(StaleStateError, match="changed by dana"):
        moto_store.save_state(first.model_copy(update={"finished": True}))


def test_an_action_whose_answer_was_lost_is_not_stale(dynamodb_local_store: DynamoDbStore) -> None:
    # DynamoDB honours the transaction's idempotency token (moto does not, so DynamoDB Local).
    dynamodb_local_store.claim(a_send())
    dynamodb_local_store.confirm(a_send().key, "<m1@og>", T0)
    attempts = force_a_retry_of_a_request_that_landed(
        dynamodb_local_store.client, "TransactWriteItems"
    )
    written = dynamodb_local_store.commit_action(
        CustomerState(customer_id="C1", finished=True), an_audit("a1"), archive_journey=1
    )
    assert attempts == [1, 2]
    assert written.version == 1
    assert [e.id for e in dynamodb_local_store.audit_trail("C1")] == ["a1"]
    assert (
        len(dynamodb_local_store.archived_sends("C1")) == 1
        and dynamodb_local_store.load().sends == {}
    )


def sent(store: DynamoDbStore, send: SendRecord) -> None:
    """A send claimed and confirmed: settled, so archiving takes it along."""
    assert store.claim(send)
    store.confirm(send.key, f"<{send.step}@og>", T0)


# --- claims on a journey that is over -------------------------------------------------------------


def finished(store: DynamoDbStore, journey: int = 1, pending: bool = False) -> CustomerState:
    """C1's journey finished as the tick records it: state and archive in one action."""
    state = CustomerState(customer_id="C1", journey=journey, finished=True, wrap_up_pending=pending)
    return store.commit_action(state, an_audit(f"fin-{journey}"), archive_journey=journey)


def test_a_send_of_a_finished_journey_is_not_claimed_again(moto_store: DynamoDbStore) -> None:
    # A tick that read the state before the finish would claim the wrap-up once more: the
    # finish moved the first claim to the archive, out of the way of the claim's own check.
    wrap_up = a_send(step="wrap-up").model_copy(update={"kind": SendKind.FINISH})
    assert moto_store.claim(wrap_up) is True
    moto_store.confirm(wrap_up.key, "<wrap@og>", T0)
    finished(moto_store)
    assert moto_store.claim(wrap_up) is False
    assert moto_store.claim(a_send(step="setup")) is False  # nor anything else of journey 1
    assert moto_store.load().sends == {}
    assert [(s.step, s.status) for s in moto_store.archived_sends("C1")] == [
        ("wrap-up", SendStatus.SENT)
    ]
    assert moto_store.claim(a_send(journey=2)) is True  # a new journey is open


def test_the_wrap_up_of_a_finish_by_hand_is_still_claimed(moto_store: DynamoDbStore) -> None:
    finished(moto_store, pending=True)
    assert moto_store.claim(a_send(step="setup")) is False
    wrap_up = a_send(step="wrap-up").model_copy(update={"kind": SendKind.FINISH})
    assert moto_store.claim(wrap_up) is True


def test_a_send_of_an_earlier_journey_is_not_claimed(moto_store: DynamoDbStore) -> None:
    moto_store.save_state(CustomerState(customer_id="C1", journey=2))
    assert moto_store.claim(a_send(journey=1)) is False
    assert moto_store.claim(a_send(journey=2)) is True
    assert [s.journey for s in moto_store.load().sends["C1"]] == [2]


def test_a_claim_the_finish_archived_before_the_check_is_taken_back(
    moto_server: MotoServer,
) -> None:
    with store_on(moto_server.url) as store:
        other = DynamoDbStore(client_for(moto_server.url), store.prefix)
        done: list[bool] = []

        def finish_in_between(**_: Any) -> None:
            if not done:  # the claim has landed; the finish archives it with the journey
                done.append(True)
                finished(other)

        store.client.meta.events.register("before-call.dynamodb.BatchGetItem", finish_in_between)
        assert store.claim(a_send(step="setup")) is False
        assert done and store.load().sends == {} and store.archived_sends("C1") == ()


# --- transactions -----------------------------------------------------------------------------


def test_a_concurrent_change_fails_the_later_action_and_says_who(
    dynamodb_local_store: DynamoDbStore,
) -> None:
    base = dynamodb_local_store.save_state(CustomerState(customer_id="C1"))
    dynamodb_local_store.commit_action(
        base.model_copy(update={"paused": True, "updated_by": "sam", "updated_at": T0}),
        an_audit("a1", actor="sam"),
    )
    with pytest.raises(StaleStateError) as refused:
        dynamodb_local_store.commit_action(
            base.model_copy(update={"finished": True}), an_audit("a2")
        )
    assert str(refused.value) == f"C1 was changed by sam at {T0.isoformat()}, try again"
    assert refused.value.current is not None and refused.value.current.paused
    assert [e.id for e in dynamodb_local_store.audit_trail("C1")] == ["a1"]


def test_a_send_settled_while_its_journey_is_archived_is_archived_as_it_ends(
    moto_server: MotoServer,
) -> None:
    with store_on(moto_server.url) as store:
        store.claim(a_send())
        store.claim(a_send(step="setup"))
        store.confirm(a_send(step="setup").key, "<m2@og>", T0)
        other = DynamoDbStore(client_for(moto_server.url), store.prefix)
        confirmed: list[bool] = []

        def confirm_in_between(**_: Any) -> None:
            if not confirmed:  # after the archive read the sends, before its transaction
                confirmed.append(True)
                other.confirm(a_send().key, "<m1@og>", T0)

        store.client.meta.events.register(
            "before-call.dynamodb.TransactWriteItems", confirm_in_between
        )
        # Read while open, the welcome stays live; confirmed meanwhile, it is not lost.
        assert store.archive_journey("C1", 1, T0) == 1
        (live,) = store.load().sends["C1"]
        assert (live.step, live.status, live.message_id) == ("welcome", SendStatus.SENT, "<m1@og>")
        assert store.archive_journey("C1", 1, T0) == 1
        archived = {s.step: s for s in store.archived_sends("C1")}
        assert archived["welcome"].status == SendStatus.SENT
        assert archived["welcome"].message_id == "<m1@og>"
        assert store.load().sends == {}


def test_a_journey_too_big_for_one_transaction_is_refused_whole(
    moto_store: DynamoDbStore,
) -> None:
    for number in range(49):
        sent(moto_store, a_send(step=f"step-{number:02d}"))
    base = moto_store.save_state(CustomerState(customer_id="C1"))
    # 98 moves, the state, the audit row and the change count.
    with pytest.raises(JourneyTooLargeError, match=r"C1#1: .* 101 writes, more than the 100"):
        moto_store.commit_action(
            base.model_copy(update={"finished": True}), an_audit("a1"), archive_journey=1
        )
    assert moto_store.load().states["C1"] == base and moto_store.audit_trail("C1") == []
    # 98 moves and the change count: one transaction holds it.
    assert moto_store.archive_journey("C1", 1, T0) == 49
    sent(moto_store, a_send(step="one-more", journey=1))
    moto_store.archive_journey("C1", 1, T0)
    for number in range(50):
        sent(moto_store, a_send(step=f"again-{number:02d}", journey=2))
    with pytest.raises(JourneyTooLargeError, match="C1#2"):
        moto_store.archive_journey("C1", 2, T0)
    assert len(moto_store.load().sends["C1"]) == 50 and len(moto_store.archived_sends("C1")) == 50


# --- reads ------------------------------------------------------------------------------------


def test_meta_values_never_show_up_as_customers(moto_store: DynamoDbStore) -> None:
    moto_store.put_meta("link.secret", "s3cret")
    moto_store.add_meta_if_absent("scheduled", "claim")
    moto_store.save_state(CustomerState(customer_id="C1"))
    assert set(moto_store.load().states) == {"C1"}
    assert moto_store.load_one("#meta#link.secret").states == {}


def test_load_reads_in_parallel_segments_and_gets_the_same_snapshot(
    moto_store: DynamoDbStore,
) -> None:
    for number in range(30):
        moto_store.claim(a_send(customer=f"C{number:02d}"))
        moto_store.save_state(CustomerState(customer_id=f"C{number:02d}", offline_days=number))
    whole = moto_store.load()
    split = DynamoDbStore(moto_store.client, moto_store.prefix, segments=4)
    counter = RequestCounter(moto_store.client)
    assert split.load() == whole
    scans = [params for name, params in counter.requests if name == "Scan"]
    assert {(p["TableName"], p["Segment"], p["TotalSegments"]) for p in scans} == {
        (f"{moto_store.prefix}{table}", segment, 4)
        for table in ("sends", "state")
        for segment in range(4)
    }
    assert all(p["ConsistentRead"] for p in scans)


def test_segments_follow_the_table_size_and_the_size_is_asked_once(
    moto_store: DynamoDbStore,
) -> None:
    assert [segments_for(n * SEGMENT_BYTES) for n in (0, 1, 2, 7, 1000)] == [1, 1, 2, 7, 64]
    assert MAX_SEGMENTS == 64
    counter = RequestCounter(moto_store.client)
    moto_store.load()
    moto_store.load()
    # Once, for the sends table (the state table's size follows from it), then remembered.
    assert counter.calls["DescribeTable"] == 1
    assert counter.calls["Scan"] == 4


def test_a_role_that_may_not_describe_tables_reads_in_one_segment(
    moto_server_store: DynamoDbStore,
) -> None:
    def denied(request: Any, **_: Any) -> AWSResponse:
        body = b'{"__type":"com.amazon.coral.service#AccessDeniedException",'
        body += b'"Message":"not authorized to perform: dynamodb:DescribeTable"}'
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": "denied"}, _Body(body))

    moto_server_store.claim(a_send())
    moto_server_store.client.meta.events.register("before-send.dynamodb.DescribeTable", denied)
    counter = RequestCounter(moto_server_store.client)
    assert set(moto_server_store.load().sends) == {"C1"}
    assert counter.calls == {"DescribeTable": 1, "Scan": 2}


def test_pages_are_followed_to_the_end(moto_store: DynamoDbStore) -> None:
    for number in range(23):
        moto_store.claim(a_send(customer="C1", step=f"s{number:02d}"))
    paged = DynamoDbStore(moto_store.client, moto_store.prefix, segments=1, page_limit=5)
    counter = RequestCounter(moto_store.client)
    assert len(paged.load().sends["C1"]) == 23
    assert len(paged.load_one("C1").sends["C1"]) == 23
    assert counter.calls["Scan"] == 5 + 1  # the sends in five pages, the empty state in one
    assert counter.calls["Query"] == 5


def test_stale_claims_are_marked_only_if_still_open(
    moto_store: DynamoDbStore,
) -> None:
    keys = [a_send(customer=f"C{n}").key for n in range(3)]
    for key in keys:
        moto_store.claim(a_send(customer=key.customer_id))
    moto_store.confirm(keys[1], "<m@og>", T0 + timedelta(seconds=1))
    moto_store.mark_unconfirmed(keys)
    statuses = {c: s[0].status for c, s in moto_store.load().sends.items()}
    assert statuses == {
        "C0": SendStatus.UNCONFIRMED,
        "C1": SendStatus.SENT,
        "C2": SendStatus.UNCONFIRMED,
    }
