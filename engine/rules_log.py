"""Which rules doc is in force, and what became of each edit: a log kept in the state store's
meta, one entry per change of that standing (issue 17).

The rules doc is not a customer, so its decisions are not audit rows of one: they are this
log. Entry n is the meta key `rules.log.<n>`, written with `add_meta_if_absent`, so of two
writers (two ticks, two clicks on Apply) only one writes entry n and the other reads it and
works its change out again after it. Each entry holds the whole standing before and after it;
`rules.log.head` holds the newest one's number and standing, written after the entry, so a
tick that finds the doc unchanged reads one small item (as it read the last good copy's hash
before the log). A writer killed between the two writes leaves the head one entry behind until
the next writer, whose entry n is then taken: it moves the head on and works its change out
again. Each doc the log names is kept once under `rules.text.<hash>`, before any entry names
it.

`og audit _rules` lists the log; `og undo _rules` (`/og undo _rules`) undoes the newest Apply
or Keep the old rules (engine.rules_approval).
"""

from __future__ import annotations

import base64
import json
import lzma
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from engine.models import Frozen
from engine.outcomes import RulesChangeNotice, RulesDecision
from engine.plans import Person, Rules
from engine.ports import StateStore

RULES_ID = "_rules"
"""What `og undo`, `og audit` and `/og undo` call the rules doc."""

_HEAD = "rules.log.head"
_ENTRY = "rules.log.{}"
_TEXT = "rules.text.{}"
COMPRESS_OVER = 64 * 1024
"""Characters past which a kept doc is compressed: a doc may be 1 MB and a DynamoDB item at
most 400 KB, which prose compressed fits easily."""
_RACES = 8
"""Writers that may get in before one before it gives up (each wrote an entry)."""


class Change(Frozen):
    """An edit of the doc, as it was announced, and what became of it."""

    id: int
    """The log entry that announced it: what its buttons name."""
    doc: str
    """The edited doc's hash."""
    replaces: str
    """The hash of the doc in force it was compared with."""
    source: str
    summary: tuple[str, ...] = ()
    changed_customers: int = 0
    days: int = 0
    """How far ahead the summary looked, from `since`."""
    since: date
    impact_problem: str = ""
    """Why there is no summary, when it could not be worked out."""
    at: datetime
    edition: int
    needs_approval: bool
    post: str = "posting"
    """posting (claimed, not known to be out), posted, failed (tried again next tick), or
    unknown (may have gone: never posted again)."""
    reference: str = ""
    """Where the announcement is (the notifier's references, space-separated)."""
    settled: str = ""
    """"" while it waits; applied, kept (the old rules), or in_force (no approval needed)."""
    settled_by: str = ""
    settled_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        return self.needs_approval and not self.settled


class Standing(Frozen):
    in_force: str
    """The hash of the doc the guide runs on."""
    approval: bool
    """Whether the doc in force says `Rule changes need approval.`"""
    seen: str
    """The hash of the doc as a tick last read it (parsed)."""
    edition: int = 0
    """How many times a tick found the doc's text different from the last it read."""
    change: Change | None = None
    """The newest edit announced."""
    last_good: str = ""
    """The hash of the doc whose copy engine.rulebook keeps to fall back on, when a tick
    recorded it: a tick then need not read that copy's hash to know."""

    def pending(self) -> Change | None:
        """The announced edit waiting for Apply, if it is still the doc's text."""
        change = self.change
        if change is not None and change.waiting and change.edition == self.edition:
            return change
        return None


class Entry(Frozen):
    n: int
    action: str
    """first, seen, announced, posted, applied, kept, undo."""
    actor: str
    at: datetime
    note: str = ""
    undoes: int | None = None
    before: Standing | None = None
    after: Standing


@dataclass(frozen=True)
class Decision:
    action: str
    after: Standing
    note: str = ""
    undoes: int | None = None


Decide = Callable[[Standing | None, int], Decision | str | None]
"""From the standing now and the number the entry would have, the entry to write; or why not
(str), or None: nothing to write."""


class _Head(Frozen):
    n: int
    after: Standing


def standing(store: StateStore) -> Standing | None:
    """The standing after the newest entry, as the head says: one small read, all a tick makes
    of the log while the doc stays as it was."""
    head = _head(store)
    return head.after if head is not None else None


def latest(store: StateStore) -> Entry | None:
    head = _head(store)
    return _entry(store, head.n) if head is not None else None


def entries(store: StateStore, since: datetime | None = None) -> Iterator[Entry]:
    """Newest first; only those at or after `since` when given."""
    entry = latest(store)
    while entry is not None and (since is None or entry.at >= since):
        yield entry
        entry = _entry(store, entry.n - 1) if entry.n > 1 else None


