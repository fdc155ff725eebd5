"""Benchmark: how fast a button click is acknowledged through the Lambda handler.

    python benchmarks/slack_ack.py [--clicks 200]

A workspace with one flagged customer; each click is a Done `block_actions` payload signed
with a real signing secret, wrapped as a Function URL event and handed to the Lambda entry,
which runs Bolt's Lambda adapter. The time is the handler's, from event in to response out:
the acknowledgement Slack waits for (3 s at most). The finish itself runs in the lazy
self-invocation, which is queued here and not timed. Slack's Web API is the local fake the
tests use (Bolt calls `auth.test` once, on the first request).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from fake_slack import run_fake_slack
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import (
    LambdaLazyListenerRunner,
)
from slack_sdk.signature import SignatureVerifier
from workspace import Workspace, row

from bot.app import SlackContext, create_app
from bot.aws_lambda import LambdaEntry
from engine.slack_settings import SlackSettings

SECRET = "bench-signing-secret"


class QueuedInvocations:
    """Lambda's asynchronous `invoke`, kept and never run: only the ack is measured."""

    def __init__(self) -> None:
        self.count = 0

    def invoke(self, **_: Any) -> dict[str, int]:
        self.count += 1
        return {"StatusCode": 202}


class Context:
    function_name = "og"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:og"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def click_event(payload: dict[str, Any]) -> dict[str, Any]:
    body = "payload=" + quote(json.dumps(payload))
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "version": "2.0",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        },
        "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
        "body": body,
        "isBase64Encoded": False,
    }


def done_click(n: int) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U0DANA", "username": "dana", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "team": {"id": "T0TEAM", "domain": "og-bench"},
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C0FLAGS"},
        "trigger_id": f"1337.{n}.abcdef",
        "channel": {"id": "C0FLAGS", "name": "onboarding"},
        "message": {"ts": "1.000001", "text": "flag", "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": "og_done",
                "block_id": "og_actions",
                "value": '{"c":"C1","j":1}',
                "action_ts": str(time.time()),
            }
        ],
    }


def measure(clicks: int) -> list[float]:
    fakes = run_fake_slack()
    fake = next(fakes)
    with tempfile.TemporaryDirectory() as tmp:
        guide = Workspace(Path(tmp), [row("C1")]).guide()
        settings = SlackSettings(
            bot_token=fake.token,
            signing_secret=SECRET,
            flag_channel="C0FLAGS",
            allowed_users=["U0DANA"],
            api_url=fake.url,
        )
        app = create_app(SlackContext(guide=guide, settings=settings))
        handler = SlackRequestHandler(app)
        invocations = QueuedInvocations()
        app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
            app.logger, lambda_client=invocations
        )
        entry = LambdaEntry(guide, handler.handle, None)
        entry(click_event(done_click(0)), Context())  # Bolt's one-off auth.test, not timed
        times = []
        for n in range(1, clicks + 1):
            event = click_event(done_click(n))
            started = time.perf_counter()
            response = entry(event, Context())
            times.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
        assert invocations.count == clicks + 1
    fakes.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    clicks = parser.parse_args().clicks
    times = sorted(measure(clicks))
    p99 = times[min(len(times) - 1, round(0.99 * len(times)) - 1)]
    print(f"Slack ack through the Lambda handler, {clicks} signed Done clicks")
    print(f"  median {statistics.median(times) * 1000:.1f} ms   p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
