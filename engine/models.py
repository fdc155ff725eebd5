"""The guide's domain: the onboarding list, what was sent and where each customer stands.

Everything here is plain data. Ports move it in and out of storage; the decision reads it. The
rules doc as data is engine.plans; moves and what goes out are engine.outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from engine.quoting import clip as clip  # re-exported: where the engine has it from

# A cell as a roster backend hands it over: CSV gives text, Google Sheets' UNFORMATTED_VALUE
# also gives numbers and booleans.
CellValue = str | int | float | bool | None


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the onboarding list -----------------------------------------------------------------


class CellProblem(Frozen):
    """Why a row could not even be read into cells (bytes that are not text, a cell longer
    than a cell may be, a quote that swallows the rows after it): the row is skipped with it."""

    column: str
    value: str
    message: str


class RawRow(Frozen):
    """One data row as the roster holds it. `row_number` is what a person sees in the sheet:
    the header is row 1, the first customer row 2."""

    row_number: int
    values: dict[str, CellValue]
    problem: CellProblem | None = None


class RosterSnapshot(Frozen):
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    warnings: tuple[str, ...] = ()
    """What a person should know about how the list was read (say, not UTF-8), once per read."""


@dataclass(frozen=True)
class RosterGrid:
    """The list as cells under its header, before any row is modelled (`Roster.read_grid`): a
    tick fingerprints every row from its cells and models only the rows it decides. At 100k
    rows the models of `RosterSnapshot` cost 75 MiB, nearly all of them quiet customers'."""

    header: tuple[str, ...]
    rows: Sequence[Sequence[CellValue]]
    """The records under the header, in order: the row number of `rows[i]` is i + 2."""
    problems: Mapping[int, CellProblem] = field(default_factory=dict)
    """By row number: the rows the adapter could not read into cells."""
    warnings: tuple[str, ...] = ()


class RowUpdate(Frozen):
    """Cells to set on the row whose customer_id matches; found again at write time."""

    customer_id: str
    values: dict[str, str]


class Customer(Frozen):
    customer_id: str
    email: str
    plan: str
    signup_date: date
    row_number: int
    name: str = ""
    company: str = ""
    plan_override: str | None = None
    timezone: str | None = None
    country: str | None = None
    """An ISO country code whose public holidays hold this customer's mail (else the doc's)."""
    owner: str | None = None
    paused: bool = False
    paused_note: str = ""
    finished: bool = False
    finished_date: date | None = None
    finished_by: str = ""
    handed_off_to: str = ""
    unsubscribed: bool = False
    """The `unsubscribed` cell holds a date or a yes: the guide mails them nothing."""
    unsubscribed_on: date | None = None
    """The cell's date; None for a yes without one."""

    @property
    def effective_plan(self) -> str:
        return self.plan_override or self.plan

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class SkippedRow(Frozen):
    row_number: int
    column: str
    value: str
    message: str
    customer_id: str = ""
    """The row's id as written, when it has one, so reports can name the customer."""

    def render(self) -> str:
        return f"row {self.row_number}, column {self.column} ({clip(self.value)!r}): {self.message}"


# --- state -------------------------------------------------------------------------------


class SendKind(StrEnum):
    STEP = "step"
    NUDGE = "nudge"
    FLAG = "flag"
    FINISH = "finish"
    NOTE = "note"  # an owner's personal note (engine.note_send): one email, the day's move

    @property
    def described(self) -> str:
        """How a person names a send of this kind: the step's email, its nudge, ..."""
        names = {"step": "email", "nudge": "nudge email", "finish": "wrap-up email"}
        return names.get(self.value, "personal note" if self == "note" else self.value)


class SendStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"
    """It may or may not have reached its reader: a run that ended between claim and
    confirmation, or a request that went out with no answer. Never resent automatically; it
    stays listed until a person settles it (`og unconfirmed`)."""
    REJECTED = "rejected"
    """The mail service refused it for good (a bad or suppressed address); never resent."""

    @property
    def settled(self) -> bool:
        """Whether the send's fate is known. Open sends (claimed, unconfirmed) stay in the live
        table when their journey is archived, so they stay in sight until settled."""
        return self in (SendStatus.SENT, SendStatus.REJECTED)


WRAP_UP_STEP = "wrap-up"


def journey_id(customer_id: str, journey: int) -> str:
    """How the archive names one journey of one customer."""
    return f"{customer_id}#{journey}"


