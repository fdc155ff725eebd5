"""An HTTP server that reads each request whole and never answers: what a client sees when
the far side took the request and the connection then died or timed out before the reply.
For the mailers' "outcome unknown" path: the message may have been accepted, so it must not
be sent again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class StallingServer:
    url: str
    bodies: list[bytes] = field(default_factory=list)
    """Every request received, whole, in order."""


@contextmanager
def stalling_server() -> Iterator[StallingServer]:
    release = threading.Event()
    stalled = StallingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            stalled.bodies.append(self.rfile.read(length))
            release.wait(timeout=60)  # the reply never comes while the test runs

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stalled.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stalled
    finally:
        release.set()
        server.shutdown()
        server.server_close()
