"""What the entry points share: the Slack side of a guide, when Slack is configured.

`og serve`, `og digest`, `og summary` and the Lambda handler all build the guide from settings;
this module adds the Bolt app and the digest's and the month's posters on top. Without
`SLACK_BOT_TOKEN` there is no app and the digest and the month go to the console, as the flags
do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date, datetime

from slack_bolt import App

from bot import output
from bot.app import create_app
from bot.slack.context import SlackContext
from bot.slack.digest import post_digest
from bot.slack.month import post_month
from bot.slack.settings import SlackSettings, web_client
from bot.wiring import open_commentator, open_note_drafter
from engine.calendar import local_date
from engine.digest import build_digest
from engine.guide import Guide
from engine.month_report import month_report
from engine.month_summary import month_before
from engine.month_text import summary_text

_log = logging.getLogger("og.digest")


def slack_app(
    guide: Guide,
    slack: SlackSettings,
    *,
    listener_executor: Executor | None = None,
    socket_mode: bool = False,
) -> App:
    drafter = open_note_drafter(guide.config.summary_model)
    context = SlackContext(guide=guide, settings=slack, drafter=drafter)
    return create_app(context, listener_executor=listener_executor, socket_mode=socket_mode)


def digest_poster(guide: Guide, slack: SlackSettings | None) -> Callable[[datetime], None]:
    """Posts the digest for `now`: to OG_DIGEST_CHANNEL in Slack when there is one, otherwise
    to the console. A Slack failure raises SendError, so a scheduled run counts as failed."""

    def post(now: datetime) -> None:
        digest = build_digest(guide, now)
        if slack is None or slack.digest_channel is None:
            output.digest(digest)
            return
        posted = post_digest(web_client(slack), slack.digest_channel, digest)
        _log.info("digest for %s posted in %d messages", digest.today, len(posted))

    return post


def month_poster(guide: Guide, slack: SlackSettings | None) -> Callable[[date], None]:
    """Posts the summary of the month that starts on the day given: to OG_DIGEST_CHANNEL in
    Slack when there is one, otherwise to the console; with the commentary of the guide's
    summary model when it has one and it answers. A Slack failure raises SendError, so a
    scheduled run counts as failed."""
    commentator = open_commentator(guide.config.summary_model)

    def post(first: date) -> None:
        report = month_report(guide, first, commentator)
        if slack is None or slack.digest_channel is None:
            output.say(summary_text(report.summary, report.commentary, report.commentary_by))
            return
        posted = post_month(web_client(slack), slack.digest_channel, report)
        _log.info("the summary of %s posted as %s", f"{first:%Y-%m}", posted)

    return post


def summary_poster(guide: Guide, slack: SlackSettings | None) -> Callable[[datetime], None]:
    """The scheduled month's poster: run at `now`, it posts the month before now's, on the
    team's calendar (a late retry on the 2nd still posts the month it was meant for only when
    given the scheduled time, which `bot.scheduled` gives it)."""
    post = month_poster(guide, slack)
    return lambda now: post(month_before(local_date(now, guide.config.team_timezone)))
