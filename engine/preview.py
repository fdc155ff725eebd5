"""`og preview`: what each day's tick would do for everyone if nobody finished anything.

It copies the roster and the state into memory and runs the real tick over the coming days,
so the preview can never drift from what a tick does, and nothing real is written or sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.adapters.memory import (
    MemoryRoster,
    RecordingMailer,
    RecordingNotifier,
    StaticRulesSource,
)
from engine.adapters.sqlite_store import SqliteStore
from engine.guide import Guide
from engine.models import SendStatus
from engine.rulebook import load_rules
from engine.tick import TickReport, tick


def preview(guide: Guide, start: datetime, days: int) -> list[TickReport] | list[str]:
    """One report per day from `start`; or the rules doc problems when there are no rules."""
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    if outcome.rules is None:
        return outcome.problems
    store = SqliteStore(":memory:")
    snapshot = guide.store.load()
    for sends in snapshot.sends.values():
        for send in sends:
            # A pending claim would be reported as unconfirmed by every simulated day.
            store.claim(send.model_copy(update={"status": SendStatus.SENT}))
    for state in snapshot.states.values():
        store.save_state(state.model_copy(update={"version": 0}))
    simulated = Guide(
        roster=MemoryRoster(guide.roster.read()),
        store=store,
        mailer=RecordingMailer(),
        notifier=RecordingNotifier(),
        rules_source=StaticRulesSource(outcome.rules.text, outcome.rules.source),
        config=guide.config,
        wall_clock=guide.wall_clock,
    )
    return [tick(simulated, start + timedelta(days=offset)) for offset in range(days)]
