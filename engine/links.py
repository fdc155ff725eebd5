"""One-click links in the guide's emails: "I did this step", and "stop these emails".

A token is `<payload>.<signature>`, both unpadded base64url, so it sits in a URL path as is.
The payload is a JSON array, which quotes and escapes every field: a customer id can hold any
character (separators, quotes, NUL) and still never spill into the journey or step fields.
The signature is HMAC-SHA256 over a purpose label plus the payload, so a secret that is
(wrongly) shared with some other signer cannot mint done links, and each kind of link has a
label of its own: a done link's token never unsubscribes anyone, nor the reverse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import quote

from engine.models import Frozen

DEFAULT_LINK_TTL = timedelta(days=60)
UNSUBSCRIBE_LINK_TTL = timedelta(days=365)
"""Long on purpose: an unsubscribe link in an email opened months later must still work, or
the customer's only way out is the spam button, which hurts every email the sender sends. A
year still bounds how long a forwarded link stays usable; each new email carries a fresh one."""

_DONE = b"og-done-link-v1\x00"
_UNSUBSCRIBE = b"og-unsubscribe-v1\x00"
_SIGNATURE_BYTES = hashlib.sha256().digest_size
# Far above any real token; refusing early keeps garbage cheap to reject.
_MAX_TOKEN_CHARS = 4096
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class DoneLink(Frozen):
    """What a verified token vouches for."""

    customer_id: str
    journey: int
    step: str
    expires_at: datetime


class UnsubscribeLink(Frozen):
    """What a verified unsubscribe token vouches for: the customer, and the journey whose
    email carried it (the link of any journey unsubscribes the customer)."""

    customer_id: str
    journey: int
    expires_at: datetime


class InvalidTokenReason(StrEnum):
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad signature"
    EXPIRED = "expired"


class InvalidToken(Exception):
    def __init__(self, reason: InvalidTokenReason, detail: str = "", kind: str = "done") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"invalid {kind} link: {reason}" + (f" ({detail})" if detail else ""))


def make_token(secret: str, customer_id: str, journey: int, step: str, expires_at: datetime) -> str:
    _require_secret(secret, "done")
    return _make(secret, _DONE, [customer_id, journey, step], expires_at)


def verify_token(secret: str, token: str, now: datetime) -> DoneLink:
    """The link's content if `token` was made with `secret` and has not expired.

    Raises InvalidToken, and only InvalidToken, for anything a visitor could send."""
    _require_secret(secret, "done")
    (customer_id, journey, step), expires_at = _verify(secret, _DONE, token, now, 3)
    if not (isinstance(customer_id, str) and isinstance(step, str) and _is_plain_int(journey)):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "unexpected payload fields")
    _unexpired(expires_at, now)
    return DoneLink(customer_id=customer_id, journey=journey, step=step, expires_at=expires_at)


def done_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/done/{quote(token, safe='')}"


def make_unsubscribe_token(
    secret: str, customer_id: str, journey: int, expires_at: datetime
) -> str:
    _require_secret(secret, "unsubscribe")
    return _make(secret, _UNSUBSCRIBE, [customer_id, journey], expires_at)


def verify_unsubscribe_token(secret: str, token: str, now: datetime) -> UnsubscribeLink:
    """As `verify_token`, for an unsubscribe token: raises InvalidToken, and only that."""
    _require_secret(secret, "unsubscribe")
    try:
        (customer_id, journey), expires_at = _verify(secret, _UNSUBSCRIBE, token, now, 2)
        if not (isinstance(customer_id, str) and _is_plain_int(journey)):
            raise InvalidToken(InvalidTokenReason.MALFORMED, "unexpected payload fields")
        _unexpired(expires_at, now)
    except InvalidToken as error:  # the same refusal, naming the link it was about
        raise InvalidToken(error.reason, error.detail, "unsubscribe") from None
    return UnsubscribeLink(customer_id=customer_id, journey=journey, expires_at=expires_at)


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{quote(token, safe='')}"


def unsubscribe_link(
    secret: str, base_url: str, customer_id: str, journey: int, now: datetime
) -> str:
    """The address that stops the guide's email to a customer, valid for a year from `now`:
    for `List-Unsubscribe` (a POST there unsubscribes at once, RFC 8058) and for a link in
    the text (opened in a browser, it asks first)."""
    token = make_unsubscribe_token(secret, customer_id, journey, now + UNSUBSCRIBE_LINK_TTL)
    return unsubscribe_url(base_url, token)


def _make(secret: str, purpose: bytes, fields: list[object], expires_at: datetime) -> str:
    """A token of `purpose` for `fields` (the journey second) and the expiry."""
    _require_aware(expires_at, "expires_at")
    if not _is_plain_int(fields[1]):
        raise TypeError(f"journey must be an int, got {fields[1]!r}")
    # Whole seconds, rounded down, so a link never outlives the expiry it was asked for.
    expires_unix = math.floor(expires_at.timestamp())
    payload = json.dumps([*fields, expires_unix], ensure_ascii=True, separators=(",", ":"))
    data = payload.encode("ascii")
    return f"{_b64encode(data)}.{_b64encode(_sign(secret, purpose, data))}"


def _verify(
    secret: str, purpose: bytes, token: str, now: datetime, count: int
) -> tuple[list[object], datetime]:
    """The `count` fields before the expiry of a signed token of `purpose`, and the expiry
    (not yet checked against `now`: a payload of the wrong fields is malformed first)."""
    _require_aware(now, "now")
    payload, signature = _split(token)
    if not hmac.compare_digest(signature, _sign(secret, purpose, payload)):
        raise InvalidToken(InvalidTokenReason.BAD_SIGNATURE)
    return _parse_signed_payload(payload, count)


def _unexpired(expires_at: datetime, now: datetime) -> None:
    if now >= expires_at:
        raise InvalidToken(InvalidTokenReason.EXPIRED, f"expired at {expires_at:%Y-%m-%d}")


def _split(token: object) -> tuple[bytes, bytes]:
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "not a token")
    parts = token.split(".")
    if len(parts) != 2:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "expected payload.signature")
    payload, signature = (_b64decode(part) for part in parts)
    if len(signature) != _SIGNATURE_BYTES:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "signature has the wrong length")
    return payload, signature


def _parse_signed_payload(payload: bytes, count: int) -> tuple[list[object], datetime]:
    # Only reached with a valid signature, so a failure here means a token made by a different
    # format version, not an attack; it is still reported as malformed rather than raised raw.
    try:
        fields = json.loads(payload.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "unreadable payload") from error
    if not (isinstance(fields, list) and len(fields) == count + 1):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "unexpected payload shape")
    expires_unix = fields.pop()
    if not _is_plain_int(expires_unix):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "unexpected payload fields")
    try:
        expires_at = datetime.fromtimestamp(expires_unix, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "expiry out of range") from error
    return fields, expires_at


def _sign(secret: str, purpose: bytes, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), purpose + payload, hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "not base64url") from error
    # Decoding ignores stray low bits in the last character; insisting on the canonical
    # spelling keeps exactly one valid string per token.
    if _b64encode(data) != text:
        raise InvalidToken(InvalidTokenReason.MALFORMED, "not canonical base64url")
    return data


def _require_secret(secret: str, kind: str) -> None:
    if not secret:
        raise ValueError(f"OG_LINK_SECRET is empty; {kind} links cannot be signed or checked")


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


def _is_plain_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