def record(
    store: StateStore,
    decide: Decide,
    *,
    actor: str,
    at: datetime,
) -> Entry | str | None:
    """The entry `decide` makes of the newest standing, written as the next; worked out again
    on top of another writer's entry when one got in first. Returns the entry written, or what
    `decide` said instead (a reason, or None)."""
    for _ in range(_RACES):
        head = _head(store)
        before = head.after if head is not None else None
        n = (head.n if head is not None else 0) + 1
        decided = decide(before, n)
        if decided is None or isinstance(decided, str):
            return decided
        entry = Entry(
            n=n,
            action=decided.action,
            actor=actor,
            at=at,
            note=decided.note,
            undoes=decided.undoes,
            before=before,
            after=decided.after,
        )
        written = entry.model_dump_json()
        if store.add_meta_if_absent(_ENTRY.format(n), written) != written:
            _catch_up(store, n)  # another writer took entry n: work it out again after theirs
            continue
        store.put_meta(_HEAD, _Head(n=n, after=entry.after).model_dump_json())
        return entry
    return "the rules doc's standing keeps changing under other writers; try again"


def _head(store: StateStore) -> _Head | None:
    stored = store.get_meta(_HEAD)
    return _Head.model_validate_json(stored) if stored is not None else None


def _catch_up(store: StateStore, n: int) -> None:
    """The head moved on to the newest entry from `n` on: another writer's, or one whose
    writer stopped before it moved the head."""
    newest = _entry(store, n)
    while newest is not None and (after := _entry(store, newest.n + 1)) is not None:
        newest = after
    if newest is not None:
        store.put_meta(_HEAD, _Head(n=newest.n, after=newest.after).model_dump_json())


def keep_text(store: StateStore, rules: Rules) -> None:
    """Keep the doc's text under its hash, once, before an entry names it."""
    key = _TEXT.format(rules.text_hash)
    if store.get_meta(key) is None:
        store.add_meta_if_absent(key, encode_text(rules.text_hash, rules.text))


def kept_text(store: StateStore, text_hash: str) -> str | None:
    stored = store.get_meta(_TEXT.format(text_hash))
    return decode_text(stored) if stored is not None else None


def recent_changes(store: StateStore, since: datetime) -> list[Change]:
    """The edits announced or decided since `since`, and the one waiting however old, each as
    it stands now, oldest first; an edit replaced by a later one before anyone decided is
    left out."""
    found: dict[int, Change] = {}
    newest = latest(store)
    if newest is not None and (waiting := newest.after.pending()) is not None:
        found[waiting.id] = waiting
    for entry in entries(store, since):
        change = entry.after.change
        if change is not None and change.id not in found:
            found[change.id] = change
    return [
        change
        for _, change in sorted(found.items())
        if change.settled or (newest is not None and newest.after.pending() == change)
    ]


DECISIONS = ("applied", "kept", "undo")
"""The entries a person makes (engine.rules_approval)."""


def notice_of(
    change: Change,
    *,
    owners: tuple[Person, ...] = (),
    decisions: tuple[RulesDecision, ...] = (),
    open: bool | None = None,
) -> RulesChangeNotice:
    """The announcement of `change`, as the notifier tells it."""
    return RulesChangeNotice(
        change_id=change.id,
        source=change.source,
        summary=change.summary,
        changed_customers=change.changed_customers,
        days=change.days,
        since=change.since,
        impact_problem=change.impact_problem,
        needs_approval=change.needs_approval,
        owners=owners,
        decisions=decisions,
        open=change.waiting if open is None else open,
    )


def decisions_on(store: StateStore, change_id: int) -> tuple[RulesDecision, ...]:
    """What people did about the change announced by entry `change_id`, oldest first."""
    found: list[RulesDecision] = []
    for entry in entries(store):
        if entry.n <= change_id:
            break
        if entry.action not in DECISIONS:
            continue
        about = [s.change.id for s in (entry.before, entry.after) if s and s.change]
        if change_id not in about:
            continue
        undid = _entry(store, entry.undoes) if entry.undoes else None
        found.append(
            RulesDecision(
                action=entry.action,
                actor=entry.actor,
                at=entry.at,
                undid=undid.action if undid else "",
            )
        )
    return tuple(reversed(found))


def _entry(store: StateStore, n: int) -> Entry | None:
    stored = store.get_meta(_ENTRY.format(n))
    return Entry.model_validate_json(stored) if stored is not None else None


def encode_text(text_hash: str, text: str) -> str:
    """A doc as the store keeps it: JSON, compressed past COMPRESS_OVER characters."""
    if len(text) <= COMPRESS_OVER:
        return json.dumps({"hash": text_hash, "text": text})
    packed = lzma.compress(text.encode("utf-8", "surrogatepass"), preset=9)
    return json.dumps({"hash": text_hash, "xz": base64.b64encode(packed).decode("ascii")})


def decode_text(stored: str) -> str:
    value = json.loads(stored)
    if "xz" in value:
        return lzma.decompress(base64.b64decode(value["xz"])).decode("utf-8", "surrogatepass")
    return str(value["text"])
