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
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.demo.workspace import customers_act
from bot.wiring import build_guide
from engine.adapters.memory import RecordingMailer, RecordingNotifier
from engine.guide import Guide
from engine.models import StoreSnapshot
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.settings import Settings
from engine.tick import tick

RULES = Path(__file__).resolve().parent.parent / "bot" / "demo" / "rules.md"
TICK_DAY = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)  # a Tuesday, 09:00 in New York
SEED_DAYS = 45
PLANS = ("Starter", "Pro")
BEHAVIOURS = ("prompt", "after-nudge", "silent", "paused")
HEADER = [
    "customer_id",
    "name",
    "company",
    "email",
    "plan",
    "signup_date",
    "paused",
    "finished",
    "finished_date",
    "notes",
]


def _settings(workspace: Path) -> Settings:
    return Settings(
        roster=str(workspace / "roster.csv"),
        rules=str(workspace / "rules.md"),
        state=f"sqlite:///{workspace / 'og.db'}",
        mailer=f"outbox:{workspace / 'outbox'}",
        timezone="America/New_York",
        link_secret=SecretStr("benchmark"),
    )


def _seed_id(plan: str, offset: int, behaviour: str) -> str:
    return f"S{plan[0]}{offset:02d}{behaviour[:2]}"


def _seed_classes() -> list[tuple[str, str, int, str]]:
    """(seed id, plan, signup days before the tick, behaviour)."""
    return [
        (_seed_id(plan, offset, behaviour), plan, offset, behaviour)
        for plan in PLANS
        for offset in range(SEED_DAYS)
        for behaviour in BEHAVIOURS
    ]


def _write_roster(path: Path, rows: list[list[str]], zones: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*HEADER, "timezone"] if zones else HEADER)
        writer.writerows(rows)


def _row(
    customer_id: str, plan: str, offset: int, behaviour: str, finished_on: date | None = None
) -> list[str]:
    signup = (TICK_DAY - timedelta(days=offset)).date().isoformat()
    paused = "TRUE" if behaviour == "paused" else ""
    finished = ["TRUE", finished_on.isoformat()] if finished_on else ["", ""]
    email = f"{customer_id.lower()}@example.test"
    name = f"Customer {customer_id}"
    return [customer_id, name, "Bench Co", email, plan, signup, paused, *finished, "x"]


def build_seeds(directory: Path) -> StoreSnapshot:
    """Run the real tick over the seeds' past days, as the customers behave."""
    seeds = _seed_classes()
    directory.mkdir(parents=True)
    (directory / "rules.md").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    _write_roster(directory / "roster.csv", [_row(*seed) for seed in seeds])
    guide = build_guide(_settings(directory), mailer=RecordingMailer())
    guide.notifier = RecordingNotifier()
    behaviour = {seed[0]: seed[3] for seed in seeds}
    for back in range(SEED_DAYS, 0, -1):
        morning = TICK_DAY - timedelta(days=back)
        customers_act(guide, morning, behaviour)
        tick(guide, morning)
    customers_act(guide, TICK_DAY, behaviour)
    return guide.store.load()


def build_workspace(
    workspace: Path, size: int, seeded: StoreSnapshot, spread: int, zones: Sequence[str] = ()
) -> int:
    """`size` customers signed up over `spread` days, each a copy of the seed of its plan and
    behaviour that signed up as long ago (capped: after SEED_DAYS every journey is long over),
    with `zones` given, each in one of them in turn (a `timezone` column). Returns the number
    of live sends written."""
    workspace.mkdir(parents=True)
    (workspace / "rules.md").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    store = build_guide(_settings(workspace)).store
    rows = []
    live_sends = 0
    for index in range(size):
        plan = PLANS[index % len(PLANS)]
        behaviour = BEHAVIOURS[(index // len(PLANS)) % len(BEHAVIOURS)]
        offset = (index * 7919) % spread  # spread evenly, not in roster order
        seed_id = _seed_id(plan, min(offset, SEED_DAYS - 1), behaviour)
        customer_id = f"B{index:07d}"
        history = seeded.history(seed_id)
        # As the tick that finished the seed wrote it on the seed's own row.
        finished_on = history.state.finished_date if history.state.finished else None
        rows.append(_row(customer_id, plan, offset, behaviour, finished_on))
        if zones:
            rows[-1].append(zones[index % len(zones)])
        for send in history.sends:
            store.claim(send.model_copy(update={"customer_id": customer_id}))
            live_sends += 1
        if seed_id in seeded.states:
            state = history.state.model_copy(update={"customer_id": customer_id, "version": 0})
            store.save_state(state)
    _write_roster(workspace / "roster.csv", rows, zones=bool(zones))
    return live_sends


def peak_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM, not getrusage's ru_maxrss: a child
    started by a bigger parent inherits the parent's ru_maxrss across exec."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def measure(workspace: Path, phase: str) -> dict[str, float]:
    guide = build_guide(_settings(workspace))
    guide.notifier = RecordingNotifier()
    started = time.perf_counter()
    if phase == "load":
        _load_only(guide)
        moves: dict[str, int] = {}
    else:
        report = tick(guide, TICK_DAY)
        moves = dict(report.counts())
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "peak_mib": peak_mib(), **moves}


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
        "--spread-days", type=int, default=365, help="signups spread over this many days"
    )
    parser.add_argument(
        "--measure", nargs=2, metavar=("PHASE", "WORKSPACE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[1]), args.measure[0])))
        return
    with tempfile.TemporaryDirectory(prefix="og-bench-") as directory:
        seeded = build_seeds(Path(directory) / "seed")
        print(f"Signups spread over {args.spread_days} days; histories made by the real tick.")
        print(
            f"{'customers':>10} {'live sends':>10} {'load s':>8} {'tick s':>8} "
            f"{'tick/load':>9} {'load MiB':>9} {'tick MiB':>9}  moves in the tick"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            workspace = Path(directory) / str(size)
            live = build_workspace(workspace, size, seeded, args.spread_days)
            load = _child(workspace, "load")
            tick = _child(workspace, "tick")
            shutil.rmtree(workspace)
            moves = ", ".join(
                f"{k} {int(v)}" for k, v in tick.items() if k not in ("seconds", "peak_mib")
            )
            print(
                f"{size:>10} {live:>10} {load['seconds']:>8.2f} {tick['seconds']:>8.2f} "
                f"{tick['seconds'] / load['seconds']:>9.2f} {load['peak_mib']:>9.0f} "
                f"{tick['peak_mib']:>9.0f}  {moves}",
                flush=True,
            )


if __name__ == "__main__":
    main()
