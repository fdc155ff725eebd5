"""`bot.aws_lambda`: Function URL requests and EventBridge Scheduler events, handled as Lambda
hands them over (plain dicts), against an on-disk workspace."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from done_site import done_path, everything
from lambda_events import FakeContext, http_event, scheduler_event
from slack_bolt import BoltRequest, BoltResponse
from workspace import Workspace, row

import bot.aws_lambda
from bot.aws_lambda import LambdaEntry, make_handler
from bot.scheduled import claim_key
from bot.web import MAX_DONE_BODY_BYTES, MAX_SLACK_BODY_BYTES
from engine.guide import Guide
from engine.ports import RosterError
from engine.settings import Settings

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1", name="Priya Nair"), row("C2", plan="Pro")])


class Recorder:
    """Stands in for Bolt's `App.dispatch`."""

    def __init__(self) -> None:
        self.calls: list[BoltRequest] = []

    def __call__(self, request: BoltRequest) -> BoltResponse:
        self.calls.append(request)
        return BoltResponse(status=200, body="from slack")


@pytest.fixture
def digests() -> list[datetime]:
    return []


@pytest.fixture
def entry(ws: Workspace, digests: list[datetime]) -> LambdaEntry:
    return LambdaEntry(ws.guide(), slack=None, post_digest=digests.append)


def steps_done(ws: Workspace, customer_id: str) -> set[str]:
    return set(ws.guide().store.load_one(customer_id).history(customer_id).state.steps_done)


def assert_page(response: dict[str, Any], status: int) -> None:
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert response["isBase64Encoded"] is False
    assert response["body"].startswith("<!doctype html>")


# --- done links -------------------------------------------------------------------------------


def test_a_done_link_get_asks_and_post_marks_the_step_done(
    ws: Workspace, entry: LambdaEntry
) -> None:
    path = done_path("C1", "welcome")
    before = everything(ws)
    shown = entry(http_event("GET", path), FakeContext())
    assert_page(shown, 200)
    assert "Mark as done" in shown["body"] and "Priya" in shown["body"]
    assert everything(ws) == before

    marked = entry(http_event("POST", path, "", headers=FORM), FakeContext())
    assert_page(marked, 200)
    assert "Welcome is done" in marked["body"]
    assert steps_done(ws, "C1") == {"welcome"}
    assert "Already done" in entry(http_event("GET", path), FakeContext())["body"]


def test_a_base64_body_is_decoded(ws: Workspace, entry: LambdaEntry) -> None:
    body = base64.b64encode(b"submit=1").decode("ascii")
    event = http_event("POST", done_path("C2", "welcome"), body, base64_encoded=True, headers=FORM)
    assert_page(entry(event, FakeContext()), 200)
    assert steps_done(ws, "C2") == {"welcome"}


@pytest.mark.parametrize("base64_encoded", [False, True])
def test_an_oversized_body_is_refused_and_changes_nothing(
    ws: Workspace, entry: LambdaEntry, base64_encoded: bool
) -> None:
    raw = b"x" * (MAX_DONE_BODY_BYTES + 1)
    body = base64.b64encode(raw).decode("ascii") if base64_encoded else raw.decode("ascii")
    before = everything(ws)
    event = http_event("POST", done_path("C1", "welcome"), body, base64_encoded=base64_encoded)
    response = entry(event, FakeContext())
    assert_page(response, 413)
    assert "That request is too large" in response["body"]
    assert everything(ws) == before


def test_a_body_at_the_limit_is_fine(ws: Workspace, entry: LambdaEntry) -> None:
    body = "x" * MAX_DONE_BODY_BYTES
    assert_page(entry(http_event("POST", done_path("C1", "welcome"), body), FakeContext()), 200)


def test_a_body_that_is_not_base64_is_a_bad_request(ws: Workspace, entry: LambdaEntry) -> None:
    event = http_event("POST", done_path("C1", "welcome"), "not base64!", base64_encoded=True)
    assert_page(entry(event, FakeContext()), 400)
    assert steps_done(ws, "C1") == set()


def test_other_methods_get_the_handlers_answer_and_head_no_body(entry: LambdaEntry) -> None:
    put = entry(http_event("PUT", done_path("C1", "welcome")), FakeContext())
    assert_page(put, 405)
    assert put["headers"]["Allow"] == "GET, POST"
    head = entry(http_event("HEAD", done_path("C1", "welcome")), FakeContext())
    assert head["statusCode"] == 405 and head["body"] == ""


