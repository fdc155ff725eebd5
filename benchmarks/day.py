"""A day of hourly ticks in a process of its own, for benchmarks/bench.py and docs/cost.md.

    python benchmarks/day.py WORKSPACE [STATE_URL]

The workspace is benchmarks/tick.py's with its customers spread over `ZONES` (a team in New
York with customers round the world). The first hourly tick after the seeds' last daily one
is ticked unmeasured: it finds no memos, as no hourly guide does for long. Then 24 hourly
ticks are each measured: seconds, customers decided in full, moves, customers held for their
hours, and with STATE_URL (an `OG_STATE=dynamodb://` URL) every DynamoDB request and the
capacity it consumed. Prints the figures as JSON: each tick's, and the day's sums.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from one_tick import counted_guide
from tick import TICK_DAY, peak_mib

from engine.tick import tick

ZONES = (
    *("America/New_York",) * 6,
    *("America/Chicago",) * 2,
    *("America/Los_Angeles",) * 3,
    "America/Sao_Paulo",
    *("Europe/London",) * 3,
    *("Europe/Berlin",) * 2,
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)
"""Twenty customers' zones, repeated down the list: a team in New York, most customers in the
Americas and Europe, some in Asia and Australia."""
FIRST_HOUR = TICK_DAY - timedelta(hours=22)
"""The measured day's first tick; the unmeasured one is the hour before, the hour after the
seeds' last daily tick."""
HOURS = 24


def measure_day(workspace: Path, state: str | None) -> dict[str, Any]:
    guide, counter, kept = counted_guide(workspace, state)
    tick(guide, FIRST_HOUR - timedelta(hours=1))
    ticks = []
    for hour in range(HOURS):
        now = FIRST_HOUR + timedelta(hours=hour)
        kept.clear()
        if counter is not None:
            counter.reset()
        started = time.perf_counter()
        report = tick(guide, now)
        seconds = time.perf_counter() - started
        if report.failures:
            raise SystemExit(f"the tick at {now} failed: {report.failures}")
        one: dict[str, Any] = {
            "at": now.isoformat(),
            "seconds": seconds,
            "moves": dict(report.counts()),
            "decided": sum(1 for r in report.results if r.move != "skipped") - sum(kept),
            "held": len(report.held_for_hours),
        }
        if counter is not None:
            one["calls"] = dict(counter.calls)
            one["read_units"] = counter.read_units
            one["write_units"] = counter.write_units
        ticks.append(one)
    return {"ticks": ticks, "day": day_sums(ticks), "peak_mib": peak_mib()}


def day_sums(ticks: list[dict[str, Any]]) -> dict[str, Any]:
    """What the day's ticks come to together."""
    moves: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for one in ticks:
        moves.update(one["moves"])
        calls.update(one.get("calls", {}))
    sums: dict[str, Any] = {
        "seconds": sum(one["seconds"] for one in ticks),
        "moves": dict(moves),
        "decided": sum(one["decided"] for one in ticks),
    }
    if calls:
        sums["calls"] = dict(calls)
        sums["read_units"] = sum(one["read_units"] for one in ticks)
        sums["write_units"] = sum(one["write_units"] for one in ticks)
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("state", nargs="?")
    args = parser.parse_args()
    print(json.dumps(measure_day(args.workspace, args.state)))


if __name__ == "__main__":
    main()
