"""A notifier that prints flags to a terminal, and a line when an action changes them; and an
edit of the rules doc, with the commands that apply it: for trials and for running without
Slack."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from engine.adapters.email_message import one_line
from engine.outcomes import (
    ActionEvent,
    ActionNotice,
    FlagNotice,
    HeardKind,
    HeardNotice,
    RulesChangeNotice,
    UnconfirmedNotice,
    UnsubscribedNotice,
)
from engine.plans import Person
from engine.ports import SendError


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None) -> None:
        # Looked up at flag time, not import time, so redirected or captured stderr is used.
        self._stream = stream

    def flag(self, notice: FlagNotice) -> str:
        self._print("the flag", render_flag(notice))
        return f"console:{notice.customer_id}:{notice.step}"

    def unconfirmed(self, notice: UnconfirmedNotice) -> str:
        self._print("the unconfirmed send", render_unconfirmed(notice))
        return f"console:{notice.customer_id}:{notice.step}:{notice.kind.value}"

    def unsubscribed(self, notice: UnsubscribedNotice) -> str:
        self._print("the unsubscribe", render_unsubscribed(notice))
        return f"console:{notice.customer_id}:unsubscribed"

    def heard(self, notice: HeardNotice) -> str:
        self._print("what came back", render_heard(notice))
        return f"console:{notice.customer_id}:{notice.kind.value}"

    def unknown_people(self, people: Sequence[Person]) -> list[tuple[Person, str]]:
        """Everyone can be printed to a terminal."""
        return []

    def acted(self, notice: ActionNotice) -> None:
        """A line under the journey's flags printed before, as a flag in Slack gains one; an
        action on a customer never flagged changes no flag, and prints nothing."""
        if notice.flags:
            self._print("what was done", render_action(notice))

    def rules_changed(self, notice: RulesChangeNotice) -> str:
        self._print("the rules change", render_rules_change(notice))
        return f"console:rules:{notice.change_id}"

    def rules_settled(self, reference: str, notice: RulesChangeNotice) -> None:
        """A line under the announcement printed before: what was done about it."""
        self._print("what was done", render_rules_settled(notice))

    def _print(self, what: str, text: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError) as error:
            # ValueError is what a closed stream raises.
            raise SendError(f"cannot print {what}: {error}") from error


def render_flag(notice: FlagNotice) -> str:
    # Every value comes from the roster or rules; control characters are dropped so a cell
    # can't move the cursor, recolour the terminal or fake extra lines.
    customer = one_line(notice.customer_name) or one_line(notice.customer_id)
    company = one_line(notice.company) or "-"
    step = one_line(notice.step_name) or one_line(notice.step)
    lines = [
        f"FLAG for {one_line(notice.owner.mention())} ({one_line(notice.owner.name)}): "
        f"{customer} is stuck on {step!r}",
        f"  customer:  {customer} ({one_line(notice.customer_id)})",
        f"  company:   {company}",
        f"  plan:      {one_line(notice.plan)}",
        f"  stuck on:  {step} ({one_line(notice.step)}), journey {notice.journey}",
        f"  guide day: {notice.guide_day}",
        f"  reason:    {one_line(notice.reason)}",
    ]
    if notice.history:
        lines.append("  history:")
        lines.extend(f"    - {one_line(event)}" for event in notice.history)
    else:
        lines.append("  history:   (none)")
    return "\n".join(lines) + "\n\n"


def render_unconfirmed(notice: UnconfirmedNotice) -> str:
    customer = one_line(notice.customer_name) or one_line(notice.customer_id)
    step = one_line(notice.step_name) or one_line(notice.step)
    what = notice.kind.described
    command = f"{one_line(notice.customer_id)} {one_line(notice.step)}"
    return (
        f"UNCONFIRMED for {one_line(notice.owner.mention())} ({one_line(notice.owner.name)}): "
        f"the {what} for {step!r} may or may not have reached {customer} "
        f"({one_line(notice.customer_id)}), tried {notice.local_date.isoformat()}\n"
        f"  why:    {one_line(notice.why)}\n"
        f"  settle: og unconfirmed delivered {command}  |  og unconfirmed resend {command}\n\n"
    )


def render_unsubscribed(notice: UnsubscribedNotice) -> str:
    customer = one_line(notice.customer_name) or one_line(notice.customer_id)
    company = f" of {one_line(notice.company)}" if one_line(notice.company) else ""
    return (
        f"UNSUBSCRIBED for {one_line(notice.owner.mention())} ({one_line(notice.owner.name)}): "
        f"{customer} ({one_line(notice.customer_id)}){company} asked for no more onboarding "
        f"email on {notice.unsubscribed_on.isoformat()}; the guide sends them nothing more\n"
        f"  journey: {notice.journey}\n"
        f"  undo:    og undo {one_line(notice.customer_id)}  (only if they ask to hear from "
        "the guide again)\n\n"
    )


def render_action(notice: ActionNotice) -> str:
    """One line: the action, and what became of the journey's flags."""
    flags = ", ".join(
        f"{one_line(flag.notice.step_name or flag.notice.step)} "
        + ("open" if flag.open else "settled")
        for flag in notice.flags
    )
    return (
        f"ACTION on {one_line(notice.customer_id)} (journey {notice.journey}): "
        f"{describe_event(notice.event)}" + (f"; flags: {flags}" if flags else "") + "\n\n"
    )


