"""Fixtures shared by every test folder: real SMTP servers (aiosmtpd) and a fake Slack Web
API on localhost.

The servers themselves live in tests/support/smtp_servers.py and tests/support/fake_slack.py;
import types from there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_slack import FakeSlack, run_fake_slack
from smtp_servers import (
    SmtpServer,
    TlsFiles,
    check_login,
    free_port,
    make_self_signed_cert,
    run_server,
)


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
