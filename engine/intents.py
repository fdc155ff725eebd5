"""An action's intent: who acts is never lost, even when the action dies half-way.

An action that changes the roster row (a pause, a hand-off, a finish, an undo) writes in turn:

1. its intent into the customer's state (`CustomerState.pending`: the audit row it will write,
   with who acts and the row and state it leads to), guarded by the state's version;
2. the roster row (the sheet must never be behind the state: the tick reads flags from it);
3. its result: the state and the audit row in one commit, which clears the intent.

Killed between 1 and 3, it leaves an intent. Whoever reads the customer next (the tick, or
another action) settles it once the run that wrote it has ended (`engine.runs`): if the row
shows the action's cells, the action happened, and its result is committed as the action
would have, under the person's name (not as an edit by `sheet`); if not, the roster was never
written, and the intent is dropped. While the run is still going, it is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from engine.models import AuditEntry, CustomerState, PendingAction, SendWrite
from engine.ports import StateStore
from engine.runs import Run, has_ended

INTERRUPTED = "finished by the guide: the action stopped after it changed the roster"
WAIT_FOR_ANOTHER_ACTION = 5.0
"""Seconds an action waits for another one on the same customer to finish before refusing."""


def intent(
    audit: AuditEntry,
    row: dict[str, str],
    run: Run,
    *,
    archive_journey: int | None = None,
    restore_journey: int | None = None,
    send_write: SendWrite | None = None,
) -> PendingAction:
    return PendingAction(
        audit=audit,
        row=row,
        archive_journey=archive_journey,
        restore_journey=restore_journey,
        send_write=send_write,
        run_id=run.id,
        run_process=run.process,
        run_deadline=run.deadline,
    )


def under_way(state: CustomerState, now: datetime) -> str | None:
    """Who is acting on the customer right now, when an action's run is still going."""
    pending = state.pending
    if pending is None:
        return None
    if has_ended(pending.run_id, pending.run_process, pending.run_deadline, pending.audit.at, now):
        return None
    return f"{pending.audit.actor} ({pending.audit.action})"


def stored_once_no_action_is_under_way(
    store: StateStore, customer_id: str, clock: Callable[[], datetime]
) -> CustomerState | str:
    """The customer's stored state once no other person's action on them is between its
    intent and its result (that takes a moment: an action waits, to work on what the other
    did); or, after WAIT_FOR_ANOTHER_ACTION, why not."""
    waited = 0.0
    while True:
        stored = store.load_one(customer_id).history(customer_id).state
        acting = under_way(stored, clock())
        if acting is None:
            return stored
        if waited >= WAIT_FOR_ANOTHER_ACTION:
            return f"{customer_id} is being changed by {acting} right now; try again in a moment"
        time.sleep(0.05)
        waited += 0.05


def settle_intent(store: StateStore, state: CustomerState, row: dict[str, str]) -> CustomerState:
    """The state once an ended action's intent is settled against the roster `row` as read
    now: its result committed when the row shows the action's cells, else the intent dropped.
    Raises StaleStateError when someone else settled it first."""
    pending = state.pending
    assert pending is not None
    if any(row.get(column, "") != value for column, value in pending.row.items()):
        return store.save_state(state.model_copy(update={"pending": None}))
    result = pending.audit.after.state.model_copy(
        update={"version": state.version, "pending": None}
    )
    note = f"{pending.audit.note}; {INTERRUPTED}" if pending.audit.note else INTERRUPTED
    return store.commit_action(
        result,
        pending.audit.model_copy(update={"note": note}),
        archive_journey=pending.archive_journey,
        restore_journey=pending.restore_journey,
        send_write=pending.send_write,
    )
