"""The deployed handler's whole path on moto: settings from the environment as on Lambda,
state in DynamoDB and mail through SES (moto's HTTP server), Slack the local fake. Scheduler
events tick day by day, a flag is posted, Done arrives as a signed Function URL request with a
base64 body, its lazy self-invocation finishes the customer, the next tick sends the wrap-up,
and a done link and the Monday digest go through the same handler; so do a reply SES receiving
stored in S3 and a complaint SNS delivered."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from done_site import done_path
from fake_slack import FakeSlack
from lambda_events import FakeContext, QueuedInvocations, http_event, scheduler_event
from mail_events import NOTIFIED_COMPLAINT, records, s3_record, ses_event, sns_record
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from moto_server import MotoServer
from moto_ses import REGION, fake_aws_credentials, verify_identity
from slack_flow import SECRET, block_actions, button_value, signed_headers
from workspace import SECRET as SECRET_OF_LINKS
from workspace import Workspace, nine_am, row

from bot.aws_lambda import digest_poster_from_env, make_handler, slack_from_env
from engine.adapters.dynamodb_store import DynamoDbStore
from engine.adapters.dynamodb_tables import create_tables
from engine.guide import Guide
from engine.inbound_match import reply_token

DAY0 = nine_am("2026-11-02")
FLAGS, DIGESTS = "C0FLAGS", "C0DIGEST"
SENDER = "guide@og.example"


@pytest.fixture
def deployed(
    tmp_path: Path,
    moto_server: MotoServer,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Any, QueuedInvocations, str]]:
    fake_aws_credentials(monkeypatch)
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    prefix = f"og-{uuid.uuid4().hex[:8]}-"
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server.url)
    create_tables(dynamodb, prefix, poll_seconds=0)
    verify_identity(SENDER, moto_server.url)
    env = ws.env() | {
        "OG_STATE": f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={moto_server.url}",
        "OG_MAILER": f"ses://{REGION}?from={SENDER}&endpoint_url={moto_server.url}",
        "OG_NOTIFIER": "auto",
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.url,
        "OG_FLAG_CHANNEL": FLAGS,
        "OG_DIGEST_CHANNEL": DIGESTS,
        "OG_ALLOWED_USERS": "U0DANA",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    invocations = QueuedInvocations()

    def slack(guide: Guide) -> Any:
        return slack_from_env(guide, lambda_client=invocations)

    handler = make_handler(slack=slack, post_digest=digest_poster_from_env)
    yield handler, invocations, prefix


def ses_messages(customer: str) -> list[str]:
    """The X-OG-Kind of every message SES (moto) accepted for `customer`."""
    backend = get_backend("ses")[DEFAULT_ACCOUNT_ID][REGION]
    kinds = []
    for message in backend.sent_messages:
        raw = str(getattr(message, "raw_data", ""))
        if f"X-OG-Customer-Id: {customer}" in raw:
            kinds.append(raw.split("X-OG-Kind: ", 1)[1].split()[0])
    return kinds


def test_a_customer_from_first_email_to_wrap_up_on_the_aws_path(
    deployed: tuple[Any, QueuedInvocations, str],
    fake_slack: FakeSlack,
    moto_server: MotoServer,
) -> None:
    handler, invocations, prefix = deployed
    for day in range(8):  # nobody acts: C1's welcome is due its flag on Saturday, sent Monday
        at = (DAY0 + timedelta(days=day)).isoformat()
        assert handler(scheduler_event("tick", at), FakeContext())["outcome"] == "ran"
        assert handler(scheduler_event("tick", at), FakeContext())["outcome"] == "already ran"
    assert ses_messages("C1")[:1] == ["step"]
    store = DynamoDbStore(
        boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server.url), prefix
    )
    welcome = store.load_one("C1").sends["C1"][0]
    assert welcome.message_id  # SES's MessageId, kept on the send
    # C1's flag: the tick flags C1 and C2 side by side, so their messages come in any order.
    ((channel, ts),) = [
        key
        for key, message in fake_slack.messages.items()
        if key[0] == FLAGS and '"c":"C1"' in (button_value(message, "og_done") or "")
    ]

    # Done, as Slack posts it to the Function URL (which hands form bodies over in base64).
    flag = fake_slack.messages[(channel, ts)]
    value = button_value(flag, "og_done")
    assert value is not None
    body = "payload=" + quote(json.dumps(block_actions("U0DANA", channel, flag, "og_done", value)))
    event = http_event(
        "POST",
        "/slack/events",
        base64.b64encode(body.encode()).decode(),
        base64_encoded=True,
        headers=signed_headers(body),
    )
    assert handler(event, FakeContext())["statusCode"] == 200
    assert not store.load_one("C1").history("C1").state.finished  # acknowledged only
    assert len(invocations.pending) == 1
    invocations.run_pending(handler)
    assert store.load_one("C1").history("C1").state.finished
    assert "Finished by <@U0DANA>" in json.dumps(fake_slack.messages[(channel, ts)]["blocks"])

    at = (DAY0 + timedelta(days=8)).isoformat()
    handler(scheduler_event("tick", at), FakeContext())
    assert ses_messages("C1").count("finish") == 1

    # C2 marks a step done with the link in an email, through the same function.
    done = handler(http_event("POST", done_path("C2", "welcome"), ""), FakeContext())
    assert done["statusCode"] == 200
    assert "welcome" in store.load_one("C2").history("C2").state.steps_done

    monday = (DAY0 + timedelta(days=14)).isoformat()
    assert handler(scheduler_event("digest", monday), FakeContext())["outcome"] == "ran"
    assert handler(scheduler_event("digest", monday), FakeContext())["outcome"] == "already ran"
    digests = [p for p in fake_slack.posted() if p["channel"] == DIGESTS]
    assert len(digests) == 1 and "Weekly digest" in digests[0]["text"]


def test_mail_coming_back_reaches_the_deployed_handler_from_s3_and_sns(
    deployed: tuple[Any, QueuedInvocations, str],
    fake_slack: FakeSlack,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The function as deployed: its inbound bucket from OG_INBOUND_BUCKET, S3 reached
    through boto3's own endpoint setting, state in DynamoDB, the owner told in Slack."""
    handler, _, prefix = deployed
    bucket = f"og-inbound-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_server.url)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("OG_INBOUND_BUCKET", bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server.url)
    monkeypatch.setenv("OG_REPLY_TO", "guide@replies.og.example")
    handler(scheduler_event("tick", DAY0.isoformat()), FakeContext())
    store = DynamoDbStore(
        boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server.url), prefix
    )
    token = reply_token(SECRET_OF_LINKS, "C1")
    reply = (
        f"From: c1@example.test\r\nTo: guide+{token}@replies.og.example\r\n"
        "Subject: Re: Welcome\r\nMessage-ID: <r1@example.test>\r\n\r\nWhere is the setup page?\r\n"
    ).encode()
    s3.put_object(Bucket=bucket, Key="inbound/r1", Body=reply)
    before = len(fake_slack.posted())

    assert handler(records(s3_record(bucket, "inbound/r1", len(reply))), FakeContext()) == {
        "records": 1,
        "outcomes": {"acted": 1},
    }
    assert store.load_one("C1").history("C1").state.replied_on is not None
    told = fake_slack.posted()[before:]
    assert len(told) == 1 and "Name C1" in json.dumps(told[0])

    complaint = sns_record("0f1e2d3c", ses_event(NOTIFIED_COMPLAINT, "c2@example.test"))
    assert handler(records(complaint), FakeContext())["outcomes"] == {"acted": 1}
    assert store.load_one("C2").history("C2").state.unsubscribed
