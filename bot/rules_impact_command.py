"""`og rules impact NEW_DOC [--days 14] [--json]`: what an edit of the rules doc would change
for the customers already in a journey, before it lands (engine.rules_impact)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from bot import output
from engine.guide import Guide
from engine.ports import RulesSourceError
from engine.rules_impact import CustomerImpact, PlannedMove, rules_impact

DEFAULT_DAYS = 14


def add_parser(
    rules_commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    *parents: argparse.ArgumentParser,
) -> None:
    impact = rules_commands.add_parser(
        "impact",
        parents=list(parents),
        help="what an edited rules doc would change for the customers on the list",
    )
    impact.add_argument("new_doc", help="the edited doc: a file, or gdoc://DOCUMENT_ID")
    impact.add_argument("--days", type=int, default=DEFAULT_DAYS, help="how far to look ahead")
    impact.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace, guide: Guide, now: datetime) -> int:
    from bot.wiring import open_rules_source  # wiring imports the adapters; only when asked

    if not 1 <= args.days <= 60:
        output.error("og rules impact: --days is from 1 to 60")
        return 2
    try:
        source = open_rules_source(args.new_doc)
        text = source.fetch()
    except (RulesSourceError, ValueError, OSError) as error:
        output.error(f"{args.new_doc}: {error}")
        return 1
    found = rules_impact(guide, text, source.name, now, args.days)
    if isinstance(found, list):
        for problem in found:
            print(problem)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "from": now.isoformat(),
                    "days": args.days,
                    "summary": list(found.summary),
                    "customers": [_customer_json(c) for c in found.changed],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"{source.name} against the live rules, {args.days} days from {now:%a %d %b %Y}:")
    if not found.summary:
        print("  no customer's moves change")
        return 0
    for line in found.summary:
        print(f"  - {line}")
    print()
    for customer in found.changed:
        print(_customer_line(customer))
    return 0


def _customer_line(customer: CustomerImpact) -> str:
    before = {m.key: m for m in customer.before}
    after = {m.key: m for m in customer.after}
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: _first(before, after, k)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        what = f"{key[0]} {key[1]}".strip()
        changes.append(f"{what} {_day(old)} → {_day(new)}")
    return f"{customer.customer_id} ({customer.plan or '-'}): " + "; ".join(changes)


def _first(
    before: dict[tuple[str, str], PlannedMove],
    after: dict[tuple[str, str], PlannedMove],
    key: tuple[str, str],
) -> PlannedMove:
    return min(m for m in (before.get(key), after.get(key)) if m is not None)


def _day(move: PlannedMove | None) -> str:
    return f"{move.day:%a %d %b}" if move else "—"


def _customer_json(customer: CustomerImpact) -> dict[str, object]:
    def moves(found: tuple[PlannedMove, ...]) -> list[dict[str, str]]:
        return [{"day": m.day.isoformat(), "kind": m.kind, "step": m.step} for m in found]

    return {
        "customer_id": customer.customer_id,
        "plan": customer.plan,
        "before": moves(customer.before),
        "after": moves(customer.after),
    }
