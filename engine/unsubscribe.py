"""`unsubscribe`: the customer asked for no more of the guide's email, with the link in one of
them (a click, or a mail client's one-click POST, RFC 8058).

Like any action it reads the customer once, records the change with its audit row (actor
`customer`), writes the roster's `unsubscribed` cell and updates the journey's flags; then it
tells the owner, once, since from now on whatever the onboarding needs comes from a person.
Doing it again changes nothing. A person gives it back with `og undo` (engine.undo).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from engine.actions import (
    CUSTOMER_ACTOR,
    ActionOutcome,
    Change,
    perform,
    unchanged,
)
from engine.calendar import local_date
from engine.compose import owner_for
from engine.guide import Guide
from engine.outcomes import UnsubscribedNotice
from engine.subject import Subject
from engine.told import owner_told

UNSUBSCRIBED = "unsubscribed"
"""The audit row's action."""


class Unsubscribed(NamedTuple):
    outcome: ActionOutcome
    subject: Subject | None
    """The customer as the action last read them; None when they could not be read."""
    on: date | None
    """The day the customer unsubscribed, this time or before; None when they have not."""


def unsubscribe(
    guide: Guide, customer_id: str, journey: int, now: datetime, actor: str = CUSTOMER_ACTOR
) -> Unsubscribed:
    """Stop the guide's email to the customer. `journey`: that of the email whose link was
    used (an older journey's link still unsubscribes: it is the customer who asks)."""
    seen: list[tuple[Subject, Change | ActionOutcome]] = []

    def work_out(subject: Subject) -> Change | ActionOutcome:
        seen.append((subject, unsubscribe_change(guide, subject, journey, now)))
        return seen[-1][1]

    outcome = perform(guide, customer_id, actor, now, work_out)
    if not seen:
        return Unsubscribed(outcome, None, None)
    subject, change = seen[-1]
    if not outcome.changed or not isinstance(change, Change):
        return Unsubscribed(outcome, subject, subject.state.unsubscribed_on)
    day = change.state.unsubscribed_on
    assert day is not None
    return Unsubscribed(_tell_owner(guide, subject, day, outcome), subject, day)


def unsubscribe_change(
    guide: Guide, subject: Subject, journey: int, now: datetime
) -> Change | ActionOutcome:
    """What unsubscribing changes for the customer `subject`, or why nothing: allowed in any
    standing (finished, paused, handed off), since it also holds for a later journey."""
    customer_id = subject.customer.customer_id
    if subject.state.unsubscribed:
        on = subject.state.unsubscribed_on
        return unchanged(f"{customer_id} already unsubscribed" + (f" on {on}" if on else ""))
    day = local_date(now, subject.customer.timezone or guide.config.team_timezone)
    old_link = journey != subject.state.journey
    return Change(
        action=UNSUBSCRIBED,
        state=subject.state.model_copy(update={"unsubscribed": True, "unsubscribed_on": day}),
        row={"unsubscribed": day.isoformat()},
        note=f"with the link in an email of journey {journey}" if old_link else "",
        message=f"{customer_id} unsubscribed; the guide emails them nothing more",
    )


def _tell_owner(guide: Guide, s: Subject, day: date, outcome: ActionOutcome) -> ActionOutcome:
    """The owner told: the unsubscribe stands whether or not that works (a failure is a
    warning, and the log's), as for any action's notice (engine.acted)."""
    notice = UnsubscribedNotice(
        customer_id=s.customer.customer_id,
        customer_name=s.customer.name,
        company=s.customer.company,
        owner=owner_for(s.customer, s.plan, s.rules),
        journey=s.state.journey,
        unsubscribed_on=day,
    )
    return owner_told(
        outcome, notice.customer_id, "unsubscribed", lambda: guide.notifier.unsubscribed(notice)
    )
