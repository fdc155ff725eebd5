"""`og summary [--month YYYY-MM] [--post]`: the month in one message. Printed as plain text
(with the summary model's commentary above the figures when OG_SUMMARY_MODEL is set), or with
`--post` posted as the 1st-of-the-month job posts it (to OG_DIGEST_CHANNEL when Slack is set
up, else printed). The month defaults to the last whole one on the team's calendar."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from bot import output
from engine.calendar import local_date
from engine.guide import Guide
from engine.month_report import month_report
from engine.month_summary import month_before, parse_month
from engine.month_text import summary_text
from engine.ports import SendError


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_parser(commands: argparse._SubParsersAction, *parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    summary = commands.add_parser("summary", parents=list(parents), help="the month in one message")
    summary.add_argument(
        "--month", type=_month, metavar="YYYY-MM", help="default: the last whole month"
    )
    summary.add_argument(
        "--post",
        action="store_true",
        help="post it as the monthly job does (to OG_DIGEST_CHANNEL when Slack is set up)",
    )


def run(args: argparse.Namespace, guide: Guide, now: datetime) -> int:
    first = args.month or month_before(local_date(now, guide.config.team_timezone))
    if args.post:
        from bot.runtime import month_poster  # Bolt and the Slack client only when posting
        from bot.slack.settings import slack_settings

        try:
            month_poster(guide, slack_settings())(first)
        except (ValueError, SendError) as error:
            output.error(f"the summary was not posted: {error}")
            return 1
        return 0
    from bot.wiring import open_commentator

    report = month_report(guide, first, open_commentator(guide.config.summary_model))
    output.say(summary_text(report.summary, report.commentary, report.commentary_by))
    return 0 if report.summary.figured else 1
