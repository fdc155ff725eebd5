"""Benchmark: how fast `og serve` answers, over real HTTP, as a process of its own.

    python benchmarks/serve_latency.py [--requests 300]

`og serve` is started as a user starts it (`python -m bot.cli serve --port N`, settings from
`OG_*` and `SLACK_*`) on a workspace of two customers, with Slack's Web API the local fake the
tests use. Then, round-robin so that any noise falls on all three alike, each on a fresh
connection (as Slack and a browser opening a link from an email do):

- `GET /nope`: the 404 page, the floor (the server and the routing, no work behind them);
- `GET /done/<token>`: a done link opened (the token checked, the roster and state read, the
  page rendered);
- `POST /slack/events`: a signed Done click, answered when Bolt acknowledges it (the work
  itself runs after the ack, in Bolt's lazy listener thread, and is not timed).

The time is the client's, from the connection opened to the last byte of the response read.
A few of each are sent first and not timed (Bolt's one-off `auth.test`, the first imports).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from click_workspace import request
from done_site import done_path
from fake_slack import run_fake_slack
from slack_ack import median_and_p99
from slack_flow import block_actions, signed_headers
from smtp_servers import free_port
from workspace import Workspace, row

SECRET = "bench-signing-secret"
CHANNEL = "C0FLAGS"
FLAG = {"ts": "1.000001", "text": "flag", "blocks": []}
WARM_UP = 5

Send = Callable[[], int]


def _click(port: int) -> int:
    # On C2: Done finishes the customer, and C1's done link must stay open.
    payload = block_actions("U0DANA", CHANNEL, FLAG, "og_done", '{"c":"C2","j":1}')
    body = "payload=" + quote(json.dumps(payload))
    return request(
        port, "POST", "/slack/events", body.encode(), **signed_headers(body, secret=SECRET)
    )


def _wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"og serve exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"og serve did not listen on {port} within 30 s")


def measure(requests: int) -> dict[str, list[float]]:
    """Seconds per request, by kind."""
    fakes = run_fake_slack()
    fake = next(fakes)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp), [row("C1"), row("C2")])
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OG_"))}
        env |= ws.env() | {
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "OG_FLAG_CHANNEL": CHANNEL,
            "OG_ALLOWED_USERS": "U0DANA",
        }
        # The log goes to a file: a pipe nobody reads fills up and stalls the server.
        log = (Path(tmp) / "serve.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ws.root,
            stdout=log,
            stderr=log,
            text=True,
        )
        try:
            _wait_until_listening(port, process)
            link = done_path("C1", "welcome")
            kinds: dict[str, tuple[Send, int]] = {
                "404 (floor)": (lambda: request(port, "GET", "/nope"), 404),
                "done link GET": (lambda: request(port, "GET", link), 200),
                "Slack ack (Done click)": (lambda: _click(port), 200),
            }
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            for round_ in range(WARM_UP + requests):
                for kind, (send, expected) in kinds.items():
                    started = time.perf_counter()
                    status = send()
                    elapsed = time.perf_counter() - started
                    if status != expected:
                        raise SystemExit(f"{kind}: {status}, expected {expected}")
                    if round_ >= WARM_UP:
                        times[kind].append(elapsed)
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
    fakes.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    requests = parser.parse_args().requests
    print(f"og serve over HTTP, {requests} requests of each kind, a fresh connection each")
    for kind, times in measure(requests).items():
        median, p99 = median_and_p99(times)
        print(f"  {kind:<24} median {median * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
