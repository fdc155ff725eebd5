"""The workspaces and the server of benchmarks/clicks.py: a list of N customers with histories
made by the real tick (benchmarks/tick.py's), served by `og serve` in a process of its own."""

from __future__ import annotations

import csv
import http.client
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from fake_slack import FakeSlack
from smtp_servers import free_port
from tick import _settings, build_workspace

from bot.wiring import build_guide
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules

SECRET = "bench-signing-secret"
LINK_SECRET = "benchmark"  # as benchmarks/tick.py's settings
CHANNEL = "C0FLAGS"
USER = "U0DANA"
NOTE = "migrating, back in Q1"


def request(port: int, method: str, path: str, body: bytes = b"", **headers: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def built(size: int, keep: Path, seeded: Callable[[], Any]) -> Path:
    """The workspace of `size` customers under `keep`, built once."""
    workspace = keep / str(size)
    if (workspace / "ready").exists():
        return workspace
    shutil.rmtree(workspace, ignore_errors=True)
    build_workspace(workspace, size, seeded(), 365)
    roster = workspace / "roster.csv"
    with roster.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    for index, row in enumerate(rows[1:]):
        if index % 10 == 0:
            row[-1] = NOTE
    with roster.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    with sqlite3.connect(workspace / "og.db") as db:
        flags = db.execute(
            "SELECT customer_id, journey, step FROM og_sends WHERE kind = 'flag'"
        ).fetchall()
        db.executemany(
            "UPDATE og_sends SET message_id = ? WHERE customer_id = ? AND journey = ? "
            "AND step = ? AND kind = 'flag'",
            [(f"{CHANNEL}:{n}.000001", *flag) for n, flag in enumerate(flags, start=2)],
        )
    (workspace / "ready").touch()
    return workspace


def _spread(items: list[Any], count: int) -> list[Any]:
    return items[:: max(1, len(items) // count)][:count]


def targets(workspace: Path, count: int, pauses: int) -> dict[str, list[Any]]:
    """Customers for each kind of request, none used twice: Pause clicks on any customer; Done
    clicks on unfinished customers with a flag in Slack (each with its flags' ts); done links
    to a step the customer has not done."""
    guide = build_guide(_settings(workspace))
    rules = load_rules(guide.rules_source, guide.store, remember=False).rules
    assert rules is not None
    customers, _ = validate_rows(guide.roster.read(), rules.plans.keys(), "UTC")
    store = guide.store.load()
    with sqlite3.connect(workspace / "og.db") as db:
        flags: dict[str, list[str]] = {}
        for customer_id, message_id in db.execute(
            "SELECT customer_id, message_id FROM og_sends WHERE kind = 'flag'"
        ):
            flags.setdefault(customer_id, []).append(message_id.split(":")[1])
    done: list[tuple[str, list[str]]] = []
    links: list[tuple[str, str]] = []
    for customer in customers:
        state = store.history(customer.customer_id).state
        if state.finished or customer.finished or state.journey != 1:
            continue
        steps = rules.plans[customer.effective_plan].steps
        open_steps = [s.id for s in steps if s.id not in state.steps_done]
        if customer.customer_id in flags:
            done.append((customer.customer_id, flags[customer.customer_id]))
        elif open_steps:
            links.append((customer.customer_id, open_steps[0]))
    # Spread over the list, so that the figures are not those of its first rows.
    found: dict[str, list[Any]] = {
        "done": _spread(done, count),
        "get": _spread(links[0::2], count),
        "post": _spread(links[1::2], count),
    }
    used = {item[0] for items in found.values() for item in items}
    rest = [c.customer_id for c in customers if c.customer_id not in used]
    found["pause"] = _spread(rest, pauses)
    short = [kind for kind, items in found.items() if len(items) < (count, pauses)[kind == "pause"]]
    if short:
        raise SystemExit(f"not enough customers for {short} in {workspace}")
    return found


def _quiet_zone() -> str:
    """A team zone whose 09:00 (the tick and the Monday digest of `og serve`) is hours away."""
    for name in ("America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles"):
        if 11 <= datetime.now(ZoneInfo(name)).hour <= 20:
            return name
    return "Pacific/Kiritimati" if datetime.now(UTC).hour < 12 else "Pacific/Pago_Pago"


@contextmanager
def serving(workspace: Path, fake: FakeSlack) -> Iterator[int]:
    port = free_port()
    settings = _settings(workspace)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OG_"))}
    env |= {
        "OG_ROSTER": settings.roster,
        "OG_RULES": settings.rules,
        "OG_STATE": settings.state,
        "OG_MAILER": settings.mailer,
        "OG_TIMEZONE": _quiet_zone(),
        "OG_LINK_SECRET": LINK_SECRET,
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "OG_FLAG_CHANNEL": CHANNEL,
        "OG_ALLOWED_USERS": USER,
    }
    log = (workspace / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=workspace,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"og serve exited with {process.returncode}; see {log.name}")
            try:
                request(port, "GET", "/nope")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("og serve did not answer within 60 s") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
