"""State on AWS: DynamoDB, in five tables (their keys: `engine/adapters/dynamodb_items.py`).

The same contract as the SQLite store, kept the DynamoDB way:

- a claim is a conditional put (`attribute_not_exists`), so two ticks racing never send twice;
  and once it has landed, a consistent read of the customer's state makes sure the journey
  still takes it (see `_journey_open`), else it is taken back and refused;
- every state write is conditional on the version it was based on; a human action's state,
  its audit row and any journey it moves are one TransactWriteItems, so a concurrent change
  makes the later writer fail with StaleStateError (saying who changed it, and when) instead
  of overwriting;
- every write to a customer's sends or state bumps their change count in the same transaction,
  and the tick reads the counts and its memos first, then only the customers it keeps no memo
  of (engine/adapters/dynamodb_memos.py): by key when they are few, else with a paginated Scan
  of the sends and state tables, both at once and in parallel segments when a table is large;
- every read is strongly consistent: an action sees the tick's last write, and the reverse.

Requests go through botocore's `standard` retries (throttling, transient errors). A write that
was retried after it had in fact landed is recognised (botocore gives every transaction an
idempotency token, and claims and state writes also carry a token of their own, for a retry
the token does not cover) rather than reported as someone else's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from engine.adapters import dynamodb_month
from engine.adapters.dynamodb_claims import claim_batch, finish_batch, transact_each
from engine.adapters.dynamodb_items import (
    ARCHIVE,
    AUDIT,
    MEMOS,
    SENDS,
    STATE,
    Item,
    audit_from_item,
    audit_item,
    is_meta,
    journey_prefix,
    meta_item,
    meta_key,
    send_from_item,
    send_item,
    send_key,
    state_from_item,
    state_item,
)
from engine.adapters.dynamodb_memos import BY_KEY_SHARE, MemoTable
from engine.adapters.dynamodb_reads import Reader, snapshot
from engine.adapters.dynamodb_tables import (
    MAX_SEGMENTS,
    error_code,
    make_client,
    parse_dynamodb_url,
)
from engine.adapters.dynamodb_writes import (
    JourneyTooLargeError,
    archive_moves,
    batch_put,
    cancellation_reasons,
    cancelled,
    check_size,
    counted,
    restore_moves,
    send_write_operations,
)
from engine.adapters.pacing import back_off
from engine.memo import TickMemo, TickRead
from engine.models import (
    AuditEntry,
    ClaimEnd,
    ClaimOutcome,
    CustomerState,
    SendKey,
    SendRecord,
    SendWrite,
    StoreSnapshot,
    journey_id,
)
from engine.ports import StaleStateError

__all__ = ["DynamoDbStore", "JourneyTooLargeError"]

CONFLICT_ATTEMPTS = 8
"""Transactions cancelled by a concurrent write to their items are read and tried again."""

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoDbStore:
    def __init__(
        self,
        client: Any,
        prefix: str = "og-",
        *,
        segments: int | None = None,
        page_limit: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        by_key_share: float = BY_KEY_SHARE,
    ) -> None:
        """`client`: a low-level DynamoDB client (`dynamodb_tables.make_client`). `segments`:
        parallel Scan segments per table for `load`, None to pick by the table's size.
        `page_limit`: items per Scan or Query page (DynamoDB's 1 MB pages when None).
        `by_key_share`: the tick reads the customers it has no memo of by key while they are at
        most this share of all (dynamodb_memos.BY_KEY_SHARE), else it scans."""
        if segments is not None and not 1 <= segments <= MAX_SEGMENTS:
            raise ValueError(f"segments must be from 1 to {MAX_SEGMENTS}, not {segments}")
        self.client = client
        self.prefix = prefix
        self.segments = segments
        self._sleep = sleep
        self._sends = SENDS.name(prefix)
        self._state = STATE.name(prefix)
        self._archive = ARCHIVE.name(prefix)
        self._audit = AUDIT.name(prefix)
        self._memos = MEMOS.name(prefix)
        self._reader = Reader(client, page_limit)
        self._memo_table = MemoTable(
            client, prefix, self._reader, sleep, segments=segments, by_key_share=by_key_share
        )

    @classmethod
    def from_url(cls, url: str, **session_args: Any) -> DynamoDbStore:
        settings = parse_dynamodb_url(url)
        client = make_client(settings, **session_args)
        return cls(client, settings.prefix, segments=settings.segments)

    def close(self) -> None:
        self.client.close()

    # --- reading ---------------------------------------------------------------------------

    def load(self) -> StoreSnapshot:
        found = self._reader.scan_all(self._sends, self._state, self.segments)
        return snapshot(found[self._state], found[self._sends])

    def tick_read(self, keep: Callable[[TickMemo], bool]) -> TickRead:
        return self._memo_table.tick_read(keep, self.load)

    def held_or_flagged(self) -> set[str]:
        """No index answers it: the Scan of `load`, as the digest reads."""
        return self.load().held_or_flagged()

    def load_many(self, customer_ids: Collection[str]) -> StoreSnapshot:
        return self._memo_table.load_many(customer_ids, self.load)

    def put_memos(self, memos: Sequence[TickMemo]) -> None:
        self._memo_table.put_memos(memos)

    def load_one(self, customer_id: str) -> StoreSnapshot:
        sends = list(self._query(self._sends, customer_id))
        state = self._get(self._state, {"customer_id": {"S": customer_id}})
        return snapshot([state] if state is not None else [], sends)

    def _query(
        self, table: str, customer_id: str, sk_prefix: str = "", *, newest_first: bool = False
    ) -> Iterator[Item]:
        return self._reader.query(table, customer_id, sk_prefix, newest_first=newest_first)

    def _get(self, table: str, key: Item) -> Item | None:
        return self._reader.get(table, key)

    # --- sends -----------------------------------------------------------------------------

    def claim(self, send: SendRecord) -> bool:
        return self.claim_many([send])[0]

    def _withdraw(self, send: SendRecord, token: str) -> None:
        """Take back a claim on a journey that is over, wherever it went meanwhile."""
        takes = [
            {
                "Delete": {
                    "TableName": table,
                    "Key": send_key(send.key),
                    "ConditionExpression": "claim_token = :token",
                    "ExpressionAttributeValues": {":token": {"S": token}},
                }
            }
            for table in (self._sends, self._archive)
        ]
        for take in takes:  # one at a time: the send is in one table or neither
            transact_each(self.client, [take], self._sleep, self._memos)

    def claim_many(self, sends: Sequence[SendRecord]) -> list[bool]:
        tables = (self._sends, self._state, self._memos)
        return claim_batch(self.client, tables, sends, self._withdraw, self._sleep)

    def finish_claims(self, outcomes: Sequence[ClaimOutcome]) -> list[SendKey]:
        return finish_batch(self.client, (self._sends, self._memos), outcomes, self._sleep)

    def confirm(self, key: SendKey, message_id: str, sent_at: datetime) -> None:
        self.finish_claims(
            [ClaimOutcome(key=key, end=ClaimEnd.SENT, message_id=message_id, at=sent_at)]
        )

    def reject(self, key: SendKey, reason: str, at: datetime) -> None:
        self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.REJECTED, reason=reason, at=at)])

    def release(self, key: SendKey) -> None:
        self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.RELEASED)])

    def mark_unconfirmed(self, keys: Sequence[SendKey]) -> list[SendKey]:
        return self.finish_claims([ClaimOutcome(key=key, end=ClaimEnd.UNCONFIRMED) for key in keys])

    def archive_journey(self, customer_id: str, journey: int, archived_at: datetime) -> int:
        for attempt in range(CONFLICT_ATTEMPTS):
            moves = self._archive_moves(customer_id, journey, archived_at)
            if not moves:
                return 0
            check_size(len(moves) + 1, customer_id, journey)
            try:
                self.client.transact_write_items(
                    TransactItems=[*moves, counted(self._memos, customer_id)]
                )
            except ClientError as error:
                if not cancelled(error):
                    raise
                back_off(attempt, self._sleep)  # a send changed or moved since it was read
                continue
            return len(moves) // 2
        raise RuntimeError(f"{journey_id(customer_id, journey)} kept changing; not archived")

    def _archive_moves(self, customer_id: str, journey: int, at: datetime) -> list[Any]:
        live = self._query(self._sends, customer_id, journey_prefix(journey))
        return archive_moves(live, self._sends, self._archive, at)

    def _restore_moves(self, customer_id: str, journey: int) -> list[Any]:
        archived = self._query(self._archive, customer_id, journey_prefix(journey))
        return restore_moves(archived, self._sends, self._archive)

    def archived_sends(self, customer_id: str) -> tuple[SendRecord, ...]:
        items = sorted(
            self._query(self._archive, customer_id),
            key=lambda item: (int(item["journey"]["N"]), item["claimed_at"]["S"]),
        )
        return tuple(send_from_item(item) for item in items)

    # --- customer state --------------------------------------------------------------------

    def save_state(self, state: CustomerState) -> CustomerState:
        written = state.model_copy(update={"version": state.version + 1})
        token = uuid.uuid4().hex
        put = self._state_put(state, written, token) | {
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"
        }
        ((made, current),) = transact_each(self.client, [{"Put": put}], self._sleep, self._memos)
        if made or (current or {}).get("write_token", {}).get("S") == token:
            return written  # or a retried write that had landed the first time
        raise self._stale(state.customer_id, current)

    def _state_put(self, based_on: CustomerState, written: CustomerState, token: str) -> Any:
        put: dict[str, Any] = {"TableName": self._state, "Item": state_item(written, token)}
        if based_on.version == 0:
            put["ConditionExpression"] = "attribute_not_exists(customer_id)"
        else:
            put["ConditionExpression"] = "#version = :version"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":version": {"N": str(based_on.version)}}
        return put

    def _stale(self, customer_id: str, item: Item | None) -> StaleStateError:
        if item is None:  # the failure did not say; read what is there now
            item = self._get(self._state, {"customer_id": {"S": customer_id}})
        current = state_from_item(item) if item is not None and not is_meta(item) else None
        return StaleStateError(customer_id, current)

    def commit_action(
        self,
        state: CustomerState,
        audit: AuditEntry,
        *,
        archive_journey: int | None = None,
        restore_journey: int | None = None,
        send_write: SendWrite | None = None,
    ) -> CustomerState:
        if archive_journey is not None and archive_journey == restore_journey:
            raise ValueError("an action cannot archive and restore the same journey")
        written = state.model_copy(update={"version": state.version + 1})
        customer_id = state.customer_id
        for attempt in range(CONFLICT_ATTEMPTS):
            put = self._state_put(state, written, uuid.uuid4().hex)
            operations: list[Any] = [
                {"Put": put | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"Put": {"TableName": self._audit, "Item": audit_item(audit)}},
            ]
            if archive_journey is not None:
                operations += self._archive_moves(customer_id, archive_journey, audit.at)
            if restore_journey is not None:
                operations += self._restore_moves(customer_id, restore_journey)
            if send_write is not None:
                operations += send_write_operations(
                    send_write, self._sends, self._archive, audit.at
                )
            operations.append(counted(self._memos, customer_id))
            check_size(len(operations), customer_id, archive_journey or restore_journey or 0)
            try:
                # One transaction; botocore gives it an idempotency token, so a retry of one
                # that landed succeeds rather than failing its own version condition.
                self.client.transact_write_items(TransactItems=operations)
            except ClientError as error:
                if not cancelled(error):
                    raise
                state_reason = (cancellation_reasons(error) or [{}])[0]
                if state_reason.get("Code") == "ConditionalCheckFailed":
                    raise self._stale(customer_id, state_reason.get("Item")) from None
                back_off(attempt, self._sleep)  # a send it moves changed, or a write was in flight
                continue
            return written
        raise RuntimeError(f"{customer_id} kept changing during the action; nothing was written")

    def audit_trail(self, customer_id: str) -> list[AuditEntry]:
        return [
            audit_from_item(item)
            for item in self._query(self._audit, customer_id, newest_first=True)
        ]

    # --- a month's reads (Scans: engine/adapters/dynamodb_month.py) ------------------------

    def sends_between(self, first: date, last: date) -> tuple[SendRecord, ...]:
        return dynamodb_month.sends_between(self._reader, self._sends, self._archive, first, last)

    def audit_between(self, start: datetime, end: datetime) -> tuple[AuditEntry, ...]:
        return dynamodb_month.audit_between(self._reader, self._audit, start, end)

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        item = self._get(self._state, meta_key(key))
        return item["meta_value"]["S"] if item is not None and is_meta(item) else None

    def put_meta(self, key: str, value: str) -> None:
        self.client.put_item(TableName=self._state, Item=meta_item(key, value))

    def add_meta_if_absent(self, key: str, value: str) -> str:
        try:
            self.client.put_item(
                TableName=self._state,
                Item=meta_item(key, value),
                ConditionExpression="attribute_not_exists(customer_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) != _CONDITION_FAILED:
                raise
            stored = _failed_item(error) or self._get(self._state, meta_key(key))
            assert stored is not None, f"meta {key!r} vanished"
            return str(stored["meta_value"]["S"])
        return value

    # --- bulk writes -----------------------------------------------------------------------

    def import_records(self, states: Iterable[CustomerState], sends: Iterable[SendRecord]) -> int:
        """Write states and live sends as they are, unconditionally, in BatchWriteItem calls of
        25: for filling empty tables (moving a deployment over from SQLite, seeding tests and
        benchmarks), never while ticks run. States keep their version (at least 1). Their
        customers' change counts are bumped first, so any memo of them is stale before a write
        lands (and the memos table lists them). Returns how many items were written."""
        states, sends = list(states), list(sends)
        customers = {s.customer_id for s in states} | {send.customer_id for send in sends}
        self._memo_table.count_first(customers)
        items = chain(
            (
                (self._state, state_item(s.model_copy(update={"version": max(s.version, 1)}), ""))
                for s in states
            ),
            ((self._sends, send_item(send)) for send in sends),
        )
        return batch_put(self.client, items, self._sleep)


def _failed_item(error: Any) -> Item | None:
    """The item a failed condition found, when the request asked for it (ALL_OLD)."""
    item: Item | None = error.response.get("Item")
    return item
