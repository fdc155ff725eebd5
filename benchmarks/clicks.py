"""Benchmark: clicks and done links at 1k and 100k customers, as `og serve` answers them.

    python benchmarks/clicks.py [--sizes 1000,100000] [--requests 20] [--keep DIR] [--detail]

For each size, the workspace benchmarks/tick.py builds (histories made by the real tick; here a
tenth of the rows also carry a note with a comma, so the list has quoted cells, and every flag
send has the reference of a Slack message), served by `og serve` in a process of its own on the
embedded default (CSV + SQLite), with Slack's Web API the local fake the tests use, in this
process, which notes when each call arrives. Round-robin, each on a fresh connection, each on a
customer not used before:

- a refused click (signed with another secret: Bolt answers 401), the floor of the clicks;
- a Pause click: its HTTP reply, and the `views.open` of its modal;
- a Done click (it finishes the customer): until the first `chat.update` of the customer's flag;
- a forged done link (403), the floor of the links; a done link GET; a done link POST (marks a
  step that was not done).

Then four Pause clicks sent at once, a few times: each one's reply and views.open. Times are
milliseconds from the connection opened. The table (`rows`, which benchmarks/bench.py prints
as a section) gives each p50 beside its floor's and over the first size's, the slowest of the
clicks sent at once, and the Google Sheets calls and cells of each (benchmarks/click_sheets.py);
`--detail` prints p50, p99 (nearest rank) and max of every kind instead. `--keep DIR` builds
the workspaces there once and reuses them (each run works on a copy), so the same lists can be
measured against another checkout of the code (`PYTHONPATH=...`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

import click_sheets
from click_workspace import CHANNEL, LINK_SECRET, SECRET, USER, built, request, serving, targets
from fake_slack import FakeSlack, run_fake_slack
from slack_ack import median_and_p99
from slack_flow import block_actions, signed_headers
from tick import build_seeds

from engine.links import make_token

WARM_UP = 3
TOGETHER = 4
FLAG = {"ts": "1.000001", "text": "flag", "blocks": []}


class SlackWatch:
    """When each call reached the fake Slack, by a key: views.open by its trigger id,
    chat.update by the message's ts."""

    def __init__(self, fake: FakeSlack) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._changed = threading.Condition()
        answer = fake.answer

        def noted(method: str, token: str | None, params: dict[str, Any]) -> Any:
            result = answer(method, token, params)
            key = {"views.open": "trigger_id", "chat.update": "ts"}.get(method)
            if key is not None:
                with self._changed:
                    self._seen.setdefault((method, str(params.get(key))), time.perf_counter())
                    self._changed.notify_all()
            return result

        fake.answer = noted  # type: ignore[method-assign]

    def wait(self, method: str, key: str, timeout: float = 60) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: (method, key) in self._seen, timeout):
                raise SystemExit(f"no {method} for {key} within {timeout} s")
            return self._seen[(method, key)]


def _click(port: int, action: str, customer: str, trigger: str, secret: str = SECRET) -> int:
    payload = block_actions(USER, CHANNEL, FLAG, action, json.dumps({"c": customer, "j": 1}))
    payload["trigger_id"] = trigger
    body = "payload=" + quote(json.dumps(payload))
    headers = signed_headers(body, secret=secret)
    return request(port, "POST", "/slack/events", body.encode(), **headers)


# --- the measurements ----------------------------------------------------------------------


def timed(expected: int, send: Callable[..., int], *args: Any) -> tuple[float, float]:
    """(when it started, seconds until its reply) of one request, which must answer
    `expected`."""
    started = time.perf_counter()
    status = send(*args)
    elapsed = time.perf_counter() - started
    if status != expected:
        raise SystemExit(f"{send.__name__}{args[1:3]}: {status}, expected {expected}")
    return started, elapsed


