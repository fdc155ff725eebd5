"""What the guide decides and what goes out: a customer's move, an email, a notice to a person.

Plain data, like engine.models: the decision makes moves, compose turns them into emails and
notices, and the mailer and notifier ports carry those out.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from engine.models import Frozen, Person, SendKind

# --- moves -------------------------------------------------------------------------------


class MoveKind(StrEnum):
    ON_TRACK = "on_track"
    STEP = "step"
    NUDGE = "nudge"
    FLAG = "flag"
    FINISH = "finish"


class Move(Frozen):
    customer_id: str
    kind: MoveKind
    reason: str
    local_date: date
    step: str | None = None
    held: bool = False
    guide_day: int | None = None
    rule_lines: tuple[int, ...] = ()
    """Rules doc lines behind the move, for `og why`."""


# --- mail and notices --------------------------------------------------------------------


class OutgoingEmail(Frozen):
    to_email: str
    to_name: str = ""
    subject: str
    body: str
    customer_id: str
    journey: int
    step: str
    kind: SendKind


class UnconfirmedNotice(Frozen):
    """Told once to the owner: a message that may or may not have reached its reader."""

    customer_id: str
    customer_name: str
    company: str
    step: str
    step_name: str
    kind: SendKind
    claimed_at: datetime
    local_date: date
    owner: Person
    why: str
    """How it came to be unconfirmed: a run that ended mid-send, or an answer that never came."""


class FlagNotice(Frozen):
    customer_id: str
    customer_name: str
    company: str
    plan: str
    step: str
    step_name: str
    guide_day: int
    owner: Person
    journey: int
    reason: str
    history: tuple[str, ...] = ()
    """The journey so far, one line per event, oldest first."""
