"""One customer as an action finds them: the state, then the roster row, the rules in force,
and an action that died half-way settled first (engine.intents)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from engine.audit import guide_row_of
from engine.guide import Guide
from engine.intents import settle_intent, stored_once_no_action_is_under_way
from engine.models import Customer, CustomerState
from engine.plans import Plan, Rules
from engine.ports import StaleStateError
from engine.queries import CustomerNotFound, LookupProblem, look_up_customer
from engine.sheet_sync import sync_state


class Subject(BaseModel):
    """One customer as an action finds them."""

    customer: Customer
    rules: Rules
    plan: Plan
    stored: CustomerState
    """The state as stored: what an undo of this action gives back."""
    state: CustomerState
    """The stored state brought in line with the sheet's pause and hand-off flags."""
    row: dict[str, str]
    """The guide's columns of the roster row, as written there."""


def load_subject(guide: Guide, customer_id: str, now: datetime) -> Subject | CustomerNotFound:
    """The customer's state, then their roster rows (one read of one customer each), or what
    stops an action on them."""
    # The state before the roster: actions write the roster first, so a state that shows
    # another action is never read with a roster from before it (which would look like a
    # person undoing it in the sheet).
    for _ in range(3):
        stored = stored_once_no_action_is_under_way(guide.store, customer_id, guide.wall_clock)
        if isinstance(stored, str):
            return CustomerNotFound(problem=LookupProblem.BUSY, message=stored)
        roster = guide.roster.read_one(customer_id)
        found = look_up_customer(guide, customer_id, roster)
        if isinstance(found, CustomerNotFound):
            return found
        customer, rules = found
        row = guide_row_of(roster, customer_id)
        if stored.pending is not None:
            # An action that died half-way: finished or dropped before this one works it out.
            try:
                stored = settle_intent(guide.store, stored, row)
            except StaleStateError:
                continue  # it ended just now, or someone else settled it: read again
        state, _ = sync_state(customer, stored, now, guide.config.team_timezone)
        return Subject(
            customer=customer,
            rules=rules,
            plan=rules.plans[customer.effective_plan],
            stored=stored,
            state=state,
            row=row,
        )
    message = f"{customer_id} keeps changing under other actions; try again in a moment"
    return CustomerNotFound(problem=LookupProblem.BUSY, message=message)
