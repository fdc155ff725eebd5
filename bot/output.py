"""What the CLI prints. In a terminal: rich tables and a progress bar. Piped, or with --json:
plain lines and no decoration, so scripts and logs read it easily."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from engine.audit import differences
from engine.calendar import wait_text
from engine.digest import Digest
from engine.models import AuditEntry, SendRecord
from engine.outcomes import MoveKind
from engine.plans import Rules
from engine.preview import PreviewDay
from engine.queries import CustomerView, standing
from engine.rules_log import Entry
from engine.tick import TickReport, UnconfirmedSend

MOVE_ORDER = [k.value for k in MoveKind]
_PROGRESS_THRESHOLD = 1000


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _console() -> Console:
    return Console(highlight=False)


def say(message: str) -> None:
    print(message)


def error(message: str) -> None:
    print(message, file=sys.stderr)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    if _is_terminal():
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            # As text: a cell holds what people typed (a note, a stranger's subject), which
            # rich would otherwise read as markup, and `[/x]` would stop the command.
            table.add_row(*(Text(cell) for cell in row))
        _console().print(table)
        return
    print(title)
    for row in rows:
        if len(columns) == 2:
            print(f"  {row[0]}: {row[1]}")
        else:
            print("  " + "  ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)))


@contextmanager
def progress(*, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for big ticks, only where a person watches a terminal."""
    if not (enabled and _is_terminal()):
        yield None
        return
    with Progress(transient=True) as bar:
        task = bar.add_task("customers", total=None, visible=False)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=total >= _PROGRESS_THRESHOLD)

        yield advance


def rules_problems(report: TickReport) -> None:
    if not report.rules_problems:
        return
    if report.rules_fallback:
        error(
            "WARNING: the rules doc is broken or unreadable; "
            "this tick runs on the last good rules doc."
        )
    elif not report.ran:
        error(
            "ERROR: the rules doc is broken or unreadable, and no earlier doc ever parsed: "
            "no moves made."
        )
    for problem in report.rules_problems:
        error(f"  {problem}")


def rules_notes(report: TickReport) -> None:
    for note in report.rules_notes:
        error(f"NOTE: {note}")


def roster_warnings(report: TickReport) -> None:
    for warning in report.roster_warnings:
        error(f"WARNING: {warning}")


def json_lines(report: TickReport) -> None:
    """One object per roster row, then one `{"unconfirmed_send": {...}}` per send that may or
    may not have reached its reader."""
    for result in report.results:
        row = {k: v for k, v in asdict(result).items() if v is not None}
        if result.held_until is not None:
            row["held_until"] = result.held_until.isoformat()
        row.setdefault("step", None)
        print(json.dumps(row, ensure_ascii=False))
    for send in report.unconfirmed:
        print(json.dumps({"unconfirmed_send": send.model_dump(mode="json")}, ensure_ascii=False))


def summary(report: TickReport) -> None:
    counts = report.counts()
    title = f"Tick {report.now.isoformat(timespec='minutes')}" + (
        " (dry run: nothing sent)" if report.dry_run else ""
    )
    rows = [[kind, str(counts.get(kind, 0))] for kind in MOVE_ORDER]
    rows += [
        ["held", str(report.held)],
        ["  of them for their hours", str(len(report.held_for_hours))],
        ["skipped rows", str(len(report.skipped))],
        ["unconfirmed sends", _unconfirmed_count(report)],
        ["failures", str(len(report.failures))],
    ]
    _table(title, ["move", "customers"], rows)
    if report.held_for_hours:
        first = report.held_for_hours[0]
        assert first.held_until is not None
        say(
            f"{len(report.held_for_hours)} held until their hours open; the first at "
            f"{wait_text(first.held_until, report.now)}. Tick every hour to reach each in "
            "their own (`og serve` does)."
        )
    for skipped in report.skipped:
        error(f"skipped {skipped.render()}")
    for send in report.unconfirmed:
        error(f"unconfirmed: {describe_unconfirmed(send)}")
    if report.unconfirmed:
        error("  settle each with `og unconfirmed delivered|resend CUSTOMER STEP --by NAME`")
    for failure in report.failures:
        error(f"failed: {failure}")


