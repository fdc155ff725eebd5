"""`og serve`'s HTTP server: waitress with the settings `bot.serve` gives it (threads, the idle
timeout, the body limit), and the WSGI translation of `bot.wsgi`, over real sockets."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from done_site import Site, done_path, everything, serving
from workspace import Workspace, row

import bot.web
from bot.serve import make_server
from bot.web import MAX_DONE_BODY_BYTES, MAX_SLACK_BODY_BYTES
from engine.guide import Guide
from engine.web.http_types import HttpRequest, HttpResponse


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1")])


@pytest.fixture
def site(ws: Workspace) -> Iterator[Site]:
    with serving(make_server(ws.guide(), "127.0.0.1", 0)) as running:
        yield running


def raw_exchange(site: Site, request: bytes, wait: float = 5) -> bytes:
    """Sends `request` as is and reads until the server closes the connection."""
    with socket.create_connection((site.host, site.port), timeout=wait) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_a_length_no_route_takes_is_refused_before_the_body_is_sent(site: Site) -> None:
    declared = MAX_SLACK_BODY_BYTES + 1
    head = f"POST /slack/events HTTP/1.1\r\nHost: og\r\nContent-Length: {declared}\r\n\r\n"
    answer = raw_exchange(site, head.encode())  # no body follows: waitress does not wait for it
    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large")


def test_a_connection_that_stalls_mid_request_is_closed(ws: Workspace) -> None:
    with serving(make_server(ws.guide(), "127.0.0.1", 0, timeout=1)) as site:
        started = time.monotonic()
        answer = raw_exchange(site, b"GET /done/abc HTTP/1.1\r\nHost: og\r\n", wait=10)
        waited = time.monotonic() - started
        assert answer == b""  # closed, the request never answered
        assert waited < 5
        assert site.get("/nope").status == 404  # the server itself carries on


def test_a_chunked_body_is_taken_and_held_to_its_routes_limit(ws: Workspace, site: Site) -> None:
    def post_chunked(size: int) -> int:
        connection = http.client.HTTPConnection(site.host, site.port, timeout=10)
        try:
            chunks = iter([b"x" * (size // 2), b"x" * (size - size // 2)])
            connection.request("POST", done_path("C1", "welcome"), body=chunks, encode_chunked=True)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    before = everything(ws)
    assert post_chunked(MAX_DONE_BODY_BYTES + 1) == 413
    assert everything(ws) == before
    assert post_chunked(10) == 200
    state = ws.guide().store.load_one("C1").history("C1").state
    assert set(state.steps_done) == {"welcome"}


def test_head_gets_the_headers_of_the_page_and_no_body(site: Site) -> None:
    connection = http.client.HTTPConnection(site.host, site.port, timeout=10)
    try:
        connection.request("GET", "/nope")
        page = connection.getresponse()
        length = len(page.read())
        connection.request("HEAD", "/nope")
        head = connection.getresponse()
        assert head.read() == b""
    finally:
        connection.close()
    assert (head.status, head.getheader("Content-Length")) == (404, str(length))
    assert head.getheader("Server") == "og"


def test_a_slow_request_does_not_hold_up_the_others(
    ws: Workspace, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, entered = threading.Event(), threading.Event()
    handle = bot.web.handle_done_link

    def slow(guide: Guide, request: HttpRequest) -> HttpResponse:
        entered.set()
        release.wait(timeout=10)
        return handle(guide, request)

    monkeypatch.setattr(bot.web, "handle_done_link", slow)
    statuses: list[int] = []
    slow_visit = threading.Thread(
        target=lambda: statuses.append(site.get(done_path("C1", "welcome")).status)
    )
    slow_visit.start()
    try:
        assert entered.wait(timeout=10)
        assert site.get("/nope").status == 404  # answered while the other waits
        assert statuses == []
    finally:
        release.set()
        slow_visit.join(timeout=10)
    assert statuses == [200]


def test_a_bug_behind_a_route_is_a_page_and_a_log_line_without_the_token(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(guide: Guide, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.web, "handle_done_link", broken)
    path = done_path("C1", "welcome")
    token = path.removeprefix("/done/")
    with caplog.at_level(logging.INFO, logger="og.serve"):
        reply = site.get(path)
    assert reply.status == 500
    assert "Something went wrong on our side" in reply.text
    assert "a bug" not in reply.text
    assert token not in caplog.text
    assert f'"GET /done/{token[:8]}..." failed' in caplog.text
    assert caplog.records[-1].getMessage().endswith(f'"GET /done/{token[:8]}..." 500')
