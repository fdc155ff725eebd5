"""`og`, killed with SIGKILL at a named point of a tick's batches: for tests/chaos.

    OG_KILL_AFTER=POINT[:N] python tests/support/killed_og.py tick --now 2026-11-02

The process kills itself right after the N-th call (1 when not given) of:

- `claim`: `claim_many` (a batch's claims committed, nothing sent yet);
- `send`: the outbox's `send` (that many files written, the batch neither synced nor confirmed);
- `flush`: the outbox's `flush` (the batch's files durable, none confirmed);
- `finish`: `finish_claims` (the batch confirmed; the next not begun).

A kill at a random moment (tests/chaos/test_sigkill.py) rarely lands in the narrow windows
between these steps; this lands in each of them every time.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from bot.cli import main
from engine.adapters.outbox import OutboxMailer
from engine.adapters.sqlite_store import SqliteStore

POINTS: dict[str, tuple[type, str]] = {
    "claim": (SqliteStore, "claim_many"),
    "send": (OutboxMailer, "send"),
    "flush": (OutboxMailer, "flush"),
    "finish": (SqliteStore, "finish_claims"),
}


def kill_after(owner: type, name: str, nth: int) -> None:
    original: Callable[..., Any] = getattr(owner, name)
    calls = 0

    def killing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, killing)


if __name__ == "__main__":
    point, _, nth = os.environ["OG_KILL_AFTER"].partition(":")
    kill_after(*POINTS[point], int(nth or 1))
    sys.exit(main(sys.argv[1:]))
