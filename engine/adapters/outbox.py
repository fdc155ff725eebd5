"""A mailer that writes each message to a folder instead of sending it: for trials, demos
and tests. Any mail client opens the `.eml` files."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from engine.adapters.email_message import build_message, parse_sender
from engine.adapters.leftovers import find_leftovers, remove_leftovers
from engine.outcomes import OutgoingEmail
from engine.ports import SendError

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
        _write_atomically(self.directory / f"{name}.eml", message.as_bytes(os.linesep))
        return message.message_id


def _safe_name_part(text: str) -> str:
    return _UNSAFE_NAME_CHARS.sub("_", text)[:_NAME_PART_MAX] or "_"


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none of it: it is written under a dot name first, and
    synced before the rename, because once the claim is confirmed nobody writes it again."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as error:
        raise SendError(f"cannot write {path}: {error}") from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise SendError(f"cannot write {path}: {error}") from error