def _unconfirmed_count(report: TickReport) -> str:
    new = report.newly_unconfirmed
    return f"{len(report.unconfirmed)}" + (f" ({new} new)" if new else "")


def describe_unconfirmed(send: UnconfirmedSend | SendRecord) -> str:
    """One send that may or may not have reached its reader, on one line."""
    return (
        f"{send.customer_id}: the {send.kind.described} for {send.step} (journey "
        f"{send.journey}), tried {send.claimed_at:%Y-%m-%d %H:%M} UTC, may or may not have "
        "gone out; it is not sent again by itself"
    )


def unconfirmed(sends: list[SendRecord]) -> None:
    if not sends:
        say("no unconfirmed sends: every message the guide tried is known to have gone out")
        return
    say(f"{len(sends)} unconfirmed sends, oldest first:")
    for send in sends:
        say(f"  {describe_unconfirmed(send)}")
    say(
        "Check with each customer, then settle it: og unconfirmed delivered CUSTOMER STEP "
        "--by NAME (it arrived), or og unconfirmed resend CUSTOMER STEP --by NAME (the next "
        "tick sends it again)."
    )


def plans_table(rules: Rules) -> None:
    rows = []
    for plan in rules.plans.values():
        for step in plan.steps:
            window = f"nudge +{step.window.nudge_after}, flag +{step.window.flag_after}"
            owner = plan.owner.mention()
            if plan.owner.name != plan.owner.email:
                owner = f"{plan.owner.name} {owner}"
            rows.append([plan.name, step.name, str(step.day), window, owner])
    _table(
        f"{rules.source}: {len(rules.plans)} plans",
        ["plan", "step", "day", "window", "owner"],
        rows,
    )
    if rules.changes_need_approval:
        say(
            "Rule changes need approval: an edit of this doc waits for someone to apply it "
            "(Apply on its announcement, or og rules apply) before the guide acts on it."
        )


def status(view: CustomerView, lines: list[str]) -> None:
    customer = view.customer
    say(f"{customer.customer_id}  {customer.name}  {customer.company}  <{customer.email}>")
    state = view.history.state
    flags = standing(customer, state)
    say(
        f"plan {view.plan.name}, journey {state.journey}, guide day {view.guide_day}"
        + (f" ({', '.join(flags)})" if flags else "")
    )
    for line in lines:
        say(f"  {line}")
    for send in view.unconfirmed:
        say(f"unconfirmed: {describe_unconfirmed(send)}")
    say(f"today: {view.move.kind.value}" + (f" {view.move.step}" if view.move.step else ""))


def why(view: CustomerView, lines: list[str]) -> None:
    move = view.move
    say(f"{view.customer.customer_id}: {move.kind.value}" + (f" {move.step}" if move.step else ""))
    say(f"because {move.reason}")
    for line in lines:
        say(f"  {line}")


def preview(days: list[PreviewDay]) -> None:
    for day in days:
        plural = "" if len(day.moves) == 1 else "s"
        say(f"{day.start:%a %Y-%m-%d}: {len(day.moves)} move{plural}, {day.held} held")
        for move in day.moves:
            result = move.result
            what = f"{result.move} {result.step or ''}".rstrip()
            say(f"  {result.customer_id}: {what} at {move.at:%a %H:%M} {move.at.tzinfo}")


def audit(trail: list[AuditEntry]) -> None:
    rows = [
        [
            f"{entry.at:%Y-%m-%d %H:%M}",
            entry.action + (" (undone)" if entry.id in {e.undoes for e in trail} else ""),
            entry.actor,
            entry.note,
            "; ".join([*differences(entry.before, entry.after), *_send_change(entry)]) or "-",
        ]
        for entry in trail
    ]
    _table(f"{len(trail)} actions, newest first", ["when", "action", "by", "note", "changed"], rows)


def rules_audit(log: list[Entry]) -> None:
    """The rules doc's log (engine.rules_log), newest first."""
    rows = []
    undone = {entry.undoes for entry in log if entry.undoes}
    for entry in log:
        change, before = entry.after.change, entry.before
        changed = (
            [f"in force: {before.in_force[:8] if before else '-'} -> {entry.after.in_force[:8]}"]
            if before is None or before.in_force != entry.after.in_force
            else []
        )
        if change is not None and entry.action not in ("seen", "first"):
            changed.append(f"change {change.id} of {change.source}")
        rows.append(
            [
                f"{entry.at:%Y-%m-%d %H:%M}",
                entry.action + (" (undone)" if entry.n in undone else ""),
                entry.actor,
                entry.note,
                "; ".join(changed) or "-",
            ]
        )
    _table(
        f"{len(log)} entries of the rules doc, newest first",
        ["when", "action", "by", "note", "changed"],
        rows,
    )


