"""What people do about an announced edit of the rules doc (issue 17): Apply it, keep the old
rules, or undo either. Slack's buttons and `og rules apply|keep`, `og undo _rules` call these.

Each is one entry of engine.rules_log (who, when, the standing before and after), which is the
audit of the rules doc: `og audit _rules` lists it. Apply puts the doc that was announced in
force (its text as it was announced, kept in state, not the doc as it reads now); keeping the
old rules dismisses the edit until the doc changes again. An undo of either gives back the
standing before it: the doc approved before, and the edit waiting again (when the doc still
reads so; otherwise the next tick announces the doc as it reads now). Who may do it is the
caller's to ask (engine.permissions): anyone who may act, and only admins undo.
"""

from __future__ import annotations

from datetime import datetime

from engine.actions import ActionOutcome, refuse, unchanged
from engine.guide import Guide
from engine.plans import Rules
from engine.ports import SendError
from engine.rules import parse_rules
from engine.rules_log import (
    DECISIONS,
    RULES_ID,
    Change,
    Decision,
    Entry,
    Standing,
    decisions_on,
    entries,
    kept_text,
    notice_of,
    record,
)

NOTHING_WAITS = "No edit of the rules doc waits for approval; nothing was changed."
_DONE = {"applied": "applied", "kept": "dismissed (the old rules kept)"}
_CLICKED = {"applied": "the Apply", "kept": "the Keep the old rules"}


def apply_rules(guide: Guide, change_id: int | None, actor: str, now: datetime) -> ActionOutcome:
    """Put the edit announced as `change_id` in force (the one waiting, when None)."""
    return _settle(guide, change_id, actor, now, "applied")


def keep_old_rules(guide: Guide, change_id: int | None, actor: str, now: datetime) -> ActionOutcome:
    """Dismiss the edit announced as `change_id` until the doc changes again."""
    return _settle(guide, change_id, actor, now, "kept")


def _settle(
    guide: Guide, change_id: int | None, actor: str, now: datetime, action: str
) -> ActionOutcome:
    said: list[ActionOutcome] = []

    def decide(before: Standing | None, n: int) -> Decision | str:
        pending = before.pending() if before is not None else None
        if before is None or pending is None or change_id not in (None, pending.id):
            said[:] = [_why_not(before, change_id, action)]
            return said[0].message
        after = _settled(guide, before, pending, action, actor, now)
        if isinstance(after, str):
            said[:] = [refuse(after)]
            return after
        return Decision(action, after)

    entry = record(guide.store, decide, actor=actor, at=now)
    if not isinstance(entry, Entry):
        return said[0] if said else refuse(str(entry))
    change = entry.after.change
    assert change is not None
    message = f"the edit of {change.source} (change {change.id}) is {_DONE[action]}" + (
        "; the next tick runs on it" if action == "applied" else ""
    )
    return _told(guide, change, message)


def _settled(
    guide: Guide, before: Standing, pending: Change, action: str, actor: str, now: datetime
) -> Standing | str:
    settled = pending.model_copy(update={"settled": action, "settled_by": actor, "settled_at": now})
    if action != "applied":
        return before.model_copy(update={"change": settled})
    text = kept_text(guide.store, pending.doc)
    rules = parse_rules(text, pending.source) if text is not None else None
    if not isinstance(rules, Rules):
        return "the announced doc could not be read back from the state; nothing was changed"
    return before.model_copy(
        update={
            "in_force": pending.doc,
            "approval": rules.changes_need_approval,
            "change": settled,
        }
    )


def _why_not(before: Standing | None, change_id: int | None, action: str) -> ActionOutcome:
    change = before.change if before is not None else None
    if change is None or (change_id is None and not change.waiting):
        return refuse(NOTHING_WAITS)
    if change.id == change_id and change.settled in _DONE:
        when = f"{change.settled_at:%Y-%m-%d %H:%M} UTC" if change.settled_at else "earlier"
        said = (
            f"This edit of {change.source} was already {_DONE[change.settled]} by "
            f"{change.settled_by} at {when}; nothing was changed."
        )
        if change.settled == action:
            return unchanged(said)
        return refuse(f"{said} An admin can undo that first: og undo {RULES_ID}.")
    return refuse(
        f"This edit of {change.source} no longer waits: the doc changed since it was "
        "announced, and the tick announces the doc as it reads now; nothing was changed."
    )


def undo_rules(guide: Guide, actor: str, now: datetime) -> ActionOutcome:
    """Undo the newest Apply or Keep the old rules not undone yet: the standing before it."""
    target = _undoable(guide)
    if target is None or target.before is None:
        return unchanged("nothing to undo for the rules doc")
    earlier = target.before
    what = (
        f"{_CLICKED.get(target.action, target.action)} by {target.actor} "
        f"at {target.at:%Y-%m-%d %H:%M} UTC"
    )

    def decide(before: Standing | None, n: int) -> Decision | None:
        if before is None:
            return None
        after = before.model_copy(
            update={
                "in_force": earlier.in_force,
                "approval": earlier.approval,
                "change": earlier.change,
            }
        )
        return Decision("undo", after, note=f"undid {what}", undoes=target.n)

    entry = record(guide.store, decide, actor=actor, at=now)
    if not isinstance(entry, Entry):
        return refuse(str(entry or "nothing to undo for the rules doc"))
    change = target.after.change
    assert change is not None
    waits = entry.after.pending() is not None
    message = f"undid {what} of the edit of {change.source} (change {change.id}): " + (
        "the doc approved before it is in force again, and the edit waits for Apply"
        if waits
        else "the doc approved before it is in force again; the doc changed since, and the "
        "next tick announces it as it reads now"
    )
    return _told(guide, change, message, open=waits)


def _undoable(guide: Guide) -> Entry | None:
    undone: set[int] = set()
    for entry in entries(guide.store):
        if entry.undoes is not None:
            undone.add(entry.undoes)
        elif entry.action in DECISIONS and entry.n not in undone:
            return entry
    return None


def _told(guide: Guide, change: Change, message: str, *, open: bool = False) -> ActionOutcome:
    """The announcement rewritten to say what was done; a warning when it could not be."""
    warning = ""
    if change.reference:
        notice = notice_of(change, decisions=decisions_on(guide.store, change.id), open=open)
        try:
            guide.notifier.rules_settled(change.reference, notice)
        except SendError as error:
            warning = f"the announcement was not updated: {error}"
    return ActionOutcome(ok=True, changed=True, message=message, warning=warning)
