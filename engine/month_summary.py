"""The month in figures: a pure function of the month's sends and audit rows, the list and the
plans. What each figure counts:

1. **Started**: customers on the list whose signup date is in the month, by their plan.
2. **Finished**: `finished` audit rows of the month (the tick's finish when the wrap-up went
   out, or a person's), once per journey; the days each took are its finish date less the
   signup date its row held then, and their median is given per plan. A finish typed into the
   sheet by hand writes no audit row, and is not counted.
3. **Where customers stall**, per plan and step: the step emails that went out in the month
   (`sent`), and of those the ones done, nudged and flagged by the month's end (a `marked_done`
   row of the month; a nudge or flag of the same journey and step that went out in the month).
   A step's plan is its customer's plan on the list, or, when that plan has no such step any
   more, the first plan in the doc that has it.
4. **Paused** and **handed off**: customers with a `paused` (`handed_off`) row in the month.
5. **What came back**: the month's `replied`, `bounced`, `soft_bounced`, `complained` and
   `unsubscribed` rows, each counted.
6. **Unconfirmed**: the month's sends that may or may not have gone out, as they stand now.

A send belongs to the month of its local date (its customer's own day), an audit row to the
month of its time on the team's clock. An action undone within the month counts for nothing,
an undo that was itself undone for nothing either. Every figure comes from the month's own rows
only, so a month's summary reads the same whenever it is asked for.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from statistics import median

from pydantic import BaseModel

from engine.audit import standing_rows
from engine.calendar import local_date
from engine.models import AuditEntry, Customer, SendKind, SendRecord, SendStatus
from engine.plans import Plan
from engine.rules.sentences import slugify

UNDO = "undo"
HEARD = ("replied", "bounced", "soft_bounced", "complained", "unsubscribed")


class StepFigures(BaseModel):
    plan: str
    step: str
    sent: int
    done: int = 0
    nudged: int = 0
    flagged: int = 0


class PlanFigures(BaseModel):
    plan: str
    """The plan's name; "" for finishes whose plan the doc no longer has."""
    started: int = 0
    finished: int = 0
    median_days_to_finish: float | None = None


class MonthSummary(BaseModel):
    first: date
    """The month's first day."""
    timezone: str
    """The team's: an audit row's time is read on its clock."""
    started: int = 0
    finished: int = 0
    plans: list[PlanFigures] = []
    """The plans anyone started or finished on, in the doc's order."""
    steps: list[StepFigures] = []
    """The steps emailed in the month, plan by plan, each plan's in its order."""
    emails_sent: int = 0
    """Step emails, nudges and wrap-ups that went out."""
    flags_sent: int = 0
    paused: int = 0
    handed_off: int = 0
    heard: dict[str, int] = {}
    """Per audit action of HEARD, how many rows."""
    unconfirmed: int = 0
    problems: list[str] = []
    """What a person should know about the rules doc the figures were read with."""
    figured: bool = True
    """False when there are no figures at all: `problems` say why (no usable rules doc)."""

    @property
    def last(self) -> date:
        return month_last(self.first)


