"""A customer flagged in Slack, and a person who clicks: signed requests through Bolt, Bolt's
Web API calls answered by the fake Slack server over HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
        action_id: str = "og_done",
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
                    "action_id": action_id,
                    "block_id": "og_actions",
                    "value": json.dumps({"c": "C1", "j": journey}, separators=(",", ":")),
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.send(payload, secret=secret, age=age)

    def submit(self, view: dict[str, Any], values: dict[str, Any], user: str = "U0DANA") -> int:
        """A view_submission of `view` (as views.open left it) with these input values."""
        payload = {
            "type": "view_submission",
            "team": {"id": "T0TEAM", "domain": "og-test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "trigger_id": "1337.43.abcdef",
            "view": {**view, "state": {"values": values}},
        }
        return self.send(payload)

    def send(self, payload: dict[str, Any], *, secret: str = SECRET, age: int = 0) -> int:
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
        response = self.app.dispatch(request)
        self.last_body = response.body
        return response.status

    def row(self) -> dict[str, str]:
        return next(iter(self.ws.read_rows()))

    def ephemerals(self) -> list[str]:
        return [str(c.params["text"]) for c in self.fake.calls_to("chat.postEphemeral")]
