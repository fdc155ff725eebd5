"""Slack's HTTP requests to the local server, handed to Bolt: the same app the Lambda handler
serves, behind the standard library's server instead of a Function URL."""

from __future__ import annotations

from slack_bolt import App, BoltRequest

from engine.web.http_types import HttpRequest, HttpResponse

SLACK_PATH = "/slack/events"


def dispatch(app: App, request: HttpRequest, query: str) -> HttpResponse:
    """Bolt checks the signature and timestamp and runs the listener; this only translates."""
    if request.method != "POST":
        return HttpResponse(
            status=405,
            headers={"Allow": "POST", "Content-Type": "text/plain; charset=utf-8"},
            body=b"Slack posts its requests here.\n",
        )
    bolt_request = BoltRequest(
        body=request.body.decode("utf-8", errors="replace"),
        query=query,
        headers={name.lower(): [value] for name, value in request.headers.items()},
    )
    answer = app.dispatch(bolt_request)
    headers = {name: values[0] for name, values in answer.headers.items() if values}
    return HttpResponse(status=answer.status, headers=headers, body=answer.body.encode("utf-8"))


def not_configured() -> HttpResponse:
    return HttpResponse(
        status=404,
        headers={"Content-Type": "text/plain; charset=utf-8"},
        body=b"Slack is not set up on this server (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET).\n",
    )
