"""`og email`: a customer's email exactly as a tick would send it now, for a rep to read first.

Which email, when not said: the one today's move would send; otherwise the email of the first
step the customer has not done; when every step is done, the wrap-up."""

from __future__ import annotations

from datetime import datetime

from engine.guide import Guide
from engine.models import SendKind, SendRecord, SendStatus
from engine.outcomes import MoveKind, OutgoingEmail
from engine.outgoing import customer_email
from engine.queries import view_customer
from engine.rules.sentences import slugify

_MAILING = {MoveKind.STEP: SendKind.STEP, MoveKind.NUDGE: SendKind.NUDGE}
_EMAILS = (SendKind.STEP, SendKind.NUDGE, SendKind.FINISH)


def email_to_show(
    guide: Guide,
    customer_id: str,
    now: datetime,
    step_id: str | None = None,
    kind: SendKind | None = None,
) -> OutgoingEmail | str:
    """The email, or why there is none to show."""
    view = view_customer(guide, customer_id, now)
    if isinstance(view, str):
        return view
    plan, done = view.plan, view.history.state.steps_done
    if kind == SendKind.FLAG:
        return "a flag goes to the owner in Slack, not to the customer: there is no email"
    if step_id is None and kind is None and view.move.kind in _MAILING:
        step_id, kind = view.move.step, _MAILING[view.move.kind]
    if kind == SendKind.FINISH:
        step = None
    elif step_id is None:
        step = next((s for s in plan.steps if s.id not in done), None)
        kind = kind or (SendKind.STEP if step else SendKind.FINISH)
    else:
        step = plan.step(step_id) or plan.step(slugify(step_id))
        if step is None:
            names = ", ".join(s.name for s in plan.steps)
            return f"the {plan.name} plan has no step {step_id!r}; its steps: {names}"
    journey = view.history.state.journey
    try:
        return customer_email(
            guide, view.rules, view.customer, plan, step, kind or SendKind.STEP, journey, now
        )
    except LookupError as error:
        return str(error)


def last_sent(guide: Guide, customer_id: str) -> SendRecord | None:
    """The customer's last email that went out, of any journey: a step's email, a nudge or the
    wrap-up, confirmed sent (not one that may or may not have gone, nor one refused); None
    before the first. Reads the store only, not the sheet."""
    store = guide.store
    live = store.load_one(customer_id).sends.get(customer_id, ())
    sent = [
        send
        for send in (*store.archived_sends(customer_id), *live)
        if send.kind in _EMAILS and send.status == SendStatus.SENT
    ]
    return max(sent, key=lambda send: send.sent_at or send.claimed_at, default=None)
