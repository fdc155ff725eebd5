"""The tick and the sheet's `unsubscribed` cell: a yes typed there stops the mail and is
recorded as the sheet's; a cell that loses the day is written again, and never resubscribes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from workspace import Workspace, nine_am, row

from engine.tick import tick

DAY0 = nine_am("2026-11-02")


def test_a_yes_typed_in_the_sheet_stops_the_mail_and_is_recorded_as_the_sheets(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = ws.guide()
    tick(guide, DAY0)
    ws.write_rows([row("C1", unsubscribed="TRUE"), row("C2")])

    for day in range(1, 12):
        tick(guide, DAY0 + timedelta(days=day))

    assert {step for cid, step, _ in ws.sent() if cid == "C1"} == {"welcome"}
    assert {step for cid, step, _ in ws.sent() if cid == "C2"} >= {"welcome", "setup"}
    (audit,) = guide.store.audit_trail("C1")
    assert (audit.action, audit.actor, audit.before.row["unsubscribed"]) == (
        "unsubscribed",
        "sheet",
        "",
    )
    state = guide.store.load_one("C1").states["C1"]
    assert (state.unsubscribed, state.unsubscribed_on) == (True, (DAY0 + timedelta(days=1)).date())
    (c1, _) = ws.read_rows()
    assert c1["unsubscribed"] == "TRUE"  # what the rep typed stays


def test_a_cell_emptied_after_an_unsubscribe_gets_its_day_back_and_mails_nothing(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1", unsubscribed="2026-11-01")])
    guide = ws.guide()
    tick(guide, DAY0)
    assert ws.sent() == []
    ws.write_rows([row("C1", unsubscribed="")])

    report = tick(guide, DAY0 + timedelta(days=1))

    assert [(r.move, r.reason) for r in report.results] == [
        ("on_track", "unsubscribed on 2026-11-01: no more guide mail")
    ]
    assert ws.read_rows()[0]["unsubscribed"] == "2026-11-01"
    assert ws.sent() == []
    assert [e.action for e in guide.store.audit_trail("C1")] == ["unsubscribed"]
