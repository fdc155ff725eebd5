"""A personal note sent by a person: one email to the customer, in their words, recorded in
the journey as the day's move and audited in their name.

The note goes as every email of the guide goes (engine.outgoing: the guide's From, a text and
an HTML part, the unsubscribe link, the Reply-To that names the customer), and by the same
at-most-once steps as a tick's: claim a send (`SendKind.NOTE`, its step `note-<local date>`,
so one note a customer's day), hand it to the mailer, make it durable, record how it ended. A
send dated today is today's move for the decision (engine.decide, rule 2), so the tick sends
nothing else to the customer that day.

Never to a customer who unsubscribed, whose address is undeliverable, who replied and waits
for a person (answer the reply itself), or whose onboarding is over; and only on the journey
the note was begun on. Once it went, its audit row (`note_sent`, the subject as its note) is
told through the notifier like any action's, so the flags get their line. It changes no state,
so `og undo` passes it by: an email is never unsent.
"""

from __future__ import annotations

from datetime import date, datetime

from engine.acted import announce
from engine.actions import ACTION_TIME_LIMIT, ActionOutcome, refuse
from engine.audit import recorded_change
from engine.calendar import guide_day, local_date
from engine.guide import Guide
from engine.models import (
    ClaimEnd,
    ClaimOutcome,
    Customer,
    CustomerState,
    SendKind,
    SendRecord,
    clip,
)
from engine.outcomes import OutgoingEmail
from engine.outgoing import personal_note
from engine.ports import OutcomeUnknownError, RejectedError, StaleStateError
from engine.queries import CustomerNotFound
from engine.runs import new_run, running
from engine.subject import Subject, load_subject

NOTE_SENT = "note_sent"
"""The audit action of a note that went out."""
SUBJECT_LIMIT = 200
BODY_LIMIT = 3000
"""What the note's modal takes: Slack's longest text input."""


def note_step(day: date) -> str:
    """A note's step: its customer's local day, one note a day."""
    return f"note-{day.isoformat()}"


def why_no_note(state: CustomerState, journey: int, customer: Customer | None = None) -> str | None:
    """Why no note may go to the customer on `journey`, or None: by the state alone, and with
    `customer` (their row) by its cells and address too."""
    who = state.customer_id
    unsubscribed = state.unsubscribed or (customer is not None and customer.unsubscribed)
    if state.journey != journey:
        return f"{who} started another onboarding meanwhile; no note was sent."
    if unsubscribed:
        return f"{who} unsubscribed from the guide's emails; no note goes to them."
    if customer is not None and (why := state.undeliverable_to(customer.email)):
        return (
            f"{who}'s address is undeliverable ({why}); no note goes until the sheet's email "
            "changes."
        )
    if state.replied_on is not None:
        return (
            f"{who} replied on {state.replied_on:%-d %b} and waits for a person: answer "
            "their reply itself; no note was sent."
        )
    if state.finished or (customer is not None and customer.finished):
        return f"{who} has finished onboarding; no note was sent."
    return None


def send_note(
    guide: Guide,
    customer_id: str,
    journey: int,
    subject: str,
    body: str,
    actor: str,
    now: datetime,
) -> ActionOutcome:
    """Send `actor`'s note to the customer, or refuse saying why, with nothing sent."""
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        return refuse("A note needs a subject and some words; nothing was sent.")
    if len(subject) > SUBJECT_LIMIT or len(body) > BODY_LIMIT:
        return refuse(
            f"A note's subject holds {SUBJECT_LIMIT} characters and its words {BODY_LIMIT:,}; "
            "nothing was sent."
        )
    found = load_subject(guide, customer_id, now)
    if isinstance(found, CustomerNotFound):
        return ActionOutcome(ok=False, message=found.message, problem=found.problem)
    refusal = why_no_note(found.state, journey, found.customer)
    if refusal is not None:
        return refuse(refusal)
    customer = found.customer
    today = local_date(now, customer.timezone or guide.config.team_timezone)
    email = personal_note(
        guide, found.rules, customer, found.plan, journey, note_step(today), subject, body, now
    )
    at = guide.wall_clock()
    with running(new_run("note", at + ACTION_TIME_LIMIT)) as run:
        record = SendRecord(
            customer_id=customer_id,
            journey=journey,
            step=email.step,
            kind=SendKind.NOTE,
            local_date=today,
            guide_day=guide_day(customer.signup_date, found.state, today),
            claimed_at=at,
            tick_id=run.id,
            run_process=run.process,
            run_deadline=run.deadline,
        )
        if not guide.store.claim(record):
            return refuse(_not_claimed(guide, record))
        end, reference, error = _deliver(guide, email)
        guide.store.finish_claims(
            [
                ClaimOutcome(
                    key=record.key,
                    end=end,
                    message_id=reference,
                    at=guide.wall_clock(),
                    reason=error if end == ClaimEnd.REJECTED else "",
                )
            ]
        )
    if end != ClaimEnd.SENT:
        return refuse(_not_sent(customer_id, end, error))
    return _audited(guide, found, subject, actor)


