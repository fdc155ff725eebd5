"""An action that dies half-way: finished in the actor's name, or dropped, never `sheet`'s."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runs import a_live_process
from workspace import Workspace, nine_am, row

from engine.actions import ACTION_TIME_LIMIT, finish, pause
from engine.guide import Guide
from engine.models import RosterSnapshot, SendKind
from engine.tick import tick

DAY0 = nine_am("2026-11-02")


class Killed(BaseException):
    """Stands for SIGKILL at that point: nothing after it runs, no handler sees it."""


def dies_at(adapter: object, method: str) -> None:
    def die(*args: Any, **kwargs: Any) -> Any:
        raise Killed(method)

    setattr(adapter, method, die)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2")])


KILLED_AFTER_THE_ROSTER = ("store", "commit_action")
KILLED_BEFORE_THE_ROSTER = ("roster", "write")


def killed_half_way(
    ws: Workspace, where: tuple[str, str], action: Callable[[Guide], object]
) -> Guide:
    """After the first morning's tick, `action` run by a guide that dies at `where`; returns
    a guide of its own, as the next process would have."""
    guide = ws.guide()
    tick(guide, DAY0)
    acting = ws.guide()
    dies_at(getattr(acting, where[0]), where[1])
    with pytest.raises(Killed):
        action(acting)
    return guide


def pause_c1(guide: Guide) -> object:
    return pause(guide, "C1", "migration", "dana", nine_am("2026-11-03"))


def test_a_pause_killed_after_the_roster_write_is_finished_in_the_actors_name(
    ws: Workspace,
) -> None:
    guide = killed_half_way(ws, KILLED_AFTER_THE_ROSTER, pause_c1)
    assert ws.read_rows()[0]["paused"] == "TRUE"  # the roster was written, the state not

    report = tick(guide, nine_am("2026-11-03"))

    (entry, *_) = guide.store.audit_trail("C1")
    assert (entry.action, entry.actor) == ("paused", "dana")
    assert entry.note.startswith("migration; finished by the guide")
    state = guide.store.load().states["C1"]
    assert (state.paused, state.pending) == (True, None)
    assert report.results[0].reason == "paused: migration"
    assert [e.actor for e in guide.store.audit_trail("C1")].count("sheet") == 0


def test_an_action_killed_before_the_roster_write_is_dropped(ws: Workspace) -> None:
    guide = killed_half_way(ws, KILLED_BEFORE_THE_ROSTER, pause_c1)
    pending = guide.store.load().states["C1"].pending
    assert pending is not None
    assert pending.run_deadline == pending.audit.at + ACTION_TIME_LIMIT

    tick(guide, nine_am("2026-11-03"))

    state = guide.store.load().states["C1"]
    assert (state.paused, state.pending) == (False, None)
    assert guide.store.audit_trail("C1") == []


def test_a_finish_killed_half_way_still_sends_its_wrap_up_once(ws: Workspace) -> None:
    guide = killed_half_way(
        ws, KILLED_AFTER_THE_ROSTER, lambda g: finish(g, "C1", "dana", nine_am("2026-11-03"))
    )

    tick(guide, nine_am("2026-11-03"))
    tick(guide, nine_am("2026-11-04"))

    assert ws.sent().count(("C1", "wrap-up", "finish")) == 1
    (entry, *_) = [e for e in guide.store.audit_trail("C1") if e.action == "finished"]
    assert entry.actor == "dana"
    archived = guide.store.archived_sends("C1")
    assert {(s.step, s.kind) for s in archived} >= {("welcome", SendKind.STEP)}


def test_an_action_under_way_elsewhere_holds_the_customer_until_it_ends(ws: Workspace) -> None:
    guide = killed_half_way(ws, KILLED_BEFORE_THE_ROSTER, pause_c1)
    stored = guide.store.load().states["C1"]
    assert stored.pending is not None
    with a_live_process() as process:
        # As if the pausing process were still at work on another machine's clock.
        still = stored.pending.model_copy(update={"run_process": process})
        guide.store.save_state(stored.model_copy(update={"pending": still}))
        other = pause(guide, "C1", "", "sam", nine_am("2026-11-03"))
        assert not other.ok and "being changed by dana (paused) right now" in other.message
        report = tick(guide, nine_am("2026-11-03"))
        assert "being changed by dana" in report.results[0].reason
    assert pause(guide, "C1", "", "sam", nine_am("2026-11-03")).ok


def test_an_intent_settled_by_another_reader_first_is_read_again_not_a_crash(
    ws: Workspace,
) -> None:
    # CI found it: two actions at once, the first ended between the second's read of the state
    # and its settling of the first's intent. The second now reads again.
    guide = killed_half_way(ws, KILLED_AFTER_THE_ROSTER, pause_c1)
    second = ws.guide()
    read = second.roster.read

    def another_reader_settles_first() -> RosterSnapshot:
        snapshot = read()
        if ws.guide().store.load().states["C1"].pending is not None:
            tick(ws.guide(), nine_am("2026-11-03"))  # the tick settles it meanwhile
        return snapshot

    second.roster.read = another_reader_settles_first  # type: ignore[method-assign]
    outcome = pause(second, "C1", "", "sam", nine_am("2026-11-03"))
    assert outcome.ok and not outcome.changed and "already paused" in outcome.message
    assert [e.actor for e in guide.store.audit_trail("C1")] == ["dana"]


def test_an_intent_left_on_another_machine_waits_for_its_deadline(ws: Workspace) -> None:
    # A Lambda environment leaves no process to look at: its action's time limit decides.
    guide = killed_half_way(ws, KILLED_BEFORE_THE_ROSTER, pause_c1)
    stored = guide.store.load().states["C1"]
    assert stored.pending is not None
    elsewhere = stored.pending.model_copy(update={"run_process": "lambda-env/0ddba11/1/1"})
    guide.store.save_state(stored.model_copy(update={"pending": elsewhere}))
    assert "being changed by dana" in tick(guide, nine_am("2026-11-03")).results[0].reason
    later = elsewhere.run_deadline
    assert later is not None
    guide.wall_clock = lambda: later
    tick(guide, nine_am("2026-11-03"))
    assert guide.store.load().states["C1"].pending is None
