"""`rules_impact`: what an edit of the rules doc changes for the customers already in a
journey, said plainly, and checked against what the ticks then really do under the new doc."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from workspace import RULES, Workspace, nine_am, og, row

from engine.rules_impact import PlannedMove, RulesImpact, rules_impact
from engine.tick import tick

START = nine_am("2026-11-02").replace(hour=0)
ROWS = [row("C1"), row("C2"), row("C3"), row("P1", plan="Pro")]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, ROWS)


def impact_of(ws: Workspace, new_text: str, days: int = 7) -> RulesImpact:
    found = rules_impact(ws.guide(), new_text, "new-rules.md", START, days)
    assert isinstance(found, RulesImpact), found
    return found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "setup on day 2",
            "setup on day 5",
            [
                "the nudge of setup: 3 Starter customers no longer get it within 7 days",
                "the email of setup: 3 Starter customers get it 2 days later",
            ],
        ),
        (
            "Nudge after 2 days, flag",
            "Nudge after 1 day, flag",
            [
                "the nudge of setup: 3 Starter customers get it 2 days sooner",
                "the nudge of welcome: 3 Starter customers get it a day sooner",
                "the email of setup: 3 Starter customers get it a day sooner",
                "the flag of welcome: 3 Starter customers get it, and would not have",
                "the email of invite team: 1 Pro customer no longer gets it within 7 days",
            ],
        ),
        (
            ", check-in on day 6. Pro",
            ". Pro",
            [
                "the email of check-in: 3 Starter customers no longer get it; "
                "the Starter plan has no check-in now"
            ],
        ),
        # One move a day: setup on day 3 still goes on day 3, after day 2's welcome nudge.
        ("setup on day 2", "setup on day 3", []),
    ],
)
def test_an_edit_is_summed_up_as_a_person_would_say_it(
    ws: Workspace, old: str, new: str, expected: list[str]
) -> None:
    assert RULES.count(old) == 1
    found = impact_of(ws, RULES.replace(old, new))

    assert list(found.summary[: len(expected) or None]) == expected


def test_an_unchanged_doc_changes_nobody(ws: Workspace) -> None:
    found = impact_of(ws, RULES)
    assert found.summary == () and found.changed == ()
    assert {c.customer_id for c in found.customers} == {"C1", "C2", "C3", "P1"}


def test_a_broken_doc_gives_its_line_numbered_errors_and_changes_nothing(ws: Workspace) -> None:
    before = ws.guide().store.load()
    broken = RULES.replace("setup on day 2", "setup on day banana")
    found = rules_impact(ws.guide(), broken, "new.md", START, 3)
    assert isinstance(found, list) and found and all(p.startswith("new.md:") for p in found)
    assert ws.guide().store.load() == before and not ws.outbox.exists()


def test_the_impact_is_what_the_ticks_then_really_do(ws: Workspace) -> None:
    new_text = RULES.replace("setup on day 2", "setup on day 4").replace(
        "feature tour on day 3", "feature tour on day 2"
    )
    found = impact_of(ws, new_text, days=7)
    assert not ws.outbox.exists()  # nothing real was sent working it out

    ws.rules_path.write_text(new_text, encoding="utf-8")
    guide = ws.guide()
    done: dict[str, list[PlannedMove]] = {}
    for hour in range(7 * 24):
        report = tick(guide, START + timedelta(hours=hour))
        for result in report.results:
            if result.move not in ("on_track", "skipped"):
                at = (START + timedelta(hours=hour)).date()
                done.setdefault(result.customer_id, []).append(
                    PlannedMove(at, result.move, result.step or "")
                )
    assert {c.customer_id: list(c.after) for c in found.customers if c.after} == done
    # Day 3 before (one move a day put it after the welcome's nudge), day 4 now.
    assert "the email of setup: 3 Starter customers get it a day later" in found.summary


def test_og_rules_impact_prints_the_summary_then_each_customer(ws: Workspace) -> None:
    edited = ws.root / "edited.md"
    edited.write_text(RULES.replace(", check-in on day 6. Pro", ". Pro"), encoding="utf-8")

    shown = og(ws, "rules", "impact", str(edited), "--days", "7", "--now", "2026-11-02")

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"{edited} against the live rules, 7 days from Mon 02 Nov 2026:"
    assert lines[1] == (
        "  - the email of check-in: 3 Starter customers no longer get it; "
        "the Starter plan has no check-in now"
    )
    assert "C1 (Starter): step check-in Sun 08 Nov → —" in lines
    as_json = og(
        ws, "rules", "impact", str(edited), "--days", "7", "--json", "--now", "2026-11-02T00:00Z"
    )
    found = json.loads(as_json.stdout)
    assert [c["customer_id"] for c in found["customers"]] == ["C1", "C2", "C3"]
    assert not ws.outbox.exists()  # nothing was sent working it out


def test_og_rules_impact_of_a_broken_doc_exits_1_with_its_lines(ws: Workspace) -> None:
    edited = ws.root / "edited.md"
    edited.write_text(RULES.replace("setup on day 2", "setup on day banana"), encoding="utf-8")

    shown = og(ws, "rules", "impact", str(edited))

    assert shown.returncode == 1
    assert shown.stdout.startswith(f"{edited}:8: could not read this rule"), shown.stdout
