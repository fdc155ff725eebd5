"""A flag's life after it is sent: whether it still asks for a person, the flag as it was sent,
and what people did about it since.

A flag is sent once per step and journey, and only its reference is kept
(`SendRecord.message_id`). Everything else is rebuilt when an action changes it: the flag as it
was sent from the journey's sends and the rules (`sent_flag`), one line per action from the
audit trail (`events_since`), and its buttons from the state (`is_open`). So an undo from the
command line, or two actions racing, leave every flag reading what the state and the trail say.
The digest and the Home tab list open flags by the same rule (`open_flags`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from engine.compose import journey_lines, owner_for
from engine.decide import flag_reason
from engine.models import AuditEntry, Customer, CustomerState, History, SendKind, SendRecord
from engine.outcomes import ActionEvent, FlagNotice
from engine.plans import Person, Plan, Rules

Pending = Literal["pause", "hand_off"]
"""An action a person began in a modal opened from a flag, not yet submitted."""


def held_back(state: CustomerState, customer: Customer | None = None) -> bool:
    """Finished, paused, handed off or unsubscribed, by the stored state or the sheet's own
    cells: the guide makes no move, so no flag asks for one."""
    if state.finished or state.paused or state.handed_off_to or state.unsubscribed:
        return True
    return customer is not None and bool(
        customer.finished or customer.paused or customer.handed_off_to or customer.unsubscribed
    )


def open_flags(history: History, customer: Customer | None = None) -> list[SendRecord]:
    """The journey's flags that still ask for a person, oldest first."""
    if held_back(history.state, customer):
        return []
    found = [send for send in history.sends if is_open(send, history.state)]
    return sorted(found, key=lambda send: (send.local_date, send.claimed_at))


def is_open(send: SendRecord, state: CustomerState) -> bool:
    """Whether the flag `send` still asks for a person on `state`: its buttons apply."""
    return (
        send.kind == SendKind.FLAG
        and send.journey == state.journey
        and not held_back(state)
        and send.step not in state.steps_done
    )


def why_moved_on(state: CustomerState, journey: int, action: Pending) -> str | None:
    """Why a pause or a hand-off begun on `journey` (a modal opened from a flag) no longer
    applies to `state`, or None: the journey moved on, the customer finished, or is already
    paused (for a pause) or handed off (for a hand-off)."""
    customer = state.customer_id
    if state.journey != journey:
        return f"{customer} started another onboarding meanwhile; nothing was changed."
    if state.finished:
        return f"{customer} finished onboarding meanwhile; nothing was changed."
    if action == "pause" and state.paused:
        return f"{customer} was paused meanwhile; nothing was changed."
    if action == "hand_off" and state.handed_off_to:
        return f"{customer} was handed off to {state.handed_off_to} meanwhile; nothing was changed."
    return None


def sent_flag(
    rules: Rules,
    customer: Customer,
    plan: Plan,
    flag: SendRecord,
    sends: Sequence[SendRecord],
    state: CustomerState,
) -> FlagNotice:
    """The flag `flag` as the tick sent it, rebuilt: its guide day and reason as they were, the
    journey as it stood before it (the sends claimed earlier, the steps done by its day)."""
    step = plan.step(flag.step)
    earlier = tuple(
        send for send in sends if send.journey == flag.journey and send.claimed_at < flag.claimed_at
    )
    nudge = next(
        (send for send in earlier if send.step == flag.step and send.kind == SendKind.NUDGE), None
    )
    done_by_then = {s: day for s, day in state.steps_done.items() if day <= flag.local_date}
    then = History(state=state.model_copy(update={"steps_done": done_by_then}), sends=earlier)
    reason = (
        flag_reason(step, nudge.guide_day)
        if step is not None and nudge is not None
        else f"flagged on guide day {flag.guide_day}"
    )
    return FlagNotice(
        customer_id=customer.customer_id,
        customer_name=customer.name,
        company=customer.company,
        plan=plan.name,
        step=flag.step,
        step_name=step.name if step is not None else flag.step,
        guide_day=flag.guide_day,
        owner=owner_for(customer, plan, rules),
        journey=flag.journey,
        reason=reason,
        history=journey_lines(plan, then),
    )


def events_since(
    trail: Sequence[AuditEntry], flag: SendRecord, rules: Rules | None
) -> tuple[ActionEvent, ...]:
    """What was done to the flag's journey since it was sent, oldest first. `trail` is the
    customer's audit trail, newest first, as the store gives it."""
    since = flag.sent_at or flag.claimed_at
    by_id = {entry.id: entry for entry in trail}
    return tuple(
        event_of(entry, by_id, rules)
        for entry in reversed(trail)
        if entry.at >= since and journey_of(entry, by_id) == flag.journey
    )


def journey_of(entry: AuditEntry, by_id: Mapping[str, AuditEntry]) -> int:
    """The journey an audit row is about: for an undo, the journey of what it undid."""
    undone = by_id.get(entry.undoes) if entry.undoes else None
    return undone.journey if undone is not None else entry.journey


def event_of(
    entry: AuditEntry, by_id: Mapping[str, AuditEntry], rules: Rules | None
) -> ActionEvent:
    undone = by_id.get(entry.undoes) if entry.undoes else None
    return ActionEvent(
        action=entry.action,
        actor=entry.actor,
        at=entry.at,
        # An undo's note repeats what it undid, which `undid` says with its people.
        note="" if undone is not None else entry.note,
        handed_to=_handed_to(entry, rules) if entry.action == "handed_off" else None,
        undid=event_of(undone, {}, rules) if undone is not None else None,
    )


def _handed_to(entry: AuditEntry, rules: Rules | None) -> Person | None:
    name = entry.after.state.handed_off_to or entry.after.row.get("handed_off_to", "")
    if not name:
        return None
    owners = rules.hand_off_owners if rules is not None else ()
    known = next((p for p in owners if p.name.casefold() == name.casefold()), None)
    return known or Person(name=name, slack_id="")