@pytest.mark.parametrize("path", ["/", "/favicon.ico", "/done", "/slack/events/extra", "/DONE/x"])
def test_an_unknown_path_is_404(entry: LambdaEntry, path: str) -> None:
    response = entry(http_event("GET", path), FakeContext())
    assert_page(response, 404)
    assert "This address leads nowhere" in response["body"]


# --- Slack ------------------------------------------------------------------------------------


def test_slack_requests_reach_bolt_with_what_its_lazy_runner_needs(ws: Workspace) -> None:
    slack = Recorder()
    entry = LambdaEntry(ws.guide(), slack=slack, post_digest=None)
    event = http_event("POST", "/slack/events", "token=x&command=%2Fog", headers=FORM)
    event["rawQueryString"] = "a=1"
    context = FakeContext()
    response = entry(event, context)
    assert (response["statusCode"], response["body"]) == (200, "from slack")
    (request,) = slack.calls
    assert request.raw_body == "token=x&command=%2Fog"
    assert request.body == {"token": "x", "command": "/og"}
    assert request.query == {"a": ["1"]}
    assert request.headers["content-type"] == ["application/x-www-form-urlencoded"]
    # Bolt's Lambda lazy listener runner invokes the function again with these.
    assert request.context["lambda_request"] == event
    assert request.context["aws_lambda_function_name"] == context.function_name
    assert request.context["aws_lambda_invoked_function_arn"] == context.invoked_function_arn


def test_a_base64_slack_body_reaches_bolt_decoded(ws: Workspace) -> None:
    slack = Recorder()
    entry = LambdaEntry(ws.guide(), slack=slack, post_digest=None)
    body = base64.b64encode("text=caf\u00e9".encode()).decode("ascii")
    entry(http_event("POST", "/slack/events", body, base64_encoded=True), FakeContext())
    assert slack.calls[0].raw_body == "text=caf\u00e9"


def test_slack_takes_only_posts(ws: Workspace) -> None:
    slack = Recorder()
    entry = LambdaEntry(ws.guide(), slack=slack, post_digest=None)
    response = entry(http_event("GET", "/slack/events"), FakeContext())
    assert (response["statusCode"], response["headers"]["Allow"]) == (405, "POST")
    assert slack.calls == []


def test_an_oversized_slack_request_never_reaches_bolt(ws: Workspace) -> None:
    slack = Recorder()
    entry = LambdaEntry(ws.guide(), slack=slack, post_digest=None)
    body = base64.b64encode(b"x" * (MAX_SLACK_BODY_BYTES + 1)).decode("ascii")
    event = http_event("POST", "/slack/events", body, base64_encoded=True, headers=FORM)
    assert_page(entry(event, FakeContext()), 413)
    assert slack.calls == []
    # A modal's submission is far bigger than a done link's form, and is let through.
    big = http_event("POST", "/slack/events", "x" * (MAX_DONE_BODY_BYTES + 1), headers=FORM)
    assert entry(big, FakeContext())["body"] == "from slack"


def test_without_slack_wired_slack_requests_get_a_clear_404(entry: LambdaEntry) -> None:
    response = entry(http_event("POST", "/slack/events", "{}"), FakeContext())
    assert response["statusCode"] == 404
    assert "Slack is not set up here" in response["body"]


# --- EventBridge Scheduler --------------------------------------------------------------------


def test_a_tick_event_ticks_for_its_scheduled_time_and_its_duplicate_does_nothing(
    ws: Workspace, entry: LambdaEntry
) -> None:
    first = entry(scheduler_event("tick", "2026-11-02T09:00:00Z"), FakeContext())
    assert first["outcome"] == "ran" and first["attempt"] == 1
    assert first["summary"] == "step 2; 0 skipped rows, 0 failures"
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]
    json.dumps(first)  # Lambda returns it as JSON

    again = entry(scheduler_event("tick", "2026-11-02T09:00:00Z"), FakeContext())
    assert again["outcome"] == "already ran"
    assert "duplicate delivery, nothing done" in again["summary"]
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]


def test_a_digest_event_posts_once(entry: LambdaEntry, digests: list[datetime]) -> None:
    event = scheduler_event("digest", "2026-11-02T08:00:00Z")
    assert entry(event, FakeContext())["outcome"] == "ran"
    assert entry(event, FakeContext())["outcome"] == "already ran"
    assert digests == [datetime.fromisoformat("2026-11-02T08:00:00+00:00")]


