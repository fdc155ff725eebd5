"""What the entry points share: the Slack side of a guide, when Slack is configured.

`og serve`, `og digest` and the Lambda handler all build the guide from settings; this module
adds the Bolt app and the digest poster on top. Without `SLACK_BOT_TOKEN` there is no app and
the digest goes to the console, as the flags do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime

from slack_bolt import App

from bot import output
from bot.app import create_app
from bot.slack.context import SlackContext
from bot.slack.digest import post_digest
from bot.slack.settings import SlackSettings, web_client
from engine.digest import build_digest
from engine.guide import Guide

_log = logging.getLogger("og.digest")


def slack_app(
    guide: Guide,
    slack: SlackSettings,
    *,
    listener_executor: Executor | None = None,
    socket_mode: bool = False,
) -> App:
    context = SlackContext(guide=guide, settings=slack)
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
