"""Bounces and complaints on AWS (issue 16): the configuration set publishes SES's events to
SNS, which hands them to the function (bot.aws_mail_events); on moto's SES and SNS
(tests/support/mail_world.py), with AWS's documented event shapes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flaky_roster import UnreadableOnce
from mail_events import (
    NOTIFIED_BOUNCE,
    PUBLISHED_BOUNCE,
    PUBLISHED_COMPLAINT,
    PUBLISHED_DELIVERY,
    ses_event,
)
from mail_world import MailWorld, mail_world
from moto_server import MotoServer

from bot.aws_mail_events import MailEventsFailed
from engine.outcomes import HeardKind
from engine.queries import view_customer


@pytest.fixture
def world(tmp_path: Path, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MailWorld:
    return mail_world(tmp_path, moto_server, monkeypatch)


def decision(world: MailWorld, customer_id: str) -> str:
    view = view_customer(world.entry.guide, customer_id, world.now)
    assert not isinstance(view, str)
    return view.move.reason


def test_a_permanent_bounce_makes_the_address_undeliverable_and_tells_the_owner(
    world: MailWorld,
) -> None:
    bounce = world.published(PUBLISHED_BOUNCE, "C1")
    assert world(bounce) == {"records": 1, "outcomes": {"acted": 1}}
    state = world.state("C1")
    assert state.undeliverable_email == "c1@example.test"
    assert "550 5.1.1 user unknown" in state.undeliverable
    assert decision(world, "C1").startswith("undeliverable: bounced for good (5.1.1 smtp; 550")
    (notice,) = world.notifier.heard_back
    assert (notice.kind, notice.customer_id) == (HeardKind.UNDELIVERABLE, "C1")
    assert world.state("C2").undeliverable == ""


def test_three_soft_bounces_in_a_row_count_as_hard_and_one_message_counts_once(
    world: MailWorld,
) -> None:
    first = world.published(PUBLISHED_BOUNCE, "C2", bounceType="Transient")
    assert world(first)["outcomes"] == {"acted": 1}
    assert world(first)["outcomes"] == {"already taken in": 1}  # SNS delivered it again
    assert world.state("C2").soft_bounces == 1
    world(world.published(PUBLISHED_BOUNCE, "C2", bounceType="Undetermined"))
    assert world.state("C2").soft_bounces == 2
    assert world.state("C2").undeliverable == ""
    assert world.notifier.heard_back == []  # the guide tries again: nobody to tell yet
    world(world.published(PUBLISHED_BOUNCE, "C2", bounceType="Transient"))
    assert world.state("C2").undeliverable.startswith("3 soft bounces in a row")
    assert decision(world, "C2").startswith("undeliverable: 3 soft bounces in a row")
    assert [n.kind for n in world.notifier.heard_back] == [HeardKind.UNDELIVERABLE]


def test_a_complaint_unsubscribes_and_tells_the_owner(world: MailWorld) -> None:
    assert world(world.published(PUBLISHED_COMPLAINT, "C1"))["outcomes"] == {"acted": 1}
    assert world.state("C1").unsubscribed
    (notice,) = world.notifier.heard_back
    assert (notice.kind, notice.customer_id) == (HeardKind.COMPLAINT, "C1")


def test_an_identity_notification_without_tags_is_matched_by_the_address(
    world: MailWorld,
) -> None:
    event = ses_event(NOTIFIED_BOUNCE, "C2@Example.test")
    assert world(world.notification(event))["outcomes"] == {"acted": 1}
    assert world.state("C2").undeliverable_email == "c2@example.test"


def test_the_reply_tag_names_the_customer_whatever_the_address(world: MailWorld) -> None:
    # The bounce names an address the list no longer has; the tag still names C1.
    event = ses_event(PUBLISHED_COMPLAINT, "old@example.test", tags=world.sent("C1").tags)
    assert world(world.notification(event))["outcomes"] == {"acted": 1}
    assert world.state("C1").unsubscribed


def test_a_delivery_is_ignored(world: MailWorld, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="og.mail_events"):
        result = world(world.published(PUBLISHED_DELIVERY, "C1"))
    assert result["outcomes"] == {"ignored": 1}
    assert "SES Delivery event: ignored" in caplog.text
    assert world.notifier.heard_back == []


def test_a_malformed_message_is_skipped_and_the_rest_of_the_batch_handled(
    world: MailWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="og.mail_events"):
        result = world(
            world.notification("Hello from SNS!"),
            world.notification({"eventType": "Bounce", "mail": {}}),
            world.published(PUBLISHED_COMPLAINT, "C2"),
        )
    assert result == {"records": 3, "outcomes": {"malformed": 2, "acted": 1}}
    assert "not an SES event the guide can read (not JSON" in caplog.text
    assert world.state("C2").unsubscribed


def test_a_record_that_failed_for_now_fails_the_invocation_after_the_others(
    world: MailWorld,
) -> None:
    guide = world.entry.guide
    guide.roster = UnreadableOnce(guide.roster)  # type: ignore[assignment]
    batch = [
        world.published(PUBLISHED_COMPLAINT, "C1"),
        world.published(PUBLISHED_BOUNCE, "C2"),
    ]
    with pytest.raises(MailEventsFailed, match=r"1 of 2: record 0 \(aws:sns\): RosterError"):
        world(*batch)
    assert world.state("C2").undeliverable  # taken in all the same
    assert not world.state("C1").unsubscribed

    assert world(*batch)["outcomes"] == {"acted": 1, "already taken in": 1}  # the retry
    assert world.state("C1").unsubscribed
    assert len(world.notifier.heard_back) == 2
