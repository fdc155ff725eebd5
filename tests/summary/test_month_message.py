"""The month in one Slack message: Block Kit posted to the digest's channel through the real
WebClient (against the fake Slack Web API), from the code and from `og summary --post`; the
commentary above the figures, credited; nothing from the doc or the model able to ping or
format; one message however many steps; a refusal from Slack reported, not swallowed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from bedrock_standin import WORDS, bedrock_stand_in
from fake_slack import FakeSlack, message_texts
from month_story import NOVEMBER, NOVEMBER_TEXT, month_rows, run_month
from moto_ses import fake_aws_credentials
from workspace import Workspace, og

from bot.runtime import month_poster
from bot.slack.blocks import MAX_BLOCKS, check_message
from bot.slack.month import month_blocks, month_text
from bot.slack.settings import SlackSettings
from engine.month_report import MonthReport
from engine.month_summary import MonthSummary, StepFigures

HOSTILE = "<!channel> *now* <http://x|y> `code`"
STEPS = 3000


def _slack(fake_slack: FakeSlack) -> SlackSettings:
    return SlackSettings(
        bot_token=fake_slack.token, digest_channel="C0DIGEST", api_url=fake_slack.url
    )


def test_the_month_is_one_message_in_the_digest_channel(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    guide = run_month(Workspace(tmp_path, month_rows()))

    month_poster(guide, _slack(fake_slack))(NOVEMBER)

    (message,) = fake_slack.posted()
    assert message["channel"] == "C0DIGEST"
    assert message["text"] == "November 2026 in one message: 7 started, 2 finished"
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section"]
    texts = message_texts(blocks)
    assert texts[0] == "November 2026 in one message"
    assert "*Started*\n7 (Starter 6, Pro 1)" in texts
    assert "*Days to finish, median*\nStarter 7.5" in texts
    assert "*Replies*\n1; bounces: 1; soft bounces: 0; complaints: 0; unsubscribes: 0" in texts
    table = NOVEMBER_TEXT.split("by its end\n")[1]
    assert f"```\n{table}\n```" in texts


def test_the_commentary_goes_above_the_figures_credited(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_aws_credentials(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    guide = run_month(Workspace(tmp_path, month_rows()), summary_model="bedrock://m.1")
    with bedrock_stand_in() as bedrock:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
        month_poster(guide, _slack(fake_slack))(NOVEMBER)
        assert len(bedrock.requests) == 1

    (message,) = fake_slack.posted()
    blocks = message["blocks"]
    assert [b["type"] for b in blocks[:4]] == ["header", "section", "context", "divider"]
    texts = message_texts(blocks)
    assert texts[1] == WORDS
    assert texts[2] == "Commentary by Amazon Bedrock (m.1); the figures are the guide's own."


def _report(steps: int, *, name: str = "Starter", commentary: str = "") -> MonthReport:
    summary = MonthSummary(
        first=date(2026, 11, 1),
        timezone="UTC",
        steps=[
            StepFigures(plan=name, step=f"{name} step {n}", sent=10, done=n % 10)
            for n in range(steps)
        ],
        problems=[f"rules.md:3: {HOSTILE}"],
    )
    return MonthReport(summary, commentary, f"Amazon Bedrock ({HOSTILE})" if commentary else "")


def test_nothing_from_the_doc_or_the_model_can_ping_link_or_format() -> None:
    blocks = month_blocks(_report(2, name=HOSTILE, commentary=f"Fine. {HOSTILE}"))

    check_message(blocks)
    for text in message_texts([block.to_dict() for block in blocks], "mrkdwn"):
        assert "<!" not in text and "<http" not in text and "*now*" not in text, text
        assert "`code`" not in text
    assert "&lt;!channel&gt; ∗now∗" in json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


def test_a_month_of_many_steps_is_still_one_message() -> None:
    report = _report(STEPS)

    blocks = month_blocks(report)

    check_message(blocks)
    assert len(blocks) == MAX_BLOCKS
    last = message_texts([blocks[-1].to_dict()])[0]
    assert last.endswith("more steps: `og summary --month 2026-11` prints them all.")
    shown = sum(
        text.count("\n") - 2
        for text in message_texts([b.to_dict() for b in blocks[:-1]])
        if text.startswith("```")
    )
    assert last.startswith(f"{STEPS - shown} more steps")


def test_without_figures_the_message_says_why() -> None:
    summary = MonthSummary(
        first=date(2026, 11, 1), timezone="UTC", problems=["rules.md: gone"], figured=False
    )
    blocks = month_blocks(MonthReport(summary))
    check_message(blocks)
    assert message_texts([b.to_dict() for b in blocks]) == [
        "November 2026 in one message",
        "rules.md: gone",
        "No figures: they need a usable rules doc.",
    ]
    assert (
        month_text(summary)
        == "November 2026 in one message: no figures, the rules doc cannot be read"
    )


def test_og_summary_post_posts_it_and_reports_a_refusal(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    ws = Workspace(tmp_path, month_rows())
    run_month(ws)
    slack = {
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_API_URL": fake_slack.url,
        "OG_DIGEST_CHANNEL": "C0DIGEST",
        "OG_NOTIFIER": "console",
    }

    posted = og(ws, "summary", "--month", "2026-11", "--post", **slack)

    assert (posted.returncode, posted.stdout) == (0, "")
    (message,) = fake_slack.posted()
    assert message["text"] == "November 2026 in one message: 7 started, 2 finished"

    fake_slack.fail("chat.postMessage", "channel_not_found")
    refused = og(ws, "summary", "--month", "2026-11", "--post", **slack)
    assert refused.returncode == 1
    assert "the summary was not posted: Slack refused the summary of November 2026: " in (
        refused.stderr
    )
    assert "channel_not_found" in refused.stderr

    # No channel: printed, as the console gets it.
    printed = og(ws, "summary", "--month", "2026-11", "--post", OG_NOTIFIER="console")
    assert (printed.returncode, printed.stdout) == (0, NOVEMBER_TEXT + "\n")
