"""Slack through the Lambda entry: signed requests as Function URL events through the shared
routes into Bolt, and the lazy work re-invoking the function as Bolt's Lambda runner does.

The one stand-in is Lambda's `invoke` itself: `QueuedInvocations` keeps each asynchronous
self-invocation until the test runs it, so a test sees the acknowledgement return before the
work happens, then the work."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack
from lambda_events import FakeContext, QueuedInvocations, http_event, scheduler_event
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
from slack_flow import DAY0, Flagged
from smtp_servers import free_port
from workspace import Workspace, row

import bot.aws_lambda
from bot.aws_lambda import LambdaEntry
from bot.runtime import digest_poster
from bot.slack.settings import SlackSettings

DIGEST_CHANNEL = "C0DIGEST"


class OnLambda:
    def __init__(self, flagged: Flagged, *, base64_bodies: bool = False) -> None:
        self.flagged = flagged
        self.invocations = QueuedInvocations()
        # What slack_from_env does to the app it builds: lazy listeners invoke the function.
        flagged.app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
            flagged.app.logger, lambda_client=self.invocations
        )
        slack = SlackSettings(
            bot_token=flagged.fake.token, digest_channel=DIGEST_CHANNEL, api_url=flagged.fake.url
        )
        post_digest = digest_poster(flagged.guide, slack)
        self.entry = LambdaEntry(flagged.guide, flagged.app.dispatch, post_digest)
        self.base64_bodies = base64_bodies
        flagged.transport = self.send

    def send(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        encoded = base64.b64encode(body.encode()).decode() if self.base64_bodies else body
        event = http_event(
            "POST", "/slack/events", encoded, base64_encoded=self.base64_bodies, headers=headers
        )
        response = self.entry(event, FakeContext())
        return int(response["statusCode"]), str(response.get("body") or "")


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


@pytest.mark.parametrize("base64_bodies", [False, True], ids=["text", "base64"])
def test_done_is_acknowledged_first_and_finished_by_the_lazy_invocation(
    flagged: Flagged, base64_bodies: bool
) -> None:
    on_lambda = OnLambda(flagged, base64_bodies=base64_bodies)

    assert flagged.click() == 200

    assert flagged.row().get("finished") in ("", None)  # only acknowledged so far
    (call,) = on_lambda.invocations.calls
    assert call == {"FunctionName": FakeContext().invoked_function_arn, "InvocationType": "Event"}
    on_lambda.invocations.run_pending(on_lambda.entry)
    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", "U0DANA")
    updated = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert "Finished by <@U0DANA>" in json.dumps(updated["blocks"])


def test_pause_opens_its_modal_inside_the_acknowledgement(flagged: Flagged) -> None:
    on_lambda = OnLambda(flagged)

    flagged.click(action_id="og_pause")

    assert len(flagged.fake.calls_to("views.open")) == 1
    assert on_lambda.invocations.calls == []  # no lazy work: the trigger id would be stale


def test_the_home_tab_is_acknowledged_first_and_published_by_the_lazy_invocation(
    flagged: Flagged,
) -> None:
    on_lambda = OnLambda(flagged)

    assert flagged.open_home("U0DANA") == 200

    assert flagged.fake.calls_to("views.publish") == []  # it reads the whole state: later
    assert len(on_lambda.invocations.calls) == 1
    on_lambda.invocations.run_pending(on_lambda.entry)
    (published,) = flagged.fake.calls_to("views.publish")
    assert published.params["user_id"] == "U0DANA"
    assert "Name C1" in json.dumps(flagged.fake.homes["U0DANA"]["blocks"])


def test_og_status_answers_through_the_response_url_from_the_lazy_invocation(
    flagged: Flagged,
) -> None:
    on_lambda = OnLambda(flagged)
    assert flagged.command("status C1") == 200
    assert flagged.fake.responses() == []
    on_lambda.invocations.run_pending(on_lambda.entry)
    (answer,) = flagged.fake.responses()
    assert "Name C1" in json.dumps(answer["blocks"])


@pytest.mark.parametrize(("secret", "age"), [("forged-secret", 0), ("test-signing-secret", 6 * 60)])
def test_forged_and_replayed_requests_are_refused_and_invoke_nothing(
    flagged: Flagged, secret: str, age: int
) -> None:
    on_lambda = OnLambda(flagged)
    assert flagged.click(secret=secret, age=age) == 401
    assert on_lambda.invocations.calls == []
    assert flagged.guide.store.audit_trail("C1") == []


def test_a_slack_retry_invokes_nothing(flagged: Flagged) -> None:
    on_lambda = OnLambda(flagged)
    assert flagged.click(x_slack_retry_num="2", x_slack_retry_reason="http_timeout") == 200
    assert on_lambda.invocations.calls == []


def test_the_monday_digest_event_posts_once_however_often_it_is_delivered(
    flagged: Flagged,
) -> None:
    on_lambda = OnLambda(flagged)
    monday = (DAY0 + timedelta(days=7)).astimezone().isoformat()
    before = len(flagged.fake.posted())

    first = on_lambda.entry(scheduler_event("digest", monday), FakeContext())
    again = on_lambda.entry(scheduler_event("digest", monday), FakeContext())

    assert (first["outcome"], again["outcome"]) == ("ran", "already ran")
    (digest,) = flagged.fake.posted()[before:]
    assert digest["channel"] == DIGEST_CHANNEL
    assert "Weekly digest" in digest["text"]


def test_the_deployed_handler_wires_slack_from_the_environment(
    flagged: Flagged, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide = flagged.guide
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert bot.aws_lambda.slack_from_env(guide) is None
    monkeypatch.setenv("SLACK_BOT_TOKEN", flagged.fake.token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", flagged.fake.url)
    invocations = QueuedInvocations()
    dispatch = bot.aws_lambda.slack_from_env(guide, lambda_client=invocations)
    assert dispatch is not None
    entry = LambdaEntry(guide, dispatch, None)
    flagged.transport = lambda body, headers: _status(
        entry(http_event("POST", "/slack/events", body, headers=headers), FakeContext())
    )
    assert flagged.command("help") == 200
    assert "/og status" in flagged.last_body
    assert invocations.calls == []  # help needs no lazy work, so no second invocation
    assert flagged.command("status C1") == 200
    assert len(invocations.calls) == 1


def _status(response: dict[str, Any]) -> tuple[int, str]:
    return int(response["statusCode"]), str(response.get("body") or "")


def test_a_cold_start_for_the_tick_does_not_wait_on_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-while-slack-is-down")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api/")  # nobody there
    monkeypatch.setenv("OG_NOTIFIER", "console")
    handler = bot.aws_lambda.make_handler(slack=bot.aws_lambda.slack_from_env)

    outcome = handler(scheduler_event("tick", DAY0.isoformat()), FakeContext())

    assert outcome["outcome"] == "ran"
    assert ws.sent() == [("C1", "welcome", "step")]
