"""The monthly AWS bill at each measured size, from `benchmarks/bench.py --json`'s figures and
AWS's public prices, with the arithmetic written out (docs/cost.md is this script's output).

    python benchmarks/bench.py --sizes 100,10000,100000 --json figures.json
    python benchmarks/cost.py figures.json

Measured on DynamoDB Local, over a day of 24 hourly ticks (benchmarks/day.py, customers round
the world): the moves, so the emails and flags; the read and write request units the ticks
consumed; their seconds. After one morning's tick: the units a customer's done-link click and
a Done click in Slack consume, and what a tick that reads every customer (a digest's read)
consumes. Assumed (docs/cost.md says why): how often people click, how long a click's
invocation runs on AWS, how big the archive and audit grow.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# us-east-1, on demand, x86_64; AWS's public price pages (DynamoDB's on-demand prices as cut
# on 2024-11-01). Check them before relying on a figure.
WRU = 0.625 / 1e6  # $ per write request unit
RRU = 0.125 / 1e6  # $ per read request unit
STORAGE_GB_MONTH = 0.25  # DynamoDB standard table class; the first 25 GB are free
PITR_GB_MONTH = 0.20  # continuous backups, on every table's size
LAMBDA_GB_SECOND = 0.0000166667
LAMBDA_REQUEST = 0.20 / 1e6
LAMBDA_FREE_GB_SECONDS = 400_000  # a month, the always-free tier
LAMBDA_FREE_REQUESTS = 1_000_000
SES_EMAIL = 0.10 / 1000
SCHEDULER_INVOCATION = 1.00 / 1e6  # after 14 million free a month
SECRET_MONTH = 0.40

FUNCTION_GB = 3008 / 1024  # template.yaml's MemorySize
DAYS_A_MONTH = 365 / 12
TICKS_A_DAY = 24  # hourly: each customer's mail goes in their own hours
TICKS_A_MONTH = TICKS_A_DAY * DAYS_A_MONTH
DIGESTS_A_MONTH = 52 / 12
SES_RATE = 14  # emails a second: a common production quota (template's SesMaxSendRate)
CLICK_SECONDS = 2.0  # assumed: one roster read from Google plus one customer's state
EMAIL_MOVES = ("step", "nudge", "finish")  # a flag goes to Slack, not by mail


@dataclass
class Line:
    service: str
    arithmetic: str
    dollars: float


def the_day(size: dict[str, Any]) -> dict[str, Any]:
    """The measured day's 24 ticks on DynamoDB, summed."""
    day: dict[str, Any] = size["day"]["dynamodb"]["day"]
    return day


def click_invocations(size: dict[str, Any]) -> float:
    """A month's: every step email's done link clicked once, and every flag acted on once
    (two invocations: the acknowledgement and the lazy work)."""
    moves = the_day(size)["moves"]
    return moves.get("step", 0) * DAYS_A_MONTH + 2 * _flags(moves)


def _flags(moves: dict[str, int]) -> float:
    """A customer who ignores a nudge is flagged a few days later; one day's flags depend on
    its weekday (held steps go first), so a month has a flag for every nudge."""
    return max(moves.get("flag", 0), moves.get("nudge", 0)) * DAYS_A_MONTH


def lambda_usage(size: dict[str, Any]) -> tuple[float, float, float, float]:
    """A month's (seconds a day's ticks run on AWS, click invocations, invocations,
    GB-seconds)."""
    day, everything = the_day(size), size["dynamodb_day_before"]
    emails = sum(day["moves"].get(kind, 0) for kind in EMAIL_MOVES)
    day_seconds = day["seconds"] + emails / SES_RATE
    clicks = click_invocations(size)
    invocations = TICKS_A_MONTH + DIGESTS_A_MONTH + clicks
    gb_seconds = FUNCTION_GB * (
        day_seconds * DAYS_A_MONTH
        + everything["seconds"] * DIGESTS_A_MONTH
        + CLICK_SECONDS * clicks
    )
    return day_seconds, clicks, invocations, gb_seconds


