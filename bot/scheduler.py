"""The local server's clock: APScheduler 3.x cron jobs in the team's time zone.

On AWS, EventBridge Scheduler plays this part; both call the same tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from engine.calendar import zone
from engine.tick import Guide

_log = logging.getLogger("og.scheduler")
TICK_JOB = "og-tick"


def tick_trigger(timezone: str) -> CronTrigger:
    """Every day at 09:00 team time, daylight saving included."""
    return CronTrigger(hour=9, minute=0, timezone=zone(timezone))


def digest_trigger(timezone: str) -> CronTrigger:
    """Mondays at 09:00 team time (day names, not numbers: APScheduler 3 counts from Monday=0,
    cron from Sunday=0, and a name cannot be misread)."""
    return CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=zone(timezone))


def run_tick(guide: Guide, now: Callable[[], datetime]) -> None:
    """One scheduled tick, logged; a failure is logged and the scheduler keeps going."""
    moment = now()
    try:
        report = guide.tick(moment)
    except Exception:
        _log.exception("tick at %s failed", moment.isoformat(timespec="minutes"))
        return
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(report.counts().items()))
    _log.info(
        "tick at %s: %s; %d skipped rows, %d failures%s",
        moment.isoformat(timespec="minutes"),
        counts or "no customers",
        len(report.skipped),
        len(report.failures),
        "" if report.ran else " (did not run: no usable rules doc)",
    )


def build_scheduler(guide: Guide, timezone: str) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=zone(timezone))
    scheduler.add_job(
        run_tick,
        tick_trigger(timezone),
        args=(guide, lambda: datetime.now(zone(timezone))),
        id=TICK_JOB,
        # A machine that slept through 09:00 ticks once when it wakes, not once per missed day;
        # a re-run the same day is a no-op anyway.
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
    )
    return scheduler
