"""Which rules the tick runs on: the current doc when it parses, else the last doc that did.

A rep edits the doc live, so a typo must never stop the guide: the last good text is kept in
state (text and hash), and a broken doc is reported loudly while the guide runs on that.

The hash has a key of its own, so a tick reads a few bytes to learn the doc is unchanged, not
the whole copy. A large copy is kept compressed: a doc may be 1 MB and a DynamoDB item at
most 400 KB, which prose compressed fits easily. A copy the store still refuses is reported,
and the guide runs on the doc in force.
"""

from __future__ import annotations

import base64
import json
import lzma
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from engine.plans import Person, Rules, RulesError
from engine.ports import RulesSource, RulesSourceError, StateStore
from engine.rules import parse_rules

LAST_GOOD_KEY = "rules.last_good"
LAST_GOOD_HASH_KEY = "rules.last_good.hash"
COMPRESS_OVER = 64 * 1024
"""Characters past which the kept copy is compressed."""

UnknownPeople = Callable[[Sequence[Person]], list[tuple[Person, str]]]
"""`Notifier.unknown_people`."""


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
            kept = _remember(store, parsed) if remember else None
            return RulesOutcome(rules=parsed, problems=[kept] if kept else [])
        problems = [error.render(source.name) for error in parsed]

    last_good = store.get_meta(LAST_GOOD_KEY)
    if last_good is None:
        return RulesOutcome(rules=None, problems=problems)
    previous = parse_rules(_decode(last_good), f"{source.name} (last good)")
    if not isinstance(previous, Rules):
        # Only parsed docs are remembered; this happens only when the grammar itself changed.
        problems += [e.render(f"{source.name} (last good)") for e in previous]
        return RulesOutcome(rules=None, problems=problems)
    return RulesOutcome(rules=previous, problems=problems, fallback=True)


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
        store.put_meta(LAST_GOOD_KEY, _encode(rules))
        store.put_meta(LAST_GOOD_HASH_KEY, rules.text_hash)
    except Exception as error:  # the doc is good: the tick goes on with it
        return (
            f"{rules.source}: this doc is in force, but the guide could not keep a copy of it "
            f"to fall back on if a later edit breaks it ({type(error).__name__}: {error})"
        )
    return None


def _encode(rules: Rules) -> str:
    if len(rules.text) <= COMPRESS_OVER:
        return json.dumps({"hash": rules.text_hash, "text": rules.text})
    packed = lzma.compress(rules.text.encode("utf-8", "surrogatepass"), preset=9)
    return json.dumps({"hash": rules.text_hash, "xz": base64.b64encode(packed).decode("ascii")})


def _decode(stored: str) -> str:
    value = json.loads(stored)
    if "xz" in value:
        return lzma.decompress(base64.b64decode(value["xz"])).decode("utf-8", "surrogatepass")
    return str(value["text"])