class SendKey(Frozen):
    customer_id: str
    journey: int
    step: str
    kind: SendKind


class SendRecord(Frozen):
    customer_id: str
    journey: int
    step: str
    kind: SendKind
    local_date: date
    """The customer's own calendar day of the send: one move per local day."""
    guide_day: int
    """The guide clock when it was sent; windows count from here."""
    status: SendStatus = SendStatus.CLAIMED
    message_id: str | None = None
    claimed_at: datetime
    sent_at: datetime | None = None
    tick_id: str = ""
    """The run that claimed it."""
    run_process: str = ""
    """Where that run ran (`engine.runs`), so a later run can tell at once that it is gone."""
    run_deadline: datetime | None = None
    """When that run ends at the latest (a Lambda invocation's limit); None when it has none."""
    error: str = ""
    """Why the mail service rejected it, for a REJECTED send."""

    @property
    def key(self) -> SendKey:
        return SendKey(
            customer_id=self.customer_id, journey=self.journey, step=self.step, kind=self.kind
        )


class ClaimEnd(StrEnum):
    """How a claimed send ended, as the batch that claimed it records it."""

    SENT = "sent"
    """It went out: confirmed with its message id."""
    REJECTED = "rejected"
    """Refused for good: kept with the reason, never retried."""
    UNCONFIRMED = "unconfirmed"
    """It may or may not have gone out: never resent, listed until a person settles it."""
    RELEASED = "released"
    """It did not go out: the claim is forgotten, so a later tick tries again."""


class ClaimOutcome(Frozen):
    key: SendKey
    end: ClaimEnd
    message_id: str = ""
    """For a sent one: the id the mailer or notifier gave it."""
    at: datetime | None = None
    """When it was sent or rejected."""
    reason: str = ""
    """For a rejected one: why."""


class CustomerState(Frozen):
    customer_id: str
    journey: int = 1
    steps_done: dict[str, date] = Field(default_factory=dict)
    offline_days: int = 0
    """Completed days spent paused or handed off: the clock stood still on them."""
    offline_since: date | None = None
    paused: bool = False
    paused_note: str = ""
    handed_off_to: str = ""
    finished: bool = False
    finished_date: date | None = None
    wrap_up_pending: bool = False
    """Finished by hand: the wrap-up email still goes out on the next sending day."""
    unsubscribed: bool = False
    """The customer asked for no more of the guide's email (its unsubscribe link, or the
    sheet): nothing is mailed to them again, on this journey or a later one, unless a person
    undoes it. Kept across re-enrolments, as it is the customer's word, not the journey's."""
    unsubscribed_on: date | None = None
    replied_on: date | None = None
    """The customer wrote back: the guide waits for a person, clock stopped (engine.heard)."""
    undeliverable: str = ""
    """Why mail to `undeliverable_email` fails; a new email in the sheet clears it."""
    undeliverable_email: str = ""
    soft_bounces: int = 0
    """Soft bounces in a row to `undeliverable_email`; a reply starts the count again."""
    version: int = 0
    """Bumped on every write; a write based on an older version is refused."""
    updated_at: datetime | None = None
    updated_by: str = ""
    pending: PendingAction | None = None
    """A person's action that has written its intent but not yet its result (see
    `engine.intents`): whoever reads the customer next finishes or drops it in that person's
    name, once its run has ended."""

    def undeliverable_to(self, email: str) -> str:
        """Why mail to `email` cannot be delivered, or "" when it may be."""
        held = self.undeliverable and self.undeliverable_email == email.strip().lower()
        return self.undeliverable if held else ""

    def takes(self, send: SendRecord) -> bool:
        """Whether a send may still be claimed on this state: not for an earlier journey, nor
        for a finished one, except the wrap-up of a finish by hand. A store checks this
        where it claims, because a tick that read the state before a finish (which archives
        the journey's sends) would otherwise find the send's slot free and send it again."""
        return journey_takes(self.journey, self.finished, self.wrap_up_pending, send)

    def may_claim(self, send: SendRecord) -> bool:
        """What a store checks where it claims: the journey takes the send, and it is no email
        to a customer who unsubscribed, or replied, since the tick read them."""
        stopped = self.unsubscribed or self.replied_on is not None
        return self.takes(send) and not mail_stopped(stopped, send)


