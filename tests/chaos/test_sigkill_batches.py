"""SIGKILL at each step of a tick's batch, every time in the window it names (tests/support/
killed_og.py), then the next tick; the same checks as test_sigkill.py after every kill.

A tick claims a batch, writes its messages, syncs them once and confirms them once, so a kill
can leave a whole batch between two steps. Whatever the step: no message is delivered twice,
every message the killed run claimed is confirmed or listed unconfirmed (and announced to its
owner once), and every customer due a message has it or a listed unconfirmed send. The
second batch is the one killed, so a batch confirmed before the kill stays confirmed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_sigkill import (
    DAY,
    Tally,
    a_workspace,
    assert_clean,
    check_roster,
    check_sends,
    delivered_to_outbox,
    finish_run,
)
from workspace import Workspace

from engine.models import SendStatus
from engine.tick_send import FIRST_BATCH

KILLED_OG = Path(__file__).resolve().parents[1] / "support" / "killed_og.py"
SECOND_BATCH = 24 - FIRST_BATCH  # the chaos workspace's 24 customers, all due a welcome


def killed_tick(ws: Workspace, point: str) -> None:
    env = {**os.environ, **ws.env(), "OG_KILL_AFTER": point}
    done = subprocess.run(
        [sys.executable, str(KILLED_OG), "tick", "--now", DAY],
        env=env,
        cwd=ws.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, done.stderr  # it died where it was told to


@pytest.mark.parametrize(
    ("point", "delivered", "unconfirmed"),
    [
        # Claimed, nothing written: the batch is listed unconfirmed though none went out.
        ("claim:2", FIRST_BATCH, SECOND_BATCH),
        # Three or more of the batch's files written (sends go side by side), neither synced
        # nor confirmed.
        (f"send:{FIRST_BATCH + 3}", FIRST_BATCH + 3, SECOND_BATCH),
        # Every file of the batch synced, none confirmed: all listed, none sent again.
        ("flush:2", 24, SECOND_BATCH),
        # Confirmed: nothing is left open.
        ("finish:2", 24, 0),
    ],
)
def test_a_tick_killed_between_the_steps_of_a_batch_sends_nothing_twice_and_hides_nothing(
    tmp_path: Path, point: str, delivered: int, unconfirmed: int
) -> None:
    tally = Tally(trials=1)
    ws, ids = a_workspace(tmp_path / "ws")

    killed_tick(ws, point)
    after_kill = delivered_to_outbox(ws, tally)
    listed = finish_run(ws, "tick", "--now", DAY)

    assert sum(after_kill.values()) == delivered or point.startswith("send")
    assert sum(after_kill.values()) >= delivered
    due = {(cid, "welcome", "step") for cid in ids}
    check_sends(ws.guide(), delivered_to_outbox(ws, tally), due, listed, tally)
    check_roster(ws, ids, tally)
    assert_clean(tally)
    # The next tick sent what no claim of the killed run covered, and nothing else.
    sent_after = delivered_to_outbox(ws, tally)
    sent_after.subtract(after_kill)
    assert set(+sent_after) == set(due - set(after_kill)) - unsent_claims(listed)
    found = [line["unconfirmed_send"] for line in listed if "unconfirmed_send" in line]
    assert len(found) == unconfirmed and all(send["new"] for send in found)
    statuses = [s.status for sends in ws.guide().store.load().sends.values() for s in sends]
    assert statuses.count(SendStatus.UNCONFIRMED) == unconfirmed
    assert statuses.count(SendStatus.CLAIMED) == 0


def unsent_claims(listed: list[dict[str, object]]) -> set[tuple[str, str, str]]:
    return {
        (str(u["customer_id"]), str(u["step"]), str(u["kind"]))
        for line in listed
        if isinstance(u := line.get("unconfirmed_send"), dict)
    }
