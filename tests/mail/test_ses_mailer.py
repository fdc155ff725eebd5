"""The SES mailer against moto: what goes on the wire (raw message, tags, configuration set),
the MessageId it returns, and which SES answers reject a send for good and which are retried.

The contract suite (tests/contract/test_mailer_contract.py) covers what every mailer delivers;
these are the SES-only parts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from builders import an_email
from moto import mock_aws
from moto_server import MotoServer
from moto_ses import (
    REGION,
    SesAnswer,
    answer_with,
    fake_aws_credentials,
    raw_data,
    record_requests,
    ses_sends,
    verify_identity,
)
from stalling_server import stalling_server

from engine.adapters.outbox import OutboxMailer
from engine.adapters.ses_mailer import SesMailer, tag_value
from engine.models import SendKind
from engine.ports import OutcomeUnknownError, RejectedError, SendError

SENDER = "Onboarding Guide <guide@og.example>"
TAG_VALUE = re.compile(r"[A-Za-z0-9_-]{1,256}")
DONE_LINK = "https://og.example/done/abc"


@pytest.fixture
def in_process() -> Iterator[None]:
    with mock_aws():
        verify_identity("guide@og.example")
        yield


@pytest.fixture
def server(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    fake_aws_credentials(monkeypatch)
    moto_server.reset()
    verify_identity("guide@og.example", moto_server.url)
    return moto_server


# --- what is sent --------------------------------------------------------------------------


@pytest.mark.usefixtures("in_process")
def test_sends_the_raw_message_with_tags_and_returns_the_ses_message_id() -> None:
    mailer = SesMailer(REGION, SENDER)
    requests = record_requests(mailer.client)

    message_id = mailer.send(an_email(kind=SendKind.NUDGE, body=f"Connect it: {DONE_LINK}\n"))

    (sent,) = ses_sends(requests)
    assert message_id == sent.message_id  # SES's id, not the Message-ID header we wrote
    assert not message_id.startswith("<")
    (request,) = requests
    assert request["FromEmailAddress"] == "guide@og.example"
    assert request["Destination"] == {"ToAddresses": ["ada@customer.example"]}
    assert "ConfigurationSetName" not in request
    assert sent.tags == {"customer": "cust-42", "journey": "2", "step": "connect-data"} | {
        "kind": "nudge"
    }
    assert raw_data(request) == sent.raw  # moto kept exactly what went on the wire
    message = BytesParser(policy=default).parsebytes(sent.raw)
    assert message["X-OG-Customer-Id"] == "cust-42"
    assert message["X-OG-Kind"] == "nudge"
    assert DONE_LINK in message.get_content()


@pytest.mark.usefixtures("in_process")
def test_names_the_configuration_set_when_given() -> None:
    mailer = SesMailer(REGION, SENDER, configuration_set="og-events")
    requests = record_requests(mailer.client)

    mailer.send(an_email())

    assert [r["ConfigurationSetName"] for r in requests] == ["og-events"]
    assert len(ses_sends(requests)) == 1


@pytest.mark.usefixtures("in_process")
def test_the_message_is_built_as_the_other_mailers_build_it(tmp_path: Path) -> None:
    email = an_email(to_name="Zoë Ångström", subject="Schritt 1 ✓", body="Grüße\n" + "x" * 90)
    OutboxMailer(tmp_path, SENDER).send(email)
    mailer = SesMailer(REGION, SENDER)
    requests = record_requests(mailer.client)
    mailer.send(email)

    (eml,) = tmp_path.glob("*.eml")
    on_disk = BytesParser(policy=default).parsebytes(eml.read_bytes())
    (sent,) = ses_sends(requests)
    via_ses = BytesParser(policy=default).parsebytes(sent.raw)
    assert via_ses.keys() == on_disk.keys()
    for header in on_disk:
        if header not in ("Date", "Message-ID"):
            assert str(via_ses[header]) == str(on_disk[header]), header
    # On the wire in canonical CRLF form, as over SMTP; the outbox uses local line ends.
    assert via_ses.get_content().replace("\r\n", "\n") == on_disk.get_content()
    assert sent.raw.isascii() and sent.raw.count(b"\r\n") == sent.raw.count(b"\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cust-42", "cust-42"),
        ("C_1", "C_1"),
        ("kü 1/ä.b", "k__1___b"),
        ("", "_"),
        ("x" * 300, "x" * 256),
        ("a\r\nb", "a__b"),
    ],
)
def test_tag_values_keep_only_what_ses_allows(text: str, expected: str) -> None:
    assert tag_value(text) == expected


@pytest.mark.usefixtures("in_process")
def test_ids_ses_would_refuse_as_tags_are_sanitised_and_kept_whole_in_headers() -> None:
    mailer = SesMailer(REGION, SENDER)
    requests = record_requests(mailer.client)
    customer_id, step = "kü 1/" + "ä" * 300, "step one (intro)"

    mailer.send(an_email(customer_id=customer_id, step=step))

    (sent,) = ses_sends(requests)
    assert all(TAG_VALUE.fullmatch(value) for value in sent.tags.values()), sent.tags
    assert sent.tags["customer"] == "k__1_" + "_" * 251
    assert sent.tags["step"] == "step_one__intro_"
    message = BytesParser(policy=default).parsebytes(sent.raw)
    assert message["X-OG-Customer-Id"] == customer_id
    assert message["X-OG-Step"] == step


# --- what SES refuses ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["in-process", "http"])
def test_an_unverified_sender_is_a_setup_problem_retried_not_a_rejection(
    mode: str, request: pytest.FixtureRequest
) -> None:
    """moto refuses an unverified sender with MessageRejected, as SES does. Every customer
    would meet it: it must not mark anyone rejected for good."""
    if mode == "in-process":
        context = mock_aws()
        context.start()
        request.addfinalizer(context.stop)
        mailer = SesMailer(REGION, "Guide <nobody@unverified.example>")
    else:
        server: MotoServer = request.getfixturevalue("server")
        mailer = SesMailer(REGION, "nobody@unverified.example", endpoint_url=server.url)
    requests = record_requests(mailer.client)

    with pytest.raises(SendError) as caught:
        mailer.send(an_email())

    assert not isinstance(caught.value, RejectedError)
    assert "MessageRejected" in str(caught.value)
    assert "nobody@unverified.example" in str(caught.value)
    assert "not verified" in str(caught.value)
    assert len(requests) == 1  # SES was asked, and refused
    assert ses_sends(requests) == []


SANDBOX = "Email address is not verified. The following identities failed the check in region"


@pytest.mark.parametrize(
    ("answer", "rejected"),
    [
        # About this recipient, and the same again tomorrow: rejected for good.
        (SesAnswer(400, "MessageRejected", "Address blacklisted."), True),
        (SesAnswer(400, "BadRequestException", "Illegal address"), True),
        (SesAnswer(400, "BadRequestException", "Missing final '@domain'"), True),
        (SesAnswer(400, "InvalidParameterValue", "Domain contains illegal character"), True),
        # Set-up, account state or a passing condition: retried next tick.
        (SesAnswer(400, "MessageRejected", f"{SANDBOX} EU-WEST-1: guide@og.example"), False),
        (SesAnswer(400, "MessageRejected", f"{SANDBOX} EU-WEST-1: ada@customer.example"), False),
        (SesAnswer(400, "BadRequestException", "Illegal address guide@og.example"), False),
        (SesAnswer(400, "BadRequestException", "Value at 'emailTags' failed to satisfy"), False),
        (SesAnswer(400, "MailFromDomainNotVerifiedException", "MAIL FROM not verified"), False),
        (SesAnswer(404, "NotFoundException", "Configuration set og-events does not exist"), False),
        (SesAnswer(400, "AccountSuspendedException", "Sending is suspended"), False),
        (SesAnswer(400, "SendingPausedException", "Sending is paused for this account"), False),
        (SesAnswer(429, "TooManyRequestsException", "Too many requests"), False),
        (SesAnswer(400, "LimitExceededException", "Maximum sending rate exceeded"), False),
        (SesAnswer(403, "AccessDeniedException", "not authorized to perform ses:SendEmail"), False),
        (SesAnswer(500, "InternalFailure", "Internal service error"), False),
    ],
    ids=lambda value: value.code if isinstance(value, SesAnswer) else str(value),
)
def test_which_ses_answers_reject_a_send_for_good(
    server: MotoServer, answer: SesAnswer, rejected: bool
) -> None:
    mailer = SesMailer(REGION, SENDER, endpoint_url=server.url, max_attempts=1)
    requests = record_requests(mailer.client)
    answer_with(mailer.client, lambda _: answer)

    with pytest.raises(SendError) as caught:
        mailer.send(an_email())

    assert isinstance(caught.value, RejectedError) is rejected
    assert f"{answer.code}: {answer.message}" in str(caught.value)
    assert "ada@customer.example" in str(caught.value)
    assert len(requests) == 1
    assert ses_sends(requests) == []  # the answer came instead of moto: nothing was sent


def test_throttling_is_retried_within_the_send(server: MotoServer) -> None:
    """Standard retry mode: a throttled request is tried again by botocore, so a short burst
    costs a moment, not a day."""
    mailer = SesMailer(REGION, SENDER, endpoint_url=server.url)
    requests = record_requests(mailer.client)
    throttled: list[str] = []

    def throttle_once(request: dict[str, Any]) -> SesAnswer | None:
        if throttled:
            return None
        throttled.append(request["Destination"]["ToAddresses"][0])
        return SesAnswer(429, "TooManyRequestsException", "Too many requests")

    answer_with(mailer.client, throttle_once)

    message_id = mailer.send(an_email())

    assert throttled == ["ada@customer.example"]
    assert len(requests) == 2
    assert [s.message_id for s in ses_sends(requests)] == [message_id]


def test_an_unreachable_endpoint_is_retried_next_tick(
    unused_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_aws_credentials(monkeypatch)
    mailer = SesMailer(
        REGION, SENDER, endpoint_url=f"http://127.0.0.1:{unused_port}", max_attempts=1
    )

    with pytest.raises(SendError) as caught:
        mailer.send(an_email())

    assert not isinstance(caught.value, RejectedError)
    assert f"cannot send through SES in {REGION}" in str(caught.value)
    assert f"127.0.0.1:{unused_port}" in str(caught.value)


def test_an_unreachable_endpoint_is_tried_again_within_the_send_first(
    unused_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_aws_credentials(monkeypatch)
    pauses: list[float] = []
    mailer = SesMailer(
        REGION,
        SENDER,
        endpoint_url=f"http://127.0.0.1:{unused_port}",
        max_attempts=3,
        sleep=pauses.append,
    )

    with pytest.raises(SendError) as caught:
        mailer.send(an_email())

    assert not isinstance(caught.value, OutcomeUnknownError)  # it never got there
    assert len(pauses) == 2 and all(0 <= p <= 5 for p in pauses)


def test_no_answer_after_the_request_went_out_is_an_unknown_outcome_never_resent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SendEmail is not idempotent: after a read timeout SES may have sent the message, so
    neither botocore nor the mailer may send it again."""
    fake_aws_credentials(monkeypatch)
    with stalling_server() as stalled:
        mailer = SesMailer(REGION, SENDER, endpoint_url=stalled.url, read_timeout=0.5)
        with pytest.raises(OutcomeUnknownError) as caught:
            mailer.send(an_email())

    assert len(stalled.bodies) == 1
    assert b"ada@customer.example" in stalled.bodies[0]
    assert "may have taken the message to ada@customer.example" in str(caught.value)


