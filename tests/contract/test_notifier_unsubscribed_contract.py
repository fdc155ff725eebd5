"""The Notifier contract, the owner told that a customer unsubscribed: every notifier adapter
(`under_test`, tests/contract/conftest.py) passes it, then Slack's own ways."""

from __future__ import annotations

import pytest
from builders import an_unsubscribed_notice
from fake_slack import FakeSlack, message_texts
from notifiers import FLAG_CHANNEL, NotifierUnderTest, the_one_delivery

from bot.slack.notifier import SlackNotifier
from engine.plans import Person
from engine.ports import SendError


def test_an_unsubscribe_tells_the_owner_who_when_and_how_to_undo_it(
    under_test: NotifierUnderTest,
) -> None:
    reference = under_test.notifier.unsubscribed(an_unsubscribed_notice())

    text = the_one_delivery(under_test)
    assert reference
    for expected in [
        "<@U123>",
        "Ada Lovelace",
        "cust-42",
        "Analytical Engines Ltd",
        "og undo cust-42",
    ]:
        assert expected in text
    assert "unsubscribed" in text.lower()
    assert "2025-03-11" in text or "Tue 11 Mar 2025" in text


def test_each_unsubscribe_is_delivered_once_with_its_own_reference(
    under_test: NotifierUnderTest,
) -> None:
    first = under_test.notifier.unsubscribed(an_unsubscribed_notice())
    second = under_test.notifier.unsubscribed(
        an_unsubscribed_notice(customer_id="cust-43", customer_name="Grace")
    )

    deliveries = under_test.delivered()
    assert len(deliveries) == 2
    assert "Ada Lovelace" in deliveries[0] and "Grace" in deliveries[1]
    assert first != second


def test_an_unsubscribe_with_a_hostile_name_forges_no_line(under_test: NotifierUnderTest) -> None:
    under_test.notifier.unsubscribed(
        an_unsubscribed_notice(customer_name="Eve\nFORGED: all fine\x1b[2J", company="A\r\nB")
    )

    text = the_one_delivery(under_test)
    assert "Eve FORGED: all fine" in text
    assert not any(ch in text for ch in "\x1b\r")
    assert not any(line.strip().startswith(("FORGED", "B")) for line in text.splitlines())


def test_a_failing_backend_raises_send_error_for_an_unsubscribe(
    under_test: NotifierUnderTest,
) -> None:
    broken = under_test.break_backend()

    with pytest.raises(SendError):
        broken.unsubscribed(an_unsubscribed_notice())


# --- Slack only ----------------------------------------------------------------------------


def test_slack_posts_it_to_the_flag_channel_and_pings_only_the_owner(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)

    reference = notifier.unsubscribed(
        an_unsubscribed_notice(customer_name="<!channel> *Eve*", company="<@U999> & Co")
    )

    (posted,) = fake_slack.posted()
    assert posted["channel"] == FLAG_CHANNEL
    assert reference.split(":")[0] == FLAG_CHANNEL
    mrkdwn = [posted["text"], *message_texts(posted["blocks"], "mrkdwn")]
    for text in mrkdwn:
        assert text.startswith("<@U123> ")
        assert "<!channel>" not in text and "<@U999>" not in text and "*Eve*" not in text


def test_slack_without_a_flag_channel_tells_the_owner_directly(fake_slack: FakeSlack) -> None:
    SlackNotifier(fake_slack.client(), None).unsubscribed(
        an_unsubscribed_notice(owner=Person(name="Sam Owner", slack_id="U123"))
    )

    (posted,) = fake_slack.posted()
    assert posted["channel"] == "D123"
    assert posted["text"] == "<@U123> Ada Lovelace unsubscribed from the guide's emails"