def parse_month(text: str) -> date:
    """`2026-11` -> 1 Nov 2026. Raises ValueError for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, say 2026-11") from error


def month_last(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_before(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_figures(
    first: date,
    timezone: str,
    customers: Sequence[Customer],
    plans: Mapping[str, Plan],
    sends: Iterable[SendRecord],
    audit: Iterable[AuditEntry],
) -> MonthSummary:
    """The figures of the month that starts on `first` (see the module's docstring). `sends`
    and `audit` may hold rows of other months: they are left out here."""
    last = month_last(first)
    in_month = [s for s in sends if first <= s.local_date <= last]
    entries = [e for e in audit if first <= local_date(e.at, timezone) <= last]
    standing = standing_rows(entries)
    summary = MonthSummary(first=first, timezone=timezone)
    by_id = {c.customer_id: c for c in customers}
    started = Counter(c.effective_plan for c in customers if first <= c.signup_date <= last)
    finishes = _finishes(standing, plans, by_id)
    days: dict[str, list[int]] = defaultdict(list)
    for plan, took in finishes:
        if took is not None:
            days[plan].append(took)
    finished = Counter(plan for plan, _ in finishes)
    summary.started, summary.finished = sum(started.values()), len(finishes)
    for plan_id in dict.fromkeys([*plans, *sorted(started), *sorted(finished)]):
        if started[plan_id] or finished[plan_id]:
            summary.plans.append(
                PlanFigures(
                    plan=plans[plan_id].name if plan_id in plans else plan_id,
                    started=started[plan_id],
                    finished=finished[plan_id],
                    median_days_to_finish=float(median(days[plan_id])) if days[plan_id] else None,
                )
            )
    summary.steps = _steps(in_month, standing, plans, by_id)
    sent = [s for s in in_month if s.status == SendStatus.SENT]
    summary.emails_sent = sum(1 for s in sent if s.kind != SendKind.FLAG)
    summary.flags_sent = sum(1 for s in sent if s.kind == SendKind.FLAG)
    summary.paused = len({e.customer_id for e in standing if e.action == "paused"})
    summary.handed_off = len({e.customer_id for e in standing if e.action == "handed_off"})
    actions = Counter(e.action for e in standing)
    summary.heard = {action: actions[action] for action in HEARD}
    summary.unconfirmed = sum(1 for s in in_month if s.status == SendStatus.UNCONFIRMED)
    return summary


def _finishes(
    standing: Sequence[AuditEntry], plans: Mapping[str, Plan], customers: Mapping[str, Customer]
) -> list[tuple[str, int | None]]:
    """Per journey finished in the month: its plan (the doc's id, or the name the row gave a
    plan the doc no longer has) and the days it took (None when unknown)."""
    found: dict[tuple[str, int], tuple[str, int | None]] = {}
    for entry in standing:
        if entry.action != "finished" or (entry.customer_id, entry.journey) in found:
            continue
        row = entry.after.row
        written = (row.get("plan_override") or row.get("plan") or "").strip()
        customer = customers.get(entry.customer_id)
        plan = slugify(written) if written else ""
        if plan not in plans:
            # A plan the doc has no more: the customer's now, else as the row had it.
            plan = customer.effective_plan if customer is not None else written
        signup = _date(row.get("signup_date", ""))
        if signup is None and customer is not None:
            signup = customer.signup_date
        finished_on = entry.after.state.finished_date
        took = (finished_on - signup).days if finished_on and signup else None
        found[(entry.customer_id, entry.journey)] = (plan, took)
    return list(found.values())


def _steps(
    sends: Sequence[SendRecord],
    standing: Sequence[AuditEntry],
    plans: Mapping[str, Plan],
    customers: Mapping[str, Customer],
) -> list[StepFigures]:
    done = {(e.customer_id, e.journey, e.note) for e in standing if e.action == "marked_done"}
    followed: dict[SendKind, set[tuple[str, int, str]]] = defaultdict(set)
    for send in sends:
        if send.status == SendStatus.SENT:
            followed[send.kind].add((send.customer_id, send.journey, send.step))
    figures: dict[tuple[str, str], StepFigures] = {}
    for send in sends:
        if send.kind != SendKind.STEP or send.status != SendStatus.SENT:
            continue
        plan_id = _plan_of(send, plans, customers)
        plan = plans.get(plan_id)
        step = plan.step(send.step) if plan else None
        row = figures.setdefault(
            (plan_id, send.step),
            StepFigures(
                plan=plan.name if plan else "", step=step.name if step else send.step, sent=0
            ),
        )
        key = (send.customer_id, send.journey, send.step)
        row.sent += 1
        row.done += key in done
        row.nudged += key in followed[SendKind.NUDGE]
        row.flagged += key in followed[SendKind.FLAG]
    order = {
        (plan_id, step.id): (n, m)
        for n, (plan_id, plan) in enumerate(plans.items())
        for m, step in enumerate(plan.steps)
    }
    far = (len(order), 0)
    return [figures[k] for k in sorted(figures, key=lambda k: (order.get(k, far), k))]


def _plan_of(send: SendRecord, plans: Mapping[str, Plan], customers: Mapping[str, Customer]) -> str:
    customer = customers.get(send.customer_id)
    if customer is not None:
        plan = plans.get(customer.effective_plan)
        if plan is not None and plan.step(send.step) is not None:
            return customer.effective_plan
    return next((pid for pid, plan in plans.items() if plan.step(send.step)), "")


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