def _send_change(entry: AuditEntry) -> list[str]:
    if entry.send_write is None:
        return []
    key = entry.send_write.key
    before = entry.send_before.status.value if entry.send_before else "none"
    after = entry.send_write.record.status.value if entry.send_write.record else "forgotten"
    return [f"{key.kind.described} {key.step}: {before} -> {after}"]


def digest(content: Digest) -> None:
    say(f"Weekly digest, {content.today:%a %d %b %Y}")
    _table(
        f"Paused ({len(content.paused)})",
        ["customer", "note", "paused for"],
        [
            [f"{p.customer_id} {p.name}", p.note or "-", f"{p.days} days" if p.days else "?"]
            for p in content.paused
        ],
    )
    _table(
        f"Wrote back, waiting for a person ({len(content.waiting)})",
        ["customer", "wrote back", "waiting for"],
        [
            [f"{w.customer_id} {w.name}", w.since.isoformat(), f"{w.days} days"]
            for w in content.waiting
        ],
    )
    _table(
        f"Open flags nobody acted on ({len(content.open_flags)}), oldest first",
        ["customer", "step", "age"],
        [[f"{f.customer_id} {f.name}", f.step, f"{f.age_days} days"] for f in content.open_flags],
    )
    _table(
        f"May or may not have reached the customer ({len(content.unconfirmed)})",
        ["customer", "what", "tried"],
        [
            [f"{u.customer_id} {u.name}", f"{u.kind.described} {u.step}", u.tried_on.isoformat()]
            for u in content.unconfirmed
        ],
    )
    _table(
        f"Email cannot be delivered ({len(content.undeliverable)}): correct it in the list",
        ["customer", "email", "why"],
        [[f"{u.customer_id} {u.name}", u.email, u.reason] for u in content.undeliverable],
    )
    _table(
        f"Handed off ({len(content.handed_off)})",
        ["customer", "owner", "since"],
        [
            [f"{h.customer_id} {h.name}", h.owner, h.since.isoformat() if h.since else "?"]
            for h in content.handed_off
        ],
    )
    _table(
        f"Finished this week ({len(content.finished_this_week)})",
        ["customer", "finished", "took"],
        [
            [f"{f.customer_id} {f.name}", f.finished_on.isoformat(), f"{f.days} days"]
            for f in content.finished_this_week
        ],
    )
    _table(
        "Median days from step sent to step done",
        ["plan", "days"],
        [[plan, f"{days:g}"] for plan, days in content.median_days_to_done.items()],
    )
    _table(
        f"Mail that matched nobody on the list ({len(content.unmatched)})",
        ["came", "what", "from", "subject"],
        [[f"{u.at:%Y-%m-%d %H:%M}", u.kind, u.sender, u.subject] for u in content.unmatched],
    )
    say(
        f"replies this week: {content.replied_this_week}; "
        f"soft-bouncing addresses: {content.soft_bouncing}"
    )
    for warning in content.roster_warnings:
        say(f"warning: {warning}")
    for problem in content.skipped_rows:
        say(f"skipped {problem}")
    _table(
        f"Rules doc edits ({len(content.rules_edits)})",
        ["change", "announced", "now", "what it changes"],
        [
            [
                f"{e.change_id} {e.source}",
                e.announced_on.isoformat(),
                _edit_standing(e.settled, e.settled_by),
                e.summary[0] if e.summary else "nobody's moves",
            ]
            for e in content.rules_edits
        ],
    )
    for problem in content.rules_problems:
        say(f"rules doc: {problem}")


def _edit_standing(settled: str, by: str) -> str:
    if not settled:
        return "waits for Apply (og rules apply)"
    if settled == "in_force":
        return "in force at once"
    return f"{'applied' if settled == 'applied' else 'old rules kept'} by {by}"
