"""Ticks racing each other, as separate processes would: each with its own guide and its own
connection to one store, started together at a barrier, day after day, beside a reference
workspace ticked alone. Whatever a store is, the racing workspace must send what the
reference sends, each message once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from workspace import Workspace, nine_am, row

from engine.actions import mark_done
from engine.guide import Guide
from engine.models import SendRecord
from engine.tick import TickReport, tick

START = nine_am("2026-11-02")
LOST = "another tick already made this move"
"""The reason a tick gives for a move another tick made first."""


def customers(count: int) -> list[dict[str, str]]:
    """Signups over the week before START, Starter and Pro mixed."""
    return [
        row(
            f"C{n:04d}",
            plan="Pro" if n % 3 == 0 else "Starter",
            signup=(START - timedelta(days=n % 7)).date().isoformat(),
        )
        for n in range(count)
    ]


def workspace(root: Path, count: int) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    return Workspace(root, customers(count))


@dataclass(frozen=True)
class RaceOutcome:
    sent: list[tuple[str, str, str]]
    reference: list[tuple[str, str, str]]
    reports: list[TickReport]

    @property
    def lost(self) -> int:
        """Moves a racing tick found already made by another."""
        return sum(1 for r in self.reports for result in r.results if result.reason == LOST)


def race_for_days(
    reference: Workspace, racing: Workspace, guides: list[Guide], days: int = 6
) -> RaceOutcome:
    """`guides` (all on `racing`) tick together each day; on day 3 customer C0001 does every
    step, so the race also finishes a journey and archives its sends."""
    alone = reference.guide()
    reports: list[TickReport] = []
    together = ClaimTogether(guides)
    for day in range(days):
        now = START + timedelta(days=day)
        if day == 3:
            for guide in (alone, guides[0]):
                for step in ("welcome", "setup", "check-in"):
                    assert mark_done(guide, "C0001", step, now, actor="customer").ok
        tick(alone, now)
        together.new_day()
        reports += race([lambda g=g, now=now: tick(g, now) for g in guides])
    return RaceOutcome(sent=racing.sent(), reference=reference.sent(), reports=reports)


class ClaimTogether:
    """Makes each racing tick's first claim of the day wait until every tick has come to its
    own: all of them decided from the same state, so all of them reach for the same sends, the
    race the claims must win. (Left to the scheduler, one batched tick may claim a whole day
    before the others have read anything, and the race would not be run at all.)"""

    def __init__(self, guides: list[Guide]) -> None:
        self.count = len(guides)
        self.barrier = threading.Barrier(self.count)
        self.waited: set[int] = set()
        for guide in guides:
            setattr(guide.store, "claim_many", self._first_waits(guide))  # noqa: B010

    def new_day(self) -> None:
        self.barrier = threading.Barrier(self.count, timeout=20)
        self.waited.clear()

    def _first_waits(self, guide: Guide) -> Callable[[Sequence[SendRecord]], list[bool]]:
        claim_many = guide.store.claim_many

        def claim(sends: Sequence[SendRecord]) -> list[bool]:
            if id(guide) not in self.waited:
                self.waited.add(id(guide))
                self.barrier.wait()
            return claim_many(sends)

        return claim


def race(runs: list[Callable[[], TickReport]]) -> list[TickReport]:
    barrier = threading.Barrier(len(runs))
    errors: list[BaseException] = []
    reports: list[TickReport] = []

    def run(work: Callable[[], TickReport]) -> None:
        barrier.wait()
        try:
            reports.append(work())
        except BaseException as error:  # surfaced below, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return reports
