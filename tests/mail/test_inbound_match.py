"""Whose journey an incoming message belongs to (engine.inbound_match): the guide's email it
answers, else the signed reply token it was sent to (or tagged with), else its sender among
the list; a forged or foreign token names nobody."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.inbound import Bounce, Inbound, InboundKind
from engine.inbound_match import (
    Directory,
    Matched,
    MatchedBy,
    match_inbound,
    message_id_with,
    reply_address,
    reply_token,
    tokens_in,
    tokens_in_ids,
)

SECRET = "s3cret"
EMAILS = {"C1": "Ada@Customer.example", "C2": "bob@other.example"}


def inbound(**fields: object) -> Inbound:
    return Inbound(InboundKind.REPLY, **fields)  # type: ignore[arg-type]


def matched(message: Inbound) -> Matched | None:
    return match_inbound(message, Directory(SECRET, EMAILS))


def test_the_email_answered_wins_then_the_token_then_the_sender() -> None:
    ours = message_id_with(reply_token(SECRET, "C1"), "og.example")
    token = reply_token(SECRET, "C2")
    both = inbound(
        refers_to=("<someone-elses@mail.example>", ours),
        sent_to=(reply_address("guide@og.example", token),),
        sender="bob@other.example",
    )
    assert matched(both) == Matched("C1", MatchedBy.MESSAGE_ID)
    by_token = inbound(sent_to=(f"guide+{token.upper()}@og.example",), sender="x@y.example")
    assert matched(by_token) == Matched("C2", MatchedBy.REPLY_TOKEN)  # case lost on the way
    tagged = Inbound(InboundKind.COMPLAINT, tokens=(token,))
    assert matched(tagged) == Matched("C2", MatchedBy.REPLY_TOKEN)
    by_sender = inbound(sender="ada@customer.example")
    assert matched(by_sender) == Matched("C1", MatchedBy.SENDER)
    bounce = Bounce(recipient="bob@other.example", status="5.1.1", permanent=True)
    assert matched(Inbound(InboundKind.BOUNCE, bounces=(bounce,))) == Matched(
        "C2", MatchedBy.SENDER
    )
    assert matched(inbound(sender="stranger@else.example")) is None


def test_a_token_signed_with_another_secret_or_made_up_names_nobody() -> None:
    forged = reply_token("not-ours", "C1")
    assert matched(inbound(sent_to=(f"guide+{forged}@og.example",))) is None
    assert matched(inbound(sent_to=("guide+aaaaaaaaaaaaaaaa@og.example",))) is None
    assert matched(inbound(refers_to=(message_id_with(forged, "og.example"),))) is None


def test_a_reply_address_is_a_plain_plus_address_and_ids_carry_the_token() -> None:
    token = reply_token(SECRET, "C1")
    assert len(token) == 16 and token == token.lower() and token.isalnum()
    assert reply_address("guide+old@og.example", token) == f"guide+{token}@og.example"
    assert tokens_in([reply_address("guide@og.example", token), "plain@og.example"]) == [token]
    first, second = message_id_with(token, "og.example"), message_id_with(token, "og.example")
    assert first != second
    assert tokens_in_ids([first, "<og.short.x@og.example>", "<abc@og.example>"]) == [token]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_each_customer_has_a_token_of_their_own(customer: str, other: str) -> None:
    token = reply_token(SECRET, customer)
    assert token == reply_token(SECRET, customer)
    if other != customer:
        assert token != reply_token(SECRET, other)
    assert token != reply_token(SECRET + "x", customer)
