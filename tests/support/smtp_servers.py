"""Real SMTP servers (aiosmtpd) for tests: plain, and STARTTLS + AUTH with a self-signed
certificate made on the spot.

A plain module (tests/support is on pytest's pythonpath), so tests can import its names;
the fixtures that start and stop the servers live in tests/conftest.py.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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

    @property
    def url(self) -> str:
        """The plain-SMTP mailer setting that reaches this server."""
        return f"smtp://{self.host}:{self.port}"


@dataclass
class TlsFiles:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_server(
    client_context: ssl.SSLContext | None = None, **smtp_options: Any
) -> Iterator[SmtpServer]:
    """Starts a recording server on a free localhost port, yields it, then stops it."""
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


def check_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    success = (
        isinstance(auth_data, LoginPassword)
        and (auth_data.login.decode(), auth_data.password.decode()) == GOOD_LOGIN
    )
    # handled=False makes aiosmtpd answer the failure with 535 itself.
    return AuthResult(success=success, handled=False, auth_data=auth_data)


def make_self_signed_cert(directory: Path) -> TlsFiles:
    """An EC P-256 certificate for localhost and 127.0.0.1, valid for one day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        # It is its own CA: the extensions strict verifiers (Python 3.13+) insist on.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(cert=directory / "cert.pem", key=directory / "key.pem")
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files
