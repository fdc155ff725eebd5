"""A hand-off owner the rules doc names by email is picked by that address (the Slack modal's
value, `og handoff C1 sam@acme.test`) as well as by name."""

from __future__ import annotations

from pathlib import Path

from workspace import RULES, Workspace, nine_am, row

from engine.actions import hand_off
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
BY_EMAIL = RULES.replace(
    "Hand-off owners: Sam Ortiz <@U0SAM>.", "Hand-off owners: Sam Ortiz <sam@acme.test>."
)


def test_a_hand_off_owner_named_by_email_is_picked_by_address_or_name(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2"), row("C3")], rules=BY_EMAIL)
    guide = ws.guide()
    tick(guide, DAY0)

    assert hand_off(guide, "C1", "SAM@acme.test", "", "dana", DAY0).changed
    assert hand_off(guide, "C2", "<sam@acme.test>", "", "dana", DAY0).changed
    assert hand_off(guide, "C3", "sam ortiz", "", "dana", DAY0).changed
    assert [r["handed_off_to"] for r in ws.read_rows()] == ["Sam Ortiz"] * 3


def test_nobody_is_picked_by_an_empty_name(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=BY_EMAIL)
    guide = ws.guide()
    tick(guide, DAY0)

    refused = hand_off(guide, "C1", "  ", "", "dana", DAY0)
    assert not refused.ok and not refused.changed
    assert "is not on the rules doc's hand-off list (Sam Ortiz)" in refused.message
