"""Properties of the decision over random plans, behaviours, pauses and tick schedules."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from builders import DAY0, TEAM_TZ, apply, at, customer, history, plan, ticks
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import zone as zone_info
from engine.decide import decide, decide_with_spell
from engine.models import History, SendKind
from engine.outcomes import Move, MoveKind
from engine.plans import Plan, SendHours, SendingPolicy

MAILING = {SendKind.STEP, SendKind.NUDGE, SendKind.FINISH}
ZONES = [
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
]
HOURLY = tuple(range(24))
SOME_HOURS = st.sets(st.integers(0, 23), min_size=1, max_size=4).map(lambda h: tuple(sorted(h)))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    step_count = draw(st.integers(1, 5))
    gaps = draw(st.lists(st.integers(0, 4), min_size=step_count, max_size=step_count))
    days = [sum(gaps[: i + 1]) - gaps[0] for i in range(step_count)]
    steps = [(f"s{i}", d) for i, d in enumerate(days)]
    window = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    # The day each step gets marked done, or never.
    done_on = {s: draw(st.one_of(st.none(), st.integers(0, 25))) for s, _ in steps}
    pauses = draw(st.lists(st.tuples(st.integers(0, 25), st.integers(1, 6)), max_size=2))
    return {
        "plan": plan(steps, window=window),
        "done_on": done_on,
        "pauses": pauses,
        "sending": SendingPolicy(weekdays_only=draw(st.booleans())),
        "ticks_per_day": draw(st.integers(1, 2)),
        "timezone": draw(st.sampled_from(ZONES)),
        # Hourly, as `og serve` ticks, or at a few hours of the day.
        "hours": draw(
            st.one_of(
                st.just(HOURLY),
                st.sets(st.integers(0, 23), min_size=1, max_size=4).map(sorted).map(tuple),
            )
        ),
    }


def _paused_on(day: int, pauses: list[tuple[int, int]]) -> bool:
    return any(start <= day < start + length for start, length in pauses)


def _run(s: dict[str, object], days: int = 30) -> tuple[list[tuple[int, datetime, Move]], History]:
    pauses: list[tuple[int, int]] = s["pauses"]  # type: ignore[assignment]
    done_on: dict[str, int | None] = s["done_on"]  # type: ignore[assignment]
    final: list[History] = [history()]

    def before_tick(day: int, h: History) -> History:
        state = h.state
        done = dict(state.steps_done)
        for step, when in done_on.items():
            if when is not None and when <= day and step not in done:
                done[step] = DAY0 + timedelta(days=day)
        today = DAY0 + timedelta(days=day)
        paused = _paused_on(day, pauses)
        update: dict[str, object] = {"steps_done": done, "paused": paused}
        if paused and state.offline_since is None:
            update["offline_since"] = today
        if not paused and state.offline_since is not None:
            update["offline_since"] = None
            update["offline_days"] = state.offline_days + (today - state.offline_since).days
        h = History(state=state.model_copy(update=update), sends=h.sends)
        final[:] = [h]
        return h

    moves = ticks(
        customer(timezone=s["timezone"]),
        s["plan"],  # type: ignore[arg-type]
        days,
        s["sending"],  # type: ignore[arg-type]
        before_tick,
        s["ticks_per_day"],  # type: ignore[arg-type]
        s["hours"],  # type: ignore[arg-type]
    )
    return moves, final[0]


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_invariants_over_random_histories(s: dict[str, object]) -> None:
    moves, _ = _run(s)
    # Numbered in the order they were made (a customer's local day is not the loop's day).
    made = [(n, day, m) for n, (day, _, m) in enumerate(moves) if m.kind != MoveKind.ON_TRACK]
    zone = zone_info(s["timezone"])  # type: ignore[arg-type]
    for _, now, m in moves:
        clock = now.astimezone(zone).time()
        if m.kind in (MoveKind.STEP, MoveKind.NUDGE, MoveKind.FINISH):
            assert time(9) <= clock < time(17), f"customer mail at {clock} on their clock"
        if m.kind == MoveKind.FLAG:
            assert 9 <= now.hour < 17 and now.weekday() < 5, f"a flag at {now} team time"

    per_day = Counter(m.local_date for _, _, m in made)
    assert all(n == 1 for n in per_day.values()), "two moves on one local day"

    nudges = Counter(m.step for _, _, m in made if m.kind == MoveKind.NUDGE)
    flags = Counter(m.step for _, _, m in made if m.kind == MoveKind.FLAG)
    assert all(n == 1 for n in nudges.values()), "a second nudge for a step"
    assert all(n == 1 for n in flags.values()), "a second flag for a step"
    assert sum(1 for _, _, m in made if m.kind == MoveKind.FINISH) <= 1

    pauses: list[tuple[int, int]] = s["pauses"]  # type: ignore[assignment]
    finished_at = next((n for n, _, m in made if m.kind == MoveKind.FINISH), None)
    for n, day, move in made:
        assert not _paused_on(day, pauses), f"a {move.kind} on day {day} while paused"
        assert finished_at is None or n <= finished_at, "mail after finishing"
        if move.kind in (MoveKind.STEP, MoveKind.NUDGE):
            assert move.step not in flags or n < _index_of(made, MoveKind.FLAG, move.step)

    sending: SendingPolicy = s["sending"]  # type: ignore[assignment]
    if sending.weekdays_only:
        assert all(m.local_date.weekday() < 5 for _, _, m in made if m.kind != MoveKind.FLAG), (
            "customer mail on a weekend"
        )


def _index_of(made: list[tuple[int, int, Move]], kind: MoveKind, step: str | None) -> int:
    return next(n for n, _, m in made if m.kind == kind and m.step == step)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(1, 29))
def test_same_input_same_move_and_rerunning_a_day_sends_nothing_new(
    s: dict[str, object], day: int
) -> None:
    _, h = _run(s, days=day)
    now = at(day)
    c = customer(timezone=s["timezone"])
    p = s["plan"]
    sending: SendingPolicy = s["sending"]  # type: ignore[assignment]
    first = decide(c, p, h, now, sending=sending, team_timezone=TEAM_TZ)  # type: ignore[arg-type]
    again = decide(c, p, h, now, sending=sending, team_timezone=TEAM_TZ)  # type: ignore[arg-type]
    assert first == again
    if first.kind == MoveKind.ON_TRACK:
        return
    after = apply(h, first)
    rerun = decide(c, p, after, now, sending=sending, team_timezone=TEAM_TZ)  # type: ignore[arg-type]
    assert rerun.kind == MoveKind.ON_TRACK


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_a_customer_who_finishes_everything_is_finished_exactly_once(
    s: dict[str, object],
) -> None:
    done_on = {k: 3 for k in s["done_on"]}  # type: ignore[attr-defined]
    s = {**s, "done_on": done_on, "pauses": [], "hours": HOURLY}
    moves, h = _run(s, days=30)
    finishes = [m for _, _, m in moves if m.kind == MoveKind.FINISH]
    assert len(finishes) == 1
    assert history(*h.sends).find("wrap-up", SendKind.FINISH) is not None


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.integers(0, 29), st.integers(0, 23))
def test_a_quiet_spell_holds_every_day_it_covers_and_not_a_day_too_long(
    s: dict[str, object], day: int, hour: int
) -> None:
    """With the inputs as they are, `decide` at every later hour before the spell's end (its
    last day, and for a move held for hours the moment they open) answers on track exactly as
    the spell says (reason, step, held, until when)."""
    _, h = _run(s, days=day)
    c = customer(timezone=s["timezone"])
    p: Plan = s["plan"]  # type: ignore[assignment]
    sending: SendingPolicy = s["sending"]  # type: ignore[assignment]
    now = at(day, hour)
    spell = decide_with_spell(c, p, h, now, sending=sending, team_timezone=TEAM_TZ)[1]
    move = decide(c, p, h, now, sending=sending, team_timezone=TEAM_TZ)
    assert (spell is None) == (move.kind != MoveKind.ON_TRACK)
    if spell is None:
        return
    assert spell.since == move.local_date
    last = spell.until or spell.since + timedelta(days=60)
    # Every hour of its first two days (ticks are hourly, and hours hold moves back), then
    # daily at this hour.
    hours = [now + timedelta(hours=n) for n in range(48)]
    days = [now + timedelta(days=n) for n in range(2, (last - spell.since).days)]
    zone = zone_info(c.timezone or TEAM_TZ)
    for when in hours + days:
        if not spell.holds(when.astimezone(zone).date(), when):
            continue
        then = decide(c, p, h, when, sending=sending, team_timezone=TEAM_TZ)
        assert (then.kind, then.reason, then.step, then.held, then.held_until) == (
            MoveKind.ON_TRACK,
            spell.reason_on(then.local_date, when),
            spell.step,
            spell.held,
            spell.held_until,
        ), when


ALL_DAY = SendHours(start=time(0), end=time.max)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(0, 29), st.integers(0, 23), st.integers(0, 59))
def test_hours_only_ever_hold_a_move_back_never_change_it(
    s: dict[str, object], day: int, hour: int, minute: int
) -> None:
    """Inside the customer's hours (the team's, for a flag) the answer is the one without
    hours; outside them no mail goes and no flag, and the move is said held."""
    _, h = _run({**s, "hours": HOURLY}, days=day)
    c = customer(timezone=s["timezone"])
    p: Plan = s["plan"]  # type: ignore[assignment]
    sending: SendingPolicy = s["sending"]  # type: ignore[assignment]
    now = at(day, hour) + timedelta(minutes=minute)
    move = decide(c, p, h, now, sending=sending, team_timezone=TEAM_TZ)
    always = sending.model_copy(update={"hours": ALL_DAY, "team_hours": ALL_DAY})
    unheld = decide(c, p, h, now, sending=always, team_timezone=TEAM_TZ)
    customer_clock = now.astimezone(zone_info(c.timezone or TEAM_TZ)).time()
    team_open = 9 <= now.hour < 17 and now.weekday() < 5
    if unheld.kind == MoveKind.FLAG:
        assert (
            move == unheld
            if team_open
            else (move.kind, move.held)
            in (
                (MoveKind.ON_TRACK, True),
                *((k, False) for k in (MoveKind.STEP, MoveKind.NUDGE)),  # the customer's own
            )
        )
    elif unheld.kind != MoveKind.ON_TRACK:
        if time(9) <= customer_clock < time(17):
            assert move == unheld
        else:
            assert (move.kind, move.held, move.step) == (MoveKind.ON_TRACK, True, unheld.step)
            assert move.reason.startswith("held until ")
    else:
        assert move.kind == MoveKind.ON_TRACK
