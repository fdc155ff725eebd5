"""`/og` typed in Slack: form bodies signed like Slack's, through Bolt, answers read back from
the fake Slack's response URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_flow import Flagged

from engine.actions import hand_off, pause


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def answer_text(flagged: Flagged) -> str:
    """The last answer through the response URL, text and blocks together."""
    (*_, last) = flagged.fake.responses()
    assert last["response_type"] == "ephemeral"
    return json.dumps([last["text"], last.get("blocks")], ensure_ascii=False)


def ack_text(flagged: Flagged) -> str:
    """What the acknowledgement said: Bolt answers a text-only ack as plain text, which Slack
    shows only to the person who typed the command."""
    return flagged.last_body


@pytest.mark.parametrize("text", ["", "help", "HELP me"])
def test_help_lists_every_subcommand_in_the_acknowledgement(flagged: Flagged, text: str) -> None:
    assert flagged.command(text) == 200
    for subcommand in ("status", "why", "resume", "undo", "help"):
        assert f"/og {subcommand}" in ack_text(flagged)
    assert flagged.fake.responses() == []


def test_an_unknown_subcommand_or_a_missing_customer_is_answered_with_usage(
    flagged: Flagged,
) -> None:
    flagged.command("frobnicate C1")
    assert "does not know “frobnicate”" in ack_text(flagged)
    flagged.command("status")
    assert "Which customer?" in ack_text(flagged)
    flagged.command("status C1 --force")
    assert "only goes with `/og undo`" in ack_text(flagged)


def test_status_shows_the_customer_the_journey_and_todays_move(flagged: Flagged) -> None:
    assert flagged.command("status C1") == 200
    text = answer_text(flagged)
    assert "*Name C1 (Co C1)* (C1): Starter plan, journey 1, guide day 8" in text
    assert "Journey so far" in text and "flag welcome (sent)" in text
    assert "Today: *flag* setup" in text


def test_why_names_the_rules_doc_lines_behind_todays_move(flagged: Flagged) -> None:
    flagged.command("why C1")
    text = answer_text(flagged)
    assert "*C1*: flag setup" in text
    assert "because" in text and "rules.md:" in text


def test_status_of_an_unknown_customer_says_so(flagged: Flagged) -> None:
    flagged.command("status NOPE")
    assert "no customer 'NOPE' in the onboarding list" in answer_text(flagged)


def test_resume_lifts_a_pause_and_a_hand_off_as_the_typing_user(flagged: Flagged) -> None:
    now = flagged.app_clock()
    pause(flagged.guide, "C1", "on holiday", "U0DANA", now)
    hand_off(flagged.guide, "C1", "Sam Ortiz", "", "U0DANA", now)

    flagged.command("resume C1")

    row = flagged.row()
    assert (row["paused"], row["handed_off_to"]) == ("", "")
    actions = [(a.action, a.actor) for a in flagged.guide.store.audit_trail("C1")][:2]
    assert actions == [("hand_off_cleared", "U0DANA"), ("resumed", "U0DANA")]
    assert "✅ C1 is resumed" in answer_text(flagged)

    flagged.command("resume C1")
    assert "neither paused nor handed off" in answer_text(flagged)


def test_undo_is_for_admins_only(flagged: Flagged) -> None:
    flagged.click()  # Done: finished
    assert flagged.command("undo C1") == 200
    assert "Only the guide's admins" in ack_text(flagged)
    assert flagged.row()["finished"] == "TRUE"
    assert len(flagged.guide.store.audit_trail("C1")) == 1


def test_an_admin_undoes_the_last_action_and_the_undo_is_audited(flagged: Flagged) -> None:
    flagged.click()  # Done: finished and archived
    assert flagged.command("undo C1", user="U0ADMIN") == 200
    assert flagged.row()["finished"] == ""
    latest, finished = flagged.guide.store.audit_trail("C1")
    assert (latest.action, latest.actor, latest.undoes) == ("undo", "U0ADMIN", finished.id)
    assert "✅ C1: ↩️ <@U0ADMIN> undid the finish by <@U0DANA>" in answer_text(flagged)
    state = flagged.guide.store.load_one("C1").history("C1").state
    assert not state.finished


def test_someone_outside_the_team_cannot_use_og(flagged: Flagged) -> None:
    flagged.command("status C1", user="U0MALLORY")
    assert "Only the onboarding team" in ack_text(flagged)
    assert flagged.fake.responses() == []
    flagged.command("resume C1", user="U0MALLORY")
    assert flagged.guide.store.audit_trail("C1") == []


def test_a_retried_command_runs_once(flagged: Flagged) -> None:
    pause(flagged.guide, "C1", "", "U0DANA", flagged.app_clock())
    flagged.command("resume C1")
    flagged.command("resume C1", x_slack_retry_num="1")
    assert len(flagged.fake.responses()) == 1
    assert len(flagged.guide.store.audit_trail("C1")) == 2


def test_mrkdwn_in_a_customer_id_is_escaped_in_the_answer(flagged: Flagged) -> None:
    flagged.command("status <!channel>")
    text = answer_text(flagged)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
