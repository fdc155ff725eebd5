"""The Done button on a flag, end to end: a real flag posted through the Slack notifier, a click
signed with a real signing secret and sent through Bolt, Bolt's Web API calls answered by the
fake Slack server over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_flow import DAY0, SECRET, Flagged, buttons_on

from engine.tick import tick


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack)


def test_done_finishes_the_customer_as_the_clicker_and_the_flag_loses_its_buttons(
    flagged: Flagged,
) -> None:
    assert flagged.click() == 200
    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", "U0DANA")
    (audit,) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor) == ("finished", "U0DANA")
    updated = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert buttons_on(updated) == []
    assert "Finished by <@U0DANA>" in json.dumps(updated["blocks"])


def test_a_second_click_changes_nothing_and_tells_only_the_clicker(flagged: Flagged) -> None:
    flagged.click()
    assert flagged.click() == 200
    assert len(flagged.guide.store.audit_trail("C1")) == 1
    assert any("already finished" in text for text in flagged.ephemerals())


def test_someone_outside_the_team_is_told_so_and_nothing_changes(flagged: Flagged) -> None:
    assert flagged.click(user="U0MALLORY") == 200
    assert flagged.row().get("finished") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []
    assert any("Only the onboarding team" in text for text in flagged.ephemerals())


def test_a_button_from_an_earlier_journey_changes_nothing(flagged: Flagged) -> None:
    assert flagged.click(journey=7) == 200
    assert flagged.guide.store.audit_trail("C1") == []
    assert any("about an earlier onboarding" in text for text in flagged.ephemerals())


@pytest.mark.parametrize(
    ("secret", "age"), [("forged-secret", 0), (SECRET, 6 * 60)], ids=["forged", "replayed"]
)
def test_forged_or_stale_requests_are_refused_without_touching_state(
    flagged: Flagged, secret: str, age: int
) -> None:
    before = flagged.ws.roster_path.read_bytes()
    assert flagged.click(secret=secret, age=age) == 401
    assert flagged.ws.roster_path.read_bytes() == before
    assert flagged.guide.store.audit_trail("C1") == []
    assert flagged.fake.calls_to("chat.update") == []


def test_a_slack_retry_of_a_click_is_acknowledged_and_runs_nothing(flagged: Flagged) -> None:
    calls_before = len(flagged.fake.calls)
    assert flagged.click(x_slack_retry_num="1", x_slack_retry_reason="http_timeout") == 200
    assert flagged.row().get("finished") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []
    # Nothing but Bolt's one check of the token, which its first request makes.
    assert [c.method for c in flagged.fake.calls[calls_before:]] in ([], ["auth.test"])

    assert flagged.click() == 200  # the same click, not a retry, still works
    assert flagged.row()["finished"] == "TRUE"


def test_a_forged_retry_is_refused_like_any_forged_request(flagged: Flagged) -> None:
    assert flagged.click(secret="forged-secret", x_slack_retry_num="1") == 401


def test_done_archives_the_journey_and_the_next_tick_sends_the_wrap_up_once(
    flagged: Flagged,
) -> None:
    flagged.click()
    assert flagged.guide.store.archived_sends("C1")  # the journey's sends moved to the archive
    before = flagged.ws.sent()

    tick(flagged.guide, DAY0 + timedelta(days=7))
    tick(flagged.guide, DAY0 + timedelta(days=7))  # a re-run sends nothing twice

    new = flagged.ws.sent()[len(before) :]
    assert [(customer, kind) for customer, _, kind in new] == [("C1", "finish")]


def test_without_an_allowed_list_members_of_the_flag_channel_may_act(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack, allowed=())
    # More members than one page of conversations.members holds, Cara on the last page.
    fake_slack.members[flagged.channel] = [f"U0M{n:04}" for n in range(1500)] + ["U0CARA"]

    flagged.click(user="U0EVE")
    assert flagged.guide.store.audit_trail("C1") == []
    assert "Only the onboarding team" in flagged.ephemerals()[-1]

    flagged.click(user="U0CARA")
    assert flagged.row()["finished_by"] == "U0CARA"


def test_a_flag_channel_slack_cannot_list_refuses_everyone_and_changes_nothing(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack, allowed=())  # the fake knows no members: not found

    assert flagged.click(user="U0CARA") == 200

    assert flagged.guide.store.audit_trail("C1") == []
    assert "Only the onboarding team" in flagged.ephemerals()[-1]
