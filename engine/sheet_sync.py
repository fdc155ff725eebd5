"""Pause and hand-off flags that a person set straight in the sheet, brought into the state,
and an unsubscribe typed there.

Pure: the tick and the actions both use it, so a pause set in the sheet and one set from Slack
stop the clock the same way.

An unsubscribe goes one way only: a yes or a date in the `unsubscribed` cell stops the mail, as
a pause does, but a blank cell never starts it again. It is the customer's request, and a cell
emptied by a sort gone wrong, a row pasted over or a column deleted must not mail them; a person
gives it back with `og undo`, which is recorded. The tick writes a lost date back to the cell.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from engine.calendar import local_date
from engine.models import Customer, CustomerState


class SheetChange(BaseModel):
    action: str
    """As the audit names it: paused, resumed, handed_off, hand_off_cleared, unsubscribed,
    note_changed."""
    description: str


def sync_state(
    customer: Customer, state: CustomerState, now: datetime, team_timezone: str
) -> tuple[CustomerState, SheetChange | None]:
    """The state in line with the row's pause and hand-off flags: the clock stops on the day one
    is set and runs again, where it stopped, when both are clear. Returns the new state and
    what changed (None when nothing did)."""
    today = local_date(now, customer.timezone or team_timezone)
    # A reply holds the clock too (engine.heard); only the state knows of it.
    offline_now = customer.paused or bool(customer.handed_off_to) or state.replied_on is not None
    changes: list[tuple[str, str]] = []
    update: dict[str, object] = {}
    if customer.paused != state.paused:
        changes.append(("paused", "paused") if customer.paused else ("resumed", "resumed"))
        update["paused"] = customer.paused
    if customer.paused and customer.paused_note != state.paused_note:
        update["paused_note"] = customer.paused_note
    if customer.handed_off_to != state.handed_off_to:
        changes.append(
            ("handed_off", f"handed off to {customer.handed_off_to}")
            if customer.handed_off_to
            else ("hand_off_cleared", f"taken back from {state.handed_off_to}")
        )
        update["handed_off_to"] = customer.handed_off_to
    if customer.unsubscribed and not state.unsubscribed:
        changes.append(("unsubscribed", "unsubscribed"))
        update["unsubscribed"] = True
        update["unsubscribed_on"] = customer.unsubscribed_on or today
    if offline_now and state.offline_since is None:
        update["offline_since"] = today
    elif not offline_now and state.offline_since is not None:
        update["offline_since"] = None
        update["offline_days"] = state.offline_days + max(0, (today - state.offline_since).days)
    if not update:
        return state, None
    action, _ = changes[0] if changes else ("note_changed", "")
    description = ", ".join(text for _, text in changes) or "pause note changed"
    return state.model_copy(update=update), SheetChange(action=action, description=description)


def flags_row(state: CustomerState) -> dict[str, str]:
    """The pause, hand-off and unsubscribe cells as the state last knew them."""
    return {
        "paused": "TRUE" if state.paused else "",
        "paused_note": state.paused_note,
        "handed_off_to": state.handed_off_to,
        "unsubscribed": unsubscribed_cell(state),
    }


def unsubscribed_cell(state: CustomerState) -> str:
    """The `unsubscribed` cell as the guide writes it: the day, or blank."""
    if not state.unsubscribed:
        return ""
    return state.unsubscribed_on.isoformat() if state.unsubscribed_on else "TRUE"
