"""`og preview`: what the hourly ticks would do for everyone if nobody finished anything.

It copies the roster and the state into memory and runs the real tick every hour of the coming
days, so the preview can never drift from what a tick does, and each move is shown at the hour
it would go out, on its reader's clock; nothing real is written or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.adapters.memory import (
    MemoryRoster,
    RecordingMailer,
    RecordingNotifier,
    StaticRulesSource,
)
from engine.adapters.sqlite_store import SqliteStore
from engine.calendar import zone
from engine.guide import Guide
from engine.models import SendStatus
from engine.plans import Rules
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.tick import tick
from engine.tick_run import CustomerResult


@dataclass(frozen=True)
class PreviewMove:
    at: datetime
    """When the tick makes it, on the clock of whoever it reaches: the customer's for mail,
    the team's for a flag."""
    result: CustomerResult


@dataclass(frozen=True)
class PreviewDay:
    start: datetime
    moves: list[PreviewMove]
    held: int
    """Customers still held when the day's last tick ran (a weekend, a holiday, their hours)."""


class PreviewStopped(Exception):
    """The preview was stopped before its last hour (`stop`)."""


def preview(
    guide: Guide,
    start: datetime,
    days: int,
    *,
    rules: Rules | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[PreviewDay] | list[str]:
    """The 24 hours from `start`, and each day after, as hourly ticks would make them under
    `rules` (the rules in force when None); or the rules doc problems when there are no rules.
    `stop` is asked before every hour: True raises PreviewStopped."""
    if rules is None:
        outcome = load_rules(guide.rules_source, guide.store, remember=False)
        if outcome.rules is None:
            return outcome.problems
        rules = outcome.rules
    store = SqliteStore(":memory:")
    snapshot = guide.store.load()
    # A pending claim would be reported as unconfirmed by every simulated day: all are sent.
    store.claim_many(
        [
            send.model_copy(update={"status": SendStatus.SENT})
            for sends in snapshot.sends.values()
            for send in sends
        ]
    )
    for state in snapshot.states.values():
        store.save_state(state.model_copy(update={"version": 0}))
    simulated = Guide(
        roster=MemoryRoster(guide.roster.read()),
        store=store,
        mailer=RecordingMailer(),
        notifier=RecordingNotifier(),
        rules_source=StaticRulesSource(rules.text, rules.source),
        config=guide.config,
        wall_clock=guide.wall_clock,
    )
    team = guide.config.team_timezone
    customers, _ = validate_rows(simulated.roster.read(), rules.plans.keys(), team)
    zones = {c.customer_id: c.timezone or team for c in customers}
    previewed = []
    for offset in range(days):
        day_start = start + timedelta(days=offset)
        moves, held = [], 0
        for hour in range(24):
            if stop is not None and stop():
                raise PreviewStopped(f"stopped after {offset * 24 + hour} of {days * 24} hours")
            report = tick(simulated, day_start + timedelta(hours=hour))
            for result in report.results:
                if result.move not in ("on_track", "skipped"):
                    where = team if result.move == "flag" else zones.get(result.customer_id, team)
                    moves.append(PreviewMove(report.now.astimezone(zone(where)), result))
            held = report.held
        previewed.append(PreviewDay(day_start, moves, held))
    return previewed