def describe_event(event: ActionEvent) -> str:
    """`paused by dana at 2026-11-08 09:00 UTC: "note"`, every value on one line."""
    said = f"{one_line(event.action)} by {one_line(event.actor)} at {event.at:%Y-%m-%d %H:%M} UTC"
    if event.handed_to is not None:
        said += f" to {one_line(event.handed_to.name)}"
    if event.undid is not None:
        said += f" (undid {describe_event(event.undid)})"
    if event.note:
        said += f": {one_line(event.note)!r}"
    return said


def render_heard(notice: HeardNotice) -> str:
    customer = one_line(notice.customer_name) or one_line(notice.customer_id)
    who = f"{customer} ({one_line(notice.customer_id)})"
    owner = f"{one_line(notice.owner.mention())} ({one_line(notice.owner.name)})"
    cid = one_line(notice.customer_id)
    if notice.kind == HeardKind.REPLY:
        return (
            f"REPLY for {owner}: {who} wrote back on {notice.on.isoformat()}; the guide waits "
            "for you\n"
            f"  from:    {one_line(notice.address)}\n"
            f"  subject: {one_line(notice.subject)}\n"
            f"  said:    {one_line(notice.text) or '(nothing new above the quoted email)'}\n"
            f"  then:    og resume {cid}  |  og pause {cid}  |  og handoff {cid} NAME\n\n"
        )
    if notice.kind == HeardKind.UNDELIVERABLE:
        return (
            f"UNDELIVERABLE for {owner}: mail to {who} at {one_line(notice.address)} cannot be "
            f"delivered: {one_line(notice.text)}\n"
            "  then:    correct their email in the onboarding list; the guide goes on\n\n"
        )
    return (
        f"COMPLAINT for {owner}: {who} marked an onboarding email as spam on "
        f"{notice.on.isoformat()}; the guide emails them nothing more\n\n"
    )


def render_rules_change(notice: RulesChangeNotice) -> str:
    """The edit, what it changes (every value on its own line), and what happens next."""
    days = f"{notice.days} day" + ("" if notice.days == 1 else "s")
    lines = [
        f"RULES CHANGE {notice.change_id}: {one_line(notice.source)} was edited; over the "
        f"{days} from {notice.since.isoformat()}:"
    ]
    if notice.impact_problem:
        lines.append(f"  (not worked out: {one_line(notice.impact_problem)})")
    elif not notice.summary:
        lines.append("  no customer's moves change")
    lines += [f"  - {one_line(line)}" for line in notice.summary]
    if notice.needs_approval:
        lines.append(
            "  waits for approval; the guide keeps the approved rules until then:\n"
            "  og rules apply --by NAME  |  og rules keep --by NAME"
        )
    else:
        lines.append("  in force from this tick")
    return "\n".join(lines) + "\n\n"


def render_rules_settled(notice: RulesChangeNotice) -> str:
    said = "; ".join(
        f"{one_line(d.action)} by {one_line(d.actor)} at {d.at:%Y-%m-%d %H:%M} UTC"
        + (f" (undid {one_line(d.undid)})" if d.undid else "")
        for d in notice.decisions[-1:]
    )
    waits = "; it waits for approval again" if notice.open else ""
    return f"RULES CHANGE {notice.change_id} of {one_line(notice.source)}: {said}{waits}\n\n"
