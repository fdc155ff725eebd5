"""Rule 1 for a customer who unsubscribed: on track, saying so, and never mailed again; and how
the sheet's `unsubscribed` cell reaches the state (one way only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from builders import DAY0, EVERY_DAY, TEAM_TZ, at, customer, history, plan, send, simulate

from engine.decide import decide, decide_with_spell
from engine.models import CustomerState, History, SendKind
from engine.outcomes import MoveKind
from engine.sheet_sync import flags_row, sync_state

ON = MoveKind.ON_TRACK
UNSUBSCRIBED = {"unsubscribed": True, "unsubscribed_on": DAY0 + timedelta(days=3)}
REASON = "unsubscribed on 2026-11-05: no more guide mail"


def test_an_unsubscribed_customer_is_on_track_every_day_and_never_mailed_or_flagged() -> None:
    def unsubscribe_on_day_3(day: int, h: History) -> History:
        if day != 3:
            return h
        return h.model_copy(update={"state": h.state.model_copy(update=UNSUBSCRIBED)})

    moves = simulate(customer(), plan(window=(2, 3)), days=30, before_tick=unsubscribe_on_day_3)

    assert [(day, m.kind) for day, m in moves[:3]] == [
        (0, MoveKind.STEP),
        (1, ON),
        (2, MoveKind.NUDGE),
    ]
    assert {(m.kind, m.reason) for _, m in moves[3:]} == {(ON, REASON)}


@pytest.mark.parametrize(
    ("row", "state", "reason"),
    [
        ({}, UNSUBSCRIBED, REASON),
        (UNSUBSCRIBED, {}, REASON),  # typed in the sheet, not yet recorded
        ({"unsubscribed": True}, {}, "unsubscribed: no more guide mail"),
        ({"paused": True, "paused_note": "away"}, UNSUBSCRIBED, REASON),
        ({"finished": True}, UNSUBSCRIBED, REASON),
    ],
)
def test_the_reason_names_the_day_wherever_it_is_kept_and_wins_over_the_other_holds(
    row: dict[str, object], state: dict[str, object], reason: str
) -> None:
    sent = send("welcome", SendKind.STEP, 0)
    move = decide(
        customer(**row),
        plan(),
        history(sent, **state),
        at(9),
        sending=EVERY_DAY,
        team_timezone=TEAM_TZ,
    )

    assert (move.kind, move.reason, move.held) == (ON, reason, False)


def test_a_wrap_up_owed_by_a_hand_finish_is_not_sent_either() -> None:
    owed = history(finished=True, finished_date=DAY0, wrap_up_pending=True, **UNSUBSCRIBED)

    move = decide(customer(), plan(), owed, at(7), sending=EVERY_DAY, team_timezone=TEAM_TZ)

    assert (move.kind, move.reason) == (ON, REASON)


def test_the_quiet_spell_lasts_while_the_inputs_hold() -> None:
    """A tick's memo of the customer stays good until their state or row changes."""
    h = history(send("welcome", SendKind.STEP, 0), **UNSUBSCRIBED)

    move, spell = decide_with_spell(
        customer(), plan(), h, at(9), sending=EVERY_DAY, team_timezone=TEAM_TZ
    )

    assert move.kind == ON and spell is not None
    assert (spell.since, spell.until, spell.reason_on(DAY0 + timedelta(days=40), at(40))) == (
        DAY0 + timedelta(days=9),
        None,
        REASON,
    )


# --- the sheet's cell, brought into the state ----------------------------------------------

NOW = datetime(2026, 11, 9, 15, tzinfo=UTC)


def test_a_yes_typed_in_the_sheet_unsubscribes_from_today() -> None:
    state, change = sync_state(
        customer(unsubscribed=True), CustomerState(customer_id="C1"), NOW, "UTC"
    )

    assert (state.unsubscribed, state.unsubscribed_on) == (True, date(2026, 11, 9))
    assert change is not None and (change.action, change.description) == (
        "unsubscribed",
        "unsubscribed",
    )
    assert flags_row(state)["unsubscribed"] == "2026-11-09"


def test_a_day_typed_in_the_sheet_is_kept() -> None:
    state, _ = sync_state(
        customer(unsubscribed=True, unsubscribed_on=date(2026, 11, 1)),
        CustomerState(customer_id="C1"),
        NOW,
        "UTC",
    )

    assert state.unsubscribed_on == date(2026, 11, 1)


def test_a_blank_cell_never_resubscribes() -> None:
    recorded = CustomerState(customer_id="C1", **UNSUBSCRIBED)

    state, change = sync_state(customer(), recorded, NOW, "UTC")

    assert (state, change) == (recorded, None)


def test_a_recorded_unsubscribe_reads_the_same_from_the_cell() -> None:
    recorded = CustomerState(customer_id="C1", **UNSUBSCRIBED)
    from_cell = customer(**UNSUBSCRIBED)

    assert sync_state(from_cell, recorded, NOW, "UTC") == (recorded, None)
