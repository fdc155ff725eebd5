"""Read-only questions about one customer: where they stand and why the guide moves as it does."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from engine.calendar import guide_day, local_date
from engine.compose import journey_lines
from engine.decide import decide
from engine.guide import Guide
from engine.heard_lines import heard_lines
from engine.models import AuditEntry, Customer, CustomerState, History, RosterSnapshot, SendRecord
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
    zone: str
    """The customer's clock, on which the journey's days are told."""
    audit: tuple[AuditEntry, ...] = ()
    """The customer's audit rows, newest first: what came back from the guide's email."""


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
        zone=zone,
        audit=tuple(guide.store.audit_trail(customer_id)),
    )


def timeline(view: CustomerView) -> list[str]:
    """The journey so far, oldest first: sends, steps done, and what came back (replies,
    bounces), each `YYYY-MM-DD  what`."""
    lines = [f"{view.customer.signup_date.isoformat()}  signed up ({view.plan.name} plan)"]
    every_send = (*view.archived, *view.history.sends)
    state = view.history.state
    journey = journey_lines(view.plan, History(state=state, sends=every_send))
    heard = heard_lines(view.customer, state, view.audit, view.zone)
    # By day, a day's sends and steps before what came back that day (the sort is stable),
    # and last what the state holds undated.
    lines += sorted((*journey, *heard), key=lambda line: line[:10] if line[0].isdigit() else "~")
    if state.unsubscribed:
        # After the journey's lines: nothing is sent after it, and it belongs to the customer
        # rather than to one journey.
        day = state.unsubscribed_on.isoformat() if state.unsubscribed_on else "(undated)"
        lines.append(f"{day}  unsubscribed: no more guide mail")
    return lines


def standing(customer: Customer, state: CustomerState) -> list[str]:
    """Where the customer stands, as `og status` and `/og status` head their journey."""
    handed_to = customer.handed_off_to or state.handed_off_to
    undeliverable = state.undeliverable_to(customer.email)
    same_address = state.undeliverable_email == customer.email.strip().lower()
    soft = state.soft_bounces if same_address and not undeliverable else 0
    labels = [
        ("finished", customer.finished or state.finished),
        ("paused", customer.paused or state.paused),
        (f"waiting for a person since their reply of {state.replied_on}", state.replied_on),
        ("unsubscribed", customer.unsubscribed or state.unsubscribed),
        (f"handed off to {handed_to}", handed_to),
        (f"undeliverable: {undeliverable}", undeliverable),
        (f"{soft} soft {'bounce' if soft == 1 else 'bounces'} in a row", soft),
    ]
    return [label for label, on in labels if on]


def rule_lines(view: CustomerView) -> list[str]:
    """The rules doc lines behind today's move, as `LINE: text`."""
    text = view.rules.text.splitlines()
    return [
        f"{view.rules.source}:{n}: {text[n - 1].strip()}"
        for n in sorted(set(view.move.rule_lines))
        if 0 < n <= len(text)
    ]
