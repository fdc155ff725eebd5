"""Benchmark: requests per tick on the two remote adapters, DynamoDB state and a Google Sheet.

    python benchmarks/adapters.py [--customers 10000] [--sheet-sizes 100,1000,10000]

DynamoDB (AWS's DynamoDB Local, from `make dynamodb-local`): the state of `--customers`
customers is made as benchmarks/tick.py makes it (seed customers run through 45 days of the
real tick on SQLite, the N customers copies of them), then copied into DynamoDB Local with the
store's bulk import (BatchWriteItem). One tick, for the next morning, runs on it with
`segments=auto`, as a fresh process would (no table size cached), and every request it makes
is counted by operation on the client (a botocore event hook: calls, not HTTP retries).

- The read: what the tick asks for whatever it decides: the Scan pages of the sends and
  state tables, DescribeTable (how `auto` picks segments) and the GetItem of the rules log's
  head (which doc is in force). Everything else is the moves' own (claim, its journey check,
  confirmation, a finish's state and archive), reported per move.
- The minimum: a Scan page holds at most 1 MB of items, so reading a table once takes at
  least ceil(table bytes / 1 MiB) requests (and 1 for an empty table); bytes are the items'
  sizes computed as DynamoDB counts them (names and values) from a full Scan, and
  DescribeTable's TableSizeBytes is shown beside them. The pages a one-segment Scan actually
  took are shown too (page boundaries fall between items, so they can exceed the floor).
- The ratio: read requests / minimum (the aim: at most 1.2). The bulk read alone (what
  `load` asks for) is also counted and timed with segments=1, auto and 4, each by a fresh
  store; the summary's segments=1 ratio is the tick's reads with that bulk read in place of
  its own.

Sheets (the in-process fake Google of the tests): N Starter customers on a worksheet exactly
as wide as the roster, state in SQLite. A tick only writes the sheet when it finishes someone
(the finished columns), and that needs every step done, so 1% of the customers (at most 100)
click all their done links; the rest are paused, so the ticks' time is the sheet's and not
100k welcome emails'. The clicks go through an action on a CSV roster of the finishers alone
(an action reads the roster first; N-row reads through the fake would dominate). Ticks: day 0
welcomes the finishers, writes nothing; day 1 finishes the first half (the grid must widen for
the new columns: the worst case); day 2 finishes the other half (room now, but the finished
dates still get their date format, in the one spreadsheets.batchUpdate a widening shares). Sheets
API calls per tick are counted on the fake; the OAuth token exchanges (not Sheets calls) are
shown apart.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from itertools import chain
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from dynamodb_local import client_for, fresh_tables, run_dynamodb_local
from fake_google import FakeGoogle
from one_tick import is_table_read
from request_counter import RequestCounter, size_of
from tick import TICK_DAY, _settings, build_seeds, build_workspace
from workspace import HEADER, Workspace, nine_am, row

from bot.wiring import build_guide
from engine.actions import mark_done
from engine.adapters.dynamodb_items import SENDS, STATE
from engine.adapters.dynamodb_reads import Reader
from engine.adapters.dynamodb_store import DynamoDbStore
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.adapters.memory import RecordingMailer, RecordingNotifier
from engine.rulebook import load_rules
from engine.tick import tick

MIB = 1024 * 1024
READ_OPS = ("Scan", "DescribeTable", "GetItem", "Query")
STARTER_STEPS = ("welcome", "setup", "check-in")  # the test rules' Starter plan
DAY0 = nine_am("2026-11-02")
SHEET_TICKS = ("no write", "widen+write", "write")  # days 0, 1 and 2


def dynamodb(customers: int) -> dict[str, Any]:
    urls = run_dynamodb_local()
    url = next(urls)
    try:
        with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
            return _dynamodb_run(url, Path(directory), customers)
    finally:
        urls.close()  # stops DynamoDB Local


def fill_tables(client: Any, prefix: str, workspace: Path) -> int:
    """Copy the workspace's states and live sends into the tables under `prefix` with the
    store's bulk import. The import carries states and sends, not meta: the rules doc's last
    good copy is stored as an earlier tick would have, so a measured tick does not write it.
    Returns how many items were imported."""
    guide = build_guide(_settings(workspace))
    on_sqlite = guide.store.load()
    store = DynamoDbStore(client, prefix)
    sends = chain.from_iterable(on_sqlite.sends.values())
    imported = store.import_records(on_sqlite.states.values(), sends)
    load_rules(guide.rules_source, store)
    return imported


def _dynamodb_run(url: str, directory: Path, customers: int) -> dict[str, Any]:
    started = time.perf_counter()
    workspace = directory / "workspace"
    live = build_workspace(workspace, customers, build_seeds(directory / "seed"), 365)
    made = time.perf_counter() - started
    client = client_for(url)
    with fresh_tables(client) as prefix:
        started = time.perf_counter()
        imported = fill_tables(client, prefix, workspace)
        imported_in = time.perf_counter() - started
        guide = build_guide(_settings(workspace), mailer=RecordingMailer())
        guide.notifier = RecordingNotifier()
        tables = {t.name(""): _table(client_for(url), t.name(prefix)) for t in (SENDS, STATE)}
        # segments=4 too: what forcing parallel segments costs in pages at this size.
        loads = {n: _timed_load(url, prefix, n) for n in (1, None, 4)}
        guide.store = store = DynamoDbStore(client_for(url), prefix)  # segments=auto
        counter = RequestCounter(store.client)
        started = time.perf_counter()
        report = tick(guide, TICK_DAY)
        seconds = time.perf_counter() - started
    table_read = sum(1 for op, params in counter.requests if is_table_read(op, params))
    bulk = counter.calls["Scan"] + counter.calls["DescribeTable"]
    moves = sum(n for move, n in report.counts().items() if move != "on_track")
    per_move = Counter(counter.calls)
    per_move.subtract(Counter(op for op, p in counter.requests if is_table_read(op, p)))
    minimum = sum(t["floor_pages"] for t in tables.values())
    return {
        "customers": customers,
        "live_sends": live,
        "made_s": made,
        "imported": imported,
        "import_s": imported_in,
        "tables": tables,
        "loads": loads,
        "calls": dict(counter.calls),
        "reads": sum(n for op, n in counter.calls.items() if op in READ_OPS),
        "table_read": table_read,
        "tick_bulk": bulk,
        "minimum": minimum,
        "moves": moves,
        "move_counts": dict(report.counts()),
        "per_move": {op: n for op, n in per_move.items() if n},
        "tick_s": seconds,
    }


def _table(client: Any, name: str) -> dict[str, Any]:
    """Its items' size, and the pages a one-segment Scan takes (a client of its own)."""
    counter = RequestCounter(client)
    items = list(Reader(client).scan(name))
    size = sum(size_of(item) for item in items)
    described = client.describe_table(TableName=name)["Table"]
    return {
        "items": len(items),
        "bytes": size,
        "described_bytes": int(described.get("TableSizeBytes", 0)),
        "floor_pages": max(1, math.ceil(size / MIB)),
        "pages": counter.calls["Scan"],
    }


