"""The Mailer contract: every mailer adapter must pass every test here.

Each adapter sends for real (into a folder, to a real SMTP server on localhost, or to SES as
moto plays it, in process and over HTTP) and the tests read back what arrived, exactly as a
mail client would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from builders import an_email
from moto import mock_aws
from moto_server import MotoServer
from moto_ses import (
    REGION,
    fake_aws_credentials,
    record_requests,
    ses_sends,
    verify_identity,
)
from smtp_servers import SmtpServer

from engine.adapters.outbox import OutboxMailer
from engine.adapters.ses_mailer import SesMailer
from engine.adapters.smtp import SmtpMailer
from engine.models import SendKind
from engine.ports import Mailer, SendError

SENDER = "Onboarding Guide <guide@og.example>"


@dataclass
class Delivery:
    recipients: list[str]
    """The envelope for SMTP; every address header for a written file."""
    raw: bytes
    service_id: str | None = None
    """The id the mail service gave the message, when it is not the Message-ID header (SES
    puts its own in place of ours)."""

    @property
    def message_id(self) -> str:
        return self.service_id or str(self.message["Message-ID"])

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def body(self) -> str:
        # Text travels in canonical CRLF form; a mail client shows it with local line ends.
        return str(self.message.get_content()).replace("\r\n", "\n")


@dataclass
class MailerUnderTest:
    mailer: Mailer
    delivered: Callable[[], list[Delivery]]


def _outbox_deliveries(directory: Path) -> list[Delivery]:
    deliveries = []
    for path in sorted(directory.glob("*.eml")) if directory.exists() else []:
        raw = path.read_bytes()
        message = BytesParser(policy=default).parsebytes(raw)
        recipients = [
            address.addr_spec
            for header in ("To", "Cc", "Bcc")
            for value in message.get_all(header, [])
            for address in value.addresses
        ]
        deliveries.append(Delivery(recipients=recipients, raw=raw))
    return deliveries


def _ses_under_test(mailer: SesMailer) -> MailerUnderTest:
    verify_identity("guide@og.example", mailer.endpoint_url)
    requests = record_requests(mailer.client)
    return MailerUnderTest(
        mailer=mailer,
        delivered=lambda: [
            Delivery(recipients=s.recipients, raw=s.raw, service_id=s.message_id)
            for s in ses_sends(requests)
        ],
    )


@pytest.fixture(params=["outbox", "smtp", "ses", "ses-http"])
def under_test(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailerUnderTest]:
    if request.param == "ses":
        with mock_aws():
            yield _ses_under_test(SesMailer(REGION, SENDER))
        return
    if request.param == "ses-http":
        server: MotoServer = request.getfixturevalue("moto_server")
        fake_aws_credentials(request.getfixturevalue("monkeypatch"))
        server.reset()
        yield _ses_under_test(SesMailer(REGION, SENDER, endpoint_url=server.url))
        return
    if request.param == "outbox":
        directory = tmp_path / "outbox"
        yield MailerUnderTest(
            mailer=OutboxMailer(directory, SENDER),
            delivered=lambda: _outbox_deliveries(directory),
        )
        return
    # Only the SMTP case needs the server (tests/conftest.py), so it is asked for here.
    smtp: SmtpServer = request.getfixturevalue("smtp_server")
    yield MailerUnderTest(
        mailer=SmtpMailer(smtp.host, smtp.port, SENDER, timeout=10),
        delivered=lambda: [
            Delivery(recipients=r.recipients, raw=r.raw) for r in smtp.handler.received
        ],
    )


def the_one_delivery(under_test: MailerUnderTest) -> Delivery:
    deliveries = under_test.delivered()
    assert len(deliveries) == 1
    return deliveries[0]


def test_delivers_addresses_subject_and_body(under_test: MailerUnderTest) -> None:
    under_test.mailer.send(an_email())

    delivery = the_one_delivery(under_test)
    message = delivery.message
    assert delivery.recipients == ["ada@customer.example"]
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Ada Lovelace", "ada@customer.example")
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Onboarding Guide", "guide@og.example")
    assert message["Subject"] == "Step 1: connect your data"
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "text/plain"
    assert delivery.body == "Hi Ada,\n\nConnect your data source today.\n\nThe team\n"


def test_tags_the_message_with_customer_journey_step_and_kind(
    under_test: MailerUnderTest,
) -> None:
    under_test.mailer.send(an_email(kind=SendKind.NUDGE))

    message = the_one_delivery(under_test).message
    assert message["X-OG-Customer-Id"] == "cust-42"
    assert message["X-OG-Journey"] == "2"
    assert message["X-OG-Step"] == "connect-data"
    assert message["X-OG-Kind"] == "nudge"


def test_returns_the_message_id_it_sent(under_test: MailerUnderTest) -> None:
    first = under_test.mailer.send(an_email())
    second = under_test.mailer.send(an_email())

    deliveries = under_test.delivered()
    assert sorted(d.message_id for d in deliveries) == sorted([first, second])
    assert first != second
    # Every adapter writes a Message-ID in the sender's domain (SES replaces it on delivery).
    for delivery in deliveries:
        header = str(delivery.message["Message-ID"])
        assert header.startswith("<") and header.endswith("@og.example>")


def test_line_breaks_in_name_subject_and_ids_cannot_add_headers(
    under_test: MailerUnderTest,
) -> None:
    under_test.mailer.send(
        an_email(
            to_name="Eve\r\nBcc: spy@evil.example",
            subject="Welcome\r\nBcc: spy2@evil.example\r\n\r\nfake body",
            customer_id="cust-1\nCc: spy3@evil.example",
            step="intro\r\nX-Evil: 1",
        )
    )

    delivery = the_one_delivery(under_test)
    message = delivery.message
    assert delivery.recipients == ["ada@customer.example"]
    for header in ("Bcc", "Cc", "X-Evil"):
        assert header not in message
    assert message["To"].addresses[0].display_name == "Eve Bcc: spy@evil.example"
    assert message["To"].addresses[0].addr_spec == "ada@customer.example"
    assert message["Subject"] == "Welcome Bcc: spy2@evil.example fake body"
    assert message["X-OG-Customer-Id"] == "cust-1 Cc: spy3@evil.example"
    assert message["X-OG-Step"] == "intro X-Evil: 1"
    assert delivery.body.startswith("Hi Ada,")


def test_a_name_that_looks_like_an_address_list_stays_a_name(
    under_test: MailerUnderTest,
) -> None:
    under_test.mailer.send(an_email(to_name='Mallory <spy@evil.example>, "x" <y@evil.example>'))

    delivery = the_one_delivery(under_test)
    (to,) = delivery.message["To"].addresses
    assert to.addr_spec == "ada@customer.example"
    assert to.display_name == 'Mallory <spy@evil.example>, "x" <y@evil.example>'
    assert delivery.recipients == ["ada@customer.example"]


def test_unicode_names_subjects_and_bodies_survive(under_test: MailerUnderTest) -> None:
    name = "Zoë Ångström-李 (Ops)"
    subject = "Willkommen — Schritt 1 ✓ " + "ja " * 40 + "終わり"
    body = "Grüße, Zoë!\n\nПривет 👋\n" + "ä" * 1200 + "\n"
    under_test.mailer.send(an_email(to_name=name, subject=subject, body=body, customer_id="kü-1"))

    delivery = the_one_delivery(under_test)
    message = delivery.message
    assert message["To"].addresses[0].display_name == name
    assert message["Subject"] == subject.strip()
    assert message["X-OG-Customer-Id"] == "kü-1"
    assert delivery.body == body
    # Encoded on the wire (RFC 2047 headers, 7-bit body), so no relay needs SMTPUTF8.
    assert delivery.raw.isascii()


def test_body_lines_smtp_treats_specially_arrive_unchanged(under_test: MailerUnderTest) -> None:
    body = "first\n.\n..two dots\nFrom the team\n" + "x" * 2000 + "\nlast\n"
    under_test.mailer.send(an_email(body=body))

    assert the_one_delivery(under_test).body == body


def test_an_internationalised_domain_is_sent_in_punycode(under_test: MailerUnderTest) -> None:
    under_test.mailer.send(an_email(to_email="ada@bücher.example"))

    delivery = the_one_delivery(under_test)
    assert delivery.recipients == ["ada@xn--bcher-kva.example"]
    assert delivery.message["To"].addresses[0].addr_spec == "ada@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "bad_address",
    [
        "",
        "ada.customer.example",
        "ada@@customer.example",
        "ada@customer@example",
        "@customer.example",
        "ada@",
        "ada@customer.example\r\nBcc: spy@evil.example",
        "ada@customer.example\n",
        "ada @customer.example",
        "ada\t@customer.example",
        "ada\x00@customer.example",
        "ada\u2028@customer.example",
        "spy,ada@customer.example",
        "<ada@customer.example>",
        '"ada"@customer.example',
        "adä@customer.example",
    ],
)
def test_refuses_an_unusable_address_and_delivers_nothing(
    under_test: MailerUnderTest, bad_address: str
) -> None:
    with pytest.raises(SendError):
        under_test.mailer.send(an_email(to_email=bad_address))

    assert under_test.delivered() == []


# --- a batch: sent side by side, made durable by one flush --------------------------------------


def test_a_flush_delivers_every_message_sent_before_it_once(under_test: MailerUnderTest) -> None:
    under_test.mailer.flush()  # nothing sent yet: nothing to do
    emails = [an_email(customer_id=f"cust-{n}", step=f"step-{n}") for n in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(under_test.mailer.send, emails))
    under_test.mailer.flush()
    under_test.mailer.flush()  # again: harmless

    deliveries = under_test.delivered()
    assert sorted(d.message_id for d in deliveries) == sorted(ids)
    assert len(set(ids)) == 12
    assert sorted(str(d.message["X-OG-Customer-Id"]) for d in deliveries) == sorted(
        e.customer_id for e in emails
    )


def test_a_refused_message_in_a_batch_is_not_delivered_by_the_flush(
    under_test: MailerUnderTest,
) -> None:
    under_test.mailer.send(an_email(customer_id="cust-1"))
    with pytest.raises(SendError):
        under_test.mailer.send(an_email(customer_id="cust-2", to_email="not an address"))
    under_test.mailer.send(an_email(customer_id="cust-3"))
    under_test.mailer.flush()

    delivered = sorted(str(d.message["X-OG-Customer-Id"]) for d in under_test.delivered())
    assert delivered == ["cust-1", "cust-3"]
