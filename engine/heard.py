"""What came back from the guide's email, as actions on the customer's journey (issue 16).

- **A reply** (actor `customer`) holds the guide for them: their moves are on track, "replied
  on 3 Dec: waiting for a person", and their clock stops as in a pause, until a person resumes
  it (`resume_guide`). Every reply is told to the owner, with its words.
- **An automatic reply** (out-of-office) is noted in the journey and changes nothing.
- **A bounce** (actor `mail`): a hard one marks the address undeliverable, so nothing more is
  mailed to it; soft ones are counted, and three in a row count as hard. The owner is told
  once the address is given up. A new email in the sheet clears it (the decision compares).
- **A complaint** (the customer marked an email as spam) is an unsubscribe, recorded as such.

Each is audited and undoable like any action; a person's `og undo` puts the journey back.
"""

from __future__ import annotations

from datetime import date, datetime

from engine.actions import (
    CUSTOMER_ACTOR,
    ActionOutcome,
    Change,
    perform,
    unchanged,
)
from engine.calendar import local_date
from engine.compose import owner_for
from engine.guide import Guide
from engine.inbound import Bounce, Inbound, InboundKind
from engine.models import clip
from engine.outcomes import HeardKind, HeardNotice
from engine.sheet_sync import sync_state
from engine.subject import Subject
from engine.told import owner_told
from engine.unsubscribe import unsubscribe_change

MAIL_ACTOR = "mail"
"""Who acted, for what the mail service reported (a bounce)."""
REPLIED = "replied"
AUTO_REPLY_NOTED = "auto_reply_noted"
BOUNCED = "bounced"
SOFT_BOUNCED = "soft_bounced"
COMPLAINED = "complained"
NOTED_ONLY = frozenset({AUTO_REPLY_NOTED})
"""Audit rows that record what happened and change nothing: undo passes them by."""
SOFT_BOUNCES_GIVE_UP = 3


def hear(guide: Guide, customer_id: str, inbound: Inbound, now: datetime) -> ActionOutcome:
    """Act on what came back from the customer's email; junk is for the caller to drop."""
    told: list[HeardNotice] = []

    def work_out(s: Subject) -> Change | ActionOutcome:
        told.clear()
        today = local_date(now, s.customer.timezone or guide.config.team_timezone)
        change = _change(guide, s, inbound, today, now)
        if isinstance(change, Change) and (kind := _tells(change)) is not None:
            told.append(_notice(s, kind, inbound, change, today))
        return change

    actor = MAIL_ACTOR if inbound.kind == InboundKind.BOUNCE else CUSTOMER_ACTOR
    outcome = perform(guide, customer_id, actor, now, work_out)
    if outcome.changed and told:
        notice = told[-1]
        return owner_told(
            outcome, customer_id, notice.kind.value, lambda: guide.notifier.heard(notice)
        )
    return outcome


def _change(
    guide: Guide, s: Subject, inbound: Inbound, today: date, now: datetime
) -> Change | ActionOutcome:
    """`today`: the customer's own calendar day at `now`."""
    if inbound.kind == InboundKind.REPLY:
        return _reply(guide, s, inbound, today, now)
    if inbound.kind == InboundKind.AUTO_REPLY:
        return Change(
            action=AUTO_REPLY_NOTED,
            state=s.stored,
            note=clip(f"{inbound.subject} ({inbound.why})", 200),
            message=f"{s.customer.customer_id} sent an automatic reply; nothing changes",
        )
    if inbound.kind == InboundKind.BOUNCE:
        address = s.customer.email.strip().lower()
        mine = [b for b in inbound.bounces if b.recipient in ("", address)]
        if not mine:
            return unchanged(f"a bounce for an address {s.customer.customer_id} no longer has")
        return _bounce(s, mine[0], address)
    if inbound.kind == InboundKind.COMPLAINT:
        change = unsubscribe_change(guide, s, s.state.journey, now)
        if not isinstance(change, Change):
            return change
        return change.model_copy(
            update={
                "action": COMPLAINED,
                "note": "marked an email as spam",
                "message": (
                    f"{s.customer.customer_id} marked an email as spam; "
                    "the guide emails them nothing more"
                ),
            }
        )
    return unchanged(f"nothing to do with {inbound.kind.value}")


def _reply(
    guide: Guide, s: Subject, inbound: Inbound, today: date, now: datetime
) -> Change | ActionOutcome:
    again = s.state.replied_on is not None
    done = (s.customer.finished or s.state.finished) and not s.state.wrap_up_pending
    # A finished journey has nothing to hold: the reply is recorded and told, no more.
    held = None if done else s.state.replied_on or today
    state = s.state.model_copy(update={"replied_on": held, "soft_bounces": 0})
    # The clock stops from today, as a pause's does (engine.sheet_sync).
    state, _ = sync_state(s.customer, state, now, guide.config.team_timezone)
    said = " ".join(f"{inbound.subject}: {inbound.new_text}".split())
    waiting = "still waiting for a person" if again else "the guide waits for a person"
    if done:
        waiting = "their onboarding is finished, so nothing else changes"
    return Change(
        action=REPLIED,
        state=state,
        note=clip(said, 300),
        message=f"{s.customer.customer_id} replied; {waiting}",
    )


def _bounce(s: Subject, bounce: Bounce, address: str) -> Change | ActionOutcome:
    cid = s.customer.customer_id
    if reason := s.state.undeliverable_to(address):
        return unchanged(f"{address} is already undeliverable: {reason}")
    what = " ".join(f"{bounce.status} {bounce.diagnostic}".split()) or "no reason given"
    counted = s.state.soft_bounces if s.state.undeliverable_email == address else 0
    if bounce.permanent:
        reason = f"bounced for good ({clip(what, 160)})"
    elif counted + 1 >= SOFT_BOUNCES_GIVE_UP:
        reason = f"{counted + 1} soft bounces in a row (last: {clip(what, 120)})"
    else:
        return Change(
            action=SOFT_BOUNCED,
            state=s.state.model_copy(
                update={"soft_bounces": counted + 1, "undeliverable_email": address}
            ),
            note=clip(what, 200),
            message=f"mail to {cid} bounced ({counted + 1} in a row); the guide tries again",
        )
    return Change(
        action=BOUNCED,
        state=s.state.model_copy(
            update={"undeliverable": reason, "undeliverable_email": address, "soft_bounces": 0}
        ),
        note=reason,
        message=f"{address} is undeliverable: {reason}; no more mail until the email changes",
    )


def _tells(change: Change) -> HeardKind | None:
    return {
        REPLIED: HeardKind.REPLY,
        BOUNCED: HeardKind.UNDELIVERABLE,
        COMPLAINED: HeardKind.COMPLAINT,
    }.get(change.action)


def _notice(
    s: Subject, kind: HeardKind, inbound: Inbound, change: Change, today: date
) -> HeardNotice:
    step = next((st for st in s.plan.steps if st.id not in s.state.steps_done), None)
    if kind == HeardKind.REPLY:
        address, text = inbound.sender, inbound.new_text
    else:
        address, text = s.customer.email, change.state.undeliverable or "marked an email as spam"
    return HeardNotice(
        kind=kind,
        customer_id=s.customer.customer_id,
        customer_name=s.customer.name,
        company=s.customer.company,
        plan=s.plan.name,
        owner=owner_for(s.customer, s.plan, s.rules),
        journey=s.state.journey,
        step=step.id if step else "",
        step_name=step.name if step else "",
        address=address,
        subject=inbound.subject if kind == HeardKind.REPLY else "",
        text=text,
        on=today,
    )
