"""What Amazon SES reports about an email the guide sent, as an `Inbound` (issue 16): the JSON
of an SES event that SNS delivers, in either of SES's two shapes:

- configuration-set event publishing (`eventType`), which carries the send's tags in
  `mail.tags` as lists of strings: the guide tags every send with the customer's reply token
  (`reply`), which names the customer however the address was written;
- an identity's feedback notifications (`notificationType`), without tags: matched by the
  bounced or complaining address, and by the Message-ID in the original headers, when SES was
  asked to include them.

A `Bounce` (`bounceType` Permanent: hard; Transient or Undetermined: soft) or a `Complaint`
becomes an Inbound; every other event (Delivery, Send, Open, SNS's subscription notice, ...)
is `Ignored`, with what it was. A message that is not such an event raises `MalformedEvent`.
Pure: no AWS call, nothing read but the text given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.utils import parseaddr
from typing import Any

from engine.inbound import Bounce, Inbound, InboundKind

REPLY_TAG = "reply"
"""The tag engine/adapters/ses_mailer.py puts the customer's reply token in."""
_TOKEN_LIMIT = 64
_DIAGNOSTIC_LIMIT = 300
_ID = re.compile(r"<[^<>\s]+>")


class MalformedEvent(ValueError):
    """The message is not an SES bounce or complaint event that can be read."""


@dataclass(frozen=True)
class Ignored:
    """An SES event the guide has nothing to do with."""

    what: str


def read_ses_event(message: str) -> Inbound | Ignored:
    try:
        event = json.loads(message)
    except ValueError as error:
        raise MalformedEvent(f"not JSON: {error}") from None
    if not isinstance(event, dict):
        raise MalformedEvent(f"not a JSON object but {type(event).__name__}")
    kind = event.get("eventType", event.get("notificationType"))
    if not isinstance(kind, str) or not kind:
        raise MalformedEvent("neither eventType nor notificationType names the event")
    if kind not in ("Bounce", "Complaint"):
        return Ignored(kind)
    mail = event.get("mail", {})
    if not isinstance(mail, dict):
        raise MalformedEvent("mail is not an object")
    heard = Inbound(
        InboundKind.BOUNCE,
        message_id=_text(mail.get("messageId")),
        refers_to=_message_ids(mail.get("headers")),
        subject=_subject(mail.get("commonHeaders")),
        tokens=_reply_token(mail.get("tags")),
    )
    if kind == "Bounce":
        return _bounce(_object(event, "bounce"), heard)
    return _complaint(_object(event, "complaint"), heard)


def _bounce(bounce: Mapping[str, Any], heard: Inbound) -> Inbound:
    kind = _text(bounce.get("bounceType"))
    subtype = _text(bounce.get("bounceSubType"))
    recipients = _recipients(bounce, "bouncedRecipients")
    bounces = tuple(
        Bounce(
            recipient=address,
            status=_text(recipient.get("status")).split(" ")[0],
            permanent=kind == "Permanent",
            diagnostic=_diagnostic(recipient, kind, subtype),
        )
        for address, recipient in recipients
    )
    return replace(heard, kind=InboundKind.BOUNCE, sender=bounces[0].recipient, bounces=bounces)


def _complaint(complaint: Mapping[str, Any], heard: Inbound) -> Inbound:
    ((address, _), *_) = _recipients(complaint, "complainedRecipients")
    feedback = _text(complaint.get("complaintFeedbackType")) or "complaint"
    # The sender of a complaint is who complained: matched among the list's emails.
    return replace(heard, kind=InboundKind.COMPLAINT, sender=address, why=feedback[:60])


def _object(event: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = event.get(name)
    if not isinstance(found, dict):
        raise MalformedEvent(f"a {name} event without its {name} object")
    return found


def _recipients(report: Mapping[str, Any], field: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Each recipient's address (lower-cased; SES may give a display name with it) and entry."""
    listed = report.get(field)
    if not isinstance(listed, list):
        raise MalformedEvent(f"{field} is not a list")
    found: list[tuple[str, Mapping[str, Any]]] = []
    for entry in listed:
        if isinstance(entry, dict):
            address = parseaddr(_text(entry.get("emailAddress")))[1].strip().lower()
            if "@" in address:
                found.append((address, entry))
    if not found:
        raise MalformedEvent(f"{field} names no address")
    return found


def _diagnostic(recipient: Mapping[str, Any], kind: str, subtype: str) -> str:
    said = _text(recipient.get("diagnosticCode"))
    if not said:
        said = f"SES {kind or 'unknown'} bounce" + (f" ({subtype})" if subtype else "")
    return " ".join(said.split())[:_DIAGNOSTIC_LIMIT]


def _reply_token(tags: object) -> tuple[str, ...]:
    """mail.tags.reply[0]: the tags come as lists of strings."""
    if not isinstance(tags, dict):
        return ()
    values = tags.get(REPLY_TAG)
    if not isinstance(values, list) or not values or not isinstance(values[0], str):
        return ()
    token = values[0].strip().lower()
    return (token,) if 0 < len(token) <= _TOKEN_LIMIT else ()


def _message_ids(headers: object) -> tuple[str, ...]:
    """The sent email's own Message-ID, from the original headers SES may include."""
    if not isinstance(headers, list):
        return ()
    for header in headers:
        if isinstance(header, dict) and _text(header.get("name")).lower() == "message-id":
            return tuple(_ID.findall(_text(header.get("value"))))[:1]
    return ()


def _subject(common: object) -> str:
    if not isinstance(common, dict):
        return ""
    return " ".join(_text(common.get("subject")).split())[:200]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
