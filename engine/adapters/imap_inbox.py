"""The inbox on one machine: an IMAP mailbox (`OG_INBOX`), read with IMAPClient.

Each run logs in, selects the folder, and for each message in it (oldest first, at most
`MAX_PER_RUN`) asks its size first: one over `engine.inbound.MAX_MESSAGE_BYTES` is taken in as
junk without being downloaded; any other is fetched with BODY.PEEK[] (it stays unread for a
person looking at the mailbox) and handed to `engine.inbox.Inbox` under the key
`imap:USER@HOST:PORT/FOLDER:UIDVALIDITY:UID`, which takes each key in once. Once taken in (or
found taken in before) the message moves to the processed folder, made when missing: MOVE
where the server has it, else COPY, \\Deleted and a UID EXPUNGE of that message only. A run
that dies between the two leaves the message in the folder; the next finds its key taken in
and only moves it. On a server without UIDPLUS a message cannot be expunged alone (EXPUNGE
would also remove what someone else marked deleted), so it is left marked \\Deleted, which
the next run passes over.

A message that cannot be read, taken in or moved is logged and the run goes on; a lost
connection ends the run with what it did. Connecting and logging in fail with `InboxError`,
a sentence for a person.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from engine.inbound import MAX_MESSAGE_BYTES, too_large
from engine.inbox import Arrival, Inbox, Taken

DEFAULT_PROCESSED = "og-processed"
TIMEOUT_SECONDS = 30
MAX_PER_RUN = 200
"""Messages taken in by one run; the rest wait for the next (five minutes on, in `og serve`)."""
FAILED = "failed"

_log = logging.getLogger("og.inbox")


class InboxError(Exception):
    """The mailbox could not be reached, logged in to or opened: said for a person."""


@dataclass(frozen=True)
class InboxAddress:
    """Where the inbox is: `imaps://USER@HOST[:PORT]/FOLDER[?processed=FOLDER]`."""

    user: str
    host: str
    port: int
    folder: str = "INBOX"
    tls: bool = True
    processed: str = DEFAULT_PROCESSED

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_inbox_url(url: str) -> InboxAddress:
    """Raises ValueError, saying what to write instead."""
    example = "imaps://USER@HOST/INBOX"
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imaps", "imap"):
        raise ValueError(f"OG_INBOX {url!r} is not an IMAP mailbox; write {example}")
    if parts.password is not None:
        raise ValueError("OG_INBOX must not hold the password: set OG_INBOX_PASSWORD")
    host = (parts.hostname or "").lower()
    if not host or not parts.username:
        raise ValueError(f"OG_INBOX {url!r} needs a user and a host: {example}")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError as error:
        raise ValueError(f"OG_INBOX {url!r}: {error}") from error
    if parts.scheme == "imap" and not _loopback(host):
        raise ValueError(
            f"OG_INBOX: plain imap:// would send the password to {host} unencrypted; "
            "use imaps:// (imap:// is only for a server on this machine)"
        )
    folder = unquote(parts.path.strip("/")) or "INBOX"
    processed = parse_qs(parts.query).get("processed", [DEFAULT_PROCESSED])[0].strip()
    if not processed or processed == folder:
        raise ValueError("OG_INBOX: the processed folder must be another folder")
    return InboxAddress(
        user=unquote(parts.username),
        host=host,
        port=port,
        folder=folder,
        tls=parts.scheme == "imaps",
        processed=processed,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class InboxRun:
    """What one run did, message by message, for the command line and the log."""

    mailbox: str
    arrivals: list[Arrival] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(key, why) of each message that could not be taken in: it is tried again next run."""
    not_moved: list[tuple[str, str]] = field(default_factory=list)
    """(key, why) of each taken in but left in the folder: the next run moves it."""
    waiting: int = 0
    """Messages left in the folder for a later run (past `MAX_PER_RUN`, or being taken in)."""
    stopped: str = ""
    """Why the run ended early (the connection was lost), if it did."""

    def counts(self) -> Counter[str]:
        counted = Counter(arrival.taken.value for arrival in self.arrivals)
        counted.update(FAILED for _ in self.failures)
        return counted

    def describe(self) -> str:
        counted = self.counts()
        said = ", ".join(f"{n} {what}" for what, n in sorted(counted.items())) or "nothing new"
        if self.not_moved:
            said += f"; {len(self.not_moved)} not moved to the processed folder"
        if self.waiting:
            said += f"; {self.waiting} left for the next run"
        if self.stopped:
            said += f"; stopped: {self.stopped}"
        return f"{self.mailbox}: {said}"


