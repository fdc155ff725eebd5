"""What every Slack listener needs, handed over once when the app is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.slack.settings import SlackSettings
from engine.guide import Guide
from engine.permissions import Team
from engine.ports import NoteDrafter


@dataclass(frozen=True)
class SlackContext:
    guide: Guide
    settings: SlackSettings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    drafter: NoteDrafter | None = None
    """Who drafts a personal note (the guide's summary model); None: the owner writes it."""

    @property
    def team(self) -> Team:
        """Who the settings name; the rules doc's owners join with `Team.with_rules`."""
        return Team(
            admins=frozenset(self.settings.admins),
            allowed=frozenset(self.settings.allowed_users),
            flag_channel=self.settings.flag_channel,
        )
