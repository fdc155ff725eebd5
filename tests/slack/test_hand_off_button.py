"""Hand off from a flag: pick a listed owner in the modal; they get a DM with the journey."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_flow import Flagged


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def _values(owner: str | None, note: str | None = None) -> dict[str, object]:
    picked = (
        None if owner is None else {"text": {"type": "plain_text", "text": owner}, "value": owner}
    )
    return {
        "owner": {"owner": {"type": "static_select", "selected_option": picked}},
        "note": {"note": {"type": "plain_text_input", "value": note}},
    }


def test_hand_off_to_a_listed_owner_who_gets_the_journey(flagged: Flagged) -> None:
    assert flagged.click(action_id="og_hand_off") == 200
    (view,) = flagged.fake.views.values()
    assert view["callback_id"] == "og_hand_off_submit"
    assert "U0SAM" in json.dumps(view["blocks"])

    assert flagged.submit(view, _values(None)) == 200
    assert json.loads(flagged.last_body) == {
        "response_action": "errors",
        "errors": {"owner": "Pick who takes over."},
    }
    assert flagged.guide.store.audit_trail("C1") == []

    assert flagged.submit(view, _values("U0SAM", "needs a call")) == 200
    assert flagged.row()["handed_off_to"] == "Sam Ortiz"
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor, audit.note) == ("handed_off", "U0DANA", "needs a call")
    flag = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert "Handed off to <@U0SAM> by <@U0DANA>" in flag["text"]
    (dm,) = [p for p in flagged.fake.posted() if p["channel"] == "U0SAM"]
    text = json.dumps(dm["blocks"])
    assert "<@U0DANA> handed *Name C1 (Co C1)* (C1, Starter plan, guide day 8) over to you" in text
    assert "needs a call" in text
    assert "step welcome (sent)" in text and "flag welcome (sent)" in text


def test_the_new_owner_gives_the_customer_back_with_resume_guide(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack, allowed=("U0DANA", "U0SAM"))
    flagged.click(action_id="og_hand_off")
    (view,) = flagged.fake.views.values()
    flagged.submit(view, _values("U0SAM", "needs a call"))
    ((dm_channel, dm_ts),) = [key for key in flagged.fake.messages if key[0] == "D0SAM"]

    assert flagged.click("U0SAM", action_id="og_hand_back", on=(dm_channel, dm_ts)) == 200

    assert flagged.row()["handed_off_to"] == ""
    actions = [(a.action, a.actor) for a in flagged.guide.store.audit_trail("C1")]
    assert actions == [("hand_off_cleared", "U0SAM"), ("handed_off", "U0DANA")]
    dm = flagged.fake.messages[(dm_channel, dm_ts)]
    assert "og_hand_back" not in json.dumps(dm["blocks"])
    assert "Back with the guide by <@U0SAM>" in json.dumps(dm["blocks"])
    assert "Journey so far" in json.dumps(dm["blocks"])  # the journey stays readable

    flagged.click("U0SAM", action_id="og_hand_back", on=(dm_channel, dm_ts))
    assert flagged.ephemerals()[-1] == (
        "C1 is neither paused nor handed off, nor waiting after a reply; the guide is on"
    )
    assert len(flagged.guide.store.audit_trail("C1")) == 2


def test_someone_outside_the_team_cannot_resume_the_guide(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    flagged.click(action_id="og_hand_off")
    (view,) = flagged.fake.views.values()
    flagged.submit(view, _values("U0SAM"))
    ((dm_channel, dm_ts),) = [key for key in flagged.fake.messages if key[0] == "D0SAM"]

    flagged.click("U0EVE", action_id="og_hand_back", on=(dm_channel, dm_ts))

    assert flagged.row()["handed_off_to"] == "Sam Ortiz"
    assert "Only the onboarding team" in flagged.ephemerals()[-1]
