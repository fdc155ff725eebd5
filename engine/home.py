"""What one person's Home tab shows: their open flags, oldest first; their customers who wrote
back and wait for them, and those whose address the guide gave up on; the customers handed off
to them; and the team's paused customers with their notes.

It reads the rules, the list's cells and the state of the customers it may list (paused, handed
off, waiting after a reply, undeliverable or flagged, by the state or the list), and decides
nothing: open flags are engine.flags's, an owner is the one a flag goes to
(engine.compose.owner_for), and people are named by their chat ids, as the rules doc writes
them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from engine.compose import owner_for
from engine.flags import open_flags
from engine.guide import Guide
from engine.models import CellValue, Customer, CustomerState, StoreSnapshot
from engine.plans import Person, Rules
from engine.roster.cells import is_blank
from engine.roster.columns import cell_id, find_columns
from engine.roster.grid import named, rows_where
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules


class HomeCustomer(BaseModel):
    customer_id: str
    journey: int
    """The journey its buttons act on, and no later one."""
    name: str
    company: str


class HomeFlag(HomeCustomer):
    step: str
    step_name: str
    flagged_on: date


class HomeHandedOff(HomeCustomer):
    since: date | None


class HomePaused(HomeCustomer):
    note: str
    since: date | None


class HomeReplied(HomeCustomer):
    since: date
    """The customer's own day of the reply the guide waits after."""


class HomeUndeliverable(HomeCustomer):
    email: str
    reason: str


class Home(BaseModel):
    user: str
    flags: list[HomeFlag] = []
    """The person's open flags, oldest first."""
    replied: list[HomeReplied] = []
    """The person's customers the guide waits for them with, after their reply, longest first."""
    undeliverable: list[HomeUndeliverable] = []
    """The person's customers whose address the guide gave up on (not paused or handed off)."""
    handed_off: list[HomeHandedOff] = []
    """Customers handed off to the person, longest first."""
    paused: list[HomePaused] = []
    """The whole team's paused customers, longest first."""
    problems: list[str] = []
    """Why the guide cannot say more (a rules doc it cannot use)."""


VIEWER_KEY = "home.viewer."
"""A meta key per person who has opened their Home tab: only theirs is worth republishing."""


def remember_viewer(guide: Guide, user: str) -> None:
    guide.store.add_meta_if_absent(VIEWER_KEY + user, "1")


def has_viewed(guide: Guide, user: str) -> bool:
    """Whether `user` ever opened their Home tab: one small read. A tab is built afresh each
    time it is opened, so one never opened needs no republishing after an action."""
    return guide.store.get_meta(VIEWER_KEY + user) is not None


def home_for(
    guide: Guide,
    user: str,
    *,
    identify: Callable[[Person], Person] = lambda person: person,
) -> Home:
    """`user` is a chat id (`U…`). `identify` gives a person named by email their chat id (the
    chat side looks it up; one it cannot stays without). Raises RosterError when the list
    cannot be read."""
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    if outcome.rules is None:
        return Home(user=user, problems=outcome.problems)
    rules = _identified(outcome.rules, identify)
    customers, snapshot = _who_may_show(guide, rules)
    return home_from(user, rules, customers, snapshot, identify)


def home_from(
    user: str,
    rules: Rules,
    customers: list[Customer],
    snapshot: StoreSnapshot,
    identify: Callable[[Person], Person] = lambda person: person,
) -> Home:
    """`user`'s Home tab among `customers` (validated rows) with their state in `snapshot`;
    `rules` with their people identified."""
    home = Home(user=user)
    known_as = _names_of(user, rules)
    for customer in customers:
        history = snapshot.history(customer.customer_id)
        state = history.state
        if customer.finished or state.finished:
            continue
        handed_to = customer.handed_off_to or state.handed_off_to
        if handed_to:
            if handed_to.strip().removeprefix("<@").removesuffix(">").casefold() in known_as:
                home.handed_off.append(
                    HomeHandedOff(**_shown(customer, state), since=state.offline_since)
                )
            continue
        if customer.paused or state.paused:
            note = customer.paused_note or state.paused_note
            home.paused.append(
                HomePaused(**_shown(customer, state), note=note, since=state.offline_since)
            )
            continue
        plan = rules.plans[customer.effective_plan]
        if identify(owner_for(customer, plan, rules)).slack_id != user:
            continue
        if reason := state.undeliverable_to(customer.email):
            home.undeliverable.append(
                HomeUndeliverable(**_shown(customer, state), email=customer.email, reason=reason)
            )
        if state.replied_on is not None:
            # Its flags wait with it: the guide is waiting for a person either way.
            home.replied.append(HomeReplied(**_shown(customer, state), since=state.replied_on))
            continue
        for send in open_flags(history, customer):
            step = plan.step(send.step)
            home.flags.append(
                HomeFlag(
                    **_shown(customer, state),
                    step=send.step,
                    step_name=step.name if step else send.step,
                    flagged_on=send.local_date,
                )
            )
    home.flags.sort(key=lambda flag: (flag.flagged_on, flag.customer_id))
    home.handed_off.sort(key=lambda c: (c.since or date.max, c.customer_id))
    home.paused.sort(key=lambda c: (c.since or date.max, c.customer_id))
    home.replied.sort(key=lambda c: (c.since, c.customer_id))
    home.undeliverable.sort(key=lambda c: c.customer_id)
    return home


def _who_may_show(guide: Guide, rules: Rules) -> tuple[list[Customer], StoreSnapshot]:
    """The customers a Home tab may list, with their state: those the state holds back or
    flags, and those the list's own cells pause or hand off. Only their rows are modelled
    and only their state read: at 100k customers, a few hundred of each."""
    in_state = guide.store.held_or_flagged()
    grid = guide.roster.read_grid()
    columns = named(grid.header)
    found = find_columns(grid.header)
    id_at = columns[found["customer_id"]]
    held_at = [columns[found[key]] for key in ("paused", "handed_off_to") if key in found]

    def may_show(cells: Sequence[CellValue]) -> bool:
        if cell_id(cells, id_at) in in_state:
            return True
        return any(at < len(cells) and not is_blank(cells[at]) for at in held_at)

    rows = rows_where(grid, may_show)
    customers, _ = validate_rows(rows, rules.plans.keys(), guide.config.team_timezone)
    return customers, guide.store.load_many([c.customer_id for c in customers])


def _names_of(user: str, rules: Rules) -> set[str]:
    """How a hand-off may name `user`: their id, or their name on the rules doc."""
    people = [*rules.hand_off_owners, *(plan.owner for plan in rules.plans.values())]
    return {user.casefold()} | {p.name.casefold() for p in people if p.slack_id == user}


def _shown(customer: Customer, state: CustomerState) -> dict[str, Any]:
    shown = HomeCustomer(
        customer_id=customer.customer_id,
        journey=state.journey,
        name=customer.name,
        company=customer.company,
    )
    return shown.model_dump()


def _identified(rules: Rules, identify: Callable[[Person], Person]) -> Rules:
    plans = {
        plan_id: plan.model_copy(update={"owner": identify(plan.owner)})
        for plan_id, plan in rules.plans.items()
    }
    hand_off = tuple(identify(person) for person in rules.hand_off_owners)
    return rules.model_copy(update={"plans": plans, "hand_off_owners": hand_off})
