"""The weekly digest lists the rules doc's edits (issue 17): the one waiting for Apply however
old, and this week's others as they were settled; in Slack and on the console."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fake_slack import message_texts
from workspace import RULES, Workspace, nine_am, og, row

from bot.slack.digest import digest_messages, digest_text
from engine.adapters.memory import RecordingNotifier
from engine.digest import Digest, build_digest
from engine.rules_approval import apply_rules
from engine.tick import tick

APPROVAL = RULES.replace("Send every day.", "Send every day.\nRule changes need approval.")
SOONER = APPROVAL.replace(
    "Nudge after 2 days, flag after 3 more days.", "Nudge after 1 day, flag after 3 more days."
)
DAY0 = nine_am("2026-11-02")


def slack_texts(digest: Digest) -> str:
    messages = digest_messages(digest)
    return "\n".join(t for m in messages for t in message_texts([b.to_dict() for b in m]))


def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path, [row("C1"), row("C2")], rules=APPROVAL)
    guide = ws.guide()
    guide.notifier = RecordingNotifier()
    tick(guide, DAY0)
    ws.rules_path.write_text(SOONER, encoding="utf-8")
    tick(guide, DAY0 + timedelta(days=1))
    return ws


def test_the_edit_waiting_for_apply_is_listed_and_counted(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    digest = build_digest(ws.guide(), DAY0 + timedelta(days=20))  # weeks later: still waits

    (edit,) = digest.rules_edits
    assert edit.waiting and edit.change_id == 2 and edit.announced_on.isoformat() == "2026-11-03"
    assert "the nudge of welcome: 2 Starter customers get it a day sooner" in edit.summary
    assert "1 rules edit waiting for Apply" in digest_text(digest)
    texts = "\n".join(
        t for m in digest_messages(digest) for t in message_texts([b.to_dict() for b in m])
    )
    assert "*Rules doc edits (1)*" in texts
    assert "change 2, 3 Nov: *waits for Apply* (on its announcement)" in texts


def test_an_applied_edit_is_listed_for_a_week_then_no_more(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    guide = ws.guide()
    apply_rules(guide, 2, "U0DANA", DAY0 + timedelta(days=2))

    week = build_digest(guide, DAY0 + timedelta(days=7))
    (edit,) = week.rules_edits
    assert (edit.settled, edit.settled_by) == ("applied", "U0DANA")
    assert "rules edit" not in digest_text(week)  # nothing waits: not counted as attention
    texts = "\n".join(
        t for m in digest_messages(week) for t in message_texts([b.to_dict() for b in m])
    )
    assert "change 2, 3 Nov: applied by <@U0DANA>" in texts

    assert build_digest(guide, DAY0 + timedelta(days=10)).rules_edits == []


def test_og_digest_prints_the_edits(tmp_path: Path) -> None:
    ws = workspace(tmp_path)

    shown = og(ws, "digest", "--now", "2026-11-09")

    assert shown.returncode == 0, shown.stderr
    assert "Rules doc edits (1)" in shown.stdout
    assert "now=waits for Apply (og rules apply)" in shown.stdout
