"""The done and unsubscribe link pages served for real: `og serve`'s waitress server on
127.0.0.1, in a thread, per test."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from workspace import SECRET, Workspace

from bot.serve import WebServer, make_server
from engine.links import make_token, make_unsubscribe_token
from engine.models import StoreSnapshot


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    text: str


@dataclass(frozen=True)
class Site:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            form = "application/x-www-form-urlencoded"
            headers = {"Content-Type": content_type or form} if body else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Reply(
                status=response.status,
                headers={k.lower(): v for k, v in response.getheaders()},
                text=response.read().decode("utf-8"),
            )
        finally:
            connection.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, body: bytes = b"") -> Reply:
        # By default what the page's form sends: an empty urlencoded body.
        return self.request("POST", path, body=body)


@contextmanager
def serving(server: WebServer) -> Iterator[Site]:
    """`server` answering in a thread for the block; stopped, and its thread gone, after."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ((host, port),) = server.addresses
        yield Site(host=host, port=port)
    finally:
        server.stop()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the server did not stop"


@contextmanager
def running_site(ws: Workspace) -> Iterator[Site]:
    with serving(make_server(ws.guide(), "127.0.0.1", 0)) as site:
        yield site


def done_path(
    customer_id: str,
    step: str,
    *,
    journey: int = 1,
    secret: str = SECRET,
    expires_at: datetime | None = None,
) -> str:
    expires = expires_at or datetime.now(UTC) + timedelta(days=30)
    token = make_token(secret, customer_id, journey, step, expires)
    return f"/done/{quote(token, safe='')}"


def unsubscribe_path(
    customer_id: str,
    *,
    journey: int = 1,
    secret: str = SECRET,
    expires_at: datetime | None = None,
) -> str:
    expires = expires_at or datetime.now(UTC) + timedelta(days=300)
    token = make_unsubscribe_token(secret, customer_id, journey, expires)
    return f"/unsubscribe/{quote(token, safe='')}"


@dataclass(frozen=True)
class Everything:
    """All the guide keeps that a visit could change: the state store and the roster file."""

    store: StoreSnapshot
    roster: bytes


def everything(ws: Workspace) -> Everything:
    return Everything(store=ws.guide().store.load(), roster=ws.roster_path.read_bytes())
