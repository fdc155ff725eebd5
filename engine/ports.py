"""The guide's ports: everything with I/O sits behind one of these small protocols.

Each backend (CSV or Google Sheets, SQLite or DynamoDB, outbox or SMTP or SES, console or
Slack) is an adapter that satisfies one of them, and one shared contract suite in
`tests/contract/` runs against every adapter of a port.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from engine.memo import TickMemo, TickRead
from engine.models import (
    AuditEntry,
    ClaimOutcome,
    CustomerState,
    RosterGrid,
    RosterSnapshot,
    RowUpdate,
    SendKey,
    SendRecord,
    SendWrite,
    StoreSnapshot,
)
from engine.outcomes import (
    ActionNotice,
    FlagNotice,
    HeardNotice,
    OutgoingEmail,
    RulesChangeNotice,
    UnconfirmedNotice,
    UnsubscribedNotice,
)
from engine.plans import Person


class RosterError(Exception):
    """The roster as a whole cannot be read (missing file, missing required column)."""


class StaleStateError(Exception):
    """A state write was based on a version someone else has since replaced."""

    def __init__(self, customer_id: str, current: CustomerState | None) -> None:
        self.customer_id = customer_id
        self.current = current
        who = current.updated_by if current and current.updated_by else "someone"
        when = current.updated_at.isoformat() if current and current.updated_at else "just now"
        super().__init__(f"{customer_id} was changed by {who} at {when}, try again")


class SendError(Exception):
    """A mailer or notifier could not deliver; the claim is released and retried next tick."""


class OutcomeUnknownError(SendError):
    """The request went out and no answer came back (a read timeout, a connection closed
    mid-reply): the message may have been delivered. The send is kept as unconfirmed and never
    sent again automatically; a person checks with the customer (og status shows it)."""


class RejectedError(SendError):
    """The mail service refused this email for good (say, an address it will never deliver
    to): the send is recorded as rejected with this reason, and never retried."""


class Roster(Protocol):
    """The onboarding list."""

    def read(self) -> RosterSnapshot:
        """All rows, in one read. Raises RosterError when the list itself is unusable."""
        ...

    def read_grid(self) -> RosterGrid:
        """All rows as cells, in one read, before any is modelled: what the tick reads, as it
        models only the rows it decides. `engine.roster.grid.grid_snapshot` of it is what
        `read` gives. Raises RosterError as `read` does."""
        ...

    def read_one(self, customer_id: str) -> RosterSnapshot:
        """The header and every row whose customer_id is `customer_id` (as validation reads
        an id: its text, stripped), in order, each as `read` would give it, with `read`'s
        warnings: what a click, a done link or `og status` needs, without reading or
        modelling the other rows where the list allows. Raises RosterError when `read` would,
        or when the list has no customer_id column."""
        ...

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        """Apply cell updates by customer_id (never a remembered row number), all at once.
        Columns the list lacks are added. Returns the ids that were not found."""
        ...


class RowMemory(Protocol):
    """Which rows held each customer id when a roster last read its whole id column, kept
    where a fresh process finds them (engine.adapters.row_memory): a hint that the roster
    checks against the row's id before trusting it."""

    def rows_of(self, customer_id: str) -> tuple[int, ...]:
        """The row numbers remembered for the id, in order; () when none. Never raises."""
        ...

    def remember(self, rows: Mapping[str, Sequence[int]]) -> None:
        """Every id's row numbers, as just read, in place of what was remembered. Never
        raises: a memory that cannot be written costs the next reader a longer look."""
        ...


