"""What AWS Lambda hands the function: Function URL requests (payload format 2.0), EventBridge
Scheduler inputs, and the context object, as plain values."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class FakeContext:
    """The parts of Lambda's context object the entry (and Bolt) read."""

    remaining_ms: int = 60_000
    function_name: str = "og"
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:og"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def http_event(
    method: str,
    path: str,
    body: str | None = None,
    *,
    base64_encoded: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Function URL request, payload format 2.0."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.lambda-url.eu-central-1.on.aws", **(headers or {})},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1"},
            "domainName": "abc.lambda-url.eu-central-1.on.aws",
        },
        "isBase64Encoded": base64_encoded,
    }
    if body is not None:
        event["body"] = body
    return event


def scheduler_event(kind: str, scheduled_time: str) -> dict[str, Any]:
    """What a schedule whose input is {"og": KIND, "scheduled_time":
    "<aws.scheduler.scheduled-time>"} delivers."""
    return {"og": kind, "scheduled_time": scheduled_time}


class QueuedInvocations:
    """Lambda's asynchronous `invoke`, as boto3's client has it, for Bolt's lazy listeners
    (moto would need Docker to run a function): each invocation is kept until the test runs
    it through the handler, as Lambda would, so a test sees the ack before the work."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.calls: list[dict[str, str]] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, int]:
        self.calls.append({"FunctionName": FunctionName, "InvocationType": InvocationType})
        self.pending.append(json.loads(Payload))
        return {"StatusCode": 202}

    def run_pending(self, handler: Callable[[dict[str, Any], Any], Any]) -> None:
        while self.pending:
            handler(self.pending.pop(0), FakeContext())
