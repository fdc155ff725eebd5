"""Read-only questions about one customer: where they stand and why the guide moves as it does."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from engine.calendar import guide_day, local_date
from engine.compose import journey_lines
from engine.decide import decide
from engine.guide import Guide
from engine.models import Customer, History, RosterSnapshot, SendRecord
from engine.outcomes import Move
from engine.plans import Plan, Rules
from engine.roster.validate import validate_customer
from engine.rulebook import load_rules
from engine.sheet_sync import sync_state


class LookupProblem(StrEnum):
    NO_RULES = "no usable rules doc"
    SKIPPED = "row skipped by the tick"
    UNKNOWN = "no such customer"
    BUSY = "another action is changing the customer"


class CustomerNotFound(BaseModel):
    problem: LookupProblem
    message: str


def look_up_customer(
    guide: Guide, customer_id: str, roster: RosterSnapshot | None = None
) -> tuple[Customer, Rules] | CustomerNotFound:
    """The customer's validated row and the rules in force, or what kind of problem stops that
    (a customer-facing page answers an unknown customer differently from a broken rules doc).
    `roster` is the customer's rows as `Roster.read_one` gives them, when already read."""
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    if outcome.rules is None:
        message = "no usable rules doc:\n" + "\n".join(outcome.problems)
        return CustomerNotFound(problem=LookupProblem.NO_RULES, message=message)
    customers, skipped = validate_customer(
        roster or guide.roster.read_one(customer_id),
        customer_id,
        outcome.rules.plans.keys(),
        guide.config.team_timezone,
    )
    customer = next((c for c in customers if c.customer_id == customer_id), None)
    if customer is not None:
        return customer, outcome.rules
    bad = next((s for s in skipped if s.customer_id == customer_id), None)
    if bad is not None:
        message = f"{customer_id} is skipped by the tick: {bad.render()}"
        return CustomerNotFound(problem=LookupProblem.SKIPPED, message=message)
    message = f"no customer {customer_id!r} in the onboarding list"
    return CustomerNotFound(problem=LookupProblem.UNKNOWN, message=message)


def find_customer(
    guide: Guide, customer_id: str, roster: RosterSnapshot | None = None
) -> tuple[Customer, Rules] | str:
    """The customer's validated row and the rules in force, or a message saying why not."""
    found = look_up_customer(guide, customer_id, roster)
    return found.message if isinstance(found, CustomerNotFound) else found


class CustomerView(BaseModel):
    customer: Customer
    plan: Plan
    rules: Rules
    history: History
    archived: tuple[SendRecord, ...] = ()
    """Sends of finished journeys, kept in the archive."""
    unconfirmed: tuple[SendRecord, ...] = ()
    """Sends of any journey that may or may not have reached the customer."""
    guide_day: int
    move: Move


def view_customer(guide: Guide, customer_id: str, now: datetime) -> CustomerView | str:
    """Everything `og status` and `og why` show, with today's move as a tick would make it."""
    found = find_customer(guide, customer_id)
    if isinstance(found, str):
        return found
    customer, rules = found
    plan = rules.plans[customer.effective_plan]
    stored = guide.store.load_one(customer_id)
    history = stored.history(customer_id)
    state, _ = sync_state(customer, history.state, now, guide.config.team_timezone)
    history = history.model_copy(update={"state": state})
    zone = customer.timezone or guide.config.team_timezone
    move = decide(
        customer,
        plan,
        history,
        now,
        sending=rules.sending,
        team_timezone=guide.config.team_timezone,
    )
    return CustomerView(
        customer=customer,
        plan=plan,
        rules=rules,
        history=history,
        archived=guide.store.archived_sends(customer_id),
        unconfirmed=tuple(stored.unconfirmed()),
        guide_day=guide_day(customer.signup_date, state, local_date(now, zone)),
        move=move,
    )


def timeline(view: CustomerView) -> list[str]:
    lines = [f"{view.customer.signup_date.isoformat()}  signed up ({view.plan.name} plan)"]
    every_send = (*view.archived, *view.history.sends)
    lines += journey_lines(view.plan, History(state=view.history.state, sends=every_send))
    state = view.history.state
    if state.unsubscribed:
        # After the journey's lines: nothing is sent after it, and it belongs to the customer
        # rather than to one journey.
        day = state.unsubscribed_on.isoformat() if state.unsubscribed_on else "(undated)"
        lines.append(f"{day}  unsubscribed: no more guide mail")
    return lines


def rule_lines(view: CustomerView) -> list[str]:
    """The rules doc lines behind today's move, as `LINE: text`."""
    text = view.rules.text.splitlines()
    return [
        f"{view.rules.source}:{n}: {text[n - 1].strip()}"
        for n in sorted(set(view.move.rule_lines))
        if 0 < n <= len(text)
    ]
