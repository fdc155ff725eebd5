"""Benchmark: what the Slack side reads, on the embedded default (CSV + SQLite).

    python benchmarks/home.py [--sizes 1000,10000,100000]

For each size N, on the workspace benchmarks/tick.py builds (histories made by the real tick):

- a Home tab: the query (rules, the whole state and the roster, as the digest reads them) and
  its Block Kit, for the Starter plan's owner;
- a Pause or Hand off click, up to its modal: what it read before (the customer's state, then
  the whole roster read and validated) and what it reads now (nothing for Pause; the rules doc
  for Hand off's owners);
- an action (a pause), and the part of it that tells the notifier: the customer's audit trail
  and the journey's sends, read to rebuild its flags.

Each time is the median of a few runs in this process, after one warm-up, in seconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tick import TICK_DAY, _settings, build_seeds, build_workspace

from bot.slack.home import home_view
from bot.wiring import build_guide
from engine.acted import action_notice
from engine.actions import pause, resume
from engine.adapters.memory import RecordingNotifier
from engine.home import home_for
from engine.queries import find_customer
from engine.rulebook import load_rules

OWNER = "U0DANA"
RUNS = 3


def timed(work: Callable[[], object], runs: int = RUNS) -> float:
    work()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def measure(workspace: Path) -> dict[str, float]:
    guide = build_guide(_settings(workspace))
    guide.notifier = RecordingNotifier()
    home = home_for(guide, OWNER)
    customer = next(iter(guide.roster.read().rows)).values["customer_id"]
    assert isinstance(customer, str)

    def modal_before() -> None:
        guide.store.load_one(customer)
        find_customer(guide, customer)

    def a_pause() -> None:
        now = TICK_DAY + timedelta(hours=1)
        pause(guide, customer, "benchmark", "U0DANA", now)
        resume(guide, customer, "U0DANA", now)

    a_pause()
    audit = guide.store.audit_trail(customer)[0]
    found = find_customer(guide, customer)
    assert not isinstance(found, str)
    return {
        "flags": len(home.flags),
        "paused": len(home.paused),
        "home query s": timed(lambda: home_for(guide, OWNER)),
        "home blocks s": timed(lambda: home_view(home, team=True).to_dict()),
        "modal before s": timed(modal_before),
        "modal now (hand off) s": timed(
            lambda: load_rules(guide.rules_source, guide.store, remember=False)
        ),
        "pause + resume s": timed(a_pause) / 2,
        "telling s": timed(
            lambda: action_notice(guide, audit, message="", customer=found[0], rules=found[1])
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="og-bench-home-") as directory:
        seeded = build_seeds(Path(directory) / "seed")
        for size in (int(s) for s in args.sizes.split(",")):
            workspace = Path(directory) / str(size)
            build_workspace(workspace, size, seeded, 365)
            figures = measure(workspace)
            print(
                f"{size:>7} customers: "
                + ", ".join(
                    f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}"
                    for name, value in figures.items()
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
