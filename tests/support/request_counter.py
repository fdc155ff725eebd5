"""Counting a boto3 DynamoDB client's requests (and what they consume) from its own events:
for the tests' request budgets and the benchmarks. Light to import (no moto), so a benchmark's
measured process carries nothing the tick would not."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
KB = 1024


class RequestCounter:
    """Counts a client's API calls by operation, keeping each call's parameters (calls, not
    HTTP attempts: botocore's retries of a call are not counted again).

    With `capacity=True` every call that can report it asks for its consumed capacity
    (ReturnConsumedCapacity=TOTAL) and the units are summed as DynamoDB bills them on demand:
    read request units for reads, write request units for writes. A call that fails (a
    condition not met) reports none, so those are left out of the sums.

    A transaction's write units are counted from the request, as AWS bills them (two per item
    per KB): DynamoDB Local reports a few units for a transaction whatever it holds (4 for 5
    puts as for 10). Items other than puts are counted as under 1 KB."""

    def __init__(self, client: Any, *, capacity: bool = False) -> None:
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.read_units = 0.0
        self.write_units = 0.0
        self.units: Counter[str] = Counter()
        """Capacity units consumed, by operation."""
        self._capacity = capacity
        self._lock = threading.Lock()
        self._local = threading.local()
        client.meta.events.register("before-parameter-build.dynamodb", self._count)
        if capacity:
            client.meta.events.register("after-call.dynamodb", self._consumed)

    def _count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self._capacity and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        with self._lock:
            self.calls[model.name] += 1
            self.requests.append((model.name, params))
        if self._capacity and model.name == "TransactWriteItems":
            # This thread's call: its answer comes back on this thread, next.
            self._local.transaction_units = transaction_units(params["TransactItems"])

    def _consumed(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity") or []
        units = sum(
            float(part.get("CapacityUnits", 0))
            for part in (consumed if isinstance(consumed, list) else [consumed])
        )
        if model.name == "TransactWriteItems":
            units = 0.0 if "Error" in parsed else self._local.transaction_units
        with self._lock:
            self.units[model.name] += units
            if model.name in READ_OPERATIONS:
                self.read_units += units
            else:
                self.write_units += units

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.requests.clear()
            self.units.clear()
            self.read_units = self.write_units = 0.0


def transaction_units(items: list[dict[str, Any]]) -> float:
    """What AWS bills for a transaction's writes: two units per item per KB (puts by their
    item's size; the others, whose items the request does not carry, as under 1 KB)."""
    units = 0.0
    for operation in items:
        ((kind, request),) = operation.items()
        size = size_of(request["Item"]) if kind == "Put" else 1
        units += 2 * -(-size // KB)
    return units


def item_bytes(value: dict[str, Any]) -> int:
    """An attribute value's size as DynamoDB counts it (for an item: its attributes' names
    and values). Numbers: about one byte per two significant digits, plus one."""
    (kind, data), *_ = value.items()
    if kind in ("S", "B"):
        return len(data.encode() if isinstance(data, str) else data)
    if kind == "N":
        return (len(data.strip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + item_bytes(v) + 1 for k, v in data.items())
    if kind == "L":
        return 3 + sum(item_bytes(v) + 1 for v in data)
    return sum(len(e.encode() if isinstance(e, str) else e) for e in data)  # SS, NS, BS


def size_of(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + item_bytes(value) for name, value in item.items())