def _deliver(guide: Guide, email: OutgoingEmail) -> tuple[ClaimEnd, str, str]:
    """How the claimed note ended, its message id, and the error's words."""
    try:
        reference = guide.mailer.send(email)
    except RejectedError as error:
        return ClaimEnd.REJECTED, "", str(error)
    except OutcomeUnknownError as error:
        return ClaimEnd.UNCONFIRMED, "", str(error)
    except Exception as error:  # not sent: the claim is released
        return ClaimEnd.RELEASED, "", str(error)
    try:
        guide.mailer.flush()
    except Exception as error:  # it may or may not be durable: never sent again
        return ClaimEnd.UNCONFIRMED, reference, str(error)
    return ClaimEnd.SENT, reference, ""


def _not_claimed(guide: Guide, record: SendRecord) -> str:
    """Why the store would not take the note's send: a note of today, or the customer moved
    on since they were read."""
    who = record.customer_id
    sends = guide.store.load_one(who).sends.get(who, ())
    if any(send.key == record.key for send in sends):
        return (
            f"A personal note already went to {who} today ({record.local_date:%-d %b}); "
            "one a day. Nothing was sent."
        )
    return f"{who} changed meanwhile (finished, unsubscribed or replied); no note was sent."


def _not_sent(customer_id: str, end: ClaimEnd, error: str) -> str:
    why = clip(error, 300)
    if end == ClaimEnd.REJECTED:
        return f"The mail service refused the note to {customer_id} for good: {why}"
    if end == ClaimEnd.UNCONFIRMED:
        return (
            f"The note to {customer_id} may or may not have gone out ({why}): it is kept as "
            "unconfirmed (og unconfirmed); check with the customer before writing again."
        )
    return f"The note to {customer_id} could not be sent, and nothing was recorded: {why}"


def _audited(guide: Guide, found: Subject, subject: str, actor: str) -> ActionOutcome:
    """The note's audit row, in `actor`'s name, told through the notifier. The note went out
    whatever happens here: a failure is a warning."""
    customer_id = found.customer.customer_id
    message = f"A personal note went to {customer_id}: “{subject}”"
    stored = found.stored
    for attempt in (1, 2):
        written, audit = recorded_change(
            customer_id=customer_id,
            action=NOTE_SENT,
            actor=actor,
            at=guide.wall_clock(),
            before=(found.row, stored),
            after=(found.row, stored),
            note=subject,
        )
        try:
            guide.store.commit_action(written, audit)
        except StaleStateError as error:
            if attempt == 2:
                warning = f"it went out, but its audit row could not be written: {error}"
                return ActionOutcome(ok=True, changed=True, message=message, warning=warning)
            fresh = guide.store.load_one(customer_id).states.get(customer_id)
            stored = fresh or CustomerState(customer_id=customer_id)
            continue
        notice, warning = announce(
            guide, audit, message=message, customer=found.customer, rules=found.rules
        )
        return ActionOutcome(ok=True, changed=True, message=message, notice=notice, warning=warning)
    raise AssertionError("unreachable")
