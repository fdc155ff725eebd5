"""`bot.web.WebRoutes`, the one routing table, on its own: which path goes where, and the body
limits enforced before either Bolt or the done link handler sees the request."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_bolt import BoltRequest, BoltResponse
from workspace import Workspace, row

import bot.web
from bot.web import MAX_DONE_BODY_BYTES, MAX_SLACK_BODY_BYTES, WebRoutes
from engine.guide import Guide
from engine.web.http_types import HttpRequest, HttpResponse


class Bolt:
    """Stands in for `App.dispatch`."""

    def __init__(self) -> None:
        self.seen: list[BoltRequest] = []

    def __call__(self, request: BoltRequest) -> BoltResponse:
        self.seen.append(request)
        return BoltResponse(status=200, body="bolt")


class DoneLinks:
    """Stands in for `handle_done_link`."""

    def __init__(self) -> None:
        self.seen: list[HttpRequest] = []

    def __call__(self, guide: Guide, request: HttpRequest) -> HttpResponse:
        self.seen.append(request)
        return HttpResponse(status=200, body=b"done link")


@pytest.fixture
def done_links(monkeypatch: pytest.MonkeyPatch) -> DoneLinks:
    handler = DoneLinks()
    monkeypatch.setattr(bot.web, "handle_done_link", handler)
    return handler


@pytest.fixture
def bolt() -> Bolt:
    return Bolt()


@pytest.fixture
def routes(tmp_path: Path, bolt: Bolt) -> WebRoutes:
    return WebRoutes(Workspace(tmp_path, [row("C1")]).guide(), bolt)


@pytest.mark.parametrize(
    ("path", "goes_to"),
    [
        ("/slack/events", "bolt"),
        ("/done/abc", "done link"),
        ("/done/abc/", "done link"),
        ("/done/", "done link"),  # the handler's own 404 for a link without a token
        ("/", "404"),
        ("/done", "404"),
        ("/slack/events/", "404"),
        ("/slack/events/extra", "404"),
        ("/SLACK/EVENTS", "404"),
        ("/favicon.ico", "404"),
    ],
)
def test_each_path_goes_to_one_place(
    routes: WebRoutes, bolt: Bolt, done_links: DoneLinks, path: str, goes_to: str
) -> None:
    response = routes.handle(HttpRequest(method="POST", path=path))
    reached = {"bolt": bool(bolt.seen), "done link": bool(done_links.seen)}
    assert reached == {"bolt": goes_to == "bolt", "done link": goes_to == "done link"}
    if goes_to == "404":
        assert response.status == 404
        assert b"This address leads nowhere" in response.body


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/slack/events", MAX_SLACK_BODY_BYTES), ("/done/abc", MAX_DONE_BODY_BYTES), ("/x", 65536)],
)
def test_a_body_over_its_routes_limit_is_refused_before_anything_sees_it(
    routes: WebRoutes, bolt: Bolt, done_links: DoneLinks, path: str, limit: int
) -> None:
    assert routes.body_limit(path) == limit
    refused = routes.handle(HttpRequest(method="POST", path=path, body=b"x" * (limit + 1)))
    assert refused.status == 413
    assert b"That request is too large" in refused.body
    assert bolt.seen == [] and done_links.seen == []

    at_limit = routes.handle(HttpRequest(method="POST", path=path, body=b"x" * limit))
    assert at_limit.status != 413
    assert len(bolt.seen) + len(done_links.seen) == (0 if path == "/x" else 1)


def test_bolt_gets_the_request_as_sent_and_the_platforms_context(
    routes: WebRoutes, bolt: Bolt
) -> None:
    request = HttpRequest(
        method="POST",
        path="/slack/events",
        headers={"Content-Type": "application/json", "X-Slack-Retry-Num": "1"},
        body='{"type":"url_verification","challenge":"caf\u00e9"}'.encode(),
        query="a=1&b=2",
    )
    response = routes.handle(request, slack_context={"lambda_request": {"k": "v"}})
    assert (response.status, response.body) == (200, b"bolt")
    (seen,) = bolt.seen
    assert seen.body == {"type": "url_verification", "challenge": "caf\u00e9"}
    assert seen.query == {"a": ["1"], "b": ["2"]}
    assert seen.headers["x-slack-retry-num"] == ["1"]
    assert seen.context["lambda_request"] == {"k": "v"}


def test_slack_answers_405_to_anything_but_post(routes: WebRoutes, bolt: Bolt) -> None:
    for method in ("GET", "HEAD", "PUT"):
        response = routes.handle(HttpRequest(method=method, path="/slack/events"))
        assert (response.status, response.headers["Allow"]) == (405, "POST")
    assert bolt.seen == []


def test_without_slack_its_path_says_so(tmp_path: Path, done_links: DoneLinks) -> None:
    routes = WebRoutes(Workspace(tmp_path, [row("C1")]).guide(), None)
    response = routes.handle(HttpRequest(method="POST", path="/slack/events"))
    assert response.status == 404
    assert b"Slack is not set up here" in response.body
    assert done_links.seen == []


def test_an_unsubscribe_link_goes_to_its_handler_with_the_done_links_body_limit(
    routes: WebRoutes, bolt: Bolt, done_links: DoneLinks, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsubscribes = DoneLinks()  # the same stand-in: it records what reached it
    monkeypatch.setattr(bot.web, "handle_unsubscribe_link", unsubscribes)
    path = "/unsubscribe/abc"
    assert routes.body_limit(path) == MAX_DONE_BODY_BYTES

    refused = routes.handle(HttpRequest(method="POST", path=path, body=b"x" * 65537))
    answered = routes.handle(HttpRequest(method="POST", path=path, body=b"x" * 65536))
    elsewhere = routes.handle(HttpRequest(method="POST", path="/unsubscribe"))

    assert refused.status == 413 and answered.body == b"done link"
    assert [request.path for request in unsubscribes.seen] == [path]
    assert elsewhere.status == 404
    assert bolt.seen == [] and done_links.seen == []
