"""The weekly digest as Slack Block Kit messages, posted to the fake Slack Web API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from digest_story import run_story
from fake_slack import FakeSlack, message_texts
from slack_sdk import WebClient
from workspace import Workspace, nine_am, row

from bot.slack.blocks import MAX_BLOCKS, check_message
from bot.slack.buttons import RESUME_ACTION_PREFIX, ButtonTarget
from bot.slack.digest import (
    digest_messages,
    digest_text,
    post_digest,
)
from engine.digest import Digest, HandedOff, OpenFlag, PausedCustomer, build_digest
from engine.ports import SendError

DAY0 = nine_am("2026-11-02")
MONDAY = date(2026, 11, 23)


def _dicts(message: list[Any]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in message]


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    for block in blocks:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def _section_holding(blocks: list[dict[str, Any]], needle: str) -> str:
    (text,) = [t for t in message_texts(blocks, "mrkdwn") if needle in t]
    return text


def _paused(n: int) -> PausedCustomer:
    return PausedCustomer(
        customer_id=f"C-{n:03d}",
        journey=n % 3 + 1,
        name=f"Customer {n:03d}",
        company=f"Company {n:03d}",
        note=f"note for {n:03d}",
        since=date(2026, 11, 2),
        days=21,
    )


def test_a_workspace_digest_shows_each_section_with_its_people_notes_and_ages(
    tmp_path: Path,
) -> None:
    ws = Workspace(
        tmp_path,
        [
            row("STUCK1"),
            row("PAUSED"),
            row("HANDED"),
            row("SLACKID", handed_off_to="U0SAM"),
            row("FAST"),
            row("BAD", email="nope"),
        ],
    )
    guide = run_story(ws)
    digest = build_digest(guide, DAY0 + timedelta(days=12))

    (message,) = digest_messages(digest)
    check_message(message)
    blocks = _dicts(message)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Weekly digest, Sat 14 Nov 2026", "emoji": False},
    }
    paused = _section_holding(blocks, "PAUSED")
    assert paused.split("\n") == [
        "*Name PAUSED* (PAUSED) · Co PAUSED",
        "paused 11 days (since 3 Nov)",
        ">migrating, back in Q1",
    ]
    (button,) = _buttons(blocks)
    assert button["action_id"] == f"{RESUME_ACTION_PREFIX}_0"
    assert button["text"]["text"] == "Resume"
    assert ButtonTarget.from_value(button["value"]) == ButtonTarget("PAUSED", 1)
    flags = _section_holding(blocks, "STUCK1").split("\n")
    assert flags == [
        "• *Name STUCK1* (STUCK1) on welcome, flagged 9 Nov, 5 days ago",
        "• *Name STUCK1* (STUCK1) on setup, flagged 10 Nov, 4 days ago",
    ]
    handed = _section_holding(blocks, "HANDED").split("\n")
    assert handed == [
        "• *Name HANDED* (HANDED) with Sam Ortiz since 3 Nov",
        "• *Name SLACKID* (SLACKID) with <@U0SAM> since 2 Nov",
    ]
    assert _section_holding(blocks, "FAST") == (
        "• *Name FAST* (FAST) finished 10 Nov, 8 days after signing up"
    )
    assert _section_holding(blocks, "Starter") == "• Starter: 1 day"
    assert "row 7, column email" in _section_holding(blocks, "row 7")
    # Each section after a divider, under its title; empty ones (rules problems) left out.
    titles = [
        message_texts([blocks[i + 1]]) for i, b in enumerate(blocks) if b["type"] == "divider"
    ]
    assert titles == [
        ["*Paused (1)*"],
        ["*Open flags nobody acted on (2)*, oldest first"],
        ["*Handed off (2)*"],
        ["*Finished this week (1)*"],
        ["*Median days from step sent to step done*"],
        ["*Roster rows skipped (1)*"],
    ]
    assert digest_text(digest) == (
        "Weekly digest, Sat 14 Nov 2026: 1 paused, 2 open flags, 2 handed off, "
        "1 finished this week, 1 roster row skipped"
    )


def test_sixty_paused_customers_split_into_a_thread_each_with_one_resume_button(
    fake_slack: FakeSlack,
) -> None:
    digest = Digest(
        today=MONDAY,
        paused=[_paused(n) for n in range(60)],
        open_flags=[
            OpenFlag(
                customer_id="F-1",
                name="Flagged",
                step="setup",
                flagged_on=date(2026, 11, 16),
                age_days=7,
            )
        ],
        rules_problems=["rules.md:4: no owner"],
    )
    messages = digest_messages(digest)
    assert len(messages) == 3
    seen: dict[str, int] = {}
    for number, message in enumerate(messages, start=1):
        assert len(message) <= MAX_BLOCKS
        check_message(message)
        blocks = _dicts(message)
        if number > 1:
            assert message_texts(blocks[:1]) == [
                f"Weekly digest, Mon 23 Nov 2026, continued ({number} of {len(messages)})"
            ]
            assert message_texts(blocks[1:2]) == ["*Paused (60)*, continued"]
        buttons = _buttons(blocks)
        ids = [b["action_id"] for b in buttons]
        assert len(set(ids)) == len(ids)
        # A click swaps the button for a context line under its block: room for every one.
        assert len(message) + len(buttons) <= MAX_BLOCKS
        for block in blocks:
            texts = message_texts([block], "mrkdwn")
            holders = [n for n in range(60) if any(f"(C-{n:03d})" in t for t in texts)]
            if holders:
                (n,) = holders
                assert block["accessory"]["action_id"] == f"{RESUME_ACTION_PREFIX}_{n}"
                target = ButtonTarget.from_value(block["accessory"]["value"])
                assert target == ButtonTarget(f"C-{n:03d}", n % 3 + 1)
                seen[target.customer_id] = seen.get(target.customer_id, 0) + 1
    assert seen == {f"C-{n:03d}": 1 for n in range(60)}
    # The flags and the rules problem follow the last paused customer, in the reply.
    last = message_texts(_dicts(messages[-1]))
    assert any("Flagged" in t for t in last) and any("no owner" in t for t in last)

    fake_slack.channels["cs-digest"] = "C0DIGEST"
    refs = post_digest(fake_slack.client(), "#cs-digest", digest)
    posted = fake_slack.posted()
    assert [p["blocks"] for p in posted] == [_dicts(m) for m in messages]
    (top,) = [key for key, m in fake_slack.messages.items() if "thread_ts" not in m]
    assert refs[0] == f"C0DIGEST:{top[1]}"
    assert sorted(refs) == sorted(f"{c}:{ts}" for c, ts in fake_slack.messages)
    assert "thread_ts" not in posted[0] and posted[0]["channel"] == "#cs-digest"
    for reply in posted[1:]:
        assert reply["thread_ts"] == top[1] and reply["channel"] == "C0DIGEST"
    assert all(p["unfurl_links"] is False and p["unfurl_media"] is False for p in posted)
    assert posted[0]["text"] == "Weekly digest, Mon 23 Nov 2026: 60 paused, 1 open flag, " + (
        "1 rules doc problem"
    )


def test_sheet_text_is_escaped_everywhere_and_long_notes_are_clipped(
    fake_slack: FakeSlack,
) -> None:
    digest = Digest(
        today=MONDAY,
        paused=[
            PausedCustomer(
                customer_id="ESC-1",
                journey=1,
                name="<!channel>",
                company="*bold* <https://evil.example|click>",
                note="ask <@U123> first",
                since=date(2026, 11, 20),
                days=3,
            ),
            PausedCustomer(
                customer_id="LONG",
                journey=2,
                name="_Long_ & `co`",
                company="",
                note="&<" * 3000,
                since=None,
                days=None,
            ),
        ],
        handed_off=[
            HandedOff(customer_id="H", name="~strike~", owner="<!here>", since=None),
            HandedOff(customer_id="H2", name="Plain", owner="UMA", since=None),
        ],
        median_days_to_done={"<!subteam^S1>": 2.5},
        skipped_rows=["row 3: <!everyone> is not an email"],
        rules_problems=["rules.md:1: *Owner* <@U999> unknown"],
    )
    post_digest(fake_slack.client(), "C0DIGEST", digest)
    raw = json.dumps(fake_slack.posted())
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<@U999>", "<!sub"):
        assert forbidden not in raw
    assert "<@UMA>" not in raw and "<https" not in raw
    (posted,) = fake_slack.posted()
    mrkdwn = message_texts(posted["blocks"], "mrkdwn")
    first = _section_holding(posted["blocks"], "channel")
    assert first.split("\n") == [
        "*&lt;!channel&gt;* (ESC-1) · ∗bold∗ &lt;https://evil.example|click&gt;",
        "paused 3 days (since 20 Nov)",
        ">ask &lt;@U123&gt; first",
    ]
    long = _section_holding(posted["blocks"], "LONG")
    assert long.startswith("*ˍLongˍ &amp; ˋcoˋ* (LONG)\npaused (since when is not recorded)\n>")
    assert long.endswith("…") and len(long) <= 3000
    assert _section_holding(posted["blocks"], "(H)").split("\n") == [
        "• *∼strike∼* (H) with &lt;!here&gt;",
        "• *Plain* (H2) with UMA",
    ]
    assert any("∗Owner∗ &lt;@U999&gt;" in t for t in mrkdwn)
    for text in mrkdwn:
        assert "*bold*" not in text and "<@" not in text and "<!" not in text
    assert "<" not in posted["text"]


def test_a_quiet_week_is_one_short_message_saying_nothing_needs_attention(
    fake_slack: FakeSlack,
) -> None:
    quiet = Digest(today=MONDAY)
    (message,) = digest_messages(quiet)
    check_message(message)
    assert len(message) == 2
    texts = message_texts(_dicts(message))
    assert texts[0] == "Weekly digest, Mon 23 Nov 2026"
    assert texts[1].startswith("Nothing needs attention this week")
    assert digest_text(quiet) == "Weekly digest, Mon 23 Nov 2026: nothing needs attention"
    (ref,) = post_digest(fake_slack.client(), "C0DIGEST", quiet)
    assert ref.startswith("C0DIGEST:")
    assert len(fake_slack.posted()) == 1


def test_slack_refusing_the_post_raises_send_error(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SendError, match=r"Slack refused part 1 of 1 .*: channel_not_found"):
        post_digest(fake_slack.client(), "C0DIGEST", Digest(today=MONDAY))
    assert fake_slack.posted() == []


def test_a_refused_reply_raises_send_error_after_the_first_part(fake_slack: FakeSlack) -> None:
    class RefuseRepliesAfterFirst(WebClient):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # type: ignore[override]
            answer = super().chat_postMessage(**kwargs)
            fake_slack.fail("chat.postMessage", "msg_too_long", times=None)
            return answer

    client = RefuseRepliesAfterFirst(token=fake_slack.token, base_url=fake_slack.url)
    digest = Digest(today=MONDAY, paused=[_paused(n) for n in range(60)])
    with pytest.raises(SendError, match=r"part 2 of 3 .*\(1 posted before it\): msg_too_long"):
        post_digest(client, "C0DIGEST", digest)
    assert [c.ok for c in fake_slack.calls_to("chat.postMessage")] == [True, False]


def test_slack_out_of_reach_raises_send_error(unused_port: int) -> None:
    client = WebClient(token="xoxb-x", base_url=f"http://127.0.0.1:{unused_port}/api/")
    with pytest.raises(SendError, match="cannot reach Slack"):
        post_digest(client, "C0DIGEST", Digest(today=MONDAY))
