"""The IMAP inbox (engine/adapters/imap_inbox.py) against a real Dovecot: each message taken in
once and put away, whatever happens between the two; a message too large never downloaded;
replies in HTML only or another charset read; servers without MOVE or UIDPLUS; and a run that
loses a message, or its connection, going on or stopping with what it did."""

from __future__ import annotations

import imaplib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dovecot import Dovecot
from imapclient.exceptions import IMAPClientError
from mail_back import a_large_message, a_latin1_reply, a_reply, a_strangers_message, an_html_reply
from smtp_servers import free_port
from workspace import Workspace, nine_am, row

from engine.adapters.imap_inbox import (
    ImapMailbox,
    InboxAddress,
    InboxError,
    InboxRun,
    open_mailbox,
    parse_inbox_url,
    read_mailbox,
)
from engine.heard import REPLIED
from engine.inbox import RETAKE_AFTER, Inbox, Taken
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
LATER = DAY0 + timedelta(hours=1)
PROCESSED = "og-processed"


def address(dovecot: Dovecot, query: str = "") -> InboxAddress:
    """Plain IMAP on loopback, which the inbox allows there."""
    return parse_inbox_url(f"imap://{dovecot.user}@{dovecot.host}:{dovecot.port}/INBOX{query}")


def read(ws: Workspace, dovecot: Dovecot, now: datetime = LATER, **options: Any) -> InboxRun:
    with open_mailbox(address(dovecot, options.pop("query", "")), dovecot.password) as mailbox:
        return read_mailbox(Inbox(ws.guide(), now), mailbox, **options)


def sent_emails(ws: Workspace, dovecot: Dovecot) -> dict[str, Any]:
    tick(ws.guide(inbox=dovecot.url), DAY0)
    return {str(m["X-OG-Customer-Id"]): m for m in ws.emails()}


def uids_in(dovecot: Dovecot, folder: str, criteria: str = "ALL") -> list[int]:
    with dovecot.connect() as client:
        status, _ = client.select(folder)
        assert status == "OK", folder
        _, (found,) = client.uid("SEARCH", criteria)
    return [int(uid) for uid in found.split()]


def taken(run: InboxRun) -> list[tuple[str, str]]:
    return [(a.taken.value, a.customer_id) for a in run.arrivals]


def replies_told(ws: Workspace) -> int:
    return ws.flags.getvalue().count("REPLY for")


