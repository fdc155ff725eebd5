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
    assert "handed off to <@U0SAM> by <@U0DANA>" in flag["text"]
    (dm,) = [p for p in flagged.fake.posted() if p["channel"] == "U0SAM"]
    text = json.dumps(dm["blocks"])
    assert "<@U0DANA> handed Name C1 (Co C1) over to you" in text
    assert "needs a call" in text
    assert "step welcome (sent)" in text and "flag welcome (sent)" in text
