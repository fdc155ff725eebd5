"""Plain builders for domain objects, and a pure day-by-day simulation of the decision."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.decide import decide
from engine.models import Customer, CustomerState, History, SendKind, SendRecord, SendStatus
from engine.outcomes import (
    ActionEvent,
    ActionNotice,
    FlagMessage,
    FlagNotice,
    Move,
    MoveKind,
    OutgoingEmail,
    UnconfirmedNotice,
    UnsubscribedNotice,
)
from engine.plans import Person, Plan, SendingPolicy, Step, Window

DANA = Person(name="Dana Reyes", slack_id="U0DANA")
EVERY_DAY = SendingPolicy(weekdays_only=False)
WEEKDAYS = SendingPolicy(weekdays_only=True)
TEAM_TZ = "UTC"
# A Monday.
DAY0 = date(2026, 11, 2)


def plan(
    steps: list[tuple[str, int]] | None = None,
    window: tuple[int, int] = (2, 3),
    plan_id: str = "starter",
) -> Plan:
    steps = steps or [("welcome", 0), ("setup", 2), ("check-in", 6)]
    w = Window(nudge_after=window[0], flag_after=window[1], line=3)
    return Plan(
        id=plan_id,
        name=plan_id.title(),
        steps=tuple(
            Step(id=s, name=s, day=d, window=w, line=10 + i) for i, (s, d) in enumerate(steps)
        ),
        owner=DANA,
        line=10,
    )


def customer(**overrides: object) -> Customer:
    values: dict[str, object] = {
        "customer_id": "C1",
        "email": "priya@example.test",
        "plan": "starter",
        "signup_date": DAY0,
        "row_number": 2,
        "name": "Priya Nair",
    }
    values.update(overrides)
    return Customer.model_validate(values)


def at(day: date | int, hour: int = 9, tz: str = TEAM_TZ) -> datetime:
    if isinstance(day, int):
        day = DAY0 + timedelta(days=day)
    return datetime.combine(day, time(hour), ZoneInfo(tz))


def send(step: str, kind: SendKind, local_day: int, guide_day: int | None = None) -> SendRecord:
    return SendRecord(
        customer_id="C1",
        journey=1,
        step=step,
        kind=kind,
        local_date=DAY0 + timedelta(days=local_day),
        guide_day=local_day if guide_day is None else guide_day,
        status=SendStatus.SENT,
        claimed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def history(*sends: SendRecord, **state: object) -> History:
    return History(state=CustomerState.model_validate({"customer_id": "C1", **state}), sends=sends)


def apply(history_: History, move: Move) -> History:
    """What a successful tick records for a move (the pure part of applying it)."""
    if move.kind == MoveKind.ON_TRACK:
        return history_
    assert move.guide_day is not None
    record = SendRecord(
        customer_id=history_.state.customer_id,
        journey=history_.state.journey,
        step=move.step or "wrap-up",
        kind=SendKind(move.kind.value),
        local_date=move.local_date,
        guide_day=move.guide_day,
        status=SendStatus.SENT,
        claimed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    state = history_.state
    if move.kind == MoveKind.FINISH:
        state = state.model_copy(update={"finished": True, "finished_date": move.local_date})
    return History(state=state, sends=(*history_.sends, record))


def simulate(
    customer_: Customer,
    plan_: Plan,
    days: int,
    *,
    sending: SendingPolicy = EVERY_DAY,
    before_tick: Callable[[int, History], History] | None = None,
    ticks_per_day: int = 1,
    hours: Sequence[int] = (9,),
) -> list[tuple[int, Move]]:
    """Run the decision day by day from DAY0, recording moves as a tick would: a tick at each
    of `hours` (UTC), `ticks_per_day` times."""
    return [
        (day, move)
        for day, _, move in ticks(
            customer_, plan_, days, sending, before_tick, ticks_per_day, hours
        )
    ]


def ticks(
    customer_: Customer,
    plan_: Plan,
    days: int,
    sending: SendingPolicy = EVERY_DAY,
    before_tick: Callable[[int, History], History] | None = None,
    ticks_per_day: int = 1,
    hours: Sequence[int] = (9,),
) -> list[tuple[int, datetime, Move]]:
    """`simulate`, with each move's time."""
    h = history()
    moves = []
    for day in range(days):
        if before_tick:
            h = before_tick(day, h)
        for hour in hours:
            now = at(day, hour)
            for _ in range(ticks_per_day):
                move = decide(customer_, plan_, h, now, sending=sending, team_timezone=TEAM_TZ)
                h = apply(h, move)
                moves.append((day, now, move))
    return moves


