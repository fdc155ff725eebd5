"""What people do to a customer's journey: the one service layer the CLI and Slack call.

Every action reads the customer once, works out its change (or refuses, or finds nothing to
do), and commits the state and its audit row together, guarded by the state's version, before
it writes the roster row. Each returns an outcome the caller can show as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel

from engine.acted import announce
from engine.audit import recorded_change
from engine.calendar import local_date
from engine.guide import Guide
from engine.intents import intent
from engine.models import Customer, CustomerState, RowUpdate, SendRecord, SendWrite
from engine.outcomes import ActionNotice
from engine.plans import Person, Rules
from engine.ports import StaleStateError
from engine.queries import CustomerNotFound, LookupProblem
from engine.rules import slugify
from engine.runs import new_run, running
from engine.sheet_sync import sync_state
from engine.subject import Subject, load_subject

CUSTOMER_ACTOR = "customer"
"""Who acted, for what a customer does with a link in an email (done, unsubscribe)."""

ACTION_TIME_LIMIT = timedelta(minutes=5)
"""An action takes seconds; past this its intent is settled by whoever reads the customer
next, wherever the action ran (another Lambda environment leaves no process to look at)."""


class ActionOutcome(BaseModel):
    ok: bool
    """False when the action was refused; nothing changed then."""
    message: str
    changed: bool = False
    """True only when this call changed something (a repeat of a done action is ok, unchanged)."""
    notice: ActionNotice | None = None
    """What the change did, as the notifier was told it (engine.acted)."""
    warning: str = ""
    """A change that happened, but could not be told (its flags not updated): say so."""
    problem: LookupProblem | None = None
    """Why the customer could not be read, when that refused the action."""


class Change(BaseModel):
    action: str
    state: CustomerState
    row: dict[str, str] = {}
    note: str = ""
    message: str
    detail: str = ""
    """Anything else the person should know, part of `message` too (engine.acted)."""
    archive_journey: int | None = None
    restore_journey: int | None = None
    undoes: str | None = None
    send_before: SendRecord | None = None
    send_write: SendWrite | None = None
    """One send the action writes (undoing the settling of an unconfirmed send)."""


def refuse(message: str) -> ActionOutcome:
    return ActionOutcome(ok=False, message=message)


def unchanged(message: str) -> ActionOutcome:
    return ActionOutcome(ok=True, message=message)


def perform(
    guide: Guide,
    customer_id: str,
    actor: str,
    now: datetime,
    work_out: Callable[[Subject], Change | ActionOutcome],
) -> ActionOutcome:
    """Read, work out, commit. When another writer got in between the read and the commit,
    read and work out once more: a second pause racing the first then finds the customer
    already paused. A second conflict in a row is reported, with nothing changed."""
    for attempt in (1, 2):
        subject = load_subject(guide, customer_id, now)
        if isinstance(subject, CustomerNotFound):
            return ActionOutcome(ok=False, message=subject.message, problem=subject.problem)
        change = work_out(subject)
        if isinstance(change, ActionOutcome):
            return change
        try:
            return commit(guide, subject, change, actor)
        except StaleStateError as error:
            if attempt == 2:
                return refuse(str(error))
    raise AssertionError("unreachable")


def commit(guide: Guide, subject: Subject, change: Change, actor: str) -> ActionOutcome:
    """Raises StaleStateError when the state moved on since `subject` was read; the roster row
    is then already written, and the retry in `perform` finds it so."""
    at = guide.wall_clock()
    written, audit = recorded_change(
        customer_id=subject.customer.customer_id,
        action=change.action,
        actor=actor,
        at=at,
        before=(subject.row, subject.stored),
        after=({**subject.row, **change.row}, change.state),
        note=change.note,
        undoes=change.undoes,
        send_before=change.send_before,
        send_write=change.send_write,
    )
    # The roster first: the tick reads pause and hand-off flags from the sheet, so the sheet
    # must never be behind the state. A racing action's retry then sees this one's flags, and a
    # roster that cannot be written refuses the action with nothing changed. Before it, the
    # intent (engine.intents), so an action killed in between is finished in the actor's name.
    row_changes = {k: v for k, v in change.row.items() if subject.row.get(k, "") != v}
    with running(new_run("action", at + ACTION_TIME_LIMIT)) as run:
        if row_changes:
            pending = intent(
                audit,
                row_changes,
                run,
                archive_journey=change.archive_journey,
                restore_journey=change.restore_journey,
                send_write=change.send_write,
            )
            based_on = guide.store.save_state(
                subject.stored.model_copy(update={"pending": pending})
            )
            written = written.model_copy(update={"version": based_on.version})
            try:
                guide.roster.write([RowUpdate(customer_id=audit.customer_id, values=row_changes)])
            except Exception as error:
                guide.store.save_state(based_on.model_copy(update={"pending": None}))
                return refuse(f"the onboarding list could not be updated, nothing changed: {error}")
        guide.store.commit_action(
            written,
            audit,
            archive_journey=change.archive_journey,
            restore_journey=change.restore_journey,
            send_write=change.send_write,
        )
    notice, warning = announce(
        guide,
        audit,
        message=change.message,
        detail=change.detail,
        customer=subject.customer,
        rules=subject.rules,
    )
    return ActionOutcome(
        ok=True, changed=True, message=change.message, notice=notice, warning=warning
    )


# --- the actions -------------------------------------------------------------------------


def pause(guide: Guide, customer_id: str, note: str, actor: str, now: datetime) -> ActionOutcome:
    def work_out(s: Subject) -> Change | ActionOutcome:
        if s.customer.finished or s.state.finished:
            return refuse(f"{customer_id} has finished onboarding; there is nothing to pause")
        if s.customer.paused or s.state.paused:
            return unchanged(f"{customer_id} is already paused since {_since(s.state)}")
        flags = s.customer.model_copy(update={"paused": True, "paused_note": note})
        state, _ = sync_state(flags, s.state, now, guide.config.team_timezone)
        return Change(
            action="paused",
            state=state,
            row={"paused": "TRUE", "paused_note": note},
            note=note,
            message=f"{customer_id} is paused; the guide sends nothing until resumed",
        )

    return perform(guide, customer_id, actor, now, work_out)


def resume(guide: Guide, customer_id: str, actor: str, now: datetime) -> ActionOutcome:
    """A pause lifted, and the wait for a person after the customer's reply (engine.heard)."""

    def work_out(s: Subject) -> Change | ActionOutcome:
        paused, replied = s.customer.paused or s.state.paused, s.state.replied_on is not None
        if not (paused or replied):
            return unchanged(f"{customer_id} is not paused")
        flags = s.customer.model_copy(update={"paused": False, "paused_note": ""})
        unheld = s.state.model_copy(update={"replied_on": None})
        state, _ = sync_state(flags, unheld, now, guide.config.team_timezone)
        return Change(
            action="resumed",
            state=state.model_copy(update={"paused_note": ""}),
            row={"paused": "", "paused_note": ""} if paused else {},
            note="" if paused else f"after the reply of {s.state.replied_on}",
            message=f"{customer_id} is resumed; the journey continues where it stopped",
        )

    return perform(guide, customer_id, actor, now, work_out)


