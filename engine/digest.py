"""The weekly digest's content: who is paused, who wrote back and waits for a person, which
flags nobody acted on, who is handed off, whose address the guide gave up on, who finished this
week, how fast steps get done, the mail that matched nobody, the rules doc's edits of the week
(and the one waiting for approval), and what the guide could not read.

It reads what a tick reads and decides nothing; the Slack surface turns it into messages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

from pydantic import BaseModel

from engine.audit import standing_rows
from engine.calendar import local_date
from engine.flags import open_flags
from engine.guide import Guide
from engine.heard import REPLIED
from engine.inbox import unmatched_messages
from engine.models import Customer, CustomerState, History, SendKind
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules, people_problems
from engine.rules_log import recent_changes


class PausedCustomer(BaseModel):
    customer_id: str
    journey: int
    """The paused journey, so a Resume button acts on it and not on a later one."""
    name: str
    company: str
    note: str
    since: date | None
    days: int | None


class WaitingCustomer(BaseModel):
    """Wrote back: the guide waits for a person (engine.heard)."""

    customer_id: str
    journey: int
    """The journey waiting, so a Resume button acts on it and not on a later one."""
    name: str
    company: str
    since: date
    days: int


class UndeliverableCustomer(BaseModel):
    customer_id: str
    name: str
    email: str
    reason: str


class UnmatchedMail(BaseModel):
    """A message that came in and matched no customer on the list."""

    at: datetime
    kind: str
    sender: str
    subject: str


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


class RulesEdit(BaseModel):
    """An edit of the rules doc announced this week, or waiting for approval (issue 17)."""

    change_id: int
    source: str
    announced_on: date
    settled: str
    """"" while it waits for Apply; applied, kept (the old rules), or in_force (at once)."""
    settled_by: str = ""
    summary: tuple[str, ...] = ()

    @property
    def waiting(self) -> bool:
        return not self.settled


class Digest(BaseModel):
    today: date
    paused: list[PausedCustomer] = []
    waiting: list[WaitingCustomer] = []
    """Longest first."""
    open_flags: list[OpenFlag] = []
    """Oldest first."""
    handed_off: list[HandedOff] = []
    finished_this_week: list[FinishedCustomer] = []
    undeliverable: list[UndeliverableCustomer] = []
    replied_this_week: int = 0
    """Replies of the last seven days (undone ones aside), answered or not."""
    soft_bouncing: int = 0
    """Customers whose mail bounced softly, fewer times in a row than gives the address up."""
    unmatched: list[UnmatchedMail] = []
    """This week's mail that matched nobody, oldest first."""
    median_days_to_done: dict[str, float] = {}
    """Per plan name: the median of days from a step's email to its being done."""
    unconfirmed: list[UnconfirmedCustomer] = []
    """Sends that may or may not have reached the customer, oldest first, until settled."""
    skipped_rows: list[str] = []
    roster_warnings: list[str] = []
    """How the list was read, when a person should know (say, it was not UTF-8)."""
    rules_problems: list[str] = []
    rules_edits: list[RulesEdit] = []
    """Oldest first."""


def build_digest(guide: Guide, now: datetime) -> Digest:
    today = local_date(now, guide.config.team_timezone)
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    digest = Digest(today=today, rules_problems=outcome.problems)
    digest.rules_edits = [
        RulesEdit(
            change_id=change.id,
            source=change.source,
            announced_on=local_date(change.at, guide.config.team_timezone),
            settled=change.settled,
            settled_by=change.settled_by,
            summary=change.summary,
        )
        for change in recent_changes(guide.store, since=now - timedelta(days=7))
    ]
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
    digest.waiting.sort(key=lambda waiting: (waiting.since, waiting.customer_id))
    # From the week's audit rows, so a reply already answered (resumed) is counted too.
    week = guide.store.audit_between(now - timedelta(days=7), now)
    digest.replied_this_week = sum(1 for e in standing_rows(week) if e.action == REPLIED)
    digest.unmatched = [
        UnmatchedMail(at=u.at, kind=u.kind, sender=u.sender, subject=u.subject)
        for u in unmatched_messages(guide, since=now - timedelta(days=7))
    ]
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
    _heard(digest, customer, state, today)
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
    if state.replied_on is not None:
        # Its open flags wait with it: the guide waits for a person either way.
        digest.waiting.append(
            WaitingCustomer(
                customer_id=customer.customer_id,
                journey=state.journey,
                name=name,
                company=customer.company,
                since=state.replied_on,
                days=(today - state.replied_on).days,
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


def _heard(digest: Digest, customer: Customer, state: CustomerState, today: date) -> None:
    """What came back from the customer's email, as the state holds it now."""
    if reason := state.undeliverable_to(customer.email):
        digest.undeliverable.append(
            UndeliverableCustomer(
                customer_id=customer.customer_id,
                name=customer.name or customer.email,
                email=customer.email,
                reason=reason,
            )
        )
    elif state.soft_bounces and state.undeliverable_email == customer.email.strip().lower():
        digest.soft_bouncing += 1


def _days_to_done(history: History) -> list[int]:
    done = history.state.steps_done
    return [
        (done[send.step] - send.local_date).days
        for send in history.sends
        if send.kind == SendKind.STEP and send.step in done
    ]
