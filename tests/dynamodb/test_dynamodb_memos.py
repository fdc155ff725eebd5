"""The DynamoDB store's change counts and memos beyond the shared contract
(tests/contract/test_store_memo_contract.py): customers the memos table does not list yet, the
bulk import, memos refused one by one in a batch, and a write landing while a tick reads."""

from __future__ import annotations

from typing import Any

from dynamodb_local import client_for, store_on
from store_cases import T0, a_memo, a_send, current, remember

from engine.adapters.dynamodb_items import send_item, state_item
from engine.adapters.dynamodb_store import DynamoDbStore
from engine.models import CustomerState


def test_a_customer_written_before_the_memos_table_is_listed_by_the_first_full_read(
    dynamodb_local: str,
) -> None:
    with store_on(dynamodb_local, by_key_share=1.0) as store:
        # As a release before the memos table wrote them: items, and no count.
        old = CustomerState(customer_id="OLD1", paused=True, version=1)
        store.client.put_item(TableName=f"{store.prefix}state", Item=state_item(old, ""))
        store.client.put_item(TableName=f"{store.prefix}sends", Item=send_item(a_send("OLD1")))
        store.claim(a_send("C1"))
        first = store.tick_read(lambda memo: True)  # no memo kept: everything is read
        assert set(first.snapshot.states) == {"OLD1"}
        assert set(first.snapshot.sends) == {"OLD1", "C1"}
        # OLD1's send is open (claimed): no tick makes a memo of them, nor writes to them.
        remember(store, "C1")
        # Read by key now (C1 kept), OLD1 among the others: the first read listed them.
        read = store.tick_read(lambda memo: True)
        assert set(read.memos) == {"C1"}
        assert read.snapshot.history("OLD1") == store.load().history("OLD1")
        assert [s.step for s in read.snapshot.sends["OLD1"]] == ["welcome"]


def test_the_bulk_import_counts_its_customers_before_writing_them(
    dynamodb_local_store: DynamoDbStore,
) -> None:
    store = dynamodb_local_store
    store.claim(a_send("C1"))
    remember(store, "C1")
    assert current(store) == {"C1"}
    states = [CustomerState(customer_id="C1", paused=True), CustomerState(customer_id="C2")]
    assert store.import_records(states, [a_send("C3")]) == 3
    assert current(store) == set()
    counts = store.load_many(["C1", "C2", "C3"]).changes
    assert counts == {"C1": 2, "C2": 1, "C3": 1}


def test_a_memo_refused_leaves_the_others_of_its_batch_kept(
    dynamodb_local_store: DynamoDbStore,
) -> None:
    store = dynamodb_local_store
    customers = [f"Q{n:03d}" for n in range(150)]
    store.save_state(CustomerState(customer_id="Q007"))  # its memo below is made at count 0
    transactions: list[int] = []
    store.client.meta.events.register(
        "before-call.dynamodb.TransactWriteItems", lambda **_: transactions.append(1)
    )
    store.put_memos([a_memo(customer, 0) for customer in customers])
    assert current(store) == set(customers) - {"Q007"}
    # Two of 100 and 50, the first sent again without Q007's.
    assert len(transactions) == 3


def test_a_write_landing_while_the_tick_reads_makes_its_memo_refused(
    dynamodb_local: str,
) -> None:
    with store_on(dynamodb_local, by_key_share=1.0) as store:
        for customer in ("Q1", "Q2", "C1"):
            store.claim(a_send(customer))
            store.confirm(a_send(customer).key, f"<{customer}@og>", T0)
        remember(store, "Q1", "Q2")
        other = DynamoDbStore(client_for(dynamodb_local), store.prefix)
        landed: list[bool] = []

        def claim_in_between(**_: Any) -> None:
            if not landed:  # the counts are read; C1's items not yet
                landed.append(other.claim(a_send("C1", step="setup")))

        store.client.meta.events.register("before-call.dynamodb.BatchGetItem", claim_in_between)
        read = store.tick_read(lambda memo: True)
        # The tick read C1's count before the claim, whatever it then read of C1's items.
        assert landed == [True] and set(read.memos) == {"Q1", "Q2"}
        store.put_memos([a_memo("C1", read.snapshot.changes["C1"])])
        assert current(store) == {"Q1", "Q2"}
