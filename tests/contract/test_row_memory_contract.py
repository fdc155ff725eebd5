"""What every `RowMemory` promises, run against each: the in-process one, and the one kept in a
state store's meta values on every state store of tests/contract/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from contract_stores import STORES

from engine.adapters.row_memory import InProcessRowMemory, StoreRowMemory
from engine.ports import RowMemory, StateStore

SHEET = "gsheet://1SheetId/Roster"
Fresh = Callable[[], RowMemory]
"""Another memory over the same place: a fresh process, or None where there is no place."""


@pytest.fixture(params=["in-process", *(f"store-{name}" for name in sorted(STORES))])
def memories(request: pytest.FixtureRequest) -> tuple[RowMemory, Fresh | None]:
    if request.param == "in-process":
        return InProcessRowMemory(), None
    store = STORES[request.param.removeprefix("store-")](request)
    return StoreRowMemory(store, SHEET), lambda: StoreRowMemory(store, SHEET)


def test_nothing_remembered_is_no_rows(memories: tuple[RowMemory, Fresh | None]) -> None:
    memory, _ = memories
    assert memory.rows_of("C1") == ()


def test_every_id_gives_its_rows_in_order(memories: tuple[RowMemory, Fresh | None]) -> None:
    memory, fresh = memories
    rows = {f"C{n}": [n + 2] for n in range(1000)} | {"dup": [7, 3000, 4000], "日本": [5]}

    memory.remember(rows)

    for found in (memory, *([fresh()] if fresh else [])):
        assert found.rows_of("C0") == (2,)
        assert found.rows_of("C999") == (1001,)
        assert found.rows_of("dup") == (7, 3000, 4000)
        assert found.rows_of("日本") == (5,)
        assert found.rows_of("C1000") == ()


def test_a_new_look_replaces_the_last(memories: tuple[RowMemory, Fresh | None]) -> None:
    memory, fresh = memories
    memory.remember({"C1": [2], "C2": [3]})

    memory.remember({"C2": [2], "C3": [3]})

    for found in (memory, *([fresh()] if fresh else [])):
        assert (found.rows_of("C1"), found.rows_of("C2"), found.rows_of("C3")) == ((), (2,), (3,))


def test_the_same_look_again_changes_nothing(memories: tuple[RowMemory, Fresh | None]) -> None:
    memory, fresh = memories
    rows = {f"C{n}": [n + 2] for n in range(200)}
    memory.remember(rows)
    memory.remember(dict(rows))
    for found in (memory, *([fresh()] if fresh else [])):
        assert found.rows_of("C150") == (152,)


def test_two_sheets_keep_their_own_rows(store: StateStore) -> None:
    StoreRowMemory(store, SHEET).remember({"C1": [2]})
    StoreRowMemory(store, "gsheet://1Other/Roster").remember({"C1": [9]})
    assert StoreRowMemory(store, SHEET).rows_of("C1") == (2,)
