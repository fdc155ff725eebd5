"""Which rules the guide runs on: the current doc when it parses, else the last doc that did;
and with `Rule changes need approval.` in the doc in force, the approved doc until someone
applies the edit (engine.rules_log keeps which doc that is, engine.rules_watch announces edits).

A rep edits the doc live, so a typo must never stop the guide: the last good text is kept in
state (text and hash), and a broken doc is reported loudly while the guide runs on that (on the
approved doc, when changes need approval).

The hash has a key of its own, so a tick reads a few bytes to learn the doc is unchanged, not
the whole copy. A large copy is kept compressed (engine.rules_log.encode_text). A copy the
store still refuses is reported, and the guide runs on the doc in force.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from engine.plans import Person, Rules, RulesError
from engine.ports import RulesSource, RulesSourceError, StateStore
from engine.rules import parse_rules
from engine.rules_log import Standing, decode_text, encode_text, kept_text, standing

LAST_GOOD_KEY = "rules.last_good"
LAST_GOOD_HASH_KEY = "rules.last_good.hash"

UnknownPeople = Callable[[Sequence[Person]], list[tuple[Person, str]]]
"""`Notifier.unknown_people`."""


class RulesOutcome(BaseModel):
    rules: Rules | None
    problems: list[str] = []
    """Every error of the current doc as `PATH:LINE: message`, or why it could not be read."""
    fallback: bool = False
    """True when running on the last good doc because the current one is broken."""
    waiting: Rules | None = None
    """The doc as it reads now, when it is not the approved doc in force and waits for Apply."""
    standing: Standing | None = None
    """Which doc is in force, as engine.rules_log last recorded it (None before any tick)."""
    kept: bool = False
    """True when `rules` is the last good copy kept in state (asked only with `remember`)."""


def load_rules(source: RulesSource, store: StateStore, *, remember: bool = True) -> RulesOutcome:
    problems: list[str]
    now = standing(store)
    try:
        text = source.fetch()
    except RulesSourceError as error:
        problems = [f"{source.name}: could not read the rules doc: {error}"]
    else:
        parsed = parse_rules(text, source.name)
        if isinstance(parsed, Rules):
            if now is not None and now.approval and parsed.text_hash != now.in_force:
                return _approved(store, source.name, now, waiting=parsed)
            if not remember:
                return RulesOutcome(rules=parsed, standing=now)
            known = now is not None and now.last_good == parsed.text_hash
            kept = None if known else _remember(store, parsed)
            return RulesOutcome(
                rules=parsed, problems=[kept] if kept else [], standing=now, kept=kept is None
            )
        problems = [error.render(source.name) for error in parsed]

    if now is not None and now.approval:
        found = _approved(store, source.name, now)
        return found.model_copy(update={"problems": problems + found.problems, "fallback": True})
    last_good = store.get_meta(LAST_GOOD_KEY)
    if last_good is None:
        return RulesOutcome(rules=None, problems=problems)
    previous = parse_rules(decode_text(last_good), f"{source.name} (last good)")
    if not isinstance(previous, Rules):
        # Only parsed docs are remembered; this happens only when the grammar itself changed.
        problems += [e.render(f"{source.name} (last good)") for e in previous]
        return RulesOutcome(rules=None, problems=problems)
    return RulesOutcome(rules=previous, problems=problems, fallback=True)


def _approved(
    store: StateStore, name: str, now: Standing, *, waiting: Rules | None = None
) -> RulesOutcome:
    """The approved doc in force, kept in state by the log (engine.rules_log)."""
    text = kept_text(store, now.in_force)
    approved = parse_rules(text, f"{name} (approved)") if text is not None else None
    if not isinstance(approved, Rules):
        # Only parsed docs are kept; this happens only when the grammar itself changed.
        problem = f"{name}: the approved rules doc could not be read back from the state"
        if waiting is not None:
            return RulesOutcome(rules=waiting, problems=[problem], standing=now)
        return RulesOutcome(rules=None, problems=[problem], standing=now)
    return RulesOutcome(rules=approved, waiting=waiting, standing=now)


def people_problems(rules: Rules, unknown_people: UnknownPeople) -> list[str]:
    """The doc's owners and hand-off owners that `unknown_people` (a notifier's) says cannot
    be reached (an email Slack knows no member for), as `PATH:LINE: why`, at every line that
    names them."""
    named = list({(person.line, person.key): person for person in rules.people()}.values())
    try:
        unknown = unknown_people(named)
    except Exception as error:  # the port says never; a tick must not stop over a check
        return [f"{rules.source}: could not check the doc's owners: {error}"]
    errors = sorted(
        (RulesError(line=person.line, message=why) for person, why in unknown),
        key=lambda error: error.line,
    )
    return [error.render(rules.source) for error in errors]


def _remember(store: StateStore, rules: Rules) -> str | None:
    """Keep `rules` as the last good doc; a problem to report when the store refuses it."""
    if store.get_meta(LAST_GOOD_HASH_KEY) == rules.text_hash:
        return None
    try:
        store.put_meta(LAST_GOOD_KEY, encode_text(rules.text_hash, rules.text))
        store.put_meta(LAST_GOOD_HASH_KEY, rules.text_hash)
    except Exception as error:  # the doc is good: the tick goes on with it
        return (
            f"{rules.source}: this doc is in force, but the guide could not keep a copy of it "
            f"to fall back on if a later edit breaks it ({type(error).__name__}: {error})"
        )
    return None
