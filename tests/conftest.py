"""Fixtures shared by every test folder: real SMTP servers (aiosmtpd), a fake Slack Web API,
moto's AWS server and AWS's DynamoDB Local, all on localhost, and DynamoDB stores on them.

The servers themselves live in tests/support/ (smtp_servers.py, fake_slack.py, moto_server.py,
dynamodb_local.py); import types from there. The AWS servers start once per test process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dynamodb_local import DynamoDbLocalUnavailable, run_dynamodb_local, store_on
from fake_slack import FakeSlack, run_fake_slack
from moto_server import MotoServer, run_moto_server
from smtp_servers import (
    SmtpServer,
    TlsFiles,
    check_login,
    free_port,
    make_self_signed_cert,
    run_server,
)

from engine.adapters.dynamodb_store import DynamoDbStore


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP, no login; refuses `rejected_recipient` with a 550."""
    yield from run_server()


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    return free_port()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_auth_server(tls_files: TlsFiles) -> Iterator[SmtpServer]:
    """Refuses mail until STARTTLS and a good login, like a submission port (587)."""
    yield from run_server(
        client_context=tls_files.client_context(),
        tls_context=tls_files.server_context(),
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
    )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The Slack Web API over real HTTP; point a WebClient's base_url at `fake_slack.url`."""
    yield from run_fake_slack()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    yield from run_moto_server()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local's URL. Without Java or the jar the tests fail saying what to install:
    the state store's contract must run against AWS's own engine, never be skipped."""
    try:
        yield from run_dynamodb_local()
    except DynamoDbLocalUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def moto_store() -> Iterator[DynamoDbStore]:
    """A DynamoDB store on moto in-process, with tables of its own."""
    with store_on(None) as store:
        yield store


@pytest.fixture
def moto_server_store(moto_server: MotoServer) -> Iterator[DynamoDbStore]:
    with store_on(moto_server.url) as store:
        yield store


@pytest.fixture
def dynamodb_local_store(dynamodb_local: str) -> Iterator[DynamoDbStore]:
    with store_on(dynamodb_local) as store:
        yield store
