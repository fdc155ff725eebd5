from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import an_email
from moto import mock_aws
from moto_ses import REGION, record_requests, ses_sends, verify_identity
from smtp_servers import SmtpServer

from engine.adapters.mailer_url import open_mailer
from engine.adapters.outbox import OutboxMailer
from engine.adapters.ses_mailer import SesMailer
from engine.adapters.smtp import SmtpMailer

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

    mailer.send(an_email())

    assert [r.recipients for r in smtp_server.handler.received] == [["ada@customer.example"]]


# --- ses://REGION?from=...&configuration_set=...&endpoint_url=... -------------------------


def test_ses_spec_opens_ses_in_that_region_sending_as_mail_from() -> None:
    mailer = open_mailer("ses://eu-west-1", sender="Guide <guide@og.example>")

    assert isinstance(mailer, SesMailer)
    assert (mailer.region, mailer.sender) == ("eu-west-1", "Guide <guide@og.example>")
    assert (mailer.configuration_set, mailer.endpoint_url) == (None, None)


def test_ses_spec_options_name_the_sender_configuration_set_and_endpoint() -> None:
    mailer = open_mailer(
        "ses://us-gov-west-1?from=Onboarding%20Guide%20%3Cguide%40og.example%3E"
        "&configuration_set=og-events_1&endpoint_url=http://127.0.0.1:4566",
        sender="ignored@localhost",
    )

    assert isinstance(mailer, SesMailer)
    assert mailer.region == "us-gov-west-1"
    assert mailer.sender == "Onboarding Guide <guide@og.example>"
    assert mailer.configuration_set == "og-events_1"
    assert mailer.endpoint_url == "http://127.0.0.1:4566"


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("ses:eu-west-1", "should look like ses://REGION"),
        ("ses://", "needs an AWS region"),
        ("ses://europe", "needs an AWS region"),
        ("ses://eu-west-1:443", "needs an AWS region"),
        ("ses://AKIA:secret@eu-west-1", "credentials"),
        ("ses://eu-west-1/mail", "nothing else"),
        ("ses://eu-west-1?region=us-east-1", "unknown option 'region'"),
        ("ses://eu-west-1?from=a@og.example&from=b@og.example", "given twice"),
        ("ses://eu-west-1?configuration_set=", "'configuration_set' is empty"),
        ("ses://eu-west-1?configuration_set=og%20events", "not an SES configuration set"),
        ("ses://eu-west-1?configuration_set=" + "x" * 65, "not an SES configuration set"),
        ("ses://eu-west-1?endpoint_url=localhost:4566", "should be http(s)://HOST"),
        ("ses://eu-west-1?from=not-an-address", "must contain exactly one @"),
        ("ses://eu-west-1?from=guide@localhost", "SES cannot send from 'guide@localhost'"),
    ],
)
def test_a_bad_ses_spec_is_refused_with_a_clear_message(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        open_mailer(spec, sender=SENDER)


def test_ses_credentials_in_a_spec_are_not_repeated_in_the_error() -> None:
    with pytest.raises(ValueError) as caught:
        open_mailer("ses://AKIAEXAMPLE:topsecret@eu-west-1", sender=SENDER)

    assert "topsecret" not in str(caught.value)
    assert "AKIAEXAMPLE" not in str(caught.value)


def test_the_default_sender_on_localhost_is_refused_for_ses() -> None:
    with pytest.raises(ValueError, match="set from= in the spec or the mail_from setting"):
        open_mailer("ses://eu-west-1", sender="Onboarding Guide <guide@localhost>")


def test_an_opened_ses_mailer_really_sends() -> None:
    with mock_aws():
        verify_identity(SENDER)
        mailer = open_mailer(f"ses://{REGION}?configuration_set=og-events", sender=SENDER)
        assert isinstance(mailer, SesMailer)
        requests = record_requests(mailer.client)

        message_id = mailer.send(an_email())

        (sent,) = ses_sends(requests)
    assert sent.message_id == message_id
    assert sent.recipients == ["ada@customer.example"]
    assert sent.request["ConfigurationSetName"] == "og-events"
