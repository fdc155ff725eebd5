"""A rules edit waiting for approval, without Slack: `og tick` prints the announcement (the
console notifier), `og rules apply|keep --by NAME` decides, `og audit _rules` lists the
decisions, `og undo _rules --by NAME` goes back. Each `og` its own process, as a user runs it."""

from __future__ import annotations

from pathlib import Path

from workspace import RULES, Workspace, og, row

APPROVAL = RULES.replace("Send every day.", "Send every day.\nRule changes need approval.")
EDITED = APPROVAL.replace(
    "Nudge after 2 days, flag after 3 more days.", "Nudge after 1 day, flag after 3 more days."
)


def nudged(ws: Workspace) -> list[str]:
    return [cid for cid, _, kind in ws.sent() if kind == "nudge"] if ws.outbox.exists() else []


def test_an_edit_announced_on_the_console_applied_audited_and_undone(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=APPROVAL)
    assert og(ws, "tick", "--now", "2026-11-02").returncode == 0
    ws.rules_path.write_text(EDITED, encoding="utf-8")

    announced = og(ws, "tick", "--now", "2026-11-03T09:00:00+00:00")
    assert announced.returncode == 0, announced.stderr
    assert "RULES CHANGE 2: " in announced.stderr
    assert "the nudge of welcome: 1 Starter customer gets it a day sooner" in announced.stderr
    assert "og rules apply --by NAME  |  og rules keep --by NAME" in announced.stderr
    assert "NOTE: " in announced.stderr and "waits for approval" in announced.stderr
    again = og(ws, "tick", "--now", "2026-11-03T10:00:00+00:00")
    assert "RULES CHANGE" not in again.stderr and nudged(ws) == []

    applied = og(ws, "rules", "apply", "--change", "2", "--by", "dana")
    assert applied.returncode == 0, applied.stderr
    assert "(change 2) is applied" in applied.stdout
    assert "RULES CHANGE 2 of" in applied.stderr and "applied by dana" in applied.stderr
    assert og(ws, "rules", "apply", "--by", "dana").returncode == 1  # nothing waits now

    assert og(ws, "tick", "--now", "2026-11-03T11:00:00+00:00").returncode == 0
    assert nudged(ws) == ["C1"]

    audit = og(ws, "audit", "_rules")
    assert audit.returncode == 0, audit.stderr
    lines = audit.stdout.splitlines()
    assert lines[0] == "5 entries of the rules doc, newest first"
    assert [line.split("action=")[1].split()[0] for line in lines[1:]] == [
        "copy_kept",  # the next tick kept the applied doc to fall back on
        "applied",
        "posted",
        "announced",
        "first",
    ]
    assert "action=applied  by=dana" in lines[2]

    undone = og(ws, "undo", "_rules", "--by", "dana")
    assert undone.returncode == 0, undone.stderr
    assert "undid the Apply by dana" in undone.stdout and "waits for Apply" in undone.stdout
    assert "action=applied (undone)" in og(ws, "audit", "_rules").stdout


def test_keep_the_old_rules_on_the_command_line(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=APPROVAL)
    og(ws, "tick", "--now", "2026-11-02")
    ws.rules_path.write_text(EDITED, encoding="utf-8")
    og(ws, "tick", "--now", "2026-11-03")

    kept = og(ws, "rules", "keep", "--by", "dana")

    assert kept.returncode == 0, kept.stderr
    assert "dismissed (the old rules kept)" in kept.stdout
    later = og(ws, "tick", "--now", "2026-11-04")
    assert "RULES CHANGE" not in later.stderr and "dismissed by dana" in later.stderr
    assert nudged(ws) == ["C1"]  # on day 2, as the approved doc says
