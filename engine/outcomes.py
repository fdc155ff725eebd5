"""What the guide decides and what goes out: a customer's move, an email, a notice to a person.

Plain data, like engine.models: the decision makes moves, compose turns them into emails and
notices, and the mailer and notifier ports carry those out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from engine.calendar import wait_text
from engine.models import Frozen, SendKind
from engine.plans import Person

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
    held_until: datetime | None = None
    """For a move held for someone's hours: when they open (on that clock)."""


def on_guide_day(day: int, text: str) -> str:
    """A waiting customer's reason: where their clock stands, then what comes next."""
    return f"guide day {day}: {text}"


@dataclass(frozen=True, slots=True)
class QuietSpell:
    """Local days on which `decide` surely answers on track, word for word the same but for
    the guide day, while its inputs (row, rules, state, sends) stay as they are: what lets a
    tick skip a customer (engine.memo). Worked out by engine.decide.decide_with_spell. A slotted
    dataclass, not a model: a tick holds one per quiet customer, 100k of them at most."""

    since: date
    """The local day it was worked out on."""
    until: date | None
    """The first local day on which the answer may differ; None: not while the inputs hold."""
    reason: str
    step: str | None = None
    held: bool = False
    day_zero: date | None = None
    """When set, the reason is `on_guide_day` of the days since this date (guide day 0)."""
    held_until: datetime | None = None
    """When set, a move held for someone's hours: the reason is `held_reason` of when they
    open (an aware time on their clock)."""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    """The moments, within its days, between which the answer surely holds: from when it was
    worked out (a tick may be run for an earlier hour) until someone's hours open. None: the
    days alone bound it."""

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)

    def holds(self, day: date, now: datetime) -> bool:
        """Whether the answer is surely the same at `now`, the customer's local day `day`."""
        if self.ends_at is None or self.starts_at is None:
            return self.covers(day)
        return self.covers(day) and self.starts_at <= now < self.ends_at

    def reason_on(self, day: date, now: datetime) -> str:
        if self.held_until is not None:
            return held_reason(self.held_until, now, self.reason)
        if self.day_zero is None:
            return self.reason
        return on_guide_day((day - self.day_zero).days, self.reason)


def held_reason(opens: datetime, now: datetime, why: str) -> str:
    """A move held for someone's hours: when they open, counted from `now`, then why."""
    return f"held until {wait_text(opens, now)}: {why}"


# --- mail and notices --------------------------------------------------------------------


class OutgoingEmail(Frozen):
    to_email: str
    to_name: str = ""
    subject: str
    body: str
    """The text part."""
    html: str = ""
    """The HTML part, the same words (engine.email_html); none: a text-only message."""
    unsubscribe_url: str = ""
    """Where one click stops the guide's mail to this customer (`List-Unsubscribe`)."""
    reply_token: str = ""
    """Names the customer in the Message-ID (and SES's tags), so a reply or a bounce finds
    them (engine.inbound_match)."""
    reply_to: str = ""
    """The plus address replies go to, where an inbox is read; none: replies go to From."""
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


class UnsubscribedNotice(Frozen):
    """Told once to the owner: the customer unsubscribed from the guide's email, so whatever
    the onboarding still needs comes from a person now."""

    customer_id: str
    customer_name: str
    company: str
    owner: Person
    journey: int
    unsubscribed_on: date
    """The customer's own calendar day of it."""


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


class HeardKind(StrEnum):
    REPLY = "reply"
    UNDELIVERABLE = "undeliverable"
    COMPLAINT = "complaint"


class HeardNotice(Frozen):
    """Told to the owner: what came back from the guide's email that a person must act on
    (engine.heard): the customer's reply, an address that cannot be delivered to, or a
    complaint. Each stops the guide's mail to the customer until a person acts."""

    kind: HeardKind
    customer_id: str
    customer_name: str
    company: str
    plan: str
    owner: Person
    journey: int
    step: str = ""
    """The first step not done, for the Done button; "" when none is left."""
    step_name: str = ""
    address: str
    """Who wrote (a reply), or the address that bounced or complained."""
    subject: str = ""
    text: str = ""
    """A reply's new words (quoted history and signature cut), or the bounce's reason."""
    on: date
    """The customer's own calendar day of it."""


# --- what people did ---------------------------------------------------------------------


class ActionEvent(Frozen):
    """One thing done to a customer's journey, as its audit row records it: a line on a flag."""

    action: str
    """The audit row's action: `paused`, `resumed`, `handed_off`, `finished`, `undo`, ..."""
    actor: str
    """Who acted, as recorded: a chat user id from Slack, a name from the command line, or
    `guide`, `sheet` or `customer`."""
    at: datetime
    note: str = ""
    handed_to: Person | None = None
    """For a hand-off: to whom (with a chat id when the rules doc names one)."""
    undid: ActionEvent | None = None
    """For an undo: the action it undid."""


class FlagMessage(Frozen):
    """A flag already sent about the journey, as it reads now: the flag as it was sent, what
    was done since, and whether it still asks for a person."""

    reference: str
    """What the notifier's `flag` returned when it was sent."""
    notice: FlagNotice
    events: tuple[ActionEvent, ...] = ()
    """What was done since it was sent, oldest first."""
    open: bool
    """Whether its buttons still apply: the customer neither finished, paused, handed off nor
    unsubscribed, the flagged step not done, the journey the same."""


class ActionNotice(Frozen):
    """What an action did, told to whoever watches the guide once it is committed, from
    wherever it came (the command line, a Slack button, the Home tab, a done link)."""

    customer_id: str
    journey: int
    """The journey it acted on (for an undo, the journey of the action undone)."""
    event: ActionEvent
    message: str
    """The outcome as the engine words it for the person who acted."""
    detail: str = ""
    """Anything else that person should know (an undo's emails that went out already)."""
    flags: tuple[FlagMessage, ...] = ()
    """Every flag sent about that journey, as each should read now."""

    @property
    def undo(self) -> bool:
        return self.event.undid is not None


# --- the rules doc -----------------------------------------------------------------------


class RulesDecision(Frozen):
    """What a person did about an announced edit of the rules doc (engine.rules_approval)."""

    action: str
    """`applied`, `kept` (the old rules) or `undo`."""
    actor: str
    at: datetime
    undid: str = ""
    """For an undo: the action it undid."""


class RulesChangeNotice(Frozen):
    """An edit of the rules doc, announced once by the tick that found it (engine.rules_watch):
    what it changes in the coming days and, when the doc in force says `Rule changes need
    approval.`, that it waits for Apply. The same notice, with its decisions, rewrites the
    announcement once a person decides."""

    change_id: int
    """Names this announcement to its buttons (an entry of engine.rules_log)."""
    source: str
    summary: tuple[str, ...] = ()
    """What changes, biggest first (engine.rules_impact); empty: nobody's moves change."""
    changed_customers: int = 0
    days: int
    """How far ahead the summary looked."""
    since: date
    impact_problem: str = ""
    """Why the summary could not be worked out, when it could not."""
    needs_approval: bool
    owners: tuple[Person, ...] = ()
    """The owners the doc in force names: told directly when there is no flag channel."""
    decisions: tuple[RulesDecision, ...] = ()
    """What was done about it since, oldest first."""
    open: bool = True
    """Whether it still waits for Apply (its buttons apply)."""
