"""A flag Slack took but never confirmed (the connection closed before the reply): the tick
keeps it as unconfirmed and never posts it again, so the owner is not flagged twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fake_slack import FakeSlack
from workspace import Workspace, nine_am, row

from bot.slack.notifier import SlackNotifier
from bot.slack.settings import SlackSettings, web_client
from engine.models import SendKind, SendStatus
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
CHANNEL = "C0FLAGS"


def test_a_flag_with_no_answer_is_kept_unconfirmed_and_posted_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    settings = SlackSettings(bot_token=fake_slack.token, api_url=fake_slack.url)
    guide.notifier = SlackNotifier(web_client(settings), CHANNEL)
    for day in range(7):  # C1 never acts: welcome's flag is due on Saturday, day 5
        tick(guide, DAY0 + timedelta(days=day))
    assert fake_slack.posted() == []
    fake_slack.hang_up("chat.postMessage")

    flagging = tick(guide, DAY0 + timedelta(days=7))  # Monday: the team's day

    assert [r.move for r in flagging.results] == ["flag"]
    assert len(flagging.failures) == 1 and "may have posted the flag" in flagging.failures[0]
    (flag,) = [s for s in guide.store.load().sends["C1"] if s.kind == SendKind.FLAG]
    assert flag.status == SendStatus.UNCONFIRMED
    for day in (8, 9):
        tick(guide, DAY0 + timedelta(days=day))
    posted = [p["text"] for p in fake_slack.posted()]
    assert len([text for text in posted if "is stuck on welcome" in text]) == 1
    # ...and the owner is told, once, that it may not have gone out.
    told = [text for text in posted if "may or may not have reached" in text]
    assert told == ["<@U0DANA> the flag for welcome may or may not have reached Name C1"]
    assert [s.customer_id for s in tick(guide, DAY0 + timedelta(days=10)).unconfirmed] == ["C1"]
