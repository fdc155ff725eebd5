"""A stand-in for Amazon Bedrock's Converse API on loopback: a threaded http.server that takes
`POST /model/{modelId}/converse` (the path, JSON body and answer of AWS's Converse reference),
keeps every request whole for the test to look at, and answers as `mode` says:

- `ok`: a Converse response, `output.message.content[0].text` = `words`, `stopReason`
  `end_turn`, and its `usage` and `metrics`;
- `slow`: the same, after `delay` seconds (past a client's read timeout);
- `error`: HTTP 500 with an `InternalServerException`, as the service reports its own failure;
- `malformed`: HTTP 200 whose body is not JSON;
- `cut`: a finished-looking answer whose `stopReason` is `max_tokens`.

Point boto3 at it with `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` (or `endpoint_url`), and give it
dummy credentials: it never checks the signature, it only keeps the `Authorization` header.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = "A steady month: most customers finished the welcome, and setup is where they stall."


@dataclass(frozen=True)
class ConverseRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class BedrockStandIn:
    url: str = ""
    mode: str = "ok"
    words: str = WORDS
    delay: float = 3.0
    requests: list[ConverseRequest] = field(default_factory=list)


def _answer(stand_in: BedrockStandIn, stop: str) -> bytes:
    return json.dumps(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": stand_in.words}]}},
            "stopReason": stop,
            "usage": {"inputTokens": 412, "outputTokens": 38, "totalTokens": 450},
            "metrics": {"latencyMs": 812},
        }
    ).encode()


@contextmanager
def bedrock_stand_in() -> Iterator[BedrockStandIn]:
    stand_in = BedrockStandIn()
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {"unreadable": body.decode(errors="replace")}
            stand_in.requests.append(
                ConverseRequest("POST", self.path, dict(self.headers.items()), parsed)
            )
            status, headers, payload = 200, {"Content-Type": "application/json"}, b""
            if stand_in.mode in ("ok", "slow"):
                if stand_in.mode == "slow":
                    release.wait(timeout=stand_in.delay)
                payload = _answer(stand_in, "end_turn")
            elif stand_in.mode == "cut":
                payload = _answer(stand_in, "max_tokens")
            elif stand_in.mode == "error":
                status = 500
                headers["x-amzn-ErrorType"] = "InternalServerException"
                payload = b'{"message": "The server encountered an internal error."}'
            else:
                payload = b"<html>not JSON</html>"
            try:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        release.set()
        server.shutdown()
        server.server_close()