def journey_takes(journey: int, finished: bool, wrap_up_pending: bool, send: SendRecord) -> bool:
    """`CustomerState.takes` from the three fields it reads, for a store that reads only those."""
    if send.journey < journey:
        return False
    if finished and send.journey == journey:
        return wrap_up_pending and send.kind == SendKind.FINISH
    return True


def mail_stopped(stopped: bool, send: SendRecord) -> bool:
    """Whether `send` is an email to a customer whose mail is `stopped` (unsubscribed, or
    waiting after a reply; a flag to the owner still goes): `CustomerState.may_claim` for a
    store that reads only those fields."""
    return stopped and send.kind != SendKind.FLAG


# The roster columns the guide itself writes; audit snapshots keep them so undo can put the row
# back exactly as it was.
GUIDE_COLUMNS = (
    "plan",
    "plan_override",
    "signup_date",
    "paused",
    "paused_note",
    "handed_off_to",
    "finished",
    "finished_date",
    "finished_by",
    "unsubscribed",
)


class Snapshot(Frozen):
    """A customer as one action found or left them: the guide's roster columns and the state."""

    row: dict[str, str]
    state: CustomerState


class AuditEntry(Frozen):
    id: str
    """Sorts by time: newest last."""
    customer_id: str
    journey: int
    action: str
    actor: str
    at: datetime
    note: str = ""
    before: Snapshot
    after: Snapshot
    undoes: str | None = None
    """For an undo: the id of the action it undid."""
    send_before: SendRecord | None = None
    """For an action on one send (settling an unconfirmed one): the send as it was."""
    send_write: SendWrite | None = None
    """For an action on one send: what it wrote."""


class SendWrite(Frozen):
    """One send written with a person's action, in the same commit as its audit row: `record`
    put in the live table (or the archive, when `archived`) and taken out of the other, or,
    with no record, the send at `key` removed from both."""

    key: SendKey
    record: SendRecord | None = None
    archived: bool = False


class PendingAction(Frozen):
    """An action's intent, written to the state before the action changes the roster, so an
    action killed between the two is finished (or dropped) in the name of who acted."""

    audit: AuditEntry
    """The audit row the action will write: who, what, and the row and state it leads to."""
    row: dict[str, str]
    """The roster cells the action writes."""
    archive_journey: int | None = None
    restore_journey: int | None = None
    send_write: SendWrite | None = None
    run_id: str
    run_process: str
    run_deadline: datetime | None = None


class History(Frozen):
    """What the decision knows of one customer's current journey."""

    state: CustomerState
    sends: tuple[SendRecord, ...] = ()

    def find(self, step: str, kind: SendKind) -> SendRecord | None:
        return next((s for s in self.sends if s.step == step and s.kind == kind), None)


class StoreSnapshot(Frozen):
    states: dict[str, CustomerState]
    sends: dict[str, tuple[SendRecord, ...]]
    """Current-journey sends per customer id."""
    changes: dict[str, int] = Field(default_factory=dict)
    """Per customer, the store's count of writes to their state and sends when read (absent:
    none yet), where the read asked for it: what a tick's memo is checked against."""

    def held_or_flagged(self) -> set[str]:
        """`StateStore.held_or_flagged`, worked out from this snapshot."""
        held = {
            cid
            for cid, s in self.states.items()
            if s.paused or s.handed_off_to or s.replied_on or s.undeliverable
        }
        flagged = {
            cid for cid, sends in self.sends.items() if any(s.kind == SendKind.FLAG for s in sends)
        }
        return held | flagged

    def unconfirmed(self) -> list[SendRecord]:
        """Every send that may or may not have reached its reader, oldest first: listed by
        every tick, the digest and `og unconfirmed` until a person settles it."""
        found = [
            send
            for sends in self.sends.values()
            for send in sends
            if send.status == SendStatus.UNCONFIRMED
        ]
        return sorted(found, key=lambda send: (send.claimed_at, send.customer_id))

    def history(self, customer_id: str) -> History:
        state = self.states.get(customer_id) or CustomerState(customer_id=customer_id)
        sends = tuple(s for s in self.sends.get(customer_id, ()) if s.journey == state.journey)
        return History(state=state, sends=sends)


# A state may hold an action on its way, whose audit row holds states: resolved once all exist.
CustomerState.model_rebuild()
AuditEntry.model_rebuild()