def failing_once(monkeypatch: pytest.MonkeyPatch, name: str, error: Exception) -> Callable[[], int]:
    """ImapMailbox.`name` raises `error` the first time; returns how often it was called."""
    original = getattr(ImapMailbox, name)
    calls = []

    def patched(self: ImapMailbox, *args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise error
        return original(self, *args)

    monkeypatch.setattr(ImapMailbox, name, patched)
    return lambda: len(calls)


def test_a_message_taken_in_but_not_moved_is_only_moved_by_the_next_run(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    dovecot.append(a_reply(sent_emails(ws, dovecot)["C1"], "A question."))
    moves = failing_once(monkeypatch, "move", IMAPClientError("MOVE failed: [SERVERBUG]"))

    first = read(ws, dovecot)

    assert taken(first) == [("acted", "C1")]
    assert [why for _, why in first.not_moved] == ["MOVE failed: [SERVERBUG]"]
    assert "1 acted; 1 not moved to the processed folder" in first.describe()
    assert len(uids_in(dovecot, "INBOX")) == 1

    second = read(ws, dovecot, LATER + timedelta(minutes=5))

    assert taken(second) == [("already taken in", "")] and not second.not_moved
    assert moves() == 2
    assert uids_in(dovecot, "INBOX") == [] and len(uids_in(dovecot, PROCESSED)) == 1
    assert replies_told(ws) == 1
    assert [e.action for e in ws.guide().store.audit_trail("C1")] == [REPLIED]


def test_a_message_whose_taking_in_died_is_left_until_it_may_be_taken_again(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    dovecot.append(a_reply(sent_emails(ws, dovecot)["C1"], "A question."))
    rows = ws.read_rows()
    ws.roster_path.unlink()  # the list cannot be read: the run dies mid-way through taking in

    with monkeypatch.context() as killed:  # before it could give its claim back
        killed.setattr(Inbox, "_release", lambda self, key: None)
        died = read(ws, dovecot)

    assert died.arrivals == [] and len(died.failures) == 1
    assert died.failures[0][1].startswith("not taken in: ")
    ws.write_rows(rows)
    # Soon after, it may still be being taken in: it stays in the folder, untouched.
    soon = read(ws, dovecot, LATER + timedelta(minutes=5))
    assert (soon.arrivals, soon.waiting) == ([], 1)
    assert len(uids_in(dovecot, "INBOX")) == 1

    retaken = read(ws, dovecot, LATER + RETAKE_AFTER + timedelta(minutes=1))

    assert taken(retaken) == [("acted", "C1")]
    assert uids_in(dovecot, "INBOX") == [] and replies_told(ws) == 1


def test_a_message_whose_taking_in_failed_is_taken_in_by_the_next_read(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    dovecot.append(a_reply(sent_emails(ws, dovecot)["C1"], "A question."))
    rows = ws.read_rows()
    ws.roster_path.unlink()

    failed = read(ws, dovecot)

    assert failed.arrivals == [] and len(failed.failures) == 1
    ws.write_rows(rows)
    # The run knew it failed and gave its claim back: no need to wait for it to go stale.
    again = read(ws, dovecot, LATER + timedelta(minutes=5))
    assert taken(again) == [("acted", "C1")]
    assert uids_in(dovecot, "INBOX") == [] and replies_told(ws) == 1


def test_a_ten_megabyte_message_is_junk_and_never_downloaded(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    large = dovecot.append(a_large_message(10_000_000))
    small = dovecot.append(a_strangers_message())
    fetched: list[int] = []
    fetch = ImapMailbox.fetch
    monkeypatch.setattr(
        ImapMailbox, "fetch", lambda self, uid: fetched.append(uid) or fetch(self, uid)
    )

    run = read(ws, dovecot)

    assert fetched == [small]
    too_large, stranger = run.arrivals
    assert (too_large.taken, too_large.key.rsplit(":", 1)[1]) == (Taken.JUNK, str(large))
    assert too_large.message.startswith("too large (10,0") and too_large.message.endswith(" bytes)")
    assert stranger.taken == Taken.UNMATCHED
    assert uids_in(dovecot, "INBOX") == [] and len(uids_in(dovecot, PROCESSED)) == 2


def test_a_reply_in_html_only_and_one_in_latin_1_are_read(tmp_path: Path, dovecot: Dovecot) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    sent = sent_emails(ws, dovecot)
    dovecot.append(an_html_reply(sent["C1"], "Can we push this to next week?"))
    dovecot.append(a_latin1_reply(sent["C2"], "Merci ! Où se trouve le réglage de l'heure ?"))

    run = read(ws, dovecot)

    assert taken(run) == [("acted", "C1"), ("acted", "C2")]
    guide = ws.guide()
    (html,) = guide.store.audit_trail("C1")
    (latin1,) = guide.store.audit_trail("C2")
    assert html.note == "RE: Welcome, Name!: Can we push this to next week? Thanks, Ada"
    assert latin1.note == "Re: Welcome, Name!: Merci ! Où se trouve le réglage de l'heure ?"
    assert "said:    Merci ! Où se trouve le réglage de l'heure ?" in ws.flags.getvalue()


def _without(monkeypatch: pytest.MonkeyPatch, *capabilities: str) -> None:
    """The server as one without these capabilities would be (Dovecot has them all)."""
    has = ImapMailbox.__init__

    def init(self: ImapMailbox, client: Any, *args: Any) -> None:
        real = client.has_capability
        client.has_capability = lambda name: name.upper() not in capabilities and real(name)
        for capability, command in (("MOVE", "move"), ("UIDPLUS", "uid_expunge")):
            if capability in capabilities:
                setattr(client, command, lambda *_, c=command: pytest.fail(f"{c} used"))
        has(self, client, *args)

    monkeypatch.setattr(ImapMailbox, "__init__", init)


def test_without_move_a_message_is_copied_and_only_it_expunged(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    # A message someone else marked deleted, and did not expunge: not ours to expunge.
    theirs = dovecot.append(a_strangers_message())
    with dovecot.connect() as client:
        client.select("INBOX")
        client.uid("STORE", str(theirs), "+FLAGS.SILENT", r"(\Deleted)")
    dovecot.append(a_strangers_message())
    _without(monkeypatch, "MOVE")

    run = read(ws, dovecot)

    assert taken(run) == [("unmatched", "")]
    assert uids_in(dovecot, "INBOX") == [theirs]
    assert len(uids_in(dovecot, PROCESSED)) == 1


def test_without_move_or_uidplus_a_message_is_left_marked_deleted_and_passed_over(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    uid = dovecot.append(a_strangers_message())
    _without(monkeypatch, "MOVE", "UIDPLUS")

    first = read(ws, dovecot)
    second = read(ws, dovecot)

    assert taken(first) == [("unmatched", "")]
    assert (second.arrivals, second.describe().endswith(": nothing new")) == ([], True)
    assert uids_in(dovecot, "INBOX", "DELETED") == [uid]
    assert len(uids_in(dovecot, PROCESSED)) == 1


def test_the_processed_folder_may_be_named_and_is_made_once(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for _ in range(3):
        dovecot.append(a_strangers_message())

    run = read(ws, dovecot, query="?processed=Guide%20read")

    assert len(run.arrivals) == 3
    assert len(uids_in(dovecot, '"Guide read"')) == 3
    dovecot.append(a_strangers_message())
    assert len(read(ws, dovecot, query="?processed=Guide%20read").arrivals) == 1
    assert len(uids_in(dovecot, '"Guide read"')) == 4


def test_one_message_that_cannot_be_taken_in_does_not_stop_the_others(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    first = dovecot.append(a_strangers_message())
    dovecot.append(a_strangers_message())
    failing_once(monkeypatch, "fetch", IMAPClientError("FETCH failed: [UNAVAILABLE]"))

    run = read(ws, dovecot)

    ((key, why),) = run.failures
    assert (key.rsplit(":", 1)[1], why) == (str(first), "not taken in: FETCH failed: [UNAVAILABLE]")
    assert taken(run) == [("unmatched", "")] and not run.stopped
    assert uids_in(dovecot, "INBOX") == [first]
    assert taken(read(ws, dovecot)) == [("unmatched", "")]
    assert uids_in(dovecot, "INBOX") == []


def test_a_lost_connection_ends_the_run_with_what_it_did(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for _ in range(3):
        dovecot.append(a_strangers_message())
    fetch = ImapMailbox.fetch

    def second_fails(self: ImapMailbox, uid: int) -> bytes | None:
        if uid == 2:
            raise imaplib.IMAP4.abort("socket error: EOF")
        return fetch(self, uid)

    monkeypatch.setattr(ImapMailbox, "fetch", second_fails)

    run = read(ws, dovecot)

    assert taken(run) == [("unmatched", "")]
    assert run.stopped == "the connection was lost (socket error: EOF)"
    assert uids_in(dovecot, "INBOX") == [2, 3]


def test_a_run_takes_in_at_most_its_limit_and_leaves_the_rest(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for _ in range(3):
        dovecot.append(a_strangers_message())

    run = read(ws, dovecot, limit=2)

    assert (len(run.arrivals), run.waiting) == (2, 1)
    assert run.describe().endswith("2 unmatched; 1 left for the next run")
    assert len(uids_in(dovecot, "INBOX")) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://guide@mail.example.test/INBOX", ("guide", "mail.example.test", 993, "INBOX")),
        (
            "imaps://guide%40acme.example@Mail.Example.test:1993",
            ("guide@acme.example", "mail.example.test", 1993, "INBOX"),
        ),
        ("imap://guide@127.0.0.1:1143/Replies", ("guide", "127.0.0.1", 1143, "Replies")),
        ("imap://guide@localhost/INBOX", ("guide", "localhost", 143, "INBOX")),
        ("imap://guide@[::1]/INBOX", ("guide", "::1", 143, "INBOX")),
    ],
)
def test_an_inbox_url_names_the_mailbox(url: str, expected: tuple[str, str, int, str]) -> None:
    found = parse_inbox_url(url)
    assert (found.user, found.host, found.port, found.folder) == expected
    assert found.tls == url.startswith("imaps:") and found.processed == PROCESSED


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("pop3://guide@mail.example.test", "is not an IMAP mailbox; write imaps://USER@HOST/INBOX"),
        ("imaps://mail.example.test/INBOX", "needs a user and a host"),
        ("imaps://guide:secret@mail.example.test/INBOX", "must not hold the password"),
        ("imap://guide@mail.example.test/INBOX", "plain imap:// would send the password"),
        ("imap://guide@10.0.0.1/INBOX", "plain imap:// would send the password to 10.0.0.1"),
        ("imaps://guide@mail.example.test:99999/INBOX", "out of range"),
        ("imaps://guide@mail.example.test/INBOX?processed=INBOX", "must be another folder"),
    ],
)
def test_an_unusable_inbox_url_is_refused_saying_why(url: str, said: str) -> None:
    with pytest.raises(ValueError, match=None) as refused:
        parse_inbox_url(url)
    assert said in str(refused.value)
    assert "secret" not in str(refused.value)


def test_a_folder_that_is_not_there_and_a_server_that_is_not_there_are_said_plainly(
    dovecot: Dovecot,
) -> None:
    missing = parse_inbox_url(f"imap://guide@127.0.0.1:{dovecot.port}/Replies")
    with pytest.raises(InboxError) as no_folder, open_mailbox(missing, dovecot.password):
        pass
    assert str(no_folder.value).startswith(
        f"cannot open the folder 'Replies' on 127.0.0.1:{dovecot.port}: "
    )
    nobody = parse_inbox_url(f"imap://guide@127.0.0.1:{free_port()}/INBOX")
    with pytest.raises(InboxError) as no_server, open_mailbox(nobody, dovecot.password):
        pass
    assert str(no_server.value) == (
        f"cannot reach the inbox at 127.0.0.1:{nobody.port}: Connection refused"
    )
