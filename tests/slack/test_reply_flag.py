"""What came back from the guide's email, in Slack: a customer's reply, an undeliverable address
and a complaint posted through the Slack notifier to the fake Slack, and the reply's buttons
clicked with signed requests through Bolt."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack
from slack_flow import DAY0, Flagged, button_value, buttons_on

from bot.slack.blocks import check_message
from bot.slack.buttons import ButtonTarget
from bot.slack.heard import heard_message
from engine.heard import hear
from engine.inbound import Bounce, Inbound, InboundKind
from engine.outcomes import HeardKind, HeardNotice
from engine.plans import Person

HOSTILE = "<!channel> *bold* <http://x|y> _it_ `code` ~gone~ &amp; <@U0EVE>"
NOW = DAY0 + timedelta(days=8)


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack, allowed=("U0DANA", "U0SAM"))


def _hear(flagged: Flagged, inbound: Inbound) -> tuple[str, str]:
    """The customer C1 is heard from; the message it posted."""
    before = set(flagged.fake.messages)
    outcome = hear(flagged.guide, "C1", inbound, NOW)
    assert outcome.changed and not outcome.warning, outcome
    (posted,) = set(flagged.fake.messages) - before
    return posted


def _reply(subject: str = "Re: Welcome", text: str = "How do I invite my team?") -> Inbound:
    return Inbound(kind=InboundKind.REPLY, sender="c1@example.test", subject=subject, new_text=text)


def _blocks(flagged: Flagged, where: tuple[str, str]) -> Any:
    return flagged.fake.messages[where]["blocks"]


def test_a_reply_reaches_the_flag_channel_with_its_words_and_its_buttons(
    flagged: Flagged,
) -> None:
    where = _hear(flagged, _reply())
    message = flagged.fake.messages[where]
    assert where[0] == flagged.channel
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "✉️ Name C1 replied" in text
    assert "*Re: Welcome*\\n>How do I invite my team?" in text
    assert "From: c1@example.test" in text and "Next step: welcome (journey 1)" in text
    assert message["text"] == "<@U0DANA> Name C1 replied"
    assert buttons_on(message) == ["og_step_done", "og_pause", "og_hand_off", "og_hand_back"]
    done = ButtonTarget.from_value(button_value(message, "og_step_done") or "")
    assert (done.customer_id, done.journey, done.owner, done.step) == ("C1", 1, "U0DANA", "welcome")
    resume = ButtonTarget.from_value(button_value(message, "og_hand_back") or "")
    assert (resume.customer_id, resume.step) == ("C1", "")
    # The step's flag says it too, with the reply's words.
    flag = json.dumps(flagged.fake.messages[(flagged.channel, flagged.ts)]["blocks"])
    assert "Replied by the customer" in flag and "Re: Welcome: How do I invite my team?" in flag


def test_what_the_customer_wrote_stays_text(flagged: Flagged) -> None:
    where = _hear(flagged, _reply(subject=HOSTILE, text=f"{HOSTILE}\n> not a quote\n\nbye"))
    text = json.dumps(_blocks(flagged, where), ensure_ascii=False)
    for live in ("<!channel>", "<http", "<@U0EVE>", "*bold*", "_it_", "`code`", "~gone~"):
        assert live not in text
    assert "&lt;!channel&gt; ∗bold∗ &lt;http://x|y&gt; ˍitˍ ˋcodeˋ ∼gone∼ &amp;amp;" in text
    # Each line of the reply its own quoted line; its own `>` is text, not a second quote.
    assert "\\n>&gt; not a quote\\n>bye" in text


def test_a_long_reply_is_clipped_within_what_slack_takes() -> None:
    notice = _notice(HeardKind.REPLY, subject="&" * 5000, text="<" * 5000 + "\n" + "x" * 5000)
    blocks = heard_message(notice)
    check_message(blocks)
    quoted = blocks[2].to_dict()["text"]["text"]
    assert len(quoted) <= 3000 and quoted.endswith("…")


def test_resume_guide_on_the_reply_lifts_the_wait(flagged: Flagged) -> None:
    where = _hear(flagged, _reply())
    assert flagged.guide.store.load_one("C1").states["C1"].replied_on is not None

    assert flagged.click(action_id="og_hand_back", on=where) == 200

    assert flagged.guide.store.load_one("C1").states["C1"].replied_on is None
    (resumed, replied, *_) = flagged.guide.store.audit_trail("C1")
    assert (resumed.action, resumed.actor, replied.action) == ("resumed", "U0DANA", "replied")
    message = flagged.fake.messages[where]
    assert buttons_on(message) == ["og_step_done", "og_pause", "og_hand_off"]
    assert "Resumed by <@U0DANA>" in json.dumps(message["blocks"])

    flagged.click(action_id="og_hand_back", on=where)
    assert "nor waiting after a reply" in flagged.ephemerals()[-1]


def test_done_on_the_reply_marks_its_step_and_the_guide_still_waits(flagged: Flagged) -> None:
    where = _hear(flagged, _reply())

    assert flagged.click(action_id="og_step_done", on=where) == 200

    state = flagged.guide.store.load_one("C1").states["C1"]
    assert "welcome" in state.steps_done and state.replied_on is not None
    (done, *_) = flagged.guide.store.audit_trail("C1")
    assert (done.action, done.actor, done.note) == ("marked_done", "U0DANA", "welcome")
    message = flagged.fake.messages[where]
    assert "og_step_done" not in buttons_on(message)
    assert "Step welcome marked done by <@U0DANA>" in json.dumps(message["blocks"])


def test_someone_outside_the_team_cannot_resume_from_the_reply(flagged: Flagged) -> None:
    where = _hear(flagged, _reply())
    flagged.click("U0EVE", action_id="og_hand_back", on=where)
    assert flagged.guide.store.load_one("C1").states["C1"].replied_on is not None
    assert "Only the onboarding team" in flagged.ephemerals()[-1]


def test_resume_guide_on_a_hand_off_ping_lifts_the_wait_after_a_reply_too(
    flagged: Flagged,
) -> None:
    _hear(flagged, _reply())
    flagged.click(action_id="og_hand_off")
    (view,) = flagged.fake.views.values()
    picked = {"text": {"type": "plain_text", "text": "U0SAM"}, "value": "U0SAM"}
    values = {
        "owner": {"owner": {"type": "static_select", "selected_option": picked}},
        "note": {"note": {"type": "plain_text_input", "value": "they asked for a call"}},
    }
    assert flagged.submit(view, values) == 200
    ((dm_channel, dm_ts),) = [key for key in flagged.fake.messages if key[0] == "D0SAM"]
    ping = json.dumps(flagged.fake.messages[(dm_channel, dm_ts)]["blocks"])
    assert "replied: Re: Welcome: How do I invite my team?" in ping

    flagged.click("U0SAM", action_id="og_hand_back", on=(dm_channel, dm_ts))

    state = flagged.guide.store.load_one("C1").states["C1"]
    assert (state.handed_off_to, state.replied_on) == ("", None)


def test_an_undeliverable_address_says_why_and_offers_no_mail(flagged: Flagged) -> None:
    bounce = Bounce("c1@example.test", "5.1.1", permanent=True, diagnostic="no such user <b>")
    where = _hear(flagged, Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,)))
    message = flagged.fake.messages[where]
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "📭 Mail to Name C1 cannot be delivered" in text
    assert "bounced for good (5.1.1 no such user &lt;b&gt;)" in text
    assert "corrected in the onboarding list" in text
    assert buttons_on(message) == ["og_pause", "og_hand_off"]
    flag = json.dumps(flagged.fake.messages[(flagged.channel, flagged.ts)]["blocks"])
    assert "The address given up, reported by the mail service" in flag


def test_a_complaint_is_a_plain_notice(flagged: Flagged) -> None:
    where = _hear(flagged, Inbound(kind=InboundKind.COMPLAINT, sender="c1@example.test"))
    message = flagged.fake.messages[where]
    assert buttons_on(message) == []
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "🚫 Name C1 marked an onboarding email as spam" in text
    assert "og undo C1" in text


@pytest.mark.parametrize("kind", list(HeardKind))
def test_every_notice_is_a_valid_message_with_or_without_a_step_left(kind: HeardKind) -> None:
    for step in ("", "setup"):
        check_message(heard_message(_notice(kind, step=step)))
    assert "og_step_done" not in json.dumps([b.to_dict() for b in heard_message(_notice(kind))])


def test_an_id_too_long_for_buttons_still_gets_its_message() -> None:
    blocks = heard_message(_notice(HeardKind.REPLY, customer_id="C" * 3000, step="setup"))
    check_message(blocks)
    assert "too long for buttons" in json.dumps([b.to_dict() for b in blocks])


def _notice(
    kind: HeardKind,
    *,
    subject: str = "Re: hi",
    text: str = "a question",
    step: str = "",
    customer_id: str = "C1",
) -> HeardNotice:
    return HeardNotice(
        kind=kind,
        customer_id=customer_id,
        customer_name="Ada",
        company="Acme",
        plan="Starter",
        owner=Person(name="Dana", slack_id="U0DANA"),
        journey=1,
        step=step,
        step_name=step.title(),
        address="ada@acme.test",
        subject=subject,
        text=text,
        on=NOW.date(),
    )
