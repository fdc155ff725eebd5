"""The AWS side of mail coming back, on moto's server: a guide (CSV list, SQLite state) that
sends through SES, the inbound bucket SES receiving writes to, the SNS topic SES publishes its
events to, and the Lambda entry those notify. Each event is made the way AWS makes it: the
email put in S3 and its record built from the object, the SES event published to SNS and its
record built with the MessageId SNS gave it, the tags taken from the send SES received."""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from lambda_events import FakeContext
from mail_events import records, s3_record, ses_event, sns_record
from moto_server import MotoServer
from moto_ses import REGION, SesSend, fake_aws_credentials, record_requests, ses_sends
from workspace import Workspace, nine_am, row

from bot.aws_lambda import LambdaEntry
from bot.aws_mail_events import MailEvents
from engine.adapters.console_notifier import ConsoleNotifier
from engine.models import CustomerState
from engine.outcomes import HeardNotice
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
REPLY_TO = "guide@replies.example.test"
PREFIX = "inbound/"


class RecordingNotifier(ConsoleNotifier):
    """The console's notifier, keeping each notice of what came back."""

    def __init__(self) -> None:
        super().__init__()
        self.heard_back: list[HeardNotice] = []

    def heard(self, notice: HeardNotice) -> str:
        self.heard_back.append(notice)
        return super().heard(notice)


@dataclass
class MailWorld:
    ws: Workspace
    entry: LambdaEntry
    notifier: RecordingNotifier
    s3: Any
    sns: Any
    bucket: str
    topic_arn: str
    requests: list[dict[str, Any]]
    s3_calls: list[str] = field(default_factory=list)
    """Every S3 operation the function's client made, by name."""
    now: datetime = DAY0 + timedelta(days=1, hours=1)
    """The function's clock: the day after the welcome went."""

    def __call__(self, *each: dict[str, Any]) -> dict[str, Any]:
        """Hand the records to the function, as one invocation."""
        result: dict[str, Any] = self.entry(records(*each), FakeContext())
        return result

    def state(self, customer_id: str) -> CustomerState:
        return self.entry.guide.store.load_one(customer_id).history(customer_id).state

    def sent(self, customer_id: str) -> SesSend:
        (send,) = [s for s in ses_sends(self.requests) if s.tags["customer"] == customer_id]
        return send

    def stored_email(self, raw: bytes, key: str | None = None) -> dict[str, Any]:
        """The record S3 sends once SES receiving has stored `raw` under the rule's prefix."""
        key = key or f"{PREFIX}{uuid.uuid4().hex}"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=raw)
        size = self.s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        return s3_record(self.bucket, key, size)

    def published(self, example: dict[str, Any], customer_id: str, **bounce: str) -> dict[str, Any]:
        """The record SNS delivers once SES has published `example` about the email the
        guide sent `customer_id`, with that send's tags and id."""
        sent = self.sent(customer_id)
        event = ses_event(
            example, sent.recipients[0], tags=sent.tags, message_id=sent.message_id, **bounce
        )
        return self.notification(event)

    def notification(self, message: dict[str, Any] | str) -> dict[str, Any]:
        text = message if isinstance(message, str) else json.dumps(message)
        published = self.sns.publish(TopicArn=self.topic_arn, Message=text)
        return sns_record(published["MessageId"], text, self.topic_arn)


def mail_world(
    tmp_path: Path, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> MailWorld:
    """C1 and C2 on the list, each sent their welcome through SES on DAY0."""
    fake_aws_credentials(monkeypatch)
    moto_server.reset()
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    ses = boto3.client("sesv2", region_name=REGION, endpoint_url=moto_server.url)
    ses.create_email_identity(EmailIdentity="example.test")
    guide = ws.guide(
        mailer=f"ses://{REGION}?from=guide@example.test&endpoint_url={moto_server.url}",
        reply_to=REPLY_TO,
    )
    requests = record_requests(guide.mailer.client)  # type: ignore[attr-defined]
    tick(guide, DAY0)
    notifier = RecordingNotifier()
    guide.notifier = notifier
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server.url)
    bucket = f"og-inbound-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    sns = boto3.client("sns", region_name=REGION, endpoint_url=moto_server.url)
    topic_arn = sns.create_topic(Name=f"og-mail-events-{uuid.uuid4().hex[:8]}")["TopicArn"]

    # The function's own S3 client: what it asks S3 for is counted.
    s3_calls: list[str] = []
    function_s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server.url)
    function_s3.meta.events.register(
        "before-call.s3", lambda model, **_: s3_calls.append(model.name)
    )
    entry = LambdaEntry(guide, None, None, mail=MailEvents(guide, bucket, lambda: function_s3))
    world = MailWorld(ws, entry, notifier, s3, sns, bucket, topic_arn, requests, s3_calls)
    guide.wall_clock = lambda: world.now
    return world


def reply_to(sent: SesSend, sender: str, words: str, *, to: str | None = None) -> bytes:
    """An email answering `sent`, as a mail client writes one: to its Reply-To, quoting it."""
    original = email.message_from_bytes(sent.raw, policy=email.policy.default)
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to or str(original["Reply-To"])
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@customer.example>"
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = str(original["Message-ID"])
    reply.set_content(f"{words}\n\nOn Mon, 2 Nov 2026 at 09:00, Guide wrote:\n> Welcome!\n")
    return bytes(reply)
