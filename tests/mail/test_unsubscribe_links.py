"""Unsubscribe tokens: signed like done links, under a purpose of their own, and long-lived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.links import (
    UNSUBSCRIBE_LINK_TTL,
    InvalidToken,
    InvalidTokenReason,
    UnsubscribeLink,
    make_token,
    make_unsubscribe_token,
    unsubscribe_link,
    unsubscribe_url,
    verify_token,
    verify_unsubscribe_token,
)

SECRET = "link-secret-for-tests"
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def a_token(customer_id: str = "cust-42", journey: int = 1) -> str:
    return make_unsubscribe_token(SECRET, customer_id, journey, NOW + UNSUBSCRIBE_LINK_TTL)


def refusal(token: str, *, secret: str = SECRET, now: datetime = NOW) -> InvalidToken:
    with pytest.raises(InvalidToken) as caught:
        verify_unsubscribe_token(secret, token, now)
    return caught.value


def test_a_token_round_trips() -> None:
    link = verify_unsubscribe_token(SECRET, a_token(journey=3), NOW)

    assert link == UnsubscribeLink(
        customer_id="cust-42", journey=3, expires_at=NOW + UNSUBSCRIBE_LINK_TTL
    )


@given(customer_id=st.text(max_size=40), journey=st.integers(-(2**40), 2**40))
def test_any_customer_id_and_journey_round_trip_exactly(customer_id: str, journey: int) -> None:
    link = verify_unsubscribe_token(SECRET, a_token(customer_id, journey), NOW)

    assert (link.customer_id, link.journey) == (customer_id, journey)


def test_a_link_still_works_eleven_months_on_and_not_after_a_year() -> None:
    url = unsubscribe_link(SECRET, "https://og.example", "cust-42", 1, NOW)
    token = unquote(url.rsplit("/", 1)[1])

    assert verify_unsubscribe_token(SECRET, token, NOW + timedelta(days=334)).journey == 1
    late = refusal(token, now=NOW + timedelta(days=365))
    assert late.reason == InvalidTokenReason.EXPIRED
    assert str(late) == "invalid unsubscribe link: expired (expired at 2026-03-10)"


def test_a_done_link_token_is_no_unsubscribe_token_and_the_reverse() -> None:
    done = make_token(SECRET, "cust-42", 1, "welcome", NOW + timedelta(days=60))

    assert refusal(done).reason == InvalidTokenReason.BAD_SIGNATURE
    with pytest.raises(InvalidToken) as caught:
        verify_token(SECRET, a_token(), NOW)
    assert caught.value.reason == InvalidTokenReason.BAD_SIGNATURE


def test_a_token_signed_with_another_secret_is_refused() -> None:
    assert refusal(a_token(), secret="someone-else").reason == InvalidTokenReason.BAD_SIGNATURE


def test_a_tampered_token_is_refused() -> None:
    token = a_token()
    middle = 10
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]

    error = refusal(flipped)
    assert error.reason in (InvalidTokenReason.BAD_SIGNATURE, InvalidTokenReason.MALFORMED)
    assert str(error).startswith("invalid unsubscribe link: ")


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("", "expected payload.signature"),
        ("ab+.cd", "not base64url"),
        ("abc", "expected payload.signature"),
        ("abc.def.ghi", "expected payload.signature"),
        ("x" * 5000, "not a token"),
    ],
)
def test_a_malformed_token_says_what_is_wrong(token: str, detail: str) -> None:
    error = refusal(token)

    assert error.reason == InvalidTokenReason.MALFORMED
    assert str(error) == f"invalid unsubscribe link: malformed ({detail})"


def test_the_url_joins_base_and_escaped_token_once() -> None:
    assert unsubscribe_url("https://og.example/", "a.b") == "https://og.example/unsubscribe/a.b"
    assert (
        unsubscribe_url("https://og.example/x", "a/b") == "https://og.example/x/unsubscribe/a%2Fb"
    )


def test_the_link_is_the_url_of_a_token_that_expires_in_a_year() -> None:
    url = unsubscribe_link(SECRET, "https://og.example", "cust-42", 2, NOW)

    assert url == unsubscribe_url("https://og.example", a_token(journey=2))


def test_an_empty_secret_is_a_setup_error() -> None:
    says = r"^OG_LINK_SECRET is empty; unsubscribe links cannot be signed or checked$"
    with pytest.raises(ValueError, match=says):
        unsubscribe_link("", "https://og.example", "c", 1, NOW)
    with pytest.raises(ValueError, match=says):
        verify_unsubscribe_token("", a_token(), NOW)


def test_a_journey_that_is_not_a_plain_int_is_refused() -> None:
    with pytest.raises(TypeError, match="journey must be an int"):
        make_unsubscribe_token(SECRET, "c", True, NOW)
