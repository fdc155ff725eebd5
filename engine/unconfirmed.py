"""Sends that may or may not have reached their reader, and a person settling them.

A send is unconfirmed when the run sending it ended between claim and confirmation, or its
request went out and no answer came back. The guide never sends it again by itself: a
second welcome email is worse than a missing one. It stays listed (every tick, `og serve`'s
log, the digest, `og status`) until a person who checked with the customer settles it:

- **delivered**: it arrived. The send counts as sent, as it already did for every decision.
- **send again**: it did not. The send is forgotten, so the next tick makes the move again
  if it is still due (a step done meanwhile is not sent).

Each is audited under the person's name and undone with `og undo`, which puts the send back as
it was. Neither touches the roster, so a send is settled even for a customer no longer on it.
"""

from __future__ import annotations

from datetime import datetime

from engine.acted import announce
from engine.actions import ActionOutcome, refuse, unchanged
from engine.audit import recorded_change
from engine.guide import Guide
from engine.models import CustomerState, SendKind, SendRecord, SendStatus, SendWrite
from engine.ports import StaleStateError
from engine.rules import slugify

DELIVERED = "send_marked_delivered"
SEND_AGAIN = "send_to_send_again"


def unconfirmed_sends(guide: Guide) -> list[SendRecord]:
    """Every unconfirmed send, oldest first."""
    return guide.store.load().unconfirmed()


def mark_delivered(
    guide: Guide, customer_id: str, step: str, kind: SendKind | None, actor: str, now: datetime
) -> ActionOutcome:
    return _settle(guide, customer_id, step, kind, actor, now, delivered=True)


def send_again(
    guide: Guide, customer_id: str, step: str, kind: SendKind | None, actor: str, now: datetime
) -> ActionOutcome:
    return _settle(guide, customer_id, step, kind, actor, now, delivered=False)


def _settle(
    guide: Guide,
    customer_id: str,
    step: str,
    kind: SendKind | None,
    actor: str,
    now: datetime,
    *,
    delivered: bool,
) -> ActionOutcome:
    # As `actions.perform`: read, work out, commit, once more if someone wrote in between.
    for attempt in (1, 2):
        stored = guide.store.load_one(customer_id)
        state = stored.states.get(customer_id) or CustomerState(customer_id=customer_id)
        found = _find(stored.sends.get(customer_id, ()), customer_id, step, kind)
        if isinstance(found, ActionOutcome):
            return found
        write, action, message = _work_out(found, state, delivered)
        if write is None:
            return refuse(message)
        written, audit = recorded_change(
            customer_id=customer_id,
            action=action,
            actor=actor,
            at=guide.wall_clock(),
            before=({}, state),
            after=({}, state),
            note=f"the {found.kind.described} for {found.step} (journey {found.journey})",
            send_before=found,
            send_write=write,
        )
        try:
            guide.store.commit_action(written, audit, send_write=write)
        except StaleStateError as error:
            if attempt == 2:
                return refuse(str(error))
            continue
        said = f"{customer_id}: {message}"
        notice, warning = announce(guide, audit, message=said)
        return ActionOutcome(ok=True, changed=True, message=said, notice=notice, warning=warning)
    raise AssertionError("unreachable")


def _find(
    sends: tuple[SendRecord, ...], customer_id: str, step: str, kind: SendKind | None
) -> SendRecord | ActionOutcome:
    wanted = slugify(step)
    matching = [
        send
        for send in sends
        if slugify(send.step) == wanted and (kind is None or send.kind == kind)
    ]
    open_ = [send for send in matching if send.status == SendStatus.UNCONFIRMED]
    if len(open_) == 1:
        return open_[0]
    if len(open_) > 1:
        kinds = ", ".join(send.kind.value for send in open_)
        return refuse(f"{customer_id} has unconfirmed {step} sends of kinds {kinds}: pick one")
    if matching:
        statuses = ", ".join(f"{s.kind.described} {s.status.value}" for s in matching)
        return unchanged(f"{customer_id}: nothing to settle for {step} ({statuses})")
    listed = ", ".join(
        f"{s.step} ({s.kind.value})" for s in sends if s.status == SendStatus.UNCONFIRMED
    )
    return refuse(
        f"{customer_id} has no unconfirmed send of {step!r} (unconfirmed: {listed or 'none'})"
    )


def _work_out(
    send: SendRecord, state: CustomerState, delivered: bool
) -> tuple[SendWrite | None, str, str]:
    """(what to write, the audit action, what to tell the person); no write when refused."""
    # A send its journey would no longer take is a send nothing would make again.
    over = not state.takes(send)
    what = f"the {send.kind.described} for {send.step}"
    if delivered:
        record = send.model_copy(update={"status": SendStatus.SENT, "sent_at": send.claimed_at})
        # A journey already archived takes its settled sends along.
        write = SendWrite(key=send.key, record=record, archived=over)
        return write, DELIVERED, f"{what} is marked delivered"
    if over:
        return (
            None,
            SEND_AGAIN,
            f"{send.customer_id}'s journey {send.journey} is over, so nothing would send "
            f"{what} again; mark it delivered once you have told the customer yourself",
        )
    write = SendWrite(key=send.key)
    if send.kind == SendKind.NOTE:  # a person's note: no tick makes it again
        return write, SEND_AGAIN, f"{what} is forgotten; send it again from the flag if need be"
    return write, SEND_AGAIN, f"{what} will go out again with the next tick, if still due"
