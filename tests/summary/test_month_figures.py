"""The month's figures as a pure function, on a month built row by row: every send and audit
row placed on a known day, so each figure is known, edge by edge (the month's first and last
moment on the team's clock, an undo, an undone undo, an archived journey of another plan, a
customer no longer on the list, a plan no longer in the doc)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from builders import customer
from workspace import RULES

from engine.models import (
    AuditEntry,
    CustomerState,
    SendKind,
    SendRecord,
    SendStatus,
    Snapshot,
)
from engine.month_summary import (
    MonthSummary,
    PlanFigures,
    StepFigures,
    month_before,
    month_figures,
    month_last,
    parse_month,
)
from engine.month_text import figures_text, percent
from engine.plans import Rules
from engine.rules import parse_rules

BERLIN = "Europe/Berlin"
NOV = date(2026, 11, 1)
STEP, NUDGE, FLAG, FINISH = SendKind.STEP, SendKind.NUDGE, SendKind.FLAG, SendKind.FINISH
SENT, UNSURE, REJECTED = SendStatus.SENT, SendStatus.UNCONFIRMED, SendStatus.REJECTED


def _plans() -> Rules:
    rules = parse_rules(RULES, "rules.md")
    assert isinstance(rules, Rules)
    return rules


def _send(
    cid: str, step: str, kind: SendKind, day: str, status: SendStatus = SENT, journey: int = 1
) -> SendRecord:
    local = date.fromisoformat(day)
    return SendRecord(
        customer_id=cid,
        journey=journey,
        step=step,
        kind=kind,
        local_date=local,
        guide_day=0,
        status=status,
        claimed_at=datetime.combine(local, datetime.min.time(), UTC),
    )


_count = iter(range(1000))


def _row(
    cid: str,
    action: str,
    at: str,
    *,
    note: str = "",
    undoes: str | None = None,
    row: dict[str, str] | None = None,
    finished_on: str = "",
    journey: int = 1,
) -> AuditEntry:
    """An audit row at `at`, an ISO time (on the team's clock when it names no offset)."""
    when = datetime.fromisoformat(at)
    when = when if when.tzinfo else when.replace(tzinfo=ZoneInfo(BERLIN))
    finished = date.fromisoformat(finished_on) if finished_on else None
    state = CustomerState(customer_id=cid, journey=journey, finished_date=finished)
    return AuditEntry(
        id=f"{cid}-{action}-{next(_count)}",
        customer_id=cid,
        journey=journey,
        action=action,
        actor="dana",
        at=when,
        note=note,
        undoes=undoes,
        before=Snapshot(row={}, state=CustomerState(customer_id=cid)),
        after=Snapshot(row=row or {}, state=state),
    )


def _month() -> MonthSummary:
    customers = [
        customer(customer_id="A", signup_date=date(2026, 11, 3)),
        customer(customer_id="B", plan="pro", signup_date=date(2026, 11, 30)),
        customer(customer_id="C", signup_date=date(2026, 10, 31)),
        customer(customer_id="D", plan_override="pro", signup_date=date(2026, 12, 1)),
        customer(customer_id="E", signup_date=date(2026, 11, 1)),
        # Re-enrolled on Pro after finishing a Starter journey this month.
        customer(customer_id="F", plan="pro", signup_date=date(2026, 11, 12)),
    ]
    sends = [
        _send("A", "welcome", STEP, "2026-11-03"),
        _send("A", "welcome", NUDGE, "2026-11-05"),
        _send("A", "welcome", FLAG, "2026-11-09"),
        _send("A", "setup", STEP, "2026-11-06"),
        _send("A", "wrap-up", FINISH, "2026-11-20"),
        _send("A", "check-in", STEP, "2026-12-01"),  # December's
        _send("B", "welcome", STEP, "2026-11-30"),
        _send("C", "welcome", STEP, "2026-10-31"),  # October's: its nudge is no November step's
        _send("C", "welcome", NUDGE, "2026-11-02"),
        _send("C", "setup", STEP, "2026-11-02"),
        _send("E", "welcome", STEP, "2026-11-01"),
        _send("E", "setup", STEP, "2026-11-03", UNSURE),
        _send("E", "check-in", STEP, "2026-11-08", REJECTED),
        _send("E", "setup", FLAG, "2026-11-09", SendStatus.CLAIMED),
        # F's first journey, archived: a Starter step, whatever plan F is on now.
        _send("F", "setup", STEP, "2026-11-04"),
        # Nobody on the list: counted under the first plan with the step.
        _send("X", "welcome", STEP, "2026-11-10"),
    ]
    starter = {"plan": "Starter", "signup_date": "2026-11-03"}
    c_done = _row("C", "marked_done", "2026-11-03T10:00", note="setup")
    c_pause = _row("C", "paused", "2026-11-14T10:00")
    c_undo = _row("C", "undo", "2026-11-15T10:00", undoes=c_pause.id)
    h_finish = _row("H", "finished", "2026-11-25T10:00", finished_on="2026-11-25", row=starter)
    audit = [
        _row("A", "marked_done", "2026-11-07T10:00", note="setup"),
        c_done,
        _row("C", "undo", "2026-11-04T10:00", undoes=c_done.id),
        # 00:30 on 1 November in Berlin: November's.
        _row("E", "marked_done", "2026-10-31T23:30:00+00:00", note="welcome"),
        # 00:30 on 1 December in Berlin: not November's.
        _row("B", "marked_done", "2026-11-30T23:30:00+00:00", note="welcome"),
        _row("A", "finished", "2026-11-20T09:00", finished_on="2026-11-20", row=starter),
        _row("A", "finished", "2026-11-20T09:05", finished_on="2026-11-20", row=starter),
        _row(
            "F",
            "finished",
            "2026-11-10T09:00",
            finished_on="2026-11-10",
            row={"plan": "Starter", "signup_date": "2026-11-01"},
        ),
        _row("F", "reenrolled", "2026-11-12T09:00"),
        _row(
            "G",
            "finished",
            "2026-11-15T09:00",
            finished_on="2026-11-15",
            row={"plan": "Gold", "signup_date": "2026-10-01"},
        ),
        h_finish,
        _row("H", "undo", "2026-11-26T10:00", undoes=h_finish.id),
        _row("A", "paused", "2026-11-05T10:00"),
        _row("A", "resumed", "2026-11-06T10:00"),
        _row("A", "paused", "2026-11-08T10:00"),
        _row("C", "paused", "2026-11-06T10:00"),
        c_pause,
        c_undo,
        _row("C", "undo", "2026-11-16T10:00", undoes=c_undo.id),  # the pause stands again
        _row("E", "handed_off", "2026-11-12T10:00"),
        _row("A", "replied", "2026-11-09T10:00"),
        _row("E", "replied", "2026-11-10T10:00"),
        _row("C", "bounced", "2026-11-11T10:00"),
        _row("E", "soft_bounced", "2026-11-12T10:00"),
        _row("E", "soft_bounced", "2026-11-13T10:00"),
        _row("B", "unsubscribed", "2026-11-29T10:00"),
        _row("B", "auto_reply_noted", "2026-11-29T11:00"),
        _row("B", "paused", "2026-10-31T23:59"),  # October's
    ]
    return month_figures(NOV, BERLIN, customers, _plans().plans, sends, audit)


def test_the_figures_of_a_month_built_row_by_row() -> None:
    summary = _month()

    assert (summary.first, summary.last) == (NOV, date(2026, 11, 30))
    assert (summary.started, summary.finished) == (4, 3)
    assert summary.plans == [
        PlanFigures(plan="Starter", started=2, finished=2, median_days_to_finish=13.0),
        PlanFigures(plan="Pro", started=2, finished=0, median_days_to_finish=None),
        PlanFigures(plan="Gold", started=0, finished=1, median_days_to_finish=45.0),
    ]
    assert summary.steps == [
        StepFigures(plan="Starter", step="welcome", sent=3, done=1, nudged=1, flagged=1),
        StepFigures(plan="Starter", step="setup", sent=3, done=1, nudged=0, flagged=0),
        StepFigures(plan="Pro", step="welcome", sent=1, done=0, nudged=0, flagged=0),
    ]
    assert (summary.emails_sent, summary.flags_sent, summary.unconfirmed) == (10, 1, 1)
    assert (summary.paused, summary.handed_off) == (2, 1)
    assert summary.heard == {
        "replied": 2,
        "bounced": 1,
        "soft_bounced": 2,
        "complained": 0,
        "unsubscribed": 1,
    }
    assert summary.problems == [] and summary.figured


def test_the_figures_as_plain_text_read_the_same_every_time() -> None:
    text = figures_text(_month())
    assert text == figures_text(_month())
    assert text == (
        "November 2026 in one message\n"
        "\n"
        "Started: 4 (Starter 2, Pro 2)\n"
        "Finished: 3 (Starter 2, Gold 1)\n"
        "Days to finish, median: Starter 13, Gold 45\n"
        "Emails sent: 10; flags to owners: 1\n"
        "Paused: 2; handed off: 1\n"
        "Replies: 2; bounces: 1; soft bounces: 2; complaints: 0; unsubscribes: 1\n"
        "Unconfirmed sends: 1\n"
        "\n"
        "Where customers stall: the step emails of November, and what came of them by its end\n"
        "plan     step     sent  done     nudged   flagged\n"
        "Starter  welcome  3     1 (33%)  1 (33%)  1 (33%)\n"
        "Starter  setup    3     1 (33%)  0 (0%)   0 (0%)\n"
        "Pro      welcome  1     0 (0%)   0 (0%)   0 (0%)"
    )


def test_a_quiet_month_says_so() -> None:
    quiet = month_figures(NOV, "UTC", [], _plans().plans, [], [])
    assert quiet.started == quiet.finished == quiet.emails_sent == 0 and quiet.steps == []
    assert figures_text(quiet).splitlines()[-1] == (
        "Where customers stall: no step email went out in November."
    )
    assert "Days to finish, median: no finishes" in figures_text(quiet)


def test_months_and_rates() -> None:
    assert parse_month("2026-11") == NOV and parse_month(" 2027-02 ") == date(2027, 2, 1)
    for bad in ("2026-13", "November", "2026-11-01", ""):
        try:
            parse_month(bad)
        except ValueError as error:
            assert "YYYY-MM" in str(error)
        else:
            raise AssertionError(bad)
    assert month_last(date(2028, 2, 1)) == date(2028, 2, 29)
    assert month_before(date(2027, 1, 1)) == date(2026, 12, 1)
    assert month_before(date(2026, 3, 31)) == date(2026, 2, 1)
    assert [percent(1, 8), percent(1, 3), percent(2, 3), percent(0, 0)] == [
        "1 (13%)",
        "1 (33%)",
        "2 (67%)",
        "0",
    ]
