"""A local web server for the guide's pages, on the standard library's `http.server`.

It only translates HTTP to `engine.web` requests and back; all the decisions live there, so a
Lambda Function URL can serve the same handler without this module.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from bot.scheduler import TICK_JOB, build_scheduler
from engine.settings import Settings
from engine.tick import Guide
from engine.web.done_link import (
    BAD_REQUEST,
    REQUEST_TOO_LARGE,
    HttpRequest,
    HttpResponse,
    handle_done_link,
)
from engine.web.pages import problem_page
from engine.wiring import build_guide

# A done link's POST carries an empty form; anything near this size is not from our page.
MAX_BODY_BYTES = 64 * 1024
# How long a connection may sit idle mid-request before its thread gives up on it.
REQUEST_TIMEOUT_SECONDS = 30

_log = logging.getLogger("og.serve")
# Enough of a token to match a log line with a complaint, too little to use as the link.
_TOKEN_IN_PATH = re.compile(r"(/done/[^/?]{0,8})[^/?]*")


class GuideServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], guide: Guide) -> None:
        self.guide = guide
        super().__init__(address, _RequestHandler)


def make_server(guide: Guide, host: str, port: int) -> ThreadingHTTPServer:
    """A server bound to host:port (port 0 picks a free one), not yet serving."""
    return GuideServer((host, port), guide)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    guide = build_guide(settings)
    scheduler = build_scheduler(guide, settings.timezone)
    scheduler.start()
    next_tick = scheduler.get_job(TICK_JOB).next_run_time
    _log.info("daily tick at 09:00 %s; next at %s", settings.timezone, next_tick.isoformat())
    with make_server(guide, host, port) as server:
        bound_host, bound_port = server.server_address[:2]
        _log.info("serving done links on http://%s:%s", bound_host, bound_port)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _log.info("stopped")
        finally:
            scheduler.shutdown(wait=False)


class _RequestHandler(BaseHTTPRequestHandler):
    timeout = REQUEST_TIMEOUT_SECONDS

    def version_string(self) -> str:
        return "og"

    def do_GET(self) -> None:
        self._answer()

    # Every other method reaches the handler too, so it answers 405 with its own page.
    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _answer(self) -> None:
        body = self._read_body()
        if isinstance(body, HttpResponse):
            self._send(body)
            return
        server = self.server
        assert isinstance(server, GuideServer)
        request = HttpRequest(
            method=self.command,
            path=urlsplit(self.path).path,
            headers=dict(self.headers.items()),
            body=body,
        )
        self._send(handle_done_link(server.guide, request))

    def _read_body(self) -> bytes | HttpResponse:
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
        if length > MAX_BODY_BYTES:
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