def month(size: dict[str, Any]) -> list[Line]:
    day = the_day(size)
    moves = day["moves"]
    emails = sum(moves.get(kind, 0) for kind in EMAIL_MOVES) * DAYS_A_MONTH
    step_emails = moves.get("step", 0) * DAYS_A_MONTH
    flags = _flags(moves)
    actions = size["dynamodb"]["actions"]
    done_link, done_button = actions["done_link"], actions["done_button"]
    # What a digest reads: every customer, as the day before's tick on DynamoDB read them (it
    # found no memos); an hourly tick reads little more than its memos.
    everything = size["dynamodb_day_before"]
    table_read_units = everything["units_by_operation"].get("Scan", 0)
    rru = (
        day["read_units"] * DAYS_A_MONTH
        + table_read_units * DIGESTS_A_MONTH
        + done_link["read_units"] * step_emails
        + done_button["read_units"] * flags
    )
    wru = (
        day["write_units"] * DAYS_A_MONTH
        + done_link["write_units"] * step_emails
        + done_button["write_units"] * flags
    )
    day_seconds, clicks, invocations, gb_seconds = lambda_usage(size)
    # The live tables, and as much again twice over.
    stored_gb = 3 * (size["table_bytes"] + size.get("memos_bytes", 0)) / 1e9
    return [
        Line(
            "DynamoDB reads",
            f"({day['read_units']:,.0f} RRU × {DAYS_A_MONTH:.1f} days of ticks + "
            f"{table_read_units:,.0f} "
            f"× {DIGESTS_A_MONTH:.1f} digests + {done_link['read_units']:g} × "
            f"{step_emails:,.0f} done links + {done_button['read_units']:g} × {flags:,.0f} "
            f"flag clicks) = {rru:,.0f} RRU × $0.125/M",
            rru * RRU,
        ),
        Line(
            "DynamoDB writes",
            f"({day['write_units']:,.0f} WRU × {DAYS_A_MONTH:.1f} + {done_link['write_units']:g} "
            f"× {step_emails:,.0f} + {done_button['write_units']:g} × {flags:,.0f}) = "
            f"{wru:,.0f} WRU × $0.625/M",
            wru * WRU,
        ),
        Line(
            "DynamoDB storage + PITR",
            f"{stored_gb:.3f} GB (the live tables ×3, for archive and audit): storage free "
            f"under 25 GB; PITR {stored_gb:.3f} GB × $0.20",
            stored_gb * PITR_GB_MONTH,
        ),
        Line(
            "Lambda duration",
            f"{FUNCTION_GB:.2f} GB × ({day_seconds:,.1f} s × {DAYS_A_MONTH:.1f} days of ticks + "
            f"{everything['seconds']:,.1f} s × {DIGESTS_A_MONTH:.1f} digests + "
            f"{CLICK_SECONDS:g} s × {clicks:,.0f} click invocations) = {gb_seconds:,.0f} GB-s "
            f"× $0.0000166667",
            gb_seconds * LAMBDA_GB_SECOND,
        ),
        Line(
            "Lambda requests",
            f"{invocations:,.0f} invocations × $0.20/M",
            invocations * LAMBDA_REQUEST,
        ),
        Line("SES", f"{emails:,.0f} emails × $0.10/1,000", emails * SES_EMAIL),
        Line(
            "EventBridge Scheduler",
            f"{TICKS_A_MONTH + DIGESTS_A_MONTH:.1f} invocations (14 M a month free; $1/M after)",
            0.0,
        ),
        Line("Secrets Manager", "1 secret × $0.40", SECRET_MONTH),
    ]


def free_tier_saving(size: dict[str, Any]) -> float:
    _, _, invocations, gb_seconds = lambda_usage(size)
    return (
        min(gb_seconds, LAMBDA_FREE_GB_SECONDS) * LAMBDA_GB_SECOND
        + min(invocations, LAMBDA_FREE_REQUESTS) * LAMBDA_REQUEST
    )


def report(figures: dict[str, Any]) -> list[str]:
    out: list[str] = []
    totals = []
    for size in figures["sizes"]:
        day, ticks = the_day(size), size["day"]["dynamodb"]["ticks"]
        lines = month(size)
        total = sum(line.dollars for line in lines)
        totals.append((size, total, total - free_tier_saving(size)))
        emails = sum(day["moves"].get(kind, 0) for kind in EMAIL_MOVES)
        moves = sum(n for kind, n in day["moves"].items() if kind != "on_track")
        busiest = max(ticks, key=lambda one: one["seconds"])
        quiet = sorted(one["read_units"] for one in ticks)[len(ticks) // 2]
        out += [
            f"### {size['customers']:,} customers",
            "",
            f"Measured day: {len(ticks)} hourly ticks over {size['live_sends']:,} live sends "
            f"({size['table_bytes'] / 1e6:,.1f} MB in the two live tables), "
            f"{moves:,} moves of which {emails:,} emails, "
            f"{day['read_units']:,.0f} RRU (a median hour {quiet:,.0f}) and "
            f"{day['write_units']:,.0f} WRU, {day['seconds']:.1f} s on DynamoDB Local "
            f"(the busiest hour {busiest['seconds']:.1f} s), "
            f"peak {size['day']['dynamodb']['peak_mib']:.0f} MiB (the unmeasured hour "
            "before's, which found no memos).",
            "",
            "| service | arithmetic | $ a month |",
            "| --- | --- | ---: |",
            *(f"| {line.service} | {line.arithmetic} | {line.dollars:,.2f} |" for line in lines),
            f"| **total** | | **{total:,.2f}** |",
            "",
            f"Each second more that a click's invocation runs adds "
            f"${FUNCTION_GB * click_invocations(size) * LAMBDA_GB_SECOND:,.2f} a month here.",
            "",
        ]
    out += [
        "### Summary",
        "",
        "| customers | $ a month | with Lambda's free tier |",
        "| ---: | ---: | ---: |",
        *(
            f"| {size['customers']:,} | {total:,.2f} | {after_free:,.2f} |"
            for size, total, after_free in totals
        ),
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", type=Path, help="the JSON of benchmarks/bench.py --json")
    figures = json.loads(parser.parse_args().figures.read_text(encoding="utf-8"))
    print("\n".join(report(figures)))


if __name__ == "__main__":
    main()