def hand_off(
    guide: Guide, customer_id: str, to: str, note: str, actor: str, now: datetime
) -> ActionOutcome:
    def work_out(s: Subject) -> Change | ActionOutcome:
        if s.customer.finished or s.state.finished:
            return refuse(f"{customer_id} has finished onboarding; there is nothing to hand off")
        person = _hand_off_owner(s.rules, to)
        if person is None:
            names = ", ".join(p.name for p in s.rules.hand_off_owners) or "nobody"
            return refuse(f"{to!r} is not on the rules doc's hand-off list ({names})")
        if s.state.handed_off_to == person.name:
            return unchanged(f"{customer_id} is already handed off to {person.name}")
        flags = s.customer.model_copy(update={"handed_off_to": person.name})
        state, _ = sync_state(flags, s.state, now, guide.config.team_timezone)
        return Change(
            action="handed_off",
            state=state,
            row={"handed_off_to": person.name},
            note=note,
            message=f"{customer_id} is handed off to {person.name}; the guide stays quiet",
        )

    return perform(guide, customer_id, actor, now, work_out)


def clear_hand_off(guide: Guide, customer_id: str, actor: str, now: datetime) -> ActionOutcome:
    def work_out(s: Subject) -> Change | ActionOutcome:
        if not s.state.handed_off_to:
            return unchanged(f"{customer_id} is not handed off")
        flags = s.customer.model_copy(update={"handed_off_to": ""})
        state, _ = sync_state(flags, s.state, now, guide.config.team_timezone)
        return Change(
            action="hand_off_cleared",
            state=state,
            row={"handed_off_to": ""},
            message=f"{customer_id} is back with the guide (was {s.state.handed_off_to})",
        )

    return perform(guide, customer_id, actor, now, work_out)


def resume_guide(guide: Guide, customer_id: str, actor: str, now: datetime) -> ActionOutcome:
    """Whatever holds the guide back for this customer, lifted: a pause, then a hand-off.
    What a person asking to "resume" a customer means, whichever of the two they remember."""
    resumed = resume(guide, customer_id, actor, now)
    if not resumed.ok:
        return resumed
    cleared = clear_hand_off(guide, customer_id, actor, now)
    if not cleared.ok:
        return cleared
    lifted = [outcome for outcome in (resumed, cleared) if outcome.changed]
    if not lifted:
        return unchanged(
            f"{customer_id} is neither paused nor handed off, nor waiting after a reply; "
            "the guide is on"
        )
    return ActionOutcome(
        ok=True,
        changed=True,
        message="; ".join(outcome.message for outcome in lifted),
        notice=lifted[-1].notice,
        warning="; ".join(outcome.warning for outcome in lifted if outcome.warning),
    )


