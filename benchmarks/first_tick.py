"""Benchmark: the first tick after a big import, on the embedded default (CSV + SQLite + outbox).

    python benchmarks/first_tick.py [--customers 20000] [--runs 3]

Every customer of the list signed up today, so the tick welcomes each one: one email per
customer, each claimed, written to the outbox, made durable and confirmed. Printed: the tick's
emails a second, beside its floor measured in the same run on the same machine: the same
emails written by the outbox mailer alone (each message built and written as a file, one
thread) and synced once at the end, with nothing claimed, decided or confirmed. Each figure
is the median of `--runs` runs, each in a fresh process on a fresh workspace.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tick import RULES, TICK_DAY, _row, _settings, _write_roster, peak_mib

from bot.wiring import build_guide
from engine.adapters.memory import RecordingNotifier
from engine.adapters.outbox import OutboxMailer
from engine.compose import step_email
from engine.links import done_url, make_token
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.tick import tick


def build(workspace: Path, customers: int) -> None:
    workspace.mkdir(parents=True)
    (workspace / "rules.md").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    plans = ("Starter", "Pro")
    rows = [_row(f"N{n:07d}", plans[n % 2], 0, "prompt") for n in range(customers)]
    _write_roster(workspace / "roster.csv", rows)


def measure_tick(workspace: Path) -> dict[str, float]:
    guide = build_guide(_settings(workspace))
    guide.notifier = RecordingNotifier()
    started = time.perf_counter()
    report = tick(guide, TICK_DAY)
    seconds = time.perf_counter() - started
    if report.failures:
        raise SystemExit(f"the tick failed: {report.failures[:3]}")
    emails = sum(1 for _ in (workspace / "outbox").glob("*.eml"))
    return {"seconds": seconds, "emails": emails, "peak_mib": peak_mib()}


def measure_floor(workspace: Path, count: int | None = None) -> dict[str, float]:
    """The tick's emails, rendered beforehand, written by the outbox alone and synced once.
    `count`: as many emails as that (a first step's for each of the first customers)."""
    guide = build_guide(_settings(workspace))
    rules = load_rules(guide.rules_source, guide.store, remember=False).rules
    assert rules is not None
    customers, _ = validate_rows(guide.roster.read(), rules.plans.keys(), "UTC")
    customers = customers[:count]
    config = guide.config
    expires = TICK_DAY + config.link_ttl
    emails = []
    for customer in customers:
        plan = rules.plans[customer.effective_plan]
        step = plan.steps[0]
        token = make_token(config.link_secret, customer.customer_id, 1, step.id, expires)
        link = done_url(config.base_url, token)
        emails.append(step_email(rules, customer, plan, step, 1, link))
    mailer = OutboxMailer(workspace / "floor-outbox", "Guide <guide@example.test>")
    started = time.perf_counter()
    for email in emails:
        mailer.send(email)
    mailer.flush()
    return {"seconds": time.perf_counter() - started, "emails": len(emails), "peak_mib": 0}


def _child(phase: str, workspace: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", phase, str(workspace)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


def measure(customers: int, runs: int) -> dict[str, float]:
    """The tick's and the floor's medians over `runs`, each run on fresh workspaces."""
    ticks, floors = [], []
    with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
        for run in range(runs):
            for phase, found in (("floor", floors), ("tick", ticks)):
                workspace = Path(directory) / f"{phase}-{run}"
                build(workspace, customers)
                found.append(_child(phase, workspace))
                shutil.rmtree(workspace)
    return {
        "customers": customers,
        "runs": runs,
        "emails": int(ticks[0]["emails"]),
        "floor_emails": int(floors[0]["emails"]),
        "tick_s": statistics.median(t["seconds"] for t in ticks),
        "floor_s": statistics.median(f["seconds"] for f in floors),
        "peak_mib": statistics.median(t["peak_mib"] for t in ticks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--measure", nargs=2, metavar=("PHASE", "WORKSPACE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        phase, workspace = args.measure
        measure_one = measure_tick if phase == "tick" else measure_floor
        print(json.dumps(measure_one(Path(workspace))))
        return
    figures = measure(args.customers, args.runs)
    tick_s, floor_s, emails = figures["tick_s"], figures["floor_s"], figures["emails"]
    print(f"First tick of {args.customers:,} new customers on the outbox (median of {args.runs})")
    print(f"  tick:  {emails:,} emails in {tick_s:.2f} s = {emails / tick_s:,.0f} emails/s")
    floor_emails = figures["floor_emails"]
    print(
        f"  floor: {floor_emails:,} files and one sync in {floor_s:.2f} s = "
        f"{floor_emails / floor_s:,.0f} emails/s (the tick at {floor_s / tick_s:.0%} of it)"
    )
    print(f"  tick peak memory: {figures['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
