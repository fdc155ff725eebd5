"""Each notifier adapter as the notifier contract tests drive it (tests/contract/conftest.py's
`under_test`): the console writing to a stream the tests read, and Slack through the real
slack_sdk client to the fake Web API, the tests reading what it posted."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fake_slack import FakeSlack, message_texts

from bot.slack.notifier import SlackNotifier
from engine.adapters.console_notifier import ConsoleNotifier
from engine.ports import Notifier

FLAG_CHANNEL = "C0FLAGS"
NOTIFIERS = ["console", "slack"]


class FailingStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


@dataclass
class NotifierUnderTest:
    notifier: Notifier
    delivered: Callable[[], list[str]]
    """Each flag delivered so far, as the text a person reads, oldest first."""
    break_backend: Callable[[], Notifier]
    """A notifier of the same kind whose backend now refuses every flag and every change."""
    reads_now: Callable[[], str]
    """Everything a person reads now, every flag as it stands after any change."""


def slack_delivery(params: dict[str, Any]) -> str:
    return "\n".join([*message_texts(params.get("blocks", [])), params.get("text", "")])


def notifier_under_test(kind: str, request: pytest.FixtureRequest) -> NotifierUnderTest:
    if kind == "console":
        stream = io.StringIO()
        return NotifierUnderTest(
            notifier=ConsoleNotifier(stream),
            delivered=lambda: [flag for flag in stream.getvalue().split("\n\n") if flag],
            break_backend=lambda: ConsoleNotifier(FailingStream()),
            reads_now=stream.getvalue,
        )
    # Only the Slack case needs the server (tests/conftest.py), so it is asked for here.
    fake: FakeSlack = request.getfixturevalue("fake_slack")
    notifier = SlackNotifier(fake.client(), FLAG_CHANNEL)

    def break_slack() -> Notifier:
        fake.fail("chat.postMessage", "channel_not_found", times=None)
        fake.fail("chat.update", "channel_not_found", times=None)
        return notifier

    return NotifierUnderTest(
        notifier=notifier,
        delivered=lambda: [slack_delivery(params) for params in fake.posted()],
        break_backend=break_slack,
        reads_now=lambda: "\n\n".join(slack_delivery(m) for m in fake.messages.values()),
    )


def the_one_delivery(under_test: NotifierUnderTest) -> str:
    deliveries = under_test.delivered()
    assert len(deliveries) == 1
    return deliveries[0]
