"""In-memory adapters: what `og preview` runs the real tick on, so a preview uses the same
decision and apply code as a tick and still writes nothing anywhere."""

from __future__ import annotations

from collections.abc import Sequence

from engine.models import RawRow, RosterGrid, RosterSnapshot, RowUpdate
from engine.outcomes import (
    ActionNotice,
    FlagNotice,
    HeardNotice,
    OutgoingEmail,
    RulesChangeNotice,
    UnconfirmedNotice,
    UnsubscribedNotice,
)
from engine.plans import Person
from engine.roster.grid import grid_from_snapshot, one_customer


class MemoryRoster:
    def __init__(self, snapshot: RosterSnapshot) -> None:
        self._header = list(snapshot.header)
        self._rows = [dict(row.values) for row in snapshot.rows]
        # Rows the real roster could not read stay unreadable here, as they would be there.
        self._problems = [row.problem for row in snapshot.rows]
        self._warnings = snapshot.warnings

    def read(self) -> RosterSnapshot:
        return RosterSnapshot(
            header=tuple(self._header),
            rows=tuple(
                RawRow(row_number=number, values=dict(values), problem=problem)
                for number, (values, problem) in enumerate(
                    zip(self._rows, self._problems, strict=True), start=2
                )
            ),
            warnings=self._warnings,
        )

    def read_grid(self) -> RosterGrid:
        return grid_from_snapshot(self.read())

    def read_one(self, customer_id: str) -> RosterSnapshot:
        return one_customer(self.read(), customer_id)

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        by_id = {str(row.get("customer_id", "")).strip(): row for row in self._rows}
        missing = []
        for update in updates:
            row = by_id.get(update.customer_id)
            if row is None:
                missing.append(update.customer_id)
                continue
            for column, value in update.values.items():
                if column not in self._header:
                    self._header.append(column)
                row[column] = value
        return missing


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> str:
        self.sent.append(email)
        return f"<preview-{len(self.sent)}@og>"

    def flush(self) -> None:
        """Nothing to keep: the list is the delivery."""


class RecordingNotifier:
    def __init__(self) -> None:
        self.flags: list[FlagNotice] = []
        self.unconfirmed_sends: list[UnconfirmedNotice] = []
        self.actions: list[ActionNotice] = []
        self.unsubscribes: list[UnsubscribedNotice] = []
        self.heard_back: list[HeardNotice] = []
        self.rules_changes: list[RulesChangeNotice] = []
        self.rules_updates: list[tuple[str, RulesChangeNotice]] = []

    def flag(self, notice: FlagNotice) -> str:
        self.flags.append(notice)
        return f"preview-flag-{len(self.flags)}"

    def unconfirmed(self, notice: UnconfirmedNotice) -> str:
        self.unconfirmed_sends.append(notice)
        return f"preview-unconfirmed-{len(self.unconfirmed_sends)}"

    def unsubscribed(self, notice: UnsubscribedNotice) -> str:
        self.unsubscribes.append(notice)
        return f"preview-unsubscribed-{len(self.unsubscribes)}"

    def heard(self, notice: HeardNotice) -> str:
        self.heard_back.append(notice)
        return f"preview-heard-{len(self.heard_back)}"

    def unknown_people(self, people: Sequence[Person]) -> list[tuple[Person, str]]:
        return []

    def acted(self, notice: ActionNotice) -> None:
        self.actions.append(notice)

    def rules_changed(self, notice: RulesChangeNotice) -> str:
        self.rules_changes.append(notice)
        return f"preview-rules-{notice.change_id}"

    def rules_settled(self, reference: str, notice: RulesChangeNotice) -> None:
        self.rules_updates.append((reference, notice))


class StaticRulesSource:
    def __init__(self, text: str, name: str) -> None:
        self._text = text
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def fetch(self) -> str:
        return self._text
