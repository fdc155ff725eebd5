"""`og serve`: one local process for a team on one machine. waitress, a production WSGI
server from PyPI, serves one WSGI app (`bot/wsgi.py` over the routes of `bot/web.py`): done
links (`/done/...`) and Slack (`/slack/events`, or Socket Mode instead); APScheduler runs the
hourly tick, the Monday digest, the month's summary on the 1st and, with OG_INBOX set, a read of
the inbox every five minutes.

It only composes: the routes are the ones the Lambda Function URL serves, and all the
decisions live behind them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from waitress import wasyncore
from waitress.server import MultiSocketServer, create_server
from waitress.trigger import trigger

from bot.runtime import digest_poster, slack_app, summary_poster
from bot.scheduler import DIGEST_JOB, INBOX_JOB, SUMMARY_JOB, TICK_JOB, build_scheduler
from bot.slack.settings import SlackSettings, slack_settings
from bot.web import MAX_BODY_BYTES, SLACK_PATH, WebRoutes
from bot.wiring import build_guide
from bot.wsgi import wsgi_app
from engine.guide import Guide
from engine.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

# Requests answered at once. Slack allows an acknowledgement 3 s; what a click does after it
# runs on Bolt's own threads, so one of these is busy with the ack alone (a views.open at most).
SERVER_THREADS = 8
# A connection with nothing coming in for this long (stalled mid-request, or kept alive idle)
# is closed; waitress looks every CLEANUP_INTERVAL_SECONDS.
REQUEST_TIMEOUT_SECONDS = 30
CLEANUP_INTERVAL_SECONDS = 5

_log = logging.getLogger("og.serve")


class WebServer:
    """waitress serving one WSGI app on host:port (port 0 picks a free one), bound as soon as
    it is made: `serve_forever` in one thread until `stop` from any other (or Ctrl-C)."""

    def __init__(
        self, app: WSGIApplication, host: str, port: int, *, timeout: int = REQUEST_TIMEOUT_SECONDS
    ) -> None:
        # The asyncore map the server's sockets live in: ours, so that `stop` can empty it.
        self._map: dict[Any, Any] = {}
        self._server = create_server(
            app,
            map=self._map,
            host=host,
            port=port,
            threads=SERVER_THREADS,
            channel_timeout=timeout,
            cleanup_interval=min(CLEANUP_INTERVAL_SECONDS, timeout),
            # waitress refuses a body of this size or more (413) before reading it; the
            # routes refuse anything over their own, smaller, limit.
            max_request_body_size=MAX_BODY_BYTES + 1,
            ident="og",
        )
        self._waker = trigger(self._map)
        self._lock = threading.Lock()
        self._stopping = False
        self._closed = False

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Where it listens: one address, or one per family when a host name has several."""
        if isinstance(self._server, MultiSocketServer):
            return [(host, int(port)) for host, port in self._server.effective_listen]
        host, port = self._server.getsockname()
        return [(host, int(port))]

    def serve_forever(self) -> None:
        try:
            self._server.run()  # returns once `stop` has closed every socket, or on Ctrl-C
        finally:
            self.close()

    def stop(self) -> None:
        """Closes every socket from the server's own thread (waking it), so it returns."""
        with self._lock:
            if self._stopping or self._closed:
                return
            self._stopping = True
            self._waker.pull_trigger(lambda *_: wasyncore.close_all(self._map))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        wasyncore.close_all(self._map, ignore_all=True)
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> WebServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def make_server(
    guide: Guide,
    host: str,
    port: int,
    slack: App | None = None,
    *,
    timeout: int = REQUEST_TIMEOUT_SECONDS,
) -> WebServer:
    """The guide's routes under waitress, bound to host:port, not yet serving. `slack` is the
    Bolt app answering `/slack/events`; None when Slack is not set up here (or takes its
    requests over Socket Mode)."""
    routes = WebRoutes(guide, slack.dispatch if slack is not None else None)
    return WebServer(wsgi_app(routes), host, port, timeout=timeout)


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 8080, *, socket_mode: bool = False
) -> None:
    """Raises ValueError when the Slack settings are unusable (or Socket Mode lacks its token),
    or host:port cannot be listened on."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    guide = build_guide(settings)
    slack = slack_settings()
    app = _slack_app(guide, slack, socket_mode=socket_mode)
    read_inbox = _inbox_reader(guide, settings)
    with ExitStack() as running:
        # Bound first: a port in use stops it before it connects to Slack or starts the clock.
        try:
            server = make_server(guide, host, port, None if socket_mode else app)
        except OSError as error:
            reason = error.strerror or error
            raise ValueError(f"cannot listen on {host}:{port} ({reason})") from error
        running.enter_context(server)
        if socket_mode:
            socket = connect_socket_mode(app, slack)
            running.callback(socket.close)
        scheduler = build_scheduler(
            guide,
            settings.timezone,
            digest_poster(guide, slack),
            read_inbox,
            summary_poster(guide, slack),
        )
        scheduler.start()
        running.callback(scheduler.shutdown, wait=False)
        jobs = [
            (TICK_JOB, "tick every hour on the hour"),
            (DIGEST_JOB, f"weekly digest Mondays at 09:00 {settings.timezone}"),
            (SUMMARY_JOB, f"the month in one message on the 1st at 09:00 {settings.timezone}"),
        ]
        if read_inbox is not None:
            jobs.append((INBOX_JOB, f"inbox {settings.inbox} read every 5 minutes"))
        for job, what in jobs:
            next_run = scheduler.get_job(job).next_run_time
            _log.info("%s; next at %s", what, next_run.isoformat())
        for bound_host, bound_port in server.addresses:
            _log.info("serving done links on http://%s:%s", bound_host, bound_port)
            if app is not None and not socket_mode:
                _log.info("Slack requests at http://%s:%s%s", bound_host, bound_port, SLACK_PATH)
        with suppress(KeyboardInterrupt):  # waitress stops on it too, when it is serving
            server.serve_forever()
        _log.info("stopped")


def _inbox_reader(guide: Guide, settings: Settings) -> Callable[[datetime], None] | None:
    """The inbox's job when OG_INBOX is set; an unusable one stops `og serve` at once."""
    if not settings.inbox.strip():
        return None
    from bot.inbox import inbox_reader  # IMAPClient only when there is an inbox

    return inbox_reader(guide, settings)


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
