"""The Notifier contract, the owner told what came back from the guide's email (a reply, an
address given up, a complaint): every notifier adapter (`under_test`,
tests/contract/conftest.py) passes it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from notifiers import NotifierUnderTest, the_one_delivery

from engine.outcomes import HeardKind, HeardNotice
from engine.plans import Person
from engine.ports import SendError


def a_heard_notice(**changes: Any) -> HeardNotice:
    """Ada's reply to her setup email: a question the guide cannot answer."""
    fields: dict[str, Any] = {
        "kind": HeardKind.REPLY,
        "customer_id": "cust-42",
        "customer_name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "plan": "Starter",
        "owner": Person(name="Sam Owner", slack_id="U123"),
        "journey": 1,
        "step": "setup",
        "step_name": "Setup",
        "address": "ada@engines.example",
        "subject": "Re: Set up Analytical Engines Ltd",
        "text": "Can we use SSO with Okta?",
        "on": date(2025, 3, 11),
    }
    return HeardNotice.model_validate(fields | changes)


def test_a_reply_tells_the_owner_who_wrote_and_what(under_test: NotifierUnderTest) -> None:
    reference = under_test.notifier.heard(a_heard_notice())

    text = the_one_delivery(under_test)
    assert reference
    for expected in ["<@U123>", "Ada Lovelace", "Re: Set up Analytical Engines Ltd"]:
        assert expected in text
    assert "Can we use SSO with Okta?" in text


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (HeardKind.UNDELIVERABLE, "bounced for good (5.1.1 no such user)", "5.1.1 no such user"),
        (HeardKind.COMPLAINT, "marked an email as spam", "spam"),
    ],
)
def test_a_bounce_or_complaint_tells_the_owner_why(
    under_test: NotifierUnderTest, kind: HeardKind, text: str, expected: str
) -> None:
    under_test.notifier.heard(a_heard_notice(kind=kind, text=text, subject=""))

    delivered = the_one_delivery(under_test)
    assert "<@U123>" in delivered and "Ada Lovelace" in delivered
    assert expected in delivered


def test_a_hostile_reply_forges_no_line(under_test: NotifierUnderTest) -> None:
    under_test.notifier.heard(
        a_heard_notice(subject="Re: x\r\nFORGED: all fine", text="ok\x1b[2J\nFORGED too")
    )

    text = the_one_delivery(under_test)
    assert not any(ch in text for ch in "\x1b\r")
    assert not any(line.strip().startswith("FORGED") for line in text.splitlines())


def test_a_failing_backend_raises_send_error_for_what_came_back(
    under_test: NotifierUnderTest,
) -> None:
    broken = under_test.break_backend()

    with pytest.raises(SendError):
        broken.heard(a_heard_notice())
