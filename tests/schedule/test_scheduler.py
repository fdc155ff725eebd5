"""The local server's schedule, checked by asking the triggers, never by sleeping."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
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


def test_the_tick_fires_at_nine_local_across_the_end_of_daylight_saving() -> None:
    start = datetime(2026, 10, 30, 12, 0, tzinfo=zone(NEW_YORK))
    times = _fire_times(tick_trigger(NEW_YORK), start, 4)
    assert [t.strftime("%a %d %H:%M %Z") for t in times] == [
        "Sat 31 09:00 EDT",
        "Sun 01 09:00 EST",
        "Mon 02 09:00 EST",
        "Tue 03 09:00 EST",
    ]
    assert [t.astimezone(zone("UTC")).hour for t in times] == [13, 14, 14, 14]


def test_the_tick_fires_at_nine_local_across_the_start_of_daylight_saving() -> None:
    start = datetime(2026, 3, 7, 10, 0, tzinfo=zone(NEW_YORK))
    times = _fire_times(tick_trigger(NEW_YORK), start, 2)
    assert [(t.day, t.hour, t.astimezone(zone("UTC")).hour) for t in times] == [
        (8, 9, 13),
        (9, 9, 13),
    ]


def test_the_digest_fires_on_mondays_at_nine() -> None:
    start = datetime(2026, 10, 28, 12, 0, tzinfo=zone("Europe/Berlin"))
    times = _fire_times(digest_trigger("Europe/Berlin"), start, 3)
    assert [t.strftime("%a %Y-%m-%d %H:%M") for t in times] == [
        "Mon 2026-11-02 09:00",
        "Mon 2026-11-09 09:00",
        "Mon 2026-11-16 09:00",
    ]


def test_the_scheduler_holds_one_tick_job_in_the_team_zone(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    scheduler = build_scheduler(ws.guide(), NEW_YORK)
    (job,) = scheduler.get_jobs()
    assert job.id == TICK_JOB and job.coalesce and job.max_instances == 1
    assert str(job.trigger.timezone) == NEW_YORK
    assert "hour='9'" in str(job.trigger) and "minute='0'" in str(job.trigger)


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
