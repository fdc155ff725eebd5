"""Real SMTP servers (aiosmtpd) for the mail tests: plain, and STARTTLS + AUTH with a
self-signed certificate made on the spot.

Tests reach everything through fixtures and import names from here only for type checking:
several `conftest` modules share one module name, so a runtime import could get another's.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

GOOD_LOGIN = ("guide", "correct horse")
REJECTED_RECIPIENT = "nobody@example.com"


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    raw: bytes
    authenticated: bool
    over_tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    """Keeps every message it accepts; refuses REJECTED_RECIPIENT like a real server would."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address == REJECTED_RECIPIENT:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                raw=envelope.content,
                authenticated=bool(session.authenticated),
                over_tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler
    client_context: ssl.SSLContext | None = None
    """Trusts the server's self-signed certificate, when it has one."""
    good_login: tuple[str, str] = GOOD_LOGIN
    rejected_recipient: str = REJECTED_RECIPIENT


@dataclass
class TlsFiles:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_server(
    client_context: ssl.SSLContext | None = None, **smtp_options: Any
) -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost", **smtp_options
    )
    controller.start()
    try:
        yield SmtpServer(
            host="127.0.0.1", port=controller.port, handler=handler, client_context=client_context
        )
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from run_server()


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    return free_port()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    # `cryptography` is not installed in the project's virtualenv, so the openssl command
    # line makes the certificate.
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    files = TlsFiles(cert=directory / "cert.pem", key=directory / "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "1",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(files.key), "-out", str(files.cert),
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return files


def check_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    success = (
        isinstance(auth_data, LoginPassword)
        and (auth_data.login.decode(), auth_data.password.decode()) == GOOD_LOGIN
    )
    # handled=False makes aiosmtpd answer the failure with 535 itself.
    return AuthResult(success=success, handled=False, auth_data=auth_data)


@pytest.fixture
def tls_auth_server(tls_files: TlsFiles) -> Iterator[SmtpServer]:
    """Refuses mail until STARTTLS and a good login, like a submission port (587)."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)
    yield from run_server(
        client_context=tls_files.client_context(),
        tls_context=server_context,
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
    )
