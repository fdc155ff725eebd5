"""The calendar: zone names, the customer's local day, sending days and the guide's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.calendar import (
    canonical_timezone,
    guide_day,
    local_date,
    no_sending_reason,
    offline_days_until,
)
from engine.models import CustomerState
from engine.plans import SendingPolicy

SIGNUP = date(2026, 11, 2)  # a Monday
EVERY_DAY = SendingPolicy(weekdays_only=False)


def state(**fields: object) -> CustomerState:
    return CustomerState.model_validate({"customer_id": "C1", **fields})


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  AMERICA/NEW_YORK \t", "America/New_York"),
        ("utc", "UTC"),
        ("etc/gmt+5", "Etc/GMT+5"),
    ],
)
def test_a_zone_is_found_in_any_case_and_spelled_as_the_database_does(
    typed: str, zone: str
) -> None:
    assert canonical_timezone(typed) == zone


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "Mars/Olympus",
        "US",  # a folder of zones, not a zone
        "America",
        "Europe/",
        "../etc/passwd",
        "localtime",  # files beside the zones, not places
        "posixrules",
        "Factory",
        "Asia/" + "x" * 300,
    ],
)
def test_anything_but_a_zone_name_is_no_zone(typed: str) -> None:
    assert canonical_timezone(typed) is None


@pytest.mark.parametrize(
    ("utc_hour", "zone", "day"),
    [
        (23, "Pacific/Auckland", date(2026, 11, 3)),
        (23, "UTC", date(2026, 11, 2)),
        (1, "America/Los_Angeles", date(2026, 11, 1)),
        (9, "Asia/Tokyo", date(2026, 11, 2)),
    ],
)
def test_the_local_day_is_the_customers_calendar_day(utc_hour: int, zone: str, day: date) -> None:
    now = datetime(2026, 11, 2, utc_hour, tzinfo=UTC)
    assert local_date(now, zone) == day


def test_a_weekend_day_is_no_sending_day_when_mail_goes_on_weekdays_only() -> None:
    saturday, sunday = date(2026, 11, 7), date(2026, 11, 8)
    weekdays = SendingPolicy(weekdays_only=True)

    assert no_sending_reason(saturday, weekdays) == "Saturday is not a sending day (weekdays only)"
    assert no_sending_reason(sunday, weekdays) == "Sunday is not a sending day (weekdays only)"
    assert no_sending_reason(date(2026, 11, 6), weekdays) is None
    assert no_sending_reason(saturday, EVERY_DAY) is None


@pytest.mark.parametrize(
    ("day", "country", "reason"),
    [
        (date(2026, 11, 26), "US", "2026-11-26 is a holiday (Thanksgiving Day, US)"),
        (date(2027, 7, 5), "US", "2027-07-05 is a holiday (Independence Day (observed), US)"),
        (date(2026, 12, 26), "GB", "2026-12-26 is a holiday (Boxing Day, GB)"),
    ],
)
def test_a_public_holiday_of_the_teams_country_is_no_sending_day(
    day: date, country: str, reason: str
) -> None:
    assert no_sending_reason(day, SendingPolicy(weekdays_only=False, holidays_country=country)) == (
        reason
    )


def test_a_holiday_elsewhere_is_a_sending_day() -> None:
    thanksgiving = date(2026, 11, 26)
    assert no_sending_reason(thanksgiving, SendingPolicy(holidays_country="GB")) is None
    assert no_sending_reason(thanksgiving, EVERY_DAY) is None


def test_the_guide_day_counts_days_since_signup() -> None:
    assert guide_day(SIGNUP, state(), SIGNUP) == 0
    assert guide_day(SIGNUP, state(), SIGNUP + timedelta(days=9)) == 9
    assert guide_day(SIGNUP, state(), SIGNUP - timedelta(days=2)) == -2


def test_the_clock_stands_still_from_the_day_a_customer_is_paused() -> None:
    paused_on = SIGNUP + timedelta(days=5)
    paused = state(offline_since=paused_on)

    days = [guide_day(SIGNUP, paused, paused_on + timedelta(days=n)) for n in range(4)]

    assert days == [5, 5, 5, 5]
    assert offline_days_until(paused, paused_on) == 0
    assert offline_days_until(paused, paused_on + timedelta(days=3)) == 3


def test_earlier_stretches_offline_add_to_the_open_one() -> None:
    today = SIGNUP + timedelta(days=20)
    resumed = state(offline_days=4)
    paused_again = state(offline_days=4, offline_since=today - timedelta(days=2))

    assert offline_days_until(resumed, today) == 4
    assert offline_days_until(paused_again, today) == 6
    assert guide_day(SIGNUP, paused_again, today) == 14


def test_a_pause_dated_after_today_stops_no_clock_yet() -> None:
    # A clock that runs behind the one that wrote the pause must not run the guide backwards.
    today = SIGNUP + timedelta(days=5)
    ahead = state(offline_days=1, offline_since=today + timedelta(days=1))

    assert offline_days_until(ahead, today) == 1
    assert guide_day(SIGNUP, ahead, today) == 4
