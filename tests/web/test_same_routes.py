"""One routing table, two servers: the same requests (a signed Slack command, a forged one,
done and unsubscribe link visits, a wrong method, an unknown path, over-limit bodies) through
the Lambda handler and through `og serve` as a process get the same answers, page for page.

Each server has a workspace of its own, identical, so that a POST that marks a step marks it
once on each side."""

from __future__ import annotations

import base64
import http.client
import select
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from done_site import done_path, unsubscribe_path
from fake_slack import FakeSlack
from lambda_events import FakeContext, QueuedInvocations, http_event
from serve_process import og_serve
from slack_flow import SECRET, signed_headers
from workspace import Workspace, row

from bot.aws_lambda import make_handler, slack_from_env
from bot.web import MAX_DONE_BODY_BYTES, MAX_SLACK_BODY_BYTES


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


Send = Callable[[Sent], Answer]


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "OG_ALLOWED_USERS": "U0DANA",
    }


def slash_command(text: str, secret: str = SECRET) -> Sent:
    body = urlencode(
        {"command": "/og", "text": text, "user_id": "U0DANA", "team_id": "T0TEAM"}
    ).replace("%2F", "/")
    headers = signed_headers(body, secret=secret)
    return Sent("POST", "/slack/events", body.encode(), tuple(headers.items()))


LARGE_BODY = 64 * 1024
EARLY_ANSWER_SECONDS = 1.0


def over_http(host: str, port: int) -> Send:
    """Each request on a connection of its own. A large body is sent only once the server has
    not answered its headers for a moment, as a client must: a server may refuse it from the
    declared length and close at once (waitress's 413), and a client still writing the body
    then gets a broken pipe, or a reset that loses the answer, instead of the refusal."""

    def send(sent: Sent) -> Answer:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.putrequest(sent.method, sent.path, skip_accept_encoding=True)
            for name, value in (*sent.headers, ("Content-Length", str(len(sent.body)))):
                connection.putheader(name, value)
            connection.endheaders()
            if sent.body and not _answered_early(connection, len(sent.body)):
                connection.send(sent.body)
            response = connection.getresponse()
            return Answer(
                response.status, response.getheader("Content-Type") or "", response.read()
            )
        finally:
            connection.close()

    return send


def _answered_early(connection: http.client.HTTPConnection, size: int) -> bool:
    """Whether the server answered a large body's headers before the body went (a refusal)."""
    if size <= LARGE_BODY or connection.sock is None:
        return False
    return bool(select.select([connection.sock], [], [], EARLY_ANSWER_SECONDS)[0])


def through_lambda(handler: Callable[..., dict[str, object]]) -> Send:
    def send(sent: Sent) -> Answer:
        body = base64.b64encode(sent.body).decode("ascii")
        event = http_event(
            sent.method, sent.path, body, base64_encoded=True, headers=dict(sent.headers)
        )
        response = handler(event, FakeContext())
        headers = response["headers"]
        assert isinstance(headers, dict)
        text = str(response["body"])
        raw = base64.b64decode(text) if response["isBase64Encoded"] else text.encode()
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        return Answer(int(str(response["statusCode"])), str(content_type), raw)

    return send


@pytest.fixture
def lambda_side(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> tuple[Workspace, Send]:
    (tmp_path / "lambda").mkdir()
    ws = Workspace(tmp_path / "lambda", [row("C1", name="Priya Nair")])
    for name, value in (ws.env() | slack_env(fake_slack)).items():
        monkeypatch.setenv(name, value)
    invocations = QueuedInvocations()
    handler = make_handler(
        slack=lambda guide: slack_from_env(guide, lambda_client=invocations),
    )
    return ws, through_lambda(handler)


@pytest.fixture
def serve_side(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[Workspace, Send]]:
    (tmp_path / "serve").mkdir()
    ws = Workspace(tmp_path / "serve", [row("C1", name="Priya Nair")])
    with og_serve(ws, **slack_env(fake_slack)) as serving:
        yield ws, over_http(serving.site.host, serving.site.port)
    assert serving.process.returncode == 0, serving.log


@pytest.mark.slow
def test_both_servers_answer_every_request_alike(
    lambda_side: tuple[Workspace, Send], serve_side: tuple[Workspace, Send]
) -> None:
    link = done_path("C1", "welcome")
    stop = unsubscribe_path("C1")
    at = len("/unsubscribe/") + 10  # a character of the payload, changed: no longer signed
    forged = stop[:at] + ("A" if stop[at] != "A" else "B") + stop[at + 1 :]
    form = (("Content-Type", "application/x-www-form-urlencoded"),)
    requests: list[tuple[Sent, int, str]] = [
        (Sent("GET", link), 200, "Mark as done"),
        (Sent("POST", link, b"", form), 200, "Thanks, Priya!"),
        (Sent("GET", link), 200, "Already done"),
        (Sent("PUT", link, b"x"), 405, "Open this page from your email"),
        (Sent("GET", "/nope"), 404, "Page not found"),
        (Sent("GET", "/slack/events"), 405, "Slack posts its requests here."),
        (slash_command("help"), 200, "/og status"),
        (slash_command("help", secret="forged"), 401, ""),
        (Sent("POST", link, b"x" * (MAX_DONE_BODY_BYTES + 1), form), 413, "too large"),
        (Sent("GET", stop), 200, "Stop these emails"),
        (Sent("POST", stop, b"List-Unsubscribe=One-Click", form), 200, "unsubscribed"),
        (Sent("POST", stop, b"", form), 200, "Already unsubscribed"),
        (Sent("POST", forged, b"", form), 403, "or is not ours"),
    ]
    (lambda_ws, on_lambda), (serve_ws, on_serve) = lambda_side, serve_side
    for sent, status, says in requests:
        answers = on_lambda(sent), on_serve(sent)
        assert answers[0] == answers[1], sent.method + " " + sent.path
        assert answers[0].status == status, answers[0]
        assert says in answers[0].body.decode(), answers[0]
    for ws in (lambda_ws, serve_ws):
        state = ws.guide().store.load_one("C1").history("C1").state
        assert set(state.steps_done) == {"welcome"}
        assert state.unsubscribed


@pytest.mark.slow
def test_a_slack_body_over_its_limit_never_reaches_bolt_on_either(
    lambda_side: tuple[Workspace, Send], serve_side: tuple[Workspace, Send]
) -> None:
    """A signed `/og help` padded past 1 MiB: refused (on og serve by waitress itself, from
    the declared length, before the body is read), where the same command at exactly the
    limit is answered."""

    def padded(size: int) -> Sent:
        body = urlencode({"command": "/og", "text": "help", "user_id": "U0DANA"})
        body += "&pad=" + "x" * (size - len(body) - len("&pad="))
        headers = signed_headers(body, secret=SECRET)
        return Sent("POST", "/slack/events", body.encode(), tuple(headers.items()))

    for send in (lambda_side[1], serve_side[1]):
        assert send(padded(MAX_SLACK_BODY_BYTES + 1)).status == 413
        at_limit = send(padded(MAX_SLACK_BODY_BYTES))
        assert at_limit.status == 200, at_limit
        assert b"/og status" in at_limit.body
