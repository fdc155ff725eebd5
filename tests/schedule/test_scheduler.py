"""The local server's schedule, checked by asking the triggers, never by sleeping."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from runs import a_gone_process
from workspace import Workspace, nine_am, row

from bot.scheduler import TICK_JOB, build_scheduler, digest_trigger, run_tick, tick_trigger
from engine.calendar import zone
from engine.models import SendKind, SendRecord

NEW_YORK = "America/New_York"


def _fire_times(trigger: object, start: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)  # type: ignore[attr-defined]
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_the_tick_fires_every_hour_on_the_hour_through_both_clock_changes() -> None:
    # New York falls back on 1 November 2026 (01:00 happens twice) and springs forward on
    # 8 March (no 02:00): an hour apart all the same, none lost, none twice.
    for start in ("2026-11-01T04:30", "2026-03-08T05:30"):
        begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
        times = _fire_times(tick_trigger(), begin, 5)
        assert [t - begin for t in times] == [timedelta(minutes=30 + 60 * n) for n in range(5)]
    local = [t.astimezone(zone(NEW_YORK)).strftime("%H:%M %Z") for t in times]
    assert local == ["01:00 EST", "03:00 EDT", "04:00 EDT", "05:00 EDT", "06:00 EDT"]


def test_a_cron_trigger_in_a_zone_that_falls_back_repeats_an_hour_so_the_tick_counts_utc() -> None:
    # Why tick_trigger is UTC: APScheduler's own answers, each asked after the last, in New
    # York on the night it falls back. After the second 01:00 it answers 01:00 again.
    in_new_york = CronTrigger(minute=0, timezone=zone(NEW_YORK))
    start = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    hours = [t.astimezone(UTC).strftime("%H:%M") for t in _fire_times(in_new_york, start, 4)]
    # Should an upgrade fix it, this fails: the tick may then count in the team's zone again.
    assert hours == ["05:00", "06:00", "06:00", "06:00"]


def test_the_digest_fires_on_mondays_at_nine() -> None:
    start = datetime(2026, 10, 28, 12, 0, tzinfo=zone("Europe/Berlin"))
    times = _fire_times(digest_trigger("Europe/Berlin"), start, 3)
    assert [t.strftime("%a %Y-%m-%d %H:%M") for t in times] == [
        "Mon 2026-11-02 09:00",
        "Mon 2026-11-09 09:00",
        "Mon 2026-11-16 09:00",
    ]


def test_the_scheduler_holds_one_hourly_tick_job(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    scheduler = build_scheduler(ws.guide(), NEW_YORK)
    (job,) = scheduler.get_jobs()
    assert job.id == TICK_JOB and job.coalesce and job.max_instances == 1
    assert str(job.trigger.timezone) == "UTC"
    assert "hour=" not in str(job.trigger) and "minute='0'" in str(job.trigger)


def test_a_scheduled_tick_runs_the_guide_and_logs_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2", email="bad")])
    caplog.set_level(logging.INFO, logger="og.scheduler")
    run_tick(ws.guide(), lambda: nine_am("2026-11-02"))
    assert ws.sent() == [("C1", "welcome", "step")]
    assert "tick at 2026-11-02T09:00+00:00: step 1; 1 skipped rows, 0 failures" in caplog.text


def test_every_scheduled_tick_logs_the_sends_that_may_not_have_gone_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide = ws.guide()
    left = SendRecord(
        customer_id="C1",
        journey=1,
        step="welcome",
        kind=SendKind.STEP,
        local_date=date(2026, 11, 2),
        guide_day=0,
        claimed_at=datetime.now(UTC),
        tick_id="tick-killed",
        run_process=a_gone_process(),
    )
    guide.store.claim(left)
    caplog.set_level(logging.INFO, logger="og.scheduler")
    run_tick(guide, lambda: nine_am("2026-11-02"))
    run_tick(guide, lambda: nine_am("2026-11-03"))
    first, second = [r.message for r in caplog.records if r.message.startswith("tick at")]
    assert "1 unconfirmed sends (1 new: og unconfirmed to settle them): C1 welcome step" in first
    assert "1 unconfirmed sends (0 new: og unconfirmed to settle them): C1 welcome step" in second


def test_a_failing_tick_is_logged_and_does_not_stop_the_scheduler(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    ws.roster_path.unlink()
    caplog.set_level(logging.INFO, logger="og.scheduler")
    run_tick(ws.guide(), lambda: nine_am("2026-11-02"))
    assert "tick at 2026-11-02T09:00+00:00 failed" in caplog.text
