"""Actions from the command line and from two places at once, end to end on the embedded default."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from workspace import Workspace, nine_am, og, row

from engine.actions import ActionOutcome, finish, hand_off, mark_done, pause, reenroll, resume
from engine.tick import tick
from engine.undo import undo

DAY0 = nine_am("2026-11-02")


def test_actions_and_the_audit_trail_from_the_command_line(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    assert og(ws, "tick", "--now", "2026-11-02").returncode == 0
    paused = og(ws, "pause", "C1", "--note", "migration", "--by", "dana", "--now", "2026-11-03")
    assert paused.returncode == 0, paused.stderr
    assert "C1 is paused" in paused.stdout
    again = og(ws, "pause", "C1", "--by", "sam", "--now", "2026-11-03")
    assert again.returncode == 0 and "already paused since 2026-11-03" in again.stdout
    handoff = og(ws, "handoff", "C1", "Nobody", "--by", "dana")
    assert handoff.returncode == 1 and "not on the rules doc's hand-off list" in handoff.stderr
    assert og(ws, "pause", "C1").returncode == 2  # --by is required

    trail = og(ws, "audit", "C1")
    assert trail.returncode == 0
    assert "1 actions, newest first" in trail.stdout
    assert "action=paused  by=dana  note=migration" in trail.stdout
    assert "paused: '' -> 'TRUE'" in trail.stdout

    undone = og(ws, "undo", "C1", "--by", "sam")
    assert undone.returncode == 0 and "undid paused by dana" in undone.stdout
    trail = og(ws, "audit", "C1").stdout
    assert "action=undo  by=sam" in trail and "action=paused (undone)" in trail
    assert og(ws, "undo", "C1", "--by", "sam").stdout.strip() == "nothing to undo for C1"
    assert og(ws, "finish", "C1", "--by", "dana", "--now", "2026-11-04").returncode == 0
    assert next(r for r in ws.read_rows())["finished_by"] == "dana"


def _race(actions: list[Callable[[], ActionOutcome]]) -> list[ActionOutcome]:
    """Run the actions in threads released together."""
    outcomes: list[ActionOutcome] = []
    start = threading.Barrier(len(actions))

    def run(action: Callable[[], ActionOutcome]) -> None:
        start.wait()
        outcomes.append(action())

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_pauses_at_once_leave_one_paused_row_and_one_no_op(tmp_path: Path) -> None:
    customers = [f"C{i}" for i in range(10)]
    ws = Workspace(tmp_path, [row(c) for c in customers])
    first, second = ws.guide(), ws.guide()  # two processes' worth: two connections
    for customer in customers:  # each a fresh race
        outcomes = _race(
            [
                functools.partial(pause, first, customer, "n1", "user1", DAY0),
                functools.partial(pause, second, customer, "n2", "user2", DAY0),
            ]
        )
        assert sorted(o.changed for o in outcomes) == [False, True], outcomes
        assert all(o.ok for o in outcomes)
        assert "already paused" in next(o for o in outcomes if not o.changed).message
        assert [e.action for e in first.store.audit_trail(customer)] == ["paused"]
    assert all(r["paused"] == "TRUE" for r in ws.read_rows())


def test_pause_for_twenty_days_then_resume_continues_where_it_stopped(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)  # welcome, guide day 0
    before = tick(guide, DAY0 + timedelta(days=1)).results[0].reason
    assert "next is nudge welcome on guide day 2" in before
    assert pause(guide, "C1", "", "dana", DAY0 + timedelta(days=1, hours=2)).changed
    for day in range(2, 22):
        assert tick(guide, DAY0 + timedelta(days=day)).results[0].reason == "paused"
    assert resume(guide, "C1", "dana", DAY0 + timedelta(days=21, hours=3)).changed
    report = tick(guide, DAY0 + timedelta(days=22))
    # 22 days on, 20 of them paused: guide day 2, when the welcome nudge was next.
    assert (report.results[0].move, report.results[0].step) == ("nudge", "welcome")
    assert len(ws.emails()) == 2
    assert undo(guide, "C1", "dana", DAY0 + timedelta(days=22)).ok


def test_the_tick_audits_a_sheet_pause_and_its_own_finish_and_each_can_be_undone(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    ws.write_rows([row("C1", paused="yes", paused_note="typed in the sheet")])
    assert tick(guide, DAY0 + timedelta(days=1)).results[0].reason == "paused: typed in the sheet"
    (paused,) = guide.store.audit_trail("C1")
    assert (paused.action, paused.actor, paused.note) == ("paused", "sheet", "paused")
    # Snapshots hold what a cell means, as the guide writes it: `yes` is "TRUE".
    assert paused.before.row["paused"] == "" and paused.after.row["paused"] == "TRUE"

    assert undo(guide, "C1", "dana", DAY0 + timedelta(days=1, hours=1)).changed
    assert next(iter(ws.read_rows()))["paused"] == ""
    assert not guide.store.load().states["C1"].paused

    for step in ("welcome", "setup", "check-in"):
        assert mark_done(guide, "C1", step, DAY0 + timedelta(days=2), "customer").changed
    assert tick(guide, DAY0 + timedelta(days=3)).results[0].move == "finish"
    finished = guide.store.audit_trail("C1")[0]
    assert (finished.action, finished.actor, finished.note) == (
        "finished",
        "guide",
        "onboarding took 3 days",
    )
    assert finished.after.row["finished_by"] == "guide"

    outcome = undo(guide, "C1", "dana", DAY0 + timedelta(days=3, hours=1))
    assert outcome.changed, outcome.message
    assert "already sent, and not unsent: finish wrap-up (2026-11-05)" in outcome.message
    c1 = next(iter(ws.read_rows()))
    assert (c1["finished"], c1["finished_by"]) == ("", "")
    assert not guide.store.load().states["C1"].finished
    assert {s.step for s in guide.store.load().sends["C1"]} == {"welcome"}
    actions = [(e.action, e.actor) for e in guide.store.audit_trail("C1")]
    assert actions == [
        ("undo", "dana"),
        ("finished", "guide"),
        ("marked_done", "customer"),
        ("marked_done", "customer"),
        ("marked_done", "customer"),
        ("undo", "dana"),
        ("paused", "sheet"),
    ]


def test_reenroll_starts_a_new_journey_and_keeps_the_old_one_archived(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    assert finish(guide, "C1", "dana", DAY0 + timedelta(hours=1)).changed
    tick(guide, DAY0 + timedelta(days=1))  # the wrap-up
    outcome = reenroll(guide, "C1", "pro", "dana", DAY0 + timedelta(days=30))
    assert outcome.changed and "journey 2 on the Pro plan" in outcome.message
    c1 = next(iter(ws.read_rows()))
    assert (c1["plan"], c1["signup_date"], c1["finished"]) == ("Pro", "2026-12-02", "")
    report = tick(guide, DAY0 + timedelta(days=30))
    assert (report.results[0].move, report.results[0].step) == ("step", "welcome")
    journeys = [(m["X-OG-Step"], m["X-OG-Kind"], m["X-OG-Journey"]) for m in ws.emails()]
    assert sorted(journeys) == [
        ("welcome", "step", "1"),
        ("welcome", "step", "2"),
        ("wrap-up", "finish", "1"),
    ]
    assert {s.journey for s in guide.store.archived_sends("C1")} == {1}
    undone = undo(guide, "C1", "sam", DAY0 + timedelta(days=30, hours=1))
    assert undone.changed, undone.message
    assert guide.store.load().states["C1"].journey == 1
    assert next(iter(ws.read_rows()))["finished"] == "TRUE"


def test_undoing_again_walks_further_back(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    assert pause(guide, "C1", "first", "dana", DAY0).changed
    assert hand_off(guide, "C1", "Sam Ortiz", "call them", "dana", DAY0).changed
    assert "undid handed_off" in undo(guide, "C1", "sam", DAY0).message
    assert next(iter(ws.read_rows()))["handed_off_to"] == ""
    assert "undid paused" in undo(guide, "C1", "sam", DAY0).message
    assert next(iter(ws.read_rows()))["paused"] == ""
    assert undo(guide, "C1", "sam", DAY0).message == "nothing to undo for C1"
    undos = [e for e in guide.store.audit_trail("C1") if e.action == "undo"]
    targets = {e.id: e.action for e in guide.store.audit_trail("C1")}
    assert [targets[u.undoes or ""] for u in undos] == ["paused", "handed_off"]


def test_a_finish_undone_is_made_again_by_the_next_tick_without_a_second_wrap_up(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    for step in ("welcome", "setup", "check-in"):
        assert mark_done(guide, "C1", step, DAY0 + timedelta(days=2), "customer").changed
    assert tick(guide, DAY0 + timedelta(days=3)).results[0].move == "finish"
    assert undo(guide, "C1", "dana", DAY0 + timedelta(days=3, hours=1)).changed
    assert not guide.store.load().states["C1"].finished

    # Every step is still done, so the guide finishes her again; the wrap-up already went out.
    again = tick(guide, DAY0 + timedelta(days=4)).results[0]
    assert again.move == "finish"
    assert "wrap-up already went out on 2026-11-05" in again.reason
    wrap_ups = [p.name for p in ws.outbox.iterdir() if "wrap-up" in p.name]
    assert len(wrap_ups) == 1, wrap_ups
    state = guide.store.load().states["C1"]
    assert state.finished and str(state.finished_date) == "2026-11-05"
    assert next(iter(ws.read_rows()))["finished"] == "TRUE"
    assert guide.store.load().sends.get("C1", ()) == ()  # the journey archived again
    archived = [(s.step, s.kind.value) for s in guide.store.archived_sends("C1")]
    assert archived.count(("wrap-up", "finish")) == 1
    assert tick(guide, DAY0 + timedelta(days=5)).results[0].reason == "finished"
