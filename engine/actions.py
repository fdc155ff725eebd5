"""What people do to a customer's journey outside the tick (more arrive with Slack)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from engine.calendar import local_date
from engine.ports import StaleStateError
from engine.queries import find_customer
from engine.rules import slugify
from engine.tick import Guide


class ActionOutcome(BaseModel):
    ok: bool
    """False when the action was refused; nothing changed then."""
    message: str
    changed: bool = False
    """True only when this call changed something (a repeat of a done action is ok, unchanged)."""


def mark_done(
    guide: Guide, customer_id: str, step: str, now: datetime, actor: str
) -> ActionOutcome:
    found = find_customer(guide, customer_id)
    if isinstance(found, str):
        return ActionOutcome(ok=False, message=found)
    customer, rules = found
    plan = rules.plans[customer.effective_plan]
    planned = plan.step(slugify(step))
    if planned is None:
        steps = ", ".join(s.id for s in plan.steps)
        return ActionOutcome(
            ok=False, message=f"{plan.name} plan has no step {step!r} (steps: {steps})"
        )
    state = guide.store.load_one(customer_id).history(customer_id).state
    if planned.id in state.steps_done:
        since = state.steps_done[planned.id].isoformat()
        return ActionOutcome(ok=True, message=f"{planned.name} was already done on {since}")
    if customer.finished or state.finished:
        return ActionOutcome(ok=False, message=f"{customer_id} has finished onboarding")
    today = local_date(now, customer.timezone or guide.config.team_timezone)
    updated = state.model_copy(
        update={
            "steps_done": {**state.steps_done, planned.id: today},
            "updated_at": guide.wall_clock(),
            "updated_by": actor,
        }
    )
    try:
        guide.store.save_state(updated)
    except StaleStateError as error:
        return ActionOutcome(ok=False, message=str(error))
    return ActionOutcome(
        ok=True, changed=True, message=f"{planned.name} marked done for {customer_id}"
    )
