"""Slack's requests to `og serve`'s HTTP server: the same signed bodies, over a real socket,
into the same Bolt app; done links keep working beside them."""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import done_site
import pytest
from fake_slack import FakeSlack
from slack_flow import Flagged
from slack_sdk.signature import SignatureVerifier
from workspace import Workspace, row

from bot.cli import main
from bot.serve import make_server


@contextmanager
def serving(flagged: Flagged, *, with_slack: bool = True) -> Iterator[tuple[str, int]]:
    server = make_server(flagged.guide, "127.0.0.1", 0, flagged.app if with_slack else None)
    with done_site.serving(server) as site:
        yield site.host, site.port


def over_http(
    address: tuple[str, int], method: str = "POST"
) -> Callable[[str, dict[str, str]], tuple[int, str]]:
    def send(body: str, headers: dict[str, str]) -> tuple[int, str]:
        connection = http.client.HTTPConnection(*address, timeout=10)
        try:
            connection.request(method, "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    return send


def test_a_click_over_http_finishes_the_customer(tmp_path: Path, fake_slack: FakeSlack) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    with serving(flagged) as address:
        flagged.transport = over_http(address)
        assert flagged.click() == 200
    assert flagged.row()["finished"] == "TRUE"
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert audit.actor == "U0DANA"


def test_a_slash_command_over_http_is_answered(tmp_path: Path, fake_slack: FakeSlack) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    with serving(flagged) as address:
        flagged.transport = over_http(address)
        assert flagged.command("help") == 200
    assert "/og status" in flagged.last_body


def test_forged_and_replayed_requests_over_http_are_refused(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    with serving(flagged) as address:
        flagged.transport = over_http(address)
        assert flagged.click(secret="forged") == 401
        assert flagged.click(age=6 * 60) == 401
    assert flagged.guide.store.audit_trail("C1") == []


def test_a_slack_retry_over_http_is_acknowledged_and_runs_nothing(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    with serving(flagged) as address:
        flagged.transport = over_http(address)
        assert flagged.click(x_slack_retry_num="1", x_slack_retry_reason="http_timeout") == 200
    assert flagged.row().get("finished") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []


def test_without_slack_the_path_says_so_and_a_get_is_not_allowed(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    with serving(flagged, with_slack=False) as address:
        flagged.transport = over_http(address)
        assert flagged.click() == 404
        assert "Slack is not set up" in flagged.last_body
    with serving(flagged) as address:
        body = "payload=%7B%7D"
        signature = SignatureVerifier("x").generate_signature(timestamp="1", body=body)
        status, _ = over_http(address, "GET")(body, {"x-slack-signature": signature})
        assert status == 405
    assert flagged.guide.store.audit_trail("C1") == []


def test_og_serve_refuses_to_start_slack_without_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    assert main(["serve", "--socket-mode", "--port", "0"]) == 1
    assert "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN" in capsys.readouterr().err

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["serve", "--port", "0"]) == 1
    assert "SLACK_SIGNING_SECRET is required" in capsys.readouterr().err
    assert main(["serve", "--socket-mode", "--port", "0"]) == 1
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err
