"""Amazon SES as moto plays it, in process (`mock_aws`) or over HTTP (moto's threaded server).

moto keeps each raw message it accepted (id, source, raw text) but ignores EmailTags and
ConfigurationSetName, so what the client put on the wire is recorded too, from botocore's
`before-send` event: the request exactly as SES would receive it.

moto refuses an unverified sender as SES does, but it cannot refuse a recipient (it never
rejects a well-formed address, and SES itself accepts suppressed ones and bounces later). For
those answers `answer_with` hands botocore an SES error response in SES's wire format (REST-JSON,
`x-amzn-ErrorType`), which botocore parses exactly as one that came over the network. Use it
over HTTP only: inside `mock_aws` moto's own before-send handler would still deliver the mail.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

REGION = "eu-west-1"
SEND_EMAIL = "before-send.sesv2.SendEmail"


def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials moto accepts, and nothing of this machine's AWS set-up (no profile, no
    instance metadata lookups)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def verify_identity(identity: str, endpoint_url: str | None = None) -> None:
    """What a person does once in the SES console (moto verifies it at once)."""
    client = boto3.client("sesv2", region_name=REGION, endpoint_url=endpoint_url)
    client.create_email_identity(EmailIdentity=identity)


@dataclass(frozen=True)
class SesSend:
    message_id: str
    """The MessageId SES returned (and moto recorded)."""
    raw: bytes
    """The message as SES received it."""
    request: dict[str, Any]
    """The SendEmail request as it went on the wire."""

    @property
    def recipients(self) -> list[str]:
        destination = self.request["Destination"]
        return [
            address
            for field in ("ToAddresses", "CcAddresses", "BccAddresses")
            for address in destination.get(field, [])
        ]

    @property
    def tags(self) -> dict[str, str]:
        return {tag["Name"]: tag["Value"] for tag in self.request.get("EmailTags", [])}


def record_requests(client: Any) -> list[dict[str, Any]]:
    """Every SendEmail request body the client sends from now on, parsed from its JSON."""
    requests: list[dict[str, Any]] = []

    def record(request: Any, **_: Any) -> None:
        requests.append(json.loads(request.body))

    client.meta.events.register(SEND_EMAIL, record)
    return requests


def raw_data(request: dict[str, Any]) -> bytes:
    return base64.b64decode(request["Content"]["Raw"]["Data"])


def ses_sends(requests: list[dict[str, Any]]) -> list[SesSend]:
    """What moto accepted, each with the request that carried it (matched by the message,
    which is unique: every one has its own Message-ID header)."""
    by_raw = {raw_data(r): r for r in requests}
    backend = get_backend("ses")[DEFAULT_ACCOUNT_ID][REGION]
    sends = []
    for message in backend.sent_messages:
        raw = message.raw_data.encode("utf-8")
        sends.append(SesSend(message_id=message.id, raw=raw, request=by_raw[raw]))
    return sends


@dataclass(frozen=True)
class SesAnswer:
    """An answer in SES v2's wire format: an error, or (status 200) a success without a
    MessageId."""

    status: int
    code: str = ""
    message: str = ""


class _Body(BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def answer_with(client: Any, answer: Callable[[dict[str, Any]], SesAnswer | None]) -> None:
    """For each SendEmail request, `answer(request)` may return an error SES sends back
    instead of the real service (None lets the request through)."""

    def respond(request: Any, **_: Any) -> AWSResponse | None:
        chosen = answer(json.loads(request.body))
        if chosen is None:
            return None
        headers = {
            "Content-Type": "application/json",
            "x-amzn-RequestId": "11111111-2222-3333-4444-555555555555",
        }
        body = b"{}"
        if chosen.status >= 300:
            # As SES sends it; botocore keeps the part before the colon as the code.
            headers["x-amzn-ErrorType"] = f"{chosen.code}:http://internal.amazon.com/coral/"
            body = json.dumps({"message": chosen.message}).encode()
        return AWSResponse(request.url, chosen.status, headers, _Body(body))

    client.meta.events.register_first(SEND_EMAIL, respond)
