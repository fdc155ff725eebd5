"""DynamoDB stores for these tests: moto in-process, and AWS's DynamoDB Local (started once per
test process; see tests/support/dynamodb_local.py). Each store has tables of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dynamodb_local import DynamoDbLocalUnavailable, run_dynamodb_local, run_moto_server, store_on

from engine.adapters.dynamodb_store import DynamoDbStore


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    yield from run_moto_server()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    try:
        yield from run_dynamodb_local()
    except DynamoDbLocalUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def moto_store() -> Iterator[DynamoDbStore]:
    with store_on(None) as store:
        yield store


@pytest.fixture
def local_store(dynamodb_local: str) -> Iterator[DynamoDbStore]:
    with store_on(dynamodb_local) as store:
        yield store
