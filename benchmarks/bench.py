"""Benchmark: every figure `make bench` reports, in one table.

    python benchmarks/bench.py [--sizes 1000,10000,100000] [--clicks 200] [--requests 20]
        [--first-tick 20000] [--json FILE]

For each size N, one workspace of N customers whose histories were made by the real tick (as
benchmarks/tick.py makes them: signups spread over a year), then, each in a fresh process so
its peak memory is the tick's own:

- the tick on the embedded default (CSV + SQLite + outbox);
- the same tick with the state in AWS's DynamoDB Local (the same states and live sends, copied
  in with the store's bulk import; the roster a copy taken before the SQLite tick wrote to it),
  built from an `OG_STATE=dynamodb://` URL as production builds it, after the day before's
  tick ran there too (so it finds its memos, as on SQLite). Its requests are counted by
  operation and its consumed capacity summed (read / write request units, as on-demand bills);
  the table read requests are set against the minimum to read the memos table once (a Scan
  page holds at most 1 MB: ceil(bytes / 1 MiB), bytes as DynamoDB counts item sizes), the rest
  against the fewest the movers need (`movers_minimum`).

Then the Google Sheets API calls of three ticks on an N-row sheet (in-process fake Sheets API):
one with nothing to write, one that finishes customers and must widen the sheet for the
finished columns, one that finishes more with room; and the Slack acknowledgement of a signed
button click through the Lambda handler (benchmarks/slack_ack.py), median and p99; the first
tick after a big import (`--first-tick` new customers, benchmarks/first_tick.py), emails a second
beside the outbox's own; and `og serve`'s clicks and done links at each size, each p50 beside
its floor and the Google Sheets calls and cells of each (`--requests` of each kind,
benchmarks/clicks.py).

`--json FILE` also writes every figure, for docs/cost.md's arithmetic.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

import clicks as click_bench
import first_tick
from adapters import SHEET_TICKS, _table, fill_tables, sheets
from day import ZONES
from dynamodb_local import (
    CREDENTIALS,
    REGION,
    client_for,
    fresh_tables,
    run_dynamodb_local,
)
from slack_ack import measure as measure_acks
from slack_ack import median_and_p99
from tick import build_seeds, build_workspace

SPREAD_DAYS = 365
ONE_TICK = Path(__file__).resolve().parent / "one_tick.py"
DAY = Path(__file__).resolve().parent / "day.py"


def _moves(counts: dict[str, int]) -> int:
    return sum(n for move, n in counts.items() if move != "on_track")


def _emails(counts: dict[str, int]) -> int:
    """The emails a tick's moves send: a step's, a nudge's and each finish's wrap-up."""
    return sum(counts.get(move, 0) for move in ("step", "nudge", "finish"))


def _tick_in_child(workspace: Path, *options: str, script: Path = ONE_TICK) -> dict[str, Any]:
    """benchmarks/one_tick.py (or `script`) in a fresh process: its peak memory is the tick's
    own."""
    command = [sys.executable, str(script), str(workspace), *options]
    env = {**os.environ, **{k.upper(): v for k, v in CREDENTIALS.items()}}
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the measured tick failed ({' '.join(command)}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# --- one size ----------------------------------------------------------------------------------


def measure_size(size: int, seeded: Any, directory: Path, url: str) -> dict[str, Any]:
    on_sqlite = directory / "sqlite"
    live = build_workspace(on_sqlite, size, seeded, SPREAD_DAYS)
    on_dynamodb = directory / "dynamodb"
    on_dynamodb.mkdir()
    for name in ("roster.csv", "rules.md"):  # before the SQLite ticks write to the roster
        shutil.copy(on_sqlite / name, on_dynamodb / name)
    client = client_for(url)
    with fresh_tables(client) as prefix:
        fill_tables(client, prefix, on_sqlite)
        state = f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={url}&segments=auto"
        # Yesterday's tick, on each store, as a daily tick finds it behind it: its memos.
        day_before = _tick_in_child(on_sqlite, "--day-before")
        dynamodb_day_before = _tick_in_child(on_dynamodb, state, "--day-before")
        tables = [_table(client_for(url), prefix + name) for name in ("sends", "state", "memos")]
        floor = _tick_in_child(on_sqlite, "--floor")
        dry = _tick_in_child(on_sqlite, "--dry")
        sqlite = _tick_in_child(on_sqlite)
        emails = _emails(sqlite["moves"])
        writes = _tick_in_child(on_sqlite, "--write-floor", str(emails))
        dynamodb = _tick_in_child(on_dynamodb, state)
    for sqlite_tick, dynamodb_tick in ((day_before, dynamodb_day_before), (sqlite, dynamodb)):
        if sqlite_tick["moves"] != dynamodb_tick["moves"]:
            raise AssertionError(f"the two stores moved differently: {sqlite} / {dynamodb}")
    return {
        "day": measure_hourly_day(size, seeded, directory / "day", url),
        "customers": size,
        "live_sends": live,
        "moves": _moves(sqlite["moves"]),
        "finishes": sqlite["moves"].get("finish", 0),
        "day_before": day_before,
        "dynamodb_day_before": dynamodb_day_before,
        "floor": floor,
        "writes": writes,
        "dry": dry,
        "sqlite": sqlite,
        "dynamodb": dynamodb,
        "table_bytes": tables[0]["bytes"] + tables[1]["bytes"],  # what a full read reads
        "memos_bytes": tables[2]["bytes"],
        # What a daily tick must read whatever it decides: its memos.
        "minimum_reads": tables[2]["floor_pages"],
    }


def measure_hourly_day(size: int, seeded: Any, directory: Path, url: str) -> dict[str, Any]:
    """A day of hourly ticks (benchmarks/day.py) on a workspace like the tick's, its customers
    round the world, on each store; and its read floor."""
    on_sqlite = directory / "sqlite"
    build_workspace(on_sqlite, size, seeded, SPREAD_DAYS, zones=ZONES)
    on_dynamodb = directory / "dynamodb"
    on_dynamodb.mkdir()
    for name in ("roster.csv", "rules.md"):
        shutil.copy(on_sqlite / name, on_dynamodb / name)
    floor = _tick_in_child(on_sqlite, "--floor")
    client = client_for(url)
    with fresh_tables(client) as prefix:
        fill_tables(client, prefix, on_sqlite)
        state = f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={url}&segments=auto"
        sqlite = _tick_in_child(on_sqlite, script=DAY)
        dynamodb = _tick_in_child(on_dynamodb, state, script=DAY)
    moved = [[one["moves"] for one in store["ticks"]] for store in (sqlite, dynamodb)]
    if moved[0] != moved[1]:
        raise AssertionError(f"the two stores moved differently over the day: {moved}")
    return {"floor": floor, "sqlite": sqlite, "dynamodb": dynamodb}


def movers_minimum(moves: int, finishes: int) -> int:
    """The fewest DynamoDB requests the tick's movers need, given the keys: each mover's live
    sends are a Query of their own (a customer's partition) and their states a BatchGetItem per
    100; their claims and confirmations each a transaction per 50 (a write and the bump of the
    customer's change count each, 100 items a transaction), their journeys' check a
    BatchGetItem per 100; and two more per finish (its transaction and its journey's archive).
    Customers decided in full who do not move (their quiet spell over) are read too, and are
    not counted here."""
    per_hundred = -(-moves // 100)
    per_fifty = -(-moves // 50)
    return moves + per_hundred + 2 * per_fifty + per_hundred + 2 * finishes


# --- the table -----------------------------------------------------------------------------------


def run(sizes: list[int], clicks: int, requests: int, first_tick_customers: int) -> dict[str, Any]:
    started = time.perf_counter()
    urls = run_dynamodb_local()
    url = next(urls)
    try:
        with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
            seeded = build_seeds(Path(directory) / "seed")
            per_size = []
            for size in sizes:
                per_size.append(measure_size(size, seeded, Path(directory) / str(size), url))
                sheet = sheets(size, Path(directory) / f"sheet-{size}")
                per_size[-1]["sheets"] = [len(sheet[label]["sheets"]) for label in SHEET_TICKS]
                print(f"  measured {size} customers", file=sys.stderr, flush=True)
    finally:
        urls.close()  # stops DynamoDB Local
    median, p99 = median_and_p99(measure_acks(clicks))
    first = first_tick.measure(first_tick_customers, runs=3)
    print("  measured the first tick", file=sys.stderr, flush=True)
    click_rows = click_bench.rows(sizes, requests=requests, together=5)
    return {
        "sizes": per_size,
        "ack": {"clicks": clicks, "median_ms": median * 1000, "p99_ms": p99 * 1000},
        "first_tick": first,
        "clicks": [list(row) for row in click_rows],
        "whole_run_s": time.perf_counter() - started,
    }


def table(figures: dict[str, Any]) -> list[str]:
    sizes = figures["sizes"]

    def line(label: str, cells: list[str], aim: str = "") -> str:
        return f"{label:<48}" + "".join(f"{c:>18}" for c in cells) + (f"  {aim}" if aim else "")

    def each(cell: Any) -> list[str]:
        return [cell(s) for s in sizes]

    def ratio(s: dict[str, Any]) -> str:
        reads, minimum = s["dynamodb"]["table_reads"], s["minimum_reads"]
        return f"{reads}/{minimum} = {reads / minimum:.2f}"

    def per_move(s: dict[str, Any]) -> str:
        requests = sum(s["dynamodb"]["calls"].values()) - s["dynamodb"]["table_reads"]
        return f"{requests / max(1, s['moves']):.1f}"

    def units(s: dict[str, Any]) -> str:
        return f"{s['dynamodb']['read_units']:,.0f} / {s['dynamodb']['write_units']:,.0f}"

    def store(name: str, figure: str, form: str) -> list[str]:
        return each(lambda s: format(s[name][figure], form))

    def beside_floor(figure: str, form: str, tick: str = "sqlite") -> list[str]:
        return each(
            lambda s: (
                f"{s[tick][figure]:{form}}/{s['floor'][figure]:{form}} = "
                f"{s[tick][figure] / s['floor'][figure]:.1f}x"
            )
        )

    def with_writes(s: dict[str, Any]) -> str:
        least = s["floor"]["seconds"] + s["writes"]["seconds"]
        return f"{s['sqlite']['seconds']:.2f}/{least:.2f} = {s['sqlite']['seconds'] / least:.1f}x"

    def requests(s: dict[str, Any]) -> str:
        made = sum(s["dynamodb"]["calls"].values())
        least = movers_minimum(s["moves"], s["finishes"])
        return f"{made}/{least} = {made / least:.1f}x"

    def hourly(s: dict[str, Any], store: str, figure: str) -> list[float]:
        return sorted(one[figure] for one in s["day"][store]["ticks"])

    def day_moves(s: dict[str, Any]) -> str:
        day = s["day"]["sqlite"]["day"]
        return f"{_moves(day['moves']):,} / {day['decided']:,}"

    def quiet_hour(s: dict[str, Any]) -> str:
        median, floor = statistics.median(hourly(s, "sqlite", "seconds")), s["day"]["floor"]
        return f"{median:.2f}/{floor['seconds']:.2f} = {median / floor['seconds']:.1f}x"

    def day_seconds(s: dict[str, Any], store: str) -> str:
        seconds = hourly(s, store, "seconds")
        return f"{sum(seconds):.1f} / {seconds[-1]:.2f}"

    def day_units(s: dict[str, Any]) -> str:
        day = s["day"]["dynamodb"]["day"]
        return f"{day['read_units']:,.0f} / {day['write_units']:,.0f}"

    def quiet_requests(s: dict[str, Any]) -> str:
        made = sorted(sum(one["calls"].values()) for one in s["day"]["dynamodb"]["ticks"])
        return f"{statistics.median(made):.0f}"

    ack, first = figures["ack"], figures["first_tick"]
    return [
        line("customers", each(lambda s: f"{s['customers']:,}")),
        line("live sends (the state every tick reads)", each(lambda s: f"{s['live_sends']:,}")),
        line("moves in the tick (the rest on track)", each(lambda s: f"{s['moves']:,}")),
        line("SQLite: tick seconds", store("sqlite", "seconds", ".2f")),
        line("SQLite: peak memory MiB", store("sqlite", "peak_mib", ".0f")),
        line(
            "SQLite: tick s / floor (CSV and SQLite read)",
            beside_floor("seconds", ".2f"),
            "<= 3x",
        ),
        line(
            "SQLite: tick s / floor with its emails written",
            each(with_writes),
        ),
        line("SQLite: peak MiB / the floor's", beside_floor("peak_mib", ".0f"), "< 300 MiB"),
        line("SQLite: the tick, dry (no moves) s / floor", beside_floor("seconds", ".2f", "dry")),
        line("SQLite: customers decided in full", each(lambda s: f"{s['sqlite']['decided']:,}")),
        line("DynamoDB Local: tick seconds", store("dynamodb", "seconds", ".2f"), "< 300"),
        line("DynamoDB Local: peak memory MiB", store("dynamodb", "peak_mib", ".0f")),
        line("DynamoDB: table read requests / minimum", each(ratio), "<= 1.2 from 10k"),
        line("DynamoDB: other requests per move", each(per_move)),
        line("DynamoDB: requests / minimum for the movers", each(requests), "<= 1.5x"),
        line("DynamoDB: read / write units consumed", each(units)),
        line("hourly day, customers round the world:", []),
        line("  moves / customers decided in full, 24 ticks", each(day_moves)),
        line("  SQLite: median hour s / its floor", each(quiet_hour)),
        line("  SQLite: the day's s / busiest hour s", each(lambda s: day_seconds(s, "sqlite"))),
        line(
            "  DynamoDB Local: day's s / busiest hour s", each(lambda s: day_seconds(s, "dynamodb"))
        ),
        line("  DynamoDB: the day's read / write units", each(day_units)),
        line("  DynamoDB: requests in the median hour", each(quiet_requests)),
        line(
            "Sheets calls: " + " / ".join(SHEET_TICKS),
            each(lambda s: " / ".join(str(n) for n in s["sheets"])),
            "<= 4",
        ),
        line(
            f"Slack ack, Lambda handler, {ack['clicks']} clicks: p50/p99 ms",
            [f"{ack['median_ms']:.1f} / {ack['p99_ms']:.1f}"],
            "p99 < 300",
        ),
        line(
            f"first tick, {first['customers']:,} new: emails/s / floor's",
            [
                f"{first['emails'] / first['tick_s']:,.0f} / "
                f"{first['floor_emails'] / first['floor_s']:,.0f} = "
                f"{first['floor_s'] / first['tick_s']:.0%}"
            ],
            ">= 4,000/s (80%)",
        ),
        line("first tick: peak memory MiB", [f"{first['peak_mib']:.0f}"]),
        *(line(label, cells, aim) for label, cells, aim in figures["clicks"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20, help="og serve requests of a kind")
    parser.add_argument("--first-tick", type=int, default=20000, help="customers imported")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = run(sizes, args.clicks, args.requests, args.first_tick)
    print(f"Onboarding Guide benchmarks (whole run {figures['whole_run_s']:.0f} s)")
    print("\n".join(table(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
