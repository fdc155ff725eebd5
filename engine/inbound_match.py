"""Whose journey an incoming message belongs to (issue 16): by the guide's own Message-IDs it
refers to, then by the reply token in the plus address it was sent to, then by the sender's
address among the list's emails. What matches nothing is nobody's, and is listed for a person.

The reply token goes in every email's Reply-To (`guide+<token>@…`): signed like the done
links, so a message cannot name another customer's journey by guessing. A local part is often
lower-cased on its way, so the token is lower-case base32, and short: a local part holds at
most 64 characters. It carries no id; the guide finds whose it is by making each customer's
token again (cheap: an HMAC each) among the customers the list names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from engine.inbound import Inbound

_PURPOSE = b"og-reply-token-v1\x00"
TOKEN_BYTES = 10
"""80 bits of HMAC: 16 base32 characters, beyond guessing for a customer's journey."""


class MatchedBy(StrEnum):
    MESSAGE_ID = "message id"
    REPLY_TOKEN = "reply token"
    SENDER = "sender address"


@dataclass(frozen=True)
class Matched:
    customer_id: str
    journey: int | None
    """The journey the message names (by a token or an email it answers); None by sender."""
    by: MatchedBy


def reply_token(secret: str, customer_id: str, journey: int) -> str:
    if not secret:
        raise ValueError("OG_LINK_SECRET is empty; reply tokens cannot be signed")
    payload = f"{len(customer_id)}:{customer_id}:{journey}".encode("utf-8", "surrogatepass")
    digest = hmac.new(secret.encode("utf-8"), _PURPOSE + payload, hashlib.sha256).digest()
    return base64.b32encode(digest[:TOKEN_BYTES]).decode("ascii").lower()


def reply_address(sender: str, token: str) -> str:
    """`guide@og.example` as `guide+<token>@og.example`."""
    local, at, domain = sender.partition("@")
    if not at:
        raise ValueError(f"{sender!r} is not an address")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def tokens_in(addresses: Iterable[str]) -> list[str]:
    """The plus parts of the addresses a message was sent to, lower-cased."""
    found = []
    for address in addresses:
        local = address.partition("@")[0]
        if "+" in local:
            found.append(local.split("+", 1)[1].lower())
    return found


def match_inbound(
    inbound: Inbound,
    *,
    sent: Mapping[str, tuple[str, int]],
    journeys: Mapping[str, int],
    emails: Mapping[str, str],
    secret: str,
) -> Matched | None:
    """`sent`: the guide's Message-IDs, each to (customer, journey); `journeys`: each listed
    customer's current journey; `emails`: each listed address (lower-case) to its customer."""
    for message_id in inbound.refers_to:
        if message_id in sent:
            customer_id, journey = sent[message_id]
            return Matched(customer_id, journey, MatchedBy.MESSAGE_ID)
    wanted = set(tokens_in(inbound.sent_to))
    if wanted:
        for customer_id, current in journeys.items():
            for journey in range(current, 0, -1):  # an earlier journey's email is answered too
                if reply_token(secret, customer_id, journey) in wanted:
                    return Matched(customer_id, journey, MatchedBy.REPLY_TOKEN)
    by_sender = emails.get(inbound.sender)
    return None if by_sender is None else Matched(by_sender, None, MatchedBy.SENDER)
