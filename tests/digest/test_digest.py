"""The weekly digest's content, from a real workspace after a couple of weeks of ticks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from digest_story import run_story
from workspace import Workspace, nine_am, row

from engine.actions import finish, pause
from engine.digest import build_digest
from engine.tick import tick

DAY0 = nine_am("2026-11-02")


def test_the_digest_lists_paused_open_flags_hand_offs_finishes_and_medians(
    tmp_path: Path,
) -> None:
    ws = Workspace(
        tmp_path,
        [
            row("STUCK1"),
            row("STUCK2", signup="2026-11-03"),
            row("PAUSED"),
            row("HANDED"),
            row("FAST"),
            row("BAD", email="nope"),
        ],
    )
    guide = run_story(ws)

    digest = build_digest(guide, DAY0 + timedelta(days=12))
    assert digest.today == date(2026, 11, 14)
    (paused,) = digest.paused
    assert (paused.customer_id, paused.note, paused.since, paused.days) == (
        "PAUSED",
        "migrating, back in Q1",
        date(2026, 11, 3),
        11,
    )
    (handed,) = digest.handed_off
    assert (handed.customer_id, handed.owner, handed.since) == (
        "HANDED",
        "Sam Ortiz",
        date(2026, 11, 3),
    )
    flags = [(f.customer_id, f.step, f.flagged_on, f.age_days) for f in digest.open_flags]
    assert flags == [
        # Due on the weekend, both welcome flags waited for the team's Monday.
        ("STUCK1", "welcome", date(2026, 11, 9), 5),
        ("STUCK2", "welcome", date(2026, 11, 9), 5),
        ("STUCK1", "setup", date(2026, 11, 10), 4),
        ("STUCK2", "setup", date(2026, 11, 11), 3),
    ]
    (fast,) = digest.finished_this_week
    assert (fast.customer_id, fast.finished_on, fast.days) == ("FAST", date(2026, 11, 10), 8)
    # FAST's three steps were each done a day after their email.
    assert digest.median_days_to_done == {"Starter": 1.0}
    assert len(digest.skipped_rows) == 1 and "row 7, column email" in digest.skipped_rows[0]
    assert digest.rules_problems == []


def test_a_finish_older_than_a_week_is_not_listed_and_a_broken_doc_is(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    finish(guide, "C1", "dana", DAY0)
    assert [
        f.customer_id for f in build_digest(guide, DAY0 + timedelta(days=6)).finished_this_week
    ] == ["C1"]
    assert build_digest(guide, DAY0 + timedelta(days=7)).finished_this_week == []
    ws.rules_path.write_text("Starter plan: welcome on day zero.\n")
    broken = build_digest(guide, DAY0 + timedelta(days=7))
    assert broken.rules_problems and broken.rules_problems[0].startswith(f"{ws.rules_path}:1:")


def test_og_digest_prints_the_digest(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = ws.guide()
    pause(guide, "C2", "on leave", "dana", DAY0)
    for day in range(8):  # C1 never acts: welcome is flagged on day 7, Monday the 9th
        tick(guide, DAY0 + timedelta(days=day))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "digest", "--now", "2026-11-09T12:00:00+00:00"],
        capture_output=True,
        text=True,
        env={**os.environ, **ws.env()},
        cwd=ws.root,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Weekly digest, Mon 09 Nov 2026" in result.stdout
    assert "customer=C2 Name C2  note=on leave  paused for=7 days" in result.stdout
    assert "Open flags nobody acted on (1), oldest first" in result.stdout
