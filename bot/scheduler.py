"""The local server's clock: APScheduler 3.x cron jobs in the team's time zone.

On AWS, EventBridge Scheduler plays this part; both go through `bot.scheduled.run_scheduled`,
so a firing is run once per scheduled time, whichever clock delivered it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.scheduled import PostDigest, PostSummary, ScheduledKind, describe_report, run_scheduled
from engine.calendar import zone
from engine.guide import Guide
from engine.tick import tick

_log = logging.getLogger("og.scheduler")
TICK_JOB = "og-tick"
DIGEST_JOB = "og-digest"
SUMMARY_JOB = "og-summary"
INBOX_JOB = "og-inbox"
# A machine that slept through a firing still runs the job when it wakes, up to this late.
MISFIRE_GRACE = timedelta(hours=6)
INBOX_MISFIRE_GRACE = timedelta(hours=1)


def tick_trigger() -> CronTrigger:
    """Every hour on the hour: each tick mails the customers whose own sending hours are open
    (engine.decide), so each hears from the guide in their working day, wherever they are.

    Counted in UTC whatever the team's zone: an hour is the same instant in every whole-hour
    zone, and APScheduler 3.11's CronTrigger in a zone with daylight saving, asked for the hour
    after a repeated one (01:00 when clocks fall back), answers that repeated hour again, which
    would spin the scheduler's loop (tests/schedule/test_scheduler.py shows both)."""
    return CronTrigger(minute=0, timezone=UTC)


def digest_trigger(timezone: str) -> CronTrigger:
    """Mondays at 09:00 team time (day names, not numbers: APScheduler 3 counts from Monday=0,
    cron from Sunday=0, and a name cannot be misread)."""
    return CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=zone(timezone))


def summary_trigger(timezone: str) -> CronTrigger:
    """The 1st of every month at 09:00 team time: the month before, in one message."""
    return CronTrigger(day=1, hour=9, minute=0, timezone=zone(timezone))


def inbox_trigger() -> CronTrigger:
    """Every five minutes, at 4, 9, ... 59 past the hour: the last read of each hour comes a
    minute before the tick, so a reply that came in before it holds the guide at that tick."""
    return CronTrigger(minute="4-59/5", timezone=UTC)


def scheduled_fire_time(trigger: CronTrigger, now: datetime, lookback: timedelta) -> datetime:
    """The fire time a job running at `now` was started for.

    APScheduler 3 does not hand a job its scheduled run time, so ask the trigger for its
    latest fire time in the last `lookback` (the job's misfire grace: APScheduler drops any
    run later than that). With `coalesce=True` that is the very run time APScheduler started
    the job for, late or not, so a job that starts at 09:00:02, or at 14:00 after a sleeping
    laptop wakes, still claims the 09:00 run.

    When the trigger has no fire time in that window the job was started by hand (say
    `job.modify(next_run_time=...)`), and there is no scheduled time to find: the run's id is
    then `now` truncated to the minute, the cron's own resolution, so a delivery repeated
    within the same minute is still caught as a duplicate."""
    latest: datetime | None = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest or now.replace(second=0, microsecond=0)


def run_job(
    guide: Guide,
    kind: ScheduledKind,
    trigger: CronTrigger,
    post_digest: PostDigest | None,
    clock: Callable[[], datetime],
    lookback: timedelta = MISFIRE_GRACE,
    post_summary: PostSummary | None = None,
) -> None:
    """One scheduled job: run once for its fire time; a failure is logged (by `run_scheduled`,
    with the traceback) and the scheduler keeps going."""
    scheduled_time = scheduled_fire_time(trigger, clock(), lookback)
    # Already logged, and the attempt recorded as failed, by run_scheduled.
    with suppress(Exception):
        run_scheduled(guide, kind, scheduled_time, post_digest, post_summary=post_summary)


def run_tick(guide: Guide, now: Callable[[], datetime]) -> None:
    """One tick at the wall clock, logged; a failure is logged and the caller keeps going.

    Not claimed per scheduled time like the scheduler's jobs: a plain run, as `og tick` is."""
    moment = now()
    try:
        report = tick(guide, moment)
    except Exception:
        _log.exception("tick at %s failed", moment.isoformat(timespec="minutes"))
        return
    _log.info("tick at %s: %s", moment.isoformat(timespec="minutes"), describe_report(report))


def build_scheduler(
    guide: Guide,
    timezone: str,
    post_digest: PostDigest | None = None,
    read_inbox: Callable[[datetime], None] | None = None,
    post_summary: PostSummary | None = None,
) -> BackgroundScheduler:
    """The hourly tick, the Monday digest and the month's summary on the 1st when there is
    something to post them with, and a read of the inbox every five minutes when there is one
    (`read_inbox` logs its own failures)."""
    scheduler = BackgroundScheduler(timezone=zone(timezone))
    if read_inbox is not None:
        scheduler.add_job(
            lambda: read_inbox(datetime.now(zone(timezone))),
            inbox_trigger(),
            id=INBOX_JOB,
            # A read that outlasts five minutes is not joined by another; one missed while the
            # machine slept is made up by a single read when it wakes.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(INBOX_MISFIRE_GRACE.total_seconds()),
        )
    jobs: list[tuple[str, ScheduledKind, CronTrigger]] = [(TICK_JOB, "tick", tick_trigger())]
    if post_digest is not None:
        jobs.append((DIGEST_JOB, "digest", digest_trigger(timezone)))
    if post_summary is not None:
        jobs.append((SUMMARY_JOB, "summary", summary_trigger(timezone)))
    for job_id, kind, trigger in jobs:
        scheduler.add_job(
            run_job,
            trigger,
            kwargs={
                "guide": guide,
                "kind": kind,
                "trigger": trigger,
                "post_digest": post_digest,
                "clock": lambda: datetime.now(zone(timezone)),
                "lookback": MISFIRE_GRACE,
                "post_summary": post_summary,
            },
            id=job_id,
            # A machine that slept through a firing runs the job once when it wakes, not once per
            # missed firing; a second delivery of the same firing is a no-op anyway.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
        )
    return scheduler
