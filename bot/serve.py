"""`og serve`: one local process for a team on one machine. An HTTP server on the standard
library's `http.server` answers done links (`/done/...`) and Slack (`/slack/events`, or Socket
Mode instead), and APScheduler runs the daily tick and the Monday digest.

It only translates HTTP to `engine.web` requests (and to Bolt) and back; all the decisions live
there, so a Lambda Function URL serves the same handlers without this module.
"""

from __future__ import annotations

import logging
import re
from contextlib import ExitStack
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot import slack_http
from bot.runtime import digest_poster, slack_app
from bot.scheduler import DIGEST_JOB, TICK_JOB, build_scheduler
from bot.slack.settings import SlackSettings, slack_settings
from bot.slack_http import SLACK_PATH
from bot.wiring import build_guide
from engine.guide import Guide
from engine.settings import Settings
from engine.web.done_link import (
    BAD_REQUEST,
    REQUEST_TOO_LARGE,
    HttpRequest,
    HttpResponse,
    handle_done_link,
)
from engine.web.pages import problem_page

# A done link's POST carries an empty form; anything near this size is not from our page.
MAX_BODY_BYTES = 64 * 1024
# A modal's submission carries the whole view: far more than a done link, far less than this.
MAX_SLACK_BODY_BYTES = 1024 * 1024
# How long a connection may sit idle mid-request before its thread gives up on it.
REQUEST_TIMEOUT_SECONDS = 30

_log = logging.getLogger("og.serve")
# Enough of a token to match a log line with a complaint, too little to use as the link.
_TOKEN_IN_PATH = re.compile(r"(/done/[^/?]{0,8})[^/?]*")


class GuideServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], guide: Guide, slack: App | None = None) -> None:
        self.guide = guide
        self.slack = slack
        """The Bolt app answering `/slack/events`; None when Slack is not set up here."""
        super().__init__(address, _RequestHandler)


def make_server(
    guide: Guide, host: str, port: int, slack: App | None = None
) -> ThreadingHTTPServer:
    """A server bound to host:port (port 0 picks a free one), not yet serving."""
    return GuideServer((host, port), guide, slack)


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 8080, *, socket_mode: bool = False
) -> None:
    """Raises ValueError when the Slack settings are unusable (or Socket Mode lacks its token)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    guide = build_guide(settings)
    slack = slack_settings()
    app = _slack_app(guide, slack, socket_mode=socket_mode)
    with ExitStack() as running:
        if socket_mode:
            socket = connect_socket_mode(app, slack)
            running.callback(socket.close)
        scheduler = build_scheduler(guide, settings.timezone, digest_poster(guide, slack))
        scheduler.start()
        running.callback(scheduler.shutdown, wait=False)
        for job, what in ((TICK_JOB, "daily tick"), (DIGEST_JOB, "weekly digest")):
            next_run = scheduler.get_job(job).next_run_time
            _log.info("%s at 09:00 %s; next at %s", what, settings.timezone, next_run.isoformat())
        server = running.enter_context(make_server(guide, host, port, None if socket_mode else app))
        bound_host, bound_port = server.server_address[:2]
        _log.info("serving done links on http://%s:%s", bound_host, bound_port)
        if app is not None and not socket_mode:
            _log.info("Slack requests at http://%s:%s%s", bound_host, bound_port, SLACK_PATH)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _log.info("stopped")


def _slack_app(guide: Guide, slack: SlackSettings | None, *, socket_mode: bool) -> App | None:
    if slack is None:
        if socket_mode:
            raise ValueError("Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN set")
        _log.info("no SLACK_BOT_TOKEN: flags and the digest go to the console")
        return None
    if slack.signing_secret is None and not socket_mode:
        raise ValueError("SLACK_SIGNING_SECRET is required to take Slack's requests over HTTP")
    if slack.app_token is None and socket_mode:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token) set")
    return slack_app(guide, slack, socket_mode=socket_mode)


def connect_socket_mode(app: App | None, slack: SlackSettings | None) -> SocketModeHandler:
    """Slack's requests over a WebSocket the app opens itself: for a team without a public URL."""
    if app is None or slack is None or slack.app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token) set")
    handler = SocketModeHandler(app, slack.app_token.get_secret_value())
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as error:
        handler.close()  # type: ignore[no-untyped-call]
        raise ValueError(
            f"Slack refused the Socket Mode connection ({error.response.get('error')}): "
            "check SLACK_APP_TOKEN, an xapp- token with connections:write"
        ) from error
    # The client logs a failed WebSocket handshake rather than raising it.
    if not handler.client.is_connected():
        handler.close()  # type: ignore[no-untyped-call]
        raise ValueError("the Socket Mode connection to Slack did not open; see the log above")
    _log.info("connected to Slack in Socket Mode")
    return handler


class _RequestHandler(BaseHTTPRequestHandler):
    timeout = REQUEST_TIMEOUT_SECONDS

    def version_string(self) -> str:
        return "og"

    def do_GET(self) -> None:
        self._answer()

    # Every other method reaches the handler too, so it answers 405 with its own page.
    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _answer(self) -> None:
        url = urlsplit(self.path)
        for_slack = url.path == SLACK_PATH
        body = self._read_body(MAX_SLACK_BODY_BYTES if for_slack else MAX_BODY_BYTES)
        if isinstance(body, HttpResponse):
            self._send(body)
            return
        server = self.server
        assert isinstance(server, GuideServer)
        request = HttpRequest(
            method=self.command, path=url.path, headers=dict(self.headers.items()), body=body
        )
        if not for_slack:
            self._send(handle_done_link(server.guide, request))
        elif server.slack is None:
            self._send(slack_http.not_configured())
        else:
            self._send(slack_http.dispatch(server.slack, request, url.query))

    def _read_body(self, limit: int) -> bytes | HttpResponse:
        declared = self.headers.get("Content-Length")
        if declared is None:
            return b""
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return problem_page(BAD_REQUEST)
        if length > limit:
            # The unread body is still on the socket: close rather than parse it as a request.
            self.close_connection = True
            return problem_page(REQUEST_TOO_LARGE)
        return self.rfile.read(length)

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Unlike http.server's line, this one leaves out most of the token: it is the link.
        path = _TOKEN_IN_PATH.sub(r"\1...", urlsplit(getattr(self, "path", "")).path)
        status = code.value if isinstance(code, HTTPStatus) else code
        _log.info('%s "%s %s" %s', self.client_address[0], self.command, path, status)

    def log_message(self, format: str, *args: object) -> None:
        # http.server's own complaints (bad request lines, timeouts) go through logging too.
        _log.warning("%s %s", self.client_address[0], format % args)
