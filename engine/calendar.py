"""Days and clocks: which local day it is for a customer, whether mail may go out on it, and
how far along the guide's clock stands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

import holidays

from engine.models import CustomerState
from engine.plans import SendHours, SendingPolicy

# Files some systems keep beside the zones: not places, and `localtime` differs per machine.
_NOT_PLACES = frozenset({"localtime", "posixrules", "factory"})


@cache
def _zone_names_by_lowercase() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if name.lower() not in _NOT_PLACES}


def canonical_timezone(text: str) -> str | None:
    """The zone database's name for `text` in its proper case (`europe/london` ->
    `Europe/London`), or None. Looked up among the database's names, never by opening a path:
    `US` is a folder of zones and a 300-character name is too long for a file name, and
    ZoneInfo raises neither as "not found"."""
    return _zone_names_by_lowercase().get(text.strip().lower())


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(now: datetime, timezone: str) -> date:
    """The customer's calendar day at `now` (an aware datetime)."""
    return now.astimezone(zone(timezone)).date()


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


@cache
def holidays_country(text: str) -> str | None:
    """The country code `text` names (`gb` -> `GB`) when its public holidays are known, or
    None."""
    code = text.strip().upper()
    if not 2 <= len(code) <= 3 or not code.isalpha():
        return None
    try:
        holidays.country_holidays(code)
    except NotImplementedError:
        return None
    return code


def no_sending_reason(day: date, policy: SendingPolicy) -> str | None:
    """Why no customer mail goes out on `day`, or None when it is a sending day."""
    if policy.weekdays_only and day.weekday() >= 5:
        return f"{day:%A} is not a sending day (weekdays only)"
    if policy.holidays_country:
        name = _holidays(policy.holidays_country, day.year).get(day)
        if name:
            return f"{day.isoformat()} is a holiday ({name}, {policy.holidays_country})"
    return None


def next_opening(
    now: datetime, timezone: str, hours: SendHours, policy: SendingPolicy | None = None
) -> datetime | None:
    """None when `now` is inside `hours` on the clock of `timezone`; otherwise when they next
    open there, on a sending day of `policy` (weekdays only when there is none: the team's
    days), as an aware local time."""
    local = now.astimezone(zone(timezone))
    days = policy or _WEEKDAYS
    if hours.covers(local.time()) and no_sending_reason(local.date(), days) is None:
        return None
    day = local.date() if local.time() < hours.start else local.date() + timedelta(days=1)
    for _ in range(_LONGEST_WAIT):
        if no_sending_reason(day, days) is None:
            break
        day += timedelta(days=1)
    # Through UTC and back: a start inside a clock change's gap lands on the hour after it.
    opens = datetime.combine(day, hours.start, zone(timezone))
    return opens.astimezone(UTC).astimezone(zone(timezone))


_WEEKDAYS = SendingPolicy(weekdays_only=True)
_LONGEST_WAIT = 31
"""Days looked ahead for a sending day: more holidays than that in a row are not a calendar."""


def wait_text(opens: datetime, now: datetime) -> str:
    """ "09:00 Asia/Tokyo (in 3 h)", with the day when it is not today there."""
    local_now = now.astimezone(opens.tzinfo)
    when = f"{opens:%H:%M}" if opens.date() == local_now.date() else f"{opens:%a %-d %b %H:%M}"
    minutes = max(1, round((opens - now).total_seconds() / 60))
    if minutes < 60:
        wait = f"{minutes} min"
    elif minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        wait = f"{hours} h" + (f" {rest} min" if rest else "")
    else:
        days, rest = divmod(minutes, 24 * 60)
        wait = f"{days} days" + (f" {rest // 60} h" if rest >= 60 else "")
    return f"{when} {opens.tzinfo} (in {wait})"


def offline_days_until(state: CustomerState, today: date) -> int:
    """Days the clock stood still (paused or handed off), counting an open stretch to today."""
    open_stretch = 0
    if state.offline_since is not None:
        open_stretch = max(0, (today - state.offline_since).days)
    return state.offline_days + open_stretch


def guide_day(signup_date: date, state: CustomerState, today: date) -> int:
    """Days since signup on the customer's calendar, minus days spent paused or handed off,
    so a resumed customer continues where they stopped."""
    return (today - signup_date).days - offline_days_until(state, today)
