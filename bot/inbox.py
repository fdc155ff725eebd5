"""`og inbox`, and `og serve`'s read of the inbox every five minutes: the IMAP mailbox of
`OG_INBOX` (engine/adapters/imap_inbox.py) read once into the guide."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot import output
from bot.wiring import build_guide
from engine.adapters.email_message import one_line
from engine.adapters.imap_inbox import (
    FAILED,
    InboxAddress,
    InboxError,
    InboxRun,
    open_mailbox,
    parse_inbox_url,
    read_mailbox,
)
from engine.guide import Guide
from engine.inbox import Inbox
from engine.settings import Settings

NO_INBOX = (
    "no inbox is set: set OG_INBOX=imaps://USER@HOST/INBOX (the mailbox the guide's Reply-To "
    "reaches) and OG_INBOX_PASSWORD"
)

_log = logging.getLogger("og.inbox")


def inbox_address(settings: Settings) -> tuple[InboxAddress, str]:
    """The inbox and its password; ValueError when either is missing or unusable."""
    if not settings.inbox.strip():
        raise ValueError(NO_INBOX)
    address = parse_inbox_url(settings.inbox)
    if settings.inbox_password is None or not settings.inbox_password.get_secret_value():
        raise ValueError(
            f"OG_INBOX_PASSWORD is not set: the password of {address.user} on {address.host}"
        )
    return address, settings.inbox_password.get_secret_value()


def read_once(guide: Guide, address: InboxAddress, password: str, now: datetime) -> InboxRun:
    """Raises InboxError when the mailbox cannot be reached, logged in to or opened."""
    with open_mailbox(address, password) as mailbox:
        return read_mailbox(Inbox(guide, now), mailbox)


def inbox_command(settings: Settings, now: datetime) -> int:
    """Exit 0 when the inbox was read (whatever became of each message), 1 when it could
    not be (no OG_INBOX, no password, no connection, a refused login)."""
    # Each message's outcome is printed below; the log's warnings would say it twice.
    logging.getLogger("og.inbox").addHandler(logging.NullHandler())
    try:
        address, password = inbox_address(settings)
        run = read_once(build_guide(settings), address, password, now)
    except (ValueError, InboxError) as error:
        output.error(f"og inbox: {error}")
        return 1
    for arrival in run.arrivals:
        customer = one_line(arrival.customer_id) or "-"
        said = one_line(arrival.message)
        print(f"{one_line(arrival.key)}  {arrival.taken.value}  {customer}  {said}")
    for key, why in run.failures:
        print(f"{one_line(key)}  {FAILED}  -  {one_line(why)}")
    for key, why in run.not_moved:
        output.error(
            f"{one_line(key)}: taken in, but not moved to {address.processed} ({one_line(why)}); "
            "the next run moves it"
        )
    print(run.describe())
    return 0


def inbox_reader(guide: Guide, settings: Settings) -> Callable[[datetime], None]:
    """`og serve`'s job: one read at `now`, logged; a failure is logged and the server goes on.
    Raises ValueError at once (when `og serve` starts) for an unusable OG_INBOX."""
    address, password = inbox_address(settings)

    def read(now: datetime) -> None:
        try:
            run = read_once(guide, address, password, now)
        except InboxError as error:
            _log.warning("the inbox was not read: %s", error)
            return
        except Exception:
            _log.exception("reading the inbox %s failed", address.name)
            return
        if run.arrivals or run.failures or run.stopped:
            _log.info("inbox %s", run.describe())

    return read
