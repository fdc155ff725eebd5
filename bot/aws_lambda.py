"""The AWS Lambda entry: one function for the Function URL and for EventBridge Scheduler.

What arrives, and where it goes:

- a Function URL request (payload format 2.0) to `/slack/events` -> the Slack handler (Bolt's
  `SlackRequestHandler(app).handle`). Bolt's lazy listeners re-invoke this same function with
  the original request, so they come back this way too;
- a Function URL request to `/done/<token>` -> `engine.web.done_link.handle_done_link`;
- both with the body limits of the local server (`bot.serve`), base64 bodies decoded first;
- any other request -> 404;
- an EventBridge Scheduler event, whose input is
  `{"og": "tick" | "digest", "scheduled_time": "<aws.scheduler.scheduled-time>"}`
  (Scheduler replaces the placeholder with the firing's time, e.g. `2026-11-02T08:00:00Z`)
  -> `bot.scheduled.run_scheduled`, which runs each scheduled time once however often it is
  delivered. A run that raises makes the invocation fail, so it lands in the on-failure queue
  for a replay (docs/deploy.md);
- anything else -> ValueError: a deployment mistake should fail loudly, not look handled.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.aws_secrets import load_secrets
from bot.runtime import digest_poster, slack_app
from bot.scheduled import (
    DEFAULT_LEASE,
    SCHEDULED_KINDS,
    PostDigest,
    ScheduledKind,
    run_scheduled,
)
from bot.serve import MAX_BODY_BYTES, MAX_SLACK_BODY_BYTES
from bot.slack.settings import slack_settings
from bot.slack_http import SLACK_PATH
from bot.wiring import build_guide
from engine.guide import Guide
from engine.settings import Settings
from engine.web.done_link import (
    BAD_REQUEST,
    NOT_FOUND,
    REQUEST_TOO_LARGE,
    HttpRequest,
    HttpResponse,
    handle_done_link,
)
from engine.web.pages import problem_page

LambdaEvent = Mapping[str, Any]
LambdaResponse = dict[str, Any]
SlackHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
"""Bolt's `SlackRequestHandler(app).handle`: a Function URL event and context in, a response
dict out."""
SlackHandlerFactory = Callable[[Guide], SlackHandler | None]
DigestPosterFactory = Callable[[Guide], PostDigest]

DONE_PREFIX = "/done/"
SCHEDULER_KEY = "og"
# The invocation's deadline plus this is when its claim on a scheduled run is surely dead.
LEASE_MARGIN = timedelta(seconds=10)


class LambdaEntry:
    """Routes one invocation; holds nothing between invocations but what it was built with."""

    def __init__(
        self,
        guide: Guide,
        slack: SlackHandler | None,
        post_digest: PostDigest | None,
    ) -> None:
        self.guide = guide
        self.slack = slack
        self.post_digest = post_digest

    def __call__(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        if not isinstance(event, Mapping):
            raise ValueError(f"expected a JSON object event, got {type(event).__name__}")
        if SCHEDULER_KEY in event:
            return self._scheduled(event, context)
        if _http_method(event) is not None:
            return self._http(event, context)
        raise ValueError(
            "unrecognised event: neither a Function URL request (requestContext.http.method) "
            f"nor a scheduled run ({SCHEDULER_KEY!r}); its keys: {sorted(map(str, event))}"
        )

    # --- HTTP ---------------------------------------------------------------------------

    def _http(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        path = str(event.get("rawPath") or "/")
        method = str(_http_method(event)).upper()
        if path == SLACK_PATH:
            if self.slack is None:
                return _text_response(404, "Slack is not wired into this deployment.\n")
            checked = _request_body(event, MAX_SLACK_BODY_BYTES)
            if isinstance(checked, HttpResponse):
                return _function_url_response(checked, method)
            # Bolt reads the event itself (and checks Slack's signature on it).
            return self.slack(dict(event), context)
        if not path.startswith(DONE_PREFIX):
            return _function_url_response(problem_page(NOT_FOUND), method)
        body = _request_body(event, MAX_BODY_BYTES)
        if isinstance(body, HttpResponse):
            return _function_url_response(body, method)
        headers = event.get("headers") or {}
        request = HttpRequest(
            method=method,
            path=path,
            headers={str(k): str(v) for k, v in headers.items()},
            body=body,
        )
        return _function_url_response(handle_done_link(self.guide, request), method)

    # --- EventBridge Scheduler ----------------------------------------------------------

    def _scheduled(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        kind = _scheduled_kind(event[SCHEDULER_KEY])
        scheduled_time = _scheduled_time(event.get("scheduled_time"))
        outcome = run_scheduled(
            self.guide,
            kind,
            scheduled_time,
            self.post_digest,
            lease=_lease(context),
            seconds_left=_seconds_left(context),
        )
        return {
            "og": kind,
            "scheduled_time": scheduled_time.isoformat(),
            "outcome": str(outcome.disposition),
            "attempt": outcome.attempt,
            "summary": outcome.summary,
        }


def make_handler(
    *,
    settings: Callable[[], Settings] = Settings,
    slack: SlackHandlerFactory | None = None,
    post_digest: DigestPosterFactory | None = None,
) -> Callable[[LambdaEvent, Any], LambdaResponse]:
    """A Lambda handler that builds the guide (and Slack handler, and digest poster) on its
    first invocation and keeps them for the life of the execution environment: opening the
    store, reading settings and building Bolt's app once per cold start, not per request."""
    entry: LambdaEntry | None = None

    def handler(event: LambdaEvent, context: Any) -> LambdaResponse:
        nonlocal entry
        if entry is None:
            load_secrets()  # before any settings are read: they may come from the secret
            guide = build_guide(settings())
            entry = LambdaEntry(
                guide,
                slack(guide) if slack is not None else None,
                post_digest(guide) if post_digest is not None else None,
            )
        return entry(event, context)

    return handler


