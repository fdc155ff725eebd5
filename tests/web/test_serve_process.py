"""`bot.serve.serve` as a process: settings from OG_* as in production, one log line a request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from done_site import Site, done_path
from smtp_servers import free_port
from workspace import Workspace, row

START_SECONDS = 20


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


@pytest.mark.slow
def test_og_serve_answers_done_links_and_logs_without_the_token(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env={k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | ws.env(),
        cwd=ws.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_listening(port, process)
        site = Site(host="127.0.0.1", port=port)
        path = done_path("C1", "welcome")
        assert site.get(path).status == 200
        assert site.post(path).status == 200
        assert site.get("/nope").status == 404
    finally:
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=20)
    assert process.returncode == 0, log
    state = ws.guide().store.load_one("C1").history("C1").state
    assert set(state.steps_done) == {"welcome"}
    token = path.removeprefix("/done/")
    assert token not in log
    lines = log.splitlines()
    assert any(f"serving done links on http://127.0.0.1:{port}" in line for line in lines)
    assert any("daily tick at 09:00 UTC; next at " in line for line in lines), log
    assert any("weekly digest at 09:00 UTC; next at " in line for line in lines), log
    assert any(
        "no SLACK_BOT_TOKEN: flags and the digest go to the console" in line for line in lines
    )
    requests = [line for line in lines if '"GET /' in line or '"POST /' in line]
    assert len(requests) == 3, log
    assert requests[0].endswith(f'"GET /done/{token[:8]}..." 200')
    assert requests[1].endswith(f'"POST /done/{token[:8]}..." 200')
    assert requests[2].endswith('"GET /nope" 404')
