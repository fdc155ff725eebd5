"""The inbox's place on `og serve`'s clock: every five minutes, the last read of each hour a
minute before the tick, in UTC whatever the team's zone; only when there is an inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from workspace import Workspace, row

from bot.scheduler import INBOX_JOB, TICK_JOB, build_scheduler, inbox_trigger, tick_trigger

NEW_YORK = "America/New_York"


def _fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous, now = None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_the_inbox_is_read_every_five_minutes_the_last_a_minute_before_the_tick() -> None:
    start = datetime(2026, 11, 2, 8, 50, tzinfo=UTC)
    reads = _fire_times(inbox_trigger(), start, 5)
    assert [t.strftime("%H:%M") for t in reads] == ["08:54", "08:59", "09:04", "09:09", "09:14"]
    (tick,) = _fire_times(tick_trigger(), start, 1)
    assert max(t for t in reads if t < tick) == tick.replace(hour=8, minute=59)


def test_five_minutes_apart_through_the_night_new_york_falls_back() -> None:
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT; 01:00 comes twice
    reads = _fire_times(inbox_trigger(), start, 24)
    assert {b - a for a, b in pairwise(reads)} == {timedelta(minutes=5)}


def test_the_scheduler_reads_the_inbox_only_when_there_is_one(tmp_path: Path) -> None:
    guide = Workspace(tmp_path, [row("C1")]).guide()
    reads: list[datetime] = []

    with_inbox = build_scheduler(guide, NEW_YORK, read_inbox=reads.append)
    without = build_scheduler(guide, NEW_YORK)

    assert {job.id for job in without.get_jobs()} == {TICK_JOB}
    job = with_inbox.get_job(INBOX_JOB)
    assert {j.id for j in with_inbox.get_jobs()} == {TICK_JOB, INBOX_JOB}
    assert job.coalesce and job.max_instances == 1
    assert str(job.trigger.timezone) == "UTC" and "minute='4-59/5'" in str(job.trigger)
    job.func()
    (read_at,) = reads
    assert str(read_at.tzinfo) == NEW_YORK
