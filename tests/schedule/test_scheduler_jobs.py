"""The local scheduler's two jobs: when they fire, and what a firing runs (asked of the
triggers and called as APScheduler calls them, never by sleeping)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.job import Job
from workspace import Workspace, row

from bot.scheduler import (
    DIGEST_JOB,
    MISFIRE_GRACE,
    TICK_JOB,
    build_scheduler,
    digest_trigger,
    scheduled_fire_time,
    tick_trigger,
)
from engine.calendar import zone

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def fire_times(trigger: Any, start: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def utc_hours(times: list[datetime]) -> list[tuple[str, int]]:
    return [(t.strftime("%a %m-%d %H:%M"), t.astimezone(UTC).hour) for t in times]


@pytest.mark.parametrize(
    ("timezone", "start", "expected"),
    [
        # Berlin leaves summer time on Sunday 25 October 2026.
        (BERLIN, datetime(2026, 10, 14), [("Mon 10-19 09:00", 7), ("Mon 10-26 09:00", 8)]),
        # ... and enters it on Sunday 29 March 2026.
        (BERLIN, datetime(2026, 3, 18), [("Mon 03-23 09:00", 8), ("Mon 03-30 09:00", 7)]),
        # New York leaves daylight saving on Sunday 1 November 2026 ...
        (NEW_YORK, datetime(2026, 10, 21), [("Mon 10-26 09:00", 13), ("Mon 11-02 09:00", 14)]),
        # ... and enters it on Sunday 8 March 2026.
        (NEW_YORK, datetime(2026, 2, 25), [("Mon 03-02 09:00", 14), ("Mon 03-09 09:00", 13)]),
    ],
)
def test_the_digest_fires_on_monday_at_nine_local_either_side_of_a_clock_change(
    timezone: str, start: datetime, expected: list[tuple[str, int]]
) -> None:
    times = fire_times(digest_trigger(timezone), start.replace(tzinfo=zone(timezone)), 2)
    assert utc_hours(times) == expected


def jobs_by_id(scheduler: Any) -> dict[str, Job]:
    return {job.id: job for job in scheduler.get_jobs()}


def test_with_a_digest_poster_the_scheduler_holds_both_jobs(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    jobs = jobs_by_id(build_scheduler(ws.guide(), BERLIN, post_digest=lambda _: None))
    assert set(jobs) == {TICK_JOB, DIGEST_JOB}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1
        assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds()
        assert job.kwargs["trigger"] is job.trigger
    # Mondays at 09:00 in Berlin; every hour on the hour, counted in UTC (tick_trigger says why).
    assert str(jobs[DIGEST_JOB].trigger.timezone) == BERLIN
    assert str(jobs[TICK_JOB].trigger.timezone) == "UTC"
    assert "day_of_week='mon'" in str(jobs[DIGEST_JOB].trigger)
    assert "day_of_week" not in str(jobs[TICK_JOB].trigger)
    assert jobs[DIGEST_JOB].kwargs["kind"] == "digest"
    assert jobs[TICK_JOB].kwargs["kind"] == "tick"


def at(timezone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone(timezone))


@pytest.mark.parametrize(
    ("running_at", "scheduled"),
    [
        ("2026-11-02T09:00:00.004", "2026-11-02T09:00"),  # on time
        ("2026-11-02T09:00:41", "2026-11-02T09:00"),  # a busy thread pool
        ("2026-11-02T14:59:00", "2026-11-02T09:00"),  # a laptop that slept, within the grace
    ],
)
def test_a_job_claims_the_fire_time_it_was_started_for(running_at: str, scheduled: str) -> None:
    trigger = digest_trigger(BERLIN)
    found = scheduled_fire_time(trigger, at(BERLIN, running_at), MISFIRE_GRACE)
    assert found == at(BERLIN, scheduled)


def test_a_job_started_by_hand_uses_the_minute_it_runs_in() -> None:
    # Tuesday: the digest trigger has no fire time in the last six hours.
    found = scheduled_fire_time(
        digest_trigger(BERLIN), at(BERLIN, "2026-11-03T16:20:37.5"), MISFIRE_GRACE
    )
    assert found == at(BERLIN, "2026-11-03T16:20")


def deliver(job: Job, now: datetime) -> None:
    """Run the job as APScheduler does (`job.func(*job.args, **job.kwargs)`), at `now`."""
    job.func(*job.args, **{**job.kwargs, "clock": lambda: now})


def test_two_firings_of_the_digest_job_for_the_same_monday_post_once(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    posted: list[datetime] = []
    jobs = jobs_by_id(build_scheduler(ws.guide(), BERLIN, post_digest=posted.append))
    deliver(jobs[DIGEST_JOB], at(BERLIN, "2026-11-02T09:00:01"))
    deliver(jobs[DIGEST_JOB], at(BERLIN, "2026-11-02T09:02:00"))
    assert posted == [at(BERLIN, "2026-11-02T09:00")]
    deliver(jobs[DIGEST_JOB], at(BERLIN, "2026-11-09T09:00:01"))
    assert posted == [at(BERLIN, "2026-11-02T09:00"), at(BERLIN, "2026-11-09T09:00")]


def test_a_late_tick_job_ticks_for_its_hour_and_a_repeat_sends_nothing(tmp_path: Path) -> None:
    # 19:00 UTC on 1 November is 09:00 on the 2nd on Kiritimati (UTC+14), C1's signup day.
    ws = Workspace(tmp_path, [row("C1", timezone="Pacific/Kiritimati")])
    jobs = jobs_by_id(build_scheduler(ws.guide(), "UTC"))
    deliver(jobs[TICK_JOB], at("UTC", "2026-11-01T19:45:00"))
    deliver(jobs[TICK_JOB], at("UTC", "2026-11-01T19:46:00"))
    assert ws.sent() == [("C1", "welcome", "step")]
    (send,) = ws.guide().store.load_one("C1").history("C1").sends
    assert send.local_date == date(2026, 11, 2)


def test_a_failing_job_is_logged_and_its_retry_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    roster = ws.roster_path.read_bytes()
    ws.roster_path.unlink()
    caplog.set_level(logging.INFO)
    (job,) = build_scheduler(ws.guide(), "UTC").get_jobs()
    deliver(job, at("UTC", "2026-11-02T09:00:00"))  # does not raise: the scheduler goes on
    assert "scheduled tick at 2026-11-02T09:00+00:00 (attempt 1) failed" in caplog.text
    ws.roster_path.write_bytes(roster)
    deliver(job, at("UTC", "2026-11-02T09:05:00"))
    assert ws.sent() == [("C1", "welcome", "step")]
    assert "scheduled tick at 2026-11-02T09:00+00:00 (attempt 2): step 1" in caplog.text


def test_the_tick_trigger_and_the_digest_trigger_agree_on_monday() -> None:
    monday = at(NEW_YORK, "2026-11-02T09:00")
    start = monday - timedelta(hours=1)
    assert monday in fire_times(tick_trigger(), start, 2)
    assert fire_times(digest_trigger(NEW_YORK), start, 1) == [monday]
