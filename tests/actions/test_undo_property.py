"""For random sequences of actions, undo after each one gives back exactly what was before."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
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
from engine.unsubscribe import unsubscribe

DAY0 = nine_am("2026-11-02")
Act = Callable[[Guide, int], ActionOutcome]
ACTIONS: dict[str, Act] = {
    "pause": lambda g, i: pause(g, "C1", f"note {i}", "dana", DAY0 + timedelta(hours=i)),
    "resume": lambda g, i: resume(g, "C1", "dana", DAY0 + timedelta(days=i)),
    "hand off": lambda g, i: hand_off(g, "C1", "Sam Ortiz", "", "dana", DAY0),
    "clear hand-off": lambda g, i: clear_hand_off(g, "C1", "sam", DAY0 + timedelta(days=i)),
    "done welcome": lambda g, i: mark_done(g, "C1", "welcome", DAY0, "customer"),
    "done setup": lambda g, i: mark_done(g, "C1", "setup", DAY0 + timedelta(days=i), "customer"),
    "finish": lambda g, i: finish(g, "C1", "dana", DAY0 + timedelta(days=i)),
    "reenroll": lambda g, i: reenroll(g, "C1", "Pro", "dana", DAY0 + timedelta(days=i)),
    "reset": lambda g, i: reenroll(
        g, "C1", "Starter", "dana", DAY0 + timedelta(days=i), reset=True
    ),
    "unsubscribe": lambda g, i: unsubscribe(g, "C1", 1, DAY0 + timedelta(days=i)).outcome,
}


def _everything(ws: Workspace, guide: Guide) -> tuple[object, ...]:
    c1 = next(iter(ws.read_rows()))
    live = guide.store.load()
    # No state row and a default one mean the same to the store: history() gives the default.
    state = live.history("C1").state
    return (
        {k: c1.get(k) or "" for k in ("paused", "paused_note", "handed_off_to", "unsubscribed")},
        c1.get("finished") or "",
        {k: c1.get(k) or "" for k in ("finished_date", "finished_by", "plan", "signup_date")},
        state.model_dump(exclude={"version", "updated_at", "updated_by"}),
        sorted((s.step, s.kind.value) for s in live.sends.get("C1", ())),
        sorted((s.step, s.kind.value) for s in guide.store.archived_sends("C1")),
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=7))
def test_undo_after_each_action_restores_exactly_what_was_before(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        ws = Workspace(Path(directory), [row("C1")])
        guide = ws.guide()
        tick(guide, DAY0)  # welcome sent: a journey in progress
        for index, name in enumerate(names, start=1):
            before = _everything(ws, guide)
            trail = len(guide.store.audit_trail("C1"))
            outcome = ACTIONS[name](guide, index)
            if not outcome.changed:
                assert _everything(ws, guide) == before, f"{name} said unchanged but changed"
                assert len(guide.store.audit_trail("C1")) == trail
                continue
            assert len(guide.store.audit_trail("C1")) == trail + 1
            undone = undo(guide, "C1", "sam", DAY0 + timedelta(days=index))
            assert undone.changed, undone.message
            assert _everything(ws, guide) == before, f"undo of {name} did not restore it"
            assert len(guide.store.audit_trail("C1")) == trail + 2
            # Do it again, so the sequence goes on from the action's result.
            assert ACTIONS[name](guide, index).changed
