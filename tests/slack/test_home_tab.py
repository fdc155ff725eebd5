"""The Home tab through real Bolt: `app_home_opened` as the Events API sends it (JSON, signed),
`views.publish` answered by the fake Slack as documented, and clicks on the tab's buttons as
`block_actions` from a view container. Republished after every action the person takes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack, message_texts
from slack_flow import DAY0, Flagged
from workspace import row

from bot.slack.home import home_view
from engine.actions import finish, hand_off, pause
from engine.home import (
    Home,
    HomeFlag,
    HomeHandedOff,
    HomePaused,
    HomeReplied,
    HomeUndeliverable,
)
from engine.tick import tick


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack, allowed=("U0DANA", "U0SAM"))


def home(flagged: Flagged, user: str = "U0DANA") -> dict[str, Any]:
    published = flagged.fake.homes[user]
    assert published["type"] == "home" and len(published["blocks"]) <= 100
    return published


def text(view: dict[str, Any]) -> str:
    return "\n".join(message_texts(view["blocks"]))


def action_ids(view: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in view["blocks"]
        for element in [block.get("accessory") or {}, *block.get("elements", [])]
        if "action_id" in element
    ]


def publishes(flagged: Flagged) -> list[str]:
    return [str(call.params["user_id"]) for call in flagged.fake.calls_to("views.publish")]


def test_opening_the_home_tab_shows_my_open_flags_with_the_flags_buttons(
    flagged: Flagged,
) -> None:
    assert flagged.open_home("U0DANA") == 200

    view = home(flagged)
    shown = text(view)
    assert "Your open flags* (1)" in shown
    assert "*Name C1* (C1) at Co C1 is stuck on *welcome*, flagged Mon 9 Nov 2026" in shown
    assert "Handed off to you* (0)" in shown and "Nobody is handed off to you." in shown
    assert "Paused, the whole team* (0)" in shown
    assert action_ids(view) == ["og_done_0", "og_pause_0", "og_hand_off_0"]
    (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
    value = json.loads(actions["elements"][0]["value"])
    assert value == {"c": "C1", "j": 1, "o": "U0DANA", "n": "Name C1", "co": "Co C1"}


def test_the_messages_tab_publishes_nothing(flagged: Flagged) -> None:
    assert flagged.open_home("U0DANA", tab="messages") == 200
    assert flagged.fake.calls_to("views.publish") == []


def test_done_on_the_home_tab_finishes_and_republishes_it_and_the_flag(
    flagged: Flagged,
) -> None:
    flagged.open_home("U0DANA")

    assert flagged.home_click("og_done_0") == 200

    assert flagged.row()["finished"] == "TRUE"
    assert publishes(flagged) == ["U0DANA", "U0DANA"]
    assert "Your open flags* (0)" in text(home(flagged))
    flag = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert "✅ Finished by <@U0DANA>" in json.dumps(flag["blocks"], ensure_ascii=False)


def test_pause_from_the_home_tab_opens_the_modal_and_lists_her_as_paused(
    flagged: Flagged,
) -> None:
    flagged.open_home("U0DANA")

    flagged.home_click("og_pause_0")
    (view,) = flagged.fake.views.values()
    assert "Name C1 at Co C1 (C1)" in json.dumps(view["blocks"])
    note = {"note": {"note": {"type": "plain_text_input", "value": "back in Q1"}}}
    assert flagged.submit(view, note) == 200

    shown = text(home(flagged))
    assert "Your open flags* (0)" in shown
    assert "*Name C1* (C1) at Co C1 is paused since Tue 10 Nov 2026: “back in Q1”" in shown
    assert action_ids(home(flagged)) == ["og_resume_0"]

    flagged.home_click("og_resume_0")
    assert flagged.row()["paused"] == ""
    assert action_ids(home(flagged)) == ["og_done_0", "og_pause_0", "og_hand_off_0"]


def test_a_click_on_the_flag_in_the_channel_republishes_the_clickers_home_tab(
    flagged: Flagged,
) -> None:
    flagged.open_home("U0DANA")

    flagged.click(action_id="og_done")

    assert publishes(flagged) == ["U0DANA", "U0DANA"]
    assert "Your open flags* (0)" in text(home(flagged))


def test_a_home_tab_never_opened_is_not_built_after_an_action(flagged: Flagged) -> None:
    """Building one reads the whole state, and Slack shows a tab as published when it is
    next opened, which publishes it afresh anyway."""
    flagged.click(action_id="og_done")

    assert publishes(flagged) == []
    assert flagged.row()["finished"] == "TRUE"


def test_handed_off_to_me_with_resume_guide(flagged: Flagged) -> None:
    hand_off(flagged.guide, "C1", "Sam Ortiz", "needs a call", "U0DANA", flagged.app_clock())
    flagged.open_home("U0SAM")

    shown = text(home(flagged, "U0SAM"))
    assert "Handed off to you* (1)" in shown and "*Name C1* (C1) at Co C1 is yours" in shown
    assert flagged.home_click("og_hand_back_0", user="U0SAM") == 200

    assert flagged.row()["handed_off_to"] == ""
    assert "Handed off to you* (0)" in text(home(flagged, "U0SAM"))


def test_a_stale_home_tab_click_changes_nothing_says_why_and_shows_how_things_stand(
    flagged: Flagged,
) -> None:
    flagged.open_home("U0DANA")
    finish(flagged.guide, "C1", "dana", flagged.app_clock())  # from the command line

    flagged.home_click("og_done_0")

    told = flagged.fake.posted()[-1]  # in her direct messages with the app: no channel here
    assert (told["channel"], told["text"]) == ("U0DANA", "C1 already finished on 2026-11-10")
    assert "Your open flags* (0)" in text(home(flagged))


def test_someone_outside_the_team_sees_no_team_customers(flagged: Flagged) -> None:
    pause(flagged.guide, "C1", "holiday", "U0DANA", flagged.app_clock())

    flagged.open_home("U0EVE")

    shown = text(home(flagged, "U0EVE"))
    assert "Paused" not in shown and "Name C1" not in shown


def test_a_busy_home_tab_keeps_to_100_blocks_and_counts_the_rest(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    flagged.ws.write_rows(
        [
            *(row(f"F{n:02}") for n in range(60)),
            *(row(f"H{n:02}", handed_off_to="Sam Ortiz") for n in range(5)),
            *(row(f"P{n:02}", paused="TRUE", paused_note=f"note {n}") for n in range(70)),
        ]
    )
    for day in range(8):
        tick(flagged.guide, DAY0 + timedelta(days=day))

    flagged.open_home("U0DANA")

    view = home(flagged)
    shown = text(view)
    assert len(view["blocks"]) <= 100
    assert "Your open flags* (60)" in shown and "Paused, the whole team* (70)" in shown
    flags, paused = shown.count("is stuck on"), shown.count("is paused")
    assert flags + paused > 30 and flags >= 20 and paused >= 20
    assert f"… and {60 - flags} more" in shown and f"… and {70 - paused} more" in shown
    assert len(set(action_ids(view))) == len(action_ids(view))


def test_every_section_keeps_a_share_of_the_100_blocks_and_sheet_text_stays_text() -> None:
    shown = {"journey": 1, "name": "<!channel> *Eve*", "company": "<@U999> & Co"}
    many = Home(
        user="U0DANA",
        flags=[
            HomeFlag(
                customer_id=f"F{n}",
                step="welcome",
                step_name="_w_",
                flagged_on=DAY0.date(),
                **shown,
            )
            for n in range(80)
        ],
        handed_off=[HomeHandedOff(customer_id=f"H{n}", since=None, **shown) for n in range(80)],
        paused=[
            HomePaused(customer_id=f"P{n}", note="<!here>", since=DAY0.date(), **shown)
            for n in range(80)
        ],
        replied=[HomeReplied(customer_id=f"R{n}", since=DAY0.date(), **shown) for n in range(80)],
        undeliverable=[
            HomeUndeliverable(customer_id=f"U{n}", email="<!here>@x", reason="*5.1.1*", **shown)
            for n in range(80)
        ],
    )

    view = home_view(many, team=True).to_dict()

    assert len(view["blocks"]) <= 100
    shown_text = text(view)
    said = ("is stuck on", "wrote back on", "cannot be delivered", "is yours", "is paused")
    counts = [shown_text.count(p) for p in said]
    # A flag takes two blocks (its line and its buttons), everyone else one.
    assert counts[0] >= 8 and min(counts[1:]) >= 16
    assert 2 * counts[0] + sum(counts[1:]) <= 100 - 3 - 5 * 3
    assert len(set(action_ids(view))) == len(action_ids(view))
    for line in message_texts(view["blocks"], "mrkdwn"):
        assert "<!" not in line and "<@" not in line and "*Eve*" not in line
        assert "*5.1.1*" not in line


def test_slack_checking_the_events_url_gets_its_challenge_back(flagged: Flagged) -> None:
    """What Slack sends when the manifest's event subscription is created or retried."""
    challenge = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595",
        "type": "url_verification",
    }

    status = flagged.send_body(json.dumps(challenge), headers={"content-type": "application/json"})

    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595" in flagged.last_body
