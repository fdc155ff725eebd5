"""`/slack/events`: Slack's HTTP requests handed to Bolt, the same way from every server.

Two translations and a call, as Bolt's own adapters are: the plain request into a
`BoltRequest`, `App.dispatch` (which checks the signature and timestamp, acknowledges Slack's
retries and runs the listener), and the `BoltResponse` back into a plain response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from engine.web.http_types import HttpRequest, HttpResponse

SLACK_PATH = "/slack/events"

SlackDispatch = Callable[[BoltRequest], BoltResponse]
"""The Bolt app's `dispatch`."""

_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def dispatch(
    slack: SlackDispatch, request: HttpRequest, context: Mapping[str, Any] | None = None
) -> HttpResponse:
    """`context` is what the platform adds to Bolt's request context: on Lambda, what Bolt's
    lazy listener runner needs to invoke the function again."""
    if request.method != "POST":
        return HttpResponse(
            status=405, headers={"Allow": "POST", **_TEXT}, body=b"Slack posts its requests here.\n"
        )
    bolt_request = BoltRequest(
        body=request.body.decode("utf-8", errors="replace"),
        query=request.query,
        headers={name.lower(): [value] for name, value in request.headers.items()},
        context=dict(context) if context else None,
    )
    answer = slack(bolt_request)
    headers = {name: values[0] for name, values in answer.headers.items() if values}
    return HttpResponse(status=answer.status, headers=headers, body=answer.body.encode("utf-8"))


def not_configured() -> HttpResponse:
    return HttpResponse(
        status=404,
        headers=_TEXT,
        body=b"Slack is not set up here (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET).\n",
    )
