"""The one place a customer's email is put together with its links: the tick sends what this
builds, and `og email` shows it, so the preview is the email."""

from __future__ import annotations

from datetime import datetime

from engine.compose import note_email, step_email, wrap_up_email
from engine.guide import Guide
from engine.inbound_match import reply_address, reply_token
from engine.links import done_url, make_token, unsubscribe_link
from engine.models import Customer, SendKind
from engine.outcomes import OutgoingEmail
from engine.plans import Plan, Rules, Step


def customer_email(
    guide: Guide,
    rules: Rules,
    customer: Customer,
    plan: Plan,
    step: Step | None,
    kind: SendKind,
    journey: int,
    now: datetime,
) -> OutgoingEmail:
    """A step's email or its nudge, with a done link signed to last `link_ttl` from `now`; or,
    for FINISH (or no step), the wrap-up. Every one carries the link that stops them
    (`List-Unsubscribe`, one click)."""
    config = guide.config
    stop = unsubscribe_link(config.link_secret, config.base_url, customer.customer_id, journey, now)
    if kind == SendKind.FINISH or step is None:
        email = wrap_up_email(rules, customer, plan, journey, unsubscribe_url=stop)
    else:
        expires = now + config.link_ttl
        token = make_token(config.link_secret, customer.customer_id, journey, step.id, expires)
        link = done_url(config.base_url, token)
        email = step_email(rules, customer, plan, step, journey, link, kind, unsubscribe_url=stop)
    return _replies_named(guide, email)


def personal_note(
    guide: Guide,
    rules: Rules,
    customer: Customer,
    plan: Plan,
    journey: int,
    step_id: str,
    subject: str,
    body: str,
    now: datetime,
) -> OutgoingEmail:
    """An owner's note as the guide sends it: the same From, parts, unsubscribe link and
    Reply-To as every email of the guide."""
    config = guide.config
    stop = unsubscribe_link(config.link_secret, config.base_url, customer.customer_id, journey, now)
    email = note_email(rules, customer, plan, journey, step_id, subject, body, unsubscribe_url=stop)
    return _replies_named(guide, email)


def _replies_named(guide: Guide, email: OutgoingEmail) -> OutgoingEmail:
    """`email` naming its customer where replies go (engine.inbound_match)."""
    config = guide.config
    replies = reply_token(config.link_secret, email.customer_id)
    reply_to = reply_address(config.reply_address, replies) if config.reply_address else ""
    return email.model_copy(update={"reply_token": replies, "reply_to": reply_to})
