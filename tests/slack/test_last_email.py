"""The flag's "Show the last email", end to end: a real flag posted through the Slack notifier,
the menu's option picked in a request signed with a real signing secret and sent through Bolt
(the payload as Slack documents it for an overflow menu), the answer sent by the real
`slack_sdk` client to the fake Slack server over HTTP."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fake_slack import FakeSlack, SlackCall, message_texts
from slack_flow import DAY0, SECRET, Flagged, overflow_chosen, overflow_options
from workspace import RULES, Workspace, row

from bot.slack.buttons import ButtonTarget
from bot.slack.last_email import last_email_message
from bot.slack.text import escape_code
from engine.email_preview import email_to_show
from engine.models import SendKind
from engine.tick import tick


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def answers_after(flagged: Flagged, before: int) -> list[SlackCall]:
    """The Web API calls made since call `before`, but Bolt's one check of its token."""
    return [c for c in flagged.fake.calls[before:] if c.method != "auth.test"]


def the_answer(flagged: Flagged, before: int) -> SlackCall:
    """The one message sent since call `before`: ephemeral, nothing posted or changed."""
    (call,) = [c for c in answers_after(flagged, before) if c.method.startswith("chat.")]
    assert call.method == "chat.postEphemeral" and call.ok
    return call


def texts(call: SlackCall) -> list[str]:
    """Everything the answer shows, blocks and notification text."""
    return [*message_texts(call.params.get("blocks") or []), str(call.params["text"])]


def stored(flagged: Flagged) -> tuple[Any, ...]:
    store = flagged.guide.store
    snapshot = store.load_one("C1")
    return (
        snapshot.states,
        snapshot.sends,
        store.archived_sends("C1"),
        store.audit_trail("C1"),
        flagged.ws.roster_path.read_bytes(),
    )


def test_the_menu_shows_only_the_clicker_the_last_email_as_it_would_go_now(
    flagged: Flagged,
) -> None:
    sends = flagged.guide.store.load_one("C1").sends["C1"]
    (check_in,) = [s for s in sends if (s.step, s.kind) == ("check-in", SendKind.STEP)]
    assert check_in.sent_at is not None
    before, kept = len(flagged.fake.calls), stored(flagged)

    assert flagged.choose() == 200

    answer = the_answer(flagged, before)
    assert answers_after(flagged, before) == [answer]  # the clicker is on the team: no lookup
    assert (answer.params["channel"], answer.params["user"]) == (flagged.channel, "U0DANA")
    head, body, caveat = message_texts(answer.params["blocks"])
    epoch = int(check_in.sent_at.timestamp())
    assert head.splitlines() == [
        "📧 The last email to *Name C1* (C1): the email for step check-in, sent "
        f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{check_in.sent_at:%Y-%m-%d %H:%M} UTC>.",
        "*To:* Name C1 &lt;c1@example.test&gt;",
        "*Subject:* How is it going?",
    ]
    email = email_to_show(flagged.guide, "C1", flagged.app_clock(), "check-in", SendKind.STEP)
    assert not isinstance(email, str)
    assert "https://og.example.test/done/" in email.body  # the link, freshly signed
    assert body == f"```\n{email.body.rstrip()}\n```"
    assert "from today's rules doc" in caveat and "freshly signed" in caveat
    assert answer.params["text"] == "The last email to Name C1: How is it going?"
    assert stored(flagged) == kept  # a read: nothing written, nothing audited


def test_after_done_the_menu_shows_the_last_email_then_the_wrap_up(flagged: Flagged) -> None:
    flagged.click(action_id="og_done")
    before = len(flagged.fake.calls)

    flagged.choose()  # the journey's sends are in the archive now

    assert "the email for step check-in" in texts(the_answer(flagged, before))[0]

    tick(flagged.guide, DAY0 + timedelta(days=8))
    before = len(flagged.fake.calls)
    flagged.choose()

    head, body, caveat = texts(the_answer(flagged, before))[:3]
    assert "the wrap-up email, sent <!date^" in head
    assert head.endswith("*Subject:* You're all set, Name")
    assert "Thanks from Dana Reyes." in body
    assert "done link" not in caveat  # a wrap-up has none


