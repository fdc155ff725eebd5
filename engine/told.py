"""After a change that a person must hear of (an unsubscribe, a reply, a bounce), the owner
told: the change stands whether or not that works."""

from __future__ import annotations

import logging
from collections.abc import Callable

from engine.actions import ActionOutcome

_log = logging.getLogger("og.actions")


def owner_told(
    outcome: ActionOutcome, customer_id: str, what: str, tell: Callable[[], object]
) -> ActionOutcome:
    """`outcome`, once its owner is told with `tell` (a notifier call) what it did: the change
    stands whether or not that works; a failure is a warning, and the log's."""
    try:
        tell()
    except Exception as error:
        _log.warning("%s: %s, but the owner was not told: %s", customer_id, what, error)
        told = f"it is done, but the owner was not told: {error}"
        return outcome.model_copy(
            update={"warning": "; ".join(w for w in (outcome.warning, told) if w)}
        )
    return outcome
