"""The IMAP server the inbox is tested against does what the inbox relies on.

Dovecot, started per test with a throwaway configuration: mail delivered with APPEND is read
back, a message moves to a processed folder, UIDVALIDITY is reported, IMAPS answers with the
test certificate, and two servers at once (two tests, two workers) keep to themselves.
"""

from __future__ import annotations

import imaplib
import os
import re
from email import message_from_bytes
from email.message import EmailMessage
from typing import Any

import pytest
from dovecot import Dovecot, running_dovecot, running_in_group

PROCESSED = "og-processed"


def _message(subject: str, body: str = "A question about step 2.") -> bytes:
    message = EmailMessage()
    message["From"] = "Ada <ada@customer.example>"
    message["To"] = "guide@onboarding.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@customer.example>"
    message.set_content(body)
    return message.as_bytes().replace(b"\n", b"\r\n")


def _ok(reply: tuple[str, list[Any]]) -> list[Any]:
    status, data = reply
    assert status == "OK", data
    return data


def _uids(client: imaplib.IMAP4, folder: str) -> list[int]:
    _ok(client.select(folder))
    (found,) = _ok(client.uid("SEARCH", "ALL"))
    return [int(uid) for uid in found.split()]


def _fetch(client: imaplib.IMAP4, uid: int) -> bytes:
    data = _ok(client.uid("FETCH", str(uid), "(RFC822)"))
    raw = data[0]
    assert isinstance(raw, tuple), data
    return bytes(raw[1])


def _status_item(status: bytes, name: bytes) -> int:
    found = re.search(rb"\b" + name + rb" (\d+)", status)
    assert found, (name, status)
    return int(found.group(1))


def test_a_message_delivered_with_append_is_read_back(dovecot: Dovecot) -> None:
    raw = _message("Step 2", "Where do I find the API key?")

    uid = dovecot.append(raw)

    with dovecot.connect() as client:
        (count,) = _ok(client.select("INBOX"))
        assert int(count) == 1
        (found,) = _ok(client.search(None, "UNSEEN"))
        assert found.split() == [b"1"]
        assert _uids(client, "INBOX") == [uid]
        read = message_from_bytes(_fetch(client, uid))
    assert read["Subject"] == "Step 2"
    assert read["Message-ID"] == "<Step-2@customer.example>"
    assert "Where do I find the API key?" in str(read.get_payload())


def test_a_message_moves_to_a_processed_folder(dovecot: Dovecot) -> None:
    first = dovecot.append(_message("first"))
    second = dovecot.append(_message("second"))

    with dovecot.connect() as client:
        _ok(client.create(PROCESSED))
        _ok(client.select("INBOX"))
        _ok(client.uid("MOVE", str(first), PROCESSED))
        # The same with COPY and EXPUNGE, for a server without MOVE.
        _ok(client.uid("COPY", str(second), PROCESSED))
        _ok(client.uid("STORE", str(second), "+FLAGS.SILENT", r"(\Deleted)"))
        _ok(client.expunge())

        assert _uids(client, "INBOX") == []
        moved = _uids(client, PROCESSED)
        subjects = {message_from_bytes(_fetch(client, uid))["Subject"] for uid in moved}
    assert len(moved) == 2
    assert subjects == {"first", "second"}


def test_uidvalidity_is_reported_and_uids_only_grow(dovecot: Dovecot) -> None:
    first = dovecot.append(_message("first"))

    with dovecot.connect() as client:
        (status,) = _ok(client.status("INBOX", "(UIDVALIDITY UIDNEXT MESSAGES)"))
        _ok(client.select("INBOX"))
        kind, (on_select,) = client.response("UIDVALIDITY")
    validity, uid_next, messages = (
        _status_item(status, name) for name in (b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES")
    )
    assert kind == "UIDVALIDITY" and validity > 0 and int(on_select) == validity
    assert (uid_next, messages) == (first + 1, 1)
    assert dovecot.append(_message("second")) == uid_next


def test_imaps_answers_with_the_test_certificate(dovecot: Dovecot) -> None:
    dovecot.append(_message("over TLS"))

    client = imaplib.IMAP4_SSL(dovecot.host, dovecot.tls_port, ssl_context=dovecot.client_context())
    try:
        _ok(client.login(dovecot.user, dovecot.password))
        assert _uids(client, "INBOX") == [1]
    finally:
        client.logout()
    assert dovecot.url == f"imaps://{dovecot.user}@127.0.0.1:{dovecot.tls_port}/INBOX"


def test_a_wrong_password_is_refused(dovecot: Dovecot) -> None:
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(dovecot.user, "not-the-password")
    finally:
        client.logout()


@pytest.mark.parametrize("worker", ["one", "two"])
def test_two_servers_at_once_keep_to_themselves(dovecot: Dovecot, worker: str) -> None:
    # Run with -n 2, each of these has a server of its own beside the other's; here also a
    # second one in the same test.
    dovecot.append(_message(f"for {worker}"))
    with running_dovecot() as other:
        assert {other.port, other.tls_port}.isdisjoint({dovecot.port, dovecot.tls_port})
        other.append(_message("for the other"))
        other.append(_message("for the other again"))
        with dovecot.connect() as client:
            assert len(_uids(client, "INBOX")) == 1
        with other.connect() as client:
            assert len(_uids(client, "INBOX")) == 2


def test_stopping_leaves_no_process_and_no_folder() -> None:
    with running_dovecot() as server:
        folder = server.log.parent
        server.append(_message("left behind?"))
        with server.connect() as client:  # an imap process of the session is running too
            _ok(client.select("INBOX"))
            group = os.getpgid(int((folder / "run" / "master.pid").read_text()))
    assert not folder.exists()
    assert not running_in_group(group)
