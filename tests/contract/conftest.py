"""The `store` fixture every state store contract test runs on, once per store of
tests/support/contract_stores.py; and the notifiers every notifier contract test runs against
(tests/support/notifiers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from contract_stores import STORES, THREAD_UNSAFE
from dynamodb_local import store_on
from notifiers import NOTIFIERS, NotifierUnderTest, notifier_under_test

from engine.adapters.dynamodb_store import DynamoDbStore
from engine.ports import StateStore


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest) -> StateStore:
    return STORES[request.param](request)


@pytest.fixture
def thread_safe(request: pytest.FixtureRequest) -> bool:
    """Whether the store of this test may be called from several threads at once."""
    return request.node.callspec.params.get("store") not in THREAD_UNSAFE


@pytest.fixture
def dynamodb_local_by_key_store(dynamodb_local: str) -> Iterator[DynamoDbStore]:
    """DynamoDB Local, its tick reading every customer it has no memo of by key whenever it
    keeps any memo (the store's other read, the Scan, is the one a few memos make it take)."""
    with store_on(dynamodb_local, by_key_share=1.0) as store:
        yield store


MEMO_KEEPERS: dict[str, Callable[[pytest.FixtureRequest], StateStore]] = {
    "sqlite-file": STORES["sqlite-file"],
    "sqlite-memory": STORES["sqlite-memory"],
    "dynamodb-moto": STORES["dynamodb-moto"],
    "dynamodb-local": STORES["dynamodb-local"],
    "dynamodb-local-by-key": lambda request: request.getfixturevalue("dynamodb_local_by_key_store"),
}
"""The stores that keep a tick's memos (engine.memo): every store, and DynamoDB both ways it
reads the customers a tick has no memo of."""


@pytest.fixture(params=sorted(MEMO_KEEPERS))
def keeper(request: pytest.FixtureRequest) -> StateStore:
    return MEMO_KEEPERS[request.param](request)


@pytest.fixture(params=NOTIFIERS)
def under_test(request: pytest.FixtureRequest) -> NotifierUnderTest:
    return notifier_under_test(request.param, request)
