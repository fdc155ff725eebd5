"""Pause from a flag: the click opens the modal, its submission pauses the customer as the person
who submitted it, and the flag says so and loses its buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_flow import DAY0, Flagged, buttons_on

from engine.tick import tick


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def _note(text: str | None) -> dict[str, object]:
    return {"note": {"note": {"type": "plain_text_input", "value": text}}}


def test_pause_opens_the_modal_and_its_submission_pauses_with_the_note(
    flagged: Flagged,
) -> None:
    assert flagged.click(action_id="og_pause") == 200
    (opened,) = flagged.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "1337.42.abcdef"
    (view,) = flagged.fake.views.values()
    assert view["callback_id"] == "og_pause_submit"
    assert json.loads(view["private_metadata"]) == {
        "c": "C1",
        "j": 1,
        "m": f"{flagged.channel}:{flagged.ts}",
        "o": "U0DANA",  # whom the flag was for: they may submit for that alone
    }
    assert flagged.guide.store.audit_trail("C1") == []  # opening the modal changes nothing

    assert flagged.submit(view, _note("team of one, revisit after Q3")) == 200
    c1 = flagged.row()
    assert (c1["paused"], c1["paused_note"]) == ("TRUE", "team of one, revisit after Q3")
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor, audit.note) == (
        "paused",
        "U0DANA",
        "team of one, revisit after Q3",
    )
    flag = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert buttons_on(flag) == []
    assert "Paused by <@U0DANA>" in flag["text"]
    assert "— “team of one, revisit after Q3”" in flag["text"]
    # The next tick leaves her alone.
    report = tick(flagged.guide, DAY0 + timedelta(days=7))
    assert report.results[0].reason == "paused: team of one, revisit after Q3"


def test_an_outsider_cannot_open_or_submit_the_pause(flagged: Flagged) -> None:
    assert flagged.click(user="U0MALLORY", action_id="og_pause") == 200
    assert flagged.fake.calls_to("views.open") == []
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    assert flagged.submit(view, _note(None), user="U0MALLORY") == 200
    assert flagged.row().get("paused") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []
