"""`undo`: give a customer back the state and roster row they had before the newest action
that is not undone yet. Undoing again walks further back. Emails are never unsent; the reply
says which had already gone out."""

from __future__ import annotations

from datetime import datetime

from engine.actions import ActionOutcome, Change, Subject, perform, refuse, unchanged
from engine.models import AuditEntry, SendKind, SendRecord, Snapshot
from engine.tick import Guide


def undo(
    guide: Guide, customer_id: str, actor: str, now: datetime, *, force: bool = False
) -> ActionOutcome:
    def work_out(subject: Subject) -> Change | ActionOutcome:
        trail = guide.store.audit_trail(customer_id)
        undone = {entry.undoes for entry in trail if entry.undoes}
        target = next((e for e in trail if e.undoes is None and e.id not in undone), None)
        if target is None:
            return unchanged(f"nothing to undo for {customer_id}")
        what = f"{target.action} by {target.actor} at {target.at:%Y-%m-%d %H:%M} UTC"
        differences = target.after.differences(Snapshot(row=subject.row, state=subject.stored))
        if differences and not force:
            return refuse(
                f"{customer_id} changed since {what}: {'; '.join(differences)}. "
                "Undo with --force to restore it anyway."
            )
        return Change(
            action="undo",
            state=target.before.state,
            row=target.before.row,
            note=f"undid {what}",
            message=f"undid {what}{_emails_already_sent(guide, subject, target)}",
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
    return "; already sent, and not unsent: " + ", ".join(gone)


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
