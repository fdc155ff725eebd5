from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import assume, example, given
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


def refusal(token: object, *, secret: str = SECRET, now: datetime = NOW) -> InvalidToken:
    """The error verify_token raises for `token`; anything else it raises fails the test."""
    with pytest.raises(InvalidToken) as caught:
        verify_token(secret, token, now)  # type: ignore[arg-type]
    return caught.value


def reason_for(token: str, *, secret: str = SECRET, now: datetime = NOW) -> InvalidTokenReason:
    return refusal(token, secret=secret, now=now).reason


def signed(payload: bytes) -> str:
    """A token for `payload` that only the secret's holder could make."""
    signature = hmac.new(SECRET.encode(), b"og-done-link-v1\x00" + payload, hashlib.sha256).digest()
    return f"{b64(payload)}.{b64(signature)}"


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
    ("payload", "detail"),
    [
        pytest.param(b'["cust", 1, "st', "unreadable payload", id="not JSON"),
        pytest.param(
            b'["caf\xc3\xa9", 1, "step", 2000000000]', "unreadable payload", id="not ASCII"
        ),
        pytest.param(b"[" * 3000, "unreadable payload", id="nested too deep"),
        pytest.param(b'["cust", 1, "step"]', "unexpected payload shape", id="missing expiry"),
        pytest.param(b'{"customer_id": "cust"}', "unexpected payload shape", id="not a list"),
        pytest.param(b'["cust", true, "step", 2000000000]', "unexpected payload fields", id="bool"),
        pytest.param(b'["cust", 1, 2, 2000000000]', "unexpected payload fields", id="step number"),
        pytest.param(b'[1, 1, "step", 2000000000]', "unexpected payload fields", id="id number"),
        pytest.param(b'["cust", 1, "step", 2e9]', "unexpected payload fields", id="float expiry"),
        pytest.param(b'["cust", 1, "step", 1' + b"0" * 30 + b"]", "expiry out of range", id="far"),
    ],
)
def test_a_validly_signed_but_odd_payload_is_malformed(payload: bytes, detail: str) -> None:
    # Only the secret's holder could make these; they still must not escape as other errors.
    error = refusal(signed(payload))

    assert (error.reason, str(error)) == (
        InvalidTokenReason.MALFORMED,
        f"invalid done link: malformed ({detail})",
    )


def test_an_empty_secret_is_a_setup_error() -> None:
    says = r"^OG_LINK_SECRET is empty; done links cannot be signed or checked$"
    with pytest.raises(ValueError, match=says):
        make_token("", "c", 1, "s", EXPIRES)
    with pytest.raises(ValueError, match=says):
        verify_token("", a_token(), NOW)


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: a datetime carrying it is still naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


@pytest.mark.parametrize("zone", [None, NoOffset()], ids=["no tzinfo", "tzinfo without offset"])
def test_naive_datetimes_are_refused_by_name(zone: tzinfo | None) -> None:
    with pytest.raises(ValueError, match=r"^expires_at must be timezone-aware, got datetime"):
        make_token(SECRET, "c", 1, "s", datetime(2025, 5, 1, tzinfo=zone))
    with pytest.raises(ValueError, match=r"^now must be timezone-aware, got datetime"):
        verify_token(SECRET, a_token(), datetime(2025, 3, 10, tzinfo=zone))


@pytest.mark.parametrize("journey", [True, "1", 1.0])
def test_a_journey_that_is_not_a_plain_int_is_refused(journey: object) -> None:
    with pytest.raises(TypeError, match=f"^journey must be an int, got {journey!r}$"):
        make_token(SECRET, "c", journey, "s", EXPIRES)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "base_url", ["https://og.example.com", "https://og.example.com/", "https://og.example.com//"]
)
def test_done_url_joins_base_and_token_once(base_url: str) -> None:
    assert done_url(base_url, "abc.def") == "https://og.example.com/done/abc.def"


@pytest.mark.parametrize("base_path", ["/og", "/INBOX", "/og.X"])
def test_done_url_keeps_a_base_path_trimming_only_slashes(base_path: str) -> None:
    base_url = f"https://acme.example{base_path}"

    assert done_url(f"{base_url}/", "t.k") == f"{base_url}/done/t.k"


def test_done_url_escapes_every_reserved_character_of_the_token() -> None:
    assert done_url("https://og.example.com", "a/b?c#d e") == (
        "https://og.example.com/done/a%2Fb%3Fc%23d%20e"
    )


