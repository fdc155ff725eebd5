"""One measured tick in a process of its own, for benchmarks/bench.py: its peak memory is the
tick's, with nothing imported that the tick would not import.

    python benchmarks/one_tick.py WORKSPACE [STATE_URL] [--day-before | --floor]

Prints the figures as JSON. With STATE_URL (an `OG_STATE=dynamodb://` URL) the state is there,
built as production builds it, and every DynamoDB request and the capacity it consumed is
counted; after the tick, two clicks are counted the same way, for docs/cost.md: a customer's
done link (a step marked done) and a Done in Slack (a journey finished and archived).

`--day-before` ticks the day before the measured morning instead (what a daily tick finds
behind it: its memos), and counts no clicks; `--dry` ticks the measured morning without
carrying out its moves (what reading and deciding cost), and counts no clicks. `--floor`
ticks nothing: it reads the list's CSV text into rows and every row of every SQLite table,
the least any tick must read, and reports that time and peak memory beside which the tick's
are set. `--write-floor EMAILS` writes that many emails, rendered beforehand, to an outbox of
their own and syncs them once: the least a tick that sends them must write.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from first_tick import measure_floor
from request_counter import RequestCounter
from tick import TICK_DAY, _settings, peak_mib

from bot.wiring import build_guide
from engine.actions import ActionOutcome, finish, mark_done
from engine.adapters.dynamodb_items import META_PREFIX
from engine.adapters.memory import RecordingNotifier
from engine.guide import Guide
from engine.memo import TickMemo, TickRead
from engine.tick import TickReport, tick


def is_table_read(operation: str, params: dict[str, Any]) -> bool:
    """The read the tick makes whatever it decides (meta lives in the state table)."""
    if operation == "GetItem":
        return str(params["Key"]["customer_id"]["S"]).startswith(META_PREFIX)
    return operation in ("Scan", "DescribeTable")


def floor(workspace: Path) -> dict[str, Any]:
    """Read the CSV into rows and every SQLite row, and nothing else."""
    started = time.perf_counter()
    with (workspace / "roster.csv").open(newline="", encoding="utf-8") as file:
        rows = sum(1 for _ in csv.reader(file))
    database = sqlite3.connect(workspace / "og.db")
    tables = [
        name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    for table in tables:
        rows += sum(1 for _ in database.execute(f"SELECT * FROM {table}"))
    database.close()
    return {"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "rows": rows}


def counted_guide(
    workspace: Path, state: str | None
) -> tuple[Guide, RequestCounter | None, list[int]]:
    """The workspace's guide (its state at `state` when given), with its DynamoDB requests
    counted and the memos each tick takes (filled in as it reads them)."""
    settings = _settings(workspace)
    if state:
        settings = settings.model_copy(update={"state": state})
    guide = build_guide(settings)
    guide.notifier = RecordingNotifier()
    store: Any = guide.store
    counter = RequestCounter(store.client, capacity=True) if state else None
    return guide, counter, _count_memos(store)


def measure(
    workspace: Path, state: str | None, *, day_before: bool = False, dry: bool = False
) -> dict[str, Any]:
    guide, counter, kept = counted_guide(workspace, state)
    started = time.perf_counter()
    report = tick(guide, TICK_DAY - timedelta(days=1) if day_before else TICK_DAY, dry_run=dry)
    seconds = time.perf_counter() - started
    if report.failures:
        raise SystemExit(f"the tick failed: {report.failures}")
    result: dict[str, Any] = {
        "seconds": seconds,
        "peak_mib": peak_mib(),
        "moves": dict(report.counts()),
        "decided": sum(1 for r in report.results if r.move != "skipped") - sum(kept),
    }
    if counter is not None:
        result["calls"] = dict(counter.calls)
        result["table_reads"] = sum(1 for op, p in counter.requests if is_table_read(op, p))
        result["read_units"] = counter.read_units
        result["write_units"] = counter.write_units
        result["units_by_operation"] = dict(counter.units)
        if not (day_before or dry):
            result["actions"] = clicks(guide, report, counter)
    return result


def _count_memos(store: Any) -> list[int]:
    """How many customers the tick took from their memos (filled in as it reads them)."""
    kept: list[int] = []
    read = store.tick_read

    def counted(keep: Callable[[TickMemo], bool]) -> TickRead:
        found: TickRead = read(keep)
        kept.append(len(found.memos))
        return found

    store.tick_read = counted
    return kept


def clicks(guide: Guide, report: TickReport, counter: RequestCounter) -> dict[str, Any]:
    """What a done link and a Done click ask of DynamoDB, on customers the tick just moved."""
    figures: dict[str, Any] = {}
    for result in report.results:
        cid, step = result.customer_id, result.step
        if "done_link" not in figures and result.move == "step" and step:
            done_link = partial(mark_done, guide, cid, step, TICK_DAY, "customer")
            figures["done_link"] = _counted(counter, done_link)
        elif "done_button" not in figures and result.move in ("nudge", "flag"):
            figures["done_button"] = _counted(
                counter, partial(finish, guide, cid, "U0DANA", TICK_DAY)
            )
    return figures


def _counted(counter: RequestCounter, click: Callable[[], ActionOutcome]) -> dict[str, Any]:
    counter.reset()
    outcome = click()
    if not outcome.changed:
        raise SystemExit(f"the click changed nothing: {outcome.message}")
    return {
        "calls": dict(counter.calls),
        "read_units": counter.read_units,
        "write_units": counter.write_units,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("state", nargs="?")
    parser.add_argument("--day-before", action="store_true")
    parser.add_argument("--floor", action="store_true")
    parser.add_argument("--dry", action="store_true")
    parser.add_argument("--write-floor", type=int, metavar="EMAILS")
    args = parser.parse_args()
    if args.floor:
        print(json.dumps(floor(args.workspace)))
    elif args.write_floor is not None:
        print(json.dumps(measure_floor(args.workspace, args.write_floor)))
    else:
        figures = measure(args.workspace, args.state, day_before=args.day_before, dry=args.dry)
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
