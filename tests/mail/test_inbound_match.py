"""Whose journey an incoming message belongs to (engine.inbound_match): the email it answers,
else the signed reply token it was sent to, else its sender among the list; a forged or
foreign token names nobody."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.inbound import Inbound, InboundKind
from engine.inbound_match import (
    Matched,
    MatchedBy,
    match_inbound,
    reply_address,
    reply_token,
    tokens_in,
)

SECRET = "s3cret"
SENT = {"<m1@og.example>": ("C1", 2)}
JOURNEYS = {"C1": 2, "C2": 1}
EMAILS = {"ada@customer.example": "C1", "bob@other.example": "C2"}


def inbound(**fields: object) -> Inbound:
    return Inbound(InboundKind.REPLY, **fields)  # type: ignore[arg-type]


def matched(message: Inbound) -> Matched | None:
    return match_inbound(message, sent=SENT, journeys=JOURNEYS, emails=EMAILS, secret=SECRET)


def test_the_email_answered_wins_then_the_token_then_the_sender() -> None:
    token = reply_token(SECRET, "C2", 1)
    both = inbound(
        refers_to=("<m1@og.example>",),
        sent_to=(reply_address("guide@og.example", token),),
        sender="bob@other.example",
    )
    assert matched(both) == Matched("C1", 2, MatchedBy.MESSAGE_ID)
    by_token = inbound(sent_to=(f"guide+{token.upper()}@og.example",), sender="x@y.example")
    assert matched(by_token) == Matched("C2", 1, MatchedBy.REPLY_TOKEN)  # case lost on the way
    earlier = inbound(sent_to=(reply_address("guide@og.example", reply_token(SECRET, "C1", 1)),))
    assert matched(earlier) == Matched("C1", 1, MatchedBy.REPLY_TOKEN)
    by_sender = inbound(sender="ada@customer.example")
    assert matched(by_sender) == Matched("C1", None, MatchedBy.SENDER)
    assert matched(inbound(sender="stranger@else.example")) is None


def test_a_token_signed_with_another_secret_or_made_up_names_nobody() -> None:
    forged = reply_token("not-ours", "C1", 2)
    assert matched(inbound(sent_to=(f"guide+{forged}@og.example",))) is None
    assert matched(inbound(sent_to=("guide+aaaaaaaaaaaaaaaa@og.example",))) is None


def test_a_reply_address_is_a_plain_plus_address() -> None:
    token = reply_token(SECRET, "C1", 2)
    assert len(token) == 16 and token == token.lower() and token.isalnum()
    assert reply_address("guide+old@og.example", token) == f"guide+{token}@og.example"
    assert tokens_in([reply_address("guide@og.example", token), "plain@og.example"]) == [token]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30), st.integers(1, 5), st.text(min_size=1, max_size=30))
def test_each_customer_and_journey_has_a_token_of_its_own(
    customer: str, journey: int, other: str
) -> None:
    token = reply_token(SECRET, customer, journey)
    assert token == reply_token(SECRET, customer, journey)
    if other != customer:
        assert token != reply_token(SECRET, other, journey)
    assert token != reply_token(SECRET, customer, journey + 1)
