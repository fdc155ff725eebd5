"""A mailer that writes each message to a folder instead of sending it: for trials, demos
and tests. Any mail client opens the `.eml` files.

A message is written under a dot name and renamed into place, so a reader (or a kill mid-write)
sees the whole file or none of it. It is made durable by `flush`, once for every message
written since the last one: one sync of the folder's file system (Linux's syncfs) rather than
an fsync per file, which at thousands of messages a tick was most of the tick's time. A tick
confirms its sends only after the flush, so a message the machine could still lose (a power
cut before the flush) is never confirmed: its claim is reported unconfirmed, never resent.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import threading
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from engine.adapters.email_message import build_message, parse_sender
from engine.adapters.leftovers import find_leftovers, remove_leftovers
from engine.outcomes import OutgoingEmail
from engine.ports import OutcomeUnknownError, SendError

# Only these survive into a file name: no separators, no dots, so no `..` or hidden files.
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_NAME_PART_MAX = 40


TEMP_PATTERN = ".*.eml.tmp"
"""What `_write_atomically` names a message until it is whole: never read as mail."""


class OutboxMailer:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender
        self._message_id_domain = parse_sender(sender).domain
        self._unsynced: list[Path] = []
        self._lock = threading.Lock()
        remove_leftovers(find_leftovers(self.directory, TEMP_PATTERN))

    def send(self, email: OutgoingEmail) -> str:
        message = build_message(email, self.sender, self._message_id_domain)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = "-".join(
            [
                stamp,
                _safe_name_part(email.customer_id),
                _safe_name_part(email.step),
                email.kind.value,
                uuid.uuid4().hex[:8],
            ]
        )
        path = self.directory / f"{name}.eml"
        _write_atomically(path, message.as_bytes(os.linesep))
        with self._lock:
            self._unsynced.append(path)
        return message.message_id

    def flush(self) -> None:
        with self._lock:
            written, self._unsynced = self._unsynced, []
        if not written:
            return
        try:
            _sync(self.directory, written)
        except OSError as error:
            raise OutcomeUnknownError(
                f"could not sync the last {len(written)} messages written to {self.directory} "
                f"({error}): they are there unless the machine stopped since"
            ) from error


def _safe_name_part(text: str) -> str:
    return _UNSAFE_NAME_CHARS.sub("_", text)[:_NAME_PART_MAX] or "_"


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none of it: it is written under a dot name first and
    renamed into place. Not synced here: `flush` syncs a batch of them at once."""
    temp = path.with_name(f".{path.name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        try:
            descriptor = os.open(temp, flags, 0o644)
        except FileNotFoundError:  # the first message, or the folder was removed meanwhile
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temp, flags, 0o644)
    except OSError as error:
        raise SendError(f"cannot write {path}: {error}") from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise SendError(f"cannot write {path}: {error}") from error


def _sync(directory: Path, written: list[Path]) -> None:
    """The files' contents and names on disk: one syncfs of the folder's file system where
    there is one (Linux), else an fsync of each file and of the folder."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        syncfs = _syncfs()
        if syncfs is not None:
            if syncfs(descriptor) != 0:
                number = ctypes.get_errno()
                raise OSError(number, f"syncfs: {os.strerror(number)}")
            return
        for path in written:
            file = os.open(path, os.O_RDONLY)
            try:
                os.fsync(file)
            finally:
                os.close(file)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@cache
def _syncfs() -> ctypes._NamedFuncPointer | None:
    """libc's syncfs(2), where the C library has it (Linux); None elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function