def test_a_customer_the_guide_has_not_written_to_is_told_so_plainly(flagged: Flagged) -> None:
    flagged.ws.write_rows([row("C1"), row("C2", signup="2026-11-20")])
    before = len(flagged.fake.calls)

    flagged.choose(value=ButtonTarget("C2", 1, owner="U0DANA").to_value())

    answer = the_answer(flagged, before)
    assert answer.params["user"] == "U0DANA"
    assert texts(answer) == ["C2 has had no email from the guide yet."] * 2
    assert flagged.guide.store.audit_trail("C2") == []


def test_someone_outside_the_team_is_told_so_and_sees_no_email(flagged: Flagged) -> None:
    before = len(flagged.fake.calls)

    assert flagged.choose(user="U0MALLORY") == 200

    answer = the_answer(flagged, before)
    # Not named in the settings: Slack was asked whether they are in the flag channel.
    assert [c.method for c in answers_after(flagged, before)] == [
        "conversations.members",
        "chat.postEphemeral",
    ]
    assert answer.params["user"] == "U0MALLORY"
    assert answer.params["text"].startswith("Only the onboarding team")
    assert "blocks" not in answer.params
    assert not any("How is it going" in text for text in texts(answer))


@pytest.mark.parametrize(
    ("secret", "age"), [("forged-secret", 0), (SECRET, 6 * 60)], ids=["forged", "replayed"]
)
def test_forged_or_stale_requests_are_refused_and_nothing_is_posted(
    flagged: Flagged, secret: str, age: int
) -> None:
    before = len(flagged.fake.calls)

    assert flagged.choose(secret=secret, age=age) == 401

    assert flagged.fake.calls[before:] == []


def test_an_unsigned_request_is_refused_and_nothing_is_posted(flagged: Flagged) -> None:
    message = flagged.fake.messages[(flagged.channel, flagged.ts)]
    (option, _) = overflow_options(message, "og_last_email")
    payload = overflow_chosen("U0DANA", flagged.channel, message, "og_last_email", option)
    before = len(flagged.fake.calls)

    status, _ = flagged.through_bolt(
        "payload=" + quote(json.dumps(payload)),
        {"content-type": "application/x-www-form-urlencoded"},
    )

    assert status == 401
    assert flagged.fake.calls[before:] == []


def test_sheet_text_in_the_email_cannot_ping_mention_format_or_leave_the_code_block(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    hostile = "<!channel>```<@U0SAM>*x*_y_"
    flagged = Flagged(tmp_path, fake_slack, customer=row("C1", name=f"{hostile} Eve"))
    before = len(fake_slack.calls)

    flagged.choose()

    answer = the_answer(flagged, before)
    head, body, _ = message_texts(answer.params["blocks"])
    for text in texts(answer):
        assert "<!channel" not in text and "<@" not in text
    assert "*To:* &lt;!channel&gt;ˋˋˋ&lt;@U0SAM&gt;∗x∗ˍyˍ Eve &lt;c1@example.test&gt;" in head
    assert body.count("```") == 2 and body.startswith("```\n") and body.endswith("\n```")
    assert "Checking in, &lt;!channel&gt;ˋˋˋ&lt;@U0SAM&gt;*x*_y_." in body


@pytest.mark.parametrize("filler", ["words ", "& "], ids=["letters", "ampersands"])
def test_a_long_text_part_is_cut_to_a_section_saying_what_shows_it_whole(
    tmp_path: Path, filler: str
) -> None:
    # Ampersands are the worst case: each is five characters escaped.
    long_check_in = "Checking in, {first_name}.\n\n" + filler * 2000
    ws = Workspace(
        tmp_path, [row("C1")], rules=RULES.replace("Checking in, {first_name}.", long_check_in)
    )
    guide = ws.guide()
    for day in range(8):
        tick(guide, DAY0 + timedelta(days=day))
    now = DAY0 + timedelta(days=8)

    _, blocks = last_email_message(guide, "C1", now)

    body = message_texts([blocks[1].to_dict()])[0]
    assert len(body) <= 3000
    cut = re.fullmatch(
        r"```\n(.*)\n```\n… \(([\d,]+) more characters; `og email C1 check-in` shows it whole\)",
        body,
        re.DOTALL,
    )
    assert cut is not None
    email = email_to_show(guide, "C1", now, "check-in", SendKind.STEP)
    assert not isinstance(email, str)
    whole = email.body.rstrip("\n")
    left_out = int(cut[2].replace(",", ""))
    assert 0 < left_out < len(whole)
    assert cut[1] == escape_code(whole[: len(whole) - left_out])
