"""The daily tick: read the list, the rules and the state once, decide per customer, apply.

This is the imperative shell around `decide`. Sending is claim -> send -> confirm, a batch at
a time (engine.tick_send), so a re-run or a second tick racing this one never sends twice; a
send that raises releases its claim so the next tick tries again; a claim whose run ended
before confirming it (a kill, a crash) is never resent: it is unconfirmed, announced once to
its owner and listed by every tick until a person settles it (engine.unconfirmed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel

from engine.bulk import cyclic_gc_paused
from engine.guide import Guide
from engine.memo import TickMemo, local_days, rules_fingerprint, still_holds
from engine.models import (
    Customer,
    RowUpdate,
    SendKind,
    SendRecord,
    SendStatus,
    SkippedRow,
    StoreSnapshot,
)
from engine.rulebook import load_rules, people_problems
from engine.rules_watch import waiting_note, watch_rules
from engine.runs import Run, has_ended, new_run, running
from engine.tick_memo import TickPlan, changed_while_read, new_memo, plan_tick, remembered
from engine.tick_run import CustomerResult, TickRun, Work
from engine.tick_send import apply_moves


class UnconfirmedSend(BaseModel):
    """A send that may or may not have reached its reader, as a tick reports it."""

    customer_id: str
    journey: int
    step: str
    kind: SendKind
    local_date: date
    claimed_at: datetime
    tick_id: str
    new: bool = False
    """Found by this tick (its run had ended, or its answer never came), and announced."""

    @classmethod
    def of(cls, send: SendRecord, *, new: bool = False) -> UnconfirmedSend:
        return cls(
            customer_id=send.customer_id,
            journey=send.journey,
            step=send.step,
            kind=send.kind,
            local_date=send.local_date,
            claimed_at=send.claimed_at,
            tick_id=send.tick_id,
            new=new,
        )


class TickReport(BaseModel):
    ran: bool
    now: datetime
    dry_run: bool = False
    results: list[CustomerResult] = []
    skipped: list[SkippedRow] = []
    roster_warnings: list[str] = []
    """How the list was read, when a person should know (say, it was not UTF-8)."""
    unconfirmed: list[UnconfirmedSend] = []
    """Every send not settled yet, oldest first: reported by every tick until a person
    settles it (`og unconfirmed`)."""
    failures: list[str] = []
    rules_problems: list[str] = []
    rules_fallback: bool = False
    rules_notes: list[str] = []
    """The rules doc's edit waiting for approval, while it waits (engine.rules_watch)."""

    @property
    def newly_unconfirmed(self) -> int:
        return sum(1 for send in self.unconfirmed if send.new)

    def counts(self) -> Counter[str]:
        return Counter(r.move for r in self.results if r.move != "skipped")

    @property
    def held(self) -> int:
        return sum(1 for r in self.results if r.held)

    @property
    def held_for_hours(self) -> list[CustomerResult]:
        """The moves held until someone's hours open (the customer's, or the team's for a
        flag), soonest first."""
        waiting = [r for r in self.results if r.held_until is not None]
        return sorted(waiting, key=lambda r: (r.held_until, r.customer_id))


def tick(
    guide: Guide,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    seconds_left: Callable[[], float] | None = None,
) -> TickReport:
    """One tick of `guide` at `now`. `seconds_left`: how long the run may still take (a Lambda
    invocation's remaining time); moves not started when it runs short wait for the next
    tick."""
    with cyclic_gc_paused(), running(new_run("tick")) as run:
        return _tick(guide, run, now, dry_run, progress, seconds_left)


