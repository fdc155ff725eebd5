"""Headless Chromium driven over the DevTools protocol, just enough to use a page as a person.

Debian's `chromium` (`make browser` installs it). One browser per test, with a fresh profile,
talking over one websocket with flattened sessions: every page command carries its sessionId.
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websocket
from processes import stop

STARTUP_SECONDS = 30
COMMAND_SECONDS = 20
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


@dataclass(frozen=True)
class Screen:
    width: int
    height: int


PHONE = Screen(390, 844)
DESKTOP = Screen(1280, 800)


def chromium_binary() -> str:
    found = shutil.which("chromium")
    if found is None:
        # The project runs no skipped tests: a machine without the browser fails, saying how.
        pytest.fail(
            "chromium is not installed, so the done link pages cannot be checked in a browser: "
            "run `make browser` (apt-get install chromium)",
            pytrace=False,
        )
    return found


class DevTools:
    """One websocket to the browser; replies are matched by id, events are kept in order."""

    def __init__(self, url: str) -> None:
        # Chromium refuses websocket clients that send an Origin it was not told to allow.
        self._socket = websocket.create_connection(
            url, timeout=COMMAND_SECONDS, suppress_origin=True
        )
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self._socket.close()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def wait_for(self, event: str, session: str, after: int) -> dict[str, Any]:
        """The first `event` of the session among the events kept from index `after` on."""
        deadline = time.monotonic() + COMMAND_SECONDS
        seen = after
        while True:
            for message in self.events[seen:]:
                if message["method"] == event and message.get("sessionId") == session:
                    return message
            seen = len(self.events)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} within {COMMAND_SECONDS}s")
            self._receive()

    def _receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self._socket.recv())
        if "method" in message:
            self.events.append(message)
        return message


class Page:
    def __init__(self, devtools: DevTools, session: str) -> None:
        self._devtools = devtools
        self._session = session

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        return self._devtools.call(method, self._session, **params)

    def _until_loaded(self, action: str, **params: Any) -> None:
        mark = len(self._devtools.events)
        self._call(action, **params)
        self._devtools.wait_for("Page.loadEventFired", self._session, mark)

    def evaluate(self, expression: str) -> Any:
        result = self._call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self._until_loaded("Page.navigate", url=url)

    def text(self) -> str:
        """What the page shows, as rendered (CSS-hidden text left out)."""
        return str(self.evaluate("document.body.innerText"))

    def tap(self, selector: str) -> None:
        """Press an element where it is drawn, as a finger would, and wait for the next page."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        mark = len(self._devtools.events)
        for kind in ("mousePressed", "mouseReleased"):
            self._call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        self._devtools.wait_for("Page.loadEventFired", self._session, mark)

    def prefer_colours(self, scheme: str) -> None:
        """What the page's `prefers-color-scheme` media query sees: "light" or "dark"."""
        self._call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self._call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data


class Browser:
    def __init__(self, devtools: DevTools) -> None:
        self._devtools = devtools

    def new_page(self, screen: Screen) -> Page:
        target = self._devtools.call("Target.createTarget", url="about:blank")["targetId"]
        attached = self._devtools.call("Target.attachToTarget", targetId=target, flatten=True)
        page = Page(self._devtools, attached["sessionId"])
        page._call("Page.enable")
        page._call(
            "Emulation.setDeviceMetricsOverride",
            width=screen.width,
            height=screen.height,
            deviceScaleFactor=1,
            mobile=screen.width < 700,
        )
        return page


@contextmanager
def headless_chromium(workdir: Path) -> Iterator[Browser]:
    profile = workdir / "profile"
    profile.mkdir(parents=True)
    log = workdir / "chromium.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        devtools = DevTools(_devtools_url(profile, process, log))
        try:
            yield Browser(devtools)
        finally:
            devtools.close()
    finally:
        stop(process)


def _devtools_url(profile: Path, process: subprocess.Popen[bytes], log: Path) -> str:
    # Chromium writes the port it picked, and the browser target's path, once it listens.
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        lines = port_file.read_text().split() if port_file.exists() else []
        if len(lines) == 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if process.poll() is not None:
            break
        time.sleep(0.05)
    output = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"chromium did not start (exit {process.poll()}):\n{output}")


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    scanlines: list[bytes]
    """The decompressed rows, each with its filter byte: identical rows mean an empty band."""


_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # by PNG colour type: grey, RGB, grey+alpha, RGBA


def read_png(data: bytes) -> Png:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind, width, height, depth, colour = struct.unpack(">I4sIIBB", data[8:26])
    assert (length, kind) == (13, b"IHDR"), "a PNG starts with its IHDR chunk"
    assert depth == 8 and colour in _CHANNELS, f"unexpected PNG format {depth=} {colour=}"
    compressed, offset = bytearray(), 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            compressed += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    pixels = zlib.decompress(bytes(compressed))
    stride = 1 + width * _CHANNELS[colour]
    assert len(pixels) == stride * height, "image data does not match the header"
    rows = [pixels[i : i + stride] for i in range(0, len(pixels), stride)]
    return Png(width=width, height=height, scanlines=rows)