def slack_from_env(guide: Guide) -> SlackHandler | None:
    """Bolt's Lambda adapter around the app, when SLACK_BOT_TOKEN is set. Built once: each
    `SlackRequestHandler` installs its own lazy-listener runner (which re-invokes this function
    for the lazy work, so the function's role needs lambda:InvokeFunction on itself)."""
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler

    slack = slack_settings()
    if slack is None:
        return None
    return SlackRequestHandler(slack_app(guide, slack)).handle


def digest_poster_from_env(guide: Guide) -> PostDigest:
    return digest_poster(guide, slack_settings())


# The function's handler setting: `bot.aws_lambda.handler`.
handler = make_handler(slack=slack_from_env, post_digest=digest_poster_from_env)


def _http_method(event: LambdaEvent) -> str | None:
    request_context = event.get("requestContext")
    if not isinstance(request_context, Mapping):
        return None
    http = request_context.get("http")
    if not isinstance(http, Mapping) or not isinstance(http.get("method"), str):
        return None
    return str(http["method"])


def _request_body(event: LambdaEvent, limit: int) -> bytes | HttpResponse:
    """The request's body as bytes, or the page refusing it: over `limit` (the local
    server's limits), or not the base64 it claims to be."""
    raw = event.get("body")
    if raw is None:
        return b""
    if not isinstance(raw, str):
        return problem_page(BAD_REQUEST)
    if event.get("isBase64Encoded"):
        try:
            # The Function URL caps a request at 6 MB, so decoding before measuring is bounded.
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return problem_page(BAD_REQUEST)
    else:
        body = raw.encode("utf-8")
    if len(body) > limit:
        return problem_page(REQUEST_TOO_LARGE)
    return body


def _function_url_response(response: HttpResponse, method: str) -> LambdaResponse:
    body = b"" if method == "HEAD" else response.body
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": text,
        "isBase64Encoded": encoded,
    }


def _text_response(status: int, text: str) -> LambdaResponse:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "body": text,
        "isBase64Encoded": False,
    }


def _scheduled_kind(value: object) -> ScheduledKind:
    for kind in SCHEDULED_KINDS:
        if value == kind:
            return kind
    raise ValueError(
        f"unknown scheduled run {value!r}: {SCHEDULER_KEY!r} must be one of {SCHEDULED_KINDS}"
    )


def _scheduled_time(value: object) -> datetime:
    if not isinstance(value, str) or not value:
        raise ValueError(
            "a scheduled run needs scheduled_time, set to <aws.scheduler.scheduled-time> in the "
            "schedule's input"
        )
    if value.startswith("<aws."):
        raise ValueError(
            f"scheduled_time is {value!r}, not a time: only EventBridge Scheduler (not an "
            "EventBridge rule) fills in that placeholder"
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"scheduled_time {value!r} is not an ISO 8601 time") from error
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"scheduled_time {value!r} has no time zone (Scheduler sends UTC, ...Z)")
    return moment


def _seconds_left(context: Any) -> Callable[[], float] | None:
    """The invocation's remaining time, so a long tick stops starting moves before Lambda
    stops it (None off Lambda)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    return lambda: int(remaining()) / 1000


def _lease(context: Any) -> timedelta:
    """How long this invocation can still run: past that Lambda has stopped it, so its claim
    on a scheduled run may be taken over by a retry."""
    seconds_left = _seconds_left(context)
    if seconds_left is None:
        return DEFAULT_LEASE
    return timedelta(seconds=seconds_left()) + LEASE_MARGIN
