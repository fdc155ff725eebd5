"""A mailer that hands each message to Amazon SES (API v2 `SendEmail`).

The message is the same RFC 5322 message the outbox and SMTP adapters build (headers, X-OG-*,
done link), sent as Raw content. SES replaces its Message-ID header with its own, so the id
kept on the send is the MessageId SES returns: the one its bounce and complaint events carry.
Each send is also tagged (customer, journey, step, kind) so SES events can be told apart.

Which SES answers mean "never retry this send" (RejectedError) and which mean "retry next
tick" (SendError) is decided in `_refusal`; see its docstring. SendEmail is not idempotent, so
the retries within a send are the mailer's own, not botocore's: only what SES certainly did not
take (throttling, no connection) is tried again; a request that went out and got no answer may
have been delivered, and raises OutcomeUnknownError instead of going out twice.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from engine.adapters.email_message import build_message, one_line, parse_sender
from engine.adapters.pacing import Pacer, back_off
from engine.outcomes import OutgoingEmail
from engine.ports import OutcomeUnknownError, RejectedError, SendError

# SES tag values allow only ASCII letters, digits, `_` and `-`, at most 256 of them. Tags are
# for telling events apart; the exact ids stay in the X-OG-* headers and the stored MessageId.
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TAG_MAX = 256
# MessageRejected wording (SES's, and moto's) when an identity fails verification or
# authorisation: the sender, or in the sandbox every recipient not verified.
_IDENTITY_TROUBLE = ("not verified", "authority to send", "not authorized")
# BadRequestException / InvalidParameterValue wording when SES cannot use an address
# ("Illegal address", "Missing final '@domain'", "Domain contains illegal character", ...).
_ADDRESS_TROUBLE = ("address", "domain", "@")
# Answers that say SES did not take the message and will take it in a moment.
_TRY_AGAIN_NOW = ("TooManyRequestsException", "Throttling", "ThrottlingException")
_BACKOFF_BASE = 0.2  # seconds before the first retry at most; doubled per attempt


def tag_value(text: str) -> str:
    """`text` as an SES tag value: other characters become `_`, cut at 256, never empty."""
    return _TAG_UNSAFE.sub("_", text)[:_TAG_MAX] or "_"


class SesMailer:
    def __init__(
        self,
        region: str,
        sender: str,
        *,
        configuration_set: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 3,
        max_send_rate: float | None = None,
        pacer: Pacer | None = None,
        read_timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`endpoint_url` points the client at an SES look-alike (moto, LocalStack).
        `max_attempts`: tries of one send while SES throttles or cannot be reached (3, as
        botocore's standard mode). `max_send_rate`: the account's sending quota in emails a
        second (SES's MaxSendRate); sends are spaced to keep to it. `pacer` replaces the one
        made from it (tests give one with a fake clock). `read_timeout`: how long an answer
        may take before the send's outcome counts as unknown."""
        self.region = region
        self.sender = sender
        self.configuration_set = configuration_set
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.max_send_rate = max_send_rate
        self.read_timeout = read_timeout
        self._sleep = sleep
        self._pacer = pacer or (Pacer(max_send_rate) if max_send_rate else None)
        sender_address = parse_sender(sender)
        self._from_address = sender_address.addr_spec
        self._message_id_domain = sender_address.domain
        # Made on first send: `og status` and friends build a mailer they never use, and
        # creating a boto3 client costs a tenth of a second.
        self._client: Any = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"SesMailer({self.region!r}, {self.sender!r}, "
            f"configuration_set={self.configuration_set!r}, endpoint_url={self.endpoint_url!r})"
        )

    @property
    def client(self) -> Any:
        """The SES v2 client; credentials come from the usual AWS chain (environment, profile,
        the Lambda or instance role), never from the mailer spec."""
        with self._client_lock:
            if self._client is None:
                # A session of its own: boto3's default session is not safe to share between
                # threads, and a tick sends from several.
                session = boto3.session.Session()
                self._client = session.client(
                    "sesv2",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=Config(
                        # No retries by botocore: it would send again after a read timeout.
                        retries={"mode": "standard", "total_max_attempts": 1},
                        connect_timeout=10,
                        read_timeout=self.read_timeout,
                        # As many connections as OG_SEND_CONCURRENCY allows sends at once.
                        max_pool_connections=64,
                    ),
                )
            return self._client

    def send(self, email: OutgoingEmail) -> str:
        message = build_message(email, self.sender, self._message_id_domain)
        request: dict[str, Any] = {
            "FromEmailAddress": self._from_address,
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
            "EmailTags": [
                {"Name": "customer", "Value": tag_value(email.customer_id)},
                {"Name": "journey", "Value": tag_value(str(email.journey))},
                {"Name": "step", "Value": tag_value(email.step)},
                {"Name": "kind", "Value": tag_value(email.kind.value)},
            ],
        }
        if email.reply_token:  # a bounce or complaint event carries it back (engine.inbound_match)
            request["EmailTags"].append({"Name": "reply", "Value": email.reply_token})
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        response = self._send_at_most_once(request, message.recipient)
        message_id = response.get("MessageId")
        # SES accepted the message; failing now would release the claim and send it twice.
        # Without an SES id (never seen), the Message-ID header we wrote is the best we have.
        return message_id if isinstance(message_id, str) and message_id else message.message_id

    def flush(self) -> None:
        """Nothing to do: a message is SES's once SendEmail answered with its id."""

    def _send_at_most_once(self, request: dict[str, Any], recipient: str) -> dict[str, Any]:
        """SendEmail, tried again only while SES certainly has not taken the message."""
        attempt = 1
        while True:
            if self._pacer is not None:
                self._pacer.wait()
            try:
                response: dict[str, Any] = self.client.send_email(**request)
                return response
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code") or "")
                if code not in _TRY_AGAIN_NOW or attempt >= self.max_attempts:
                    raise self._refusal(error, recipient) from error
            except (ReadTimeoutError, ConnectionClosedError) as error:
                raise OutcomeUnknownError(
                    f"SES in {self.region} may have taken the message to {recipient}: the "
                    f"request went out and no answer came ({error})"
                ) from error
            except (EndpointConnectionError, ConnectTimeoutError) as error:
                if attempt >= self.max_attempts:  # the request never reached SES
                    raise SendError(f"cannot send through SES in {self.region}: {error}") from error
            except BotoCoreError as error:
                # No credentials, a bad endpoint: nothing about this address, nothing sent.
                raise SendError(f"cannot send through SES in {self.region}: {error}") from error
            back_off(attempt, self._sleep, base=_BACKOFF_BASE)
            attempt += 1

    def _refusal(self, error: Any, recipient: str) -> SendError:
        """Map one SES error answer to the port's errors.

        RejectedError (this send is kept as rejected and never retried) only when SES refused
        the message for something about *this recipient*, which the same request would meet
        again tomorrow:
        - MessageRejected, unless it is about identity verification or authorisation (below);
        - BadRequestException / InvalidParameterValue about an address, when it does not name
          the sender (the sender is the same on every send; the recipient is not).

        SendError (the claim is released and the next tick retries) for everything that is a
        set-up problem, the account's state or a passing condition. A set-up problem hits every
        customer alike: marking each of them rejected for good would lose the whole tick's
        mail once it is fixed. So:
        - MessageRejected saying an identity is not verified or authorised: an unverified
          sender, a region where it is not verified, or the SES sandbox refusing unverified
          recipients (fixed by leaving the sandbox, not by changing the address);
        - MailFromDomainNotVerifiedException: the custom MAIL FROM domain's DNS;
        - NotFoundException: the configuration set named in the spec does not exist;
        - AccountSuspendedException, SendingPausedException: the account or configuration set
          may not send now; someone has to act, and then every send should go;
        - TooManyRequestsException, throttling: already tried again within the send (up to
          `max_attempts`); the next tick tries again;
        - LimitExceededException (the day's quota is spent): the next tick tries again;
        - any other answer (access denied, bad credentials, 5xx): not about the address.

        Suppressed addresses are not among these: SES accepts a message to an address on the
        suppression list and reports a bounce event later, so such a send counts as sent.
        """
        details = error.response.get("Error", {})
        code = str(details.get("Code") or "Unknown")
        text = one_line(str(details.get("Message") or ""))
        said = f"{code}: {text}" if text else code
        lowered = text.lower()
        if code == "MessageRejected" and not any(w in lowered for w in _IDENTITY_TROUBLE):
            return RejectedError(f"SES rejected the message to {recipient} ({said})")
        if (
            code in ("BadRequestException", "InvalidParameterValue")
            and any(w in lowered for w in _ADDRESS_TROUBLE)
            and self._from_address.lower() not in lowered
        ):
            return RejectedError(f"SES refused the address {recipient} ({said})")
        if code == "MessageRejected":
            return SendError(
                f"SES refused the sender {self._from_address} or recipient {recipient} as not "
                f"verified in {self.region} ({said}): verify the sender's domain there, or "
                "leave the SES sandbox; every send is retried next tick"
            )
        return SendError(f"SES in {self.region} did not send to {recipient} ({said})")
