"""DynamoDB state: the `dynamodb://` URL, the client, and creating or checking the tables.

`dynamodb://?prefix=og-&region=eu-west-1[&endpoint_url=http://127.0.0.1:8000][&segments=N]`

- `prefix` starts every table's name (default `og-`: `og-sends`, `og-state`, ...);
- `region` and `endpoint_url` go to the client; without a region, boto3's own chain decides
  (`AWS_REGION` on Lambda); credentials always come from boto3's chain (the function's role);
- `segments`: how many parallel Scan segments the tick's bulk read uses per table; `auto` (the
  default) picks by the table's size, so a small deployment reads in as few requests as it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from engine.adapters.dynamodb_items import TABLES, TableSpec

MAX_ATTEMPTS = 10
"""Attempts per request (the first and up to 9 retries) in botocore's `standard` retry mode:
throttling and transient errors are retried with exponential backoff and jitter (up to 20 s
apart) before anything is reported."""
MAX_SEGMENTS = 64
_PARAMS = ("prefix", "region", "endpoint_url", "segments")
_PREFIX_RE = re.compile(r"[A-Za-z0-9_.-]{0,200}")
_USAGE = "expected dynamodb://?prefix=og-&region=REGION[&endpoint_url=URL][&segments=auto|N]"


@dataclass(frozen=True)
class DynamoDbSettings:
    prefix: str = "og-"
    region: str | None = None
    endpoint_url: str | None = None
    segments: int | None = None
    """Parallel Scan segments per table for `load`; None picks by table size."""


def parse_dynamodb_url(url: str) -> DynamoDbSettings:
    parts = urlsplit(url)
    if parts.scheme != "dynamodb" or parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"not a DynamoDB state URL: {url!r} ({_USAGE})")
    params = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise ValueError(f"unknown DynamoDB setting {', '.join(unknown)} in {url!r} ({_USAGE})")
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated:
        raise ValueError(f"DynamoDB setting {', '.join(repeated)} given twice in {url!r}")
    values = {name: found[0] for name, found in params.items()}
    prefix = values.get("prefix", "og-")
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError(
            f"table prefix {prefix!r}: at most 200 of the letters, digits and _ . - that "
            "DynamoDB allows in table names"
        )
    return DynamoDbSettings(
        prefix=prefix,
        region=values.get("region") or None,
        endpoint_url=values.get("endpoint_url") or None,
        segments=_segments(values.get("segments", "auto")),
    )


def _segments(text: str) -> int | None:
    if text in ("", "auto"):
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_SEGMENTS:
        raise ValueError(f"segments={text!r}: auto, or a whole number from 1 to {MAX_SEGMENTS}")
    return int(text)


def make_client(settings: DynamoDbSettings, **session_args: Any) -> Any:
    """A low-level DynamoDB client (thread-safe: the tick sends side by side on one client).
    `session_args` go to boto3's Session: tests give credentials there, never via the
    environment."""
    session = boto3.session.Session(**session_args)
    return session.client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            max_pool_connections=64 + 2 * MAX_SEGMENTS,
        ),
    )


def error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


# --- creating and checking the tables ---------------------------------------------------------


def table_definition(spec: TableSpec, prefix: str) -> dict[str, Any]:
    keys = [(spec.partition_key, "HASH")]
    if spec.sort_key:
        keys.append((spec.sort_key, "RANGE"))
    return {
        "TableName": spec.name(prefix),
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }


@dataclass(frozen=True)
class TableCheck:
    name: str
    purpose: str
    problems: tuple[str, ...] = ()
    created: bool = False
    billing: str = ""
    items: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        if self.problems:
            return f"{self.name}: " + "; ".join(self.problems)
        what = "created" if self.created else "ok"
        details = [self.purpose]
        if self.billing:
            details.append("on-demand" if self.billing == "PAY_PER_REQUEST" else self.billing)
        if self.items is not None and not self.created:
            details.append(f"~{self.items} items")
        return f"{self.name}: {what} ({', '.join(details)})"


def create_tables(client: Any, prefix: str, *, poll_seconds: int = 2) -> list[TableCheck]:
    """Create the five tables, on-demand; tables that exist are left alone and checked.
    Idempotent: running it again creates nothing and reports each table's check."""
    created = set()
    for spec in TABLES:
        try:
            client.create_table(**table_definition(spec, prefix))
        except ClientError as error:
            if error_code(error) != "ResourceInUseException":
                raise
        else:
            created.add(spec.name(prefix))
    waiter = client.get_waiter("table_exists")
    for name in sorted(created):
        waiter.wait(TableName=name, WaiterConfig={"Delay": poll_seconds, "MaxAttempts": 150})
    return [replace(check, created=check.name in created) for check in check_tables(client, prefix)]


def check_tables(client: Any, prefix: str) -> list[TableCheck]:
    """Each table as DynamoDB describes it, against the keys the store relies on."""
    return [_check(client, spec, prefix) for spec in TABLES]


def _check(client: Any, spec: TableSpec, prefix: str) -> TableCheck:
    name = spec.name(prefix)
    try:
        table = client.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return TableCheck(name, spec.purpose, ("missing (og tables create makes it)",))
        raise
    wanted = table_definition(spec, prefix)
    problems = []
    keys = [(k["AttributeName"], k["KeyType"]) for k in table.get("KeySchema", [])]
    expected = [(k["AttributeName"], k["KeyType"]) for k in wanted["KeySchema"]]
    if keys != expected:
        problems.append(f"key schema is {_keys(keys)}, the store needs {_keys(expected)}")
    else:
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        problems += [
            f"key {key} is of type {types.get(key)}, the store needs S (string)"
            for key, _ in keys
            if types.get(key) != "S"
        ]
    status = table.get("TableStatus", "")
    if status != "ACTIVE":
        problems.append(f"status {status}, not ACTIVE")
    billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    return TableCheck(
        name, spec.purpose, tuple(problems), billing=billing, items=table.get("ItemCount")
    )


def _keys(keys: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name} ({'partition' if kind == 'HASH' else 'sort'})" for name, kind in keys)


def delete_tables(client: Any, prefix: str) -> None:
    """Drop the five tables (tests clean up with it); missing ones are skipped."""
    for spec in TABLES:
        try:
            client.delete_table(TableName=spec.name(prefix))
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
