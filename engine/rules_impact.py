"""What an edit of the rules doc would change for the customers already in a journey (issue
17): the moves of the coming days under the live doc and under the new one, each worked out by
`og preview`'s simulation of the real hourly ticks (so the same decision code), and their
differences summed up the way a person says them. Nothing real is written or sent.

What it costs: two previews, each 24 simulated ticks a day over an in-memory copy of the list
and the state, so time grows with days x customers (7 days of 1,000 customers: about 13 s on a
laptop, 4 customers: 0.4 s). `og rules impact` looks 14 days ahead; the tick's announcement of
an edit (engine.rules_watch) 7, within a time budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from engine.guide import Guide
from engine.plans import Rules
from engine.preview import PreviewDay, preview
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.rules import parse_rules

_KIND_WORDS = {"step": "email", "nudge": "nudge", "flag": "flag", "finish": "wrap-up"}


@dataclass(frozen=True, order=True)
class PlannedMove:
    day: date
    """The day it goes, on the clock of whoever it reaches."""
    kind: str
    step: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.step)


@dataclass(frozen=True)
class CustomerImpact:
    customer_id: str
    plan: str
    before: tuple[PlannedMove, ...]
    after: tuple[PlannedMove, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class RulesImpact:
    start: datetime
    days: int
    customers: tuple[CustomerImpact, ...]
    """Every customer with a move in the window under either doc, by id."""
    summary: tuple[str, ...]

    @property
    def changed(self) -> tuple[CustomerImpact, ...]:
        return tuple(c for c in self.customers if c.changed)


def rules_impact(
    guide: Guide,
    new_text: str,
    new_name: str,
    start: datetime,
    days: int,
    *,
    old: Rules | None = None,
    stop: Callable[[], bool] | None = None,
) -> RulesImpact | list[str]:
    """The impact of replacing `old` (the rules in force when None) with `new_text` over
    `days` days from `start`; or the new doc's problems (`NAME:LINE: message`), or the live
    doc's when there is none in force. `stop`: as `preview`'s (raises PreviewStopped)."""
    parsed = parse_rules(new_text, new_name)
    if not isinstance(parsed, Rules):
        return [error.render(new_name) for error in parsed]
    if old is None:
        outcome = load_rules(guide.rules_source, guide.store, remember=False)
        if outcome.rules is None:
            return outcome.problems
        old = outcome.rules
    live = _days(preview(guide, start, days, rules=old, stop=stop))
    new = _days(preview(guide, start, days, rules=parsed, stop=stop))
    before, after = _moves(live), _moves(new)
    plans = _plan_names(guide, old, parsed)
    customers = tuple(
        CustomerImpact(
            customer_id=cid,
            plan=plans.get(cid, ""),
            before=tuple(before.get(cid, ())),
            after=tuple(after.get(cid, ())),
        )
        for cid in sorted(before.keys() | after.keys())
    )
    steps = {step.id: step.name for plan in parsed.plans.values() for step in plan.steps}
    kept = {(p.name, s.id) for p in parsed.plans.values() for s in p.steps}
    lines = summarise(customers, start.date(), days, steps, kept)
    return RulesImpact(start, days, customers, tuple(lines))


def _days(previewed: list[PreviewDay] | list[str]) -> list[PreviewDay]:
    return [day for day in previewed if isinstance(day, PreviewDay)]


def _moves(days: Iterable[PreviewDay]) -> dict[str, list[PlannedMove]]:
    found: dict[str, list[PlannedMove]] = defaultdict(list)
    for day in days:
        for move in day.moves:
            result = move.result
            planned = PlannedMove(move.at.date(), result.move, result.step or "")
            found[result.customer_id].append(planned)
    return {cid: sorted(moves) for cid, moves in found.items()}


def _plan_names(guide: Guide, old: Rules, new: Rules) -> dict[str, str]:
    """Each customer's plan as the new doc names it (the old doc's, for a plan it drops)."""
    names = {**old.plans, **new.plans}
    team = guide.config.team_timezone
    customers, _ = validate_rows(guide.roster.read(), names.keys(), team)
    return {c.customer_id: names[c.effective_plan].name for c in customers}


def summarise(
    customers: Iterable[CustomerImpact],
    today: date,
    days: int,
    steps: Mapping[str, str],
    kept: Collection[tuple[str, str]],
) -> list[str]:
    """One line per kind of difference, biggest first: a plan gone with its customers, a move
    that comes later or sooner, a move that is new, one that is gone. `steps`: each step id's
    name; `kept`: the (plan name, step id) pairs the new doc still has."""
    groups: dict[tuple[str, str, str, str, int], set[str]] = defaultdict(set)
    plans_left = {plan for plan, _ in kept}
    orphans: dict[str, set[str]] = defaultdict(set)
    for customer in customers:
        if not customer.changed:
            continue
        if customer.plan and customer.plan not in plans_left:
            orphans[customer.plan].add(customer.customer_id)  # one line for the whole plan
            continue
        before = {m.key: m for m in customer.before}
        after = {m.key: m for m in customer.after}
        for key in before.keys() | after.keys():
            old, new = before.get(key), after.get(key)
            kind, step = key
            if old and new and old.day != new.day:
                groups[("moves", customer.plan, kind, step, (new.day - old.day).days)].add(
                    customer.customer_id
                )
            elif new and not old:
                soon = 1 if (new.day - today).days <= 1 else 0
                groups[("new", customer.plan, kind, step, soon)].add(customer.customer_id)
            elif old and not new:
                removed = kind != "finish" and (customer.plan, step) not in kept
                groups[("gone", customer.plan, kind, step, int(removed))].add(customer.customer_id)
    gone = [
        f"the {plan} plan is gone: {len(who)} customer{'' if len(who) == 1 else 's'} on it "
        "get nothing more (the tick skips their rows, naming each)"
        for plan, who in sorted(orphans.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return gone + [
        _line(change, plan, kind, steps.get(step, step), shift, len(who), days)
        for (change, plan, kind, step, shift), who in sorted(
            groups.items(), key=lambda item: (-len(item[1]), item[0])
        )
    ]


def _line(change: str, plan: str, kind: str, step: str, shift: int, n: int, days: int) -> str:
    people = f"{n} {plan + ' ' if plan else ''}customer{'' if n == 1 else 's'}"
    get, finish = ("gets", "finishes") if n == 1 else ("get", "finish")
    what = "the wrap-up" if kind == "finish" else f"the {_KIND_WORDS.get(kind, kind)} of {step}"
    if change == "moves":
        when = "a day" if abs(shift) == 1 else f"{abs(shift)} days"
        later = "later" if shift > 0 else "sooner"
        if kind == "finish":
            return f"{people} {finish} {when} {later}"
        return f"{what}: {people} {get} it {when} {later}"
    if change == "new":
        soon = " as soon as tomorrow" if shift else ""
        return f"{what}: {people} {get} it{soon}, and would not have"
    if shift:  # the step is gone from the plan
        return f"{what}: {people} no longer {get} it; the {plan} plan has no {step} now"
    return f"{what}: {people} no longer {get} it within {days} days"
