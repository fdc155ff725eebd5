"""Benchmark: the daily tick on the embedded default (CSV + SQLite + outbox).

    python benchmarks/tick.py [--sizes 1000,10000,100000]

For each size N it builds a workspace of N customers with mixed histories, then measures in
fresh processes (so peak memory is the tick's own): the load alone (roster read + validation +
state load), and the whole tick. Histories are realistic because they are made by the real
tick: one seed customer per (plan, signup day, behaviour) runs day by day up to the measured
morning, and the N customers are copies of those seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.demo.workspace import customers_act
from engine.adapters.memory import RecordingMailer, RecordingNotifier
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.settings import Settings
from engine.tick import Guide
from engine.wiring import build_guide

RULES = Path(__file__).resolve().parent.parent / "bot" / "demo" / "rules.md"
TICK_DAY = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)  # a Tuesday, 09:00 in New York
SIGNUP_SPREAD_DAYS = 60
PLANS = ("Starter", "Pro")
BEHAVIOURS = ("prompt", "after-nudge", "silent", "paused")
HEADER = ["customer_id", "name", "company", "email", "plan", "signup_date", "paused", "notes"]


def _settings(workspace: Path) -> Settings:
    return Settings(
        roster=str(workspace / "roster.csv"),
        rules=str(workspace / "rules.md"),
        state=f"sqlite:///{workspace / 'og.db'}",
        mailer=f"outbox:{workspace / 'outbox'}",
        timezone="America/New_York",
        link_secret=SecretStr("benchmark"),
    )


def _seed_classes() -> list[tuple[str, str, int, str]]:
    """(seed id, plan, signup days before the tick, behaviour)."""
    return [
        (f"S{plan[0]}{offset:02d}{behaviour[:2]}", plan, offset, behaviour)
        for plan in PLANS
        for offset in range(SIGNUP_SPREAD_DAYS)
        for behaviour in BEHAVIOURS
    ]


def _write_roster(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _row(customer_id: str, plan: str, offset: int, behaviour: str) -> list[str]:
    signup = (TICK_DAY - timedelta(days=offset)).date().isoformat()
    paused = "TRUE" if behaviour == "paused" else ""
    email = f"{customer_id.lower()}@example.test"
    return [customer_id, f"Customer {customer_id}", "Bench Co", email, plan, signup, paused, "x"]


def build_workspace(workspace: Path, size: int) -> None:
    """Run the real tick over the seeds' past days, then copy the seeds to `size` customers."""
    seeds = _seed_classes()
    seed_dir = workspace / "seed"
    seed_dir.mkdir(parents=True)
    (seed_dir / "rules.md").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    _write_roster(seed_dir / "roster.csv", [_row(*seed) for seed in seeds])
    seed_guide = build_guide(_settings(seed_dir), mailer=RecordingMailer())
    seed_guide.notifier = RecordingNotifier()
    behaviour = {seed[0]: seed[3] for seed in seeds}
    for back in range(SIGNUP_SPREAD_DAYS, 0, -1):
        morning = TICK_DAY - timedelta(days=back)
        customers_act(seed_guide, morning, behaviour)
        seed_guide.tick(morning)
    customers_act(seed_guide, TICK_DAY, behaviour)
    seeded = seed_guide.store.load()

    (workspace / "rules.md").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    store = build_guide(_settings(workspace)).store
    rows = []
    for index in range(size):
        seed_id, plan, offset, kind = seeds[index % len(seeds)]
        customer_id = f"B{index:07d}"
        rows.append(_row(customer_id, plan, offset, kind))
        history = seeded.history(seed_id)
        for send in history.sends:
            store.claim(send.model_copy(update={"customer_id": customer_id}))
        if seed_id in seeded.states:
            state = history.state.model_copy(update={"customer_id": customer_id, "version": 0})
            store.save_state(state)
    _write_roster(workspace / "roster.csv", rows)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(workspace: Path, phase: str) -> dict[str, float]:
    guide = build_guide(_settings(workspace))
    guide.notifier = RecordingNotifier()
    started = time.perf_counter()
    if phase == "load":
        _load_only(guide)
        moves: dict[str, int] = {}
    else:
        report = guide.tick(TICK_DAY)
        moves = dict(report.counts())
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "peak_mib": _peak_mib(), **moves}


def _load_only(guide: Guide) -> None:
    """What every tick reads before deciding anything."""
    rules = load_rules(guide.rules_source, guide.store, remember=False).rules
    assert rules is not None
    validate_rows(guide.roster.read(), rules.plans.keys(), guide.config.team_timezone)
    guide.store.load()


def _child(workspace: Path, phase: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", phase, str(workspace)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--measure", nargs=2, metavar=("PHASE", "WORKSPACE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[1]), args.measure[0])))
        return
    print(
        f"{'customers':>10} {'load s':>8} {'tick s':>8} {'tick/load':>9} "
        f"{'load MiB':>9} {'tick MiB':>9}  moves in the tick"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
            workspace = Path(directory)
            build_workspace(workspace, size)
            load = _child(workspace, "load")
            tick = _child(workspace, "tick")
        moves = ", ".join(
            f"{k} {int(v)}" for k, v in tick.items() if k not in ("seconds", "peak_mib")
        )
        print(
            f"{size:>10} {load['seconds']:>8.2f} {tick['seconds']:>8.2f} "
            f"{tick['seconds'] / load['seconds']:>9.2f} {load['peak_mib']:>9.0f} "
            f"{tick['peak_mib']:>9.0f}  {moves}",
            flush=True,
        )


if __name__ == "__main__":
    main()
