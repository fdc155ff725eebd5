"""`og rules apply|keep [--change N] --by NAME`: what a Slack announcement's Apply and Keep the
old rules buttons do, for a team without Slack (engine.rules_approval); and `og audit _rules`,
the rules doc's decisions (engine.rules_log)."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot import output
from engine.actions import ActionOutcome
from engine.guide import Guide
from engine.rules_approval import apply_rules, keep_old_rules
from engine.rules_log import entries


def add_parser(
    rules_commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    *parents: argparse.ArgumentParser,
) -> None:
    for name, what in (
        ("apply", "put the announced edit of the rules doc in force"),
        ("keep", "keep the old rules: dismiss the announced edit until the doc changes again"),
    ):
        settle = rules_commands.add_parser(name, parents=list(parents), help=what)
        settle.add_argument(
            "--change", type=int, help="the change number its announcement shows (the one waiting)"
        )
        settle.add_argument("--by", required=True, help="who decides: recorded in the audit")


def run(args: argparse.Namespace, guide: Guide, now: datetime) -> ActionOutcome:
    settle = apply_rules if args.rules_command == "apply" else keep_old_rules
    return settle(guide, args.change, args.by, now)


def audit(guide: Guide) -> None:
    output.rules_audit(list(entries(guide.store)))