class ImapMailbox:
    """A logged-in session on the inbox's folder (see `open_mailbox`)."""

    def __init__(self, client: Any, address: InboxAddress, uidvalidity: int) -> None:
        self.client = client
        self.address = address
        self.uidvalidity = uidvalidity
        self._processed_ready = False

    def key(self, uid: int) -> str:
        return f"imap:{self.address.name}:{self.uidvalidity}:{uid}"

    def waiting(self) -> list[int]:
        """The UIDs in the folder, oldest first, but those marked deleted."""
        return sorted(int(uid) for uid in self.client.search(["UNDELETED"]))

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """Each message's size as the server counts it (one gone meanwhile is left out)."""
        if not uids:
            return {}
        found = self.client.fetch(uids, ["RFC822.SIZE"])
        return {int(uid): int(data[b"RFC822.SIZE"]) for uid, data in found.items()}

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes, leaving it unread; None when it is gone meanwhile."""
        found = self.client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        if found is None:
            return None
        raw = found.get(b"BODY[]")
        return bytes(raw) if raw is not None else None

    def move(self, uid: int) -> None:
        """To the processed folder (made the first time it is missing)."""
        processed = self.address.processed
        if not self._processed_ready:
            if not self.client.folder_exists(processed):
                try:
                    self.client.create_folder(processed)
                except IMAPClientError:
                    if not self.client.folder_exists(processed):  # made meanwhile is fine
                        raise
            self._processed_ready = True
        if self.client.has_capability("MOVE"):
            self.client.move([uid], processed)
            return
        self.client.copy([uid], processed)
        self.client.add_flags([uid], [DELETED], silent=True)
        if self.client.has_capability("UIDPLUS"):
            self.client.uid_expunge([uid])


@contextmanager
def open_mailbox(
    address: InboxAddress,
    password: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Iterator[ImapMailbox]:
    """Connected (IMAPS verifying the server's certificate against the system's authorities,
    or `SSL_CERT_FILE`), logged in, the folder selected; logged out on exit."""
    where = f"{address.host}:{address.port}"
    try:
        client = IMAPClient(
            address.host,
            port=address.port,
            ssl=address.tls,
            ssl_context=(ssl_context or ssl.create_default_context()) if address.tls else None,
            timeout=timeout,
        )
    except ssl.SSLCertVerificationError as error:
        raise InboxError(
            f"cannot trust the certificate of {where} ({error.verify_message}); if it is "
            "signed by an authority of your own, set SSL_CERT_FILE to its certificate"
        ) from error
    except (OSError, IMAPClientError) as error:
        raise InboxError(f"cannot reach the inbox at {where}: {_reason(error)}") from error
    try:
        try:
            client.login(address.user, password)
        except LoginError as error:
            raise InboxError(
                f"{where} refused the login of {address.user!r} ({_reason(error)}); "
                "check OG_INBOX's user and OG_INBOX_PASSWORD"
            ) from error
        try:
            selected = client.select_folder(address.folder)
        except IMAPClientError as error:
            raise InboxError(
                f"cannot open the folder {address.folder!r} on {where}: {_reason(error)}"
            ) from error
        yield ImapMailbox(client, address, int(selected[b"UIDVALIDITY"]))
    except (OSError, IMAPClientError) as error:
        raise InboxError(f"the inbox at {where} failed: {_reason(error)}") from error
    finally:
        with suppress(Exception):  # a connection already gone has nothing to log out of
            client.logout()


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text or type(error).__name__


def read_mailbox(inbox: Inbox, mailbox: ImapMailbox, limit: int = MAX_PER_RUN) -> InboxRun:
    """Every message waiting in the folder (up to `limit`) taken in and put away."""
    run = InboxRun(mailbox.address.name)
    uids = mailbox.waiting()
    run.waiting = max(0, len(uids) - limit)
    uids = uids[:limit]
    sizes = mailbox.sizes(uids)
    for uid in uids:
        if uid not in sizes:
            continue  # gone since the search (another client moved it)
        key = mailbox.key(uid)
        try:
            arrival = _take(inbox, mailbox, uid, key, sizes[uid])
        except (OSError, IMAPClientAbortError) as error:
            run.failures.append((key, f"not taken in: {_reason(error)}"))
            run.stopped = f"the connection was lost ({_reason(error)})"
            break
        except Exception as error:  # one message never stops the others
            _log.exception("%s: not taken in", key)
            run.failures.append((key, f"not taken in: {_reason(error)}"))
            continue
        if arrival is None:
            continue
        if arrival.taken == Taken.ALREADY and not inbox.settled(key):
            run.waiting += 1  # another run is taking it in, or one died doing so: later
            continue
        run.arrivals.append(arrival)
        try:
            mailbox.move(uid)
        except Exception as error:
            # Taken in all the same: the next run finds it so, and moves it then.
            run.not_moved.append((key, _reason(error)))
            _log.warning("%s: taken in, not moved to %s: %s", key, mailbox.address.processed, error)
            if isinstance(error, OSError | IMAPClientAbortError):
                run.stopped = f"the connection was lost ({_reason(error)})"
                break
    if run.stopped:
        _log.warning("%s: %s; the run stopped there", run.mailbox, run.stopped)
    return run


def _take(inbox: Inbox, mailbox: ImapMailbox, uid: int, key: str, size: int) -> Arrival | None:
    if size > MAX_MESSAGE_BYTES:
        return inbox.take(key, too_large(size))
    raw = mailbox.fetch(uid)
    return None if raw is None else inbox.take_message(key, raw)
