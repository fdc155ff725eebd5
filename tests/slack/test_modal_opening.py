"""Pause and Hand off open their modal from what the button carries, before any roster or state
read: a trigger id lives 3 seconds, and a whole sheet takes longer than that to read. The
submission then checks the customer's current state, and keeps the modal open with an error
when it changed meanwhile."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack
from slack_flow import Flagged

from engine.actions import finish, hand_off, pause, reenroll
from engine.models import RosterGrid, RosterSnapshot, RowUpdate
from engine.ports import Roster, StateStore

SLOW = 5.0


class SlowRoster:
    """A roster whose every read takes five seconds (a Google Sheet of 100,000 rows under
    load) until the test releases it; it counts its reads."""

    def __init__(self, roster: Roster) -> None:
        self._roster = roster
        self._released = threading.Event()
        self.reads = 0

    def read(self) -> RosterSnapshot:
        self.reads += 1
        self._released.wait(SLOW)
        return self._roster.read()

    def read_grid(self) -> RosterGrid:
        self.reads += 1
        self._released.wait(SLOW)
        return self._roster.read_grid()

    def read_one(self, customer_id: str) -> RosterSnapshot:
        self.reads += 1
        self._released.wait(SLOW)
        return self._roster.read_one(customer_id)

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        return self._roster.write(updates)

    def release(self) -> None:
        self._released.set()


class CountingStore:
    """The state store, counting the reads of customers' state and sends."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        if name in ("load", "load_one", "audit_trail", "archived_sends"):
            self.reads += 1
        return getattr(self._store, name)


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def note(text: str | None) -> dict[str, object]:
    return {"note": {"note": {"type": "plain_text_input", "value": text}}}


def owner(slack_id: str) -> dict[str, object]:
    picked = {"text": {"type": "plain_text", "text": "Sam Ortiz"}, "value": slack_id}
    return {"owner": {"owner": {"type": "static_select", "selected_option": picked}}} | note(None)


@pytest.mark.parametrize("action_id", ["og_pause", "og_hand_off"])
def test_a_click_opens_its_modal_at_once_though_the_roster_takes_five_seconds(
    flagged: Flagged, action_id: str
) -> None:
    slow, counting = SlowRoster(flagged.guide.roster), CountingStore(flagged.guide.store)
    flagged.guide.roster, flagged.guide.store = slow, counting  # type: ignore[assignment]

    started = time.perf_counter()
    assert flagged.click(action_id=action_id) == 200
    took = time.perf_counter() - started

    (opened,) = flagged.fake.calls_to("views.open")
    assert opened.ok and (slow.reads, counting.reads) == (0, 0)
    assert took < SLOW / 5, f"the modal took {took:.2f} s to open"
    (view,) = flagged.fake.views.values()
    (customer,) = [b for b in view["blocks"] if b.get("block_id") == "customer"]
    assert "Name C1 at Co C1 (C1)." in customer["text"]["text"]

    slow.release()
    values = note("back in Q1") if action_id == "og_pause" else owner("U0SAM")
    assert flagged.submit(view, values) == 200
    row = flagged.row()
    column, value = (
        ("paused", "TRUE") if action_id == "og_pause" else ("handed_off_to", "Sam Ortiz")
    )
    assert row[column] == value


def test_a_pause_submitted_after_the_customer_finished_keeps_the_modal_open(
    flagged: Flagged,
) -> None:
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    finish(flagged.guide, "C1", "U0SAM", flagged.app_clock())

    assert flagged.submit(view, note("too late")) == 200

    assert json.loads(flagged.last_body) == {
        "response_action": "errors",
        "errors": {"note": "C1 finished onboarding meanwhile; nothing was changed."},
    }
    assert [a.action for a in flagged.guide.store.audit_trail("C1")] == ["finished"]


def test_a_pause_submitted_after_someone_else_paused_keeps_the_modal_open(
    flagged: Flagged,
) -> None:
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    pause(flagged.guide, "C1", "their note", "U0SAM", flagged.app_clock())

    flagged.submit(view, note("mine"))

    errors = json.loads(flagged.last_body)["errors"]
    assert errors == {"note": "C1 was paused meanwhile; nothing was changed."}
    assert flagged.row()["paused_note"] == "their note"


def test_a_hand_off_submitted_after_another_keeps_the_modal_open(flagged: Flagged) -> None:
    flagged.click(action_id="og_hand_off")
    (view,) = flagged.fake.views.values()
    hand_off(flagged.guide, "C1", "Sam Ortiz", "", "U0DANA", flagged.app_clock())

    flagged.submit(view, owner("U0SAM"))

    errors = json.loads(flagged.last_body)["errors"]
    assert errors == {"owner": "C1 was handed off to Sam Ortiz meanwhile; nothing was changed."}
    assert len(flagged.guide.store.audit_trail("C1")) == 1


def test_a_pause_submitted_on_a_journey_that_moved_on_keeps_the_modal_open(
    flagged: Flagged,
) -> None:
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    reenroll(flagged.guide, "C1", "Pro", "U0SAM", flagged.app_clock(), reset=True)

    flagged.submit(view, note(None))

    errors = json.loads(flagged.last_body)["errors"]
    assert errors == {"note": "C1 started another onboarding meanwhile; nothing was changed."}
