"""The DynamoDB store's reads: paginated Scan (in parallel segments), Query and GetItem, all
strongly consistent, and the tick's snapshot made from the items."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from engine.adapters.dynamodb_items import Item, is_meta, send_from_item, state_from_item
from engine.adapters.dynamodb_tables import MAX_SEGMENTS, error_code
from engine.bulk import cyclic_gc_paused
from engine.models import StoreSnapshot

SEGMENT_BYTES = 8 * 1024 * 1024
"""Size-picked segments give a table one parallel Scan segment per this much data: each segment
then reads at least 8 pages of 1 MB, so splitting costs at most one page in eight."""
STATE_SHARE = 0.5
"""The state table's size as a share of the sends table's, at most: one small item per customer
against one per email sent (measured at 10k customers: 2.8 MiB against 7.1 MiB)."""
SIZE_TTL_SECONDS = 3600.0
"""How long a table's described size is trusted (DynamoDB itself updates it every ~6 hours)."""


@dataclass(frozen=True)
class Filter:
    """A Scan's FilterExpression, its attribute names (`#n`) and values (`:v`)."""

    expression: str
    names: dict[str, str]
    values: Item


def segments_for(table_bytes: float) -> int:
    """Parallel Scan segments for a table of this size (see SEGMENT_BYTES)."""
    return max(1, min(MAX_SEGMENTS, int(table_bytes // SEGMENT_BYTES)))


class Reader:
    def __init__(self, client: Any, page_limit: int | None = None) -> None:
        """`page_limit`: items per page (DynamoDB's own 1 MB pages when None)."""
        self.client = client
        self._page_limit = page_limit
        self._sizes: dict[str, tuple[float, int]] = {}
        self._sizes_lock = threading.Lock()

    def scan_all(self, sends: str, state: str, segments: int | None) -> dict[str, list[Item]]:
        """Every item of both tables, the tables and their segments read side by side.
        `segments`: per table, or None to pick by size. Only the sends table, the larger, is
        described (once per SIZE_TTL_SECONDS); the state table's segments follow from it by
        STATE_SHARE, so a tick spends one request, not two, on choosing."""
        if segments is None:
            sends_bytes = self.size(sends)
            plan = {
                sends: segments_for(sends_bytes),
                state: segments_for(sends_bytes * STATE_SHARE),
            }
        else:
            plan = {sends: segments, state: segments}
        tables = (sends, state)
        jobs = [
            (table, segment, total)
            for table in tables
            for total in [plan[table]]
            for segment in range(total)
        ]
        found: dict[str, list[Item]] = {table: [] for table in tables}
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            for table, items in pool.map(lambda job: (job[0], list(self.scan(*job))), jobs):
                found[table] += items
        return found

    def size(self, table: str) -> int:
        """The table's size in bytes as DynamoDB describes it (0 when it may not be described)."""
        now = time.monotonic()
        with self._sizes_lock:
            cached = self._sizes.get(table)
        if cached is None or now - cached[0] > SIZE_TTL_SECONDS:
            try:
                described = self.client.describe_table(TableName=table)["Table"]
            except ClientError as error:
                if error_code(error) != "AccessDeniedException":
                    raise
                described = {}  # a role without dynamodb:DescribeTable reads in one segment
            cached = (now, int(described.get("TableSizeBytes", 0)))
            with self._sizes_lock:
                self._sizes[table] = cached
        return cached[1]

    def scan(
        self, table: str, segment: int = 0, total: int = 1, *, where: Filter | None = None
    ) -> Iterator[Item]:
        """`where`: a FilterExpression with its names and values, when only some items are
        wanted (DynamoDB still reads, and bills, the whole table)."""
        request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        if total > 1:
            request |= {"Segment": segment, "TotalSegments": total}
        if where is not None:
            request |= {
                "FilterExpression": where.expression,
                "ExpressionAttributeNames": where.names,
                "ExpressionAttributeValues": where.values,
            }
        yield from self._pages(self.client.scan, request)

    def query(
        self, table: str, customer_id: str, sk_prefix: str = "", *, newest_first: bool = False
    ) -> Iterator[Item]:
        """One partition (a customer), or the part of it whose sort key starts `sk_prefix`."""
        request: dict[str, Any] = {
            "TableName": table,
            "ConsistentRead": True,
            "KeyConditionExpression": "customer_id = :c",
            "ExpressionAttributeValues": {":c": {"S": customer_id}},
            "ScanIndexForward": not newest_first,
        }
        if sk_prefix:
            request["KeyConditionExpression"] += " AND begins_with(sk, :p)"
            request["ExpressionAttributeValues"][":p"] = {"S": sk_prefix}
        yield from self._pages(self.client.query, request)

    def _pages(self, call: Callable[..., Any], request: dict[str, Any]) -> Iterator[Item]:
        if self._page_limit:
            request["Limit"] = self._page_limit
        while True:
            page = call(**request)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, table: str, key: Item) -> Item | None:
        found: Item | None = self.client.get_item(
            TableName=table, Key=key, ConsistentRead=True
        ).get("Item")
        return found


def snapshot(state_items: Iterable[Item], send_items: Iterable[Item]) -> StoreSnapshot:
    """States (meta values left out) and live sends per customer, oldest claim first as the
    SQLite store orders them (by the stored text)."""
    with cyclic_gc_paused():
        states = {}
        for item in state_items:
            if not is_meta(item):
                state = state_from_item(item)
                states[state.customer_id] = state
        grouped: dict[str, list[Item]] = defaultdict(list)
        for item in send_items:
            grouped[item["customer_id"]["S"]].append(item)
        sends = {
            customer_id: tuple(
                send_from_item(item) for item in sorted(items, key=lambda i: i["claimed_at"]["S"])
            )
            for customer_id, items in grouped.items()
        }
        return StoreSnapshot(states=states, sends=sends)
