"""The inbox's fixtures: a real IMAP server (Dovecot, tests/support/dovecot.py) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dovecot import Dovecot, running_dovecot


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """An empty mailbox on loopback (plain IMAP on `port`, IMAPS on `tls_port`), one login."""
    with running_dovecot() as server:
        yield server
