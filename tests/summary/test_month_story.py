"""The month's summary of a real workspace whose November is known (tests/support/
month_story.py): ticked every morning, its people acting on chosen days. Why each figure is
what it is, from the story alone:

- started 7: everyone but OLDIE (26 Oct) signed up in November; LATE on Pro.
- finished 2: OLDIE on 2 Nov after 7 days, FAST on 10 Nov after 8: a median of 7.5.
- welcome 6: the six who signed up on 2 Nov; FAST did it (17%); only STUCK was nudged (4 Nov)
  and flagged (due Saturday 7 Nov, so Monday 9 Nov, in the team's hours); the others were
  paused, handed off, waiting after a reply or undeliverable from 3 Nov.
- setup 2: FAST on 4 Nov (day 2), STUCK on 5 Nov (4 Nov was its welcome nudge: one move a
  day); FAST did it; STUCK nudged 7 Nov and flagged 10 Nov.
- check-in 3: OLDIE's of 1 Nov, FAST's and STUCK's of 8 Nov; OLDIE and FAST did it; STUCK
  nudged 11 Nov, flagged Monday 16 Nov.
- Pro welcome 1: LATE's of 30 Nov, not done by the month's end.
- emails 17: the 12 step emails above, STUCK's three nudges, OLDIE's and FAST's wrap-ups;
  flags 3, STUCK's.
- paused 1, handed off 1, replies 1, bounces 1: PAUSED, HANDED, WROTE, BOUNCY on 3 Nov.
"""

from __future__ import annotations

from pathlib import Path

from month_story import NOVEMBER, NOVEMBER_TEXT, month_rows, run_month
from workspace import Workspace, og

from engine.month_report import build_month_summary, month_report
from engine.month_text import figures_text, summary_text


def test_the_figures_of_a_month_ticked_day_by_day(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, month_rows())
    guide = run_month(ws)

    summary = build_month_summary(guide, NOVEMBER)

    assert figures_text(summary) == NOVEMBER_TEXT
    assert (summary.started, summary.finished, summary.emails_sent) == (7, 2, 17)
    report = month_report(guide, NOVEMBER, None)
    assert (report.commentary, report.commentary_by) == ("", "")
    assert summary_text(report.summary) == NOVEMBER_TEXT
    # October: OLDIE alone, its first two steps done the day after each.
    october = build_month_summary(guide, NOVEMBER.replace(month=10))
    assert (october.started, october.finished, october.emails_sent) == (1, 0, 2)
    assert [(s.step, s.sent, s.done) for s in october.steps] == [("welcome", 1, 1), ("setup", 1, 1)]


def test_og_summary_prints_the_month(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, month_rows())
    run_month(ws)

    named = og(ws, "summary", "--month", "2026-11")
    assert (named.returncode, named.stdout, named.stderr) == (0, NOVEMBER_TEXT + "\n", "")
    # Without --month: the last whole month on the team's calendar.
    last = og(ws, "summary", "--now", "2026-12-01T00:30")
    assert (last.returncode, last.stdout) == (0, NOVEMBER_TEXT + "\n")

    bad = og(ws, "summary", "--month", "2026-13")
    assert bad.returncode == 2 and "write it as YYYY-MM, say 2026-11" in bad.stderr


def test_without_a_usable_rules_doc_there_are_no_figures(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, month_rows())
    ws.rules_path.write_text("Starter plan: welcome on day zero.\n", encoding="utf-8")

    done = og(ws, "summary", "--month", "2026-11")

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "November 2026 in one message"
    assert lines[1].startswith(f"{ws.rules_path}:1:")
    assert lines[-1] == "No figures: they need a usable rules doc."
