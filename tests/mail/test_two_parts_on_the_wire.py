"""A composed email with both parts through the real SMTP path (aiosmtpd) and SES (moto): what
arrives is multipart/alternative, text then HTML, the same words in each, and a hostile name
from the sheet is neither a header nor markup on the other side."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from builders import customer
from moto import mock_aws
from moto_ses import REGION, record_requests, ses_sends, verify_identity
from smtp_servers import SmtpServer

from engine.adapters.ses_mailer import SesMailer
from engine.adapters.smtp import SmtpMailer
from engine.compose import step_email
from engine.outcomes import OutgoingEmail
from engine.plans import Rules
from engine.rules import parse_rules

ROOT = Path(__file__).resolve().parents[2]
SENDER = "Onboarding Guide <guide@og.example>"
LINK = "https://og.example/done/eyJhIjoxfQ.c2ln"
HOSTILE_NAME = '</a><script>alert(1)</script> =HYPERLINK("http://x")\r\nBcc: all@og.example'


def composed() -> OutgoingEmail:
    rules = parse_rules((ROOT / "bot" / "demo" / "rules.md").read_text(encoding="utf-8"))
    assert isinstance(rules, Rules)
    plan = rules.plans["starter"]
    step = plan.step("welcome")
    assert step is not None
    who = customer(name=HOSTILE_NAME, company="<b>Acme</b>", email="ada@customer.example")
    return step_email(rules, who, plan, step, 1, LINK)


def assert_two_parts(message: EmailMessage, email: OutgoingEmail) -> None:
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, html = (p.get_content().replace("\r\n", "\n") for p in parts)
    assert text == email.body and html == email.html
    assert LINK in text and f'href="{LINK}"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Acme</b>" not in html and "&lt;b&gt;Acme&lt;/b&gt;" in html
    assert message["Bcc"] is None
    assert message["To"].addresses[0].addr_spec == "ada@customer.example"


def test_both_parts_arrive_over_smtp(smtp_server: SmtpServer) -> None:
    email = composed()
    SmtpMailer(smtp_server.host, smtp_server.port, SENDER, timeout=10).send(email)
    (received,) = smtp_server.handler.received
    assert received.recipients == ["ada@customer.example"]
    assert_two_parts(received.message, email)


@pytest.fixture
def ses() -> Iterator[None]:
    with mock_aws():
        verify_identity("guide@og.example")
        yield


@pytest.mark.usefixtures("ses")
def test_both_parts_arrive_through_ses() -> None:
    email = composed()
    mailer = SesMailer(REGION, SENDER)
    requests = record_requests(mailer.client)
    mailer.send(email)
    (sent,) = ses_sends(requests)
    message = BytesParser(policy=default).parsebytes(sent.raw)
    assert isinstance(message, EmailMessage)
    assert_two_parts(message, email)
