"""The Done button on a flag, end to end: a real flag posted through the Slack notifier, a click
signed with a real signing secret and sent through Bolt, Bolt's Web API calls answered by the
fake Slack server over HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fake_slack import FakeSlack
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from workspace import Workspace, nine_am, row

from bot.app import SlackContext, create_app
from engine.adapters.slack_notifier import SlackNotifier
from engine.slack_settings import SlackSettings

SECRET = "test-signing-secret"
CHANNEL = "C0FLAGS"
DAY0 = nine_am("2026-11-02")


class Flagged:
    def __init__(self, tmp_path: Path, fake: FakeSlack) -> None:
        self.ws = Workspace(tmp_path, [row("C1")])
        self.fake = fake
        settings = SlackSettings(
            bot_token=fake.token,
            signing_secret=SECRET,
            flag_channel=CHANNEL,
            allowed_users=["U0DANA"],
            api_url=fake.url,
        )
        self.guide = self.ws.guide()
        self.guide.notifier = SlackNotifier(fake.client(), CHANNEL)
        for day in range(6):  # C1 never acts: welcome is flagged on day 5
            self.guide.tick(DAY0 + timedelta(days=day))
        ((self.channel, self.ts),) = fake.messages
        self.app: App = create_app(
            SlackContext(guide=self.guide, settings=settings, clock=lambda: DAY0 + timedelta(6))
        )

    def click(
        self,
        user: str = "U0DANA",
        *,
        journey: int = 1,
        secret: str = SECRET,
        age: int = 0,
    ) -> int:
        message = self.fake.messages[(self.channel, self.ts)]
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "team": {"id": "T0TEAM", "domain": "og-test"},
            "container": {"type": "message", "message_ts": self.ts, "channel_id": self.channel},
            "trigger_id": "1337.42.abcdef",
            "channel": {"id": self.channel, "name": "onboarding"},
            "message": message,
            "actions": [
                {
                    "type": "button",
                    "action_id": "og_done",
                    "block_id": "og_actions",
                    "value": json.dumps({"c": "C1", "j": journey}, separators=(",", ":")),
                    "action_ts": str(time.time()),
                }
            ],
        }
        body = "payload=" + quote(json.dumps(payload))
        timestamp = str(int(time.time()) - age)
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        request = BoltRequest(
            body=body,
            headers={
                "content-type": ["application/x-www-form-urlencoded"],
                "x-slack-request-timestamp": [timestamp],
                "x-slack-signature": [signature],
            },
        )
        return self.app.dispatch(request).status

    def row(self) -> dict[str, str]:
        return next(iter(self.ws.read_rows()))

    def ephemerals(self) -> list[str]:
        return [str(c.params["text"]) for c in self.fake.calls_to("chat.postEphemeral")]


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def test_done_finishes_the_customer_as_the_clicker_and_the_flag_loses_its_buttons(
    flagged: Flagged,
) -> None:
    assert flagged.click() == 200
    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", "U0DANA")
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor) == ("finished", "U0DANA")
    updated = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert not [b for b in updated["blocks"] if b["type"] == "actions"]
    assert "finished by <@U0DANA>" in json.dumps(updated["blocks"])


def test_a_second_click_changes_nothing_and_tells_only_the_clicker(flagged: Flagged) -> None:
    flagged.click()
    assert flagged.click() == 200
    assert len(flagged.guide.store.audit_trail("C1")) == 1
    assert any("already finished" in text for text in flagged.ephemerals())


def test_someone_outside_the_team_is_told_so_and_nothing_changes(flagged: Flagged) -> None:
    assert flagged.click(user="U0MALLORY") == 200
    assert flagged.row().get("finished") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []
    assert any("Only the onboarding team" in text for text in flagged.ephemerals())


def test_a_button_from_an_earlier_journey_changes_nothing(flagged: Flagged) -> None:
    assert flagged.click(journey=7) == 200
    assert flagged.guide.store.audit_trail("C1") == []
    assert any("from an earlier onboarding" in text for text in flagged.ephemerals())


@pytest.mark.parametrize(
    ("secret", "age"), [("forged-secret", 0), (SECRET, 6 * 60)], ids=["forged", "replayed"]
)
def test_forged_or_stale_requests_are_refused_without_touching_state(
    flagged: Flagged, secret: str, age: int
) -> None:
    before = flagged.ws.roster_path.read_bytes()
    assert flagged.click(secret=secret, age=age) == 401
    assert flagged.ws.roster_path.read_bytes() == before
    assert flagged.guide.store.audit_trail("C1") == []
    assert flagged.fake.calls_to("chat.update") == []
