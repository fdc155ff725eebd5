"""The DynamoDB store's five tables: their keys, and records turned into items and back.

`{prefix}sends`          customer_id | sk = `J#<journey, 6 digits>#<step>#<kind>`
    the live sends; a customer's current journey is one Query (`begins_with(sk, "J#...#")`).
`{prefix}state`          customer_id
    one item per customer: `version` (the condition of every write) and `data` (the state as
    JSON). Meta values live here too, under `#meta#<key>`, and `load` leaves them out.
`{prefix}sends-archive`  customer_id | sk, as in sends, plus `journey_id` and `archived_at`
    finished journeys; every journey of a customer is one Query (what `archived_sends` and the
    timeline need), one journey a `begins_with` (what undoing a finish needs). Keyed by the
    customer rather than by journey id so that neither needs a secondary index, whose reads
    are only eventually consistent.
`{prefix}audit`          customer_id | id (audit ids sort by time)
    the trail, newest first with `ScanIndexForward=False`.
`{prefix}memos`          customer_id
    one item per customer with sends or state: `changes`, the count of writes to them, and the
    tick's memo of them when it has one (`engine/adapters/dynamodb_memos.py`).

Items are in DynamoDB's own wire format (`{"S": ...}`, `{"N": ...}`): the store talks to the
low-level client, which skips boto3's slow type conversion on the tick's bulk reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.models import AuditEntry, CustomerState, SendKey, SendRecord, journey_id

Item = dict[str, dict[str, Any]]
"""One item as the low-level client sends and returns it."""

META_PREFIX = "#meta#"
"""Keys of meta values in the state table. Reserved: a meta item is told from a customer's by
its `meta_value`, so a customer id that starts so is still read as a customer, but one equal to
`#meta#<a meta key>` would share that item."""

JOURNEY_DIGITS = 6


@dataclass(frozen=True)
class TableSpec:
    suffix: str
    partition_key: str
    sort_key: str | None
    purpose: str

    def name(self, prefix: str) -> str:
        return f"{prefix}{self.suffix}"


SENDS = TableSpec("sends", "customer_id", "sk", "live sends")
STATE = TableSpec("state", "customer_id", None, "customer state and meta values")
ARCHIVE = TableSpec("sends-archive", "customer_id", "sk", "finished journeys' sends")
AUDIT = TableSpec("audit", "customer_id", "id", "audit rows")
MEMOS = TableSpec("memos", "customer_id", None, "change counts and the tick's memos")
TABLES = (SENDS, STATE, ARCHIVE, AUDIT, MEMOS)

SEND_FIELDS = (
    "customer_id",
    "journey",
    "step",
    "kind",
    "local_date",
    "guide_day",
    "status",
    "message_id",
    "claimed_at",
    "sent_at",
    "tick_id",
    "run_process",
    "run_deadline",
    "error",
)
_NUMBERS = frozenset({"journey", "guide_day"})


def journey_prefix(journey: int) -> str:
    return f"J#{journey:0{JOURNEY_DIGITS}d}#"


def send_sk(journey: int, step: str, kind: str) -> str:
    # The kind ends the key and the journey starts it, so a step id with a "#" still makes a
    # key no other (journey, step, kind) makes.
    return f"{journey_prefix(journey)}{step}#{kind}"


def send_key(key: SendKey) -> Item:
    return {
        "customer_id": {"S": key.customer_id},
        "sk": {"S": send_sk(key.journey, key.step, key.kind.value)},
    }


def send_item(send: SendRecord) -> Item:
    item: Item = {
        "customer_id": {"S": send.customer_id},
        "sk": {"S": send_sk(send.journey, send.step, send.kind.value)},
        "journey": {"N": str(send.journey)},
        "step": {"S": send.step},
        "kind": {"S": send.kind.value},
        "local_date": {"S": send.local_date.isoformat()},
        "guide_day": {"N": str(send.guide_day)},
        "status": {"S": send.status.value},
        "claimed_at": {"S": send.claimed_at.isoformat()},
        "tick_id": {"S": send.tick_id},
        "error": {"S": send.error},
    }
    if send.message_id is not None:
        item["message_id"] = {"S": send.message_id}
    if send.sent_at is not None:
        item["sent_at"] = {"S": send.sent_at.isoformat()}
    if send.run_process:
        item["run_process"] = {"S": send.run_process}
    if send.run_deadline is not None:
        item["run_deadline"] = {"S": send.run_deadline.isoformat()}
    return item


def send_from_item(item: Mapping[str, Mapping[str, Any]]) -> SendRecord:
    # pydantic parses the ISO text itself, faster than converting here first.
    return SendRecord.model_validate(
        {
            field: (int(value["N"]) if field in _NUMBERS else value.get("S"))
            for field in SEND_FIELDS
            if (value := item.get(field)) is not None
        }
    )


def live_item(archived: Mapping[str, Mapping[str, Any]]) -> Item:
    """An archived send as the live table holds it."""
    return {
        name: dict(value)
        for name, value in archived.items()
        if name not in ("journey_id", "archived_at")
    }


def archived_item(live: Mapping[str, Mapping[str, Any]], archived_at: str) -> Item:
    item = {name: dict(value) for name, value in live.items()}
    journey = int(live["journey"]["N"])
    item["journey_id"] = {"S": journey_id(live["customer_id"]["S"], journey)}
    item["archived_at"] = {"S": archived_at}
    return item


def state_item(state: CustomerState, write_token: str) -> Item:
    """`state` as written (its version already bumped); the token tells a retried write that
    landed from someone else's."""
    return {
        "customer_id": {"S": state.customer_id},
        "version": {"N": str(state.version)},
        "data": {"S": state.model_dump_json()},
        "write_token": {"S": write_token},
    }


def is_meta(item: Mapping[str, Mapping[str, Any]]) -> bool:
    return "meta_value" in item


def state_from_item(item: Mapping[str, Mapping[str, Any]]) -> CustomerState:
    state = CustomerState.model_validate_json(item["data"]["S"])
    version = int(item["version"]["N"])
    return state if state.version == version else state.model_copy(update={"version": version})


def meta_key(key: str) -> Item:
    return {"customer_id": {"S": META_PREFIX + key}}


def meta_item(key: str, value: str) -> Item:
    return {**meta_key(key), "meta_value": {"S": value}}


def audit_item(entry: AuditEntry) -> Item:
    return {
        "customer_id": {"S": entry.customer_id},
        "id": {"S": entry.id},
        "action": {"S": entry.action},
        "at": {"S": entry.at.isoformat()},
        "data": {"S": entry.model_dump_json()},
    }


def audit_from_item(item: Mapping[str, Mapping[str, Any]]) -> AuditEntry:
    return AuditEntry.model_validate_json(item["data"]["S"])
