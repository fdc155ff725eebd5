"""The daily tick: read the list, the rules and the state once, decide per customer, apply.

This is the imperative shell around `decide`. Sending is claim -> send -> confirm, so a re-run
or a second tick racing this one never sends twice; a send that raises releases its claim so
the next tick tries again; a claim left unconfirmed by a crash is reported once, never resent.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel

from engine.bulk import cyclic_gc_paused
from engine.calendar import local_date
from engine.compose import flag_notice, step_email, wrap_up_email
from engine.decide import decide
from engine.links import DEFAULT_LINK_TTL, done_url, make_token
from engine.models import (
    WRAP_UP_STEP,
    Customer,
    CustomerState,
    History,
    Move,
    MoveKind,
    OutgoingEmail,
    Plan,
    RowUpdate,
    Rules,
    SendKey,
    SendKind,
    SendRecord,
    SendStatus,
    SkippedRow,
    Step,
)
from engine.ports import Mailer, Notifier, Roster, RulesSource, StaleStateError, StateStore
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules

# A claim older than this with no confirmation belongs to a tick that died mid-send.
STALE_CLAIM_AGE = timedelta(minutes=15)
GUIDE_ACTOR = "guide"
SHEET_ACTOR = "sheet"


class CustomerResult(BaseModel):
    customer_id: str
    move: str
    """on_track | step | nudge | flag | finish | skipped"""
    step: str | None = None
    reason: str = ""
    held: bool = False
    error: str | None = None


class TickReport(BaseModel):
    ran: bool
    now: datetime
    dry_run: bool = False
    results: list[CustomerResult] = []
    skipped: list[SkippedRow] = []
    unconfirmed: list[SendKey] = []
    failures: list[str] = []
    rules_problems: list[str] = []
    rules_fallback: bool = False

    def counts(self) -> Counter[str]:
        return Counter(r.move for r in self.results if r.move != "skipped")

    @property
    def held(self) -> int:
        return sum(1 for r in self.results if r.held)


@dataclass(frozen=True)
class GuideConfig:
    team_timezone: str
    base_url: str
    link_secret: str
    link_ttl: timedelta = DEFAULT_LINK_TTL
    send_concurrency: int = 8


@dataclass
class Guide:
    """The guide's service layer over its four ports (and where its rules come from)."""

    roster: Roster
    store: StateStore
    mailer: Mailer
    notifier: Notifier
    rules_source: RulesSource
    config: GuideConfig
    wall_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def tick(
        self,
        now: datetime,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> TickReport:
        with cyclic_gc_paused():
            return self._tick(now, dry_run, progress)

    def _tick(
        self, now: datetime, dry_run: bool, progress: Callable[[int, int], None] | None
    ) -> TickReport:
        outcome = load_rules(self.rules_source, self.store, remember=not dry_run)
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
        # The state before the roster, as actions write the roster first (see actions.py).
        snapshot = self.store.load()
        customers, report.skipped = validate_rows(
            self.roster.read(), rules.plans.keys(), self.config.team_timezone
        )
        report.unconfirmed = self._stale_claims(snapshot.sends.values(), dry_run)

        run = _TickRun(self, rules, now, dry_run, f"tick-{uuid.uuid4().hex[:12]}")
        to_apply: list[tuple[int, _Work]] = []
        for index, customer in enumerate(customers):
            result, work = run.handle(customer, snapshot.history(customer.customer_id))
            report.results.append(result)
            if work is not None:
                to_apply.append((index, work))
            if progress and (index % 500 == 0 or index == len(customers) - 1):
                progress(index + 1, len(customers) + len(to_apply))
        self._apply_all(run, report.results, to_apply, progress)
        report.results += [
            CustomerResult(customer_id=s.customer_id, move="skipped", error=s.render())
            for s in report.skipped
        ]
        if run.roster_updates and not dry_run:
            report.failures += self._write_roster(run.roster_updates)
        report.failures += sorted(run.failures)  # side-by-side sends finish in any order
        return report

    def _apply_all(
        self,
        run: _TickRun,
        results: list[CustomerResult],
        to_apply: list[tuple[int, _Work]],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Carry out the moves side by side: a send waits on a disk or a mail server far
        longer than deciding takes, and every customer's claim -> send -> confirm stands
        alone. The store serialises its own writes."""
        total = len(results) + len(to_apply)
        with ThreadPoolExecutor(max_workers=self.config.send_concurrency) as pool:
            futures = {
                pool.submit(run.apply, results[index], work): index for index, work in to_apply
            }
            for done, future in enumerate(as_completed(futures), start=len(results) + 1):
                results[futures[future]] = future.result()
                if progress and (done % 100 == 0 or done == total):
                    progress(done, total)

    def _write_roster(self, updates: list[RowUpdate]) -> list[str]:
        # The state already holds each finish, and the next tick queues the row update again,
        # so a failed write is reported rather than allowed to lose the tick's report.
        try:
            missing = self.roster.write(updates)
        except Exception as error:
            ids = ", ".join(u.customer_id for u in updates)
            return [f"the onboarding list could not be updated ({ids}): {error}"]
        return [f"{cid}: row vanished before the roster write" for cid in missing]

    def _stale_claims(
        self, sends: Iterable[tuple[SendRecord, ...]], dry_run: bool
    ) -> list[SendKey]:
        cutoff = self.wall_clock() - STALE_CLAIM_AGE
        stale = [
            send.key
            for per_customer in sends
            for send in per_customer
            if send.status == SendStatus.CLAIMED and send.claimed_at < cutoff
        ]
        if stale and not dry_run:
            self.store.mark_unconfirmed(stale)
        return stale


def sync_state(
    customer: Customer, state: CustomerState, now: datetime, team_timezone: str
) -> tuple[CustomerState, str | None]:
    """Bring the state in line with pause and hand-off flags a person set in the sheet; the
    clock stops on the day one is set and runs again, where it stopped, when both are clear.
    Returns the new state and what changed (None when nothing did)."""
    today = local_date(now, customer.timezone or team_timezone)
    offline_now = customer.paused or bool(customer.handed_off_to)
    changes = []
    update: dict[str, object] = {}
    if customer.paused != state.paused:
        changes.append("paused" if customer.paused else "resumed")
        update["paused"] = customer.paused
    if customer.paused and customer.paused_note != state.paused_note:
        update["paused_note"] = customer.paused_note
    if customer.handed_off_to != state.handed_off_to:
        changes.append(
            f"handed off to {customer.handed_off_to}" if customer.handed_off_to else "taken back"
        )
        update["handed_off_to"] = customer.handed_off_to
    if offline_now and state.offline_since is None:
        update["offline_since"] = today
    elif not offline_now and state.offline_since is not None:
        update["offline_since"] = None
        update["offline_days"] = state.offline_days + max(0, (today - state.offline_since).days)
    if not update:
        return state, None
    return state.model_copy(update=update), ", ".join(changes) or "note changed"


class _Work(NamedTuple):
    customer: Customer
    plan: Plan
    history: History
    move: Move


class _TickRun:
    """One tick's pass over the customers: decide, then apply (unless dry)."""

    def __init__(
        self, guide: Guide, rules: Rules, now: datetime, dry_run: bool, tick_id: str
    ) -> None:
        self.guide = guide
        self.rules = rules
        self.now = now
        self.dry_run = dry_run
        self.tick_id = tick_id
        self.roster_updates: list[RowUpdate] = []
        self.failures: list[str] = []

    def handle(self, customer: Customer, history: History) -> tuple[CustomerResult, _Work | None]:
        """Decide for one customer; what is left to carry out, if anything, comes back too."""
        config = self.guide.config
        plan = self.rules.plans[customer.effective_plan]
        state, change = sync_state(customer, history.state, self.now, config.team_timezone)
        if change and not self.dry_run:
            try:
                state = self._save(state)
            except StaleStateError as error:
                result = CustomerResult(
                    customer_id=customer.customer_id, move="on_track", error=str(error)
                )
                return result, None
        history = history.model_copy(update={"state": state})
        if not self.dry_run:
            history = self._complete_finish(customer, history)
        move = decide(
            customer,
            plan,
            history,
            self.now,
            sending=self.rules.sending,
            team_timezone=config.team_timezone,
        )
        result = CustomerResult(
            customer_id=customer.customer_id,
            move=move.kind.value,
            step=move.step,
            reason=move.reason,
            held=move.held,
        )
        if move.kind == MoveKind.ON_TRACK or self.dry_run:
            return result, None
        return result, _Work(customer, plan, history, move)

    def apply(self, result: CustomerResult, work: _Work) -> CustomerResult:
        """Runs in a worker thread; the lists it appends to are only read once all are done."""
        customer, move = work.customer, work.move
        try:
            applied = self._apply(customer, work.plan, work.history, move)
        except Exception as error:  # one customer's failure must not stop the others
            self.failures.append(f"{customer.customer_id}: {move.kind.value} failed: {error}")
            return result.model_copy(update={"error": f"{type(error).__name__}: {error}"})
        if not applied:
            return result.model_copy(
                update={"move": "on_track", "reason": "another tick already made this move"}
            )
        return result

    def _apply(self, customer: Customer, plan: Plan, history: History, move: Move) -> bool:
        journey = history.state.journey
        assert move.guide_day is not None
        step = plan.step(move.step) if move.step else None
        record = SendRecord(
            customer_id=customer.customer_id,
            journey=journey,
            step=step.id if step else WRAP_UP_STEP,
            kind=SendKind(move.kind.value),
            local_date=move.local_date,
            guide_day=move.guide_day,
            claimed_at=self.guide.wall_clock(),
            tick_id=self.tick_id,
        )
        store = self.guide.store
        if not store.claim(record):
            return False
        try:
            if move.kind == MoveKind.FLAG:
                assert step is not None
                notice = flag_notice(
                    self.rules, customer, plan, step, history, move.guide_day, move.reason
                )
                reference = self.guide.notifier.flag(notice)
            else:
                reference = self.guide.mailer.send(self._email(customer, plan, step, move, journey))
        except BaseException:
            store.release(record.key)
            raise
        store.confirm(record.key, reference, self.guide.wall_clock())
        if move.kind == MoveKind.FINISH:
            sent = record.model_copy(update={"status": SendStatus.SENT})
            self._complete_finish(
                customer, History(state=history.state, sends=(*history.sends, sent))
            )
        return True

    def _email(
        self, customer: Customer, plan: Plan, step: Step | None, move: Move, journey: int
    ) -> OutgoingEmail:
        if move.kind == MoveKind.FINISH or step is None:
            return wrap_up_email(self.rules, customer, plan, journey)
        config = self.guide.config
        expires = self.guide.wall_clock() + config.link_ttl
        token = make_token(config.link_secret, customer.customer_id, journey, step.id, expires)
        link = done_url(config.base_url, token)
        kind = SendKind(move.kind.value)
        return step_email(self.rules, customer, plan, step, journey, link, kind)

    def _complete_finish(self, customer: Customer, history: History) -> History:
        """A finish writes state, archive and roster in turn. This does that after the wrap-up
        went out, and completes a finish that a dying tick left half done."""
        state = history.state
        wrap_up = history.find(WRAP_UP_STEP, SendKind.FINISH)
        wrapped_up = wrap_up is not None and wrap_up.status != SendStatus.CLAIMED
        if not (state.finished or wrapped_up):
            return history
        update: dict[str, object] = {}
        if not state.finished:
            assert wrap_up is not None
            update = {"finished": True, "finished_date": wrap_up.local_date}
        if wrapped_up and state.wrap_up_pending:
            update["wrap_up_pending"] = False
        if update:
            try:
                state = self._save(state.model_copy(update=update))
            except StaleStateError as error:
                self.failures.append(f"{customer.customer_id}: finish not recorded: {error}")
                return history
        if history.sends:
            store = self.guide.store
            store.archive_journey(customer.customer_id, state.journey, self.guide.wall_clock())
        if not customer.finished:
            self.roster_updates.append(_finished_row(customer, state.finished_date))
        return History(state=state)

    def _save(self, state: CustomerState) -> CustomerState:
        stamped = state.model_copy(
            update={"updated_at": self.guide.wall_clock(), "updated_by": GUIDE_ACTOR}
        )
        return self.guide.store.save_state(stamped)


def _finished_row(customer: Customer, day: date | None) -> RowUpdate:
    return RowUpdate(
        customer_id=customer.customer_id,
        values={
            "finished": "TRUE",
            "finished_date": day.isoformat() if day else "",
            "finished_by": GUIDE_ACTOR,
        },
    )