def mark_done(
    guide: Guide, customer_id: str, step: str, now: datetime, actor: str
) -> ActionOutcome:
    return perform(guide, customer_id, actor, now, lambda s: done_change(guide, s, step, now))


def done_change(guide: Guide, s: Subject, step: str, now: datetime) -> Change | ActionOutcome:
    """What marking `step` done changes for the customer `s`, or why nothing."""
    planned = s.plan.step(slugify(step))
    if planned is None:
        steps = ", ".join(st.id for st in s.plan.steps)
        return refuse(f"{s.plan.name} plan has no step {step!r} (steps: {steps})")
    if planned.id in s.state.steps_done:
        since = s.state.steps_done[planned.id].isoformat()
        return unchanged(f"{planned.name} was already done on {since}")
    if s.customer.finished or s.state.finished:
        return refuse(f"{s.customer.customer_id} has finished onboarding")
    done = {**s.state.steps_done, planned.id: local_date(now, _zone(guide, s.customer))}
    return Change(
        action="marked_done",
        state=s.state.model_copy(update={"steps_done": done}),
        note=planned.id,
        message=f"{planned.name} marked done for {s.customer.customer_id}",
    )


def finish(guide: Guide, customer_id: str, actor: str, now: datetime) -> ActionOutcome:
    def work_out(s: Subject) -> Change | ActionOutcome:
        if s.customer.finished or s.state.finished:
            when = s.state.finished_date or s.customer.finished_date
            return unchanged(f"{customer_id} already finished on {when}")
        today = local_date(now, _zone(guide, s.customer))
        took = (today - s.customer.signup_date).days
        return Change(
            action="finished",
            state=s.state.model_copy(
                update={"finished": True, "finished_date": today, "wrap_up_pending": True}
            ),
            row={"finished": "TRUE", "finished_date": today.isoformat(), "finished_by": actor},
            note=f"onboarding took {took} days",
            archive_journey=s.stored.journey,
            message=(
                f"{customer_id} is finished after {took} days; "
                "the wrap-up email goes out on the next sending day"
            ),
        )

    return perform(guide, customer_id, actor, now, work_out)


def reenroll(
    guide: Guide,
    customer_id: str,
    plan: str,
    actor: str,
    now: datetime,
    *,
    reset: bool = False,
) -> ActionOutcome:
    """A new journey on `plan` from today. Only for a finished customer, or with `reset`, which
    deliberately restarts an onboarding in progress (its journey goes to the archive)."""

    def work_out(s: Subject) -> Change | ActionOutcome:
        if not (s.customer.finished or s.state.finished or reset):
            return refuse(
                f"{customer_id} is still onboarding; only a finished customer re-enrolls "
                "(reset to restart an onboarding in progress)"
            )
        new_plan = s.rules.plans.get(slugify(plan))
        if new_plan is None:
            return refuse(f"no plan {plan!r} in the rules doc ({', '.join(s.rules.plans)})")
        today = local_date(now, _zone(guide, s.customer))
        journey = s.stored.journey + 1
        gone = s.state.unsubscribed
        still = f"; {customer_id} unsubscribed, so the guide emails them nothing" if gone else ""
        return Change(
            action="reenrolled",
            # An unsubscribe is the customer's word, not the journey's: the new one keeps it.
            state=CustomerState(
                customer_id=customer_id,
                journey=journey,
                unsubscribed=gone,
                unsubscribed_on=s.state.unsubscribed_on,
            ),
            row={
                "plan": new_plan.name,
                "plan_override": "",
                "signup_date": today.isoformat(),
                "paused": "",
                "paused_note": "",
                "handed_off_to": "",
                "finished": "",
                "finished_date": "",
                "finished_by": "",
            },
            note=f"journey {journey} on the {new_plan.name} plan",
            archive_journey=s.stored.journey,
            message=(
                f"{customer_id} starts journey {journey} on the {new_plan.name} plan today; "
                f"the earlier journey stays in the archive{still}"
            ),
        )

    return perform(guide, customer_id, actor, now, work_out)


def _hand_off_owner(rules: Rules, who: str) -> Person | None:
    """The hand-off owner `who` names: by their name, member id (`<@U…>` too) or email."""
    wanted = who.strip().removeprefix("<@").removeprefix("<").removesuffix(">").casefold()
    return next(
        (
            p
            for p in rules.hand_off_owners
            if wanted and wanted in (p.name.casefold(), p.slack_id.casefold(), p.email.casefold())
        ),
        None,
    )


def _since(state: CustomerState) -> str:
    return state.offline_since.isoformat() if state.offline_since else "before the last tick"


def _zone(guide: Guide, customer: Customer) -> str:
    return customer.timezone or guide.config.team_timezone
