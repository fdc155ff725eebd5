"""Sends that may or may not have gone out: found at once, shown everywhere until a person
settles them, settled as delivered or to send again, and each settling undone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from runs import a_gone_process, a_live_process
from workspace import Workspace, nine_am, og, row

from engine.digest import build_digest
from engine.guide import Guide
from engine.models import SendKind, SendRecord, SendStatus
from engine.tick import tick

DAY0 = nine_am("2026-11-02")


def a_claim(process: str, step: str = "welcome", kind: SendKind = SendKind.STEP) -> SendRecord:
    """A claim as a tick makes it a minute ago, for C1's first journey."""
    return SendRecord(
        customer_id="C1",
        journey=1,
        step=step,
        kind=kind,
        local_date=date(2026, 11, 2),
        guide_day=0,
        claimed_at=datetime.now(UTC),
        tick_id="tick-dead",
        run_process=process,
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2")])


def left_by_a_killed_tick(guide: Guide) -> None:
    assert guide.store.claim(a_claim(a_gone_process()))


def test_a_claim_of_a_killed_tick_is_found_by_the_very_next_tick(ws: Workspace) -> None:
    guide = ws.guide()
    left_by_a_killed_tick(guide)
    report = tick(guide, DAY0)  # seconds later, not 15 minutes
    assert [(u.customer_id, u.step, u.new) for u in report.unconfirmed] == [("C1", "welcome", True)]
    assert ("C1", "welcome", "step") not in ws.sent()  # never sent a second time
    assert ws.sent() == [("C2", "welcome", "step")]
    told = ws.flags.getvalue()
    assert "UNCONFIRMED for <@U0DANA>" in told and "og unconfirmed delivered C1 welcome" in told


def test_a_claim_of_a_tick_still_running_is_left_alone(ws: Workspace) -> None:
    guide = ws.guide()
    with a_live_process() as process:
        guide.store.claim(a_claim(process))
        report = tick(guide, DAY0)
    assert report.unconfirmed == []
    (claim,) = [s for s in guide.store.load().sends["C1"] if s.step == "welcome"]
    assert claim.status == SendStatus.CLAIMED


def test_every_tick_status_and_digest_list_it_until_settled(ws: Workspace) -> None:
    guide = ws.guide()
    left_by_a_killed_tick(guide)
    og(ws, "tick", "--now", "2026-11-02")
    later = og(ws, "tick", "--now", "2026-11-03", "--json")
    assert later.returncode == 0, later.stderr
    lines = [json.loads(line) for line in later.stdout.splitlines()]
    (listed,) = [line["unconfirmed_send"] for line in lines if "unconfirmed_send" in line]
    assert listed | {"claimed_at": "-"} == {
        "customer_id": "C1",
        "journey": 1,
        "step": "welcome",
        "kind": "step",
        "local_date": "2026-11-02",
        "claimed_at": "-",
        "tick_id": "tick-dead",
        "new": False,
    }
    summary = og(ws, "tick", "--now", "2026-11-04")
    assert "  unconfirmed sends: 1\n" in summary.stdout
    assert "unconfirmed: C1: the email for welcome (journey 1)" in summary.stderr
    status = og(ws, "status", "C1", "--now", "2026-11-04")
    assert "unconfirmed: C1: the email for welcome" in status.stdout
    digest = build_digest(ws.guide(), nine_am("2026-11-09"))
    assert [(u.customer_id, u.step, u.kind) for u in digest.unconfirmed] == [
        ("C1", "welcome", SendKind.STEP)
    ]
    listing = og(ws, "unconfirmed")
    assert listing.returncode == 0 and "1 unconfirmed sends" in listing.stdout


def test_resend_lets_the_next_tick_send_it_and_undo_puts_it_back(ws: Workspace) -> None:
    guide = ws.guide()
    left_by_a_killed_tick(guide)
    tick(guide, DAY0)
    resent = og(ws, "unconfirmed", "resend", "C1", "Welcome", "--by", "dana")
    assert resent.returncode == 0, resent.stderr
    assert "will go out again with the next tick" in resent.stdout
    assert og(ws, "unconfirmed").stdout.startswith("no unconfirmed sends")
    undone = og(ws, "undo", "C1", "--by", "dana", "--now", "2026-11-02")
    assert undone.returncode == 0, undone.stderr
    assert "is unconfirmed again" in undone.stdout
    assert "1 unconfirmed sends" in og(ws, "unconfirmed").stdout
    og(ws, "unconfirmed", "resend", "C1", "welcome", "--by", "dana")
    tick(guide, nine_am("2026-11-03"))
    assert ("C1", "welcome", "step") in ws.sent()
    # Sent again since: undoing the resend would hide that it went out.
    refused = og(ws, "undo", "C1", "--by", "dana", "--now", "2026-11-03")
    assert refused.returncode == 1 and "it is sent now" in refused.stderr
    trail = og(ws, "audit", "C1").stdout
    assert "send_to_send_again" in trail and "email welcome: unconfirmed -> forgotten" in trail


def test_delivered_counts_it_as_sent_and_is_never_sent_again(ws: Workspace) -> None:
    guide = ws.guide()
    left_by_a_killed_tick(guide)
    tick(guide, DAY0)
    delivered = og(ws, "unconfirmed", "delivered", "C1", "welcome", "--by", "sam")
    assert delivered.returncode == 0, delivered.stderr
    again = og(ws, "unconfirmed", "delivered", "C1", "welcome", "--by", "sam")
    assert again.returncode == 0 and "nothing to settle" in again.stdout
    (welcome,) = [s for s in guide.store.load().sends["C1"] if s.step == "welcome"]
    assert (welcome.status, welcome.sent_at) == (SendStatus.SENT, welcome.claimed_at)
    assert tick(guide, nine_am("2026-11-03")).unconfirmed == []
    assert ("C1", "welcome", "step") not in ws.sent()
    (entry, *_) = guide.store.audit_trail("C1")
    assert (entry.action, entry.actor) == ("send_marked_delivered", "sam")


def test_an_unconfirmed_wrap_up_outlives_the_finish_and_is_archived_when_delivered(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    for step in ("welcome", "setup", "check-in"):
        og(ws, "done", "C1", step, "--now", "2026-11-02")
    assert guide.store.claim(a_claim(a_gone_process(), "wrap-up", SendKind.FINISH))
    tick(guide, DAY0)  # the wrap-up's run is gone: unconfirmed, and the finish is recorded
    tick(guide, nine_am("2026-11-03"))
    assert guide.store.load().states["C1"].finished
    (still,) = tick(guide, nine_am("2026-11-04")).unconfirmed
    assert (still.step, still.kind) == ("wrap-up", SendKind.FINISH)
    refused = og(ws, "unconfirmed", "resend", "C1", "wrap-up", "--by", "dana")
    assert refused.returncode == 1 and "journey 1 is over" in refused.stderr
    assert og(ws, "unconfirmed", "delivered", "C1", "wrap-up", "--by", "dana").returncode == 0
    assert "C1" not in guide.store.load().sends
    archived = {(s.step, s.status) for s in guide.store.archived_sends("C1")}
    assert ("wrap-up", SendStatus.SENT) in archived
    assert og(ws, "undo", "C1", "--by", "dana").returncode == 0
    assert [s.step for s in guide.store.load().unconfirmed()] == ["wrap-up"]


def test_settling_names_what_is_wrong(ws: Workspace) -> None:
    guide = ws.guide()
    left_by_a_killed_tick(guide)
    tick(guide, DAY0)
    unknown = og(ws, "unconfirmed", "delivered", "C1", "setup", "--by", "dana")
    assert unknown.returncode == 1
    assert "no unconfirmed send of 'setup' (unconfirmed: welcome (step))" in unknown.stderr
    assert og(ws, "unconfirmed", "resend", "C1", "welcome").returncode == 2  # --by missing
