"""The DynamoDB store's multi-item writes: journeys moved in one transaction, and batches.

A journey's sends move between the live table and the archive as one TransactWriteItems
(all or none): a Put of each send where it goes and a Delete where it was, the Delete
conditional on the send being as it was read, so a send confirmed meanwhile is not archived
as it was before. DynamoDB holds at most 100 writes in one transaction; a journey that would
need more is refused with JourneyTooLargeError, nothing changed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from engine.adapters.dynamodb_items import Item, archived_item, live_item, send_item, send_key
from engine.adapters.dynamodb_tables import error_code
from engine.adapters.pacing import back_off
from engine.models import SendKind, SendStatus, SendWrite, journey_id

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit on the writes of one TransactWriteItems."""
MAX_BATCH_ITEMS = 25
"""DynamoDB's limit on the writes of one BatchWriteItem."""
BATCH_ATTEMPTS = 12

Sleep = Callable[[float], None]


class JourneyTooLargeError(Exception):
    """Moving a journey all or none takes more writes than one DynamoDB transaction holds."""


def archive_moves(live: Iterable[Item], sends: str, archive: str, at: datetime) -> list[Any]:
    """Each settled live send copied to the archive and deleted from the live table, the
    delete conditional on the send being as read (its status and claim time). Open sends
    (claimed, unconfirmed) stay live, and so in every tick's sight, until settled."""
    moves: list[Any] = []
    for item in live:
        if not SendStatus(item["status"]["S"]).settled:
            continue
        moves.append({"Put": {"TableName": archive, "Item": archived_item(item, at.isoformat())}})
        moves.append(
            {
                "Delete": {
                    "TableName": sends,
                    "Key": {"customer_id": item["customer_id"], "sk": item["sk"]},
                    "ConditionExpression": "#status = :status AND claimed_at = :claimed_at",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":status": item["status"],
                        ":claimed_at": item["claimed_at"],
                    },
                }
            }
        )
    return moves


def restore_moves(archived: Iterable[Item], sends: str, archive: str) -> list[Any]:
    """The reverse, for undoing a finish. A wrap-up that went out stays archived: back in the
    live table it would make the journey look finished again."""
    moves: list[Any] = []
    for item in archived:
        if item["kind"]["S"] == SendKind.FINISH.value:
            continue
        moves.append({"Put": {"TableName": sends, "Item": live_item(item)}})
        moves.append(
            {
                "Delete": {
                    "TableName": archive,
                    "Key": {"customer_id": item["customer_id"], "sk": item["sk"]},
                    "ConditionExpression": "attribute_exists(customer_id)",
                }
            }
        )
    return moves


def send_write_operations(write: SendWrite, sends: str, archive: str, at: datetime) -> list[Any]:
    """A person's write of one send, for the action's transaction: the record put where it
    belongs and deleted from the other table (a Put and a Delete of one item cannot share a
    transaction, and a Put replaces), or deleted from both."""
    key = send_key(write.key)
    if write.record is None:
        return [{"Delete": {"TableName": table, "Key": key}} for table in (sends, archive)]
    item = send_item(write.record)
    target, other = (archive, sends) if write.archived else (sends, archive)
    if write.archived:
        item = archived_item(item, at.isoformat())
    return [
        {"Put": {"TableName": target, "Item": item}},
        {"Delete": {"TableName": other, "Key": key}},
    ]


def counted(counts: str, customer_id: str, by: int = 1) -> dict[str, Any]:
    """The bump of a customer's change count (the memos table's `changes`), for the
    transaction that writes to their sends or state (see dynamodb_memos.py). `by=0` only makes
    sure the customer has an item."""
    return {
        "Update": {
            "TableName": counts,
            "Key": {"customer_id": {"S": customer_id}},
            "UpdateExpression": "ADD #changes :by",
            "ExpressionAttributeNames": {"#changes": "changes"},
            "ExpressionAttributeValues": {":by": {"N": str(by)}},
        }
    }


def customer_of(write: dict[str, Any]) -> str:
    """The customer a transaction's write is to (every table is keyed by customer first)."""
    ((kind, request),) = write.items()
    item = request["Item"] if kind == "Put" else request["Key"]
    return str(item["customer_id"]["S"])


def check_size(operations: int, customer_id: str, journey: int) -> None:
    if operations > MAX_TRANSACTION_ITEMS:
        raise JourneyTooLargeError(
            f"{journey_id(customer_id, journey)}: moving its sends all or none takes "
            f"{operations} writes, more than the {MAX_TRANSACTION_ITEMS} one DynamoDB "
            "transaction holds; nothing was changed"
        )


def cancelled(error: Exception) -> bool:
    return error_code(error) == "TransactionCanceledException"


def cancellation_reasons(error: Any) -> list[dict[str, Any]]:
    """Per operation of a cancelled transaction: `Code` (`None` when that one was fine) and,
    when asked for, the `Item` a failed condition found."""
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []
    return reasons


def batch_put(client: Any, items: Iterable[tuple[str, Item]], sleep: Sleep = time.sleep) -> int:
    """Put (table, item) pairs in BatchWriteItem calls of 25. What DynamoDB leaves unprocessed
    (throttled) is sent again with backoff, so nothing is dropped; raises if some is still left
    after BATCH_ATTEMPTS tries. Returns how many items were written."""
    chunk: list[tuple[str, Item]] = []
    written = 0
    for pair in items:
        chunk.append(pair)
        if len(chunk) == MAX_BATCH_ITEMS:
            written += _batch(client, chunk, sleep)
            chunk = []
    if chunk:
        written += _batch(client, chunk, sleep)
    return written


def _batch(client: Any, items: list[tuple[str, Item]], sleep: Sleep) -> int:
    pending: dict[str, list[Any]] = defaultdict(list)
    for table, item in items:
        pending[table].append({"PutRequest": {"Item": item}})
    for attempt in range(BATCH_ATTEMPTS):
        if attempt:
            back_off(attempt - 1, sleep)
        answer = client.batch_write_item(RequestItems=dict(pending))
        pending = defaultdict(list, answer.get("UnprocessedItems") or {})
        if not pending:
            return len(items)
    left = sum(len(requests) for requests in pending.values())
    raise RuntimeError(f"DynamoDB left {left} writes unprocessed after {BATCH_ATTEMPTS} tries")
