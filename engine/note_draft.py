"""A personal note's draft: the facts of one customer's journey, and a model's short email
from them, for the owner to read, edit and send or not (engine.note_send).

Asked only when a person asks (the flag's "Draft a personal note"), never by the tick. The
prompt names the customer by first name and company, as the owner would, and holds the
journey: each step of the plan with what was sent, nudged, flagged and done, the step they are
stuck on and the guide's email for it as the rules doc words it. No email address goes in:
not the customer's (the note's reader, whom the model need not know by address), not anyone
else's a cell or the doc holds. Whatever goes wrong, the owner gets an empty draft and why.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

from engine.compose import owner_for
from engine.guide import Guide
from engine.models import Frozen, History, SendKind, SendStatus, clip
from engine.plans import Plan, Step
from engine.ports import NoteDrafter
from engine.queries import CustomerView, view_customer
from engine.rules.templates import render

NOTE_INSTRUCTIONS = (
    "You draft a short personal email from a customer-success owner to a customer who is "
    "stuck in onboarding. The facts of their onboarding follow. Write as the owner, warmly and "
    "plainly, in at most 120 words: say you noticed where they are, offer help with the step "
    "they are stuck on (a quick reply, a short call), and make answering easy. Do not copy "
    "the guide's email, invent nothing the facts do not say, and add no links, placeholders "
    "or email addresses. Answer with the subject on the first line as `Subject: ...`, then a "
    "blank line, then the body, signed with the owner's first name."
)
DONE_LINK_SHOWN = "[their done link]"
"""What stands in the prompt for the step email's done link: a signed link is no model's."""
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_SUBJECT = re.compile(r"^[\s*_#>]*subject[\s*_]*:[\s*_]*(.*?)[\s*_]*$", re.IGNORECASE)
_PROBLEM_LIMIT = 300

_log = logging.getLogger("og.notes")


class Draft(Frozen):
    subject: str = ""
    body: str = ""
    drafted_by: str = ""
    """Who wrote it (`NoteDrafter.name`); "" for an empty draft."""
    problem: str = ""
    """Why the draft is empty, in words for the person who asked."""


def draft_note(guide: Guide, customer_id: str, now: datetime, drafter: NoteDrafter) -> Draft:
    """The drafter's note from the customer's journey as it stands `now`, or an empty draft
    saying why there is none."""
    view = view_customer(guide, customer_id, now)
    if isinstance(view, str):
        return Draft(problem=f"the journey could not be read: {clip(view, _PROBLEM_LIMIT)}")
    try:
        words = drafter.draft(NOTE_INSTRUCTIONS, journey_facts(view))
    except Exception as error:  # any failure: the owner writes the note themselves
        _log.warning("no draft from %s for %s: %r", drafter.name, customer_id, error)
        return Draft(problem=f"{drafter.name} did not draft it: {clip(str(error), _PROBLEM_LIMIT)}")
    subject, body = read_draft(words)
    return Draft(subject=subject, body=body, drafted_by=drafter.name)


def journey_facts(view: CustomerView) -> str:
    """The prompt's one message: the customer as their owner knows them and the journey so
    far, every email address left out."""
    customer, plan, history = view.customer, view.plan, view.history
    owner = owner_for(customer, plan, view.rules)
    lines = [
        f"First name: {customer.first_name or '(not known)'}",
        f"Company: {customer.company or '(not known)'}",
        f"Plan: {plan.name}; day {view.guide_day} of the onboarding",
        f"Their owner, who signs the note: {owner.name}",
        "",
        "The plan's steps, in order, and where the customer stands:",
        *(f"- {_step_line(step, history)}" for step in plan.steps),
    ]
    notes = [s.local_date for s in history.sends if s.kind == SendKind.NOTE]
    if notes:
        lines.append(f"Personal notes sent already: {', '.join(_day(d) for d in notes)}")
    stuck = stuck_step(plan, history)
    if stuck is not None:
        template = view.rules.messages.steps.get(stuck.id)
        lines += ["", f"Stuck on: {stuck.name}"]
        if template is not None:
            values = {
                "first_name": customer.first_name or "there",
                "name": customer.first_name or "there",
                "company": customer.company,
                "plan": plan.name,
                "step": stuck.name,
                "done_link": DONE_LINK_SHOWN,
                "owner_name": owner.name,
                "original_subject": "",
            }
            lines += [
                f"The guide's email for {stuck.name}, as the rules doc words it:",
                f"Subject: {render(template.subject, values)}",
                render(template.body, values).strip(),
            ]
    return _ADDRESS.sub("[address left out]", "\n".join(lines))


def stuck_step(plan: Plan, history: History) -> Step | None:
    """The step the customer is stuck on: of the steps not done, in plan order, the first
    flagged, else the first nudged, else the first sent, else the first; None when all are
    done."""
    open_steps = [s for s in plan.steps if s.id not in history.state.steps_done]
    sent = {(send.step, send.kind) for send in history.sends}
    for kind in (SendKind.FLAG, SendKind.NUDGE, SendKind.STEP):
        found = next((s for s in open_steps if (s.id, kind) in sent), None)
        if found is not None:
            return found
    return open_steps[0] if open_steps else None


def read_draft(words: str) -> tuple[str, str]:
    """(subject, body) of the model's answer: its `Subject:` line, if it begins with one, and
    the rest; else no subject and all of it."""
    lines = words.strip().splitlines()
    found = _SUBJECT.match(lines[0]) if lines else None
    if found is None:
        return "", words.strip()
    return found[1].strip(), "\n".join(lines[1:]).strip()


def _step_line(step: Step, history: History) -> str:
    said = [
        f"{what} {_day(send.local_date)}"
        + ("" if send.status == SendStatus.SENT else f" ({send.status.value})")
        for kind, what in (
            (SendKind.STEP, "email sent"),
            (SendKind.NUDGE, "nudged"),
            (SendKind.FLAG, "owner flagged"),
        )
        if (send := history.find(step.id, kind)) is not None
    ]
    done = history.state.steps_done.get(step.id)
    said.append(f"done {_day(done)}" if done else "not done" if said else "not sent yet")
    return f"{step.name} (due on day {step.day}): {', '.join(said)}"


def _day(day: date) -> str:
    return f"{day:%a %-d %b}"
