"""Sending hours on each customer's own clock, and the team's for flags (engine.decide)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from builders import apply, customer, history, plan, send

from engine.calendar import next_opening
from engine.calendar import zone as zone_info
from engine.decide import decide, decide_with_spell
from engine.models import SendKind
from engine.outcomes import Move, MoveKind, QuietSpell
from engine.plans import SendHours, SendingPolicy

EVERY_DAY = SendingPolicy(weekdays_only=False)
TEAM = "America/New_York"


def move_at(now: datetime, zone: str, sending: SendingPolicy = EVERY_DAY, **state: object) -> Move:
    """The day-0 welcome of a customer in `zone` who signed up the day before, at `now`."""
    signup = now.astimezone(UTC).date().replace(day=1)
    who = customer(timezone=zone, signup_date=signup)
    return decide(
        who, plan([("welcome", 0)]), history(**state), now, sending=sending, team_timezone=TEAM
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "first_in_hours", "an_hour_before"),
    [
        ("Asia/Tokyo", "2027-01-05T00:00", "2027-01-04T23:00"),  # +9
        ("America/New_York", "2027-01-05T14:00", "2027-01-05T13:00"),  # -5
        ("Asia/Kolkata", "2027-01-05T03:30", "2027-01-05T03:00"),  # +5:30: 08:30 is held
        ("Asia/Kathmandu", "2027-01-05T03:15", "2027-01-05T02:15"),  # +5:45
        ("Pacific/Kiritimati", "2027-01-04T19:00", "2027-01-04T18:00"),  # +14
        ("Etc/GMT+12", "2027-01-05T21:00", "2027-01-05T20:00"),  # -12
    ],
)
def test_mail_waits_for_nine_on_the_customers_own_clock(
    zone: str, first_in_hours: str, an_hour_before: str
) -> None:
    assert move_at(utc(first_in_hours), zone).kind == MoveKind.STEP
    held = move_at(utc(an_hour_before), zone)
    assert held.kind == MoveKind.ON_TRACK and held.held
    assert held.reason.startswith("held until 09:00 " + zone)
    assert "the step of welcome waits for the customer's hours, 09:00–17:00" in held.reason


def test_after_five_the_wait_is_till_the_next_morning_and_said_with_its_day() -> None:
    # 23:00 in Tokyo on a Monday, when a New York team's 09:00 tick runs.
    held = move_at(utc("2027-01-04T14:00"), "Asia/Tokyo")
    assert held.reason.startswith("held until Tue 5 Jan 09:00 Asia/Tokyo (in 10 h): ")


def test_on_friday_evening_the_wait_is_till_monday_when_only_weekdays_send() -> None:
    weekdays = SendingPolicy(weekdays_only=True)
    held = move_at(utc("2027-01-08T23:00"), "America/New_York", weekdays)  # Fri 18:00
    assert held.reason.startswith("held until Mon 11 Jan 09:00 America/New_York (in 2 days 15 h): ")


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # The US springs forward on 14 March 2027, the EU on 28 March: 09:00 moves in UTC.
        ("America/New_York", "2027-03-12T14:00", "2027-03-15T13:00"),
        ("Europe/London", "2027-03-26T09:00", "2027-03-29T08:00"),
        # And back: 7 November in the US, 31 October in the EU.
        ("America/New_York", "2027-11-05T13:00", "2027-11-08T14:00"),
        ("Europe/Berlin", "2027-10-29T07:00", "2027-11-01T08:00"),
    ],
)
def test_nine_is_nine_across_both_clock_changes(zone: str, before: str, after: str) -> None:
    for nine in (utc(before), utc(after)):
        assert nine.astimezone(zone_info(zone)).hour == 9
        assert move_at(nine, zone).kind == MoveKind.STEP
        assert move_at(nine.replace(hour=nine.hour - 1), zone).held


def test_hours_that_open_inside_a_clock_change_open_when_the_clock_reaches_them() -> None:
    at_two_thirty = SendHours(start=time(2, 30), end=time(17))
    # 02:30 does not happen in New York on 14 March 2027: the clock goes from 02:00 to 03:00.
    opens = next_opening(utc("2027-03-14T05:00"), "America/New_York", at_two_thirty, EVERY_DAY)
    assert opens is not None and opens.astimezone(UTC) == utc("2027-03-14T07:30")


def test_a_plan_with_its_own_hours_waits_for_them() -> None:
    starter = plan([("welcome", 0)]).model_copy(
        update={"hours": SendHours(start=time(13), end=time(15))}
    )
    who = customer(timezone="UTC", signup_date=utc("2027-01-04T00:00").date())
    at_ten = decide(
        who, starter, history(), utc("2027-01-04T10:00"), sending=EVERY_DAY, team_timezone="UTC"
    )
    at_one = decide(
        who, starter, history(), utc("2027-01-04T13:00"), sending=EVERY_DAY, team_timezone="UTC"
    )
    assert at_ten.held and "13:00–15:00" in at_ten.reason and at_one.kind == MoveKind.STEP


def flag_due_at(now: datetime, sending: SendingPolicy = EVERY_DAY) -> Move:
    """A Starter customer whose setup was nudged three days ago: the flag is due."""
    who = customer(timezone="Asia/Tokyo", signup_date=utc("2026-12-28T00:00").date())
    sends = (
        send("welcome", SendKind.STEP, 0),
        send("setup", SendKind.STEP, 2),
        send("setup", SendKind.NUDGE, 4),
    )
    # The builders date sends from 2 Nov 2026; only their guide days matter here.
    h = history(*sends, steps_done={"welcome": who.signup_date})
    two_steps = plan([("welcome", 0), ("setup", 2)])
    return decide(who, two_steps, h, now, sending=sending, team_timezone=TEAM)


def test_a_customers_own_move_goes_while_their_flag_waits() -> None:
    who = customer(timezone="Asia/Tokyo", signup_date=utc("2026-12-28T00:00").date())
    sends = (send("welcome", SendKind.STEP, 0), send("welcome", SendKind.NUDGE, 2))
    h = history(*sends)
    # Saturday 10:00 in Tokyo, Friday 20:00 in New York: check-in (day 6... here setup, day 2)
    # is due to the customer, and welcome's flag to a team gone home.
    move = decide(who, plan(), h, utc("2027-01-09T01:00"), sending=EVERY_DAY, team_timezone=TEAM)
    assert (move.kind, move.step) == (MoveKind.STEP, "setup")


def test_a_flag_waits_for_the_teams_hours_and_weekdays_not_the_customers() -> None:
    # Friday 8 January 2027 in New York: 08:00, 10:00, 18:00; then Saturday 10:00.
    assert flag_due_at(utc("2027-01-08T15:00")).kind == MoveKind.FLAG
    early = flag_due_at(utc("2027-01-08T13:00"))
    assert early.held and early.reason.startswith("held until 09:00 America/New_York (in 1 h): ")
    assert "the flag of setup waits for the team's hours, 09:00–17:00 on weekdays" in early.reason
    late = flag_due_at(utc("2027-01-08T23:00"))
    assert late.reason.startswith("held until Mon 11 Jan 09:00 America/New_York")
    assert flag_due_at(utc("2027-01-09T15:00")).held


def test_a_team_that_works_every_day_gets_its_flags_on_saturday() -> None:
    every_day = EVERY_DAY.model_copy(
        update={"team_hours": SendHours(start=time(9), end=time(17), every_day=True)}
    )
    assert flag_due_at(utc("2027-01-09T15:00"), every_day).kind == MoveKind.FLAG  # Sat 10:00
    night = flag_due_at(utc("2027-01-08T23:00"), every_day)  # Friday 18:00
    assert night.reason.startswith("held until Sat 9 Jan 09:00 America/New_York (in 15 h)")
    assert "the team's hours, 09:00–17:00 every day" in night.reason


def test_a_customer_held_for_their_hours_is_remembered_until_they_open_not_a_minute_more() -> None:
    # 23:00 in Tokyo on the 4th: held until 09:00 on the 5th, and the local day ends first.
    # 05:00 on the 5th: held until 09:00 that day, which is when the memo ends.
    who = customer(timezone="Asia/Tokyo", signup_date=utc("2027-01-04T00:00").date())

    def at(now: datetime) -> tuple[Move, QuietSpell | None]:
        welcome = plan([("welcome", 0)])
        return decide_with_spell(
            who, welcome, history(), now, sending=EVERY_DAY, team_timezone=TEAM
        )

    late, late_spell = at(utc("2027-01-04T14:00"))
    assert late.held and late_spell is not None
    assert late_spell.holds(late.local_date, utc("2027-01-04T14:59"))
    assert not late_spell.covers(late.local_date + timedelta(days=1))  # midnight in Tokyo
    early, spell = at(utc("2027-01-04T20:00"))
    assert spell is not None and spell.ends_at == early.held_until == utc("2027-01-05T00:00")
    assert spell.holds(early.local_date, utc("2027-01-04T23:59"))
    assert not spell.holds(early.local_date, utc("2027-01-05T00:00"))
    assert at(utc("2027-01-05T00:00"))[0].kind == MoveKind.STEP
    # The reason a memo gives counts the wait from the tick that reads it.
    assert spell.reason_on(early.local_date, utc("2027-01-04T23:00")) == (
        at(utc("2027-01-04T23:00"))[0].reason
    )
    assert "(in 1 h)" in spell.reason_on(early.local_date, utc("2027-01-04T23:00"))


def test_a_customers_country_picks_the_holidays_that_hold_their_mail() -> None:
    us_doc = SendingPolicy(weekdays_only=True, holidays_country="US")
    thanksgiving, boxing_day = utc("2026-11-26T10:00"), utc("2026-12-28T10:00")  # a Monday
    for who, held_on in ((None, thanksgiving), ("GB", boxing_day)):
        for day in (thanksgiving, boxing_day):
            signup = day.date()
            c = customer(timezone="Europe/London", signup_date=signup, country=who)
            move = decide(
                c, plan([("welcome", 0)]), history(), day, sending=us_doc, team_timezone="UTC"
            )
            assert move.held == (day == held_on), (who, day, move.reason)
    held = decide(
        customer(timezone="Europe/London", signup_date=boxing_day.date(), country="GB"),
        plan([("welcome", 0)]),
        history(),
        boxing_day,
        sending=us_doc,
        team_timezone="UTC",
    )
    assert "2026-12-28 is a holiday (Boxing Day (observed), GB)" in held.reason


def test_a_customer_who_moves_zone_mid_journey_is_mailed_in_the_new_hours_once_a_day() -> None:
    # Welcomed at 09:00 in Tokyo on Tuesday (Monday 19:00 in New York), then the row's zone
    # becomes New York; ticks every hour for a week.

    h = history()
    made: list[tuple[datetime, Move]] = []
    start = utc("2027-01-04T12:00")
    for hour in range(7 * 24):
        now = start + timedelta(hours=hour)
        zone_name = "Asia/Tokyo" if now < utc("2027-01-05T01:00") else "America/New_York"
        who = customer(timezone=zone_name, signup_date=utc("2027-01-05T00:00").date())
        move = decide(who, plan(), h, now, sending=EVERY_DAY, team_timezone=TEAM)
        h = apply(h, move)
        if move.kind != MoveKind.ON_TRACK:
            made.append((now, move))
    assert made[0][1].step == "welcome" and made[0][0] == utc("2027-01-05T00:00")
    for now, move in made[1:]:
        if move.kind != MoveKind.FLAG:
            assert 9 <= now.astimezone(zone_info("America/New_York")).hour < 17
    local_days = [move.local_date for _, move in made]
    assert len(local_days) == len(set(local_days))
    # Tokyo's Tuesday is New York's Monday evening: New York's Tuesday is already "moved".
    assert made[1][1].local_date > made[0][1].local_date


def test_a_waiting_flag_is_asked_again_when_the_team_opens_however_long_the_customers_day() -> None:
    # A customer at UTC-12 on a weekdays-only doc, a team in Tokyo: the customer's Sunday
    # lasts until Monday 12:00 UTC, and the team opens inside it, Monday 09:00 in Tokyo
    # (00:00 UTC). An hour before, the flag waits and the customer's own step is held for
    # the weekend; that answer must not be kept past the hour, or the flag would wait for
    # the customer's Monday.
    weekdays = SendingPolicy(weekdays_only=True)
    who = customer(timezone="Etc/GMT+12", signup_date=utc("2027-01-01T12:00").date())
    sends = (send("welcome", SendKind.STEP, 0), send("welcome", SendKind.NUDGE, 2))
    h = history(*sends)
    before = utc("2027-01-10T23:00")  # Sunday 11:00 at UTC-12, Monday 08:00 in Tokyo

    def at(now: datetime) -> tuple[Move, QuietSpell | None]:
        return decide_with_spell(who, plan(), h, now, sending=weekdays, team_timezone="Asia/Tokyo")

    move, spell = at(before)
    assert move.held and "waits for a sending day" in move.reason
    # Remembered only until the team opens, not for the rest of the customer's Sunday.
    assert spell is not None and spell.ends_at == utc("2027-01-11T00:00")
    assert not spell.holds(move.local_date, before + timedelta(hours=1))
    flag, _ = at(before + timedelta(hours=1))
    assert (flag.kind, flag.step) == (MoveKind.FLAG, "welcome")
