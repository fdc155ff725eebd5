"""One tick's pass over the customers: sync each with the sheet, decide, and carry out the
move (claim -> send -> confirm), auditing what the tick changes for the sheet or for itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

from engine.audit import guide_row, recorded_change, rows_by_id
from engine.compose import flag_notice, unconfirmed_notice
from engine.decide import decide_with_spell
from engine.guide import Guide
from engine.intents import settle_intent, under_way
from engine.models import (
    WRAP_UP_STEP,
    Customer,
    CustomerState,
    History,
    RawRow,
    RosterSnapshot,
    RowUpdate,
    SendKind,
    SendRecord,
    SendStatus,
)
from engine.outcomes import Move, MoveKind, OutgoingEmail, QuietSpell
from engine.outgoing import customer_email
from engine.plans import Plan, Rules, Step
from engine.ports import StaleStateError
from engine.roster.columns import find_columns
from engine.runs import Run
from engine.sheet_sync import flags_row, sync_state, unsubscribed_cell

GUIDE_ACTOR = "guide"
SHEET_ACTOR = "sheet"


@dataclass(frozen=True, slots=True)
class CustomerResult:
    """What the tick did for one customer. A slotted dataclass, not a model: a tick keeps one
    per customer (100k of them cost 103 MiB as pydantic models, 20 MiB as these)."""

    customer_id: str
    move: str
    """on_track | step | nudge | flag | finish | skipped"""
    step: str | None = None
    reason: str = ""
    held: bool = False
    error: str | None = None
    held_until: datetime | None = None
    """When the hours a held move waits for open (engine.decide)."""


class Work(NamedTuple):
    customer: Customer
    plan: Plan
    history: History
    move: Move


TIME_TO_FINISH_A_MOVE = 30.0
"""Seconds a move may need at worst (claim, a send with botocore's retries, confirm): no move
starts with less than this left of the run."""


class TickRun:
    """One tick's pass over the customers: decide, then apply (unless dry)."""

    def __init__(
        self,
        guide: Guide,
        rules: Rules,
        now: datetime,
        dry_run: bool,
        run: Run,
        roster: RosterSnapshot,
        customers: list[Customer],
    ) -> None:
        self.guide = guide
        self.rules = rules
        self.now = now
        self.dry_run = dry_run
        self.run = run
        self.roster = roster
        self._customers = {customer.customer_id: customer for customer in customers}
        self.roster_updates: list[RowUpdate] = []
        self.failures: list[str] = []
        self.unconfirmed: list[SendRecord] = []
        """Sends this run made whose answer never came: kept unconfirmed, and announced."""
        self.seconds_left: Callable[[], float] | None = None
        """How long the run may still take; None for no limit (see `apply`)."""
        self._rows: dict[str, RawRow] | None = None
        self._rows_lock = threading.Lock()
        self.quiet: dict[str, QuietSpell] = {}
        """The quiet spell of each customer this run decided on track and left untouched (no
        write of any kind): what their memo remembers (engine.memo)."""
        self._writes = 0

    def row_of(self, customer_id: str) -> dict[str, str]:
        """The guide's columns of the customer's row as this tick read them, for the audit.
        Indexed on first use: most ticks record nothing."""
        with self._rows_lock:
            if self._rows is None:
                self._rows = rows_by_id(self.roster)
        return guide_row(self._rows.get(customer_id), find_columns(self.roster.header))

    def _record(
        self,
        customer: Customer,
        before: tuple[dict[str, str], CustomerState],
        after: tuple[dict[str, str], CustomerState],
        action: str,
        actor: str,
        note: str = "",
        archive_journey: int | None = None,
    ) -> CustomerState:
        """A change the tick makes for the sheet or for itself, audited like any action."""
        self._writes += 1
        written, entry = recorded_change(
            customer_id=customer.customer_id,
            action=action,
            actor=actor,
            at=self.guide.wall_clock(),
            before=before,
            after=after,
            note=note,
        )
        return self.guide.store.commit_action(written, entry, archive_journey=archive_journey)

    def handle(self, customer: Customer, history: History) -> tuple[CustomerResult, Work | None]:
        """Decide for one customer; what is left to carry out, if anything, comes back too."""
        config = self.guide.config
        plan = self.rules.plans[customer.effective_plan]
        untouched = (history.state.pending is None, self._marks())
        if history.state.pending is not None and not self.dry_run:
            settled = self._settle_intent(customer, history.state)
            if isinstance(settled, CustomerResult):
                return settled, None
            history = history.model_copy(update={"state": settled})
        state, change = sync_state(customer, history.state, self.now, config.team_timezone)
        if change and not self.dry_run:
            row = self.row_of(customer.customer_id)
            # Before the person's edit the row said what the state knew.
            before = ({**row, **flags_row(history.state)}, history.state)
            try:
                state = self._record(
                    customer, before, (row, state), change.action, SHEET_ACTOR, change.description
                )
            except StaleStateError as error:
                result = CustomerResult(
                    customer_id=customer.customer_id, move="on_track", error=str(error)
                )
                return result, None
        history = history.model_copy(update={"state": state})
        if not self.dry_run:
            history = self._complete_finish(customer, history)
            if state.unsubscribed and not customer.unsubscribed:
                # The sheet lost it (a blank cell never resubscribes: engine.sheet_sync).
                cell = {"unsubscribed": unsubscribed_cell(state)}
                self.roster_updates.append(RowUpdate(customer_id=customer.customer_id, values=cell))
        move, spell = decide_with_spell(
            customer,
            plan,
            history,
            self.now,
            sending=self.rules.sending,
            team_timezone=config.team_timezone,
        )
        if spell is not None and change is None and untouched == (True, self._marks()):
            self.quiet[customer.customer_id] = spell
        result = CustomerResult(
            customer_id=customer.customer_id,
            move=move.kind.value,
            step=move.step,
            reason=move.reason,
            held=move.held,
            held_until=move.held_until,
        )
        if move.kind == MoveKind.ON_TRACK or self.dry_run:
            return result, None
        return result, Work(customer, plan, history, move)

    def _marks(self) -> tuple[int, int, int]:
        """What this run has written or owes so far: unchanged over a customer means the run
        left them untouched."""
        return self._writes, len(self.roster_updates), len(self.failures)

    def _settle_intent(
        self, customer: Customer, state: CustomerState
    ) -> CustomerState | CustomerResult:
        """A person's action that stopped half-way, finished in their name or dropped (see
        engine.intents); one still under way is left to finish, and the customer waits."""
        acting = under_way(state, self.guide.wall_clock())
        if acting is None:
            try:
                return settle_intent(self.guide.store, state, self.row_of(customer.customer_id))
            except StaleStateError as error:
                acting = f"another reader ({error})"
        return CustomerResult(
            customer_id=customer.customer_id,
            move="on_track",
            reason=f"being changed by {acting} right now; the next tick takes it from there",
        )

    def time_left(self) -> float | None:
        """Seconds the run may still take (see `seconds_left`); None for no limit."""
        return self.seconds_left() if self.seconds_left is not None else None

    def deadline(self, left: float | None) -> datetime | None:
        """When the run ends at the latest, `left` seconds from now: past it the run is surely
        over, so a claim it leaves open is known at once."""
        if left is None:
            return self.run.deadline
        return self.guide.wall_clock() + timedelta(seconds=left)

    def prepare(
        self, result: CustomerResult, work: Work, deadline: datetime | None
    ) -> SendRecord | CustomerResult:
        """The send that makes `work`'s move, to be claimed; or, for a finish whose wrap-up
        went out already, the result of completing the finish without one."""
        customer, move, history = work.customer, work.move, work.history
        if move.kind == MoveKind.FINISH and (sent := self._wrap_up_sent(history)):
            # A finish undone and due again: the customer has had this journey's wrap-up.
            self._complete_finish(
                customer, history.model_copy(update={"sends": (*history.sends, sent)})
            )
            reason = f"{result.reason}; its wrap-up already went out on {sent.local_date}"
            return replace(result, reason=reason)
        assert move.guide_day is not None
        return SendRecord(
            customer_id=customer.customer_id,
            journey=history.state.journey,
            step=move.step or WRAP_UP_STEP,
            kind=SendKind(move.kind.value),
            local_date=move.local_date,
            guide_day=move.guide_day,
            claimed_at=self.guide.wall_clock(),
            tick_id=self.run.id,
            run_process=self.run.process,
            run_deadline=deadline,
        )

    def _wrap_up_sent(self, history: History) -> SendRecord | None:
        """This journey's wrap-up, when one went out and was archived with the journey (a finish
        since undone keeps it there): one more look at the store, for finishes only."""
        state = history.state
        return next(
            (
                send
                for send in self.guide.store.archived_sends(state.customer_id)
                if send.journey == state.journey
                and send.kind == SendKind.FINISH
                and send.status == SendStatus.SENT
            ),
            None,
        )

    def deliver(self, work: Work) -> str:
        """Send the claimed move's email (handed to the mailer: durable once it is flushed) or
        flag; returns its reference. Raises SendError when it cannot."""
        customer, plan, history, move = work
        step = plan.step(move.step) if move.step else None
        if move.kind == MoveKind.FLAG:
            assert step is not None and move.guide_day is not None
            notice = flag_notice(
                self.rules, customer, plan, step, history, move.guide_day, move.reason
            )
            return self.guide.notifier.flag(notice)
        return self.guide.mailer.send(
            self._email(customer, plan, step, move, history.state.journey)
        )

    def confirmed(self, work: Work, record: SendRecord) -> None:
        """What follows a confirmed send: a finish records itself (state, archive, roster)."""
        if work.move.kind == MoveKind.FINISH:
            sent = record.model_copy(update={"status": SendStatus.SENT})
            history = work.history
            self._complete_finish(
                work.customer, History(state=history.state, sends=(*history.sends, sent))
            )

    def announce_unconfirmed(self, send: SendRecord, why: str) -> None:
        """Tell the owner, once, that `send` may or may not have reached its reader. A failure
        to tell is reported; the send stays listed by every tick and the digest anyway."""
        notice = unconfirmed_notice(self.rules, self._customers.get(send.customer_id), send, why)
        try:
            self.guide.notifier.unconfirmed(notice)
        except Exception as error:  # the tick's report still lists the send
            self.failures.append(
                f"{send.customer_id}: could not tell the owner that the {send.kind.described} "
                f"for {send.step} may not have gone out: {error}"
            )

    def _email(
        self, customer: Customer, plan: Plan, step: Step | None, move: Move, journey: int
    ) -> OutgoingEmail:
        kind = SendKind(move.kind.value)
        now = self.guide.wall_clock()
        return customer_email(self.guide, self.rules, customer, plan, step, kind, journey, now)

    def _complete_finish(self, customer: Customer, history: History) -> History:
        """A finish writes state, archive and roster in turn. This does that after the wrap-up
        went out, and completes a finish that a dying tick left half done."""
        state = history.state
        wrap_up = history.find(WRAP_UP_STEP, SendKind.FINISH)
        wrapped_up = wrap_up is not None and wrap_up.status != SendStatus.CLAIMED
        if not (state.finished or wrapped_up):
            return history
        try:
            if not state.finished:
                assert wrap_up is not None
                state = self._record_finish(customer, state, wrap_up.local_date, history)
                history = History(state=state)
            elif wrapped_up and state.wrap_up_pending:
                state = self._save(state.model_copy(update={"wrap_up_pending": False}))
        except StaleStateError as error:
            self.failures.append(f"{customer.customer_id}: finish not recorded: {error}")
            return history
        if _settled_sends(history):
            self._writes += 1
            store = self.guide.store
            store.archive_journey(customer.customer_id, state.journey, self.guide.wall_clock())
        if not customer.finished:
            self.roster_updates.append(_finished_row(customer, state.finished_date))
        return History(state=state)

    def _record_finish(
        self, customer: Customer, state: CustomerState, day: date, history: History
    ) -> CustomerState:
        row = self.row_of(customer.customer_id)
        finished = state.model_copy(
            update={"finished": True, "finished_date": day, "wrap_up_pending": False}
        )
        took = (day - customer.signup_date).days
        return self._record(
            customer,
            (row, state),
            ({**row, **_finished_row(customer, day).values}, finished),
            "finished",
            GUIDE_ACTOR,
            note=f"onboarding took {took} days",
            archive_journey=state.journey if _settled_sends(history) else None,
        )

    def _save(self, state: CustomerState) -> CustomerState:
        self._writes += 1
        stamped = state.model_copy(
            update={"updated_at": self.guide.wall_clock(), "updated_by": GUIDE_ACTOR}
        )
        return self.guide.store.save_state(stamped)


def _settled_sends(history: History) -> bool:
    """Whether the journey has sends to archive: open ones stay live until settled."""
    return any(send.status.settled for send in history.sends)


def _finished_row(customer: Customer, day: date | None) -> RowUpdate:
    return RowUpdate(
        customer_id=customer.customer_id,
        values={
            "finished": "TRUE",
            "finished_date": day.isoformat() if day else "",
            "finished_by": GUIDE_ACTOR,
        },
    )
