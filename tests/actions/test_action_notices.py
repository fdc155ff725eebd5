"""After every action that changed something, the engine tells the notifier what it did
(`Notifier.acted`, an `ActionNotice`), whoever called it: with every flag of the journey rebuilt
as it was sent, the actions since, and whether it still asks for a person. A notifier that
fails never fails the action."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from workspace import Workspace, nine_am, row

from engine.actions import finish, mark_done, pause, resume
from engine.adapters.memory import RecordingNotifier
from engine.guide import Guide
from engine.models import SendKind, SendStatus
from engine.outcomes import ActionNotice
from engine.ports import SendError
from engine.tick import tick
from engine.unconfirmed import send_again
from engine.undo import undo

DAY0 = nine_am("2026-11-02")
NOW = DAY0 + timedelta(days=6)


class BrokenNotifier(RecordingNotifier):
    def acted(self, notice: ActionNotice) -> None:
        raise SendError("Slack refused the flag: channel_not_found")


@pytest.fixture
def flagged(tmp_path: Path) -> tuple[Guide, RecordingNotifier]:
    """C1 flagged on welcome (due day 5, a Saturday; flagged on Monday, day 7), through a
    recording notifier."""
    guide = Workspace(tmp_path, [row("C1"), row("C2")]).guide()
    notifier = RecordingNotifier()
    guide.notifier = notifier
    for day in range(8):
        tick(guide, DAY0 + timedelta(days=day))
    assert [flag.customer_id for flag in notifier.flags] == ["C1", "C2"]
    return guide, notifier


def test_a_pause_tells_what_who_when_and_the_note_with_the_flag_as_it_was_sent(
    flagged: tuple[Guide, RecordingNotifier],
) -> None:
    guide, notifier = flagged

    outcome = pause(guide, "C1", "on leave", "dana", NOW)

    (notice,) = notifier.actions
    assert outcome.notice == notice and outcome.warning == ""
    (audit,) = guide.store.audit_trail("C1")
    assert (notice.customer_id, notice.journey, notice.message) == ("C1", 1, outcome.message)
    event = notice.event
    assert (event.action, event.actor, event.at, event.note, event.undid) == (
        "paused",
        "dana",
        audit.at,
        "on leave",
        None,
    )
    (flag,) = notice.flags
    assert flag.reference == "preview-flag-1"
    assert flag.notice == notifier.flags[0]  # rebuilt: the very flag the tick sent
    assert (flag.events, flag.open) == ((event,), False)


def test_an_undo_names_what_it_undid_and_the_flag_asks_again(
    flagged: tuple[Guide, RecordingNotifier],
) -> None:
    guide, notifier = flagged
    pause(guide, "C1", "on leave", "dana", NOW)

    undo(guide, "C1", "sam", NOW)

    paused, undone = notifier.actions
    assert undone.undo and not paused.undo
    assert undone.event.undid == paused.event
    (flag,) = undone.flags
    assert flag.open and flag.events == (paused.event, undone.event)


def test_a_finish_archives_the_journey_and_its_flag_is_still_told(
    flagged: tuple[Guide, RecordingNotifier],
) -> None:
    guide, notifier = flagged

    finish(guide, "C1", "dana", NOW)

    (notice,) = notifier.actions
    (flag,) = notice.flags
    assert flag.notice == notifier.flags[0] and not flag.open
    assert notice.event.note.startswith("onboarding took")


def test_a_step_done_closes_only_that_steps_flag(
    flagged: tuple[Guide, RecordingNotifier],
) -> None:
    guide, notifier = flagged

    mark_done(guide, "C1", "setup", NOW, actor="customer")
    mark_done(guide, "C1", "welcome", NOW, actor="customer")

    setup_done, welcome_done = notifier.actions
    assert [flag.open for flag in setup_done.flags] == [True]  # the welcome flag still asks
    assert [flag.open for flag in welcome_done.flags] == [False]


def test_nothing_changed_tells_nothing(flagged: tuple[Guide, RecordingNotifier]) -> None:
    guide, notifier = flagged

    assert not resume(guide, "C1", "dana", NOW).changed
    assert not pause(guide, "NOPE", "", "dana", NOW).ok

    assert notifier.actions == []


def test_settling_a_send_is_told_without_flags(flagged: tuple[Guide, RecordingNotifier]) -> None:
    guide, notifier = flagged
    welcome = guide.store.load_one("C2").sends["C2"][0]
    nudge = {"kind": SendKind.NUDGE, "status": SendStatus.CLAIMED, "claimed_at": NOW}
    check_in = welcome.model_copy(update={"step": "check-in", **nudge})
    assert guide.store.claim(check_in)
    assert guide.store.mark_unconfirmed([check_in.key]) == [check_in.key]

    outcome = send_again(guide, "C2", "check-in", SendKind.NUDGE, "dana", NOW)

    (notice,) = notifier.actions
    assert outcome.changed and notice.event.action == "send_to_send_again"
    assert notice.flags == ()


def test_a_notifier_that_fails_leaves_the_action_done_and_says_so(
    flagged: tuple[Guide, RecordingNotifier], caplog: pytest.LogCaptureFixture
) -> None:
    guide, _ = flagged
    guide.notifier = BrokenNotifier()

    with caplog.at_level(logging.WARNING, logger="og.actions"):
        outcome = pause(guide, "C1", "", "dana", NOW)

    assert outcome.ok and outcome.changed
    assert guide.store.load_one("C1").history("C1").state.paused
    assert outcome.warning == "it is done, but Slack refused the flag: channel_not_found"
    assert "C1: paused is done, but the notifier failed" in caplog.text