def _tick(
    guide: Guide,
    this_run: Run,
    now: datetime,
    dry_run: bool,
    progress: Callable[[int, int], None] | None,
    seconds_left: Callable[[], float] | None,
) -> TickReport:
    outcome = load_rules(guide.rules_source, guide.store, remember=not dry_run)
    report = TickReport(
        ran=outcome.rules is not None,
        now=now,
        dry_run=dry_run,
        rules_problems=outcome.problems,
        rules_fallback=outcome.fallback,
    )
    if outcome.rules is None:
        return report
    rules = outcome.rules
    if not dry_run:
        report.failures += watch_rules(guide, outcome, now, seconds_left)
    report.rules_notes = waiting_note(outcome)
    report.rules_problems += people_problems(rules, guide.notifier.unknown_people)
    team_timezone = guide.config.team_timezone
    rules_key = rules_fingerprint(rules.text_hash, team_timezone)
    # The state before the roster, as actions write the roster first (see actions.py).
    read = guide.store.tick_read(still_holds(now, rules_key))
    snapshot = read.snapshot
    grid = guide.roster.read_grid()
    report.roster_warnings = list(grid.warnings)
    plan = plan_tick(grid, read.memos, rules.plans.keys(), team_timezone)
    del grid  # the run keeps the rows it decides (plan.decided): at 100k, most of the list
    report.skipped = plan.skipped
    customers = [entry for entry in plan.entries if isinstance(entry, Customer)]
    late = guide.store.load_many(plan.late) if plan.late else None
    run = TickRun(guide, rules, now, dry_run, this_run, plan.decided, customers)
    run.seconds_left = seconds_left
    newly_unconfirmed = _ended_claims(guide, run, snapshot)
    to_apply: list[tuple[int, Work]] = []
    day_in = local_days(now)
    for index, entry in enumerate(plan.entries):
        if isinstance(entry, TickMemo):
            result, work = remembered(entry, day_in, now), None
        elif late is not None and (memo := read.memos.get(entry.customer_id)) is not None:
            if late.changes.get(entry.customer_id, 0) != memo.changes:
                result, work = changed_while_read(entry.customer_id), None
            else:
                result, work = run.handle(entry, late.history(entry.customer_id))
        else:
            result, work = run.handle(entry, snapshot.history(entry.customer_id))
        report.results.append(result)
        if work is not None:
            to_apply.append((index, work))
        if progress and (index % 500 == 0 or index == len(plan.entries) - 1):
            progress(index + 1, len(plan.entries) + len(to_apply))
    apply_moves(run, report.results, to_apply, progress)
    report.results += [
        CustomerResult(customer_id=s.customer_id, move="skipped", error=s.render())
        for s in report.skipped
    ]
    if run.roster_updates and not dry_run:
        report.failures += _write_roster(guide, run.roster_updates)
    report.failures += sorted(run.failures)  # side-by-side sends finish in any order
    report.unconfirmed = _unconfirmed(snapshot, [*newly_unconfirmed, *run.unconfirmed])
    if not dry_run:
        _remember_quiet(guide, run, plan, rules_key, (snapshot, late))
    return report


def _remember_quiet(
    guide: Guide,
    run: TickRun,
    plan: TickPlan,
    rules_key: str,
    reads: tuple[StoreSnapshot, StoreSnapshot | None],
) -> None:
    """A memo for each customer the run decided on track and left untouched, who has one row
    and no open send, at the change count their state was read at."""
    first, late = reads
    late_ids = set(plan.late)
    memos = []
    for customer in plan.entries:
        if not isinstance(customer, Customer):
            continue
        cid = customer.customer_id
        spell, row = run.quiet.get(cid), plan.rows.get(cid)
        read = late if cid in late_ids else first
        if spell is None or row is None or read is None:
            continue
        if any(not send.status.settled for send in read.sends.get(cid, ())):
            continue
        memos.append(
            new_memo(
                customer,
                spell,
                rules=rules_key,
                row=row,
                changes=read.changes.get(cid, 0),
                team_timezone=guide.config.team_timezone,
            )
        )
    if memos:
        guide.store.put_memos(memos)


def _write_roster(guide: Guide, updates: list[RowUpdate]) -> list[str]:
    # The state already holds each finish, and the next tick queues the row update again,
    # so a failed write is reported rather than allowed to lose the tick's report.
    try:
        missing = guide.roster.write(updates)
    except Exception as error:
        ids = ", ".join(u.customer_id for u in updates)
        return [f"the onboarding list could not be updated ({ids}): {error}"]
    return [f"{cid}: row vanished before the roster write" for cid in missing]


def _ended_claims(guide: Guide, run: TickRun, snapshot: StoreSnapshot) -> list[SendRecord]:
    """Claims whose run has ended without confirming them (killed mid-send, a Lambda out
    of time): turned unconfirmed and announced, once, to their owners. A claim of a run
    still going (a tick beside this one) is left alone: its send is on its way."""
    now = guide.wall_clock()
    ended = [
        send
        for sends in snapshot.sends.values()
        for send in sends
        if send.status == SendStatus.CLAIMED
        and has_ended(send.tick_id, send.run_process, send.run_deadline, send.claimed_at, now)
    ]
    if not ended or run.dry_run:
        return ended
    marked = set(guide.store.mark_unconfirmed([send.key for send in ended]))
    turned = [send for send in ended if send.key in marked]
    for send in turned:
        run.announce_unconfirmed(send, "the run sending it ended before it was confirmed")
    return turned


def _unconfirmed(snapshot: StoreSnapshot, new: list[SendRecord]) -> list[UnconfirmedSend]:
    """What was unconfirmed when the tick read the state, and what it found since."""
    new_keys = {send.key for send in new}
    earlier = [send for send in snapshot.unconfirmed() if send.key not in new_keys]
    found = [UnconfirmedSend.of(send, new=True) for send in new]
    listed = [*(UnconfirmedSend.of(send) for send in earlier), *found]
    return sorted(listed, key=lambda send: (send.claimed_at, send.customer_id))
