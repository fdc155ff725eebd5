from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.links import (
    DEFAULT_LINK_TTL,
    DoneLink,
    InvalidToken,
    InvalidTokenReason,
    done_url,
    make_token,
    verify_token,
)

SECRET = "link-secret-for-tests"
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
EXPIRES = NOW + DEFAULT_LINK_TTL


def a_token(customer_id: str = "cust-42", journey: int = 1, step: str = "kickoff") -> str:
    return make_token(SECRET, customer_id, journey, step, EXPIRES)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def reason_for(token: str, *, secret: str = SECRET, now: datetime = NOW) -> InvalidTokenReason:
    with pytest.raises(InvalidToken) as caught:
        verify_token(secret, token, now)
    return caught.value.reason


def test_a_token_round_trips() -> None:
    link = verify_token(SECRET, a_token(journey=3), NOW)

    assert link == DoneLink(customer_id="cust-42", journey=3, step="kickoff", expires_at=EXPIRES)


def test_a_token_is_url_safe_without_padding() -> None:
    token = a_token(customer_id="a/b+c=d ü?&#")

    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token)


def test_expiry_is_kept_to_the_second_and_rounded_down() -> None:
    expires = EXPIRES.replace(microsecond=999_999)
    link = verify_token(SECRET, make_token(SECRET, "c", 1, "s", expires), NOW)

    assert link.expires_at == EXPIRES


def test_expiry_in_another_timezone_means_the_same_instant() -> None:
    berlin_noon = datetime(2025, 4, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    link = verify_token(SECRET, make_token(SECRET, "c", 1, "s", berlin_noon), NOW)

    assert link.expires_at == datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


def test_an_expired_token_is_refused() -> None:
    token = a_token()

    assert reason_for(token, now=EXPIRES) == InvalidTokenReason.EXPIRED
    assert reason_for(token, now=EXPIRES + timedelta(days=1)) == InvalidTokenReason.EXPIRED
    assert verify_token(SECRET, token, EXPIRES - timedelta(seconds=1)).step == "kickoff"


def test_a_token_signed_with_another_secret_is_refused() -> None:
    assert reason_for(a_token(), secret="another-secret") == InvalidTokenReason.BAD_SIGNATURE


def test_a_tampered_payload_is_refused() -> None:
    payload, signature = a_token().split(".")
    fields = json.loads(unb64(payload))
    fields[2] = "wrap-up"
    forged = b64(json.dumps(fields, separators=(",", ":")).encode()) + "." + signature

    assert reason_for(forged) == InvalidTokenReason.BAD_SIGNATURE


def test_an_extended_expiry_is_refused() -> None:
    payload, signature = a_token().split(".")
    fields = json.loads(unb64(payload))
    fields[3] += 365 * 24 * 3600
    forged = b64(json.dumps(fields, separators=(",", ":")).encode()) + "." + signature

    assert reason_for(forged) == InvalidTokenReason.BAD_SIGNATURE


def test_a_tampered_signature_is_refused() -> None:
    payload, signature = a_token().split(".")
    raw = bytearray(unb64(signature))
    raw[0] ^= 0x01

    assert reason_for(f"{payload}.{b64(bytes(raw))}") == InvalidTokenReason.BAD_SIGNATURE


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_a_truncated_token_is_refused(cut: int) -> None:
    token = a_token()

    with pytest.raises(InvalidToken):
        verify_token(SECRET, token[:-cut], NOW)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", InvalidTokenReason.MALFORMED),
        ("no-dot", InvalidTokenReason.MALFORMED),
        ("a.b.c", InvalidTokenReason.MALFORMED),
        ("abc.", InvalidTokenReason.MALFORMED),
        (".abc", InvalidTokenReason.MALFORMED),
        ("ab c.def", InvalidTokenReason.MALFORMED),
        ("abc=.def", InvalidTokenReason.MALFORMED),
        ("x" * 10_000 + ".y", InvalidTokenReason.MALFORMED),
    ],
)
def test_malformed_tokens_say_so(token: str, reason: InvalidTokenReason) -> None:
    assert reason_for(token) == reason


def test_a_non_canonical_spelling_of_a_valid_token_is_refused() -> None:
    payload, signature = a_token().split(".")
    # The last character of unpadded base64 carries unused low bits; flipping one leaves the
    # decoded bytes unchanged but must not yield a second valid token.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    respelled = signature[:-1] + alphabet[last ^ 1]
    assert unb64(respelled) == unb64(signature)

    assert reason_for(f"{payload}.{respelled}") == InvalidTokenReason.MALFORMED


