"""`run_scheduled`: each (kind, scheduled time) runs once, however often it is delivered."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from workspace import Workspace, nine_am, row

from bot import scheduled
from bot.scheduled import Disposition, claim_key, run_scheduled
from engine.calendar import zone
from engine.guide import Guide
from engine.ports import RosterError
from engine.tick import TickReport, tick


class Digests:
    """A `post_digest` that records what it was asked to post, and can fail on demand."""

    def __init__(self, failures: int = 0) -> None:
        self.posted: list[datetime] = []
        self.failures = failures

    def __call__(self, scheduled_time: datetime) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Slack said no")
        self.posted.append(scheduled_time)


def count_ticks(guide: Guide, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """Every `now` the guide ticks at, from here on."""
    ticks: list[datetime] = []

    def spy(ticked: Guide, now: datetime, **kwargs: Any) -> TickReport:
        if ticked is guide:
            ticks.append(now)
        return tick(ticked, now, **kwargs)

    monkeypatch.setattr(scheduled, "tick", spy)
    return ticks


def claim(guide: Guide, kind: str, scheduled_time: datetime, attempt: int) -> dict[str, Any]:
    stored = guide.store.get_meta(claim_key(kind, scheduled_time, attempt))  # type: ignore[arg-type]
    return json.loads(stored) if stored is not None else {}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", plan="Pro")])


def test_the_first_delivery_ticks_at_the_scheduled_time(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="og.scheduled")
    outcome = run_scheduled(ws.guide(), "tick", nine_am("2026-11-02"), None)
    assert outcome.ran and not outcome.duplicate
    assert outcome.disposition == Disposition.RAN and outcome.attempt == 1
    assert outcome.report is not None and outcome.report.now == nine_am("2026-11-02")
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]
    assert (
        "scheduled tick at 2026-11-02T09:00+00:00 (attempt 1): step 2; 0 skipped rows, "
        "0 failures" in caplog.text
    )


def test_a_duplicate_tick_delivery_does_nothing_and_says_so(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    guide = ws.guide()
    ticks = count_ticks(guide, monkeypatch)
    # Daily ticks bring C1 to a flag on its unanswered welcome, due on Saturday the 7th and
    # sent on Monday the 9th, in the team's week.
    for day in range(2, 10):
        run_scheduled(guide, "tick", nine_am(f"2026-11-{day:02d}"), None)
    assert "FLAG for <@U0DANA>" in ws.flags.getvalue()
    mail, flags = ws.sent(), ws.flags.getvalue()
    caplog.set_level(logging.INFO, logger="og.scheduled")

    again = run_scheduled(guide, "tick", nine_am("2026-11-09"), None)

    assert again.duplicate and again.disposition == Disposition.ALREADY_RAN
    assert again.report is None and again.attempt == 1
    assert "duplicate delivery, nothing done" in again.summary
    assert len(ticks) == 8
    assert ws.sent() == mail and ws.flags.getvalue() == flags
    assert "scheduled tick at 2026-11-09T09:00+00:00: duplicate delivery" in caplog.text


def test_a_duplicate_digest_delivery_posts_nothing(ws: Workspace) -> None:
    digests = Digests()
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=zone("Europe/Berlin"))
    first = run_scheduled(ws.guide(), "digest", monday, digests)
    second = run_scheduled(ws.guide(), "digest", monday, digests)
    assert first.ran and second.disposition == Disposition.ALREADY_RAN
    assert digests.posted == [monday]
    # The next Monday is a run of its own.
    assert run_scheduled(ws.guide(), "digest", monday + timedelta(days=7), digests).ran
    assert digests.posted == [monday, monday + timedelta(days=7)]


def test_the_same_instant_in_another_zone_is_the_same_run(ws: Workspace) -> None:
    digests = Digests()
    in_berlin = datetime(2026, 11, 2, 10, 0, tzinfo=zone("Europe/Berlin"))
    assert run_scheduled(ws.guide(), "digest", nine_am("2026-11-02"), digests).ran
    assert run_scheduled(ws.guide(), "digest", in_berlin, digests).duplicate
    assert claim_key("digest", in_berlin, 1) == "scheduled.digest.2026-11-02T09:00:00Z.1"
    # A tick and a digest at the same time are different runs.
    assert run_scheduled(ws.guide(), "tick", in_berlin, None).ran


def test_a_failed_run_is_run_again_by_the_retry_and_only_once(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    roster = ws.roster_path.read_bytes()
    ws.roster_path.unlink()
    caplog.set_level(logging.INFO, logger="og.scheduled")
    with pytest.raises(RosterError):
        run_scheduled(ws.guide(), "tick", nine_am("2026-11-02"), None)
    assert "scheduled tick at 2026-11-02T09:00+00:00 (attempt 1) failed" in caplog.text
    assert claim(ws.guide(), "tick", nine_am("2026-11-02"), 1)["state"] == "failed"
    assert ws.sent() == []

    ws.roster_path.write_bytes(roster)
    retry = run_scheduled(ws.guide(), "tick", nine_am("2026-11-02"), None)
    assert retry.ran and retry.attempt == 2
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]
    assert "attempt 1 failed" in caplog.text

    late_retry = run_scheduled(ws.guide(), "tick", nine_am("2026-11-02"), None)
    assert late_retry.disposition == Disposition.ALREADY_RAN and late_retry.attempt == 2
    assert claim(ws.guide(), "tick", nine_am("2026-11-02"), 1)["state"] == "failed"
    assert claim(ws.guide(), "tick", nine_am("2026-11-02"), 2)["state"] == "done"


def test_a_failed_digest_is_posted_by_the_retry(ws: Workspace) -> None:
    digests = Digests(failures=1)
    monday = nine_am("2026-11-02")
    with pytest.raises(RuntimeError, match="Slack said no"):
        run_scheduled(ws.guide(), "digest", monday, digests)
    assert digests.posted == []
    assert run_scheduled(ws.guide(), "digest", monday, digests).ran
    assert run_scheduled(ws.guide(), "digest", monday, digests).duplicate
    assert digests.posted == [monday]


def test_a_delivery_while_the_run_is_under_way_does_not_run_it_too(ws: Workspace) -> None:
    monday = nine_am("2026-11-02")
    during: list[Any] = []

    def post_digest(scheduled_time: datetime) -> None:
        # Another delivery of the same firing, arriving while this one is posting.
        during.append(run_scheduled(ws.guide(), "digest", scheduled_time, post_digest))

    outcome = run_scheduled(ws.guide(), "digest", monday, post_digest)
    assert outcome.ran
    (racer,) = during
    assert racer.disposition == Disposition.IN_PROGRESS and racer.duplicate
    assert "is running" in racer.summary


def test_a_claim_whose_owner_died_is_taken_over_after_its_lease(ws: Workspace) -> None:
    monday = nine_am("2026-11-02")
    digests = Digests()
    guide = ws.guide()
    guide.wall_clock = lambda: monday
    # A delivery that claimed the run and was then killed (a Lambda timeout) never finishes.
    guide.store.add_meta_if_absent(
        claim_key("digest", monday, 1),
        json.dumps(
            {
                "state": "running",
                "owner": "dead",
                "started": monday.isoformat(),
                "expires": (monday + timedelta(minutes=15)).isoformat(),
            }
        ),
    )
    assert run_scheduled(guide, "digest", monday, digests).disposition == Disposition.IN_PROGRESS
    guide.wall_clock = lambda: monday + timedelta(minutes=16)
    taken_over = run_scheduled(guide, "digest", monday, digests)
    assert taken_over.ran and taken_over.attempt == 2
    assert digests.posted == [monday]


def test_a_late_delivery_ticks_for_the_day_it_was_scheduled(ws: Workspace) -> None:
    guide = ws.guide()
    # The Monday tick delivered after midnight: its wall clock says Tuesday.
    guide.wall_clock = lambda: nine_am("2026-11-03") - timedelta(hours=8)
    late = run_scheduled(guide, "tick", nine_am("2026-11-02"), None)
    assert late.ran and late.report is not None
    assert late.report.now == nine_am("2026-11-02")
    # Tuesday's own tick still makes Tuesday's move: the Pro plan's "connect data" on day 1.
    # Had the late Monday tick run as Tuesday, Tuesday would already have had its move.
    guide.wall_clock = lambda: nine_am("2026-11-03")
    assert run_scheduled(guide, "tick", nine_am("2026-11-03"), None).ran
    assert ws.sent() == [
        ("C1", "welcome", "step"),
        ("C2", "connect-data", "step"),
        ("C2", "welcome", "step"),
    ]


def test_bad_arguments_are_refused_before_anything_is_claimed(ws: Workspace) -> None:
    guide = ws.guide()
    with pytest.raises(ValueError, match="no time zone"):
        run_scheduled(guide, "tick", datetime(2026, 11, 2, 9, 0), None)
    with pytest.raises(ValueError, match="needs post_digest"):
        run_scheduled(guide, "digest", nine_am("2026-11-02"), None)
    with pytest.raises(ValueError, match="unknown scheduled run"):
        run_scheduled(guide, "weekly", nine_am("2026-11-02"), None)  # type: ignore[arg-type]
    assert claim(guide, "digest", nine_am("2026-11-02"), 1) == {}
