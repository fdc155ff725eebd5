"""`og serve --socket-mode`, end to end: `connect_socket_mode` asks the fake Web API for a
Socket Mode URL with the app-level token, slack_sdk's built-in client opens a real WebSocket to
the fake Socket Mode server, and the same clicks and commands as over HTTP arrive in envelopes,
go through the Bolt app and come back as acks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fake_slack import FakeSlack
from fake_socket_mode import FakeSocketMode
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_flow import CHANNEL, Flagged, InlineExecutor, buttons_on

from bot import serve
from bot.runtime import slack_app
from bot.slack.settings import SlackSettings


@pytest.fixture
def socket_server(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeSocketMode]:
    # slack_sdk's socket client would tunnel even 127.0.0.1 through a proxy from the environment.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeSocketMode() as server:
        fake_slack.socket_url = server.url
        yield server


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


@contextmanager
def socket_mode(flagged: Flagged, app_token: str | None = None) -> Iterator[SocketModeHandler]:
    """`og serve --socket-mode`'s Slack side for the flagged workspace: its own app, connected."""
    fake = flagged.fake
    settings = SlackSettings(
        bot_token=fake.token,
        app_token=app_token or fake.app_token,
        flag_channel=CHANNEL,
        allowed_users=["U0DANA"],
        api_url=fake.url,
    )
    app = slack_app(flagged.guide, settings, listener_executor=InlineExecutor(), socket_mode=True)
    handler = serve.connect_socket_mode(app, settings)
    try:
        yield handler
    finally:
        handler.close()  # type: ignore[no-untyped-call]


def over_socket(server: FakeSocketMode) -> Callable[[str, dict[str, str]], tuple[int, str]]:
    """Flagged's requests as Slack sends them in Socket Mode: the same payload (a click) or form
    (a command), unsigned, in an envelope. Answers 200 and the client's ack as JSON, once it
    comes; waiting for it fails the test when it does not."""

    def send(body: str, headers: dict[str, str]) -> tuple[int, str]:
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in form:
            envelope_id = server.send_envelope("interactive", json.loads(form["payload"]))
        else:
            envelope_id = server.send_envelope(
                "slash_commands", form, accepts_response_payload=True
            )
        return 200, json.dumps(server.wait_for_ack(envelope_id))

    return send


def eventually(check: Callable[[], Any], what: str, timeout: float = 5.0) -> None:
    """Polls `check` until it is true; fails after `timeout` seconds, saying `what` it awaited."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.01)


def test_a_done_click_in_an_envelope_is_acked_and_finishes_the_customer(
    flagged: Flagged, socket_server: FakeSocketMode
) -> None:
    with socket_mode(flagged):
        assert socket_server.connected == 1
        flagged.transport = over_socket(socket_server)
        assert flagged.click() == 200

        (envelope,) = socket_server.sent
        assert envelope["type"] == "interactive"
        assert json.loads(flagged.last_body) == {"envelope_id": envelope["envelope_id"]}
        eventually(lambda: flagged.row().get("finished") == "TRUE", "C1 finished in the roster")
        eventually(lambda: flagged.fake.calls_to("chat.update"), "the flag message updated")

    assert flagged.row()["finished_by"] == "U0DANA"
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor) == ("finished", "U0DANA")
    (update,) = flagged.fake.calls_to("chat.update")
    assert update.ok and (update.params["channel"], update.params["ts"]) == (
        flagged.channel,
        flagged.ts,
    )
    updated = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert buttons_on(updated) == []
    assert "Finished by <@U0DANA>" in json.dumps(updated["blocks"])


def test_og_help_in_an_envelope_is_answered_in_the_ack(
    flagged: Flagged, socket_server: FakeSocketMode
) -> None:
    with socket_mode(flagged):
        flagged.transport = over_socket(socket_server)
        assert flagged.command("help") == 200

    (envelope,) = socket_server.sent
    assert (envelope["type"], envelope["accepts_response_payload"]) == ("slash_commands", True)
    ack = json.loads(flagged.last_body)
    assert ack["envelope_id"] == envelope["envelope_id"]
    for subcommand in ("status", "why", "resume", "undo", "help"):
        assert f"/og {subcommand}" in ack["payload"]["text"]
    assert flagged.fake.responses() == []


@pytest.mark.parametrize(
    ("token", "error"),
    [("xapp-not-this-app", "invalid_auth"), ("bot", "not_allowed_token_type")],
    ids=["wrong-app-token", "bot-token"],
)
def test_a_bad_app_token_fails_to_connect_and_changes_nothing(
    flagged: Flagged,
    socket_server: FakeSocketMode,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    error: str,
) -> None:
    # Kept to check that connect_socket_mode closed the handler it gave up on.
    handlers: list[SocketModeHandler] = []

    class Kept(SocketModeHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            handlers.append(self)

    monkeypatch.setattr(serve, "SocketModeHandler", Kept)
    roster_before = flagged.ws.roster_path.read_bytes()
    calls_before = len(flagged.fake.calls)
    with (
        pytest.raises(ValueError, match=f"Slack refused the Socket Mode connection \\({error}\\)"),
        socket_mode(flagged, flagged.fake.token if token == "bot" else token),
    ):
        pass

    (handler,) = handlers
    assert handler.client.closed
    assert socket_server.handshakes == 0
    (opened,) = flagged.fake.calls_to("apps.connections.open")
    assert opened.error == error
    assert [c.method for c in flagged.fake.calls[calls_before:]] == ["apps.connections.open"]
    assert flagged.ws.roster_path.read_bytes() == roster_before
    assert flagged.guide.store.audit_trail("C1") == []
