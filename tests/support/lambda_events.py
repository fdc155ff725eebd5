"""What AWS Lambda hands the function: Function URL requests (payload format 2.0), EventBridge
Scheduler inputs, and the context object, as plain values."""

from __future__ import annotations

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
