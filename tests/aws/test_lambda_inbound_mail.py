"""Replies on AWS (issue 16): SES receiving stores each email sent to the reply address in the
inbound bucket, and S3's event notification hands it to the function (bot.aws_mail_events),
on moto's S3 and SES (tests/support/mail_world.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mail_events import s3_record
from mail_world import REPLY_TO, MailWorld, mail_world, reply_to
from moto_server import MotoServer

from bot.aws_mail_events import SES_SETUP_OBJECT
from engine.heard import REPLIED
from engine.inbound import MAX_MESSAGE_BYTES
from engine.inbound_match import reply_address, reply_token
from engine.inbox import unmatched_messages
from engine.outcomes import HeardKind, MoveKind
from engine.queries import view_customer


@pytest.fixture
def world(tmp_path: Path, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MailWorld:
    return mail_world(tmp_path, moto_server, monkeypatch)


def replies_in_audit(world: MailWorld, customer_id: str) -> int:
    rows = world.entry.guide.store.audit_trail(customer_id)
    return sum(1 for r in rows if r.action == REPLIED)


def test_a_reply_holds_the_customer_and_tells_the_owner_once(world: MailWorld) -> None:
    sent = world.sent("C1")
    assert f"Reply-To: guide+{reply_token(world.entry.guide.config.link_secret, 'C1')}@" in (
        sent.raw.decode()
    )
    raw = reply_to(sent, "c1@example.test", "How do we connect Salesforce?")
    stored = world.stored_email(raw)

    assert world(stored) == {"records": 1, "outcomes": {"acted": 1}}
    state = world.state("C1")
    assert state.replied_on is not None
    (notice,) = world.notifier.heard_back
    assert (notice.kind, notice.customer_id) == (HeardKind.REPLY, "C1")
    assert notice.text == "How do we connect Salesforce?"  # the quoted email cut
    view = view_customer(world.entry.guide, "C1", world.now)
    assert not isinstance(view, str)
    assert view.move.kind == MoveKind.ON_TRACK and "replied" in view.move.reason

    assert world(stored) == {"records": 1, "outcomes": {"already taken in": 1}}
    assert len(world.notifier.heard_back) == 1
    assert replies_in_audit(world, "C1") == 1
    assert world.state("C2").replied_on is None


def test_an_object_over_the_limit_is_taken_as_junk_without_downloading_it(
    world: MailWorld,
) -> None:
    huge = world.stored_email(b"Subject: attachment\r\n\r\n" + b"x" * MAX_MESSAGE_BYTES)
    assert world(huge) == {"records": 1, "outcomes": {"junk": 1}}
    assert world.s3_calls == []  # not even looked at: the record gives its size
    assert world.notifier.heard_back == []
    assert world(huge)["outcomes"] == {"already taken in": 1}


def test_an_object_grown_since_its_event_is_read_no_further_than_the_limit(
    world: MailWorld,
) -> None:
    record = world.stored_email(b"x" * (MAX_MESSAGE_BYTES + 5000))
    record["s3"]["object"]["size"] = 2000  # what the event said, before it was replaced
    assert world(record)["outcomes"] == {"junk": 1}
    assert world.s3_calls == ["GetObject"]


def test_a_record_for_another_bucket_is_refused_and_nothing_read(
    world: MailWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world.s3.create_bucket(
        Bucket=f"{world.bucket}-other",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    raw = reply_to(world.sent("C1"), "c1@example.test", "Hello?")
    world.s3.put_object(Bucket=f"{world.bucket}-other", Key="inbound/x", Body=raw)
    with caplog.at_level(logging.WARNING, logger="og.mail_events"):
        result = world(s3_record(f"{world.bucket}-other", "inbound/x", len(raw)))
    assert result["outcomes"] == {"other bucket": 1}
    assert world.s3_calls == []
    assert "refused: only the inbound bucket" in caplog.text
    assert world.state("C1").replied_on is None


def test_a_forged_token_for_another_customer_matches_nobody(world: MailWorld) -> None:
    forged = reply_token("not-the-guides-secret", "C2")
    raw = reply_to(
        world.sent("C1"),
        "stranger@elsewhere.example",
        "Stop mailing C2.",
        to=reply_address(REPLY_TO, forged),
    )
    raw = raw.replace(b"In-Reply-To", b"X-Was-In-Reply-To").replace(b"References", b"X-Refs")
    stored = world.stored_email(raw, key="inbound/a reply+from outside")  # a key S3 encodes
    assert world(stored)["outcomes"] == {"unmatched": 1}
    assert world.state("C2").replied_on is None and not world.state("C2").unsubscribed
    assert world.notifier.heard_back == []
    (kept,) = unmatched_messages(world.entry.guide)
    assert kept.sender == "stranger@elsewhere.example"


def test_ses_setup_note_and_events_other_than_a_new_object_are_ignored(
    world: MailWorld,
) -> None:
    note = world.stored_email(
        b"Subject: Amazon SES Setup Notification\r\n\r\nok", key=f"inbound/{SES_SETUP_OBJECT}"
    )
    removed = s3_record(world.bucket, "inbound/gone", 0, event_name="ObjectRemoved:Delete")
    assert world(note, removed) == {"records": 2, "outcomes": {"ignored": 2}}
    assert world.s3_calls == []
    assert unmatched_messages(world.entry.guide) == []


def test_an_object_already_expired_is_skipped(world: MailWorld) -> None:
    record = s3_record(world.bucket, "inbound/expired-long-ago", 1234)
    assert world(record)["outcomes"] == {"gone": 1}
