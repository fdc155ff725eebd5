"""The decision: one customer, one tick, exactly one move. A pure function, no I/O.

Order of the rules (the reason of every move names the one that applied):
1. finished, paused or handed off -> on track;
2. a move was already made on the customer's local day -> on track;
3. every step of the plan done -> finish;
4. over the steps not done, in plan order: the first whose flag is due, else the first whose
   nudge is due, else the first not sent whose day has come -> flag / nudge / step;
5. otherwise on track.
A move that mails the customer on a day with no sending is held (on track, nothing recorded);
flags go to a human and are never held.
"""

from __future__ import annotations

from datetime import date, datetime

from engine.calendar import guide_day, local_date, no_sending_reason
from engine.models import WRAP_UP_STEP, Customer, History, SendKind, SendRecord
from engine.outcomes import Move, MoveKind
from engine.plans import Plan, SendingPolicy, Step

_MAILING_MOVES = frozenset({MoveKind.STEP, MoveKind.NUDGE, MoveKind.FINISH})


def decide(
    customer: Customer,
    plan: Plan,
    history: History,
    now: datetime,
    *,
    sending: SendingPolicy,
    team_timezone: str,
) -> Move:
    today = local_date(now, customer.timezone or team_timezone)
    state = history.state

    def on_track(reason: str, day: int | None = None) -> Move:
        return Move(
            customer_id=customer.customer_id,
            kind=MoveKind.ON_TRACK,
            reason=reason,
            local_date=today,
            guide_day=day,
        )

    # Finished by hand: the wrap-up email is still owed, and goes out like any customer mail.
    owes_wrap_up = state.wrap_up_pending and not history.find(WRAP_UP_STEP, SendKind.FINISH)
    if not owes_wrap_up:
        if customer.finished or state.finished or history.find(WRAP_UP_STEP, SendKind.FINISH):
            return on_track("finished")
        if customer.paused or state.paused:
            note = customer.paused_note or state.paused_note
            return on_track("paused" + (f": {note}" if note else ""))
        if customer.handed_off_to or state.handed_off_to:
            return on_track(f"handed off to {customer.handed_off_to or state.handed_off_to}")

    moved_today = [s for s in history.sends if s.local_date == today]
    if moved_today:
        last = moved_today[-1]
        return on_track(f"already moved today ({last.kind.value} {last.step})")

    day = guide_day(customer.signup_date, state, today)
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
        return on_track(f"not started: signs up on {customer.signup_date.isoformat()}", day)
    else:
        move = _next_move(customer, plan, history, day, today)
    if move.kind in _MAILING_MOVES:
        held_because = no_sending_reason(today, sending)
        if held_because:
            return move.model_copy(
                update={
                    "kind": MoveKind.ON_TRACK,
                    "held": True,
                    "reason": f"held: {move.kind.value} waits for a sending day; {held_because}",
                    "rule_lines": (*move.rule_lines, sending.line),
                }
            )
    return move


def flag_reason(step: Step, nudged_on: int) -> str:
    """Why a step is flagged, nudged on guide day `nudged_on`: the flag's own words, which a
    flag rebuilt after an action repeats."""
    due = nudged_on + step.window.flag_after
    return (
        f"{step.name} was nudged on guide day {nudged_on} and is still not done; "
        f"flag after {step.window.flag_after} more days (due day {due})"
    )


def _next_move(customer: Customer, plan: Plan, history: History, day: int, today: date) -> Move:
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
        return move(MoveKind.FINISH, f"every step of the {plan.name} plan is done")

    for step in remaining:
        nudge = sends.get((step.id, SendKind.NUDGE))
        flagged = sends.get((step.id, SendKind.FLAG))
        if nudge and not flagged and day >= nudge.guide_day + step.window.flag_after:
            return move(MoveKind.FLAG, flag_reason(step, nudge.guide_day), step)

    for step in remaining:
        sent = sends.get((step.id, SendKind.STEP))
        if sent and not sends.get((step.id, SendKind.NUDGE)):
            due = sent.guide_day + step.window.nudge_after
            if day >= due:
                reason = (
                    f"{step.name} was sent on guide day {sent.guide_day} and is not done; "
                    f"nudge after {step.window.nudge_after} days (due day {due})"
                )
                return move(MoveKind.NUDGE, reason, step)

    for step in remaining:
        if not sends.get((step.id, SendKind.STEP)) and step.day <= day:
            reason = f"{step.name} is due on day {step.day} of the {plan.name} plan"
            return move(MoveKind.STEP, reason, step)

    waiting = move(MoveKind.ON_TRACK, _waiting_reason(remaining, sends, day))
    return waiting.model_copy(update={"rule_lines": ()})


def _waiting_reason(
    remaining: list[Step], sends: dict[tuple[str, SendKind], SendRecord], day: int
) -> str:
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
        return f"guide day {day}: every open step is flagged and waits for its owner"
    due, what = min(upcoming)
    return f"guide day {day}: next is {what} on guide day {due}"
