"""Benchmark: how fast a button click is acknowledged through the Lambda handler.

    python benchmarks/slack_ack.py [--clicks 200]

A workspace with one flagged customer; each click is a Done `block_actions` payload signed
with a real signing secret, wrapped as a Function URL event and handed to the Lambda entry,
which routes it to Bolt (bot/web.py, as `og serve` does) with Bolt's Lambda lazy listener
runner. The time is the handler's, from event in to response out: the acknowledgement Slack
waits for (3 s at most). The finish itself runs in the lazy
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
from lambda_events import FakeContext, QueuedInvocations, http_event
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import (
    LambdaLazyListenerRunner,
)
from slack_flow import block_actions, signed_headers
from workspace import Workspace, row

from bot.app import create_app
from bot.aws_lambda import LambdaEntry
from bot.slack.context import SlackContext
from bot.slack.settings import SlackSettings

SECRET = "bench-signing-secret"


FLAG = {"ts": "1.000001", "text": "flag", "blocks": []}


def click_event() -> dict[str, Any]:
    """A signed Done click on C1's flag, as the Function URL hands it over."""
    payload = block_actions("U0DANA", "C0FLAGS", FLAG, "og_done", '{"c":"C1","j":1}')
    body = "payload=" + quote(json.dumps(payload))
    return http_event("POST", "/slack/events", body, headers=signed_headers(body, secret=SECRET))


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
        invocations = QueuedInvocations()
        app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
            app.logger, lambda_client=invocations
        )
        entry = LambdaEntry(guide, app.dispatch, None)
        entry(click_event(), FakeContext())  # Bolt's one-off auth.test, not timed
        times = []
        for _ in range(clicks):
            event = click_event()
            started = time.perf_counter()
            response = entry(event, FakeContext())
            times.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
        assert len(invocations.calls) == clicks + 1
    fakes.close()
    return times


def median_and_p99(times: list[float]) -> tuple[float, float]:
    """In seconds; the p99 is the nearest rank (the 198th of 200)."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered), round(0.99 * len(ordered))) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    clicks = parser.parse_args().clicks
    median, p99 = median_and_p99(measure(clicks))
    print(f"Slack ack through the Lambda handler, {clicks} signed Done clicks")
    print(f"  median {median * 1000:.1f} ms   p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