class StateStore(Protocol):
    """What was sent and where each customer stands."""

    def load(self) -> StoreSnapshot:
        """Every customer's state and current-journey sends, read in bulk."""
        ...

    def load_one(self, customer_id: str) -> StoreSnapshot:
        """The same as `load`, for one customer (for actions and status, not for the tick)."""
        ...

    def tick_read(self, keep: Callable[[TickMemo], bool]) -> TickRead:
        """What a tick reads before the list, at one moment: each current memo (its change
        count still the customer's) that `keep` keeps; the states and live sends of every
        other customer, with their change counts; and every open send (claimed, unconfirmed)
        of anyone. A store that keeps no memos (`put_memos` drops them) returns none. A memo is
        only made of a customer with no open send (engine.memo), and a claim is a write, so a
        store may leave out the sends of the customers whose memos it returns."""
        ...

    def load_many(self, customer_ids: Collection[str]) -> StoreSnapshot:
        """The same as `load`, for these customers, with their change counts."""
        ...

    def held_or_flagged(self) -> set[str]:
        """The customers whose state is paused, handed off, waiting after their reply or
        undeliverable (for any address: the caller compares), or whose live sends hold a flag
        (open or not: the caller judges): as far as the state goes, everyone a Home tab may
        list. Without reading every customer where the store can ask for them."""
        ...

    def put_memos(self, memos: Sequence[TickMemo]) -> None:
        """Keep these memos (engine.memo), each replacing the customer's last: derived data,
        so a store may also keep none."""
        ...

    def claim(self, send: SendRecord) -> bool:
        """Insert a send as claimed; False if the same (customer, journey, step, kind) exists,
        or if the stored state no longer takes it (`CustomerState.may_claim`: an earlier or a
        finished journey, an email to a customer who unsubscribed), checked atomically with
        the insert."""
        ...

    def claim_many(self, sends: Sequence[SendRecord]) -> list[bool]:
        """`claim` for a batch of sends, in as few writes as the backend's conditions allow
        (SQLite: one transaction; DynamoDB: transactions of at most 100 writes). One result per
        send, in order: whether this call took it. Each send is judged alone, as `claim` judges
        it: sends of the batch already taken, or whose journey no longer takes them, are
        refused and the others still claimed; a send listed twice is claimed once."""
        ...

    def finish_claims(self, outcomes: Sequence[ClaimOutcome]) -> list[SendKey]:
        """How each send of a batch ended, written together (SQLite: one transaction): sent
        (as `confirm`), rejected (as `reject`), unconfirmed (as `mark_unconfirmed`) or released
        (as `release`), each with the condition its single method has. Returns the keys this
        call turned unconfirmed, so each is announced once."""
        ...

    def confirm(self, key: SendKey, message_id: str, sent_at: datetime) -> None: ...

    def release(self, key: SendKey) -> None:
        """Forget a claim whose send failed, so a later tick tries again."""
        ...

    def reject(self, key: SendKey, reason: str, at: datetime) -> None:
        """Record that a claimed send was refused for good: kept, with its reason, so it is
        neither retried nor forgotten."""
        ...

    def mark_unconfirmed(self, keys: Sequence[SendKey]) -> list[SendKey]:
        """Turn open claims whose run has ended into unconfirmed sends (never resent, listed
        until a person settles them). Returns the keys this call turned, so what a crash left
        is announced once even when two runs find it together."""
        ...

    def archive_journey(self, customer_id: str, journey: int, archived_at: datetime) -> int:
        """Move a finished journey's settled sends (sent, rejected) to the archive under its
        journey id, all or none; returns how many moved. Open sends (claimed, unconfirmed)
        stay live until settled. Archiving again moves nothing and is harmless."""
        ...

    def archived_sends(self, customer_id: str) -> tuple[SendRecord, ...]:
        """Every archived send of the customer's earlier journeys, oldest first."""
        ...

    def save_state(self, state: CustomerState) -> CustomerState:
        """Write `state` if the stored version still equals `state.version` (0 = absent).
        Returns the state as written (version bumped); raises StaleStateError otherwise."""
        ...

    def commit_action(
        self,
        state: CustomerState,
        audit: AuditEntry,
        *,
        archive_journey: int | None = None,
        restore_journey: int | None = None,
        send_write: SendWrite | None = None,
    ) -> CustomerState:
        """One human action, all or nothing: `state` written if the stored version still
        equals `state.version` (as `save_state`), the audit row added, a journey's sends
        moved to the archive or back to the live table (all but a wrap-up that went out, which
        stays archived), and one send written (`SendWrite`). Raises StaleStateError."""
        ...

    def audit_trail(self, customer_id: str) -> list[AuditEntry]:
        """Every audit row of the customer, newest first."""
        ...

    def sends_between(self, first: date, last: date) -> tuple[SendRecord, ...]:
        """Every send of every customer, live or archived, whose `local_date` is from `first`
        to `last` (both included), each once, oldest claim first: what a month's figures
        read (engine.month_summary), never the tick, as a store may read every send for it."""
        ...

    def audit_between(self, start: datetime, end: datetime) -> tuple[AuditEntry, ...]:
        """Every audit row of every customer whose `at` is at or after `start` and before
        `end` (aware times; a row's naive `at` counts as UTC), oldest first: what a month's
        figures read, as `sends_between` does."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def put_meta(self, key: str, value: str) -> None: ...

    def add_meta_if_absent(self, key: str, value: str) -> str:
        """Store `value` unless `key` exists; return what is stored either way."""
        ...


class Mailer(Protocol):
    """Sends one email at a time; `flush` makes a batch of them durable at once."""

    def send(self, email: OutgoingEmail) -> str:
        """Deliver one email; returns its message id. Raises SendError when it cannot. Safe
        to call from several threads at once."""
        ...

    def flush(self) -> None:
        """Make every email `send` has handed over since the last flush durable (a crash of
        this machine can no longer lose it): one sync for a batch, where a mailer keeps the
        messages itself (the outbox folder), rather than one per message. Mailers whose
        delivery is a server's answer (SMTP, SES) have nothing to do. Raises
        OutcomeUnknownError when that cannot be made sure of: those emails may or may not
        have been delivered. A tick confirms its sends only after this returns."""
        ...


class Notifier(Protocol):
    def flag(self, notice: FlagNotice) -> str:
        """Tell a human; returns a reference to the notice. Raises SendError when it cannot."""
        ...

    def unconfirmed(self, notice: UnconfirmedNotice) -> str:
        """Tell the owner, once, that a message may or may not have reached its reader.
        Returns a reference; raises SendError when it cannot."""
        ...

    def unsubscribed(self, notice: UnsubscribedNotice) -> str:
        """Tell the owner, once, that the customer unsubscribed from the guide's email.
        Returns a reference; raises SendError when it cannot."""
        ...

    def heard(self, notice: HeardNotice) -> str:
        """Tell the owner what came back from the guide's email (a reply, a bounce for good,
        a complaint), with what they can do about it. Returns a reference; raises SendError
        when it cannot."""
        ...

    def unknown_people(self, people: Sequence[Person]) -> list[tuple[Person, str]]:
        """Those of `people` (the rules doc's owners and hand-off owners) this notifier
        could not reach, each with why and what to write instead: say, an email the chat
        workspace has no member for. Asked by every tick; never raises."""
        ...

    def acted(self, notice: ActionNotice) -> None:
        """Tell whoever watches the guide what a committed action did: every flag sent about
        the journey reads as `notice.flags` say (one more line; its buttons gone, or back after
        an undo). Raises SendError when it cannot; the action stands either way."""
        ...

    def rules_changed(self, notice: RulesChangeNotice) -> str:
        """Announce an edit of the rules doc, once, where flags go (the flag channel, else
        the owners `notice` names, each directly): what it changes in the coming days, and
        when it `needs_approval`, a way to Apply it or keep the old rules. Returns a reference
        to the announcement; raises SendError when it cannot (OutcomeUnknownError when it may
        have gone out)."""
        ...

    def rules_settled(self, reference: str, notice: RulesChangeNotice) -> None:
        """The announcement `rules_changed` returned `reference` for, changed to read as
        `notice` says now: its decisions, its buttons only while it is `open`. Raises
        SendError when it cannot; the decision stands either way."""
        ...


class RulesSourceError(Exception):
    """The rules doc could not be fetched at all (as opposed to fetched and broken)."""


class RulesSource(Protocol):
    """Where the rules doc lives: a file on the embedded default, a Google Doc later."""

    @property
    def name(self) -> str:
        """How errors name the doc (`PATH:LINE: message`)."""
        ...

    def fetch(self) -> str:
        """The doc's text. Raises RulesSourceError when it cannot be read."""
        ...


class Commentator(Protocol):
    """Writes a few words on figures (Amazon Bedrock: engine.adapters.bedrock_commentary).
    Asked for the month's summary only, never by the tick; whatever it does, the summary goes
    out with or without its words."""

    @property
    def name(self) -> str:
        """Who wrote the words, as the summary credits them."""
        ...

    def comment(self, instructions: str, figures: str) -> str:
        """One short paragraph on `figures` (aggregates only), as `instructions` ask. Raises
        whatever goes wrong (a timeout, a refusal, an answer with no text): the caller then
        leaves the words out."""
        ...


class NoteDrafter(Protocol):
    """Drafts a personal note from one customer's journey for their owner to read, edit and
    send or not (Amazon Bedrock: engine.adapters.bedrock_commentary). Asked only when a person
    asks for a draft, never by the tick."""

    @property
    def name(self) -> str:
        """Who drafted it, as the note's modal says."""
        ...

    def draft(self, instructions: str, journey: str) -> str:
        """A short email about `journey` (the facts of one customer's onboarding, no email
        address), as `instructions` ask. Raises whatever goes wrong (a timeout, a refusal, an
        answer with no text): the person then writes the note from an empty one."""
        ...
