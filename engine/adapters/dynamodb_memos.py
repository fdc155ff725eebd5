"""The DynamoDB store's change counts and the tick's memos (engine.memo), in a fifth table.

`{prefix}memos`, keyed by customer_id: one item per customer whose sends or state were ever
written, holding `changes`, the count of those writes, and, once a tick has remembered the
customer, `memo` (the memo's fields, `memo_fields.memo_to_row`, as JSON) with `memo_changes`,
the count the memo was made at. A memo is current while `memo_changes` equals `changes`.

The count. Every write to a customer's sends or state bumps it (`ADD changes 1`) in the same
TransactWriteItems as the write itself: claims and their ends, state writes, actions, archiving
(`dynamodb_writes.counted`). In the same transaction rather than a request before or after:
bumped before, a tick could read the count after the bump and the customer's items before the
write lands, and make a memo that stays current over the write; bumped after, a crash between
the two would leave the write uncounted. A tick reads a customer's count before their items,
so any write between the two reads leaves the count it read behind, and its memo is refused.

A memo is written only at the count the tick read (`SET ... ` on condition that `changes` is
still that count, or absent for 0), so it never lands over a newer write. The memos go in
transactions of 100 conditional updates, several at once: a transaction one memo's condition
cancels is sent again without it (`transact_each`), so each memo is still judged alone, for a
request per 100 memos rather than per memo (at two write units a memo, not one). A memo
refused is dropped: the next tick decides that customer in full.

Open sends. A tick writes a memo only for a customer with no open send (claimed, unconfirmed)
when it read them, and a claim is a write: so a customer whose memo is current still has no
open send, and a tick need not read the sends of the customers it takes from their memos to
find every open send.

Every customer. The table lists every customer with items: each write creates their item if
need be, the bulk import counts its customers before writing them, and a tick that reads
everything counts any customer it finds without one (written by a release before this table).
So a tick that keeps most customers' memos finds the others here and reads them by key: their
states with BatchGetItem, 100 keys a request, and each one's live sends with a Query, side by
side. When it keeps few (the first tick, a rules change), it reads everything with the Scan of
`load` instead, which then costs less (see BY_KEY_SHARE).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.adapters.dynamodb_claims import (
    MAX_BATCH_GET_KEYS,
    Sleep,
    batch_get,
    chunks,
    transact_each,
)
from engine.adapters.dynamodb_items import MEMOS, SENDS, STATE, Item
from engine.adapters.dynamodb_reads import Reader, segments_for, snapshot
from engine.adapters.dynamodb_writes import MAX_TRANSACTION_ITEMS, counted
from engine.adapters.memo_fields import MemoReader, memo_to_row
from engine.memo import TickMemo, TickRead
from engine.models import StoreSnapshot

BY_KEY_SHARE = 0.125
"""A tick reads the customers it keeps no memo of by key while they are at most this share of
all: by key, a customer costs a read unit for their state and one for their sends' Query (a
consistent read of up to 4 KB is one unit), against about a quarter of a unit each for the
Scan of both tables (about 1 KB of items a customer, measured at 10k customers)."""
BY_KEY_WORKERS = 32
"""Requests in flight at once when reading by key and writing memos."""


class MemoTable:
    """The memos table of one store (see the module's docstring)."""

    def __init__(
        self,
        client: Any,
        prefix: str,
        reader: Reader,
        sleep: Sleep,
        *,
        segments: int | None = None,
        by_key_share: float = BY_KEY_SHARE,
    ) -> None:
        self.client = client
        self.name = MEMOS.name(prefix)
        self._sends = SENDS.name(prefix)
        self._state = STATE.name(prefix)
        self._reader = reader
        self._sleep = sleep
        self._segments = segments
        self._by_key_share = by_key_share
        self._listed = 0
        """How many customers the memos table listed at the last `tick_read`."""

    def tick_read(
        self, keep: Callable[[TickMemo], bool], load: Callable[[], StoreSnapshot]
    ) -> TickRead:
        """`StateStore.tick_read`; `load` reads everything (the store's `load`)."""
        items = self._scan()  # every count, before any customer's items
        self._listed = len(items)
        kept: dict[str, TickMemo] = {}
        counts: dict[str, int] = {}
        reader = MemoReader()
        for item in items:
            customer_id = item["customer_id"]["S"]
            changes = int(item["changes"]["N"])
            if "memo" in item and int(item["memo_changes"]["N"]) == changes:
                fields = json.loads(item["memo"]["S"])
                memo = reader.memo((customer_id, changes, *fields))
                if keep(memo):
                    kept[customer_id] = memo
                    continue
            counts[customer_id] = changes
        if kept and len(counts) <= self._by_key_share * len(items):
            found = self.read_by_key(sorted(counts))
            return TickRead(memos=kept, snapshot=_with_changes(found, counts))
        everything = load()
        listed = {item["customer_id"]["S"] for item in items}
        self._count_first((set(everything.states) | set(everything.sends)) - listed, by=0)
        others = StoreSnapshot(
            states={c: s for c, s in everything.states.items() if c not in kept},
            sends={c: s for c, s in everything.sends.items() if c not in kept},
            changes=counts,
        )
        return TickRead(memos=kept, snapshot=others)

    def load_many(
        self, customer_ids: Collection[str], load: Callable[[], StoreSnapshot]
    ) -> StoreSnapshot:
        """`StateStore.load_many`: the counts first, then the customers' items, by key when
        they are few beside the customers the last tick read listed, else from the Scan of
        `load` (a known column filled in for everyone makes every customer's memo need a
        second look)."""
        ids = sorted(set(customer_ids))
        if len(ids) <= self._by_key_share * self._listed:
            counts = {
                item["customer_id"]["S"]: int(item["changes"]["N"])
                for part in chunks(ids, MAX_BATCH_GET_KEYS)
                for item in batch_get(self.client, self.name, _keys(part), self._sleep)
            }
            return _with_changes(self.read_by_key(ids), counts)
        wanted = set(ids)
        counts = {
            item["customer_id"]["S"]: int(item["changes"]["N"])
            for item in self._scan()
            if item["customer_id"]["S"] in wanted
        }
        everything = load()
        return StoreSnapshot(
            states={c: s for c, s in everything.states.items() if c in wanted},
            sends={c: s for c, s in everything.sends.items() if c in wanted},
            changes=counts,
        )

    def read_by_key(self, customer_ids: Sequence[str]) -> StoreSnapshot:
        """These customers' states (BatchGetItem) and live sends (a Query each), side by side."""
        parts = list(chunks(customer_ids, MAX_BATCH_GET_KEYS))
        with ThreadPoolExecutor(max_workers=BY_KEY_WORKERS) as pool:
            states = pool.map(
                lambda part: batch_get(self.client, self._state, _keys(part), self._sleep), parts
            )
            sends = pool.map(lambda c: list(self._reader.query(self._sends, c)), customer_ids)
            state_items = [item for found in states for item in found]
            send_items = [item for found in sends for item in found]
        return snapshot(state_items, send_items)

    def put_memos(self, memos: Sequence[TickMemo]) -> None:
        """`StateStore.put_memos`: each memo on condition of its count (see the docstring)."""
        self._transact([_memo_update(self.name, memo) for memo in memos])

    def count_first(self, customer_ids: Iterable[str]) -> None:
        """Bump these customers' counts (and so list them), before a bulk write to them."""
        self._count_first(customer_ids, by=1)

    def _count_first(self, customer_ids: Iterable[str], *, by: int) -> None:
        self._transact([counted(self.name, customer, by) for customer in sorted(set(customer_ids))])

    def _transact(self, writes: Sequence[dict[str, Any]]) -> None:
        parts = list(chunks(writes, MAX_TRANSACTION_ITEMS))
        if len(parts) <= 1:
            for part in parts:
                transact_each(self.client, part, self._sleep)
            return
        with ThreadPoolExecutor(max_workers=min(len(parts), BY_KEY_WORKERS)) as pool:
            list(pool.map(lambda part: transact_each(self.client, part, self._sleep), parts))

    def _scan(self) -> list[Item]:
        """Every item of the memos table, consistent, in parallel segments when it is large."""
        total = self._segments or segments_for(self._reader.size(self.name))
        with ThreadPoolExecutor(max_workers=total) as pool:
            found = pool.map(
                lambda part: list(self._reader.scan(self.name, part, total)), range(total)
            )
            return [item for items in found for item in items]


def _keys(customer_ids: Iterable[str]) -> list[Item]:
    return [{"customer_id": {"S": customer_id}} for customer_id in customer_ids]


def _with_changes(found: StoreSnapshot, counts: dict[str, int]) -> StoreSnapshot:
    return StoreSnapshot(states=found.states, sends=found.sends, changes=counts)


def _memo_update(table: str, memo: TickMemo) -> dict[str, Any]:
    """The memo, on condition that the customer's count is still the one it was made at."""
    condition = "#changes = :changes"
    if memo.changes == 0:
        condition += " OR attribute_not_exists(#changes)"
    return {
        "Update": {
            "TableName": table,
            "Key": {"customer_id": {"S": memo.customer_id}},
            "UpdateExpression": "SET #memo = :memo, #memo_changes = :changes, #changes = :changes",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                "#memo": "memo",
                "#memo_changes": "memo_changes",
                "#changes": "changes",
            },
            "ExpressionAttributeValues": {
                ":memo": {"S": json.dumps(memo_to_row(memo)[2:], separators=(",", ":"))},
                ":changes": {"N": str(memo.changes)},
            },
        }
    }
