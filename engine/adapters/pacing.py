"""Spacing calls out in time. `Pacer`: at most N a second, across threads: a mail service's
sending quota (SES's `MaxSendRate`) is a rate, and a tick sends side by side. Going over it is
answered with throttling errors that are retried only a few times, after which the send waits a
whole day for the next tick; keeping to the rate costs a short wait per send instead.
`back_off`: the wait before trying a refused call again."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"a rate must be above zero, not {per_second}")
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the caller may go: each caller gets its own slot, `interval` apart."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)  # outside the lock: the next caller takes the next slot


def back_off(
    attempt: int, sleep: Callable[[float], None], *, base: float = 0.05, cap: float = 5.0
) -> None:
    """Full jitter: a random wait of up to `base` seconds, doubling per attempt, at most `cap`."""
    sleep(random.uniform(0, min(cap, base * 2**attempt)))
