"""The guide: its ports, where its rules come from, and its settings. Plain data, handed to
every use case (`tick(guide, now)`, `pause(guide, ...)`), built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from engine.links import DEFAULT_LINK_TTL
from engine.ports import Mailer, Notifier, Roster, RulesSource, StateStore


@dataclass(frozen=True)
class GuideConfig:
    team_timezone: str
    base_url: str
    link_secret: str
    link_ttl: timedelta = DEFAULT_LINK_TTL
    send_concurrency: int = 8
    reply_address: str = ""
    """Where an inbox is read (engine.inbox): its address, whose plus form (with the
    customer's reply token) every email's Reply-To gets. None: replies go nowhere we read."""
    summary_model: str = ""
    """Who writes the month's commentary and drafts personal notes (`bedrock://MODEL_ID`), ""
    for nobody: read only by the month's summary and the Slack app, never by the tick."""
    rules_impact_days: int = 7
    """How far ahead the tick's announcement of a rules edit looks (engine.rules_watch); 0:
    it announces the edit without working out what it changes."""
    rules_impact_seconds: float = 60.0
    """The most the tick spends working that out; past it, the edit is announced without."""


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
