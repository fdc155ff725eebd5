"""The reply story end to end, issue 16's proof: the step email goes out, the customer replies
(delivered to a real IMAP server), the guide reads its inbox as `og serve` does, the owner's
message in Slack carries the reply, no nudge goes the next days, a person clicks Resume guide
(a signed request through Bolt), and the guide picks up where it stopped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from dovecot import Dovecot
from fake_slack import FakeSlack
from mail_back import a_reply
from slack_bolt import App, BoltRequest
from slack_flow import SECRET, InlineExecutor, block_actions, button_value, signed_headers
from workspace import Workspace, nine_am, row

from bot.app import create_app
from bot.inbox import read_once
from bot.slack.buttons import HAND_BACK_ACTION_ID
from bot.slack.context import SlackContext
from bot.slack.notifier import SlackNotifier
from bot.slack.settings import SlackSettings
from engine.adapters.imap_inbox import parse_inbox_url
from engine.guide import Guide
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
CHANNEL = "C0FLAGS"


def day(n: int, hour: int = 9) -> datetime:
    return DAY0 + timedelta(days=n, hours=hour - 9)


def mailed(ws: Workspace, customer_id: str) -> list[tuple[str, str]]:
    return [(step, kind) for cid, step, kind in ws.sent() if cid == customer_id]


def test_a_reply_holds_the_guide_reaches_the_owner_and_resume_picks_up(
    tmp_path: Path, dovecot: Dovecot, fake_slack: FakeSlack
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2")])
    inbox_url = f"imap://{dovecot.user}@127.0.0.1:{dovecot.port}/INBOX"
    guide: Guide = ws.guide(inbox=inbox_url)
    guide.notifier = SlackNotifier(fake_slack.client(), CHANNEL)
    settings = SlackSettings(
        bot_token=fake_slack.token,
        signing_secret=SECRET,
        flag_channel=CHANNEL,
        allowed_users=["U0DANA"],
        admins=[],
        api_url=fake_slack.url,
    )
    app: App = create_app(
        SlackContext(guide=guide, settings=settings, clock=lambda: day(5)),
        listener_executor=InlineExecutor(),
    )

    # Day 0: the welcome goes to both, with a Reply-To naming each customer.
    tick(guide, day(0))
    (welcome,) = [m for m in ws.emails() if m["X-OG-Customer-Id"] == "C1"]
    assert str(welcome["Reply-To"]).startswith("guide+")

    # The customer replies; the mail server delivers it; the guide reads its inbox.
    dovecot.append(a_reply(welcome, "Before I set up: does it work with Okta SSO?"))
    run = read_once(guide, parse_inbox_url(inbox_url), dovecot.password, day(0, 14))
    assert [(a.taken.value, a.customer_id) for a in run.arrivals] == [("acted", "C1")]

    # The owner's message carries who wrote and the new words, not the quoted email.
    ((where, message),) = fake_slack.messages.items()
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert "does it work with Okta SSO?" in shown
    assert "Ada Lovelace" not in shown and "CTO, Acme" not in shown  # the signature cut
    assert "<@U0DANA>" in message["text"]

    # The next days: C2's journey goes on, C1 gets nothing, not even the welcome's nudge.
    for n in range(1, 5):
        (said,) = [r.reason for r in tick(guide, day(n)).results if r.customer_id == "C1"]
        assert said == "replied on 2 Nov: waiting for a person"
    assert mailed(ws, "C1") == [("welcome", "step")]
    assert ("welcome", "nudge") in mailed(ws, "C2")

    # Resume guide, clicked on the reply's message: a signed request through Bolt.
    value = button_value(message, HAND_BACK_ACTION_ID)
    assert value is not None, "the reply's message has no Resume guide button"
    payload = block_actions("U0DANA", where[0], message, HAND_BACK_ACTION_ID, value)
    body = "payload=" + quote(json.dumps(payload))
    headers = {k: [v] for k, v in signed_headers(body).items()}
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    assert guide.store.load_one("C1").history("C1").state.replied_on is None
    audit = [(e.action, e.actor) for e in guide.store.audit_trail("C1")]
    assert audit[:2] == [("resumed", "U0DANA"), ("replied", "customer")]

    # Picked up where it stopped: the clock stood still from the reply (day 0) to the resume
    # (day 5), so the welcome's nudge, due on guide day 2, goes two days later.
    tick(guide, day(5))
    tick(guide, day(6))
    assert mailed(ws, "C1") == [("welcome", "step")]
    tick(guide, day(7))
    assert mailed(ws, "C1") == [("welcome", "nudge"), ("welcome", "step")]
