"""SmtpMailer against real aiosmtpd servers: what the shared contract can't cover (TLS,
logins, refusals, an unreachable server)."""

from __future__ import annotations

import pytest
from builders import an_email
from smtp_servers import SmtpServer

from engine.adapters.smtp import SmtpMailer
from engine.ports import SendError

SENDER = "Onboarding Guide <guide@og.example>"


def secure_mailer(server: SmtpServer, *, password: str | None = None) -> SmtpMailer:
    username, good_password = server.good_login
    return SmtpMailer(
        server.host,
        server.port,
        SENDER,
        starttls=True,
        username=username,
        password=good_password if password is None else password,
        timeout=10,
        ssl_context=server.client_context,
    )


def test_starttls_and_a_good_login_deliver(tls_auth_server: SmtpServer) -> None:
    message_id = secure_mailer(tls_auth_server).send(an_email())

    (received,) = tls_auth_server.handler.received
    assert received.over_tls and received.authenticated
    assert received.mail_from == "guide@og.example"
    assert received.recipients == ["ada@customer.example"]
    assert received.message["Message-ID"] == message_id


def test_a_wrong_password_raises_send_error(tls_auth_server: SmtpServer) -> None:
    mailer = secure_mailer(tls_auth_server, password="wrong")

    with pytest.raises(SendError, match="refused the login for 'guide'"):
        mailer.send(an_email())
    assert tls_auth_server.handler.received == []


def test_an_untrusted_certificate_is_refused_by_default(tls_auth_server: SmtpServer) -> None:
    mailer = SmtpMailer(
        tls_auth_server.host,
        tls_auth_server.port,
        SENDER,
        starttls=True,
        username=tls_auth_server.good_login[0],
        password=tls_auth_server.good_login[1],
        timeout=10,
    )

    with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED"):
        mailer.send(an_email())
    assert tls_auth_server.handler.received == []


def test_sending_without_starttls_to_a_server_that_requires_it_fails(
    tls_auth_server: SmtpServer,
) -> None:
    mailer = SmtpMailer(tls_auth_server.host, tls_auth_server.port, SENDER, timeout=10)

    with pytest.raises(SendError, match="530"):
        mailer.send(an_email())
    assert tls_auth_server.handler.received == []


def test_a_login_over_plain_text_is_refused_by_a_server_that_needs_tls(
    tls_auth_server: SmtpServer,
) -> None:
    mailer = SmtpMailer(
        tls_auth_server.host,
        tls_auth_server.port,
        SENDER,
        username=tls_auth_server.good_login[0],
        password=tls_auth_server.good_login[1],
        timeout=10,
    )

    with pytest.raises(SendError, match="AUTH"):
        mailer.send(an_email())
    assert tls_auth_server.handler.received == []


def test_a_refused_connection_raises_send_error(unused_port: int) -> None:
    mailer = SmtpMailer("127.0.0.1", unused_port, SENDER, timeout=5)

    with pytest.raises(SendError, match=r"cannot send through 127\.0\.0\.1:\d+"):
        mailer.send(an_email())


def test_a_recipient_the_server_rejects_raises_send_error(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, SENDER, timeout=10)

    with pytest.raises(SendError, match=r"550 5\.1\.1 No such user here"):
        mailer.send(an_email(to_email=smtp_server.rejected_recipient))
    assert smtp_server.handler.received == []


def test_the_mailer_can_send_again_after_a_failure(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, SENDER, timeout=10)
    with pytest.raises(SendError):
        mailer.send(an_email(to_email=smtp_server.rejected_recipient))

    mailer.send(an_email())

    assert [r.recipients for r in smtp_server.handler.received] == [["ada@customer.example"]]


def test_repr_never_shows_the_password() -> None:
    mailer = SmtpMailer("mail.example", 587, SENDER, username="guide", password="hunter2")

    assert "hunter2" not in repr(mailer)


def test_a_bad_sender_is_a_setup_error() -> None:
    with pytest.raises(ValueError, match="sender"):
        SmtpMailer("mail.example", 587, "not an address")
