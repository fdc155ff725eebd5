"""The Notifier contract, an edit of the rules doc announced (issue 17) and rewritten once a
person decides: every notifier adapter (`under_test`, tests/contract/conftest.py) passes it,
then Slack's own ways (the buttons, the owners' direct messages, escaping)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fake_slack import FakeSlack, message_texts
from notifiers import FLAG_CHANNEL, NotifierUnderTest, the_one_delivery

from bot.slack.notifier import SlackNotifier
from engine.adapters.memory import RecordingNotifier
from engine.outcomes import RulesChangeNotice, RulesDecision
from engine.plans import Person
from engine.ports import SendError

SUMMARY = (
    "the email of setup: 41 Starter customers get it a day later",
    "the nudge of welcome: 3 Pro customers get it, and would not have",
)
DANA = Person(name="Dana Reyes", slack_id="U0DANA")
LEE = Person(name="Lee Wong", slack_id="U0LEE")
APPLIED = RulesDecision(action="applied", actor="U0DANA", at=datetime(2026, 11, 3, 10, tzinfo=UTC))


def a_rules_notice(**changes: Any) -> RulesChangeNotice:
    values: dict[str, Any] = {
        "change_id": 7,
        "source": "rules.md",
        "summary": SUMMARY,
        "changed_customers": 44,
        "days": 7,
        "since": date(2026, 11, 3),
        "needs_approval": True,
        "owners": (DANA,),
    }
    return RulesChangeNotice(**(values | changes))


def test_an_edit_is_announced_with_what_it_changes(under_test: NotifierUnderTest) -> None:
    reference = under_test.notifier.rules_changed(a_rules_notice())

    text = the_one_delivery(under_test)
    assert reference
    for expected in ["rules.md", *SUMMARY, "7 days"]:
        assert expected in text
    assert "approv" in text


def test_an_edit_in_force_at_once_says_so_and_offers_nothing_to_apply(
    under_test: NotifierUnderTest,
) -> None:
    under_test.notifier.rules_changed(a_rules_notice(needs_approval=False, open=False))

    text = the_one_delivery(under_test)
    assert "in force from this tick" in text.lower()
    assert "Apply" not in text and "og rules apply" not in text


def test_an_edit_nobody_is_affected_by_says_so(under_test: NotifierUnderTest) -> None:
    under_test.notifier.rules_changed(a_rules_notice(summary=(), changed_customers=0))
    assert "no customer's moves change" in the_one_delivery(under_test).lower()


def test_each_announcement_is_delivered_once_with_its_own_reference(
    under_test: NotifierUnderTest,
) -> None:
    first = under_test.notifier.rules_changed(a_rules_notice())
    second = under_test.notifier.rules_changed(a_rules_notice(change_id=9))

    assert len(under_test.delivered()) == 2
    assert first and second and first != second


def test_the_decision_is_told_where_the_announcement_is(under_test: NotifierUnderTest) -> None:
    reference = under_test.notifier.rules_changed(a_rules_notice())

    under_test.notifier.rules_settled(reference, a_rules_notice(decisions=(APPLIED,), open=False))

    now = under_test.reads_now()
    assert "applied" in now.lower() and "U0DANA" in now
    assert "rules.md" in now


def test_a_hostile_summary_forges_no_line(under_test: NotifierUnderTest) -> None:
    under_test.notifier.rules_changed(
        a_rules_notice(
            source="rules\nFORGED.md", summary=("the email of Eve\nFORGED: all fine\x1b[2J",)
        )
    )

    text = the_one_delivery(under_test)
    assert not any(ch in text for ch in "\x1b\r")
    assert not any(line.strip().startswith("FORGED") for line in text.splitlines())


def test_a_failing_backend_raises_send_error_for_an_announcement(
    under_test: NotifierUnderTest,
) -> None:
    broken = under_test.break_backend()

    with pytest.raises(SendError):
        broken.rules_changed(a_rules_notice())


def test_the_recording_notifier_keeps_both() -> None:
    recording = RecordingNotifier()
    reference = recording.rules_changed(a_rules_notice())
    recording.rules_settled(reference, a_rules_notice(open=False))
    assert [n.change_id for n in recording.rules_changes] == [7]
    assert [r for r, _ in recording.rules_updates] == [reference]


# --- Slack only ----------------------------------------------------------------------------


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_slack_offers_apply_and_keep_while_it_waits_and_takes_them_away_after(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)
    reference = notifier.rules_changed(a_rules_notice())
    channel, ts = reference.split(":")

    sent = fake_slack.messages[(channel, ts)]
    assert channel == FLAG_CHANNEL
    assert buttons(sent) == [("og_rules_apply", '{"r":7}'), ("og_rules_keep", '{"r":7}')]
    assert (
        sent["text"]
        == "The rules doc rules.md was edited: 44 customers' moves change; it waits for approval"
    )

    notifier.rules_settled(reference, a_rules_notice(decisions=(APPLIED,), open=False))

    updated = fake_slack.messages[(channel, ts)]
    assert buttons(updated) == []
    assert any(
        text.startswith("✅ Applied by <@U0DANA> · <!date^")
        for text in message_texts(updated["blocks"])
    )


def test_slack_without_a_flag_channel_tells_each_owner_and_updates_every_message(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), None)

    reference = notifier.rules_changed(a_rules_notice(owners=(DANA, LEE)))

    assert [p["channel"] for p in fake_slack.posted()] == ["D0DANA", "D0LEE"]
    notifier.rules_settled(reference, a_rules_notice(decisions=(APPLIED,), open=False))
    updated = [call.params["channel"] for call in fake_slack.calls_to("chat.update")]
    assert updated == ["D0DANA", "D0LEE"]


def test_slack_tells_the_owners_it_can_reach_and_fails_only_when_it_reaches_none(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), None)
    unknown = Person(name="Kim Park", email="kim@acme.test")

    reference = notifier.rules_changed(a_rules_notice(owners=(unknown, DANA)))
    assert reference.startswith("D0DANA:") and " " not in reference

    with pytest.raises(SendError):
        notifier.rules_changed(a_rules_notice(owners=(unknown,)))
    with pytest.raises(SendError, match="names no owner"):
        notifier.rules_changed(a_rules_notice(owners=()))


def test_slack_escapes_the_doc_s_words(fake_slack: FakeSlack) -> None:
    SlackNotifier(fake_slack.client(), FLAG_CHANNEL).rules_changed(
        a_rules_notice(source="<!channel>.md", summary=("the email of *<@U999>*: 1 customer",))
    )

    (posted,) = fake_slack.posted()
    for text in [posted["text"], *message_texts(posted["blocks"], "mrkdwn")]:
        assert "<!channel>" not in text and "<@U999>" not in text and "*<" not in text
