"""After an action is committed: what it did, told through the notifier as a plain
`ActionNotice`, from wherever the action came (the command line, Slack, the Home tab, a done
link). The notice carries every flag sent about the journey as it should read now
(engine.flags), so the notifier changes them without reading anything.

The action has happened by then: a notice that cannot be built or told is logged and handed
back as a warning, and never fails or undoes the action.
"""

from __future__ import annotations

import logging

from engine.flags import event_of, events_since, is_open, journey_of, sent_flag
from engine.guide import Guide
from engine.models import AuditEntry, Customer, CustomerState, SendKind, SendRecord
from engine.outcomes import ActionNotice, FlagMessage
from engine.plans import Rules
from engine.ports import StateStore

_log = logging.getLogger("og.actions")


def announce(
    guide: Guide,
    audit: AuditEntry,
    *,
    message: str,
    detail: str = "",
    customer: Customer | None = None,
    rules: Rules | None = None,
) -> tuple[ActionNotice | None, str]:
    """Tell the notifier what the committed `audit` row did. `customer` and `rules` (as the
    action read them) let the journey's flags be rebuilt; without them the notice has none.
    Returns the notice (None when it could not be built) and a warning ("" when all went)."""
    try:
        notice = action_notice(
            guide, audit, message=message, detail=detail, customer=customer, rules=rules
        )
    except Exception as error:  # the action stands; say why nobody was told
        _log.warning("%s: %s is done, but not told: %s", audit.customer_id, audit.action, error)
        return None, f"it is done, but its flags were not updated: {error}"
    try:
        guide.notifier.acted(notice)
    except Exception as error:
        _log.warning(
            "%s: %s is done, but the notifier failed: %s", audit.customer_id, audit.action, error
        )
        return notice, f"it is done, but {error}"
    return notice, ""


def action_notice(
    guide: Guide,
    audit: AuditEntry,
    *,
    message: str,
    detail: str = "",
    customer: Customer | None = None,
    rules: Rules | None = None,
) -> ActionNotice:
    """Reads the customer's audit trail and, to rebuild its flags, the journey's sends: a
    query or two for one customer."""
    trail = guide.store.audit_trail(audit.customer_id)
    by_id = {entry.id: entry for entry in trail} | {audit.id: audit}
    journey = journey_of(audit, by_id)
    state = audit.after.state
    plan = rules.plans.get(customer.effective_plan) if customer and rules else None
    flags: tuple[FlagMessage, ...] = ()
    if customer is not None and rules is not None and plan is not None:
        sends = journey_sends(guide.store, audit.customer_id, journey, state)
        flags = tuple(
            FlagMessage(
                reference=send.message_id,
                notice=sent_flag(rules, customer, plan, send, sends, state),
                events=events_since(trail, send, rules),
                open=is_open(send, state),
            )
            for send in sends
            if send.kind == SendKind.FLAG and send.message_id
        )
    return ActionNotice(
        customer_id=audit.customer_id,
        journey=journey,
        event=event_of(audit, by_id, rules),
        message=message,
        detail=detail,
        flags=flags,
    )


def journey_sends(
    store: StateStore, customer_id: str, journey: int, state: CustomerState
) -> list[SendRecord]:
    """The sends of one journey, oldest first: the live ones, and the archived ones when the
    journey is over (finished, or a later one begun)."""
    live_sends = store.load_one(customer_id).sends.get(customer_id, ())
    sends = [send for send in live_sends if send.journey == journey]
    if state.finished or journey != state.journey:
        live = {send.key for send in sends}
        sends += [
            send
            for send in store.archived_sends(customer_id)
            if send.journey == journey and send.key not in live
        ]
    return sorted(sends, key=lambda send: send.claimed_at)
