"""`og serve` as a user starts it: its own process on a free port, settings from the
workspace's `OG_*` (and any `SLACK_*` given), stopped with Ctrl-C (SIGINT) at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from done_site import Site
from smtp_servers import free_port
from workspace import Workspace

START_SECONDS = 20


@dataclass
class Serving:
    process: subprocess.Popen[str]
    site: Site
    log: str = ""
    """Everything it wrote (stdout and stderr), once it has stopped."""


def wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {port} within {START_SECONDS}s")


@contextmanager
def og_serve(ws: Workspace, *args: str, **env: str) -> Iterator[Serving]:
    """`og serve --port N ARGS` in the workspace; SLACK_* come only from `env`."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), *args],
        env={k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | ws.env() | env,
        cwd=ws.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serving = Serving(process=process, site=Site(host="127.0.0.1", port=port))
    try:
        wait_until_listening(port, process)
        yield serving
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            serving.log, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            serving.log, _ = process.communicate()
