"""The tick's watch on the rules doc (issue 17): an edit is announced before it is acted on.

When the doc's text differs from the one the last tick read, the tick works out what the edit
changes over the coming days (engine.rules_impact, against the doc in force) and announces it
once, through the notifier, for that text. Without `Rule changes need approval.` in the doc in
force, the edit is in force from this tick, as before. With it, the guide keeps the approved doc
(engine.rulebook) until a person applies the edit (engine.rules_approval); keeping the old rules
dismisses it until the doc changes again. A broken doc is never announced: the guide runs on
the doc it fell back to, as before.

At most once: the announcement is claimed as an entry of engine.rules_log before it is posted,
so of two ticks only one posts it. A post that failed is tried again by the next tick; one that
may have gone out (no answer came) is never posted again.

What it costs: nothing on a tick that finds the doc unchanged (the log's newest entry, one or
two small reads). On an edit, the impact is two simulations of every hour of
`GuideConfig.rules_impact_days` (7) days over an in-memory copy of the list and the state:
about 0.4 s for a handful of customers and 13 s for 1,000, once per edit. It stops after
`rules_impact_seconds` (60 s, or a quarter of what a Lambda run has left) and the edit is then
announced without it. It writes and sends nothing real.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from engine.guide import Guide
from engine.plans import Person, Rules
from engine.ports import OutcomeUnknownError, SendError
from engine.rulebook import RulesOutcome
from engine.rules import parse_rules
from engine.rules_log import Change, Decision, Standing, keep_text, kept_text, notice_of, record
from engine.tick_run import GUIDE_ACTOR

MAX_SUMMARY_LINES = 30


def watch_rules(
    guide: Guide,
    outcome: RulesOutcome,
    now: datetime,
    seconds_left: Callable[[], float] | None = None,
) -> list[str]:
    """Record the doc as this tick read it, and announce an edit once. Returns what went
    wrong, for the tick's report (the tick goes on either way)."""
    if outcome.rules is None or outcome.fallback:
        return []  # a broken doc: nothing new to watch
    current = outcome.waiting or outcome.rules
    found, kept = outcome.standing, current.text_hash if outcome.kept else ""
    if found is not None and not _news(found, current, kept):
        return []  # the usual tick: the doc as the last tick read it, nothing owed
    impact = _Impact(guide, current, now, seconds_left)

    def decide(before: Standing | None, n: int) -> Decision | None:
        return _next(before, current, n, now, impact, kept)

    try:
        keep_text(guide.store, current)  # before any entry names it
        entry = record(guide.store, decide, actor=GUIDE_ACTOR, at=now)
    except Exception as error:  # a store that refuses: the tick goes on with the doc it read
        return [f"{current.source}: the guide could not record this doc as read: {error}"]
    if isinstance(entry, str):
        return [f"{current.source}: {entry}"]
    if entry is None or entry.action != "announced" or entry.after.change is None:
        return []
    return _announce(guide, entry.after.change, outcome.rules, now)


def _news(found: Standing, current: Rules, kept: str) -> bool:
    """Whether this tick has anything to record: a text it did not read last, an
    announcement owed, or a copy to fall back on newly kept."""
    if found.seen != current.text_hash or _due(found, current):
        return True
    return bool(kept) and found.last_good != kept


def _due(found: Standing | None, current: Rules) -> bool:
    """Whether the doc as it reads now is to be announced (or announced again)."""
    if found is None:
        return False
    seen = _seen(found, current)
    if seen.change is not None and seen.change.edition == seen.edition:
        return _post_again(seen.change)
    return current.text_hash != seen.in_force


def _post_again(change: Change) -> bool:
    """An announcement whose post failed, unless a person decided without it (on the command
    line): that is told by what they ran."""
    return change.post == "failed" and change.settled in ("", "in_force")


def _seen(before: Standing, current: Rules) -> Standing:
    if current.text_hash == before.seen:
        return before
    return before.model_copy(update={"seen": current.text_hash, "edition": before.edition + 1})


def _next(
    before: Standing | None, current: Rules, n: int, now: datetime, impact: _Impact, kept: str
) -> Decision | None:
    """The entry this tick writes as entry `n`, on top of the standing `before`; `kept`: the
    hash of the doc now kept to fall back on, when the tick's read kept it."""
    doc = current.text_hash
    if before is None:
        first = Standing(
            in_force=doc, approval=current.changes_need_approval, seen=doc, last_good=kept
        )
        return Decision("first", first)
    seen = _seen(before, current)
    if kept:
        seen = seen.model_copy(update={"last_good": kept})
    change = seen.change
    if change is not None and change.edition == seen.edition:
        if not _post_again(change):
            return _bookkeeping(before, seen)
        again = change.model_copy(update={"id": n, "post": "posting", "reference": ""})
        return Decision("announced", seen.model_copy(update={"change": again}), "tried again")
    if doc == seen.in_force:
        return _bookkeeping(before, seen)
    new = impact.change(n, seen)
    if seen.approval:
        return Decision("announced", seen.model_copy(update={"change": new}))
    in_force = new.model_copy(
        update={"settled": "in_force", "settled_by": GUIDE_ACTOR, "settled_at": now}
    )
    after = seen.model_copy(
        update={"in_force": doc, "approval": current.changes_need_approval, "change": in_force}
    )
    return Decision("announced", after)


