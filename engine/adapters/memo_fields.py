"""A tick's memo (engine.memo) as the stores keep it: its fields in a fixed order, and back.
Shared by the SQLite store (a row of `og_tick_memo`) and the DynamoDB store (one attribute of
the memos table's item)."""

from __future__ import annotations

from datetime import date
from typing import Any

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
    )


class MemoReader:
    """Memos from rows, sharing one object per distinct day, zone, reason and fingerprint of
    the rules: a tick reads up to 100k memos of a few hundred distinct values of each."""

    def __init__(self) -> None:
        self._dates: dict[str, date] = {}
        self._texts: dict[str, str] = {}

    def _shared(self, text: str) -> str:
        return self._texts.setdefault(text, text)

    def _date(self, text: str | None) -> date | None:
        if text is None:
            return None
        day = self._dates.get(text)
        if day is None:
            day = self._dates[text] = date.fromisoformat(text)
        return day

    def memo(self, row: tuple[Any, ...]) -> TickMemo:
        customer_id, changes, rules, fingerprint, zone, since, until, reason, step, held, zero = row
        spell = QuietSpell(
            since=self._date(since) or date.min,
            until=self._date(until),
            reason=self._shared(reason),
            step=step and self._shared(step),
            held=bool(held),
            day_zero=self._date(zero),
        )
        shared = self._shared
        return TickMemo(customer_id, shared(rules), fingerprint, changes, shared(zone), spell)
