"""The DynamoDB store's claims and their ends, a batch at a time.

A claim must not overwrite a send that exists, so it needs a condition, which BatchWriteItem
cannot carry (it puts unconditionally): a batch of claims is TransactWriteItems, up to 100
conditional puts in one request. A transaction is all or none, so a batch in which some claims
are taken is cancelled as a whole; its `CancellationReasons` say which puts failed their
condition, and the transaction is sent again without them: a batch with taken sends costs one
request more, not one per send. A put that failed only because another transaction was writing
the same item (`TransactionConflict`) is tried again after a pause.

Once the claims have landed, the states of their customers are read, strongly consistent, in
BatchGetItem requests of 100 keys: a claim whose journey no longer takes it is taken back. Why
after: a finish moves the journey's sends to the archive, so a tick that read the state before
the finish could claim one of them again. The finish writes the state in the same transaction
as the move (or before it), so a claim made after the move finds the journey over; one made
before it was a claim on an open journey.

Every transaction also bumps the change count of each customer it writes to (`transact_each`'s
`counts`; see dynamodb_memos.py), so a claim or an end makes that customer's memo stale in the
same instant as it lands.

The ends of a batch (sent, rejected, unconfirmed, released) are transactions of up to 100
conditional writes too, each with the condition of its single method: an end whose condition
fails (say, a release of a claim another run already turned unconfirmed) changes nothing, and
the others are written without it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from engine.adapters.dynamodb_items import Item, is_meta, send_item, send_key, state_from_item
from engine.adapters.dynamodb_writes import (
    MAX_TRANSACTION_ITEMS,
    cancellation_reasons,
    cancelled,
    counted,
    customer_of,
)
from engine.adapters.pacing import back_off
from engine.models import ClaimEnd, ClaimOutcome, SendKey, SendRecord, SendStatus

MAX_BATCH_GET_KEYS = 100
"""DynamoDB's limit on the keys of one BatchGetItem."""
CONFLICT_ATTEMPTS = 8
"""Transactions cancelled by another transaction on their items are sent again this often."""

_CONDITION_FAILED = "ConditionalCheckFailed"
_CONFLICT = "TransactionConflict"
_RETRIED = frozenset({None, "None", _CONFLICT})
"""Cancellation codes of a write that did not fail itself and is sent again."""

Sleep = Callable[[float], None]
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def end_operation(outcome: ClaimOutcome, sends: str) -> dict[str, Any]:
    """One claim's end as a transaction's write (also what the single methods send), with the
    condition of its single method: a confirmation of any send that exists; a rejection, an
    unconfirmed mark or a release only of an open claim."""
    key = send_key(outcome.key)
    names = {"#status": "status"}
    claimed = {":claimed": {"S": SendStatus.CLAIMED.value}}
    only_if_claimed = "attribute_exists(customer_id) AND #status = :claimed"
    at: dict[str, Any] = {"S": outcome.at.isoformat()} if outcome.at else {"NULL": True}
    if outcome.end == ClaimEnd.RELEASED:
        return {
            "Delete": {
                "TableName": sends,
                "Key": key,
                "ConditionExpression": "#status = :claimed",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": claimed,
            }
        }
    if outcome.end == ClaimEnd.SENT:
        update = "SET #status = :status, message_id = :message_id, sent_at = :sent_at"
        values: dict[str, dict[str, Any]] = {
            ":message_id": {"S": outcome.message_id},
            ":sent_at": at,
        }
        condition = "attribute_exists(customer_id)"
    elif outcome.end == ClaimEnd.REJECTED:
        update = "SET #status = :status, #error = :error, sent_at = :sent_at"
        values = {":error": {"S": outcome.reason}, ":sent_at": at} | claimed
        names |= {"#error": "error"}
        condition = only_if_claimed
    else:
        update = "SET #status = :status"
        values = dict(claimed)
        condition = only_if_claimed
    return {
        "Update": {
            "TableName": sends,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":status": {"S": outcome.end.value}} | values,
        }
    }


def transact_each(
    client: Any, writes: Sequence[dict[str, Any]], sleep: Sleep, counts: str | None = None
) -> list[tuple[bool, Item | None]]:
    """Conditional writes in transactions of up to 100: for each, whether it was made and,
    when its condition failed, the item it found (if it asked, ReturnValuesOnConditionCheckFailure).
    A cancelled transaction is sent again without the writes whose condition failed. `counts`:
    the memos table, when each transaction also bumps the change count of every customer it
    writes to (once each: a transaction holds one write per item)."""
    results: list[tuple[bool, Item | None]] = [(False, None)] * len(writes)
    for part in _transactions(writes, counts is not None):
        pending = part
        attempt = 0
        while pending:
            items = [writes[i] for i in pending]
            if counts is not None:
                customers = dict.fromkeys(customer_of(write) for write in items)
                items += [counted(counts, customer) for customer in customers]
            try:
                client.transact_write_items(TransactItems=items)
            except ClientError as error:
                if not cancelled(error):
                    raise
                pending = _without_failed(pending, cancellation_reasons(error), results, error)
                attempt += 1
                if pending and attempt >= CONFLICT_ATTEMPTS:
                    raise RuntimeError(
                        f"{len(pending)} writes kept meeting other transactions "
                        f"({CONFLICT_ATTEMPTS} tries)"
                    ) from error
                if any(r.get("Code") == _CONFLICT for r in cancellation_reasons(error)):
                    back_off(attempt - 1, sleep)
                continue
            for index in pending:
                results[index] = (True, None)
            pending = []
    return results


