"""`make bench` stays runnable: the benchmark runs end to end at a small size and prints its one
table, with figures that hang together. Nothing here looks at a clock: times and memory are
printed by the benchmark, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click_labels import CLICK_LABELS

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks" / "bench.py"
SMALL = ["--requests", "1", "--first-tick", "100"]
sys.path.insert(0, str(ROOT / "benchmarks"))

import cost  # noqa: E402 - a script of benchmarks/, not a package

LABEL_WIDTH = 48

pytestmark = pytest.mark.slow


def test_the_benchmark_prints_one_table_of_every_figure(tmp_path: Path) -> None:
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            BENCH,
            "--sizes",
            "150,300",
            "--clicks",
            "5",
            "--json",
            figures_file,
            *SMALL,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    title, *rows = result.stdout.splitlines()
    assert title.startswith("Onboarding Guide benchmarks")
    table = {row[:LABEL_WIDTH].strip(): row[LABEL_WIDTH:].split() for row in rows}
    assert list(table) == [
        "customers",
        "live sends (the state every tick reads)",
        "moves in the tick (the rest on track)",
        "SQLite: tick seconds",
        "SQLite: peak memory MiB",
        "SQLite: tick s / floor (CSV and SQLite read)",
        "SQLite: tick s / floor with its emails written",
        "SQLite: peak MiB / the floor's",
        "SQLite: the tick, dry (no moves) s / floor",
        "SQLite: customers decided in full",
        "DynamoDB Local: tick seconds",
        "DynamoDB Local: peak memory MiB",
        "DynamoDB: table read requests / minimum",
        "DynamoDB: other requests per move",
        "DynamoDB: requests / minimum for the movers",
        "DynamoDB: read / write units consumed",
        "hourly day, customers round the world:",
        "moves / customers decided in full, 24 ticks",
        "SQLite: median hour s / its floor",
        "SQLite: the day's s / busiest hour s",
        "DynamoDB Local: day's s / busiest hour s",
        "DynamoDB: the day's read / write units",
        "DynamoDB: requests in the median hour",
        "Sheets calls: no write / widen+write / write",
        "Slack ack, Lambda handler, 5 clicks: p50/p99 ms",
        "first tick, 100 new: emails/s / floor's",
        "first tick: peak memory MiB",
        *CLICK_LABELS,
    ]
    assert table["customers"] == ["150", "300"]
    assert table["Sheets calls: no write / widen+write / write"][:5] == ["1", "/", "4", "/", "4"]

    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    for size in figures["sizes"]:
        sqlite, dynamodb = size["sqlite"], size["dynamodb"]
        assert size["moves"] > 0
        assert sqlite["moves"] == dynamodb["moves"]  # the same tick on either store
        # The memos table read once (a page at this size), the Scan's sizing and the rules;
        # the customers without a current memo are read by key.
        assert size["minimum_reads"] == 1
        assert dynamodb["table_reads"] == 3
        assert dynamodb["calls"]["Query"] > 0
        # Every move claims and confirms: at least two write units each.
        assert dynamodb["write_units"] >= 2 * size["moves"]
        assert dynamodb["read_units"] > 0
        assert sqlite["peak_mib"] > 0 and dynamodb["peak_mib"] > 0
        assert size["floor"]["seconds"] > 0 and size["floor"]["peak_mib"] > 0
        # The write floor writes as many emails as the tick sent.
        sent = sum(sqlite["moves"].get(move, 0) for move in ("step", "nudge", "finish"))
        assert size["writes"]["emails"] == sent > 0 and size["writes"]["seconds"] > 0
        # The day before left memos on both stores: each decides the same few in full.
        assert 0 < sqlite["decided"] == dynamodb["decided"] < size["customers"]
        assert size["dynamodb_day_before"]["decided"] == size["customers"]
        # A day of hourly ticks, customers round the world: the same moves each hour on
        # either store; some wait for their hours; each hour decides in full only those whose
        # hours or day begin, so the whole day decides fewer than one tick without memos.
        day = size["day"]
        assert len(day["sqlite"]["ticks"]) == len(day["dynamodb"]["ticks"]) == 24
        assert any(one["held"] for one in day["sqlite"]["ticks"])
        assert 0 < day["sqlite"]["day"]["decided"] < size["customers"]
        assert day["dynamodb"]["day"]["decided"] == day["sqlite"]["day"]["decided"]
        assert day["dynamodb"]["day"]["read_units"] > 0 and day["floor"]["seconds"] > 0
        # The clicks counted after the tick, for docs/cost.md: each writes in transactions
        # (each with the customer's change count): a done link its action; a Done, which
        # writes the list too, its intent first (engine.intents).
        for click, transactions in (("done_link", 1), ("done_button", 2)):
            assert dynamodb["actions"][click]["calls"]["TransactWriteItems"] == transactions
            assert "PutItem" not in dynamodb["actions"][click]["calls"]
            assert dynamodb["actions"][click]["write_units"] > 0
    assert figures["ack"]["clicks"] == 5
    first = figures["first_tick"]
    assert first["emails"] == first["floor_emails"] == 100  # one welcome each
    assert first["tick_s"] > 0 and first["floor_s"] > 0
    assert 0 < figures["ack"]["median_ms"] <= figures["ack"]["p99_ms"]
    # The same figures make the cost page.
    assert any(line.startswith("| **total** |") for line in cost.report(figures))
