"""The guide's HTTP routes: one table for every server that faces the internet.

`og serve` (`bot/wsgi.py`, under waitress) and the AWS Lambda Function URL (`bot/aws_lambda.py`)
each translate their platform's request into an `HttpRequest`, hand it to `WebRoutes.handle`,
and translate the `HttpResponse` back. Neither routes anything itself:

    path                  methods          body limit   goes to
    /slack/events         POST (else 405)  1 MiB        Bolt's `App.dispatch` (bot/slack_http.py)
    /done/<token>         GET, POST        64 KiB       engine.web.done_link (else 405, its page)
    /unsubscribe/<token>  GET, POST        64 KiB       engine.web.unsubscribe_link (else 405)
    anything else         -                64 KiB       the 404 page

A body over its route's limit is refused here with the 413 page, before Bolt or a link's
handler sees it. A server that can refuse it unread asks `body_limit(path)` first (waitress's
own limit, `MAX_BODY_BYTES`, is the largest of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import slack_http
from bot.slack_http import SLACK_PATH, SlackDispatch
from engine.guide import Guide
from engine.web.done_link import NOT_FOUND, REQUEST_TOO_LARGE, handle_done_link
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.pages import problem_page
from engine.web.unsubscribe_link import handle_unsubscribe_link

__all__ = [
    "DONE_PREFIX",
    "MAX_BODY_BYTES",
    "MAX_DONE_BODY_BYTES",
    "MAX_SLACK_BODY_BYTES",
    "SLACK_PATH",
    "UNSUBSCRIBE_PREFIX",
    "WebRoutes",
]

DONE_PREFIX = "/done/"
UNSUBSCRIBE_PREFIX = "/unsubscribe/"
# A link's POST carries an empty form (or RFC 8058's one field); anything near this size is not
# from our page or a mail client.
MAX_DONE_BODY_BYTES = 64 * 1024
# A modal's submission carries the whole view: far more than a done link, far less than this.
MAX_SLACK_BODY_BYTES = 1024 * 1024
MAX_BODY_BYTES = max(MAX_DONE_BODY_BYTES, MAX_SLACK_BODY_BYTES)
"""The largest body any route takes: a server may refuse anything bigger before routing."""


class WebRoutes:
    """Holds the guide and Slack (Bolt's `dispatch`, None when Slack is not set up here) for
    the life of the server or the Lambda execution environment; nothing per request."""

    def __init__(self, guide: Guide, slack: SlackDispatch | None) -> None:
        self.guide = guide
        self.slack = slack

    def body_limit(self, path: str) -> int:
        return MAX_SLACK_BODY_BYTES if path == SLACK_PATH else MAX_DONE_BODY_BYTES

    def handle(
        self, request: HttpRequest, slack_context: Mapping[str, Any] | None = None
    ) -> HttpResponse:
        """`slack_context` goes into Bolt's request context (Lambda's lazy listeners need the
        invocation's event and function); other routes ignore it."""
        if len(request.body) > self.body_limit(request.path):
            return problem_page(REQUEST_TOO_LARGE)
        if request.path == SLACK_PATH:
            if self.slack is None:
                return slack_http.not_configured()
            return slack_http.dispatch(self.slack, request, slack_context)
        if request.path.startswith(DONE_PREFIX):
            return handle_done_link(self.guide, request)
        if request.path.startswith(UNSUBSCRIBE_PREFIX):
            return handle_unsubscribe_link(self.guide, request)
        return problem_page(NOT_FOUND)