def test_no_aws_credentials_is_retried_next_tick(
    server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    mailer = SesMailer(REGION, SENDER, endpoint_url=server.url)

    with pytest.raises(SendError) as caught:
        mailer.send(an_email())

    assert not isinstance(caught.value, RejectedError)
    assert "Unable to locate credentials" in str(caught.value)


def test_an_accepted_message_without_an_ses_id_keeps_its_own_message_id(
    server: MotoServer,
) -> None:
    """Accepted is accepted: failing here would release the claim and send it twice."""
    mailer = SesMailer(REGION, SENDER, endpoint_url=server.url)
    requests = record_requests(mailer.client)
    answer_with(mailer.client, lambda _: SesAnswer(200))

    message_id = mailer.send(an_email())

    (request,) = requests
    written = BytesParser(policy=default).parsebytes(raw_data(request))["Message-ID"]
    assert message_id == written
    assert message_id.endswith("@og.example>")


def test_a_bad_recipient_is_refused_before_ses_is_asked(server: MotoServer) -> None:
    mailer = SesMailer(REGION, SENDER, endpoint_url=server.url)
    requests = record_requests(mailer.client)

    with pytest.raises(SendError) as caught:
        mailer.send(an_email(to_email="ada@customer.example\r\nBcc: spy@evil.example"))

    # Refused by our own check, which the sheet can fix: retried, not rejected for good.
    assert not isinstance(caught.value, RejectedError)
    assert requests == []
