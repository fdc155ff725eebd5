"""Whose journey an incoming message belongs to (issue 16): by the guide's own Message-IDs it
refers to, then by the reply token in the plus address it was sent to (or that the mail
service tagged it with), then by the sender's address among the list's emails. What matches
nothing is nobody's, and is listed for a person.

The reply token goes in every email's Reply-To (`guide+<token>@…`) and in its Message-ID
(`<og.<token>.<random>@…>`), so a reply that lost the plus address, and a bounce that returns
the email's head, still name the customer. It is signed like the done links, so a message
cannot name another customer by guessing. A local part is often lower-cased on its way, so the
token is lower-case base32, and short: a local part holds at most 64 characters. It carries no
id; the guide finds whose it is by making each listed customer's token again (an HMAC each:
at most a second for 100k customers, once per batch of mail, and only when a message names
a token). It names the customer, not the journey: a reply is the customer's,
whichever email it answers, as an unsubscribe is.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from engine.inbound import Inbound

_PURPOSE = b"og-reply-token-v2\x00"
TOKEN_BYTES = 10
"""80 bits of HMAC: 16 base32 characters, beyond guessing for a customer."""
_OUR_ID = re.compile(r"<og\.([a-z2-7]{16})\.[^<>@\s]+@[^<>\s]+>", re.IGNORECASE)


class MatchedBy(StrEnum):
    MESSAGE_ID = "message id"
    REPLY_TOKEN = "reply token"
    SENDER = "sender address"


@dataclass(frozen=True)
class Matched:
    customer_id: str
    by: MatchedBy


def reply_token(secret: str, customer_id: str) -> str:
    if not secret:
        raise ValueError("OG_LINK_SECRET is empty; reply tokens cannot be signed")
    payload = f"{len(customer_id)}:{customer_id}".encode("utf-8", "surrogatepass")
    digest = hmac.digest(secret.encode("utf-8"), _PURPOSE + payload, "sha256")
    return base64.b32encode(digest[:TOKEN_BYTES]).decode("ascii").lower()


def reply_address(address: str, token: str) -> str:
    """`guide@og.example` as `guide+<token>@og.example`."""
    local, at, domain = address.partition("@")
    if not at:
        raise ValueError(f"{address!r} is not an address")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def message_id_with(token: str, domain: str) -> str:
    """A Message-ID of the guide's own that names the customer by their token."""
    return f"<og.{token}.{secrets.token_hex(8)}@{domain}>"


def tokens_in(addresses: Iterable[str]) -> list[str]:
    """The plus parts of the addresses a message was sent to, lower-cased."""
    found = []
    for address in addresses:
        local = address.partition("@")[0]
        if "+" in local:
            found.append(local.split("+", 1)[1].lower())
    return found


def tokens_in_ids(ids: Iterable[str]) -> list[str]:
    """The reply tokens of the guide's own Message-IDs among `ids`."""
    return [found.group(1).lower() for i in ids if (found := _OUR_ID.fullmatch(i))]


class Directory:
    """Who the list names, as matching needs them: each customer's token (made once, on
    first need) and each address's customer."""

    def __init__(self, secret: str, emails: Mapping[str, str]) -> None:
        """`emails`: each listed customer id to their address."""
        self._secret = secret
        self._emails = dict(emails)
        self._by_address = {email.strip().lower(): cid for cid, email in emails.items() if email}
        self._by_token: dict[str, str] | None = None

    def by_token(self, token: str) -> str | None:
        if self._by_token is None:
            self._by_token = {reply_token(self._secret, cid): cid for cid in self._emails}
        return self._by_token.get(token.lower())

    def by_address(self, address: str) -> str | None:
        return self._by_address.get(address.strip().lower())


def match_inbound(inbound: Inbound, directory: Directory) -> Matched | None:
    for token in tokens_in_ids(inbound.refers_to):
        if (customer_id := directory.by_token(token)) is not None:
            return Matched(customer_id, MatchedBy.MESSAGE_ID)
    for token in (*inbound.tokens, *tokens_in(inbound.sent_to)):
        if (customer_id := directory.by_token(token)) is not None:
            return Matched(customer_id, MatchedBy.REPLY_TOKEN)
    # A bounce names the address that failed; a reply, its sender.
    for address in (*(b.recipient for b in inbound.bounces), inbound.sender):
        if address and (customer_id := directory.by_address(address)) is not None:
            return Matched(customer_id, MatchedBy.SENDER)
    return None
