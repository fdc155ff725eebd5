"""`og serve`'s read of the inbox: the job reads what came in and logs it, a mailbox that
cannot be read is logged and the server goes on, and an unusable OG_INBOX stops `og serve`
before it starts."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from dovecot import Dovecot
from mail_back import a_reply, a_strangers_message
from serve_process import og_serve
from workspace import Workspace, nine_am, og, row

from bot.inbox import inbox_reader
from engine.tick import tick

DAY0 = nine_am("2026-11-02")


def plain_inbox(dovecot: Dovecot) -> str:
    return f"imap://{dovecot.user}@{dovecot.host}:{dovecot.port}/INBOX"


def test_the_job_reads_the_inbox_and_logs_what_it_did(
    tmp_path: Path, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide(inbox=plain_inbox(dovecot))
    tick(guide, DAY0)
    (sent,) = ws.emails()
    dovecot.append(a_reply(sent, "Is there a video for this step?"))
    dovecot.append(a_strangers_message())
    settings = ws.settings(inbox=plain_inbox(dovecot), inbox_password=dovecot.password)
    caplog.set_level(logging.INFO, logger="og.inbox")
    read = inbox_reader(guide, settings)

    read(DAY0 + timedelta(hours=1))
    read(DAY0 + timedelta(hours=1, minutes=5))

    (said,) = [r.message for r in caplog.records if r.message.startswith("inbox ")]
    assert said == f"inbox guide@127.0.0.1:{dovecot.port}/INBOX: 1 acted, 1 unmatched"
    assert ws.guide().store.load().states["C1"].replied_on == DAY0.date()
    assert "REPLY for" in ws.flags.getvalue()


def test_a_mailbox_that_cannot_be_read_is_logged_and_the_job_goes_on(
    tmp_path: Path, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    settings = ws.settings(inbox=plain_inbox(dovecot), inbox_password="not-the-password")
    caplog.set_level(logging.INFO, logger="og.inbox")

    inbox_reader(ws.guide(), settings)(DAY0)

    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.message.startswith(
        f"the inbox was not read: 127.0.0.1:{dovecot.port} refused the login of 'guide'"
    )


def test_og_serve_reads_the_inbox_every_five_minutes(tmp_path: Path, dovecot: Dovecot) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    env = {"OG_INBOX": dovecot.url, "OG_INBOX_PASSWORD": dovecot.password}

    with og_serve(ws, **env) as serving:
        # Answered once it serves, which is after it has started its clock and said so.
        assert serving.site.get("/nope").status == 404

    assert serving.process.returncode == 0, serving.log
    assert f"inbox {dovecot.url} read every 5 minutes; next at " in serving.log, serving.log


def test_og_serve_will_not_start_with_an_inbox_it_cannot_use(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])

    result = og(ws, "serve", "--port", "0", OG_INBOX="imaps://guide@mail.example.test/INBOX")

    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "og serve: OG_INBOX_PASSWORD is not set: the password of guide on mail.example.test"
    )