def an_email(**changes: Any) -> OutgoingEmail:
    """An email for the mailer tests."""
    fields: dict[str, Any] = {
        "to_email": "ada@customer.example",
        "to_name": "Ada Lovelace",
        "subject": "Step 1: connect your data",
        "body": "Hi Ada,\n\nConnect your data source today.\n\nThe team\n",
        "customer_id": "cust-42",
        "journey": 2,
        "step": "connect-data",
        "kind": SendKind.STEP,
    }
    return OutgoingEmail(**(fields | changes))


def a_notice(**changes: Any) -> FlagNotice:
    """A flag notice for the notifier and Slack message tests."""
    fields: dict[str, Any] = {
        "customer_id": "cust-42",
        "customer_name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "plan": "Pro",
        "step": "connect-data",
        "step_name": "Connect your data",
        "guide_day": 12,
        "owner": Person(name="Sam Owner", slack_id="U123"),
        "journey": 2,
        "reason": "no progress 3 guide days after the nudge",
        "history": (
            "2025-03-03  step Welcome (sent)",
            "2025-03-04  done Welcome",
            "2025-03-05  step Connect your data (sent)",
            "2025-03-10  nudge Connect your data (sent)",
        ),
    }
    return FlagNotice.model_validate(fields | changes)


def an_unconfirmed_notice(**changes: Any) -> UnconfirmedNotice:
    """What the owner is told of a send that may or may not have gone out."""
    fields: dict[str, Any] = {
        "customer_id": "cust-42",
        "customer_name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "step": "connect-data",
        "step_name": "Connect your data",
        "kind": SendKind.NUDGE,
        "claimed_at": datetime(2025, 3, 10, 9, 0, tzinfo=UTC),
        "local_date": date(2025, 3, 10),
        "owner": Person(name="Sam Owner", slack_id="U123"),
        "why": "the run sending it ended before it was confirmed",
    }
    return UnconfirmedNotice.model_validate(fields | changes)


def an_unsubscribed_notice(**changes: Any) -> UnsubscribedNotice:
    """What the owner is told when the customer unsubscribes."""
    fields: dict[str, Any] = {
        "customer_id": "cust-42",
        "customer_name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "owner": Person(name="Sam Owner", slack_id="U123"),
        "journey": 2,
        "unsubscribed_on": date(2025, 3, 11),
    }
    return UnsubscribedNotice.model_validate(fields | changes)


def an_event(**changes: Any) -> ActionEvent:
    """Dana pausing a customer with a note, on a Sunday morning."""
    values: dict[str, Any] = {
        "action": "paused",
        "actor": "U0DANA",
        "at": datetime(2026, 11, 8, 9, 30, tzinfo=UTC),
        "note": "on leave until the 20th",
    }
    values.update(changes)
    return ActionEvent.model_validate(values)


def an_action_notice(
    reference: str, *events: ActionEvent, open: bool = False, **flag: Any
) -> ActionNotice:
    """What a notifier is told after `events` (a pause by default) on the flag it sent as
    `reference`, the flag built by `a_notice(**flag)`."""
    events = events or (an_event(),)
    return ActionNotice(
        customer_id="cust-42",
        journey=2,
        event=events[-1],
        message="cust-42 is paused; the guide sends nothing until resumed",
        flags=(
            FlagMessage(reference=reference, notice=a_notice(**flag), events=events, open=open),
        ),
    )
