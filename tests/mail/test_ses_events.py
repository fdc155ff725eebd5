"""engine.ses_events: SES's bounce and complaint events, in both of SES's shapes (AWS's own
documented examples, tests/support/mail_events.py), read as what came back from an email;
everything else ignored, and a message that is no such event refused with the reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mail_events import (
    NOTIFIED_BOUNCE,
    NOTIFIED_COMPLAINT,
    PUBLISHED_BOUNCE,
    PUBLISHED_COMPLAINT,
    PUBLISHED_DELIVERY,
    ses_event,
)

from engine.inbound import Bounce, Inbound, InboundKind
from engine.ses_events import Ignored, MalformedEvent, read_ses_event


def read(event: dict[str, object]) -> Inbound:
    found = read_ses_event(json.dumps(event))
    assert isinstance(found, Inbound)
    return found


def test_a_published_permanent_bounce_with_the_reply_tag() -> None:
    inbound = read(ses_event(PUBLISHED_BOUNCE, "Ada@Customer.example", tags={"reply": "ABCD"}))
    assert inbound.kind == InboundKind.BOUNCE
    assert inbound.bounces == (
        Bounce("ada@customer.example", "5.1.1", True, "smtp; 550 5.1.1 user unknown"),
    )
    assert inbound.tokens == ("abcd",)  # tokens are lower-case base32
    assert inbound.sender == "ada@customer.example"
    assert inbound.subject == "Message sent from Amazon SES"
    assert inbound.message_id == PUBLISHED_BOUNCE["mail"]["messageId"]


@pytest.mark.parametrize("kind", ["Transient", "Undetermined"])
def test_transient_and_undetermined_bounces_are_soft(kind: str) -> None:
    inbound = read(ses_event(PUBLISHED_BOUNCE, "a@b.example", bounceType=kind))
    assert [b.permanent for b in inbound.bounces] == [False]


def test_a_bounce_without_a_diagnostic_says_what_ses_called_it() -> None:
    event = ses_event(PUBLISHED_BOUNCE, "a@b.example", bounceSubType="Suppressed")
    del event["bounce"]["bouncedRecipients"][0]["diagnosticCode"]
    del event["bounce"]["bouncedRecipients"][0]["status"]
    (bounce,) = read(event).bounces
    assert (bounce.status, bounce.diagnostic) == ("", "SES Permanent bounce (Suppressed)")


def test_a_published_complaint_names_who_complained() -> None:
    inbound = read(ses_event(PUBLISHED_COMPLAINT, "ada@customer.example", tags={"reply": "t"}))
    assert (inbound.kind, inbound.sender, inbound.why) == (
        InboundKind.COMPLAINT,
        "ada@customer.example",
        "abuse",
    )
    assert inbound.tokens == ("t",)


def test_identity_notifications_have_no_tags_and_match_by_address() -> None:
    bounce = read(NOTIFIED_BOUNCE)
    assert bounce.tokens == ()
    assert [b.recipient for b in bounce.bounces] == ["jane@example.com"]
    complaint = read(NOTIFIED_COMPLAINT)
    assert (complaint.kind, complaint.sender) == (InboundKind.COMPLAINT, "richard@example.com")


def test_the_sent_emails_message_id_is_read_from_the_original_headers() -> None:
    event = ses_event(PUBLISHED_BOUNCE, "a@b.example")
    event["mail"]["headers"].append({"name": "Message-ID", "value": "<og.abc.123@og.example>"})
    assert read(event).refers_to == ("<og.abc.123@og.example>",)


@pytest.mark.parametrize(
    "event",
    [
        PUBLISHED_DELIVERY,
        {"eventType": "Send", "mail": {}, "send": {}},
        {"eventType": "Open", "mail": {}},
        {"notificationType": "Delivery", "mail": {}},
        {"Type": "Notification", "notificationType": "AmazonSnsSubscriptionSucceeded"},
    ],
)
def test_other_events_are_ignored(event: dict[str, object]) -> None:
    ignored = read_ses_event(json.dumps(event))
    assert isinstance(ignored, Ignored)
    assert ignored.what == event.get("eventType", event.get("notificationType"))


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("Hello from SNS!", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"mail": {}}', "neither eventType nor notificationType"),
        ('{"eventType": "Bounce", "mail": {}}', "without its bounce object"),
        ('{"eventType": "Bounce", "bounce": {"bouncedRecipients": "x"}}', "is not a list"),
        ('{"eventType": "Bounce", "bounce": {"bouncedRecipients": [{}]}}', "names no address"),
        ('{"eventType": "Complaint", "complaint": {"complainedRecipients": []}}', "no address"),
        ('{"eventType": "Complaint", "mail": "x", "complaint": {}}', "mail is not an object"),
    ],
)
def test_a_message_that_is_not_such_an_event_is_refused_with_the_reason(
    message: str, why: str
) -> None:
    with pytest.raises(MalformedEvent, match=why):
        read_ses_event(message)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
RECIPIENTS = st.lists(
    st.dictionaries(st.sampled_from(["emailAddress", "status", "diagnosticCode"]), JSON)
)
EVENTS = st.fixed_dictionaries(
    {
        "eventType": st.sampled_from(["Bounce", "Complaint"]),
        "bounce": st.fixed_dictionaries({"bounceType": JSON, "bouncedRecipients": RECIPIENTS})
        | JSON,
        "complaint": st.fixed_dictionaries({"complainedRecipients": RECIPIENTS}) | JSON,
        "mail": st.fixed_dictionaries({"tags": JSON, "headers": JSON, "commonHeaders": JSON})
        | JSON,
    }
).map(json.dumps)


@given(st.text(max_size=200) | JSON.map(json.dumps) | EVENTS)
def test_whatever_the_message_it_is_read_ignored_or_refused(message: str) -> None:
    try:
        found = read_ses_event(message)
    except MalformedEvent:
        return
    if isinstance(found, Inbound):
        assert found.kind in (InboundKind.BOUNCE, InboundKind.COMPLAINT)
        assert found.sender and all("@" in b.recipient for b in found.bounces)
