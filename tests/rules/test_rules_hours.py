"""Sending hours in the rules doc: `Send between 9:00 and 17:00.`, doc-wide, per plan, and the
team's (`team time`); errors with their line numbers."""

from __future__ import annotations

from datetime import time

import pytest

from engine.plans import Rules, SendHours
from engine.rules import parse_rules

HEAD = "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"
PLANS = "Starter plan: welcome on day 0.\nPro plan: welcome on day 0, setup on day 2.\n"
MESSAGES = """
## Messages

### Welcome
Subject: Hi

Welcome.

### Setup
Subject: Setup

Set up.

### Nudge
Subject: Re: {original_subject}

Still there?

### Wrap-up
Subject: Done

All set.
"""


def parsed(text: str) -> Rules | list[tuple[int, str]]:
    result = parse_rules(text)
    return result if isinstance(result, Rules) else [(e.line, e.message) for e in result]


def test_without_a_sentence_mail_goes_from_nine_to_five_and_flags_too() -> None:
    rules = parsed(HEAD + PLANS + MESSAGES)
    assert isinstance(rules, Rules)
    assert rules.sending.hours == SendHours(start=time(9), end=time(17))
    assert rules.sending.team_hours == SendHours(start=time(9), end=time(17))
    assert rules.plans["starter"].hours is None


@pytest.mark.parametrize(
    ("written", "start", "end"),
    [
        ("Send between 9:00 and 17:00.", time(9), time(17)),
        ("send between 8am and 6pm.", time(8), time(18)),
        ("Send between 7.30 and 12pm.", time(7, 30), time(12)),
        ("Send between 12am and 11:30am.", time(0), time(11, 30)),
        ("Send between 0:00 and 24:00.", time(0), time.max),
        ("Send between 10 and 16", time(10), time(16)),  # a line of its own needs no period
    ],
)
def test_the_doc_wide_hours_as_reps_write_them(written: str, start: time, end: time) -> None:
    rules = parsed(HEAD + written + "\n" + PLANS + MESSAGES)
    assert isinstance(rules, Rules)
    assert rules.sending.hours == SendHours(start=start, end=end, line=3)


def test_a_plan_has_its_own_hours_after_its_sentence_and_the_team_its_own() -> None:
    text = (
        HEAD
        + "Send between 8:00 and 18:00.\n"
        + "Starter plan: welcome on day 0. Send between 10:00 and 12:00.\n"
        + "Pro plan: welcome on day 0, setup on day 2.\n"
        + "Send between 9:30 and 16:30 team time.\n"
        + MESSAGES
    )
    rules = parsed(text)
    assert isinstance(rules, Rules)
    assert rules.plans["starter"].hours == SendHours(start=time(10), end=time(12), line=4)
    assert rules.plans["pro"].hours is None
    assert rules.sending.hours == SendHours(start=time(8), end=time(18), line=3)
    # After the Pro plan's sentence, still the whole team's.
    assert rules.sending.team_hours == SendHours(start=time(9, 30), end=time(16, 30), line=6)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "Send between 17:00 and 9:00.",
            "the hours end at 09:00, not after they start at 17:00: sending hours cannot run "
            "past midnight",
        ),
        (
            "Send between 9:00 and 25:00.",
            '"25:00" is not a time of day: write hours from 0:00 to 24:00, or from 1am to 12pm',
        ),
        (
            "Send between 13pm and 5pm.",
            '"13pm" is not a time of day: write hours from 0:00 to 24:00, or from 1am to 12pm',
        ),
        (
            "Send between nine and five.",
            'could not read this rule: "Send between nine and five". Write \'Send between '
            "9:00 and 17:00.'",
        ),
    ],
)
def test_hours_that_cannot_be_are_named_by_line(written: str, message: str) -> None:
    assert parsed(HEAD + PLANS + "\n" + written + "\n" + MESSAGES) == [(6, message)]


def test_hours_set_twice_are_refused_at_the_second() -> None:
    twice = "Send between 8:00 and 18:00.\nSend between 9am and 5pm.\n"
    assert parsed(HEAD + twice + PLANS + MESSAGES) == [
        (4, "the time of day to send is already set at line 3: keep only one")
    ]
    # After a plan's sentence, hours are that plan's.
    text = HEAD + PLANS + "Send between 8:00 and 18:00.\nSend between 9am and 5pm.\n"
    assert parsed(text + MESSAGES) == [
        (6, "the Pro plan's time of day is already set at line 5: keep only one")
    ]


@pytest.mark.parametrize("days", [", every day", " every day"])
def test_a_team_that_works_every_day_says_so_after_team_time(days: str) -> None:
    rules = parsed(HEAD + PLANS + f"Send between 8:00 and 20:00 team time{days}.\n" + MESSAGES)
    assert isinstance(rules, Rules)
    assert rules.sending.team_hours == SendHours(
        start=time(8), end=time(20), line=5, every_day=True
    )
    assert rules.sending.team_hours.render_days() == "08:00–20:00 every day"
    weekdays = parsed(HEAD + PLANS + "Send between 8:00 and 20:00 team time.\n" + MESSAGES)
    assert isinstance(weekdays, Rules)
    assert weekdays.sending.team_hours.render_days() == "08:00–20:00 on weekdays"


def test_every_day_belongs_to_the_teams_hours_alone() -> None:
    errors = parsed(HEAD + PLANS + "Send between 9:00 and 17:00 every day.\n" + MESSAGES)
    assert isinstance(errors, list) and [line for line, _ in errors] == [5]
