"""The AWS Lambda entry: one function for the Function URL and for EventBridge Scheduler.

What arrives, and where it goes:

- a Function URL request (payload format 2.0) -> `bot.web.WebRoutes`, the routes `og serve`
  serves too: `/slack/events` to Bolt, `/done/<token>` and `/unsubscribe/<token>` to the
  links' handlers, with the same body limits. `bot.function_url` translates the event into
  the request and the response back, as Bolt's Lambda adapter does. Bolt's lazy listeners
  invoke this same function again with the original request, so they come back this way too;
- an EventBridge Scheduler event, whose input is
  `{"og": "tick" | "digest" | "summary", "scheduled_time": "<aws.scheduler.scheduled-time>"}`
  (Scheduler replaces the placeholder with the firing's time, e.g. `2026-11-02T08:00:00Z`)
  -> `bot.scheduled.run_scheduled`, which runs each scheduled time once however often it is
  delivered. A run that raises makes the invocation fail, so it lands in the on-failure queue
  for a replay (docs/deploy.md);
- S3 event notifications (an email SES received, stored in the inbound bucket) and SNS
  notifications (SES's bounce and complaint events) -> `bot.aws_mail_events`;
- anything else -> ValueError: a deployment mistake should fail loudly, not look handled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot import function_url
from bot.aws_mail_events import MailEvents, is_mail_event
from bot.aws_secrets import load_secrets
from bot.runtime import digest_poster, slack_app, summary_poster
from bot.scheduled import (
    DEFAULT_LEASE,
    SCHEDULED_KINDS,
    PostDigest,
    PostSummary,
    ScheduledKind,
    run_scheduled,
)
from bot.slack.settings import slack_settings
from bot.slack_http import SlackDispatch
from bot.web import WebRoutes
from bot.wiring import build_guide
from engine.guide import Guide
from engine.settings import Settings
from engine.web.http_types import HttpResponse

LambdaEvent = Mapping[str, Any]
LambdaResponse = dict[str, Any]
SlackFactory = Callable[[Guide], SlackDispatch | None]
DigestPosterFactory = Callable[[Guide], PostDigest]
SummaryPosterFactory = Callable[[Guide], PostSummary]

SCHEDULER_KEY = "og"
# The invocation's deadline plus this is when its claim on a scheduled run is surely dead.
LEASE_MARGIN = timedelta(seconds=10)


class LambdaEntry:
    """Routes one invocation; holds nothing between invocations but what it was built with."""

    def __init__(
        self,
        guide: Guide,
        slack: SlackDispatch | None,
        post_digest: PostDigest | None,
        mail: MailEvents | None = None,
        *,
        post_summary: PostSummary | None = None,
    ) -> None:
        """`mail`: takes in S3 and SNS records; by default made from the environment on the
        first such invocation."""
        self.guide = guide
        self.routes = WebRoutes(guide, slack)
        self.post_digest = post_digest
        self.mail = mail
        self.post_summary = post_summary

    def __call__(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        if not isinstance(event, Mapping):
            raise ValueError(f"expected a JSON object event, got {type(event).__name__}")
        if SCHEDULER_KEY in event:
            return self._scheduled(event, context)
        if function_url.http_method(event) is not None:
            return self._http(event, context)
        if is_mail_event(event):
            if self.mail is None:
                self.mail = MailEvents.from_env(self.guide)
            return self.mail(event, self.guide.wall_clock())
        raise ValueError(
            "unrecognised event: neither a Function URL request (requestContext.http.method), "
            f"a scheduled run ({SCHEDULER_KEY!r}) nor S3 or SNS records; "
            f"its keys: {sorted(map(str, event))}"
        )

    # --- HTTP ---------------------------------------------------------------------------

    def _http(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        request = function_url.to_request(event)
        if isinstance(request, HttpResponse):
            return function_url.to_response(request, str(function_url.http_method(event)))
        response = self.routes.handle(request, function_url.slack_context(event, context))
        return function_url.to_response(response, request.method)

    # --- EventBridge Scheduler ----------------------------------------------------------

    def _scheduled(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        kind = _scheduled_kind(event[SCHEDULER_KEY])
        scheduled_time = _scheduled_time(event.get("scheduled_time"))
        outcome = run_scheduled(
            self.guide,
            kind,
            scheduled_time,
            self.post_digest,
            post_summary=self.post_summary,
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
    slack: SlackFactory | None = None,
    post_digest: DigestPosterFactory | None = None,
    post_summary: SummaryPosterFactory | None = None,
) -> Callable[[LambdaEvent, Any], LambdaResponse]:
    """A Lambda handler that builds the guide (and Slack handler, and digest and summary
    posters) on its first invocation and keeps them for the life of the execution environment:
    opening the store, reading settings and building Bolt's app once per cold start, not per
    request."""
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
                post_summary=post_summary(guide) if post_summary is not None else None,
            )
        return entry(event, context)

    return handler


def slack_from_env(guide: Guide, *, lambda_client: Any = None) -> SlackDispatch | None:
    """The Bolt app's dispatch, when SLACK_BOT_TOKEN is set. Its lazy listeners run as Bolt's
    Lambda adapter runs them: each invokes this function again, asynchronously, with the
    original request (so the function's role needs lambda:InvokeFunction on itself), through
    `lambda_client` (boto3's, made on the first lazy listener, when None)."""
    # boto3's Lambda client, imported when Slack is set up, not by every cold start.
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    slack = slack_settings()
    if slack is None:
        return None
    app = slack_app(guide, slack)
    app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
        app.logger, lambda_client=lambda_client
    )
    return app.dispatch


def digest_poster_from_env(guide: Guide) -> PostDigest:
    return digest_poster(guide, slack_settings())


def summary_poster_from_env(guide: Guide) -> PostSummary:
    return summary_poster(guide, slack_settings())


# The function's handler setting: `bot.aws_lambda.handler`.
handler = make_handler(
    slack=slack_from_env, post_digest=digest_poster_from_env, post_summary=summary_poster_from_env
)


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
