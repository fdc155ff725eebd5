"""The Bolt app: a thin factory; listeners are registered per kind from `listeners/`.

`process_before_response=True` because on Lambda nothing may run after the response; work
that can wait comes as lazy listeners.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import App, BoltRequest, BoltResponse

import listeners
from bot.slack.context import SlackContext
from bot.slack.settings import web_client

_log = logging.getLogger("og.slack")


def create_app(
    context: SlackContext,
    *,
    listener_executor: Executor | None = None,
    socket_mode: bool = False,
) -> App:
    """The app with every listener registered. `listener_executor` runs lazy listeners off
    Lambda (a thread pool by default). Over HTTP every request is verified with the signing
    secret; in Socket Mode requests come over the app's own connection and it needs none."""
    secret = context.settings.signing_secret
    if secret is None and not socket_mode:
        raise ValueError("SLACK_SIGNING_SECRET is required: every Slack request is verified")
    app = App(
        client=web_client(context.settings),
        # Socket Mode without a secret: an empty one, which no HTTP request can satisfy.
        signing_secret=secret.get_secret_value() if secret else "",
        process_before_response=True,
        listener_executor=listener_executor,
        # No auth.test while building: a Lambda cold start for the tick must not depend on
        # Slack answering. Bolt still checks the token on the first Slack request.
        token_verification_enabled=False,
    )
    app.use(ignore_slack_retries)
    listeners.register(app, context)
    return app


def ignore_slack_retries(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Slack resends a request it thinks timed out, with `X-Slack-Retry-Num`. The first one is
    running or has run already, so a retry is acknowledged and does nothing; it runs after the
    signature check, so a forged "retry" is still refused."""
    retry = request.headers.get("x-slack-retry-num")
    if retry:
        reason = request.headers.get("x-slack-retry-reason", ["unknown"])[0]
        _log.info("ignored Slack's retry %s (%s)", retry[0], reason)
        return BoltResponse(status=200, body="")
    return next()
