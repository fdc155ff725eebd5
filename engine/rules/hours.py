"""The sending-hours sentence: `Send between 9:00 and 17:00.` (or `9am and 5pm`), on each
customer's own clock; with `team time` after it, the team's hours, in which flags go to people,
on weekdays (`team time, every day.` for a team that works every day). Doc-wide, or for one plan
when it follows that plan's sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from engine.plans import RulesError, SendHours
from engine.rules.wording import quote

HOURS_EXAMPLE = "Send between 9:00 and 17:00."


def _clock(n: int) -> str:
    return rf"(?P<hour{n}>[0-9]{{1,2}})(?:[:.](?P<minute{n}>[0-9]{{2}}))?\s*(?P<half{n}>[ap]m)?"


_HOURS_RE = re.compile(
    rf"^send\s+between\s+{_clock(1)}\s+and\s+{_clock(2)}"
    r"(?P<team>\s+team\s+time(?P<every_day>,?\s+every\s+day)?)?$",
    re.IGNORECASE,
)
HOURS_START = r"send\s+between\b"
"""How a sentence that states sending hours begins: one that begins so and cannot be read is
an error, not commentary."""


@dataclass(frozen=True)
class HoursRule:
    start: time
    end: time
    team: bool
    line: int
    every_day: bool = False

    def as_hours(self) -> SendHours:
        return SendHours(start=self.start, end=self.end, line=self.line, every_day=self.every_day)


def read_hours(text: str, line: int) -> HoursRule | RulesError:
    """The hours a `Send between ...` sentence states, or why it cannot be read."""
    m = _HOURS_RE.match(text)
    if m is None:
        return _error(line, f"could not read this rule: {quote(text)}. Write '{HOURS_EXAMPLE}'")
    start = _time(m, 1, end=False)
    end = _time(m, 2, end=True)
    for clock, n in ((start, 1), (end, 2)):
        if clock is None:
            ends = (m.end(f"{part}{n}") for part in ("hour", "minute", "half"))
            written = text[m.start(f"hour{n}") : max(ends)]
            return _error(
                line,
                f"{quote(written)} is not a time of day: write hours from 0:00 to 24:00, "
                "or from 1am to 12pm",
            )
    assert start is not None and end is not None
    if not start < end:
        return _error(
            line,
            f"the hours end at {end:%H:%M}, not after they start at {start:%H:%M}: sending "
            "hours cannot run past midnight",
        )
    return HoursRule(start, end, bool(m.group("team")), line, bool(m.group("every_day")))


def _time(m: re.Match[str], n: int, *, end: bool) -> time | None:
    hour, minute = int(m.group(f"hour{n}")), int(m.group(f"minute{n}") or 0)
    half = (m.group(f"half{n}") or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if minute >= 60:
        return None
    if (hour, minute) == (24, 0) or (end and half == "am" and (hour, minute) == (0, 0)):
        return time.max if end else None  # the end of the day
    return time(hour, minute) if hour < 24 else None


def _error(line: int, message: str) -> RulesError:
    return RulesError(line=line, message=message)
