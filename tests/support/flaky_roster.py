"""An onboarding list that cannot be read the first time it is asked (a Google outage), and
reads as the one it wraps after: what a retry of a failed taking meets."""

from __future__ import annotations

from engine.ports import RosterError, RosterSnapshot


class UnreadableOnce:
    def __init__(self, roster: object, why: str = "503 from Google") -> None:
        self.roster = roster
        self.why = why
        self.failed = False

    def read(self) -> RosterSnapshot:
        if not self.failed:
            self.failed = True
            raise RosterError(self.why)
        return self.roster.read()  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self.roster, name)