def _timed_load(url: str, prefix: str, segments: int | None) -> dict[str, Any]:
    """The tick's bulk read alone, best of two (DynamoDB Local's JVM warms up as it runs),
    each by a fresh store and client as a fresh process would."""
    times = []
    for _ in range(2):
        store = DynamoDbStore(client_for(url), prefix, segments=segments)
        counter = RequestCounter(store.client)
        started = time.perf_counter()
        store.load()
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "calls": dict(counter.calls)}


def sheets(size: int, directory: Path) -> dict[str, Any]:
    google = FakeGoogle()
    ids = [f"C{n:06d}" for n in range(size)]
    batch = max(1, min(size // 100, 100) // 2)
    finishers = ids[: 2 * batch]
    rows = [row(cid, paused="" if cid in finishers else "TRUE") for cid in ids]
    header = [*HEADER, "paused"]
    directory.mkdir(parents=True)
    workspace = Workspace(directory, [r for r in rows if not r["paused"]])
    worksheet = google.sheets.add_spreadsheet("1Bench").add_worksheet("Roster", columns=len(header))
    worksheet.fill([header, *([r[c] for c in header] for r in rows)])
    on_csv = workspace.guide()  # the finishers' rows and the same state, for their clicks
    guide = workspace.guide()
    guide.mailer = RecordingMailer()
    guide.roster = GoogleSheetRoster("1Bench", "Roster", google.session())
    result: dict[str, Any] = {"customers": size, "finishers": batch}
    for day, label in enumerate(SHEET_TICKS):
        now = DAY0 + timedelta(days=day)
        if day:  # yesterday's batch click every done link before the morning tick
            for cid in finishers[(day - 1) * batch : day * batch]:
                for step in STARTER_STEPS:
                    assert mark_done(on_csv, cid, step, now, actor="customer").ok
        google.calls.clear()
        started = time.perf_counter()
        report = tick(guide, now)
        result[label] = {
            "seconds": time.perf_counter() - started,
            "sheets": google.kinds(),
            "tokens": len(google.kinds("oauth2.googleapis.com")),
            "finished": report.counts().get("finish", 0),
        }
        assert not report.failures, report.failures
    return result


def _print_dynamodb(d: dict[str, Any]) -> None:
    print(f"DynamoDB Local, {d['customers']} customers ({d['live_sends']} live sends)")
    print(f"  state made on SQLite in {d['made_s']:.1f} s; bulk import of {d['imported']} items")
    print(f"  in {d['import_s']:.1f} s ({math.ceil(d['imported'] / 25)} BatchWriteItem)")
    for name, t in d["tables"].items():
        print(
            f"  {name}: {t['items']} items, "
            f"{t['bytes'] / MIB:.2f} MiB by item sizes (DescribeTable: "
            f"{t['described_bytes'] / MIB:.2f} MiB), minimum {t['floor_pages']} Scan pages, "
            f"one-segment Scan took {t['pages']}"
        )
    for segments, load in d["loads"].items():
        calls = ", ".join(f"{op} {n}" for op, n in sorted(load["calls"].items()))
        print(f"  bulk read alone, segments={segments or 'auto'}: {calls}; {load['seconds']:.2f} s")
    print(f"  tick (segments=auto): {d['tick_s']:.2f} s; moves {d['move_counts']}")
    print(f"    all requests: {dict(sorted(d['calls'].items()))}")
    print(
        f"    read requests (Scan+Query+GetItem+DescribeTable): {d['reads']}, of which the "
        f"table read {d['table_read']}; minimum {d['minimum']}; "
        f"ratio {d['table_read'] / d['minimum']:.2f} (aim <= 1.2)"
    )
    moves = max(1, d["moves"])
    per = ", ".join(f"{op} {n / moves:.2f}" for op, n in sorted(d["per_move"].items()))
    print(f"    per move ({d['moves']} moves): {per}")


def _print_sheets(s: dict[str, Any]) -> None:
    print(f"Sheets, {s['customers']} rows ({s['finishers']} finish on each of days 1, 2)")
    for label in SHEET_TICKS:
        t = s[label]
        print(
            f"  {label:>11}: {len(t['sheets'])} Sheets calls {t['sheets']}, "
            f"{t['tokens']} token exchange(s), {t['finished']} finished, {t['seconds']:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10000, help="on DynamoDB Local")
    parser.add_argument("--sheet-sizes", default="100,1000,10000")
    args = parser.parse_args()
    started = time.perf_counter()
    d = dynamodb(args.customers)
    _print_dynamodb(d)
    runs = []
    with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
        for size in (int(s) for s in args.sheet_sizes.split(",") if s):
            runs.append(sheets(size, Path(directory) / str(size)))
            _print_sheets(runs[-1])
    print(f"\nSummary (whole run {time.perf_counter() - started:.0f} s)")
    _summary(d, runs)


def _summary(d: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    def line(adapter: str, n: object, what: str, value: str, aim: str = "") -> None:
        print(f"{adapter:<9} {n!s:>6}  {what:<53} {value:>12}  {aim}".rstrip())

    line("adapter", "N", "figure", "value", "aim")
    minimum, reads = d["minimum"], d["table_read"]
    auto = f"{reads}/{minimum} = {reads / minimum:.2f}"
    line("DynamoDB", d["customers"], "read requests per tick / minimum", auto, "<= 1.2")
    # The tick's other read is the rules GetItem; with segments=1 there is no DescribeTable.
    one = sum(d["loads"][1]["calls"].values()) + reads - d["tick_bulk"]
    line("", "", "  the same with segments=1", f"{one}/{minimum} = {one / minimum:.2f}", "<= 1.2")
    writes = sum(n for op, n in d["per_move"].items() if op not in READ_OPS)
    per_move = f"{writes / max(1, d['moves']):.2f}"
    line("", "", f"write requests per move ({d['moves']} moves)", per_move)
    line("", "", "tick seconds (DynamoDB Local)", f"{d['tick_s']:.2f}")
    for s in runs:
        calls = " / ".join(str(len(s[label]["sheets"])) for label in SHEET_TICKS)
        line(
            "Sheets",
            s["customers"],
            "Sheets calls per tick: " + " / ".join(SHEET_TICKS),
            calls,
            "<= 4",
        )


if __name__ == "__main__":
    main()
