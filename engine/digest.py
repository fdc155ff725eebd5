"""The weekly digest's content: who is paused, which flags nobody acted on, who is handed off,
who finished this week, how fast steps get done, and what the guide could not read.

It reads what a tick reads and decides nothing; the Slack surface turns it into messages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

from pydantic import BaseModel

from engine.calendar import local_date
from engine.flags import open_flags
from engine.guide import Guide
from engine.models import Customer, History, SendKind
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules, people_problems


class PausedCustomer(BaseModel):
    customer_id: str
    journey: int
    """The paused journey, so a Resume button acts on it and not on a later one."""
    name: str
    company: str
    note: str
    since: date | None
    days: int | None


class OpenFlag(BaseModel):
    customer_id: str
    name: str
    step: str
    flagged_on: date
    age_days: int


class HandedOff(BaseModel):
    customer_id: str
    name: str
    owner: str
    since: date | None


class FinishedCustomer(BaseModel):
    customer_id: str
    name: str
    finished_on: date
    days: int


class UnconfirmedCustomer(BaseModel):
    customer_id: str
    name: str
    step: str
    kind: SendKind
    tried_on: date


class Digest(BaseModel):
    today: date
    paused: list[PausedCustomer] = []
    open_flags: list[OpenFlag] = []
    """Oldest first."""
    handed_off: list[HandedOff] = []
    finished_this_week: list[FinishedCustomer] = []
    median_days_to_done: dict[str, float] = {}
    """Per plan name: the median of days from a step's email to its being done."""
    unconfirmed: list[UnconfirmedCustomer] = []
    """Sends that may or may not have reached the customer, oldest first, until settled."""
    skipped_rows: list[str] = []
    roster_warnings: list[str] = []
    """How the list was read, when a person should know (say, it was not UTF-8)."""
    rules_problems: list[str] = []


def build_digest(guide: Guide, now: datetime) -> Digest:
    today = local_date(now, guide.config.team_timezone)
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    digest = Digest(today=today, rules_problems=outcome.problems)
    if outcome.rules is None:
        return digest
    rules = outcome.rules
    digest.rules_problems += people_problems(rules, guide.notifier.unknown_people)
    snapshot = guide.store.load()
    roster = guide.roster.read()
    customers, skipped = validate_rows(roster, rules.plans.keys(), guide.config.team_timezone)
    digest.skipped_rows = [s.render() for s in skipped]
    digest.roster_warnings = list(roster.warnings)
    days_to_done: dict[str, list[int]] = defaultdict(list)
    for customer in customers:
        history = snapshot.history(customer.customer_id)
        plan = rules.plans[customer.effective_plan]
        if _place(digest, customer, history, today):
            # Finished this week: the journey's sends are in the archive by now.
            archived = guide.store.archived_sends(customer.customer_id)
            journey = tuple(s for s in archived if s.journey == history.state.journey)
            history = history.model_copy(update={"sends": journey})
        days_to_done[plan.name] += _days_to_done(history)
    digest.open_flags.sort(key=lambda flag: (flag.flagged_on, flag.customer_id))
    names = {customer.customer_id: customer.name or customer.email for customer in customers}
    digest.unconfirmed = [
        UnconfirmedCustomer(
            customer_id=send.customer_id,
            name=names.get(send.customer_id, ""),
            step=send.step,
            kind=send.kind,
            tried_on=send.local_date,
        )
        for send in snapshot.unconfirmed()
    ]
    digest.median_days_to_done = {
        plan: float(median(days)) for plan, days in sorted(days_to_done.items()) if days
    }
    return digest


def _place(digest: Digest, customer: Customer, history: History, today: date) -> bool:
    """Put the customer where the digest lists them; True when they finished this week."""
    state = history.state
    name = customer.name or customer.email
    finished_on = state.finished_date or customer.finished_date
    if customer.finished or state.finished:
        if finished_on and today - finished_on < timedelta(days=7):
            days = (finished_on - customer.signup_date).days
            digest.finished_this_week.append(
                FinishedCustomer(
                    customer_id=customer.customer_id, name=name, finished_on=finished_on, days=days
                )
            )
            return True
        return False
    if customer.handed_off_to or state.handed_off_to:
        digest.handed_off.append(
            HandedOff(
                customer_id=customer.customer_id,
                name=name,
                owner=customer.handed_off_to or state.handed_off_to,
                since=state.offline_since,
            )
        )
        return False
    if customer.paused or state.paused:
        since = state.offline_since
        digest.paused.append(
            PausedCustomer(
                customer_id=customer.customer_id,
                journey=state.journey,
                name=name,
                company=customer.company,
                note=customer.paused_note or state.paused_note,
                since=since,
                days=(today - since).days if since else None,
            )
        )
        return False
    for send in open_flags(history, customer):
        digest.open_flags.append(
            OpenFlag(
                customer_id=customer.customer_id,
                name=name,
                step=send.step,
                flagged_on=send.local_date,
                age_days=(today - send.local_date).days,
            )
        )
    return False


def _days_to_done(history: History) -> list[int]:
    done = history.state.steps_done
    return [
        (done[send.step] - send.local_date).days
        for send in history.sends
        if send.kind == SendKind.STEP and send.step in done
    ]
