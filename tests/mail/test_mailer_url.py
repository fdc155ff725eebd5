from __future__ import annotations

from pathlib import Path

import pytest
from smtp_servers import SmtpServer

from engine.adapters.mailer_url import open_mailer
from engine.adapters.outbox import OutboxMailer
from engine.adapters.smtp import SmtpMailer
from engine.models import OutgoingEmail, SendKind

SENDER = "guide@og.example"


def test_outbox_spec_opens_an_outbox_in_that_folder(tmp_path: Path) -> None:
    mailer = open_mailer(f"outbox:{tmp_path / 'mail'}", sender=SENDER)

    assert isinstance(mailer, OutboxMailer)
    assert mailer.directory == tmp_path / "mail"


def test_outbox_spec_accepts_a_relative_folder() -> None:
    mailer = open_mailer("outbox:./outbox", sender=SENDER)

    assert isinstance(mailer, OutboxMailer)
    assert mailer.directory == Path("outbox")


def test_smtp_spec_opens_plain_smtp_with_credentials_from_settings() -> None:
    mailer = open_mailer(
        "smtp://relay.internal:25", sender=SENDER, smtp_username="u", smtp_password="p"
    )

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.starttls, mailer.username) == (
        "relay.internal",
        25,
        False,
        "u",
    )


@pytest.mark.parametrize("flag", ["1", "true", "yes", "TRUE"])
def test_smtp_spec_turns_on_starttls(flag: str) -> None:
    mailer = open_mailer(f"smtp://smtp.example.com:587?starttls={flag}", sender=SENDER)

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.starttls) == ("smtp.example.com", 587, True)


def test_smtp_spec_accepts_an_ipv6_host() -> None:
    mailer = open_mailer("smtp://[::1]:2525?starttls=0", sender=SENDER)

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.starttls) == ("::1", 2525, False)


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("", "unknown mailer"),
        ("sendgrid:key", "unknown mailer"),
        ("smtps://mail.example.com:465", "unknown mailer"),
        ("outbox:", "needs a folder"),
        ("smtp:mail.example.com:25", "should look like smtp://HOST:PORT"),
        ("smtp://mail.example.com", "needs a port"),
        ("smtp://:25", "no host"),
        ("smtp://mail.example.com:99999", "invalid port"),
        ("smtp://mail.example.com:abc", "invalid port"),
        ("smtp://user:secret@mail.example.com:587", "credentials"),
        ("smtp://mail.example.com:587/path", "nothing after it"),
        ("smtp://mail.example.com:587?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://mail.example.com:587?tls=1", "unknown option 'tls'"),
    ],
)
def test_a_bad_spec_is_refused_with_a_clear_message(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        open_mailer(spec, sender=SENDER)


def test_credentials_in_a_spec_are_not_repeated_in_the_error() -> None:
    with pytest.raises(ValueError) as caught:
        open_mailer("smtp://user:secret@mail.example.com:587", sender=SENDER)

    assert "secret" not in str(caught.value)


def test_an_opened_smtp_mailer_really_sends(smtp_server: SmtpServer) -> None:
    mailer = open_mailer(f"smtp://{smtp_server.host}:{smtp_server.port}", sender=SENDER)

    mailer.send(
        OutgoingEmail(
            to_email="ada@customer.example",
            subject="Hi",
            body="Hello\n",
            customer_id="c",
            journey=1,
            step="s",
            kind=SendKind.STEP,
        )
    )

    assert [r.recipients for r in smtp_server.handler.received] == [["ada@customer.example"]]
