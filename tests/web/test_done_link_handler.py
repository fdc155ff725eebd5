"""`handle_done_link` called directly, as a Lambda would, for what HTTP alone cannot provoke."""

from __future__ import annotations

from pathlib import Path

import pytest
from done_site import done_path, everything
from workspace import Workspace, row

from engine.actions import ActionOutcome
from engine.web import done_link
from engine.web.done_link import HttpRequest, HttpResponse, handle_done_link


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", email="not-an-email")])


def visit(ws: Workspace, method: str, path: str) -> HttpResponse:
    return handle_done_link(ws.guide(), HttpRequest(method=method, path=path))


def text(response: HttpResponse) -> str:
    return response.body.decode("utf-8")


def test_the_handler_needs_no_server(ws: Workspace) -> None:
    response = visit(ws, "GET", done_path("C1", "setup"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Mark as done" in text(response)
    assert visit(ws, "POST", done_path("C1", "setup")).status == 200
    assert "Already done" in text(visit(ws, "GET", done_path("C1", "setup")))


def test_request_headers_are_found_in_any_case() -> None:
    request = HttpRequest(method="POST", path="/", headers={"content-length": "0"})
    assert request.header("Content-Length") == "0"
    assert request.header("X-Missing") is None


@pytest.mark.parametrize("spoil", ["roster gone", "rules broken", "row skipped", "zone folder"])
def test_a_guide_that_cannot_read_its_list_says_try_later(ws: Workspace, spoil: str) -> None:
    customer = "C1"
    if spoil == "roster gone":
        ws.roster_path.unlink()
    elif spoil == "rules broken":
        ws.rules_path.write_text("# Rules\n\nNothing a parser understands.\n", encoding="utf-8")
    elif spoil == "zone folder":
        # `US` is a folder of zones: opened as a zone file it once answered 500.
        ws.write_rows([row("C1", timezone="US"), row("C2", email="not-an-email")])
    else:
        customer = "C2"
    before = ws.guide().store.load()
    for method in ("GET", "POST"):
        response = visit(ws, method, done_path(customer, "welcome"))
        assert response.status == 503
        assert "We can&#x27;t record this right now" in text(response)
    assert ws.guide().store.load() == before


def test_a_write_that_loses_a_race_asks_to_try_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost_race(*args: object, **kwargs: object) -> ActionOutcome:
        return ActionOutcome(ok=False, message="C1 was changed by guide just now, try again")

    monkeypatch.setattr(done_link, "perform", lost_race)
    response = visit(ws, "POST", done_path("C1", "welcome"))
    assert response.status == 409
    assert "We couldn&#x27;t save that" in text(response)


def test_a_crash_gives_a_page_not_a_traceback(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("disk on fire")

    guide = ws.guide()
    monkeypatch.setattr(guide.roster, "read_one", broken)
    before = everything(ws)
    for method in ("GET", "POST"):
        request = HttpRequest(method=method, path=done_path("C1", "welcome"))
        response = handle_done_link(guide, request)
        assert response.status == 500
        assert "Something went wrong on our side" in text(response)
        assert "disk on fire" not in text(response)
    assert everything(ws) == before
