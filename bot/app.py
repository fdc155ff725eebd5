"""The Bolt app: a thin factory; listeners are registered per kind from `listeners/`.

`process_before_response=True` because on Lambda nothing may run after the response; work
that can wait comes as lazy listeners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_bolt import App

from engine.slack_settings import SlackSettings, web_client
from engine.tick import Guide


@dataclass(frozen=True)
class SlackContext:
    """What every listener needs, handed over once at registration."""

    guide: Guide
    settings: SlackSettings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def create_app(context: SlackContext) -> App:
    from listeners import actions, views

    secret = context.settings.signing_secret
    if secret is None:
        raise ValueError("SLACK_SIGNING_SECRET is required: every Slack request is verified")
    app = App(
        client=web_client(context.settings),
        signing_secret=secret.get_secret_value(),
        process_before_response=True,
    )
    actions.register(app, context)
    views.register(app, context)
    return app
