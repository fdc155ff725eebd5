"""`og`: the guide's command line. Exit 0 when the work ran, 1 when it could not, 2 on usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from pydantic import ValidationError

from bot import (
    email_command,
    output,
    rules_approval_command,
    rules_impact_command,
    summary_command,
    tables,
)
from bot.slack.people import SlackPeople
from bot.slack.settings import slack_settings, web_client
from bot.wiring import build_guide, open_rules_source
from engine.actions import (
    ActionOutcome,
    clear_hand_off,
    finish,
    hand_off,
    mark_done,
    pause,
    reenroll,
    resume,
)
from engine.calendar import zone
from engine.digest import build_digest
from engine.guide import Guide
from engine.models import SendKind
from engine.plans import Rules
from engine.ports import RosterError, RulesSourceError, SendError
from engine.preview import PreviewDay, preview
from engine.queries import rule_lines, timeline, view_customer
from engine.rulebook import people_problems
from engine.rules import parse_rules
from engine.rules_log import RULES_ID
from engine.settings import Settings
from engine.tick import tick
from engine.unconfirmed import mark_delivered, send_again, unconfirmed_sends
from engine.undo import undo

TICK_HOUR = time(9, 0)


def parse_now(text: str | None, timezone: str) -> datetime:
    """A bare date means the tick's hour, 09:00, in the team's zone."""
    if text is None:
        return datetime.now(zone(timezone))
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), TICK_HOUR, zone(timezone))
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--now {text!r}: {error}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(timezone))


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    for flag, what in [
        ("--roster", "onboarding list (CSV path)"),
        ("--rules", "rules doc path"),
        ("--state", "state store URL, e.g. sqlite:///og.db"),
        ("--mailer", "outbox:DIR or smtp://host:port"),
        ("--notifier", "where flags go (console)"),
        ("--timezone", "team time zone (IANA)"),
        ("--base-url", "public URL for done links"),
    ]:
        common.add_argument(flag, help=f"{what}; overrides OG_{flag[2:].upper().replace('-', '_')}")
    with_now = argparse.ArgumentParser(add_help=False)
    with_now.add_argument("--now", help="DATE or DATETIME (a date means 09:00 team time)")

    parser = argparse.ArgumentParser(prog="og", description="Onboarding Guide")
    commands = parser.add_subparsers(dest="command", required=True)
    tick = commands.add_parser("tick", parents=[common, with_now], help="run the tick (every hour)")
    tick.add_argument("--dry-run", action="store_true", help="decide, send and write nothing")
    tick.add_argument("--json", action="store_true", help="one JSON object per roster row")
    done = commands.add_parser("done", parents=[common, with_now], help="mark a step done")
    done.add_argument("customer")
    done.add_argument("step")
    done.add_argument("--by", default="cli", help="who marked it (for the record)")
    acting = argparse.ArgumentParser(add_help=False, parents=[common, with_now])
    acting.add_argument("customer")
    acting.add_argument("--by", required=True, help="who acts: recorded in the audit trail")
    commands.add_parser("finish", parents=[acting], help="finish an onboarding by hand")
    pause_ = commands.add_parser("pause", parents=[acting], help="pause the guide")
    pause_.add_argument("--note", default="", help="why, for the weekly digest")
    commands.add_parser("resume", parents=[acting], help="resume a paused customer")
    handoff = commands.add_parser("handoff", parents=[acting], help="hand off to a person")
    handoff.add_argument("to", help="a hand-off owner from the rules doc (name or Slack id)")
    handoff.add_argument("--note", default="")
    commands.add_parser("clear-handoff", parents=[acting], help="give back to the guide")
    reenroll_ = commands.add_parser("reenroll", parents=[acting], help="a new journey")
    reenroll_.add_argument("plan", help="a plan of the rules doc")
    reenroll_.add_argument("--reset", action="store_true", help="restart one in progress")
    undo_ = commands.add_parser("undo", parents=[acting], help="undo the last action")
    undo_.add_argument("--force", action="store_true", help="even if changed since")
    digest = commands.add_parser("digest", parents=[common, with_now], help="the weekly digest")
    digest.add_argument(
        "--post",
        action="store_true",
        help="post it as the Monday job does (to OG_DIGEST_CHANNEL when Slack is set up)",
    )
    summary_command.add_parser(commands, common, with_now)
    unconfirmed = commands.add_parser(
        "unconfirmed",
        parents=[common],
        help="sends that may or may not have gone out; settle one as delivered or to resend",
    )
    settling = unconfirmed.add_subparsers(dest="settle", required=False)
    for name, what in (
        ("delivered", "it reached the customer: count it as sent"),
        ("resend", "it did not: the next tick sends it again, if still due"),
    ):
        settle = settling.add_parser(name, parents=[common, with_now], help=what)
        settle.add_argument("customer")
        settle.add_argument("step", help="the step, or wrap-up")
        settle.add_argument("--kind", choices=[kind.value for kind in SendKind])
        settle.add_argument("--by", required=True, help="who settles it: recorded in the audit")
    audit = commands.add_parser("audit", parents=[common], help="the audit trail, newest first")
    audit.add_argument("customer", help=f"a customer, or {RULES_ID} for the rules doc")
    status = commands.add_parser("status", parents=[common, with_now], help="a journey")
    status.add_argument("customer")
    why = commands.add_parser("why", parents=[common, with_now], help="today's move, and why")
    why.add_argument("customer")
    email_command.add_parser(commands, common, with_now)
    commands.add_parser(
        "inbox",
        parents=[common, with_now],
        help="read the inbox once (OG_INBOX): replies, bounces, out-of-office",
    )
    prev = commands.add_parser("preview", parents=[common, with_now], help="the coming days")
    prev.add_argument("--days", type=int, required=True)
    serve = commands.add_parser(
        "serve", parents=[common], help="done links, Slack, and the hourly tick and weekly digest"
    )
    serve.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on every address")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="take Slack's requests over Socket Mode (SLACK_APP_TOKEN) instead of HTTP",
    )
    rules = commands.add_parser("rules", help="the rules doc")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_commands.add_parser("check", parents=[common], help="check a rules doc")
    check.add_argument(
        "path", nargs="?", help="a file, or gdoc://DOCUMENT_ID; OG_RULES when left out"
    )
    rules_impact_command.add_parser(rules_commands, common, with_now)
    rules_approval_command.add_parser(rules_commands, common, with_now)
    tables.add_parser(commands, common)
    demo = commands.add_parser("demo", help="write an example workspace and run 14 days")
    demo.add_argument("directory", nargs="?", default="og-demo")
    demo.add_argument("--days", type=int, default=14)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        key: value
        for key in ("roster", "rules", "state", "mailer", "notifier", "timezone", "base_url")
        if (value := getattr(args, key, None)) is not None
    }
    return Settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from bot.demo.workspace import run_demo

        try:
            return run_demo(Path(args.directory), days=args.days)
        except FileExistsError as error:
            output.error(f"og demo: {error}; name an empty or new folder")
            return 1
    if os.environ.get("OG_SECRETS_ARN", "").strip():
        # The deployed function's environment on a workstation: its secrets come from AWS.
        from bot.aws_secrets import load_secrets

        try:
            load_secrets()
        except ValueError as error:
            output.error(f"og: {error}")
            return 1
    try:
        settings = settings_from(args)
    except ValidationError as error:
        parser.error(str(error))
    if args.command == "rules" and args.rules_command == "check":
        return rules_check(args.path or settings.rules)
    if args.command == "tables":
        return tables.run(args.tables_command, settings.state)
    if args.command == "serve":
        from bot.serve import serve

        try:
            serve(settings, args.host, args.port, socket_mode=args.socket_mode)
        except ValueError as error:
            output.error(f"og serve: {error}")
            return 1
        return 0
    try:
        now = parse_now(getattr(args, "now", None), settings.timezone)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if args.command == "inbox":
        from bot.inbox import inbox_command  # IMAPClient only when asked for

        return inbox_command(settings, now)
    try:
        guide = build_guide(settings)
    except ValueError as error:
        parser.error(str(error))
    try:
        return _run(args, guide, now, settings.mail_from)
    except RosterError as error:
        output.error(f"the onboarding list cannot be read: {error}")
        return 1


def _said(outcome: ActionOutcome) -> int:
    """The outcome said; an action done whose flags could not be updated still exits 0."""
    (output.say if outcome.ok else output.error)(outcome.message)
    if outcome.warning:
        output.error(f"warning: {outcome.warning}")
    return 0 if outcome.ok else 1


def _run(args: argparse.Namespace, guide: Guide, now: datetime, sender: str) -> int:
    if args.command == "rules" and args.rules_command == "impact":
        return rules_impact_command.run(args, guide, now)
    if args.command == "rules":
        return _said(rules_approval_command.run(args, guide, now))
    if args.command == "tick":
        return tick_command(guide, now, dry_run=args.dry_run, as_json=args.json)
    if args.command in ACTIONS:
        return _said(ACTIONS[args.command](guide, args, now))
    if args.command == "digest":
        if args.post:
            from bot.runtime import digest_poster
            from bot.slack.settings import slack_settings

            try:
                digest_poster(guide, slack_settings())(now)
            except (ValueError, SendError) as error:
                output.error(f"the digest was not posted: {error}")
                return 1
        else:
            output.digest(build_digest(guide, now))
        return 0
    if args.command == "summary":
        return summary_command.run(args, guide, now)
    if args.command == "unconfirmed":
        if args.settle is None:
            output.unconfirmed(unconfirmed_sends(guide))
            return 0
        settle = mark_delivered if args.settle == "delivered" else send_again
        kind = SendKind(args.kind) if args.kind else None
        return _said(settle(guide, args.customer, args.step, kind, args.by, now))
    if args.command == "audit" and args.customer == RULES_ID:
        rules_approval_command.audit(guide)
        return 0
    if args.command == "audit":
        output.audit(guide.store.audit_trail(args.customer))
        return 0
    if args.command == "email":
        return email_command.run(args, guide, now, sender)
    if args.command in ("status", "why"):
        view = view_customer(guide, args.customer, now)
        if isinstance(view, str):
            output.error(view)
            return 1
        if args.command == "status":
            output.status(view, timeline(view))
        else:
            output.why(view, rule_lines(view))
        return 0
    days = preview(guide, now, args.days)
    if days and isinstance(days[0], str):
        for problem in days:
            output.error(str(problem))
        return 1
    output.preview([day for day in days if isinstance(day, PreviewDay)])
    return 0


ACTIONS: dict[str, Callable[[Guide, argparse.Namespace, datetime], ActionOutcome]] = {
    "done": lambda g, a, now: mark_done(g, a.customer, a.step, now, actor=a.by),
    "finish": lambda g, a, now: finish(g, a.customer, a.by, now),
    "pause": lambda g, a, now: pause(g, a.customer, a.note, a.by, now),
    "resume": lambda g, a, now: resume(g, a.customer, a.by, now),
    "handoff": lambda g, a, now: hand_off(g, a.customer, a.to, a.note, a.by, now),
    "clear-handoff": lambda g, a, now: clear_hand_off(g, a.customer, a.by, now),
    "reenroll": lambda g, a, now: reenroll(g, a.customer, a.plan, a.by, now, reset=a.reset),
    "undo": lambda g, a, now: undo(g, a.customer, a.by, now, force=a.force),
}


def tick_command(guide: Guide, now: datetime, *, dry_run: bool, as_json: bool) -> int:
    with output.progress(enabled=not as_json) as advance:
        report = tick(guide, now, dry_run=dry_run, progress=advance)
    output.rules_problems(report)
    output.rules_notes(report)
    output.roster_warnings(report)
    if not report.ran:
        return 1
    if as_json:
        output.json_lines(report)
    else:
        output.summary(report)
    return 0


def rules_check(spec: str) -> int:
    """Check a rules doc where the guide would read it: a file, or a Google Doc."""
    try:
        source = open_rules_source(spec)
        text = source.fetch()
    except (RulesSourceError, ValueError) as error:
        output.error(f"{spec}: {error}")
        return 1
    parsed = parse_rules(text, source.name)
    if not isinstance(parsed, Rules):
        for problem in parsed:
            print(problem.render(source.name))
        return 1
    try:
        unknown = people_check(parsed)
    except ValueError as error:
        output.error(f"og rules check: {error}")
        return 1
    if unknown:
        for line in unknown:
            print(line)
        return 1
    output.plans_table(parsed)
    return 0


def people_check(rules: Rules) -> list[str]:
    """Whether Slack knows the people the doc names by email, asked afresh: each it does not
    know as `PATH:LINE: ...`. Without Slack settings it cannot ask, and says so in a line."""
    emails = {p.email.casefold() for p in rules.people() if p.email and not p.slack_id}
    if not emails:
        return []
    slack = slack_settings()
    if slack is None:
        count = f"{len(emails)} email address" + ("es" if len(emails) > 1 else "")
        output.error(
            f"{rules.source}: the {count} naming owners could not be checked: only Slack "
            "knows them, and SLACK_BOT_TOKEN is not set"
        )
        return []
    people = SlackPeople(web_client(slack), None)
    return people_problems(rules, lambda named: people.unknown(named, fresh=True))


def entry_point() -> None:
    """The console script: like `main`, but quiet when the reader of a pipe goes away."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # `og tick --json | head` is normal use; Python would print a traceback otherwise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    entry_point()