def _transactions(writes: Sequence[dict[str, Any]], with_counts: bool) -> Iterator[list[int]]:
    """The writes in order, split so a transaction holds at most 100 items, the change counts
    of their customers included."""
    part: list[int] = []
    customers: set[str] = set()
    for index, write in enumerate(writes):
        customer = customer_of(write) if with_counts else ""
        size = len(part) + len(customers) + 1 + (with_counts and customer not in customers)
        if size > MAX_TRANSACTION_ITEMS:
            yield part
            part, customers = [], set()
        part.append(index)
        if with_counts:
            customers.add(customer)
    if part:
        yield part


def _without_failed(
    pending: list[int],
    reasons: list[dict[str, Any]],
    results: list[tuple[bool, Item | None]],
    error: Exception,
) -> list[int]:
    """The writes of a cancelled transaction to send again: all but those whose condition
    failed (recorded in `results`). A write that failed otherwise (too large, invalid) raises;
    so does a change count (the reasons after the writes'), which has no condition to fail."""
    if len(reasons) < len(pending):
        raise error
    if any(reason.get("Code") not in _RETRIED for reason in reasons[len(pending) :]):
        raise error
    again = []
    for index, reason in zip(pending, reasons, strict=False):
        code = reason.get("Code")
        if code == _CONDITION_FAILED:
            results[index] = (False, reason.get("Item"))
        elif code in _RETRIED:
            again.append(index)
        else:
            raise error
    return again


def claim_batch(
    client: Any,
    tables: tuple[str, str, str],
    sends: Sequence[SendRecord],
    withdraw: Callable[[SendRecord, str], None],
    sleep: Sleep,
) -> list[bool]:
    """`claim_many` on DynamoDB (see the module's docstring). `tables`: the sends, the state
    and the memos table; `withdraw(send, token)` takes back a claim whose journey is over."""
    sends_table, state_table, counts = tables
    seen: set[SendKey] = set()
    unique = []
    for index, send in enumerate(sends):
        if send.key not in seen:
            seen.add(send.key)
            unique.append(index)
    tokens = [uuid.uuid4().hex for _ in sends]
    puts = [
        {
            "Put": {
                "TableName": sends_table,
                "Item": send_item(sends[i]) | {"claim_token": {"S": tokens[i]}},
                "ConditionExpression": "attribute_not_exists(customer_id)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        for i in unique
    ]
    landed = []
    made_each = transact_each(client, puts, sleep, counts)
    for i, (made, found) in zip(unique, made_each, strict=True):
        # A put of ours that landed before a retry finds itself: ours all the same.
        if made or (found or {}).get("claim_token", {}).get("S") == tokens[i]:
            landed.append(i)
    states = read_states(client, state_table, sorted({sends[i].customer_id for i in landed}))
    taken = [False] * len(sends)
    for i in landed:
        state = states.get(sends[i].customer_id)
        if state is None or is_meta(state) or state_from_item(state).may_claim(sends[i]):
            taken[i] = True
        else:
            withdraw(sends[i], tokens[i])
    return taken


def read_states(client: Any, table: str, customer_ids: Sequence[str]) -> dict[str, Item]:
    """The state items of these customers, strongly consistent, 100 keys a request."""
    found: dict[str, Item] = {}
    for part in chunks(customer_ids, MAX_BATCH_GET_KEYS):
        for item in batch_get(client, table, [{"customer_id": {"S": cid}} for cid in part]):
            found[item["customer_id"]["S"]] = item
    return found


def batch_get(
    client: Any, table: str, keys: Sequence[Item], sleep: Sleep = time.sleep
) -> list[Item]:
    """One BatchGetItem (at most 100 keys), strongly consistent, asking again for the keys
    DynamoDB left unprocessed (throttled, or past its 16 MB an answer)."""
    items: list[Item] = []
    request: dict[str, Any] = {table: {"Keys": list(keys), "ConsistentRead": True}}
    attempt = 0
    while request:
        answer = client.batch_get_item(RequestItems=request)
        items += answer.get("Responses", {}).get(table, [])
        request = answer.get("UnprocessedKeys") or {}
        if request:
            back_off(attempt, sleep)
            attempt += 1
    return items


def finish_batch(
    client: Any, tables: tuple[str, str], outcomes: Sequence[ClaimOutcome], sleep: Sleep
) -> list[SendKey]:
    """`finish_claims` on DynamoDB (`tables`: the sends and the memos table): the keys it
    turned unconfirmed."""
    sends_table, counts = tables
    unique: dict[SendKey, ClaimOutcome] = {}
    for outcome in outcomes:
        unique.setdefault(outcome.key, outcome)
    ends = list(unique.values())
    writes = [end_operation(outcome, sends_table) for outcome in ends]
    made = [m for m, _ in transact_each(client, writes, sleep, counts)]
    return [
        outcome.key
        for outcome, done in zip(ends, made, strict=True)
        if done and outcome.end == ClaimEnd.UNCONFIRMED
    ]
