"""A Lambda cold start loads only what the function needs: importing the handler's module (and
serving its first requests) imports none of `og serve`'s machinery, neither the local clock
(APScheduler), Socket Mode, nor the WSGI server.

Each check runs in a fresh interpreter, since this test process has imported everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from workspace import Workspace, row

ROOT = Path(__file__).resolve().parents[2]
SERVE_ONLY = (
    "apscheduler",
    "slack_bolt.adapter.socket_mode",
    "slack_sdk.socket_mode",
    "websocket",
    "waitress",
    "bot.serve",
    "bot.scheduler",
)


def modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded once `code` has run in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def serve_only(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in SERVE_ONLY))


def test_importing_the_handler_imports_nothing_og_serve_needs() -> None:
    modules = modules_after("import bot.aws_lambda")
    assert "bot.web" in modules
    assert serve_only(modules) == []


def test_nor_do_its_first_requests_and_tick(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    env = ws.env() | {
        "SLACK_BOT_TOKEN": "xoxb-cold",
        "SLACK_SIGNING_SECRET": "cold-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: the request is unsigned
        "OG_NOTIFIER": "console",
    }
    code = f"""
import sys
sys.path.insert(0, {str(ROOT / "tests" / "support")!r})
from lambda_events import FakeContext, http_event, scheduler_event
from bot.aws_lambda import handler
assert handler(http_event("GET", "/done/x"), FakeContext())["statusCode"] == 400
assert handler(http_event("POST", "/slack/events", "{{}}"), FakeContext())["statusCode"] == 401
assert handler(scheduler_event("tick", "2026-11-02T09:00:00Z"), FakeContext())["outcome"] == "ran"
"""
    modules = modules_after(code, env)
    assert {"slack_bolt", "bot.app", "engine.tick"} <= modules
    assert serve_only(modules) == []


def test_the_check_would_see_them() -> None:
    """The names above are the ones `og serve` really loads, so the checks cannot pass
    because a name went stale."""
    found = serve_only(modules_after("import bot.serve"))
    for prefix in ("apscheduler", "slack_bolt.adapter.socket_mode", "waitress", "bot.serve"):
        assert any(m == prefix or m.startswith(prefix + ".") for m in found), prefix
