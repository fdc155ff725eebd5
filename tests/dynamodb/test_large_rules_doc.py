"""A rules doc near the 1 MB limit on DynamoDB, whose items hold at most 400 KB: its copy to
fall back on is kept compressed, and one the store still refuses is reported, never a crash."""

from __future__ import annotations

import random
import string

from workspace import RULES

from engine.adapters.dynamodb_store import DynamoDbStore
from engine.adapters.memory import StaticRulesSource
from engine.plans import Rules
from engine.rulebook import LAST_GOOD_KEY, load_rules


def near_the_limit(commentary: str) -> str:
    """The test doc with commentary before its messages, 990 kB in all."""
    head, tail = RULES.split("## Messages")
    lines = (990_000 - len(RULES.encode())) // 82  # 80 letters, a period, a line end
    doc = head + "".join(commentary[i * 80 : (i + 1) * 80] + ".\n" for i in range(lines))
    doc += "\n## Messages" + tail
    assert 980_000 < len(doc.encode()) <= 1_000_000
    return doc


def test_a_prose_doc_near_1_mb_is_kept_and_fallen_back_on(
    dynamodb_local_store: DynamoDbStore,
) -> None:
    prose = "We onboard people gently and answer every question the same day. " * 20_000
    doc = near_the_limit(prose)
    good = load_rules(StaticRulesSource(doc, "rules.md"), dynamodb_local_store)
    assert isinstance(good.rules, Rules) and good.problems == []
    stored = dynamodb_local_store.get_meta(LAST_GOOD_KEY)
    assert stored is not None and len(stored) < 400_000 < len(doc)

    broken = load_rules(
        StaticRulesSource("Flag never.\n\n" + doc, "rules.md"), dynamodb_local_store
    )
    assert broken.fallback and broken.rules is not None
    assert broken.rules.text == doc


def test_a_copy_the_store_cannot_hold_is_reported_and_the_doc_still_runs(
    dynamodb_local_store: DynamoDbStore,
) -> None:
    noise = random.Random(7)
    doc = near_the_limit("".join(noise.choices(string.ascii_letters + string.digits, k=995_000)))
    outcome = load_rules(StaticRulesSource(doc, "rules.md"), dynamodb_local_store)
    assert isinstance(outcome.rules, Rules)
    (problem,) = outcome.problems
    assert problem.startswith("rules.md: this doc is in force, but the guide could not keep")
    assert not outcome.fallback
    assert dynamodb_local_store.get_meta(LAST_GOOD_KEY) is None
