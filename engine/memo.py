"""What a tick remembers of a quiet customer, so the next tick can skip them.

A memo is derived, never authoritative. It holds the decision's inputs as fingerprints (the
rules doc, the team's zone, and what validation reads of the customer's row), the store's change
count for the customer when their state and sends were read (every write to either bumps it),
and the quiet spell `engine.decide.decide_with_spell` worked out: the local days on which the
decision surely stays on track, and its reason. A tick trusts a memo only while every input
matches and the customer's local day is inside the spell; otherwise it decides in full and
writes the memo again. A memo is written only for a customer the tick left untouched (no
move, no write of any kind, no open send), so trusting it skips nothing the tick would do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from engine.calendar import local_date
from engine.models import CellProblem, CellValue, StoreSnapshot
from engine.outcomes import QuietSpell

MEMO_FORMAT = "3"
"""Part of every fingerprint: a release that changes what a memo means changes this, and no
memo written before is trusted."""


@dataclass(frozen=True, slots=True)
class TickMemo:
    """One customer's memo. A slotted dataclass, as QuietSpell: one per quiet customer."""

    customer_id: str
    rules: str
    """The fingerprint of what every customer's decision reads: the rules doc and the team's
    time zone (`rules_fingerprint`)."""
    row: str
    """The fingerprint of what validation reads of the customer's row (`row_fingerprint`)."""
    changes: int
    """The store's change count of the customer when the tick read their state and sends."""
    zone: str
    """The time zone the customer's local day was reckoned in."""
    spell: QuietSpell


def local_days(now: datetime) -> Callable[[str], date]:
    """The local day at `now` in a zone, each zone worked out once."""
    days: dict[str, date] = {}

    def day_in(zone: str) -> date:
        day = days.get(zone)
        if day is None:
            day = days[zone] = local_date(now, zone)
        return day

    return day_in


def still_holds(now: datetime, rules: str) -> Callable[[TickMemo], bool]:
    """Whether a memo holds at `now` under these rules (the row is checked apart, once the list
    is read): the test a tick hands `StateStore.tick_read`."""
    day_in = local_days(now)
    return lambda memo: memo.rules == rules and memo.spell.holds(day_in(memo.zone), now)


def _digest(*parts: str) -> str:
    text = "\x1f".join((MEMO_FORMAT, *parts))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def rules_fingerprint(rules_hash: str, team_timezone: str) -> str:
    return _digest(rules_hash, team_timezone)


def row_fingerprint(
    cells: Iterable[tuple[str, CellValue]], problem: CellProblem | None = None
) -> str:
    """What validation reads of a row: the cells of the known columns
    (`engine.roster.columns`), each under its column's key, the blank ones left out, and any
    problem reading the row. An edit of any of them changes it; a column the guide does not
    read, the columns' order or case, and a known column added blank do not (a rep adding a
    column to a 100k-row sheet would otherwise have every customer decided in full)."""
    read = tuple((key, value) for key, value in cells if value is not None and value != "")
    return _digest(repr(read), repr(problem) if problem else "")


@dataclass(frozen=True)
class TickRead:
    """What a tick reads of the store before the list, at one moment."""

    memos: dict[str, TickMemo]
    """The memos still current (the change count unchanged) that the tick chose to keep."""
    snapshot: StoreSnapshot
    """Every other customer's state and live sends, with their change counts, and every open
    send (claimed, unconfirmed) of anyone."""
