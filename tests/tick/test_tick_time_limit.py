"""A tick with a time limit (a Lambda invocation's remaining time) starts no move it might not
finish: those are reported and made by the next tick, never left as open claims."""

from __future__ import annotations

import threading
from pathlib import Path

from lambda_events import FakeContext, scheduler_event
from workspace import Workspace, nine_am, row

from bot.aws_lambda import LambdaEntry
from engine.tick import tick
from engine.tick_run import TIME_TO_FINISH_A_MOVE

DAY0 = nine_am("2026-11-02")


def test_moves_are_started_only_while_there_is_time_to_finish_them(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2"), row("C3")])
    guide = ws.guide()
    # Asked before the batch is claimed, then before each send (side by side, in any order):
    # time for the batch and one send, then not.
    left = iter([TIME_TO_FINISH_A_MOVE + 5, TIME_TO_FINISH_A_MOVE + 5, TIME_TO_FINISH_A_MOVE - 1])
    lock = threading.Lock()

    def seconds_left() -> float:
        with lock:
            return next(left, 0.0)

    report = tick(guide, DAY0, seconds_left=seconds_left)

    assert len(ws.sent()) == 1
    assert sorted(report.failures) == [
        f"{cid}: step not started: the run's time ran out"
        for cid in sorted({"C1", "C2", "C3"} - {ws.sent()[0][0]})
    ]
    assert sum(len(s) for s in guide.store.load().sends.values()) == 1  # no open claims

    tick(guide, DAY0)  # the next run, with time, makes the rest
    assert sorted(c for c, _, _ in ws.sent()) == ["C1", "C2", "C3"]


def test_a_scheduled_tick_on_lambda_keeps_within_the_invocations_time(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    entry = LambdaEntry(ws.guide(), None, None)

    short = entry(scheduler_event("tick", DAY0.isoformat()), FakeContext(remaining_ms=5_000))

    assert short["outcome"] == "ran" and "1 failures" in short["summary"]
    assert ws.sent() == []
