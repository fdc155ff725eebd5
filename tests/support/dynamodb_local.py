"""DynamoDB for the state store's tests, three ways: moto in-process, moto's HTTP server, and
AWS's own DynamoDB Local.

DynamoDB Local is the Java jar shipped in the npm package amplify-dynamodb-simulator;
`make dynamodb-local` (a prerequisite of `make unit`) puts its `emulator/` folder in
`.cache/dynamodb-local/` (or set OG_DYNAMODB_LOCAL_DIR). It is started once per test process
(each xdist worker its own, on its own port) the first time a test needs it, and stopped when
the session ends. Without `java`, or without the jar, the tests that need it fail and say
why: they never skip.

Every client gets dummy credentials and a region as arguments, never from the environment,
and every test its own table prefix, so tests never share tables.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from moto import mock_aws
from processes import stop as stop_process
from smtp_servers import free_port

from engine.adapters.dynamodb_store import DynamoDbStore
from engine.adapters.dynamodb_tables import (
    DynamoDbSettings,
    create_tables,
    delete_tables,
    make_client,
)

REPO = Path(__file__).resolve().parents[2]
EMULATOR_DIR = Path(
    os.environ.get("OG_DYNAMODB_LOCAL_DIR", REPO / ".cache" / "dynamodb-local" / "emulator")
)
REGION = "us-east-1"
CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
START_TIMEOUT = 90.0


class DynamoDbLocalUnavailable(Exception):
    """DynamoDB Local cannot run here; the message says what is missing."""


_BOTOCORE = botocore.session.get_session()
"""Shared by the tests' clients: a session of its own per client would read botocore's model of
DynamoDB again each time (a tenth of a second or more)."""


def client_for(endpoint_url: str | None) -> Any:
    """A client as the store makes it, for moto in-process (None) or a server's URL."""
    settings = DynamoDbSettings(region=REGION, endpoint_url=endpoint_url)
    return make_client(settings, botocore_session=_BOTOCORE, **CREDENTIALS)


@contextmanager
def fresh_tables(client: Any) -> Iterator[str]:
    """The five tables under a prefix of this test's own; dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    create_tables(client, prefix, poll_seconds=1)
    try:
        yield prefix
    finally:
        delete_tables(client, prefix)


@contextmanager
def store_on(endpoint_url: str | None, **store_args: Any) -> Iterator[DynamoDbStore]:
    """A store on fresh tables: on moto in-process when `endpoint_url` is None."""
    with mock_aws() if endpoint_url is None else nullcontext():
        client = client_for(endpoint_url)
        with fresh_tables(client) as prefix:
            yield DynamoDbStore(client, prefix, **store_args)


# --- DynamoDB Local ------------------------------------------------------------------------


class _Shared:
    """One server per process, shared by every fixture that asks, stopped with the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.url = ""
        self.stop: Any = None


_LOCAL = _Shared()


def run_dynamodb_local() -> Iterator[str]:
    """For a session fixture: DynamoDB Local's URL, on 127.0.0.1."""
    yield from _run_shared(_LOCAL, _start_dynamodb_local)


def _run_shared(shared: _Shared, start: Any) -> Iterator[str]:
    with shared.lock:
        if shared.users == 0:
            shared.url, shared.stop = start()
        shared.users += 1
    try:
        yield shared.url
    finally:
        with shared.lock:
            shared.users -= 1
            if shared.users == 0:
                shared.stop()


def _start_dynamodb_local() -> tuple[str, Any]:
    java = shutil.which("java")
    if java is None:
        raise DynamoDbLocalUnavailable(
            "java is not installed: DynamoDB Local is a Java program (Java 17 runs it), and the "
            "state store's contract suite runs against it. Install a JRE "
            "(apt-get install openjdk-17-jre-headless) and run the tests again."
        )
    jar = EMULATOR_DIR / "DynamoDBLocal.jar"
    if not jar.is_file():
        raise DynamoDbLocalUnavailable(
            f"DynamoDB Local is not installed ({jar} is missing): run `make dynamodb-local`, "
            "which fetches it from the npm registry (or point OG_DYNAMODB_LOCAL_DIR at an "
            "emulator folder holding DynamoDBLocal.jar)."
        )
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the server runs; stop() closes it
    process = subprocess.Popen(
        [
            java,
            "-XX:TieredStopAtLevel=1",
            "-Djava.library.path=DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-disableTelemetry",
            "-port",
            str(port),
        ],
        cwd=EMULATOR_DIR,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def stop() -> None:
        stop_process(process)
        log.close()

    atexit.register(stop)  # should the session die before its teardown
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_it_answers(url, process, log)
    except BaseException:
        stop()
        raise
    return url, stop


def _wait_until_it_answers(url: str, process: subprocess.Popen[bytes], log: Any) -> None:
    probe = _probe_client(url)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise DynamoDbLocalUnavailable(
                f"DynamoDB Local exited with code {process.returncode} on start:\n{output}"
            )
        try:
            probe.list_tables(Limit=1)
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise DynamoDbLocalUnavailable(
                    f"DynamoDB Local did not answer on {url} within {START_TIMEOUT:.0f} s: {error}"
                ) from error
        time.sleep(0.2)


def _probe_client(url: str) -> Any:
    """Quick to give up: the server is polled until it answers."""
    return boto3.session.Session(**CREDENTIALS).client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=url,
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )
