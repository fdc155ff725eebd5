"""`og serve` as a process: settings from OG_* as in production, one log line a request."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from done_site import done_path
from serve_process import og_serve
from workspace import Workspace, og, row


@pytest.mark.slow
def test_og_serve_answers_done_links_and_logs_without_the_token(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    path = done_path("C1", "welcome")
    with og_serve(ws) as serving:
        site, port = serving.site, serving.site.port
        assert site.get(path).status == 200
        assert site.post(path).status == 200
        assert site.get("/nope").status == 404
    log = serving.log
    assert serving.process.returncode == 0, log
    state = ws.guide().store.load_one("C1").history("C1").state
    assert set(state.steps_done) == {"welcome"}
    token = path.removeprefix("/done/")
    assert token not in log
    lines = log.splitlines()
    assert any(f"serving done links on http://127.0.0.1:{port}" in line for line in lines)
    assert any("tick every hour on the hour; next at " in line for line in lines), log
    assert any("weekly digest Mondays at 09:00 UTC; next at " in line for line in lines), log
    assert any(
        "no SLACK_BOT_TOKEN: flags and the digest go to the console" in line for line in lines
    )
    requests = [line for line in lines if '"GET /' in line or '"POST /' in line]
    assert len(requests) == 3, log
    assert requests[0].endswith(f'"GET /done/{token[:8]}..." 200')
    assert requests[1].endswith(f'"POST /done/{token[:8]}..." 200')
    assert requests[2].endswith('"GET /nope" 404')
    assert any(line.endswith("og.serve stopped") for line in lines), log


def test_a_port_in_use_is_said_plainly(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = og(ws, "serve", "--port", str(port), SLACK_BOT_TOKEN="")
    assert done.returncode == 1
    assert f"og serve: cannot listen on 127.0.0.1:{port} (Address already in use)" in done.stderr
    assert "Traceback" not in done.stderr
    assert "daily tick" not in done.stderr  # the clock never started
