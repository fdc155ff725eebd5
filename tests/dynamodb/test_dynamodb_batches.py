"""The DynamoDB store's bulk import: BatchWriteItem calls of 25, what DynamoDB leaves
unprocessed sent again after a wait, and an error when it is still left after every try."""

from __future__ import annotations

from typing import Any

import pytest
from dynamodb_local import store_on
from moto_server import MotoServer
from request_counter import RequestCounter
from store_cases import a_send

from engine.adapters.dynamodb_store import DynamoDbStore
from engine.models import CustomerState


def test_bulk_writes_go_in_batches_of_25(moto_store: DynamoDbStore) -> None:
    counter = RequestCounter(moto_store.client)
    states = [CustomerState(customer_id=f"C{n:02d}") for n in range(20)]
    sends = [a_send(customer=f"C{n:02d}") for n in range(40)]
    assert moto_store.import_records(states, sends) == 60
    batches = [params for name, params in counter.requests if name == "BatchWriteItem"]
    sizes = [sum(len(v) for v in p["RequestItems"].values()) for p in batches]
    assert sizes == [25, 25, 10]
    loaded = moto_store.load()
    assert len(loaded.states) == 20 and all(s.version == 1 for s in loaded.states.values())
    assert sum(len(s) for s in loaded.sends.values()) == 40


def test_unprocessed_batch_items_are_sent_again_after_a_wait(moto_server: MotoServer) -> None:
    """DynamoDB answers a throttled BatchWriteItem with the items it did not write. Here the
    server really gets only part of the first batch, and is said to have left the rest."""
    waits: list[float] = []
    with store_on(moto_server.url, sleep=waits.append) as store:
        held_back: list[dict[str, Any]] = []

        def hold_back_half(params: dict[str, Any], **_: Any) -> None:
            if not held_back:
                (table, requests), *_ = params["RequestItems"].items()
                held_back.append({table: requests[10:]})
                params["RequestItems"][table] = requests[:10]

        def report_them_unprocessed(parsed: dict[str, Any], **_: Any) -> None:
            if len(held_back) == 1:
                parsed["UnprocessedItems"] = held_back[0]
                held_back.append({})

        counter = RequestCounter(store.client)
        events = store.client.meta.events
        events.register("before-parameter-build.dynamodb.BatchWriteItem", hold_back_half)
        events.register("after-call.dynamodb.BatchWriteItem", report_them_unprocessed)
        sends = [a_send(customer=f"C{n:02d}") for n in range(25)]
        assert store.import_records([], sends) == 25
        assert counter.calls["BatchWriteItem"] == 2
        assert len(waits) == 1 and 0 <= waits[0] <= 0.05
        assert sorted(store.load().sends) == [f"C{n:02d}" for n in range(25)]


def test_a_batch_still_unprocessed_after_every_try_is_an_error(moto_store: DynamoDbStore) -> None:
    sent: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["RequestItems"])

    def none_processed(parsed: dict[str, Any], **_: Any) -> None:
        parsed["UnprocessedItems"] = sent[-1]

    events = moto_store.client.meta.events
    events.register("before-parameter-build.dynamodb.BatchWriteItem", remember)
    events.register("after-call.dynamodb.BatchWriteItem", none_processed)
    waits: list[float] = []
    store = DynamoDbStore(moto_store.client, moto_store.prefix, sleep=waits.append)
    with pytest.raises(RuntimeError, match="left 3 writes unprocessed after 12 tries"):
        store.import_records([], [a_send(customer=f"C{n}") for n in range(3)])
    assert len(sent) == 12 and len(waits) == 11
    assert max(waits) <= 5.0
