"""A tick's memo (engine.memo) as the stores keep it: its fields in a fixed order, and back.
Shared by the SQLite store (a row of `og_tick_memo`) and the DynamoDB store (one attribute of
the memos table's item)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from engine.calendar import zone
from engine.memo import TickMemo
from engine.outcomes import QuietSpell


def memo_to_row(memo: TickMemo) -> tuple[object, ...]:
    spell = memo.spell
    return (
        memo.customer_id,
        memo.changes,
        memo.rules,
        memo.row,
        memo.zone,
        spell.since.isoformat(),
        spell.until.isoformat() if spell.until else None,
        spell.reason,
        spell.step,
        int(spell.held),
        spell.day_zero.isoformat() if spell.day_zero else None,
        _moment(spell.held_until),
        _moment(spell.starts_at and spell.starts_at.astimezone(UTC)),
        _moment(spell.ends_at and spell.ends_at.astimezone(UTC)),
    )


def _moment(when: datetime | None) -> str | None:
    """An aware time with its zone's name (a `zoneinfo` key), so a held reason reads on the
    same clock."""
    return None if when is None else f"{when.isoformat()} {when.tzinfo}"


class MemoReader:
    """Memos from rows, sharing one object per distinct day, zone, reason and fingerprint of
    the rules: a tick reads up to 100k memos of a few hundred distinct values of each."""

    def __init__(self) -> None:
        self._dates: dict[str, date] = {}
        self._texts: dict[str, str] = {}
        self._moments: dict[str, datetime] = {}

    def _shared(self, text: str) -> str:
        return self._texts.setdefault(text, text)

    def _date(self, text: str | None) -> date | None:
        if text is None:
            return None
        day = self._dates.get(text)
        if day is None:
            day = self._dates[text] = date.fromisoformat(text)
        return day

    def _moment(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        when = self._moments.get(text)
        if when is None:
            stamp, _, name = text.partition(" ")
            when = datetime.fromisoformat(stamp).astimezone(zone(name))
            self._moments[text] = when
        return when

    def memo(self, row: Sequence[Any]) -> TickMemo:
        """A memo from its fields; one written by an older release, with fewer, reads as one
        without the newer fields (its fingerprints keep it from being trusted)."""
        customer_id, changes, rules, fingerprint, zone_name, since, until, reason, step = row[:9]
        held, zero, held_until, starts_at, ends_at = (*row[9:], *(None,) * 5)[:5]
        spell = QuietSpell(
            since=self._date(since) or date.min,
            until=self._date(until),
            reason=self._shared(reason),
            step=step and self._shared(step),
            held=bool(held),
            day_zero=self._date(zero),
            held_until=self._moment(held_until),
            starts_at=self._moment(starts_at),
            ends_at=self._moment(ends_at),
        )
        shared = self._shared
        return TickMemo(customer_id, shared(rules), fingerprint, changes, shared(zone_name), spell)
