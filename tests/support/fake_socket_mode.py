"""A fake Slack Socket Mode server on localhost: a real WebSocket (RFC 6455) over a plain TCP
socket, so slack_sdk's built-in `SocketModeClient` (and Bolt's `SocketModeHandler`) connects to
it as it would to Slack's `wss://` link, and tests deliver envelopes and read back the acks.

What it does, as far as the built-in client needs: the opening handshake (`Sec-WebSocket-Accept`
from the client's key; anything but a GET of `/link/` with `Upgrade: websocket` and version 13
gets a 400), Slack's `hello` message once connected, unmasked text frames out, masked frames in
(an unmasked one closes the connection with 1002, as the RFC says), a pong for each of the
client's pings (it pings once on connecting, then every `ping_interval` of its own), and a
close frame answered with one. Like Slack it pings the client too, every `ping_interval`
seconds (0.05 here); besides mirroring Slack, that wakes the client's receive loop, which would
otherwise hold its socket lock for its whole 3-second read timeout and make `close()` slow.
Frames are never fragmented either way; the client never sends fragments and one is refused.

Point the fake Web API at it with `fake_slack.socket_url = server.url`: `apps.connections.open`
answers that URL. Start and stop it with `with FakeSocketMode() as server:`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from fake_slack import APP_ID

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA
_PROTOCOL_ERROR, _GOING_AWAY = 1002, 1001
_MAX_HEADERS = 16 * 1024


class _Closed(Exception):
    """The connection is over: the peer went away, sent a close frame, or broke the protocol."""


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key` (RFC 6455, section 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")


def frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, unfragmented frame, as a server sends them."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


@dataclass
class _Connection:
    sock: socket.socket
    thread: threading.Thread | None = None
    buffer: bytes = b""
    upgraded: bool = False
    open: bool = True
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, opcode: int, payload: bytes) -> None:
        with self.send_lock:
            if not self.open:
                raise _Closed("not connected")
            try:
                self.sock.sendall(frame(opcode, payload))
            except OSError as error:
                raise _Closed(str(error)) from error


class FakeSocketMode:
    def __init__(self, *, ping_interval: float = 0.05, app_id: str = APP_ID) -> None:
        self.ping_interval = ping_interval
        self.app_id = app_id
        self.url = ""
        """Where the client connects: `ws://127.0.0.1:PORT/link/?ticket=...` once started."""
        self.handshakes = 0
        """WebSocket connections accepted so far (each reconnect adds one)."""
        self.sent: list[dict[str, Any]] = []
        """Every envelope delivered, oldest first."""
        self.received: list[dict[str, Any]] = []
        """Every text message from the client, decoded, oldest first (acks included)."""
        self.acks: dict[str, dict[str, Any]] = {}
        """The client's ack for each envelope id, as sent: `{"envelope_id": ..., "payload"?}`."""
        self.pings_answered = 0
        """The client's pings answered with a pong (it sends one as soon as it connects)."""
        self._changed = threading.Condition()
        self._connections: list[_Connection] = []
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    # --- what tests use --------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        # Accepting polls, so stop() ends the loop without relying on close() waking accept().
        listener.settimeout(0.02)
        self._listener = listener
        port = listener.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link/?ticket=og-test-ticket&app_id={self.app_id}"
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="fake-socket-mode", daemon=True
        )
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Closes every connection (with a close frame, 1001 "going away") and the listener."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            self._close(connection, _GOING_AWAY, "server stopped")
            if connection.thread is not None:
                connection.thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def connected(self) -> int:
        """How many clients are connected now."""
        with self._changed:
            return sum(1 for c in self._connections if c.open)

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        **fields: Any,
    ) -> str:
        """Delivers `payload` in an envelope of `type` (`interactive`, `slash_commands`,
        `events_api`) to the newest connection, as Slack does; returns its envelope id. Other
        envelope fields Slack sends (`retry_attempt`, `retry_reason`) go in `fields`."""
        envelope_id = f"og-envelope-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            **fields,
        }
        with self._changed:
            live = [c for c in self._connections if c.open]
        if not live:
            raise AssertionError("no Socket Mode client is connected")
        live[-1].send(_TEXT, json.dumps(envelope).encode("utf-8"))
        with self._changed:
            self.sent.append(envelope)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack of `envelope_id` (with its `payload` when it sent one); fails when
        none comes within `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout=timeout):
                raise AssertionError(
                    f"no ack for {envelope_id} within {timeout}s; received {self.received}"
                )
            return self.acks[envelope_id]

    # --- the server side -------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection = _Connection(sock)
            connection.thread = threading.Thread(
                target=self._serve, args=(connection,), name="fake-socket-mode-conn", daemon=True
            )
            connection.thread.start()

    def _serve(self, connection: _Connection) -> None:
        sock = connection.sock
        sock.settimeout(self.ping_interval)
        try:
            if not self._handshake(connection):
                return
            hello = {
                "type": "hello",
                "num_connections": self.connected,
                "debug_info": {"host": "applink-og-test", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
            connection.send(_TEXT, json.dumps(hello).encode("utf-8"))
            while True:
                self._handle(connection, *self._read_frame(connection))
        except _Closed:
            pass
        finally:
            self._drop(connection)

    def _handshake(self, connection: _Connection) -> bool:
        while b"\r\n\r\n" not in connection.buffer:
            if len(connection.buffer) > _MAX_HEADERS:
                raise _Closed("headers too long")
            connection.buffer += self._recv(connection)
        head, connection.buffer = connection.buffer.split(b"\r\n\r\n", 1)
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, target, *_ = [*request_line.split(" "), "", ""]
        key = headers.get("sec-websocket-key", "")
        if (
            method != "GET"
            or not target.startswith("/link/")
            or headers.get("upgrade", "").lower() != "websocket"
            or "upgrade" not in headers.get("connection", "").lower()
            or headers.get("sec-websocket-version") != "13"
            or not key
        ):
            connection.sock.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return False
        with self._changed:
            # Counted before the 101 goes out: once the client's connect() returns, it shows.
            self._connections.append(connection)
            self.handshakes += 1
            self._changed.notify_all()
        connection.sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\n"
            b"Upgrade: websocket\r\n"
            b"Connection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode("ascii") + b"\r\n\r\n"
        )
        connection.upgraded = True
        return True

    def _recv(self, connection: _Connection) -> bytes:
        """More bytes from the client; pings it whenever it has been quiet for a while."""
        while True:
            if self._stopping.is_set() or not connection.open:
                raise _Closed("stopping")
            try:
                data = connection.sock.recv(4096)
            except TimeoutError:
                if connection.upgraded:
                    connection.send(_PING, b"og-fake-ping")
                continue
            except OSError as error:
                raise _Closed(str(error)) from error
            if not data:
                raise _Closed("client went away")
            return data

    def _read(self, connection: _Connection, size: int) -> bytes:
        while len(connection.buffer) < size:
            connection.buffer += self._recv(connection)
        data, connection.buffer = connection.buffer[:size], connection.buffer[size:]
        return data

    def _read_frame(self, connection: _Connection) -> tuple[int, bytes]:
        first, second = self._read(connection, 2)
        fin, opcode, masked, length = first & 0x80, first & 0x0F, second & 0x80, second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(connection, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(connection, 8))
        if not masked or not fin or first & 0x70:
            self._close(connection, _PROTOCOL_ERROR, "masked, unfragmented frames only")
            raise _Closed("protocol error")
        mask = self._read(connection, 4)
        data = bytes(b ^ m for b, m in zip(self._read(connection, length), itertools.cycle(mask)))
        return opcode, data

    def _handle(self, connection: _Connection, opcode: int, data: bytes) -> None:
        if opcode == _PING:
            connection.send(_PONG, data)
            with self._changed:
                self.pings_answered += 1
        elif opcode == _PONG:
            pass
        elif opcode == _CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1000
            self._close(connection, code, "")
            raise _Closed("client closed")
        elif opcode == _TEXT:
            message = json.loads(data.decode("utf-8"))
            with self._changed:
                self.received.append(message)
                if isinstance(message, dict) and message.get("envelope_id"):
                    self.acks[str(message["envelope_id"])] = message
                self._changed.notify_all()
        else:
            self._close(connection, _PROTOCOL_ERROR, "text frames only")
            raise _Closed("unsupported frame")

    def _close(self, connection: _Connection, code: int, reason: str) -> None:
        with contextlib.suppress(_Closed):
            connection.send(_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
        self._drop(connection)

    def _drop(self, connection: _Connection) -> None:
        with connection.send_lock:
            if connection.open:
                connection.open = False
                with contextlib.suppress(OSError):
                    connection.sock.shutdown(socket.SHUT_RDWR)
                connection.sock.close()
        with self._changed:
            self._changed.notify_all()
