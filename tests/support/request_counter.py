"""Counting a boto3 DynamoDB client's requests (and what they consume) from its own events:
for the tests' request budgets and the benchmarks. Light to import (no moto), so a benchmark's
measured process carries nothing the tick would not."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


class RequestCounter:
    """Counts a client's API calls by operation, keeping each call's parameters (calls, not
    HTTP attempts: botocore's retries of a call are not counted again).

    With `capacity=True` every call that can report it asks for its consumed capacity
    (ReturnConsumedCapacity=TOTAL) and the units are summed as DynamoDB bills them on demand:
    read request units for reads, write request units for writes. A call that fails (a
    condition not met) reports none, so those are left out of the sums."""

    def __init__(self, client: Any, *, capacity: bool = False) -> None:
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.read_units = 0.0
        self.write_units = 0.0
        self.units: Counter[str] = Counter()
        """Capacity units consumed, by operation."""
        self._capacity = capacity
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.dynamodb", self._count)
        if capacity:
            client.meta.events.register("after-call.dynamodb", self._consumed)

    def _count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self._capacity and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        with self._lock:
            self.calls[model.name] += 1
            self.requests.append((model.name, params))

    def _consumed(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity") or []
        units = sum(
            float(part.get("CapacityUnits", 0))
            for part in (consumed if isinstance(consumed, list) else [consumed])
        )
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
