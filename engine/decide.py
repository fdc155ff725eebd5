"""The decision: one customer, one tick, exactly one move. A pure function, no I/O.

Order of the rules (the reason of every move names the one that applied):
1. unsubscribed, undeliverable or waiting for a person after the customer's reply (even with
   a wrap-up owed), finished, paused or handed off -> on track;
2. a move was already made on the customer's local day -> on track;
3. every step of the plan done -> finish;
4. over the steps not done, in plan order: the first whose flag is due, else the first whose
   nudge is due, else the first not sent whose day has come -> flag / nudge / step;
5. otherwise on track.
A move that mails the customer on a day with no sending, or outside their sending hours on
their own clock, is held (on track, nothing recorded); a flag is held outside the team's hours
on the team's clock, and on the team's weekends.

`decide_with_spell` also says, of an on-track answer, until which local day it surely stays
the same: worked out here, beside the rules it follows, so a tick that skips quiet customers
(engine.memo) never keeps a second copy of them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from engine.calendar import guide_day, local_date, next_opening, no_sending_reason
from engine.models import WRAP_UP_STEP, Customer, History, SendKind, SendRecord
from engine.outcomes import Move, MoveKind, QuietSpell, held_reason, on_guide_day
from engine.plans import Plan, SendingPolicy, Step

_MAILING_MOVES = frozenset({MoveKind.STEP, MoveKind.NUDGE, MoveKind.FINISH})
_EVERY_DAY = SendingPolicy(weekdays_only=False)


def decide(
    customer: Customer,
    plan: Plan,
    history: History,
    now: datetime,
    *,
    sending: SendingPolicy,
    team_timezone: str,
) -> Move:
    return _verdict(customer, plan, history, now, sending, team_timezone)[0]


def decide_with_spell(
    customer: Customer,
    plan: Plan,
    history: History,
    now: datetime,
    *,
    sending: SendingPolicy,
    team_timezone: str,
) -> tuple[Move, QuietSpell | None]:
    """`decide`, and when it answers on track today its quiet spell: the local days from today
    on which it surely answers the same for the same inputs (the reason's guide day aside).
    The spell's end may come early, never late: one that ends too soon costs one more
    decision."""
    move, until = _verdict(customer, plan, history, now, sending, team_timezone)
    if move.kind != MoveKind.ON_TRACK:
        return move, None
    today = move.local_date
    # A send dated later (made in a zone ahead of this one) is "already moved" on its day.
    later = min(
        (send.local_date for send in history.sends if send.local_date > today), default=None
    )
    if until is None:
        until = _Until(None)
    if later is not None and (until.day is None or later < until.day):
        until = until._replace(day=later)
    reason = until.text if until.day_zero is not None or until.held_until else move.reason
    return move, QuietSpell(
        since=today,
        until=until.day,
        reason=reason,
        step=move.step,
        held=move.held,
        day_zero=until.day_zero,
        held_until=until.held_until,
        starts_at=now if until.ends_at else None,
        ends_at=until.ends_at,
    )


class _Until(NamedTuple):
    """How long an on-track answer lasts: `day`, the first local day it may differ, and
    `ends_at`, the moment within it (someone's hours opening). With `day_zero`, the answer is
    `text` after the guide day counted from it; with `held_until`, `held_reason` of it and
    `text`."""

    day: date | None
    day_zero: date | None = None
    text: str = ""
    held_until: datetime | None = None
    ends_at: datetime | None = None


def _verdict(
    customer: Customer,
    plan: Plan,
    history: History,
    now: datetime,
    sending: SendingPolicy,
    team_timezone: str,
) -> tuple[Move, _Until | None]:
    """The move, and for an on-track one how long it lasts (None: while the inputs hold)."""
    today = local_date(now, customer.timezone or team_timezone)
    tomorrow = _Until(today + timedelta(days=1))
    # Worked out only for a customer with a flag due, then kept.
    team_hours = sending.team_hours
    team_days = _EVERY_DAY if team_hours.every_day else None  # None: weekdays
    team_opens = cache(lambda: next_opening(now, team_timezone, team_hours, team_days))
    state = history.state

    def on_track(reason: str, day: int | None = None) -> Move:
        return Move(
            customer_id=customer.customer_id,
            kind=MoveKind.ON_TRACK,
            reason=reason,
            local_date=today,
            guide_day=day,
        )

    if customer.unsubscribed or state.unsubscribed:
        # The customer's own word: nothing more is mailed to them, not even a wrap-up owed.
        on = state.unsubscribed_on or customer.unsubscribed_on
        return on_track(f"unsubscribed{f' on {on}' if on else ''}: no more guide mail"), None
    if bounced := state.undeliverable_to(customer.email):
        return on_track(f"undeliverable: {bounced}; no mail until the sheet's email changes"), None

    if state.replied_on is not None:  # a wrap-up owed waits for the person too
        return on_track(f"replied on {state.replied_on:%-d %b}: waiting for a person"), None

    # Finished by hand: the wrap-up email is still owed, and goes out like any customer mail.
    owes_wrap_up = state.wrap_up_pending and not history.find(WRAP_UP_STEP, SendKind.FINISH)
    if not owes_wrap_up:
        if customer.finished or state.finished or history.find(WRAP_UP_STEP, SendKind.FINISH):
            return on_track("finished"), None
        if customer.paused or state.paused:
            note = customer.paused_note or state.paused_note
            return on_track("paused" + (f": {note}" if note else "")), None
        if customer.handed_off_to or state.handed_off_to:
            who = customer.handed_off_to or state.handed_off_to
            return on_track(f"handed off to {who}"), None

    moved_today = [s for s in history.sends if s.local_date == today]
    if moved_today:
        last = moved_today[-1]
        return on_track(f"already moved today ({last.kind.value} {last.step})"), tomorrow

    day = guide_day(customer.signup_date, state, today)
    # The clock runs a day a day unless an offline stretch is open; then only till tomorrow.
    runs = state.offline_since is None
    until: _Until | None = tomorrow
    if owes_wrap_up:
        move = Move(
            customer_id=customer.customer_id,
            kind=MoveKind.FINISH,
            reason=f"finished by hand on {state.finished_date}; the wrap-up email is due",
            local_date=today,
            guide_day=day,
            rule_lines=(plan.line,),
        )
    elif day < 0:
        starts = _Until(today + timedelta(days=-day)) if runs else tomorrow
        return on_track(f"not started: signs up on {customer.signup_date.isoformat()}", day), starts
    else:
        move, next_due, waiting_on, flag_waits = _next_move(
            customer,
            plan,
            history,
            day,
            today,
            team_away=lambda: team_opens() is not None,
        )
        if flag_waits:  # the team may open within the customer's day, and the flag goes first
            tomorrow = tomorrow._replace(ends_at=team_opens())
        if move.kind == MoveKind.ON_TRACK and runs:
            day_zero = today - timedelta(days=day)
            ends = None if next_due is None else today + timedelta(days=next_due - day)
            until = _Until(ends, day_zero, waiting_on)
    if move.kind in _MAILING_MOVES:
        if customer.country and customer.country != sending.holidays_country:
            # The customer's own country's holidays, in place of the doc's.
            sending = sending.model_copy(update={"holidays_country": customer.country})
        held_because = no_sending_reason(today, sending)
        if held_because:
            reason = f"held: {move.kind.value} waits for a sending day; {held_because}"
            return _held(move, reason, sending.line), tomorrow
        hours = plan.hours or sending.hours
        opens = next_opening(now, customer.timezone or team_timezone, hours, sending)
        if opens is not None:
            why = f"{_what(move)} waits for the customer's hours, {hours.render()}"
            ends = min(opens, tomorrow.ends_at or opens)
            lasts = tomorrow._replace(text=why, held_until=opens, ends_at=ends)
            return _held(move, held_reason(opens, now, why), hours.line, opens), lasts
    elif move.kind == MoveKind.FLAG:
        opens = team_opens()
        if opens is not None:  # and the customer has no other move meanwhile
            why = f"the flag of {move.step} waits for the team's hours, {team_hours.render_days()}"
            lasts = tomorrow._replace(text=why, held_until=opens, ends_at=opens)
            return _held(move, held_reason(opens, now, why), sending.team_hours.line, opens), lasts
    return move, until


def _held(move: Move, reason: str, line: int, until: datetime | None = None) -> Move:
    """`move` held back: on track today, saying why (and, for hours, till when)."""
    update = {"kind": MoveKind.ON_TRACK, "held": True, "reason": reason, "held_until": until}
    return move.model_copy(update={**update, "rule_lines": (*move.rule_lines, line)})


def _what(move: Move) -> str:
    if move.kind == MoveKind.FINISH:
        return "the wrap-up email"
    return f"the {move.kind.value} of {move.step}"


def flag_reason(step: Step, nudged_on: int) -> str:
    """Why a step is flagged, nudged on guide day `nudged_on`: the flag's own words, which a
    flag rebuilt after an action repeats."""
    due = nudged_on + step.window.flag_after
    return (
        f"{step.name} was nudged on guide day {nudged_on} and is still not done; "
        f"flag after {step.window.flag_after} more days (due day {due})"
    )


class _Dues(NamedTuple):
    """The guide days on which a step not done has its next move, each None when it has none
    left: its flag (nudged, not flagged), its nudge (sent, not nudged), its email (not sent)."""

    flag: int | None
    nudge: int | None
    email: int | None


def _dues(step: Step, sends: dict[tuple[str, SendKind], SendRecord]) -> _Dues:
    sent = sends.get((step.id, SendKind.STEP))
    nudge = sends.get((step.id, SendKind.NUDGE))
    flagged = sends.get((step.id, SendKind.FLAG))
    return _Dues(
        flag=nudge.guide_day + step.window.flag_after if nudge and not flagged else None,
        nudge=sent.guide_day + step.window.nudge_after if sent and not nudge else None,
        email=step.day if not sent else None,
    )


def _next_move(
    customer: Customer,
    plan: Plan,
    history: History,
    day: int,
    today: date,
    *,
    team_away: Callable[[], bool],
) -> tuple[Move, int | None, str, bool]:
    """Rules 3 and 4. For an on-track answer, also the first guide day on which a step has a
    move due (None: none ever, every open step being flagged) and what the customer waits on
    (the reason after its guide day). While `team_away()` (out of the team's hours; asked only
    when a flag is due), a flag due gives way to the customer's own next move, and is the move
    only when they have none; the last value says whether a flag waits so."""
    # Indexed once: the rules below ask about every step several times.
    sends = {(s.step, s.kind): s for s in history.sends}

    def move(kind: MoveKind, reason: str, step: Step | None = None) -> Move:
        lines = (step.line, step.window.line) if step else (plan.line,)
        return Move(
            customer_id=customer.customer_id,
            kind=kind,
            reason=reason,
            local_date=today,
            guide_day=day,
            step=step.id if step else None,
            rule_lines=lines if kind != MoveKind.STEP else lines[:1],
        )

    remaining = [s for s in plan.steps if s.id not in history.state.steps_done]
    if not remaining:
        finish = move(MoveKind.FINISH, f"every step of the {plan.name} plan is done")
        return finish, None, "", False
    dues = [(step, _dues(step, sends)) for step in remaining]

    waiting_flag = None
    for step, due in dues:
        if due.flag is not None and day >= due.flag:
            nudge_day = due.flag - step.window.flag_after
            flag = move(MoveKind.FLAG, flag_reason(step, nudge_day), step)
            if waiting_flag is None and not team_away():
                return flag, None, "", False
            waiting_flag = waiting_flag or flag
    flag_waits = waiting_flag is not None

    for step, due in dues:
        if due.nudge is not None and day >= due.nudge:
            sent_day = due.nudge - step.window.nudge_after
            reason = (
                f"{step.name} was sent on guide day {sent_day} and is not done; "
                f"nudge after {step.window.nudge_after} days (due day {due.nudge})"
            )
            return move(MoveKind.NUDGE, reason, step), None, "", flag_waits

    for step, due in dues:
        if due.email is not None and due.email <= day:
            reason = f"{step.name} is due on day {step.day} of the {plan.name} plan"
            return move(MoveKind.STEP, reason, step), None, "", flag_waits

    if waiting_flag is not None:
        return waiting_flag, None, "", True
    waiting_on = _waiting_reason(remaining, sends)
    waiting = move(MoveKind.ON_TRACK, on_guide_day(day, waiting_on))
    next_due = min((d for _, due in dues for d in due if d is not None), default=None)
    return waiting.model_copy(update={"rule_lines": ()}), next_due, waiting_on, False


def _waiting_reason(remaining: list[Step], sends: dict[tuple[str, SendKind], SendRecord]) -> str:
    """What the customer is waiting on, so `og why` can say when the next move comes."""
    upcoming: list[tuple[int, str]] = []
    for step in remaining:
        sent = sends.get((step.id, SendKind.STEP))
        nudge = sends.get((step.id, SendKind.NUDGE))
        if sends.get((step.id, SendKind.FLAG)):
            continue
        if nudge:
            upcoming.append((nudge.guide_day + step.window.flag_after, f"flag {step.name}"))
        elif sent:
            upcoming.append((sent.guide_day + step.window.nudge_after, f"nudge {step.name}"))
        else:
            upcoming.append((step.day, f"send {step.name}"))
    if not upcoming:
        return "every open step is flagged and waits for its owner"
    due, what = min(upcoming)
    return f"next is {what} on guide day {due}"