def _together(
    port: int, watch: SlackWatch, customers: list[str], name: str
) -> list[tuple[float, float]]:
    """Pause clicks on `customers` sent at once: each one's reply and views.open, in s."""
    results: list[tuple[float, float]] = []
    gate = threading.Barrier(len(customers))

    def one(customer: str, trigger: str) -> None:
        gate.wait()
        started, replied = timed(200, _click, port, "og_pause", customer, trigger)
        results.append((replied, watch.wait("views.open", trigger) - started))

    threads = [
        threading.Thread(target=one, args=(customer, f"{name}-{i}"))
        for i, customer in enumerate(customers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def measure(workspace: Path, requests: int, together_rounds: int) -> dict[str, list[float]]:
    """Seconds per request, by kind."""
    count = WARM_UP + requests
    chosen = targets(workspace, count, count + TOGETHER * together_rounds)
    expires = datetime.now(UTC) + timedelta(days=30)

    def link(customer: str, step: str) -> str:
        return "/done/" + quote(make_token(LINK_SECRET, customer, 1, step, expires), safe="")

    forged = link("B0000000", "welcome")[:-6] + "AAAAAA"
    fakes = run_fake_slack()
    fake = next(fakes)
    watch = SlackWatch(fake)
    times: dict[str, list[float]] = {}
    with serving(workspace, fake) as port:
        for n in range(count):
            kept = n >= WARM_UP

            def keep(kind: str, seconds: float, kept: bool = kept) -> None:
                if kept:
                    times.setdefault(kind, []).append(seconds)

            customer, trigger = chosen["pause"][n], f"pause-{n}"
            keep(
                "refused click (floor)",
                timed(401, _click, port, "og_pause", customer, "x", "no")[1],
            )
            started, replied = timed(200, _click, port, "og_pause", customer, trigger)
            keep("Pause click: reply", replied)
            keep("Pause click: views.open", watch.wait("views.open", trigger) - started)
            done_customer, flag_ts = chosen["done"][n]
            started, replied = timed(200, _click, port, "og_done", done_customer, "d")
            keep("Done click: reply", replied)
            keep("Done click: chat.update", watch.wait("chat.update", flag_ts[0]) - started)
            time.sleep(0.05)  # the rest of the Done (the clicker's answer) out of the way
            keep("forged link (floor)", timed(403, request, port, "GET", forged)[1])
            keep("done link GET", timed(200, request, port, "GET", link(*chosen["get"][n]))[1])
            post = link(*chosen["post"][n])
            keep("done link POST", timed(200, request, port, "POST", post)[1])
        base = count
        for round_ in range(together_rounds):
            group = chosen["pause"][base + round_ * TOGETHER : base + (round_ + 1) * TOGETHER]
            for replied, opened in _together(port, watch, group, f"together-{round_}"):
                times.setdefault("4 Pause clicks at once: reply", []).append(replied)
                times.setdefault("4 Pause clicks at once: views.open", []).append(opened)
    fakes.close()
    return times


FLOORS = {
    "Pause click: reply": "refused click (floor)",
    "Pause click: views.open": "refused click (floor)",
    "Done click: chat.update": "refused click (floor)",
    "done link GET": "forged link (floor)",
    "done link POST": "forged link (floor)",
}
"""Each figure of the table and the floor measured beside it in the same run."""
TOGETHER_KINDS = ("4 Pause clicks at once: reply", "4 Pause clicks at once: views.open")
Row = tuple[str, list[str], str]
"""(what, one cell per size, aim): a line of the benchmark's table."""


def measure_sizes(
    sizes: list[int], requests: int, together: int, keep: Path | None = None
) -> dict[int, dict[str, list[float]]]:
    """Seconds per request, by kind, for each size."""
    figures: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="og-bench-clicks-") as scratch:
        built_in = keep or Path(scratch) / "built"
        built_in.mkdir(parents=True, exist_ok=True)
        seeds: list[Any] = []

        def seeded() -> Any:
            if not seeds:
                seeds.append(build_seeds(Path(scratch) / "seed"))
            return seeds[0]

        for size in sizes:
            source = built(size, built_in, seeded)
            workspace = Path(scratch) / f"run-{size}"
            shutil.rmtree(workspace, ignore_errors=True)
            shutil.copytree(source, workspace)
            figures[size] = measure(workspace, requests, together)
            shutil.rmtree(workspace)
            print(f"  clicks measured at {size:,} customers", file=sys.stderr, flush=True)
    return figures


def rows(
    sizes: list[int],
    requests: int = 20,
    together: int = 5,
    sheets: bool = True,
    keep: Path | None = None,
) -> list[Row]:
    """The lines of the table: each p50 in ms beside its floor's [in brackets] and its ratio to
    the first size's; four Pause clicks at once, the slowest of them; and, with `sheets`, the
    Google Sheets calls and cells of each (benchmarks/click_sheets.py)."""
    figures = measure_sizes(sizes, requests, together, keep)
    first = figures[sizes[0]]

    def p50(times: list[float]) -> float:
        return median_and_p99(times)[0] * 1000

    lines: list[Row] = []
    for kind, floor in FLOORS.items():
        cells = [
            f"{p50(figures[s][kind]):.1f} [{p50(figures[s][floor]):.1f}] "
            f"{p50(figures[s][kind]) / p50(first[kind]):.1f}x"
            for s in sizes
        ]
        lines.append((f"{kind}: p50 ms [floor]", cells, "<= 3x the first size"))
    for kind in TOGETHER_KINDS:
        cells = [f"{p50(figures[s][kind]):.1f} / {max(figures[s][kind]) * 1000:.1f}" for s in sizes]
        lines.append((f"{kind}: p50 / max ms", cells, "max < 300"))
    if sheets:
        lines += click_sheets.rows(sizes)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--together", type=int, default=5, help="rounds of 4 clicks at once")
    parser.add_argument("--keep", type=Path, help="build the workspaces here, once")
    parser.add_argument("--detail", action="store_true", help="every kind's p50, p99 and max")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.detail:
        figures = measure_sizes(sizes, args.requests, args.together, args.keep)
        for size in sizes:
            print(f"{size:,} customers")
            for kind, times in figures[size].items():
                median, p99 = median_and_p99(times)
                print(
                    f"  {kind:<36} p50 {median * 1000:8.1f}   p99 {p99 * 1000:8.1f}   "
                    f"max {max(times) * 1000:8.1f}"
                )
        return
    print(f"{'og serve over HTTP, CSV + SQLite':<48}" + "".join(f"{s:>20,}" for s in sizes))
    for what, cells, aim in rows(sizes, args.requests, args.together, keep=args.keep):
        print(f"{what:<48}" + "".join(f"{c:>20}" for c in cells) + f"  {aim}".rstrip())


if __name__ == "__main__":
    main()
