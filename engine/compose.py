"""Turn a move into what goes out: the customer's email or the owner's flag notice."""

from __future__ import annotations

from engine.email_body import as_text, blocks_of, has_done_link
from engine.email_html import as_html
from engine.models import Customer, History, SendKind, SendRecord
from engine.outcomes import FlagNotice, OutgoingEmail, UnconfirmedNotice
from engine.plans import MessageTemplate, Person, Plan, Rules, Step
from engine.rules.people import Unreadable, read_people
from engine.rules.templates import render


def owner_for(customer: Customer, plan: Plan, rules: Rules) -> Person:
    """The roster's owner cell wins (as `Name <@ID>`, `<@ID>`, `Name <email>`, an email, or a
    name the rules doc knows); otherwise the plan's owner from the rules doc."""
    cell = (customer.owner or "").strip()
    if not cell:
        return plan.owner
    written = read_people(cell, one=True)
    if not isinstance(written, Unreadable):
        return written[0]
    known = [*rules.hand_off_owners, *(p.owner for p in rules.plans.values())]
    return next((p for p in known if p.name.casefold() == cell.casefold()), plan.owner)


def placeholder_values(
    customer: Customer,
    plan: Plan,
    owner: Person,
    *,
    step: Step | None = None,
    done_link: str = "",
    original_subject: str = "",
) -> dict[str, str]:
    # A greeting with a blank name reads "Hi ,": "there" keeps it natural.
    return {
        "first_name": customer.first_name or "there",
        "name": customer.name.strip() or customer.email,
        "company": customer.company,
        "plan": plan.name,
        "step": step.name if step else "",
        "done_link": done_link,
        "owner_name": owner.name,
        "original_subject": original_subject,
    }


def _email(
    customer: Customer,
    journey: int,
    step_id: str,
    kind: SendKind,
    template: MessageTemplate,
    values: dict[str, str],
    done_label: str = "",
    unsubscribe_url: str = "",
) -> OutgoingEmail:
    """Both parts from the one message: the text and the HTML say the same words."""
    body = template.body
    if done_label and not has_done_link(body):
        # Every step email carries its one-click link, even when the rep's text forgot to.
        body = f"{body.rstrip()}\n\nWhen it's done, one click tells us: {{done_link}}"
    blocks = blocks_of(body, values, done_label=done_label)
    subject = render(template.subject, values)
    footer = (
        f"You're receiving this because {customer.company} is getting started on the "
        f"{values['plan']} plan."
        if customer.company
        else ""
    )
    text = as_text(blocks)
    if unsubscribe_url:
        text += f"\n--\nNo more onboarding emails? One click stops them:\n{unsubscribe_url}\n"
    return OutgoingEmail(
        to_email=customer.email,
        to_name=customer.name,
        subject=subject,
        body=text,
        html=as_html(blocks, subject=subject, footer=footer, unsubscribe_url=unsubscribe_url),
        unsubscribe_url=unsubscribe_url,
        customer_id=customer.customer_id,
        journey=journey,
        step=step_id,
        kind=kind,
    )


def step_email(
    rules: Rules,
    customer: Customer,
    plan: Plan,
    step: Step,
    journey: int,
    done_link: str,
    kind: SendKind = SendKind.STEP,
    *,
    unsubscribe_url: str = "",
) -> OutgoingEmail:
    """The step's email or, for kind NUDGE, its nudge, which names the original subject so
    the customer recognises what it is about."""
    owner = owner_for(customer, plan, rules)
    values = placeholder_values(customer, plan, owner, step=step, done_link=done_link)
    template = rules.messages.steps[step.id]
    if kind == SendKind.NUDGE:
        values["original_subject"] = render(template.subject, values)
        nudge = rules.messages.nudge_for(step.id)
        if nudge is None:
            raise LookupError(f"the rules doc has no nudge message for {step.name}")
        template = nudge
    done_label = f"Mark {step.name} as done"
    return _email(customer, journey, step.id, kind, template, values, done_label, unsubscribe_url)


def wrap_up_email(
    rules: Rules, customer: Customer, plan: Plan, journey: int, *, unsubscribe_url: str = ""
) -> OutgoingEmail:
    owner = owner_for(customer, plan, rules)
    values = placeholder_values(customer, plan, owner)
    template = rules.messages.wrap_up
    return _email(
        customer, journey, "wrap-up", SendKind.FINISH, template, values, "", unsubscribe_url
    )


def note_email(
    rules: Rules,
    customer: Customer,
    plan: Plan,
    journey: int,
    step_id: str,
    subject: str,
    body: str,
    *,
    unsubscribe_url: str = "",
) -> OutgoingEmail:
    """An owner's personal note (engine.note_send) in the guide's two parts: their words as
    they wrote them (a brace is a brace, never a placeholder), with no done link."""
    values = placeholder_values(customer, plan, owner_for(customer, plan, rules))
    template = MessageTemplate(subject=_literal(subject), body=_literal(body))
    return _email(customer, journey, step_id, SendKind.NOTE, template, values, "", unsubscribe_url)


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def journey_lines(plan: Plan, history: History) -> tuple[str, ...]:
    """The journey so far, oldest first: what was sent, nudged, flagged and done."""
    names = {s.id: s.name for s in plan.steps}

    def sent(s: SendRecord) -> str:
        # A note's step is its day, which the line says already.
        what = (
            "personal note"
            if s.kind == SendKind.NOTE
            else f"{s.kind.value} {names.get(s.step, s.step)}"
        )
        return f"{what} ({s.status}{': ' + s.error if s.error else ''})"

    events = [(s.local_date.isoformat(), sent(s)) for s in history.sends]
    events += [
        (day.isoformat(), f"done {names.get(step, step)}")
        for step, day in history.state.steps_done.items()
    ]
    return tuple(f"{day}  {what}" for day, what in sorted(events))


def flag_notice(
    rules: Rules,
    customer: Customer,
    plan: Plan,
    step: Step,
    history: History,
    guide_day: int,
    reason: str,
) -> FlagNotice:
    return FlagNotice(
        customer_id=customer.customer_id,
        customer_name=customer.name,
        company=customer.company,
        plan=plan.name,
        step=step.id,
        step_name=step.name,
        guide_day=guide_day,
        owner=owner_for(customer, plan, rules),
        journey=history.state.journey,
        reason=reason,
        history=journey_lines(plan, history),
    )


def unconfirmed_notice(
    rules: Rules, customer: Customer | None, send: SendRecord, why: str
) -> UnconfirmedNotice:
    """What the owner is told, once, of a send that may or may not have reached its reader.
    A customer no longer on the list is told to the owner of the doc's first plan."""
    plan = rules.plans.get(customer.effective_plan) if customer else None
    plan = plan or next(iter(rules.plans.values()))
    step = plan.step(send.step)
    return UnconfirmedNotice(
        customer_id=send.customer_id,
        customer_name=customer.name if customer else "",
        company=customer.company if customer else "",
        step=send.step,
        step_name=step.name if step else send.step,
        kind=send.kind,
        claimed_at=send.claimed_at,
        local_date=send.local_date,
        owner=owner_for(customer, plan, rules) if customer else plan.owner,
        why=why,
    )
