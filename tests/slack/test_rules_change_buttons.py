"""An edit of the rules doc in Slack, end to end (issue 17): the tick posts it to the flag
channel once; Apply and Keep the old rules are clicked through Bolt with signed requests; the
announcement is rewritten by the notifier; `/og undo _rules` goes back. Bolt's Web API calls
are answered by the fake Slack server over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fake_slack import FakeSlack, message_texts
from slack_bolt import BoltRequest
from slack_flow import CHANNEL, DAY0, SECRET, InlineExecutor, block_actions, signed_headers
from workspace import RULES, Workspace, row

from bot.app import create_app
from bot.slack.context import SlackContext
from bot.slack.notifier import SlackNotifier
from bot.slack.settings import SlackSettings
from engine.rulebook import load_rules
from engine.rules_log import entries
from engine.tick import tick

APPROVAL = RULES.replace("Send every day.", "Send every day.\nRule changes need approval.")
EDITED = APPROVAL.replace(
    "Nudge after 2 days, flag after 3 more days.", "Nudge after 1 day, flag after 3 more days."
)
DAY1 = DAY0 + timedelta(days=1)


class Announced:
    """C1 welcomed on day 0 under APPROVAL; the doc edited; day 1's tick announced it."""

    def __init__(self, root: Path, fake: FakeSlack) -> None:
        self.ws = Workspace(root, [row("C1")], rules=APPROVAL)
        self.fake = fake
        settings = SlackSettings(
            bot_token=fake.token,
            signing_secret=SECRET,
            flag_channel=CHANNEL,
            allowed_users=["U0LEE"],
            admins=["U0ADMIN"],
            api_url=fake.url,
        )
        self.guide = self.ws.guide()
        self.guide.notifier = SlackNotifier(fake.client(), CHANNEL)
        context = SlackContext(guide=self.guide, settings=settings, clock=lambda: DAY1)
        self.app = create_app(context, listener_executor=InlineExecutor())
        tick(self.guide, DAY0)
        self.ws.rules_path.write_text(EDITED, encoding="utf-8")
        tick(self.guide, DAY1)
        ((self.channel, self.ts),) = fake.messages

    @property
    def message(self) -> dict[str, Any]:
        return self.fake.messages[(self.channel, self.ts)]

    def click(
        self, action_id: str, user: str = "U0DANA", *, secret: str = SECRET, age: int = 0
    ) -> int:
        value = next(
            e["value"]
            for block in self.message["blocks"]
            if block["type"] == "actions"
            for e in block["elements"]
            if e["action_id"] == action_id
        )
        payload = block_actions(user, self.channel, self.message, action_id, value)
        return self.send("payload=" + quote(json.dumps(payload)), secret=secret, age=age)

    def command(self, text: str, user: str) -> int:
        form = {
            "team_id": "T0TEAM",
            "channel_id": self.channel,
            "user_id": user,
            "command": "/og",
            "text": text,
            "response_url": self.fake.response_url(),
            "trigger_id": "1337.44.abcdef",
        }
        return self.send(urlencode(form))

    def send(self, body: str, *, secret: str = SECRET, age: int = 0) -> int:
        headers = signed_headers(body, secret=secret, age=age)
        request = BoltRequest(body=body, headers={k: [v] for k, v in headers.items()})
        return self.app.dispatch(request).status

    def log(self) -> list[tuple[str, str]]:
        return [(entry.action, entry.actor) for entry in entries(self.guide.store)]

    def in_force(self) -> str:
        rules = load_rules(self.guide.rules_source, self.guide.store, remember=False).rules
        assert rules is not None
        return "sooner" if "Nudge after 1 day" in rules.text else "approved"

    def ephemerals(self) -> list[str]:
        return [str(c.params["text"]) for c in self.fake.calls_to("chat.postEphemeral")]

    def buttons(self) -> list[str]:
        return [
            e["action_id"]
            for block in self.message["blocks"]
            if block["type"] == "actions"
            for e in block["elements"]
        ]


@pytest.fixture
def announced(tmp_path: Path, fake_slack: FakeSlack) -> Announced:
    return Announced(tmp_path, fake_slack)


def test_the_edit_is_announced_once_in_the_flag_channel_with_its_buttons(
    announced: Announced,
) -> None:
    for hour in (1, 2):
        tick(announced.guide, DAY1 + timedelta(hours=hour))
    assert len(announced.fake.posted()) == 1
    texts = "\n".join(message_texts(announced.message["blocks"]))
    assert "the nudge of welcome: 1 Starter customer gets it a day sooner" in texts
    assert announced.buttons() == ["og_rules_apply", "og_rules_keep"]
    assert announced.in_force() == "approved"


def test_apply_is_audited_the_message_rewritten_and_undo_goes_back(announced: Announced) -> None:
    assert announced.click("og_rules_apply") == 200

    assert announced.log()[0] == ("applied", "U0DANA")
    assert announced.in_force() == "sooner"
    assert announced.buttons() == []
    assert "Applied by <@U0DANA>" in json.dumps(announced.message["blocks"])
    report = tick(announced.guide, DAY1 + timedelta(hours=1))
    assert report.counts()["nudge"] == 1  # the next tick runs on the applied doc

    assert announced.command("undo _rules", user="U0ADMIN") == 200
    (answer,) = announced.fake.responses()
    assert "undid the Apply by U0DANA" in answer["text"]
    assert announced.log()[0] == ("undo", "U0ADMIN")
    assert announced.in_force() == "approved"
    assert announced.buttons() == ["og_rules_apply", "og_rules_keep"]  # it waits again


def test_only_admins_undo_an_apply(announced: Announced) -> None:
    announced.click("og_rules_apply")
    announced.command("undo _rules", user="U0DANA")
    assert announced.log()[0] == ("applied", "U0DANA")
    assert announced.in_force() == "sooner"


def test_keep_the_old_rules_dismisses_it_and_a_second_click_changes_nothing(
    announced: Announced,
) -> None:
    message = dict(announced.message)
    assert announced.click("og_rules_keep", user="U0LEE") == 200
    assert announced.log()[0] == ("kept", "U0LEE")
    assert announced.buttons() == []
    assert announced.in_force() == "approved"

    # The same message as it was before the first click: a stale Apply.
    announced.fake.messages[(announced.channel, announced.ts)] = message
    assert announced.click("og_rules_apply", user="U0LEE") == 200
    assert announced.log()[0] == ("kept", "U0LEE")
    assert any("already dismissed" in text for text in announced.ephemerals())
    tick(announced.guide, DAY1 + timedelta(days=1))
    assert len(announced.fake.posted()) == 1  # not announced again


def test_someone_not_allowed_is_refused_without_touching_state(announced: Announced) -> None:
    before = announced.log()

    assert announced.click("og_rules_apply", user="U0MALLORY") == 200

    assert announced.log() == before and announced.in_force() == "approved"
    assert announced.buttons() == ["og_rules_apply", "og_rules_keep"]
    assert announced.fake.calls_to("chat.update") == []
    assert any("Only the onboarding team" in text for text in announced.ephemerals())


@pytest.mark.parametrize(
    ("secret", "age"), [("forged-secret", 0), (SECRET, 6 * 60)], ids=["forged", "replayed"]
)
def test_forged_or_replayed_clicks_are_refused_without_touching_state(
    announced: Announced, secret: str, age: int
) -> None:
    before = announced.log()

    assert announced.click("og_rules_apply", secret=secret, age=age) == 401

    assert announced.log() == before and announced.in_force() == "approved"
    assert announced.fake.calls_to("chat.update") == []
