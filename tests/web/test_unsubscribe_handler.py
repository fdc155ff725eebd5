"""`handle_unsubscribe_link` called directly, as a Lambda would, for what HTTP alone cannot
provoke: a list that cannot be read, a race lost twice, a crash, a notifier that fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from done_site import everything, unsubscribe_path
from workspace import Workspace, row

from engine import unsubscribe
from engine.actions import ActionOutcome
from engine.adapters.memory import RecordingNotifier
from engine.outcomes import UnsubscribedNotice
from engine.ports import SendError
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.unsubscribe_link import handle_unsubscribe_link


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", email="not-an-email")])


def visit(ws: Workspace, method: str, customer_id: str = "C1") -> HttpResponse:
    request = HttpRequest(method=method, path=unsubscribe_path(customer_id))
    return handle_unsubscribe_link(ws.guide(), request)


def text(response: HttpResponse) -> str:
    return response.body.decode("utf-8")


@pytest.mark.parametrize("spoil", ["roster gone", "rules broken", "row skipped"])
def test_a_guide_that_cannot_read_its_list_says_try_later(ws: Workspace, spoil: str) -> None:
    customer = "C1"
    if spoil == "roster gone":
        ws.roster_path.unlink()
    elif spoil == "rules broken":
        ws.rules_path.write_text("# Rules\n\nNothing a parser understands.\n", encoding="utf-8")
    else:
        customer = "C2"
    before = ws.guide().store.load()

    for method in ("GET", "POST"):
        response = visit(ws, method, customer)
        assert response.status == 503
        assert "We can&#x27;t record this right now" in text(response)

    assert ws.guide().store.load() == before


def test_a_write_that_loses_a_race_twice_asks_to_try_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost_race(*args: object, **kwargs: object) -> ActionOutcome:
        return ActionOutcome(ok=False, message="C1 was changed by guide just now, try again")

    monkeypatch.setattr(unsubscribe, "perform", lost_race)
    before = everything(ws)

    response = visit(ws, "POST")

    assert response.status == 409
    assert "We couldn&#x27;t save that" in text(response)
    assert everything(ws) == before


def test_a_crash_gives_a_page_not_a_traceback(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("disk on fire")

    guide = ws.guide()
    monkeypatch.setattr(guide.roster, "read_one", broken)
    before = everything(ws)

    for method in ("GET", "POST"):
        request = HttpRequest(method=method, path=unsubscribe_path("C1"))
        response = handle_unsubscribe_link(guide, request)
        assert response.status == 500
        assert "Something went wrong on our side" in text(response)
        assert "disk on fire" not in text(response)

    assert everything(ws) == before


class DeafNotifier(RecordingNotifier):
    def unsubscribed(self, notice: UnsubscribedNotice) -> str:
        raise SendError("Slack refused the message: channel_not_found")


def test_an_owner_who_cannot_be_told_does_not_undo_the_unsubscribe(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    guide = ws.guide()
    guide.notifier = DeafNotifier()

    with caplog.at_level(logging.WARNING):
        response = handle_unsubscribe_link(
            guide, HttpRequest(method="POST", path=unsubscribe_path("C1"))
        )

    assert response.status == 200
    assert "You&#x27;re unsubscribed" in text(response)
    assert guide.store.load_one("C1").history("C1").state.unsubscribed
    assert "the owner was not told: Slack refused the message: channel_not_found" in caplog.text
