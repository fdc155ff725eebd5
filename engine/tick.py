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
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from engine.bulk import cyclic_gc_paused
from engine.links import DEFAULT_LINK_TTL
from engine.models import (
    RowUpdate,
    SendKey,
    SendRecord,
    SendStatus,
    SkippedRow,
)
from engine.ports import Mailer, Notifier, Roster, RulesSource, StateStore
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.tick_run import CustomerResult, TickRun, Work

# A claim older than this with no confirmation belongs to a tick that died mid-send.
STALE_CLAIM_AGE = timedelta(minutes=15)


class TickReport(BaseModel):
    ran: bool
    now: datetime
    dry_run: bool = False
    results: list[CustomerResult] = []
    skipped: list[SkippedRow] = []
    roster_warnings: list[str] = []
    """How the list was read, when a person should know (say, it was not UTF-8)."""
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
        seconds_left: Callable[[], float] | None = None,
    ) -> TickReport:
        """`seconds_left`: how long the run may still take (a Lambda invocation's remaining
        time); moves not started when it runs short wait for the next tick."""
        with cyclic_gc_paused():
            return self._tick(now, dry_run, progress, seconds_left)

    def _tick(
        self,
        now: datetime,
        dry_run: bool,
        progress: Callable[[int, int], None] | None,
        seconds_left: Callable[[], float] | None,
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
        roster = self.roster.read()
        report.roster_warnings = list(roster.warnings)
        customers, report.skipped = validate_rows(
            roster, rules.plans.keys(), self.config.team_timezone
        )
        report.unconfirmed = self._stale_claims(snapshot.sends.values(), dry_run)

        run = TickRun(self, rules, now, dry_run, f"tick-{uuid.uuid4().hex[:12]}", roster)
        run.seconds_left = seconds_left
        to_apply: list[tuple[int, Work]] = []
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
        run: TickRun,
        results: list[CustomerResult],
        to_apply: list[tuple[int, Work]],
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
