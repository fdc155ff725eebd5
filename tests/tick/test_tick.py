"""The tick end to end on the embedded default: CSV roster, rules file, SQLite, outbox."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from workspace import SECRET, Workspace, nine_am, row, text_part

from engine.actions import mark_done
from engine.links import verify_token
from engine.models import SendKind, SendRecord, SendStatus
from engine.rulebook import LAST_GOOD_KEY
from engine.tick import tick


def claimed_by_hand(
    step: str,
    kind: SendKind,
    day: date = date(2026, 11, 2),
    guide_day: int = 0,
    age: timedelta = timedelta(0),
) -> SendRecord:
    """A claim as a tick makes it, for C1's first journey."""
    return SendRecord(
        customer_id="C1",
        journey=1,
        step=step,
        kind=kind,
        local_date=day,
        guide_day=guide_day,
        claimed_at=datetime.now(UTC) - age,
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", plan="Pro"), row("C3", signup="2026-11-05")])


def test_first_tick_welcomes_everyone_who_has_signed_up(ws: Workspace) -> None:
    report = tick(ws.guide(), nine_am("2026-11-02"))
    assert report.ran
    assert report.counts() == {"step": 2, "on_track": 1}
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]
    c1 = next(m for m in ws.emails() if m["X-OG-Customer-Id"] == "C1")
    assert c1["To"] == "Name C1 <c1@example.test>"
    assert c1["Subject"] == "Welcome, Name!"
    assert c1["X-OG-Journey"] == "1"
    body = text_part(c1)
    assert "welcome to the Starter plan" in body
    token = re.search(r"https://og\.example\.test/done/(\S+)", body)
    assert token, body
    link = verify_token(SECRET, token.group(1), datetime.now(UTC))
    assert (link.customer_id, link.journey, link.step) == ("C1", 1, "welcome")


def test_rerunning_a_tick_sends_nothing_twice(ws: Workspace) -> None:
    guide = ws.guide()
    tick(guide, nine_am("2026-11-02"))
    again = tick(guide, nine_am("2026-11-02") + timedelta(hours=3))
    assert again.counts() == {"on_track": 3}
    assert {r.reason for r in again.results if r.customer_id != "C3"} == {
        "already moved today (step welcome)"
    }
    assert len(ws.emails()) == 2


