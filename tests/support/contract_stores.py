"""The state stores every store contract test runs against (tests/contract): a new backend
joins by adding one entry to `STORES`. A module of its own, not the contract folder's conftest,
so a test that needs the list imports it by a name no other folder's conftest shadows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.adapters.sqlite_store import SqliteStore
from engine.ports import StateStore

STORES: dict[str, Callable[[pytest.FixtureRequest], StateStore]] = {
    "sqlite-file": lambda request: SqliteStore(request.getfixturevalue("tmp_path") / "og.db"),
    "sqlite-memory": lambda request: SqliteStore(":memory:"),
    "dynamodb-moto": lambda request: request.getfixturevalue("moto_store"),
    "dynamodb-moto-server": lambda request: request.getfixturevalue("moto_server_store"),
    "dynamodb-local": lambda request: request.getfixturevalue("dynamodb_local_store"),
}
THREAD_UNSAFE = frozenset({"dynamodb-moto", "dynamodb-moto-server"})
"""moto, in-process or its HTTP server: its backend's dicts break under two transactions at
once, and a transaction that fails puts back a copy of every table it touched, taken when it
began, undoing what another transaction wrote meanwhile (a claim, then taken twice). What races
there runs one call at a time; DynamoDB Local races for real."""
