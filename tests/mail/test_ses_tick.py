"""The tick end to end with OG_MAILER=ses://...: CSV roster, rules file, SQLite, and SES as
moto's HTTP server plays it.

moto cannot refuse a recipient, so the one address SES rejects gets its error answer from
`answer_with` (SES's wire format, parsed by botocore as if it came from AWS); every other
request goes to moto, whose unverified-sender refusal is its own."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto_server import MotoServer
from moto_ses import (
    REGION,
    SesAnswer,
    SesSend,
    answer_with,
    fake_aws_credentials,
    record_requests,
    ses_sends,
    verify_identity,
)
from stalling_server import stalling_server
from workspace import Workspace, nine_am, row

from engine.adapters.ses_mailer import SesMailer
from engine.guide import Guide
from engine.inbound_match import reply_token
from engine.models import SendStatus
from engine.queries import timeline, view_customer
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
REFUSED = "refused@example.test"
ILLEGAL = SesAnswer(400, "BadRequestException", "Illegal address")
REASON = f"SES refused the address {REFUSED} (BadRequestException: Illegal address)"


@pytest.fixture
def server(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    fake_aws_credentials(monkeypatch)
    moto_server.reset()
    return moto_server


def ses_spec(server: MotoServer) -> str:
    return (
        f"ses://{REGION}?from=guide@example.test&configuration_set=og-events"
        f"&endpoint_url={server.url}"
    )


def ses_guide(ws: Workspace, server: MotoServer) -> tuple[Guide, SesMailer, list[dict[str, Any]]]:
    guide = ws.guide(mailer=ses_spec(server))
    mailer = guide.mailer
    assert isinstance(mailer, SesMailer)
    return guide, mailer, record_requests(mailer.client)


def set_up_ses(server: MotoServer) -> None:
    verify_identity("example.test", server.url)  # the whole domain, as most teams do
    client = boto3.client("sesv2", region_name=REGION, endpoint_url=server.url)
    client.create_configuration_set(ConfigurationSetName="og-events")


def by_customer(sends: list[SesSend]) -> dict[str, SesSend]:
    return {s.tags["customer"]: s for s in sends}


def test_ses_ids_are_stored_and_a_rejected_address_is_kept_shown_and_not_retried(
    tmp_path: Path, server: MotoServer
) -> None:
    set_up_ses(server)
    ws = Workspace(tmp_path, [row("C1"), row("C2", email=REFUSED), row("C3")])
    guide, mailer, requests = ses_guide(ws, server)
    answer_with(
        mailer.client,
        lambda r: ILLEGAL if r["Destination"]["ToAddresses"] == [REFUSED] else None,
    )

    report = tick(guide, DAY0)

    assert report.ran
    assert report.failures == [f"C2: step failed: {REASON}"]
    results = {r.customer_id: r for r in report.results}
    assert results["C1"].error is None and results["C3"].error is None
    assert results["C2"].error == f"RejectedError: {REASON}"
    sent = by_customer(ses_sends(requests))
    assert sorted(sent) == ["C1", "C3"]  # the other customers are mailed all the same
    for cid in ("C1", "C3"):
        ses = sent[cid]
        assert ses.recipients == [f"{cid.lower()}@example.test"]
        token = reply_token(guide.config.link_secret, cid)  # what a bounce event names them by
        tags = {"customer": cid, "journey": "1", "step": "welcome", "kind": "step"}
        assert ses.tags == {**tags, "reply": token}
        assert f"Message-ID: <og.{token}.".encode() in ses.raw
        assert ses.request["ConfigurationSetName"] == "og-events"
        assert ses.request["FromEmailAddress"] == "guide@example.test"
        assert b"https://og.example.test/done/" in ses.raw
        (stored,) = guide.store.load_one(cid).sends[cid]
        assert (stored.status, stored.message_id) == (SendStatus.SENT, ses.message_id)
    (rejected,) = guide.store.load_one("C2").sends["C2"]
    assert (rejected.status, rejected.error, rejected.message_id) == (
        SendStatus.REJECTED,
        REASON,
        None,
    )

    tick(guide, DAY0 + timedelta(hours=1))
    tick(guide, DAY0 + timedelta(days=1))
    to_refused = [r for r in requests if r["Destination"]["ToAddresses"] == [REFUSED]]
    assert len(to_refused) == 1  # asked once, never again
    view = view_customer(guide, "C2", DAY0 + timedelta(days=1))
    assert not isinstance(view, str)
    assert "2026-11-02  step welcome (rejected: " + REASON + ")" in timeline(view)


def test_og_status_shows_the_rejection_with_the_ses_mailer_configured(
    tmp_path: Path, server: MotoServer
) -> None:
    set_up_ses(server)
    ws = Workspace(tmp_path, [row("C2", email=REFUSED)])
    guide, mailer, _ = ses_guide(ws, server)
    answer_with(mailer.client, lambda _: ILLEGAL)
    tick(guide, DAY0)

    status = subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", "C2", "--now", "2026-11-03"],
        capture_output=True,
        text=True,
        env={**os.environ, **ws.env(), "OG_MAILER": ses_spec(server)},
        cwd=ws.root,
        timeout=120,
    )

    assert status.returncode == 0, status.stderr
    assert f"2026-11-02  step welcome (rejected: {REASON})" in status.stdout


def test_an_unverified_sender_fails_every_send_for_now_and_none_for_good(
    tmp_path: Path, server: MotoServer
) -> None:
    """moto's own refusal, as SES's: a set-up problem that is fixed once for everyone."""
    ws = Workspace(tmp_path, [row(cid) for cid in ("C1", "C2", "C3")])
    guide, _, requests = ses_guide(ws, server)
    client = boto3.client("sesv2", region_name=REGION, endpoint_url=server.url)
    client.create_configuration_set(ConfigurationSetName="og-events")

    first = tick(guide, DAY0)

    assert len(requests) == 3
    assert ses_sends(requests) == []
    assert sorted(f.split(":")[0] for f in first.failures) == ["C1", "C2", "C3"]
    assert all("not verified" in f and "guide@example.test" in f for f in first.failures)
    assert guide.store.load().sends == {}  # claims released, nobody rejected for good

    verify_identity("guide@example.test", server.url)
    second = tick(guide, DAY0 + timedelta(hours=1))

    assert second.failures == []
    sent = by_customer(ses_sends(requests))
    assert sorted(sent) == ["C1", "C2", "C3"]
    for cid, ses in sent.items():
        (stored,) = guide.store.load_one(cid).sends[cid]
        assert (stored.status, stored.message_id) == (SendStatus.SENT, ses.message_id)


def test_a_send_that_got_no_answer_is_kept_unconfirmed_and_never_sent_again(
    tmp_path: Path, server: MotoServer
) -> None:
    """The request reached SES and the answer never came: SES may have sent it."""
    set_up_ses(server)
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    guide, mailer, requests = ses_guide(ws, server)
    with stalling_server() as stalled:
        guide.mailer = SesMailer(
            REGION, "guide@example.test", endpoint_url=stalled.url, read_timeout=0.5
        )
        first = tick(guide, DAY0)

    assert len(stalled.bodies) == 2  # once each: nothing tried again on the way
    assert sorted(f.split(":")[0] for f in first.failures) == ["C1", "C2"]
    assert all("may have taken the message" in f for f in first.failures)
    for cid in ("C1", "C2"):
        (stored,) = guide.store.load_one(cid).sends[cid]
        assert stored.status == SendStatus.UNCONFIRMED

    guide.mailer = mailer  # SES answers again
    second = tick(guide, DAY0 + timedelta(hours=1))
    assert second.failures == []
    assert ses_sends(requests) == []  # the welcomes are not sent a second time
    view = view_customer(guide, "C1", DAY0 + timedelta(hours=1))
    assert not isinstance(view, str)
    assert "2026-11-02  step welcome (unconfirmed)" in timeline(view)
