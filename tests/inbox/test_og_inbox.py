"""`og inbox` against a real IMAP server (Dovecot on loopback, over IMAPS with the test
certificate trusted through SSL_CERT_FILE): the guide's step emails go out, what comes back is
delivered with IMAP APPEND, and the command, run as a user runs it, acts on each message once
and puts it away in the processed folder."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from dovecot import Dovecot
from mail_back import (
    BROKEN_MIME,
    JUNK,
    a_hard_bounce,
    a_reply,
    a_strangers_message,
    an_out_of_office,
)
from workspace import Workspace, nine_am, og, row

from engine.heard import AUTO_REPLY_NOTED, REPLIED
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
PROCESSED = "og-processed"


def inbox_env(dovecot: Dovecot, **extra: str) -> dict[str, str]:
    return {
        "OG_INBOX": dovecot.url,
        "OG_INBOX_PASSWORD": dovecot.password,
        "SSL_CERT_FILE": str(dovecot.cert),
        "OG_NOTIFIER": "console",
    } | extra


def folder_uids(dovecot: Dovecot, folder: str) -> list[int]:
    with dovecot.connect() as client:
        status, _ = client.select(folder)
        assert status == "OK", folder
        status, (found,) = client.uid("SEARCH", "ALL")
    return [int(uid) for uid in found.split()]


def uidvalidity(dovecot: Dovecot) -> int:
    with dovecot.connect() as client:
        client.select("INBOX")
        _, (validity,) = client.response("UIDVALIDITY")
    return int(validity)


def outcomes(stdout: str) -> dict[str, tuple[str, str, str]]:
    """Each message's line, by its key: (outcome, customer, what was done)."""
    found = {}
    for line in stdout.splitlines():
        if line.startswith("imap:"):
            key, taken, customer, said = line.split("  ", 3)
            found[key] = (taken, customer, said)
    return found


def test_og_inbox_acts_on_what_comes_back_once_and_puts_it_all_away(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2"), row("C3")])
    tick(ws.guide(inbox=dovecot.url), DAY0)
    sent = {str(m["X-OG-Customer-Id"]): m for m in ws.emails()}
    assert all(str(m["Reply-To"]).startswith("guide+") for m in sent.values())
    delivered = {
        "reply": a_reply(sent["C1"], "Where do I find the API key? The setup page is empty."),
        "bounce": a_hard_bounce(sent["C2"]),
        "out of office": an_out_of_office(sent["C3"]),
        "junk": JUNK,
        "broken": BROKEN_MIME,
        "stranger": a_strangers_message(),
    }
    uids = {name: dovecot.append(raw) for name, raw in delivered.items()}
    validity = uidvalidity(dovecot)
    key = {
        name: f"imap:guide@127.0.0.1:{dovecot.tls_port}/INBOX:{validity}:{uid}"
        for name, uid in uids.items()
    }

    first = og(ws, "inbox", "--now", "2026-11-02T10:00", **inbox_env(dovecot))

    assert first.returncode == 0, first.stderr
    said = outcomes(first.stdout)
    assert said.keys() == set(key.values())
    assert said[key["reply"]][:2] == ("acted", "C1")
    assert said[key["bounce"]][:2] == ("acted", "C2")
    assert said[key["out of office"]][:2] == ("acted", "C3")
    assert said[key["junk"]] == ("junk", "-", "no sender")
    assert said[key["broken"]] == ("unmatched", "-", "from broken@elsewhere.example")
    assert said[key["stranger"]] == ("unmatched", "-", "from someone@elsewhere.example")
    assert re.search(r"3 acted, 1 junk, 2 unmatched$", first.stdout.strip())
    # The owner is told of the reply, with its new words only, and of the bounce.
    assert "REPLY for <@U0DANA> (Dana Reyes): Name C1 (C1) wrote back" in first.stderr
    assert "said:    Where do I find the API key? The setup page is empty.\n" in first.stderr
    assert "UNDELIVERABLE for <@U0DANA> (Dana Reyes): mail to Name C2 (C2)" in first.stderr
    assert "Traceback" not in first.stderr
    assert folder_uids(dovecot, "INBOX") == []
    assert len(folder_uids(dovecot, PROCESSED)) == len(delivered)

    why = og(ws, "why", "C1", "--now", "2026-11-04")
    assert "replied on 2 Nov: waiting for a person" in why.stdout, why.stdout
    guide = ws.guide()
    states = guide.store.load().states
    assert states["C1"].replied_on is not None
    assert states["C2"].undeliverable.startswith("bounced for good (5.1.1 smtp; 550 5.1.1")
    assert states["C3"].replied_on is None and not states["C3"].undeliverable
    assert [e.action for e in guide.store.audit_trail("C3")] == [AUTO_REPLY_NOTED]

    second = og(ws, "inbox", "--now", "2026-11-02T10:05", **inbox_env(dovecot))

    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().endswith("INBOX: nothing new")
    assert "REPLY" not in second.stderr
    assert [e.action for e in guide.store.audit_trail("C1")] == [REPLIED]
    # Two days on, the customer who replied and the address that bounced get nothing.
    before = set(ws.sent())
    tick(ws.guide(inbox=dovecot.url), DAY0 + timedelta(days=2))
    assert {cid for cid, _, _ in set(ws.sent()) - before} == {"C3"}


def test_a_wrong_password_is_said_plainly_with_a_failing_exit(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    dovecot.append(a_strangers_message())

    result = og(ws, "inbox", **inbox_env(dovecot, OG_INBOX_PASSWORD="not-the-password"))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"og inbox: 127.0.0.1:{dovecot.tls_port} refused the login of 'guide' ("
    )
    assert "check OG_INBOX's user and OG_INBOX_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr and "not-the-password" not in result.stderr
    assert len(folder_uids(dovecot, "INBOX")) == 1


def test_a_certificate_nobody_vouches_for_is_refused(tmp_path: Path, dovecot: Dovecot) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    env = inbox_env(dovecot)
    del env["SSL_CERT_FILE"]

    result = og(ws, "inbox", **env)

    assert result.returncode == 1
    assert "cannot trust the certificate of 127.0.0.1:" in result.stderr
    assert "set SSL_CERT_FILE" in result.stderr and "Traceback" not in result.stderr


def test_without_an_inbox_og_inbox_says_how_to_set_one(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])

    result = og(ws, "inbox", OG_INBOX="")

    assert result.returncode == 1
    assert result.stderr == (
        "og inbox: no inbox is set: set OG_INBOX=imaps://USER@HOST/INBOX (the mailbox the "
        "guide's Reply-To reaches) and OG_INBOX_PASSWORD\n"
    )
    assert not ws.db.exists()


def test_plain_imap_to_another_machine_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])

    result = og(ws, "inbox", OG_INBOX="imap://guide@mail.example.test/INBOX")

    assert result.returncode == 1
    assert "plain imap:// would send the password to mail.example.test unencrypted" in (
        result.stderr
    )
