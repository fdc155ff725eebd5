"""moto's HTTP server (`ThreadedMotoServer`) on 127.0.0.1, in a thread of the test process: a
real AWS-shaped endpoint for boto3 clients given its `endpoint_url`. One per test process, as
the `moto_server` fixture in tests/conftest.py; a test that needs a clean slate calls `reset`."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from moto.server import ThreadedMotoServer


@dataclass(frozen=True)
class MotoServer:
    url: str

    def reset(self) -> None:
        """Forget every table, identity and message (moto's own reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200


def run_moto_server() -> Iterator[MotoServer]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MotoServer(url=f"http://{host}:{port}")
    finally:
        server.stop()
