"""Every action from every starting state: the documented change, or a message and no change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from workspace import Workspace, nine_am, row

from engine.actions import (
    ActionOutcome,
    clear_hand_off,
    finish,
    hand_off,
    mark_done,
    pause,
    reenroll,
    resume,
)
from engine.guide import Guide
from engine.tick import tick
from engine.undo import undo

DAY0 = nine_am("2026-11-02")
NOW = DAY0 + timedelta(days=6)


def _new(guide: Guide) -> None:
    pass


def _in_progress(guide: Guide) -> None:
    for day in range(3):
        tick(guide, DAY0 + timedelta(days=day))


def _flagged(guide: Guide) -> None:
    for day in range(6):
        tick(guide, DAY0 + timedelta(days=day))


def _paused(guide: Guide) -> None:
    _in_progress(guide)
    assert pause(guide, "C1", "migration", "dana", DAY0 + timedelta(days=3)).changed


def _handed_off(guide: Guide) -> None:
    _in_progress(guide)
    assert hand_off(guide, "C1", "Sam Ortiz", "needs a call", "dana", DAY0).changed


def _finished(guide: Guide) -> None:
    _in_progress(guide)
    assert finish(guide, "C1", "dana", DAY0 + timedelta(days=3)).changed


STARTS: dict[str, Callable[[Guide], None]] = {
    "new": _new,
    "in progress": _in_progress,
    "flagged": _flagged,
    "paused": _paused,
    "handed off": _handed_off,
    "finished": _finished,
}
Act = Callable[[Guide], ActionOutcome]
ACTIONS: dict[str, Act] = {
    "finish": lambda g: finish(g, "C1", "sam", NOW),
    "pause": lambda g: pause(g, "C1", "back in Q1", "sam", NOW),
    "resume": lambda g: resume(g, "C1", "sam", NOW),
    "hand off": lambda g: hand_off(g, "C1", "<@U0SAM>", "", "sam", NOW),
    "hand off to a stranger": lambda g: hand_off(g, "C1", "Mallory", "", "sam", NOW),
    "clear hand-off": lambda g: clear_hand_off(g, "C1", "sam", NOW),
    "mark done": lambda g: mark_done(g, "C1", "setup", NOW, "sam"),
    "mark done a step not in the plan": lambda g: mark_done(g, "C1", "launch", NOW, "sam"),
    "reenroll": lambda g: reenroll(g, "C1", "Pro", "sam", NOW),
    "reenroll on an unknown plan": lambda g: reenroll(g, "C1", "Gold", "sam", NOW),
    "reset": lambda g: reenroll(g, "C1", "Pro", "sam", NOW, reset=True),
}
# (action, start) -> what happens; anything not listed changes nothing.
CHANGES = {
    **{("finish", s): "finished" for s in STARTS if s != "finished"},
    **{("pause", s): "paused" for s in ("new", "in progress", "flagged", "handed off")},
    ("resume", "paused"): "resumed",
    **{("hand off", s): "handed_off" for s in ("new", "in progress", "flagged", "paused")},
    ("clear hand-off", "handed off"): "hand_off_cleared",
    **{("mark done", s): "marked_done" for s in STARTS if s != "finished"},
    ("reenroll", "finished"): "reenrolled",
    **{("reset", s): "reenrolled" for s in STARTS},
}
REFUSALS = {
    ("pause", "finished"): "has finished onboarding",
    ("hand off", "finished"): "has finished onboarding",
    ("mark done", "finished"): "has finished onboarding",
    **{
        ("hand off to a stranger", s): "not on the rules doc's hand-off list"
        for s in STARTS
        if s != "finished"
    },
    ("hand off to a stranger", "finished"): "has finished onboarding",
    **{("mark done a step not in the plan", s): "has no step 'launch'" for s in STARTS},
    **{("reenroll", s): "still onboarding" for s in STARTS if s != "finished"},
    **{("reenroll on an unknown plan", s): "still onboarding" for s in STARTS if s != "finished"},
    ("reenroll on an unknown plan", "finished"): "no plan 'Gold'",
}


def _everything(ws: Workspace, guide: Guide) -> tuple[bytes, object, object, object]:
    snapshot = guide.store.load()
    return (
        ws.roster_path.read_bytes(),
        snapshot,
        guide.store.archived_sends("C1"),
        guide.store.audit_trail("C1"),
    )


@pytest.mark.parametrize("start", list(STARTS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_state(tmp_path: Path, action: str, start: str) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = ws.guide()
    STARTS[start](guide)
    before = _everything(ws, guide)
    outcome = ACTIONS[action](guide)
    assert outcome.message

    expected = CHANGES.get((action, start))
    if expected is None:
        assert not outcome.changed, outcome.message
        assert outcome.ok == ((action, start) not in REFUSALS), outcome.message
        if (action, start) in REFUSALS:
            assert REFUSALS[(action, start)] in outcome.message
        assert _everything(ws, guide) == before, "a refusal or no-op changed something"
        return

    assert outcome.ok and outcome.changed, outcome.message
    (latest, *older) = guide.store.audit_trail("C1")
    assert len(older) == len(before[3])  # type: ignore[arg-type]
    assert (latest.action, latest.actor) == (expected, "sam")
    c1 = next(r for r in ws.read_rows() if r["customer_id"] == "C1")
    state = guide.store.load().states["C1"]
    if expected == "finished":
        assert (c1["finished"], c1["finished_by"], c1["finished_date"]) == (
            "TRUE",
            "sam",
            "2026-11-08",
        )
        assert state.finished and state.wrap_up_pending and "C1" not in guide.store.load().sends
        assert latest.note == "onboarding took 6 days"
    elif expected == "paused":
        assert (c1["paused"], c1["paused_note"]) == ("TRUE", "back in Q1")
        assert state.paused and state.offline_since is not None
    elif expected == "resumed":
        assert c1["paused"] == "" and not state.paused and state.offline_days == 3
    elif expected == "handed_off":
        assert c1["handed_off_to"] == "Sam Ortiz" == state.handed_off_to
    elif expected == "hand_off_cleared":
        assert c1["handed_off_to"] == "" == state.handed_off_to
    elif expected == "marked_done":
        assert "setup" in state.steps_done
    elif expected == "reenrolled":
        assert (c1["plan"], c1["signup_date"], c1.get("finished") or "") == (
            "Pro",
            "2026-11-08",
            "",
        )
        assert state.journey == 2 and not state.finished and not state.steps_done
        assert "C1" not in guide.store.load().sends  # the first journey is archived
        assert {s.journey for s in guide.store.archived_sends("C1")} <= {1}
    c2 = next(r for r in ws.read_rows() if r["customer_id"] == "C2")
    assert not c2.get("paused") and not c2.get("finished")  # ragged rows read as None


@pytest.mark.parametrize("start", list(STARTS))
def test_undo_gives_back_exactly_what_the_last_action_changed(tmp_path: Path, start: str) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    STARTS[start](guide)
    trail = guide.store.audit_trail("C1")
    outcome = undo(guide, "C1", "dana", NOW)
    if not trail:
        assert outcome.ok and not outcome.changed
        assert outcome.message == "nothing to undo for C1"
        return
    assert outcome.changed, outcome.message
    c1 = next(r for r in ws.read_rows() if r["customer_id"] == "C1")
    assert not (c1.get("paused") or c1.get("finished") or c1.get("handed_off_to"))
    state = guide.store.load().states["C1"]
    assert not (state.paused or state.finished or state.handed_off_to)
    latest = guide.store.audit_trail("C1")[0]
    assert (latest.action, latest.undoes) == ("undo", trail[0].id)
    if start == "finished":
        assert {s.step for s in guide.store.load().sends["C1"]} == {"welcome"}
        assert guide.store.archived_sends("C1") == ()


def test_undo_refuses_when_the_customer_changed_since_unless_forced(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    pause(guide, "C1", "migration", "dana", DAY0)
    ws.write_rows([row("C1", paused="TRUE", paused_note="edited in the sheet")])
    refused = undo(guide, "C1", "sam", NOW)
    assert not refused.ok and "changed since paused by dana" in refused.message
    assert "paused_note: 'migration' -> 'edited in the sheet'" in refused.message
    assert len(guide.store.audit_trail("C1")) == 1
    forced = undo(guide, "C1", "sam", NOW, force=True)
    assert forced.changed
    assert next(r for r in ws.read_rows())["paused"] == ""


def test_undo_of_a_finish_says_the_wrap_up_already_went_out(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    finish(guide, "C1", "dana", DAY0 + timedelta(hours=1))
    report = tick(guide, DAY0 + timedelta(days=1))
    assert report.results[0].move == "finish"
    assert ("C1", "wrap-up", "finish") in ws.sent()
    outcome = undo(guide, "C1", "dana", datetime.now().astimezone())
    assert outcome.changed
    assert "already sent, and not unsent: finish wrap-up (2026-11-03)" in outcome.message
    state = guide.store.load().states["C1"]
    assert not state.finished and not state.wrap_up_pending
    assert [s.step for s in guide.store.archived_sends("C1")] == ["wrap-up"]
    # The journey goes on where it was: on day 2 the welcome is nudged.
    (result,) = tick(guide, DAY0 + timedelta(days=2)).results
    assert (result.move, result.step) == ("nudge", "welcome")
