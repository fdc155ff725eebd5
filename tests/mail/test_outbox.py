"""OutboxMailer's own promises: where and how files land. What they contain is the shared
mailer contract's job."""

from __future__ import annotations

import os
import re
import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from engine.adapters import outbox
from engine.adapters.outbox import OutboxMailer
from engine.models import SendKind
from engine.outcomes import OutgoingEmail
from engine.ports import OutcomeUnknownError, SendError

SENDER = "guide@og.example"


def an_email(customer_id: str = "cust-42", step: str = "kickoff") -> OutgoingEmail:
    return OutgoingEmail(
        to_email="ada@customer.example",
        subject="Welcome",
        body="Hello\n",
        customer_id=customer_id,
        journey=1,
        step=step,
        kind=SendKind.NUDGE,
    )


def test_creates_the_folder_and_names_the_file_after_the_send(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "there" / "yet"

    OutboxMailer(directory, SENDER).send(an_email())

    (written,) = directory.iterdir()
    assert re.fullmatch(r"\d{8}T\d{12}Z-cust-42-kickoff-nudge-[0-9a-f]{8}\.eml", written.name)


def test_a_folder_removed_between_sends_is_made_again(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    mailer = OutboxMailer(directory, SENDER)
    mailer.send(an_email("first"))
    for written in directory.iterdir():
        written.unlink()
    directory.rmdir()

    mailer.send(an_email("second"))

    assert [path.name.split("-")[1] for path in directory.iterdir()] == ["second"]


def test_returns_the_message_id_written_in_the_file(tmp_path: Path) -> None:
    message_id = OutboxMailer(tmp_path, SENDER).send(an_email())

    (written,) = tmp_path.iterdir()
    assert BytesParser(policy=default).parsebytes(written.read_bytes())["Message-ID"] == message_id


@pytest.mark.parametrize(
    "customer_id",
    ["../../escape", "/etc/passwd", "..", "a/../../b", "C:\\Windows\\evil", ".hidden", "\x00"],
)
def test_a_customer_id_cannot_steer_the_file_elsewhere(tmp_path: Path, customer_id: str) -> None:
    directory = tmp_path / "outbox"

    OutboxMailer(directory, SENDER).send(an_email(customer_id=customer_id, step="../x"))

    assert [p.parent for p in tmp_path.rglob("*") if p.is_file()] == [directory]
    (written,) = directory.iterdir()
    assert not written.name.startswith(".")
    assert ".." not in written.name and "/" not in written.name and "\\" not in written.name


def test_long_or_empty_ids_still_give_a_sensible_name(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, SENDER)
    mailer.send(an_email(customer_id="x" * 500))
    mailer.send(an_email(customer_id=""))

    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2
    assert all(len(name) < 150 for name in names)


def test_same_send_twice_makes_two_files_and_leaves_no_temporary_ones(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, SENDER)

    mailer.send(an_email())
    mailer.send(an_email())

    assert len(list(tmp_path.glob("*.eml"))) == 2
    assert list(tmp_path.glob(".*")) == []


def test_an_unwritable_folder_raises_send_error(tmp_path: Path) -> None:
    in_the_way = tmp_path / "outbox"
    in_the_way.write_text("a file where the folder should be")

    with pytest.raises(SendError, match="cannot write"):
        OutboxMailer(in_the_way, SENDER).send(an_email())


def test_a_bad_sender_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sender"):
        OutboxMailer(tmp_path, "guide at og.example")


def test_a_killed_writes_leftover_is_removed_at_the_next_start_but_never_a_live_one(
    tmp_path: Path,
) -> None:
    old = tmp_path / ".20261102T090000000000Z-C1-welcome-step-0badc0de.eml.tmp"
    live = tmp_path / ".20261102T090000000001Z-C2-welcome-step-0badc0de.eml.tmp"
    mail = tmp_path / "20261102T090000000002Z-C3-welcome-step-0badc0de.eml"
    for path in (old, live, mail):
        path.write_bytes(b"Subject: x\r\n\r\nhalf")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(mail, (an_hour_ago, an_hour_ago))

    OutboxMailer(tmp_path, SENDER)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, mail.name])


def test_a_batch_is_made_durable_by_one_sync_not_one_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs: list[int] = []
    real = outbox._syncfs()
    assert real is not None  # Linux: the C library has syncfs(2)

    def counted(descriptor: int) -> int:
        syncs.append(descriptor)
        return int(real(descriptor))

    monkeypatch.setattr(outbox, "_syncfs", lambda: counted)
    monkeypatch.setattr(os, "fsync", lambda descriptor: pytest.fail("an fsync per file"))
    mailer = OutboxMailer(tmp_path, SENDER)
    for number in range(20):
        mailer.send(an_email(customer_id=f"C{number}"))
    assert syncs == []  # written, renamed into place, not yet synced

    mailer.flush()
    mailer.flush()  # nothing new: no second sync

    assert len(syncs) == 1
    assert len(list(tmp_path.glob("*.eml"))) == 20


def test_without_syncfs_each_file_and_the_folder_are_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(outbox, "_syncfs", lambda: None)
    monkeypatch.setattr(
        os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd))
    )
    mailer = OutboxMailer(tmp_path, SENDER)
    mailer.send(an_email(customer_id="C1"))
    mailer.send(an_email(customer_id="C2"))

    mailer.flush()

    assert sorted(Path(p).name for p in synced[:2]) == sorted(p.name for p in tmp_path.iterdir())
    assert synced[2:] == [str(tmp_path)]


def test_a_failed_sync_leaves_the_batch_unconfirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "_syncfs", lambda: lambda descriptor: -1)
    mailer = OutboxMailer(tmp_path, SENDER)
    mailer.send(an_email())

    with pytest.raises(OutcomeUnknownError, match="could not sync the last 1 messages written to"):
        mailer.flush()