@pytest.mark.parametrize(
    "customer_id",
    [
        'cust-1",2,"wrap-up',
        "cust-1|2|wrap-up",
        "cust-1:2:wrap-up",
        "cust-1.2.wrap-up",
        "cust-1\x002\x00wrap-up",
        'cust-1"],["x',
        "cust-1\\",
    ],
)
def test_separators_in_a_customer_id_cannot_forge_another_step(customer_id: str) -> None:
    token = make_token(SECRET, customer_id, 1, "kickoff", EXPIRES)

    link = verify_token(SECRET, token, NOW)
    assert (link.customer_id, link.journey, link.step) == (customer_id, 1, "kickoff")
    # Nor does its signature fit any other split of the same characters.
    _, signature = token.split(".")
    for other_id, other_step in [("cust-1", "wrap-up"), ("cust-1", "kickoff")]:
        other_payload, _ = make_token(SECRET, other_id, 2, other_step, EXPIRES).split(".")
        assert reason_for(f"{other_payload}.{signature}") == InvalidTokenReason.BAD_SIGNATURE


@given(
    customer_id=st.text(),
    journey=st.integers(min_value=-(2**63), max_value=2**63),
    step=st.text(),
)
def test_any_fields_round_trip_exactly(customer_id: str, journey: int, step: str) -> None:
    link = verify_token(SECRET, make_token(SECRET, customer_id, journey, step, EXPIRES), NOW)

    assert (link.customer_id, link.journey, link.step) == (customer_id, journey, step)


@given(token=st.text())
def test_garbage_text_only_ever_raises_invalid_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(SECRET, token, NOW)


@given(
    token=st.from_regex(r"[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,60}", fullmatch=True)
    | st.builds(lambda a, b: f"{b64(a)}.{b64(b)}", st.binary(), st.binary(min_size=32, max_size=32))
)
def test_garbage_that_looks_like_a_token_only_ever_raises_invalid_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(SECRET, token, NOW)


@given(position=st.integers(min_value=0), replacement=st.characters())
def test_any_single_character_change_is_refused(position: int, replacement: str) -> None:
    token = a_token()
    position %= len(token)
    changed = token[:position] + replacement + token[position + 1 :]
    if changed == token:
        return

    with pytest.raises(InvalidToken):
        verify_token(SECRET, changed, NOW)


@pytest.mark.parametrize(
    ("payload_fields", "why"),
    [
        (["cust", True, "step", 2_000_000_000], "journey is a bool"),
        (["cust", 1, "step"], "missing expiry"),
        ({"customer_id": "cust"}, "not a list"),
        (["cust", 1, "step", 10**30], "expiry out of range"),
    ],
)
def test_a_validly_signed_but_odd_payload_is_malformed(payload_fields: object, why: str) -> None:
    # Only the secret's holder could make these; they still must not escape as other errors.
    payload = json.dumps(payload_fields).encode()
    signature = hmac.new(SECRET.encode(), b"og-done-link-v1\x00" + payload, hashlib.sha256).digest()

    assert reason_for(f"{b64(payload)}.{b64(signature)}") == InvalidTokenReason.MALFORMED, why


def test_an_empty_secret_is_a_setup_error() -> None:
    with pytest.raises(ValueError, match="OG_LINK_SECRET"):
        make_token("", "c", 1, "s", EXPIRES)
    with pytest.raises(ValueError, match="OG_LINK_SECRET"):
        verify_token("", a_token(), NOW)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_token(SECRET, "c", 1, "s", datetime(2025, 5, 1))
    with pytest.raises(ValueError, match="timezone"):
        verify_token(SECRET, a_token(), datetime(2025, 3, 10))


@pytest.mark.parametrize(
    "base_url", ["https://og.example.com", "https://og.example.com/", "https://og.example.com//"]
)
def test_done_url_joins_base_and_token_once(base_url: str) -> None:
    assert done_url(base_url, "abc.def") == "https://og.example.com/done/abc.def"


def test_done_url_keeps_a_base_path() -> None:
    assert done_url("https://acme.example/og/", "t.k") == "https://acme.example/og/done/t.k"