def test_the_payload_is_the_four_fields_as_compact_ascii_json() -> None:
    payload, _ = make_token(SECRET, "Zoë", 3, "kickoff", EXPIRES).split(".")
    expires_unix = int(EXPIRES.timestamp())

    assert unb64(payload) == f'["Zo\\u00eb",3,"kickoff",{expires_unix}]'.encode()


@pytest.mark.parametrize(
    "token",
    [None, 42, 4.2, b"abc.def", ["abc", "def"], {"token": "abc.def"}],
    ids=lambda v: type(v).__name__,
)
def test_anything_but_text_is_refused_as_malformed(token: object) -> None:
    error = refusal(token)

    assert (error.reason, str(error)) == (
        InvalidTokenReason.MALFORMED,
        "invalid done link: malformed (not a token)",
    )


def test_the_bytes_of_a_valid_token_are_refused() -> None:
    assert refusal(a_token().encode()).reason == InvalidTokenReason.MALFORMED


# verify_token reads tokens of up to this many characters and refuses longer ones unread.
LONGEST_TOKEN = 4096


def a_token_of_length(length: int) -> tuple[str, str] | None:
    """A customer id and its valid token exactly `length` characters long, if base64 can spell
    a token that long (it cannot spell every length)."""
    for id_length in range(length):
        customer_id = "x" * id_length
        token = a_token(customer_id=customer_id)
        if len(token) >= length:
            return (customer_id, token) if len(token) == length else None
    return None


def test_a_token_up_to_the_length_limit_verifies() -> None:
    longest = a_token_of_length(LONGEST_TOKEN)
    assert longest is not None
    customer_id, token = longest

    assert verify_token(SECRET, token, NOW).customer_id == customer_id


def test_a_valid_token_longer_than_the_limit_is_refused_unread() -> None:
    longer = [a_token_of_length(LONGEST_TOKEN + extra) for extra in (1, 2, 3)]
    tokens = [token for _, token in filter(None, longer)]
    assert tokens, "base64 spells at least one of any three consecutive lengths"

    for token in tokens:
        error = refusal(token)
        assert str(error) == "invalid done link: malformed (not a token)"


@pytest.mark.parametrize(
    ("token", "reason", "detail"),
    [
        pytest.param("", "malformed", "expected payload.signature", id="empty"),
        pytest.param("no-dot", "malformed", "expected payload.signature", id="no dot"),
        pytest.param("a.b.c", "malformed", "expected payload.signature", id="two dots"),
        pytest.param("abc.", "malformed", "not base64url", id="no signature"),
        pytest.param(".abc", "malformed", "not base64url", id="no payload"),
        pytest.param("ab c.def", "malformed", "not base64url", id="a space"),
        pytest.param("abc=.def", "malformed", "not base64url", id="padding"),
        pytest.param("abcde.abcd", "malformed", "not base64url", id="4k+1 characters"),
        pytest.param("x" * 10_000 + ".y", "malformed", "not a token", id="too long"),
        pytest.param(
            f"{b64(b'payload')}.{b64(b'short')}",
            "malformed",
            "signature has the wrong length",
            id="short signature",
        ),
        pytest.param(
            f"{b64(b'payload')}.{b64(bytes(32))[:-1]}B",
            "malformed",
            "not canonical base64url",
            id="stray low bits",
        ),
        pytest.param(f"{b64(b'payload')}.{b64(bytes(32))}", "bad signature", None, id="forged"),
        pytest.param(a_token(), "expired", "expired at 2025-05-09", id="expired"),
    ],
)
def test_each_refusal_says_what_was_wrong(token: str, reason: str, detail: str | None) -> None:
    error = refusal(token, now=EXPIRES + timedelta(hours=1))

    assert error.reason == InvalidTokenReason(reason)
    assert str(error) == f"invalid done link: {reason}" + (f" ({detail})" if detail else "")


@given(payload=st.binary(min_size=1, max_size=300))
@example(payload=b"\x00\x00\x17")  # spelled "AAAX": an encoding can end in any letter
def test_a_well_formed_token_with_someone_elses_signature_is_refused_for_its_signature(
    payload: bytes,
) -> None:
    real_payload, signature = a_token().split(".")
    assume(b64(payload) != real_payload)

    assert reason_for(f"{b64(payload)}.{signature}") == InvalidTokenReason.BAD_SIGNATURE
