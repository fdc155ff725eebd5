"""A customer unsubscribes with the link from an email, end to end: the POST through the one
route table, the next ticks send them nothing while the others go on, the owner is told and
the flag says why, a person's undo gives the mail back; a re-enrolment keeps the unsubscribe."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from done_site import unsubscribe_path
from fake_slack import FakeSlack, message_texts
from notifiers import FLAG_CHANNEL
from slack_flow import buttons_on
from workspace import Workspace, nine_am, og, row

from bot.slack.notifier import SlackNotifier
from bot.web import WebRoutes
from engine.actions import reenroll
from engine.adapters.memory import RecordingNotifier
from engine.guide import Guide
from engine.queries import timeline, view_customer
from engine.tick import tick
from engine.undo import undo
from engine.web.http_types import HttpRequest

DAY0 = nine_am("2026-11-02")
DAY8 = DAY0 + timedelta(days=8)


def run_to_day_8(guide: Guide) -> Guide:
    """C1 and C2 with the welcome sent, nudged and (on day 7, a Monday) flagged, the guide's
    clock with the ticks, and at day 8 after."""
    for day in range(8):
        at = DAY0 + timedelta(days=day)
        guide.wall_clock = lambda at=at: at
        tick(guide, at)
    guide.wall_clock = lambda: DAY8 + timedelta(hours=1)
    return guide


def flagged(ws: Workspace) -> Guide:
    return run_to_day_8(ws.guide())


def one_click(guide: Guide, customer_id: str = "C1") -> int:
    """What a mail client's one-click unsubscribe sends, through the route table."""
    path = unsubscribe_path(customer_id, expires_at=DAY0 + timedelta(days=365))
    request = HttpRequest(
        method="POST",
        path=path,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"List-Unsubscribe=One-Click",
    )
    return WebRoutes(guide, None).handle(request).status


def sent_to(ws: Workspace, customer_id: str) -> list[tuple[str, str]]:
    return [(step, kind) for cid, step, kind in ws.sent() if cid == customer_id]


def test_the_next_ticks_send_nothing_and_the_owner_is_told_why(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = flagged(ws)
    notifier = RecordingNotifier()
    guide.notifier = notifier
    before = sent_to(ws, "C1")

    assert one_click(guide) == 200
    results = [tick(guide, DAY8 + timedelta(days=day)).results for day in range(12)]

    assert sent_to(ws, "C1") == before
    assert len(sent_to(ws, "C2")) > len(before)  # the same plan goes on for the other
    reasons = {r.reason for day in results for r in day if r.customer_id == "C1"}
    assert reasons == {"unsubscribed on 2026-11-10: no more guide mail"}
    (told,) = notifier.unsubscribes
    assert (told.customer_id, told.owner.slack_id, told.unsubscribed_on.isoformat()) == (
        "C1",
        "U0DANA",
        "2026-11-10",
    )
    (acted,) = notifier.actions
    assert (acted.event.action, acted.event.actor) == ("unsubscribed", "customer")
    assert [flag.open for flag in acted.flags] == [False]  # the flag asks for nothing now
    assert [f.customer_id for f in notifier.flags if f.customer_id == "C1"] == []  # no new one


def test_in_slack_the_flag_says_why_and_the_owner_gets_a_message(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    ws = Workspace(tmp_path, [row("C1", name="Priya Nair"), row("C2")])
    guide = ws.guide()
    guide.notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)
    run_to_day_8(guide)
    (flag_key,) = [key for key, m in fake_slack.messages.items() if "Priya" in m["text"]]

    assert one_click(guide) == 200

    flag = fake_slack.messages[flag_key]
    assert "🔕 Unsubscribed from the guide's emails by the customer" in flag["text"]
    assert buttons_on(flag) == []  # the buttons gone (the menu to show the last email stays)
    told = fake_slack.posted()[-1]
    assert told["channel"] == FLAG_CHANNEL
    assert told["text"] == "<@U0DANA> Priya Nair unsubscribed from the guide's emails"
    assert "og undo C1" in "\n".join(message_texts(told["blocks"]))


def test_a_persons_undo_gives_the_mail_back(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = flagged(ws)
    assert one_click(guide) == 200
    tick(guide, DAY8)
    assert ws.read_rows()[0]["unsubscribed"] == "2026-11-10"

    outcome = undo(guide, "C1", "dana", DAY8 + timedelta(hours=2))

    assert outcome.changed, outcome.message
    assert outcome.message.startswith("undid unsubscribed by customer at 2026-11-10")
    assert ws.read_rows()[0]["unsubscribed"] == ""
    state = guide.store.load_one("C1").history("C1").state
    assert (state.unsubscribed, state.unsubscribed_on) == (False, None)
    before = sent_to(ws, "C1")
    for day in range(1, 4):
        tick(guide, DAY8 + timedelta(days=day))
    assert len(sent_to(ws, "C1")) > len(before)


def test_a_reenrolment_keeps_the_unsubscribe_and_status_shows_it(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = flagged(ws)
    assert one_click(guide) == 200

    outcome = reenroll(guide, "C1", "Pro", "dana", DAY8, reset=True)

    assert outcome.changed and outcome.message.endswith(
        "; C1 unsubscribed, so the guide emails them nothing"
    )
    state = guide.store.load_one("C1").history("C1").state
    assert (state.journey, state.unsubscribed) == (2, True)
    assert ws.read_rows()[0]["unsubscribed"] == "2026-11-10"
    (result, _) = tick(guide, DAY8 + timedelta(days=1)).results
    assert (result.move, result.reason) == (
        "on_track",
        "unsubscribed on 2026-11-10: no more guide mail",
    )
    view = view_customer(guide, "C1", DAY8 + timedelta(days=1))
    assert not isinstance(view, str)
    assert timeline(view)[-1] == "2026-11-10  unsubscribed: no more guide mail"


@pytest.mark.parametrize("standing", ["finished", "paused"])
def test_a_customer_who_is_finished_or_paused_can_still_unsubscribe(
    tmp_path: Path, standing: str
) -> None:
    cells = (
        {"finished": "TRUE", "finished_date": "2026-11-05"}
        if standing == "finished"
        else {"paused": "TRUE"}
    )
    ws = Workspace(tmp_path, [row("C1", **cells)])
    guide = ws.guide()
    guide.wall_clock = lambda: DAY8

    assert one_click(guide) == 200

    assert guide.store.load_one("C1").history("C1").state.unsubscribed
    assert [e.action for e in guide.store.audit_trail("C1")] == ["unsubscribed"]


def test_og_status_and_why_say_so(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = flagged(ws)
    assert one_click(guide) == 200

    status = og(ws, "status", "C1", "--now", "2026-11-11")
    why = og(ws, "why", "C1", "--now", "2026-11-11")

    assert status.returncode == 0, status.stderr
    assert "(unsubscribed)" in status.stdout
    assert "2026-11-10  unsubscribed: no more guide mail" in status.stdout
    assert "unsubscribed on 2026-11-10: no more guide mail" in why.stdout
