"""The Home tab of an owner whose customer wrote back, or whose customer's address the guide gave
up on: opened and clicked through real Bolt, published to the fake Slack."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack, message_texts
from slack_flow import DAY0, Flagged

from engine.actions import hand_off
from engine.heard import hear
from engine.inbound import Bounce, Inbound, InboundKind

NOW = DAY0 + timedelta(days=8)
REPLY = Inbound(kind=InboundKind.REPLY, sender="c1@example.test", subject="Re: Welcome")


def home(flagged: Flagged, user: str = "U0DANA") -> dict[str, Any]:
    return flagged.fake.homes[user]


def text(view: dict[str, Any]) -> str:
    return "\n".join(message_texts(view["blocks"]))


def action_ids(view: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in view["blocks"]
        for element in [block.get("accessory") or {}, *block.get("elements", [])]
        if "action_id" in element
    ]


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack, allowed=("U0DANA", "U0SAM"))


def test_a_customer_who_wrote_back_waits_on_the_owners_tab_with_resume_guide(
    flagged: Flagged,
) -> None:
    hear(flagged.guide, "C1", REPLY, NOW)
    flagged.open_home("U0DANA")

    shown = text(home(flagged))
    assert "Wrote back, waiting for you* (1)" in shown
    assert "*Name C1* (C1) at Co C1 wrote back on Tue 10 Nov 2026; the guide waits for you" in shown
    # Its open flag waits with it.
    assert "Your open flags* (0)" in shown
    assert action_ids(home(flagged)) == ["og_hand_back_0"]

    assert flagged.home_click("og_hand_back_0") == 200

    assert flagged.guide.store.load_one("C1").history("C1").state.replied_on is None
    shown = text(home(flagged))
    assert "Wrote back, waiting for you* (0)" in shown and "Nobody wrote back." in shown
    assert action_ids(home(flagged)) == ["og_done_0", "og_pause_0", "og_hand_off_0"]


def test_an_open_home_tab_is_republished_when_the_reply_comes(flagged: Flagged) -> None:
    flagged.open_home("U0DANA")
    assert "Wrote back, waiting for you* (0)" in text(home(flagged))

    hear(flagged.guide, "C1", REPLY, NOW)

    assert "Wrote back, waiting for you* (1)" in text(home(flagged))


def test_the_tab_of_someone_else_does_not_list_the_reply(flagged: Flagged) -> None:
    hear(flagged.guide, "C1", REPLY, NOW)
    flagged.open_home("U0SAM")
    assert "Wrote back, waiting for you* (0)" in text(home(flagged, "U0SAM"))


def test_a_reply_handed_off_is_the_new_owners_and_resume_guide_lifts_both(
    flagged: Flagged,
) -> None:
    hear(flagged.guide, "C1", REPLY, NOW)
    hand_off(flagged.guide, "C1", "Sam Ortiz", "", "U0DANA", NOW)
    flagged.open_home("U0SAM")
    assert "Handed off to you* (1)" in text(home(flagged, "U0SAM"))

    flagged.home_click("og_hand_back_0", user="U0SAM")

    state = flagged.guide.store.load_one("C1").history("C1").state
    assert (state.handed_off_to, state.replied_on) == ("", None)


def test_an_undeliverable_address_is_listed_with_why(flagged: Flagged) -> None:
    bounce = Bounce("c1@example.test", "5.1.1", permanent=True, diagnostic="<no such user>")
    hear(flagged.guide, "C1", Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,)), NOW)
    flagged.open_home("U0DANA")

    shown = text(home(flagged))
    assert "Their email cannot be delivered* (1)" in shown
    assert (
        "*Name C1* (C1) at Co C1: mail to c1@example.test cannot be delivered (bounced for good "
        "(5.1.1 &lt;no such user&gt;)). Correct the email in the onboarding list."
    ) in shown
    # Nothing to click for it; the flag keeps its buttons.
    assert action_ids(home(flagged)) == ["og_done_0", "og_pause_0", "og_hand_off_0"]