def test_fourteen_days_of_the_worked_example_through_real_adapters(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    moves = []
    for day in range(14):
        report = tick(guide, nine_am("2026-11-02") + timedelta(days=day))
        (result,) = report.results
        moves.append((day, result.move, result.step))
    assert [m for m in moves if m[1] != "on_track"] == [
        (0, "step", "welcome"),
        (2, "nudge", "welcome"),
        (3, "step", "setup"),
        (5, "nudge", "setup"),  # Saturday: welcome's flag waits for the team's Monday
        (6, "step", "check-in"),
        (7, "flag", "welcome"),
        (8, "flag", "setup"),
        (9, "nudge", "check-in"),
        # Due on Saturday the 14th, check-in's flag waits for Monday the 16th: day 14.
    ]
    assert len(ws.emails()) == 6
    nudge = next(m for m in ws.emails() if m["X-OG-Kind"] == "nudge")
    assert nudge["Subject"] == "Re: Welcome, Name!"
    flags = ws.flags.getvalue()
    assert flags.count("<@U0DANA>") == 2
    assert "is stuck on 'setup'" in flags


def test_a_bad_row_is_skipped_by_name_and_everyone_else_is_handled(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2", email="not-an-email"), row("C3")])
    report = tick(ws.guide(), nine_am("2026-11-02"))
    assert report.ran
    (skipped,) = report.skipped
    assert (skipped.row_number, skipped.column, skipped.value) == (3, "email", "not-an-email")
    assert ws.sent() == [("C1", "welcome", "step"), ("C3", "welcome", "step")]
    bad = next(r for r in report.results if r.move == "skipped")
    assert bad.error and "row 3" in bad.error and "email" in bad.error


def test_finish_sends_the_wrap_up_and_marks_the_row(ws: Workspace) -> None:
    guide = ws.guide()
    now = nine_am("2026-11-02")
    tick(guide, now)
    for step in ("welcome", "setup", "check-in"):
        assert mark_done(guide, "C1", step, now, actor="customer").ok
    report = tick(guide, now + timedelta(days=1))
    assert next(r for r in report.results if r.customer_id == "C1").move == "finish"
    assert ("C1", "wrap-up", "finish") in ws.sent()
    wrap = next(m for m in ws.emails() if m["X-OG-Kind"] == "finish")
    assert wrap["Subject"] == "You're all set, Name"
    assert "Thanks from Dana Reyes" in text_part(wrap)
    c1 = next(r for r in ws.read_rows() if r["customer_id"] == "C1")
    assert (c1["finished"], c1["finished_date"], c1["finished_by"]) == (
        "TRUE",
        "2026-11-03",
        "guide",
    )
    assert c1["notes"] == "keep me C1"
    assert "C1" not in guide.store.load().sends
    archived = guide.store.archived_sends("C1")
    assert {(a.step, a.kind) for a in archived} == {
        ("welcome", SendKind.STEP),
        ("wrap-up", SendKind.FINISH),
    }
    later = tick(guide, now + timedelta(days=2))
    assert next(r for r in later.results if r.customer_id == "C1").reason == "finished"
    assert len([m for m in ws.emails() if m["X-OG-Kind"] == "finish"]) == 1


def test_a_broken_rules_doc_runs_on_the_last_good_one(ws: Workspace) -> None:
    guide = ws.guide()
    tick(guide, nine_am("2026-11-02"))
    broken = ws.rules_path.read_text().replace("Send every day.", "Send every day. Flag never.")
    ws.rules_path.write_text(broken)
    report = tick(guide, nine_am("2026-11-03"))
    assert report.ran and report.rules_fallback
    assert any(p.startswith(f"{ws.rules_path}:3: ") for p in report.rules_problems)
    assert report.counts()["step"] == 1  # C2's connect-data, from the last good rules


def test_a_broken_rules_doc_with_no_good_one_before_makes_no_moves(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules="Starter plan: welcome on day 0.\n")
    guide = ws.guide()
    report = tick(guide, nine_am("2026-11-02"))
    assert not report.ran and report.results == []
    assert report.rules_problems and guide.store.get_meta(LAST_GOOD_KEY) is None
    assert not ws.outbox.exists() or ws.emails() == []


def test_a_stale_claim_is_announced_once_listed_every_tick_and_never_resent(
    ws: Workspace,
) -> None:
    guide = ws.guide()
    # Left by a run of another machine an hour ago, which gave no deadline: ended by age.
    guide.store.claim(claimed_by_hand("welcome", SendKind.STEP, age=timedelta(hours=1)))
    first = tick(guide, nine_am("2026-11-03"))
    assert [(k.customer_id, k.step, k.new) for k in first.unconfirmed] == [("C1", "welcome", True)]
    assert ("C1", "welcome", "step") not in ws.sent()
    assert ws.flags.getvalue().count("UNCONFIRMED for <@U0DANA>") == 1
    second = tick(guide, nine_am("2026-11-04"))
    assert [(k.customer_id, k.new) for k in second.unconfirmed] == [("C1", False)]
    assert ws.flags.getvalue().count("UNCONFIRMED") == 1
    (send,) = [s for s in guide.store.load().sends["C1"] if s.kind == SendKind.STEP]
    assert send.status == SendStatus.UNCONFIRMED


def test_a_recent_claim_of_a_running_tick_is_not_reported(ws: Workspace) -> None:
    guide = ws.guide()
    guide.store.claim(claimed_by_hand("welcome", SendKind.STEP))
    assert tick(guide, nine_am("2026-11-02")).unconfirmed == []


def test_pause_and_resume_in_the_sheet_shift_the_clock(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, nine_am("2026-11-02"))  # welcome, guide day 0
    ws.write_rows([row("C1", paused="TRUE", paused_note="on holiday")])
    for day in range(1, 6):
        report = tick(guide, nine_am("2026-11-02") + timedelta(days=day))
        assert report.results[0].reason == "paused: on holiday"
    ws.write_rows([row("C1", paused="")])
    resumed = tick(guide, nine_am("2026-11-08"))  # 6 days on, 5 of them paused: guide day 1
    assert resumed.results[0].move == "on_track"
    assert "guide day 1" in resumed.results[0].reason
    nudge = tick(guide, nine_am("2026-11-09"))
    assert (nudge.results[0].move, nudge.results[0].step) == ("nudge", "welcome")
    state = guide.store.load().states["C1"]
    assert (state.offline_days, state.offline_since, state.paused) == (5, None, False)


def test_dry_run_sends_and_writes_nothing(ws: Workspace) -> None:
    guide = ws.guide()
    before = ws.roster_path.read_bytes()
    report = tick(guide, nine_am("2026-11-02"), dry_run=True)
    assert report.counts()["step"] == 2
    assert not ws.outbox.exists()
    assert guide.store.load().sends == {}
    assert guide.store.get_meta(LAST_GOOD_KEY) is None
    assert ws.roster_path.read_bytes() == before


def test_a_failed_send_releases_its_claim_and_the_next_tick_retries(ws: Workspace) -> None:
    guide = ws.guide(mailer="outbox:" + str(ws.root / "roster.csv" / "not-a-dir"))
    report = tick(guide, nine_am("2026-11-02"))
    assert len(report.failures) == 2
    assert all(r.error for r in report.results if r.move == "step")
    assert guide.store.load().sends == {}
    retry = tick(ws.guide(), nine_am("2026-11-02") + timedelta(hours=1))
    assert retry.counts()["step"] == 2
    assert len(ws.emails()) == 2


def test_a_finish_a_crash_interrupted_is_completed_by_the_next_tick(ws: Workspace) -> None:
    guide = ws.guide()
    # The wrap-up went out and was confirmed, then the tick died before recording the finish.
    wrap_up = claimed_by_hand("wrap-up", SendKind.FINISH, day=date(2026, 11, 3), guide_day=1)
    guide.store.claim(wrap_up)
    guide.store.confirm(wrap_up.key, "<wrap@og>", datetime.now(UTC))
    report = tick(guide, nine_am("2026-11-04"))
    assert next(r for r in report.results if r.customer_id == "C1").reason == "finished"
    state = guide.store.load().states["C1"]
    assert (state.finished, state.finished_date) == (True, date(2026, 11, 3))
    assert "C1" not in guide.store.load().sends
    c1 = next(r for r in ws.read_rows() if r["customer_id"] == "C1")
    assert (c1["finished"], c1["finished_date"]) == ("TRUE", "2026-11-03")
    assert ("C1", "wrap-up", "finish") not in ws.sent()  # never sent a second time


def test_a_failed_roster_write_is_reported_and_repeated_by_the_next_tick(ws: Workspace) -> None:
    guide = ws.guide()
    now = nine_am("2026-11-02")
    tick(guide, now)
    for step in ("welcome", "setup", "check-in"):
        mark_done(guide, "C1", step, now, actor="customer")
    lock = ws.roster_path.with_name("roster.csv.lock")
    lock.mkdir()  # the writer cannot take its lock, whoever runs the test
    report = tick(guide, now + timedelta(days=1))
    assert ("C1", "wrap-up", "finish") in ws.sent()
    assert next(r for r in ws.read_rows() if r["customer_id"] == "C1").get("finished", "") == ""
    assert any("could not be updated (C1)" in f for f in report.failures)
    assert guide.store.load().states["C1"].finished
    lock.rmdir()
    tick(guide, now + timedelta(days=2))
    c1 = next(r for r in ws.read_rows() if r["customer_id"] == "C1")
    assert c1["finished"] == "TRUE"
