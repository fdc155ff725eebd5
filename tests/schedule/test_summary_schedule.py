"""The month's summary on its clocks: on the 1st at 09:00 team time (asked of the trigger, never
by sleeping), as an `og serve` job and as the Lambda's `summary` event, posted once per
scheduled time however often it is delivered, and always of the month before that time's day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lambda_events import FakeContext, scheduler_event
from month_story import NOVEMBER_TEXT, month_rows, run_month
from workspace import Workspace, row

from bot.aws_lambda import make_handler, summary_poster_from_env
from bot.runtime import summary_poster
from bot.scheduled import Disposition, run_scheduled
from bot.scheduler import SUMMARY_JOB, build_scheduler, run_job, summary_trigger
from engine.calendar import zone

NEW_YORK = "America/New_York"


def _fire_times(trigger: Any, start: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous, now = None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_the_summary_fires_on_the_first_at_nine_team_time_through_the_clock_changes() -> None:
    # New York enters daylight saving on 14 March 2027 and leaves it on 7 November 2027.
    start = datetime(2027, 1, 15, tzinfo=zone(NEW_YORK))
    times = _fire_times(summary_trigger(NEW_YORK), start, 11)
    local = [t.strftime("%Y-%m-%d %H:%M %Z") for t in times]
    assert local[:4] == [
        "2027-02-01 09:00 EST",
        "2027-03-01 09:00 EST",
        "2027-04-01 09:00 EDT",
        "2027-05-01 09:00 EDT",
    ]
    assert local[-2:] == ["2027-11-01 09:00 EDT", "2027-12-01 09:00 EST"]
    assert [t.astimezone(UTC).hour for t in times[1:3]] == [14, 13]


def test_og_serve_holds_the_summary_job_only_when_it_has_a_poster(tmp_path: Path) -> None:
    guide = Workspace(tmp_path, [row("C1")]).guide()
    without = build_scheduler(guide, NEW_YORK, post_digest=print)
    assert SUMMARY_JOB not in {job.id for job in without.get_jobs()}

    scheduler = build_scheduler(guide, NEW_YORK, post_digest=print, post_summary=print)

    job = scheduler.get_job(SUMMARY_JOB)
    assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 6 * 3600
    assert str(job.trigger) == str(summary_trigger(NEW_YORK))
    assert job.kwargs["kind"] == "summary" and job.kwargs["post_summary"] is print


def test_a_late_and_a_repeated_firing_post_the_month_before_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path, month_rows())
    guide = run_month(ws)
    capsys.readouterr()
    post = summary_poster(guide, None)  # no Slack: the console
    trigger = summary_trigger("UTC")

    # A machine that slept through 09:00 on 1 December wakes at 14:00: still December's run.
    run_job(
        guide,
        "summary",
        trigger,
        None,
        lambda: datetime(2026, 12, 1, 14, tzinfo=UTC),
        post_summary=post,
    )
    assert capsys.readouterr().out == NOVEMBER_TEXT + "\n"
    again = run_scheduled(
        guide, "summary", datetime(2026, 12, 1, 9, tzinfo=UTC), None, post_summary=post
    )
    assert again.disposition == Disposition.ALREADY_RAN
    assert capsys.readouterr().out == ""

    with pytest.raises(ValueError, match="a summary run needs post_summary, and none is wired"):
        run_scheduled(guide, "summary", datetime(2027, 1, 1, 9, tzinfo=UTC), None)


def test_the_lambda_posts_the_month_once_for_its_scheduled_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path, month_rows())
    run_month(ws)
    capsys.readouterr()
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    handler = make_handler(post_summary=summary_poster_from_env)
    # What Scheduler delivers for 09:00 on the 1st in UTC, and a duplicate of it.
    event = scheduler_event("summary", "2026-12-01T09:00:00Z")

    first = handler(event, FakeContext())
    again = handler(event, FakeContext())

    assert (first["og"], first["outcome"], first["summary"]) == ("summary", "ran", "summary posted")
    json.dumps(first)
    assert again["outcome"] == "already ran"
    assert capsys.readouterr().out == NOVEMBER_TEXT + "\n"
    with pytest.raises(ValueError, match="needs post_summary"):
        make_handler()(scheduler_event("summary", "2027-01-01T09:00:00Z"), FakeContext())
