"""Issue 17's table of edits: for each, the summary `rules_impact` gives, and its moves checked
against what the hourly ticks then really do under the edited doc, every hour of the week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from workspace import RULES, Workspace, nine_am, row

from engine.rules_impact import PlannedMove, RulesImpact, rules_impact
from engine.tick import tick

START = nine_am("2026-11-02").replace(hour=0)
DAYS = 7
ROWS = [
    row("C1"),
    row("C2"),
    row("P1", plan="Pro"),
    # On the list as Pro, led by a Starter override.
    row("O1", plan="Pro", plan_override="Starter"),
]
TIPS = "### Tips\nSubject: A few tips\n\nSome tips. {done_link}\n\n### Nudge"


def edit(*pairs: tuple[str, str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        for old, new in pairs:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        return text

    return apply


EDITS: dict[str, tuple[Callable[[str], str], list[str]]] = {
    "a day moved": (
        edit(("setup on day 2", "setup on day 5")),
        ["the email of setup: 3 Starter customers get it 2 days later"],
    ),
    "a step added": (
        edit(
            ("setup on day 2, check-in", "setup on day 2, tips on day 4, check-in"),
            ("### Nudge", TIPS),
        ),
        ["the email of tips: 3 Starter customers get it, and would not have"],
    ),
    "a step removed": (
        edit((", check-in on day 6. Pro", ". Pro")),
        [
            "the email of check-in: 3 Starter customers no longer get it; "
            "the Starter plan has no check-in now"
        ],
    ),
    "a step renamed": (
        edit(
            ("welcome on day 0, setup on day 2", "welcome on day 0, configure on day 2"),
            ("### Setup", "### Configure"),
        ),
        [
            "the email of configure: 3 Starter customers get it, and would not have",
            "the email of setup: 3 Starter customers no longer get it; "
            "the Starter plan has no setup now",
        ],
    ),
    "a window changed": (
        edit(("Nudge after 2 days, flag", "Nudge after 4 days, flag")),
        [
            "the nudge of welcome: 3 Starter customers get it 2 days later",
            "the nudge of welcome: 1 Pro customer gets it 2 days later",
        ],
    ),
    "a plan removed, and an override pointing at it": (
        edit(
            ("Starter plan: welcome on day 0, setup on day 2, check-in on day 6. ", ""),
            ("### Setup\nSubject: Set up {company}\n\nTime to set up. {done_link}\n\n", ""),
        ),
        [
            "the Starter plan is gone: 3 customers on it get nothing more "
            "(the tick skips their rows, naming each)"
        ],
    ),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_each_edit_is_said_plainly_and_is_what_the_ticks_then_do(tmp_path: Path, name: str) -> None:
    change, expected = EDITS[name]
    ws = Workspace(tmp_path, ROWS)
    new_text = change(RULES)

    found = rules_impact(ws.guide(), new_text, "new.md", START, DAYS)

    assert isinstance(found, RulesImpact), found
    for line in expected:
        assert line in found.summary, found.summary
    if name.startswith("a plan removed"):  # its customers' every move in one line
        assert found.summary == tuple(expected)
    assert not ws.outbox.exists()  # nothing real was sent working it out
    ws.rules_path.write_text(new_text, encoding="utf-8")
    assert {c.customer_id: list(c.after) for c in found.customers if c.after} == _ticked(ws)


def _ticked(ws: Workspace) -> dict[str, list[PlannedMove]]:
    guide = ws.guide()
    done: dict[str, list[PlannedMove]] = {}
    for hour in range(DAYS * 24):
        at = START + timedelta(hours=hour)
        for result in tick(guide, at).results:
            if result.move not in ("on_track", "skipped"):
                moved = PlannedMove(at.date(), result.move, result.step or "")
                done.setdefault(result.customer_id, []).append(moved)
    return done
