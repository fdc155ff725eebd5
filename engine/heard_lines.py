"""What came back from the guide's email, as it reads in a customer's journey (`og status`, the
hand-off ping, `/og status`): replies, automatic replies, bounces and a complaint, from the
audit rows engine.heard writes, or at least from the state.

The audit's action names are the stored vocabulary, written out here as bot/slack/happened.py
writes the others: engine.heard itself sits above the queries (it acts), so it is not imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.calendar import local_date
from engine.models import AuditEntry, Customer, CustomerState

_REPLIED = "replied"
_BOUNCED = "bounced"
_SAID = {
    _REPLIED: "replied",
    "auto_reply_noted": "automatic reply noted, nothing changed",
    _BOUNCED: "undeliverable",
    "soft_bounced": "soft bounce",
    "complained": "marked an email as spam: no more guide mail",
}
CLEARED = "cleared: the email changed"


def heard_lines(
    customer: Customer, state: CustomerState, trail: Sequence[AuditEntry], zone: str
) -> list[str]:
    """`YYYY-MM-DD  what` for each thing heard, oldest first, on the customer's clock (`zone`);
    an undone one says so. A reply or an undeliverable address the state holds with no audit
    row for it is still told, from the state."""
    undone = {entry.undoes for entry in trail if entry.undoes}
    heard = sorted((e for e in trail if e.action in _SAID), key=lambda e: e.id)
    lines = []
    for entry in heard:
        line = f"{local_date(entry.at, zone).isoformat()}  {_what(entry, customer)}"
        lines.append(line + (" (undone)" if entry.id in undone else ""))
    told = {entry.action for entry in heard if entry.id not in undone}
    if state.replied_on is not None and _REPLIED not in told:
        lines.append(f"{state.replied_on.isoformat()}  replied")
    if state.undeliverable and _BOUNCED not in told:
        cleared = "" if state.undeliverable_to(customer.email) else f"; {CLEARED}"
        lines.append(f"(undated)  undeliverable: {state.undeliverable}{cleared}")
    return lines


def _what(entry: AuditEntry, customer: Customer) -> str:
    said = _SAID[entry.action]
    after = entry.after.state
    if entry.action == "soft_bounced":
        said += f" ({after.soft_bounces} in a row)"
    elif entry.action == _BOUNCED:
        said = f"{after.undeliverable_email} {said}"
        if not after.undeliverable_to(customer.email):
            return f"{said}: {entry.note}; {CLEARED}"
    elif entry.action == "complained":
        return said
    return f"{said}: {entry.note}" if entry.note else said
