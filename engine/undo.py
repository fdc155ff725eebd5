"""`undo`: give a customer back the state and roster row they had before the newest action
that is not undone yet. Undoing again walks further back. Emails are never unsent; the reply
says which had already gone out. `RULES_ID` (`_rules`) names the rules doc, whose decisions
are undone by engine.rules_approval."""

from __future__ import annotations

from datetime import datetime

from engine.actions import ActionOutcome, Change, perform, refuse, unchanged
from engine.audit import differences
from engine.guide import Guide
from engine.heard import NOTED_ONLY
from engine.models import AuditEntry, SendKind, SendRecord, SendWrite, Snapshot
from engine.note_send import NOTE_SENT
from engine.rules_approval import undo_rules
from engine.rules_log import RULES_ID
from engine.subject import Subject

_PASSED_BY = NOTED_ONLY | {NOTE_SENT}
"""Audit rows that changed nothing to give back: what was noted, and a note sent (an email
is never unsent)."""


def undo(
    guide: Guide, customer_id: str, actor: str, now: datetime, *, force: bool = False
) -> ActionOutcome:
    if customer_id == RULES_ID:
        return undo_rules(guide, actor, now)

    def work_out(subject: Subject) -> Change | ActionOutcome:
        trail = guide.store.audit_trail(customer_id)
        undone = {entry.undoes for entry in trail if entry.undoes}
        target = next(
            (
                e
                for e in trail
                if e.undoes is None and e.id not in undone and e.action not in _PASSED_BY
            ),
            None,
        )
        if target is None:
            return unchanged(f"nothing to undo for {customer_id}")
        what = f"{target.action} by {target.actor} at {target.at:%Y-%m-%d %H:%M} UTC"
        if target.send_write is not None:
            return _undo_send_write(guide, subject, target, what, force)
        changes = differences(target.after, Snapshot(row=subject.row, state=subject.stored))
        if changes and not force:
            return refuse(
                f"{customer_id} changed since {what}: {'; '.join(changes)}. "
                "Undo with --force to restore it anyway."
            )
        detail = _emails_already_sent(guide, subject, target)
        return Change(
            action="undo",
            state=target.before.state,
            row=target.before.row,
            note=f"undid {what}",
            message=f"undid {what}" + (f"; {detail}" if detail else ""),
            detail=detail,
            restore_journey=target.journey if _archived_live_sends(target) else None,
            undoes=target.id,
        )

    return perform(guide, customer_id, actor, now, work_out)


def _emails_already_sent(guide: Guide, subject: Subject, target: AuditEntry) -> str:
    sends = (
        *guide.store.archived_sends(subject.customer.customer_id),
        *guide.store.load_one(subject.customer.customer_id).sends.get(
            subject.customer.customer_id, ()
        ),
    )
    names = {step.id: step.name for step in subject.plan.steps}
    gone = sorted(
        f"{send.kind.value} {names.get(send.step, send.step)} ({send.local_date.isoformat()})"
        for send in sends
        if send.kind != SendKind.FLAG and send.sent_at is not None and _since(send, target)
    )
    if not gone:
        return ""
    return "already sent, and not unsent: " + ", ".join(gone)


def _since(send: SendRecord, target: AuditEntry) -> bool:
    # A finish's own wrap-up goes out just before the tick records the finish.
    if target.action == "finished" and send.kind == SendKind.FINISH:
        return send.journey == target.journey
    return send.sent_at is not None and send.sent_at >= target.at


def _archived_live_sends(target: AuditEntry) -> bool:
    """A finish archives its journey, and so does a reset; a re-enrolment after a finish
    found the journey archived already."""
    if target.action == "finished":
        return True
    return target.action == "reenrolled" and not target.before.state.finished


def _undo_send_write(
    guide: Guide, subject: Subject, target: AuditEntry, what: str, force: bool
) -> Change | ActionOutcome:
    """An action on one send (settling an unconfirmed one) undone: the send put back as it
    was, unless it changed since (a tick sent it again, say)."""
    assert target.send_write is not None
    key = target.send_write.key
    stored = guide.store.load_one(key.customer_id).sends.get(key.customer_id, ())
    places = [*stored, *guide.store.archived_sends(key.customer_id)]
    now = next((send for send in places if send.key == key), None)
    if now != target.send_write.record and not force:
        found = f"it is {now.status.value} now" if now is not None else "it is gone now"
        return refuse(
            f"the {key.kind.described} for {key.step} changed since {what}: {found}. "
            "Undo with --force to restore it anyway."
        )
    return Change(
        action="undo",
        state=subject.stored,
        note=f"undid {what}",
        message=f"undid {what}: the {key.kind.described} for {key.step} is unconfirmed again",
        send_before=now,
        send_write=SendWrite(key=key, record=target.send_before),
        undoes=target.id,
    )