def test_a_failed_scheduled_run_fails_the_invocation_and_the_retry_runs(
    ws: Workspace, entry: LambdaEntry
) -> None:
    roster = ws.roster_path.read_bytes()
    ws.roster_path.unlink()
    event = scheduler_event("tick", "2026-11-02T09:00:00Z")
    with pytest.raises(RosterError):
        entry(event, FakeContext())
    ws.roster_path.write_bytes(roster)
    retried = entry(event, FakeContext())
    assert retried["outcome"] == "ran" and retried["attempt"] == 2
    assert len(ws.sent()) == 2


def test_the_claim_lasts_as_long_as_the_invocation_can(ws: Workspace) -> None:
    guide = ws.guide()
    seen: list[dict[str, str]] = []

    def post_digest(scheduled_time: datetime) -> None:
        stored = guide.store.get_meta(claim_key("digest", scheduled_time, 1))
        assert stored is not None
        seen.append(json.loads(stored))

    entry = LambdaEntry(guide, slack=None, post_digest=post_digest)
    entry(scheduler_event("digest", "2026-11-02T08:00:00Z"), FakeContext(remaining_ms=30_000))
    (running,) = seen
    lease = datetime.fromisoformat(running["expires"]) - datetime.fromisoformat(running["started"])
    assert running["state"] == "running"
    assert lease == timedelta(seconds=30) + bot.aws_lambda.LEASE_MARGIN


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({}, "unrecognised event"),
        ({"source": "aws.events", "detail-type": "Scheduled Event"}, "unrecognised event"),
        ({"requestContext": {"httpMethod": "GET"}, "path": "/"}, "unrecognised event"),
        ({"Records": []}, "unrecognised event"),
        ({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, "unrecognised event"),
        ({"Records": [{"eventSource": "aws:s3"}, {"eventSource": "aws:kinesis"}]}, "S3 or SNS"),
        ({"og": "weekly", "scheduled_time": "2026-11-02T09:00:00Z"}, "unknown scheduled run"),
        ({"og": "tick"}, "needs scheduled_time"),
        ({"og": "tick", "scheduled_time": 1793610000}, "needs scheduled_time"),
        ({"og": "tick", "scheduled_time": "<aws.scheduler.scheduled-time>"}, "placeholder"),
        ({"og": "tick", "scheduled_time": "Monday 9am"}, "not an ISO 8601 time"),
        ({"og": "tick", "scheduled_time": "2026-11-02T09:00:00"}, "no time zone"),
    ],
)
def test_a_malformed_event_is_a_clear_error(
    ws: Workspace, entry: LambdaEntry, event: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        entry(event, FakeContext())
    assert ws.sent() == []


def test_a_digest_event_with_no_poster_wired_is_an_error(ws: Workspace) -> None:
    entry = LambdaEntry(ws.guide(), slack=None, post_digest=None)
    with pytest.raises(ValueError, match="needs post_digest"):
        entry(scheduler_event("digest", "2026-11-02T08:00:00Z"), FakeContext())


# --- the module's handler -----------------------------------------------------------------------


def test_the_handler_builds_the_guide_once_from_the_environment(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    built: list[Settings] = []
    real_build = bot.aws_lambda.build_guide

    def counting_build(settings: Settings) -> Guide:
        built.append(settings)
        return real_build(settings)

    monkeypatch.setattr(bot.aws_lambda, "build_guide", counting_build)
    slack = Recorder()
    handler = make_handler(slack=lambda guide: slack)

    assert handler(scheduler_event("tick", "2026-11-02T09:00:00Z"), FakeContext())["outcome"] == (
        "ran"
    )
    assert handler(http_event("POST", "/slack/events", "{}"), FakeContext())["body"] == (
        "from slack"
    )
    posted = handler(http_event("POST", done_path("C1", "welcome"), ""), FakeContext())
    assert posted["statusCode"] == 200
    assert len(built) == 1
    assert built[0].roster == str(ws.roster_path)
    assert steps_done(ws, "C1") == {"welcome"}
    assert len(slack.calls) == 1


def test_by_default_the_handler_has_no_slack_and_no_digest_poster(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    handler = make_handler()
    response = handler(http_event("POST", "/slack/events", "{}"), FakeContext())
    assert response["statusCode"] == 404
    with pytest.raises(ValueError, match="needs post_digest"):
        handler(scheduler_event("digest", "2026-11-02T08:00:00Z"), FakeContext())
