"""The decision, case by case. The worked example of the issue comes first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    DAY0,
    EVERY_DAY,
    TEAM_TZ,
    WEEKDAYS,
    apply,
    at,
    customer,
    history,
    plan,
    send,
    simulate,
)

from engine.decide import decide
from engine.models import History, SendKind
from engine.outcomes import Move, MoveKind
from engine.plans import SendingPolicy

STEP, NUDGE, FLAG, ON, FINISH = (
    MoveKind.STEP,
    MoveKind.NUDGE,
    MoveKind.FLAG,
    MoveKind.ON_TRACK,
    MoveKind.FINISH,
)


def test_worked_example_customer_who_never_marks_anything_done() -> None:
    # Day 0 is a Monday and customer mail goes every day; a flag waits for the team's weekday,
    # and meanwhile the customer's own moves go on.
    moves = simulate(customer(), plan(window=(2, 3)), days=20)
    got = [(day, m.kind, m.step) for day, m in moves]
    expected = [
        (0, STEP, "welcome"),
        (1, ON, None),
        (2, NUDGE, "welcome"),
        (3, STEP, "setup"),
        (4, ON, None),
        (5, NUDGE, "setup"),  # Saturday: welcome's flag is due, and waits
        (6, STEP, "check-in"),
        (7, FLAG, "welcome"),  # Monday
        (8, FLAG, "setup"),
        (9, NUDGE, "check-in"),
        (10, ON, None),
        (11, ON, None),
        (12, ON, "check-in"),  # Saturday: check-in's flag waits, and the customer has no move
        (13, ON, "check-in"),
        (14, FLAG, "check-in"),
        *[(d, ON, None) for d in range(15, 20)],
    ]
    assert got == expected
    assert [m.held for _, m in moves[12:14]] == [True, True]


def test_every_move_reason_names_the_rule() -> None:
    moves = dict(simulate(customer(), plan(window=(2, 3)), days=8))
    assert "due on day 0 of the Starter plan" in moves[0].reason
    assert "nudge after 2 days" in moves[2].reason
    # Nudged on day 2, three more days: due day 5 (a Saturday), flagged on Monday.
    assert moves[7].reason == (
        "welcome was nudged on guide day 2 and is still not done; "
        "flag after 3 more days (due day 5)"
    )
    assert moves[7].rule_lines == (10, 3)
    assert "next is" in moves[1].reason


def _decide(h: History, day: int, sending: SendingPolicy = EVERY_DAY, **c: object) -> Move:
    return decide(customer(**c), plan(), h, at(day), sending=sending, team_timezone=TEAM_TZ)


@pytest.mark.parametrize(
    ("case", "h", "day", "kind", "step"),
    [
        ("new customer, day 0", history(), 0, STEP, "welcome"),
        ("signup in the future", history(), -1, ON, None),
        (
            "welcome done early: skips to setup on its day",
            history(send("welcome", SendKind.STEP, 0), steps_done={"welcome": DAY0}),
            2,
            STEP,
            "setup",
        ),
        (
            "welcome done before it was sent: never sent",
            history(steps_done={"welcome": DAY0}),
            0,
            ON,
            None,
        ),
        (
            "step done after the nudge: no flag",
            history(
                send("welcome", SendKind.STEP, 0),
                send("welcome", SendKind.NUDGE, 2),
                steps_done={"welcome": DAY0 + timedelta(days=3)},
            ),
            5,
            STEP,
            "setup",
        ),
        (
            "late joiner catches up one step a day, oldest first",
            history(),
            10,
            STEP,
            "welcome",
        ),
        (
            "every step done: finish",
            history(steps_done={"welcome": DAY0, "setup": DAY0, "check-in": DAY0}),
            7,
            FINISH,
            None,
        ),
        (
            "flag beats a due nudge and a due step",
            history(
                send("welcome", SendKind.STEP, 0),
                send("welcome", SendKind.NUDGE, 2),
                send("setup", SendKind.STEP, 3),
            ),
            7,
            FLAG,
            "welcome",
        ),
        (
            "a flagged step gets no more mail while the others go on",
            history(
                send("welcome", SendKind.STEP, 0),
                send("welcome", SendKind.NUDGE, 2),
                send("welcome", SendKind.FLAG, 5),
                send("setup", SendKind.STEP, 3),
                send("setup", SendKind.NUDGE, 6),
                send("check-in", SendKind.STEP, 7),
            ),
            30,
            FLAG,
            "setup",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_decision_cases(case: str, h: History, day: int, kind: MoveKind, step: str | None) -> None:
    move = _decide(h, day)
    assert (move.kind, move.step) == (kind, step), move.reason


@pytest.mark.parametrize(
    ("label", "overrides", "state"),
    [
        ("finished in the sheet", {"finished": True}, {}),
        ("finished in state", {}, {"finished": True}),
        ("paused in the sheet", {"paused": True, "paused_note": "migration"}, {}),
        ("paused in state", {}, {"paused": True}),
        ("handed off", {"handed_off_to": "Sam Ortiz"}, {}),
    ],
)
def test_finished_paused_or_handed_off_is_on_track(
    label: str, overrides: dict[str, object], state: dict[str, object]
) -> None:
    move = _decide(history(**state), 3, **overrides)
    assert move.kind == ON
    assert label.split()[0] in move.reason


def test_wrap_up_already_sent_counts_as_finished() -> None:
    h = history(send("wrap-up", SendKind.FINISH, 7), steps_done={"welcome": DAY0})
    assert _decide(h, 9).kind == ON


def test_pause_stops_the_clock_and_resume_continues_where_it_stopped() -> None:
    # Welcome sent on day 0, paused on day 1 for 5 days, resumed on day 6: the clock reads 1,
    # so the nudge (due on guide day 2) comes on day 7, not on day 6.
    sent = send("welcome", SendKind.STEP, 0)
    resumed = history(sent, offline_days=5)
    assert _decide(resumed, 6).kind == ON
    assert "guide day 1" in _decide(resumed, 6).reason
    nudge = _decide(resumed, 7)
    assert (nudge.kind, nudge.guide_day) == (NUDGE, 2)
    still_open = history(sent, offline_since=DAY0 + timedelta(days=1))
    assert _decide(still_open, 9).guide_day == 1


def test_plan_override_wins() -> None:
    pro = plan([("welcome", 0), ("connect-data", 1)], plan_id="pro")
    c = customer(plan="starter", plan_override="pro")
    h = apply(history(), decide(c, pro, history(), at(0), sending=EVERY_DAY, team_timezone="UTC"))
    move = decide(c, pro, h, at(1), sending=EVERY_DAY, team_timezone=TEAM_TZ)
    assert (move.kind, move.step) == (STEP, "connect-data")
    assert c.effective_plan == "pro"


def test_weekend_holds_mail_and_records_nothing_then_sends_on_monday() -> None:
    saturday = 5
    move = _decide(history(), saturday, WEEKDAYS)
    assert move.kind == ON and move.held
    assert move.reason.startswith("held: step waits")
    assert "Saturday" in move.reason
    monday = _decide(history(), 7, WEEKDAYS)
    assert (monday.kind, monday.held) == (STEP, False)


def test_holiday_holds_mail() -> None:
    thanksgiving = (DAY0.replace(day=26) - DAY0).days
    policy = SendingPolicy(weekdays_only=True, holidays_country="US")
    move = _decide(history(), thanksgiving, policy)
    assert move.held and "Thanksgiving" in move.reason


def test_flags_keep_the_teams_days_not_the_customers() -> None:
    h = history(send("welcome", SendKind.STEP, 0), send("welcome", SendKind.NUDGE, 2))
    welcome = plan([("welcome", 0)])
    friday, saturday, monday = (
        decide(customer(), welcome, h, at(day), sending=WEEKDAYS, team_timezone=TEAM_TZ)
        for day in (4, 5, 7)
    )
    assert friday.kind == ON and not friday.held  # not due yet
    assert (saturday.kind, saturday.held) == (ON, True)
    assert "the flag of welcome waits for the team's hours" in saturday.reason
    assert monday.kind == FLAG


def test_finish_is_held_on_weekends() -> None:
    done = {"welcome": DAY0, "setup": DAY0, "check-in": DAY0}
    move = _decide(history(steps_done=done), 6, WEEKDAYS)
    assert move.held and "finish" in move.reason


def test_one_move_per_local_day() -> None:
    h = history(send("welcome", SendKind.STEP, 2))
    move = _decide(h, 2)
    assert (move.kind, move.reason) == (ON, "already moved today (step welcome)")


def test_ticking_hourly_is_the_same_as_ticking_daily() -> None:
    daily = [m.kind for _, m in simulate(customer(), plan(), days=15) if m.kind != ON]
    hourly = [
        m.kind for _, m in simulate(customer(), plan(), days=15, ticks_per_day=24) if m.kind != ON
    ]
    assert daily == hourly


def test_local_day_follows_the_customers_time_zone() -> None:
    # 23:00 UTC on day 0 is already the next day's noon in Auckland.
    late = at(0, hour=23)
    auckland = customer(timezone="Pacific/Auckland")
    move = decide(auckland, plan(), history(), late, sending=EVERY_DAY, team_timezone=TEAM_TZ)
    assert move.local_date == DAY0 + timedelta(days=1)
    assert move.guide_day == 1


def test_a_hand_finish_owes_the_wrap_up_which_waits_for_a_sending_day() -> None:
    owed = history(finished=True, finished_date=DAY0, wrap_up_pending=True)
    saturday = _decide(owed, 5, WEEKDAYS)
    assert (saturday.kind, saturday.held) == (ON, True)
    monday = _decide(owed, 7, WEEKDAYS)
    assert (monday.kind, monday.step) == (FINISH, None)
    assert (monday.guide_day, monday.rule_lines) == (7, (plan().line,))
    assert monday.reason == f"finished by hand on {DAY0}; the wrap-up email is due"
    sent = history(send("wrap-up", SendKind.FINISH, 7), finished=True, wrap_up_pending=True)
    assert _decide(sent, 8, WEEKDAYS).reason == "finished"


def test_a_customer_not_signed_up_yet_waits_with_the_days_until_signup() -> None:
    move = _decide(history(), -3)
    assert (move.kind, move.guide_day) == (ON, -3)
    assert move.reason == f"not started: signs up on {DAY0.isoformat()}"


PAUSED_MIGRATING = "paused: migration"
HANDED_TO_SAM = "handed off to Sam Ortiz"


@pytest.mark.parametrize(
    ("case", "row", "state", "reason"),
    [
        ("paused with no note", {"paused": True}, {}, "paused"),
        ("paused on the row", {"paused": True, "paused_note": "migration"}, {}, PAUSED_MIGRATING),
        (
            "paused from Slack: note only stored",
            {},
            {"paused": True, "paused_note": "migration"},
            PAUSED_MIGRATING,
        ),
        (
            "paused on the row, note only stored",
            {"paused": True},
            {"paused": True, "paused_note": "migration"},
            PAUSED_MIGRATING,
        ),
        (
            "the row's note wins over the stored one",
            {"paused": True, "paused_note": "migration"},
            {"paused": True, "paused_note": "an older note"},
            PAUSED_MIGRATING,
        ),
        ("handed off on the row", {"handed_off_to": "Sam Ortiz"}, {}, HANDED_TO_SAM),
        ("handed off from Slack: only stored", {}, {"handed_off_to": "Sam Ortiz"}, HANDED_TO_SAM),
        (
            "the row's owner wins over the stored one",
            {"handed_off_to": "Sam Ortiz"},
            {"handed_off_to": "Dana Reyes"},
            HANDED_TO_SAM,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_paused_and_handed_off_reasons_say_why_wherever_the_note_is_kept(
    case: str, row: dict[str, object], state: dict[str, object], reason: str
) -> None:
    move = _decide(history(**state), 3, **row)
    assert (move.kind, move.reason) == (ON, reason)


def test_a_step_cites_its_step_line_and_a_nudge_or_flag_its_window_line_too() -> None:
    setup = plan().step("setup")
    assert setup is not None
    sent = send("setup", SendKind.STEP, 2)
    welcome_done = {"welcome": DAY0}
    step = _decide(history(steps_done=welcome_done), 2)
    nudge = _decide(history(sent, steps_done=welcome_done), 4)
    assert (step.kind, step.rule_lines) == (STEP, (setup.line,))
    assert (nudge.kind, nudge.rule_lines) == (NUDGE, (setup.line, setup.window.line))


def test_waiting_cites_no_rule_line() -> None:
    move = _decide(history(send("welcome", SendKind.STEP, 0)), 1)
    assert (move.kind, move.rule_lines) == (ON, ())


def test_a_held_move_cites_the_sending_policy_line_after_the_rule_it_held() -> None:
    welcome = plan().step("welcome")
    assert welcome is not None
    weekdays = SendingPolicy(weekdays_only=True, line=42)
    saturday = 5
    move = _decide(history(), saturday, weekdays)
    assert move.held
    assert move.rule_lines == (welcome.line, weekdays.line)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (1, "guide day 1: next is nudge welcome on guide day 2"),
        (4, "guide day 4: next is flag welcome on guide day 5"),
        (10, "guide day 10: next is flag check-in on guide day 12"),
        (15, "guide day 15: every open step is flagged and waits for its owner"),
    ],
)
def test_waiting_says_which_move_comes_next_and_on_which_guide_day(day: int, reason: str) -> None:
    # The worked example above: each flagged step drops out of what the customer waits on.
    moves = dict(simulate(customer(), plan(window=(2, 3)), days=16))
    assert (moves[day].kind, moves[day].reason) == (ON, reason)