def _bookkeeping(before: Standing, seen: Standing) -> Decision | None:
    """No edit to announce: a new text seen (back to the doc in force), or the copy to fall
    back on now the doc in force (after an Apply, say); or nothing new at all."""
    if seen == before:
        return None
    return Decision("seen" if seen.edition != before.edition else "copy_kept", seen)


class _Impact:
    """What the edit changes, worked out once however many times `record` asks."""

    def __init__(
        self,
        guide: Guide,
        current: Rules,
        now: datetime,
        seconds_left: Callable[[], float] | None,
    ) -> None:
        self.guide, self.current, self.now, self.seconds_left = guide, current, now, seconds_left
        self._found: dict[str, tuple[tuple[str, ...], int, str]] = {}

    def change(self, n: int, seen: Standing) -> Change:
        if seen.in_force not in self._found:
            self._found[seen.in_force] = self._work_out(seen.in_force)
        summary, changed, problem = self._found[seen.in_force]
        return Change(
            id=n,
            doc=self.current.text_hash,
            replaces=seen.in_force,
            source=self.current.source,
            summary=summary,
            changed_customers=changed,
            days=self.guide.config.rules_impact_days,
            since=self.now.date(),
            impact_problem=problem,
            at=self.now,
            edition=seen.edition,
            needs_approval=seen.approval,
        )

    def _work_out(self, in_force: str) -> tuple[tuple[str, ...], int, str]:
        from engine.preview import PreviewStopped  # the preview runs ticks: not at import
        from engine.rules_impact import rules_impact

        days = self.guide.config.rules_impact_days
        if days <= 0:
            return (), 0, "turned off (rules_impact_days is 0)"
        text = kept_text(self.guide.store, in_force)
        old = parse_rules(text, self.current.source) if text is not None else None
        if not isinstance(old, Rules):
            return (), 0, "the doc in force could not be read back from the state"
        budget = self.guide.config.rules_impact_seconds
        if self.seconds_left is not None:
            budget = min(budget, self.seconds_left() / 4)
        deadline = time.monotonic() + budget
        try:
            found = rules_impact(
                self.guide,
                self.current.text,
                self.current.source,
                self.now,
                days,
                old=old,
                stop=lambda: time.monotonic() > deadline,
            )
        except PreviewStopped:
            return (), 0, f"it took longer than {budget:.0f} s; run og rules impact to see it"
        except Exception as error:  # the list unreadable, say: the edit is announced all the same
            return (), 0, f"{type(error).__name__}: {error}"
        if isinstance(found, list):  # only when the new doc is broken, which it is not
            return (), 0, "; ".join(found)
        lines = found.summary
        if len(lines) > MAX_SUMMARY_LINES:
            more = len(lines) - MAX_SUMMARY_LINES + 1
            lines = (*lines[: MAX_SUMMARY_LINES - 1], f"and {more} more kinds of change")
        return tuple(lines), len(found.changed), ""


def _announce(guide: Guide, change: Change, in_force: Rules, now: datetime) -> list[str]:
    """Post the announcement the entry claimed, then record how that went."""
    notice = notice_of(change, owners=_owners(in_force))
    failures: list[str] = []
    try:
        reference, post = guide.notifier.rules_changed(notice), "posted"
    except OutcomeUnknownError as error:
        reference, post = "", "unknown"
        failures.append(f"the announcement of the rules edit may or may not have gone: {error}")
    except SendError as error:
        reference, post = "", "failed"
        failures.append(f"the rules edit could not be announced (the next tick tries): {error}")

    def posted(before: Standing | None, n: int) -> Decision | None:
        if before is None or before.change is None or before.change.id != change.id:
            return None  # someone else's entry came first and replaced it: nothing to say
        told = before.change.model_copy(update={"post": post, "reference": reference})
        action = "posted" if post == "posted" else f"post_{post}"
        return Decision(action, before.model_copy(update={"change": told}))

    written = record(guide.store, posted, actor=GUIDE_ACTOR, at=now)
    if isinstance(written, str):
        failures.append(f"where the rules edit was announced was not recorded: {written}")
    return failures


def _owners(rules: Rules) -> tuple[Person, ...]:
    """The plan owners of the doc in force, each once: told directly without a flag channel."""
    return tuple({plan.owner.key: plan.owner for plan in rules.plans.values()}.values())


def waiting_note(outcome: RulesOutcome) -> list[str]:
    """What the tick's report says while an edit is not in force for want of approval."""
    if outcome.waiting is None:
        return []
    source = outcome.waiting.source
    change = outcome.standing.change if outcome.standing is not None else None
    if change is not None and change.settled == "kept" and change.doc == outcome.waiting.text_hash:
        return [
            f"{source}: this edit was dismissed by {change.settled_by} (the old rules kept); "
            "the guide runs on the approved doc until the doc changes again"
        ]
    return [
        f"{source}: this edit waits for approval; the guide runs on the approved doc until "
        "someone applies it (Apply on its announcement, or og rules apply --by NAME)"
    ]
