"""An arrival whose taking failed (the list could not be read) is taken in again by the next
delivery at once, not passed over as taken for `RETAKE_AFTER`: Lambda retries a failed
batch within minutes, and the same key must then be acted on, once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flaky_roster import UnreadableOnce
from workspace import Workspace, nine_am, row

from engine.inbound import Inbound, InboundKind
from engine.inbox import Inbox, Taken
from engine.ports import RosterError

NOW = nine_am("2026-11-03")


def test_a_failed_taking_is_taken_again_by_the_next_delivery(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    guide.roster = UnreadableOnce(guide.roster)  # type: ignore[assignment]
    complaint = Inbound(InboundKind.COMPLAINT, sender="c1@example.test")
    with pytest.raises(RosterError):
        Inbox(guide, NOW).take("sns:m-1", complaint)
    retried = NOW + timedelta(minutes=1)  # Lambda's first retry
    arrival = Inbox(guide, retried).take("sns:m-1", complaint)
    assert (arrival.taken, arrival.customer_id) == (Taken.ACTED, "C1")
    assert Inbox(guide, retried).take("sns:m-1", complaint).taken == Taken.ALREADY
    assert guide.store.load_one("C1").history("C1").state.unsubscribed
