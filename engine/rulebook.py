"""Which rules the tick runs on: the current doc when it parses, else the last doc that did.

A rep edits the doc live, so a typo must never stop the guide: the last good text is kept in
state (text and hash), and a broken doc is reported loudly while the guide runs on that.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from engine.models import Rules
from engine.ports import RulesSource, RulesSourceError, StateStore
from engine.rules import parse_rules

LAST_GOOD_KEY = "rules.last_good"


class RulesOutcome(BaseModel):
    rules: Rules | None
    problems: list[str] = []
    """Every error of the current doc as `PATH:LINE: message`, or why it could not be read."""
    fallback: bool = False
    """True when running on the last good doc because the current one is broken."""


def load_rules(source: RulesSource, store: StateStore, *, remember: bool = True) -> RulesOutcome:
    problems: list[str]
    try:
        text = source.fetch()
    except RulesSourceError as error:
        problems = [f"{source.name}: could not read the rules doc: {error}"]
    else:
        parsed = parse_rules(text, source.name)
        if isinstance(parsed, Rules):
            if remember:
                _remember(store, parsed)
            return RulesOutcome(rules=parsed)
        problems = [error.render(source.name) for error in parsed]

    last_good = store.get_meta(LAST_GOOD_KEY)
    if last_good is None:
        return RulesOutcome(rules=None, problems=problems)
    previous = parse_rules(json.loads(last_good)["text"], f"{source.name} (last good)")
    if not isinstance(previous, Rules):
        # Only parsed docs are remembered; this happens only when the grammar itself changed.
        problems += [e.render(f"{source.name} (last good)") for e in previous]
        return RulesOutcome(rules=None, problems=problems)
    return RulesOutcome(rules=previous, problems=problems, fallback=True)


def _remember(store: StateStore, rules: Rules) -> None:
    stored = store.get_meta(LAST_GOOD_KEY)
    if stored is not None and json.loads(stored).get("hash") == rules.text_hash:
        return
    store.put_meta(LAST_GOOD_KEY, json.dumps({"hash": rules.text_hash, "text": rules.text}))
