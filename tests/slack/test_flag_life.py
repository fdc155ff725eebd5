"""A flag's whole life in Slack, through real Bolt with signed requests: every action leaves the
flag's details as they were, adds one line (what, who as a mention, when as Slack's date token,
the note) and takes its buttons; an undo, from `/og undo` or the `og` command line, gives the
same message its buttons back with a line saying who undid what."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack, message_texts
from slack_flow import CHANNEL, DAY0, Flagged, overflow_options
from workspace import og

from engine.tick import tick

EVENTS = "og_events"


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack) -> Flagged:
    return Flagged(tmp_path, fake_slack, allowed=("U0DANA", "U0SAM"))


def the_flag(flagged: Flagged) -> dict[str, Any]:
    return flagged.fake.messages[(flagged.channel, flagged.ts)]


def lines(flag: dict[str, Any]) -> list[str]:
    """The flag's lines of what was done, oldest first."""
    (events,) = [b for b in flag["blocks"] if b.get("block_id") == EVENTS]
    return str(events["text"]["text"]).splitlines()


def buttons(flag: dict[str, Any]) -> list[dict[str, Any]]:
    """The flag's buttons (its overflow menu is none: it stays after every action)."""
    return [
        element
        for block in flag["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    ]


def pause(flagged: Flagged, note: str = "team of one, revisit after Q3") -> None:
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    flagged.submit(view, {"note": {"note": {"type": "plain_text_input", "value": note}}})


def hand_off(flagged: Flagged) -> None:
    flagged.click(action_id="og_hand_off")
    (view,) = flagged.fake.views.values()
    picked = {"text": {"type": "plain_text", "text": "Sam Ortiz"}, "value": "U0SAM"}
    flagged.submit(
        view,
        {
            "owner": {"owner": {"type": "static_select", "selected_option": picked}},
            "note": {"note": {"type": "plain_text_input", "value": "wants a call"}},
        },
    )


def done(flagged: Flagged) -> None:
    flagged.click(action_id="og_done")


def when(flagged: Flagged) -> str:
    """The date token of the customer's newest audit row, as a line shows it."""
    at = flagged.guide.store.audit_trail("C1")[0].at
    token = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}"
    return f"{token}|{at:%Y-%m-%d %H:%M} UTC>"


@pytest.mark.parametrize(
    ("act", "line"),
    [
        (pause, "⏸ Paused by <@U0DANA> · {when} — “team of one, revisit after Q3”"),
        (hand_off, "🤝 Handed off to <@U0SAM> by <@U0DANA> · {when} — “wants a call”"),
        (done, "✅ Finished by <@U0DANA> · {when} — “onboarding took 8 days”"),
    ],
    ids=["pause", "hand off", "done"],
)
def test_after_an_action_the_flag_keeps_every_detail_and_gains_one_line(
    flagged: Flagged, act: Callable[[Flagged], None], line: str
) -> None:
    sent = the_flag(flagged)

    act(flagged)

    flag = the_flag(flagged)
    assert flag["blocks"][:3] == sent["blocks"][:3]
    details = json.dumps(flag["blocks"][:3], ensure_ascii=False)
    for detail in ["Name C1", "Co C1", "Plan: Starter", "Stuck on: welcome", "journey 1"]:
        assert detail in details
    assert "Journey so far" in details and "nudge welcome (sent)" in details
    assert lines(flag) == [line.format(when=when(flagged))]
    assert buttons(flag) == []
    # What the customer last read is still worth a look after any action.
    assert overflow_options(flag, "og_last_email") == overflow_options(sent, "og_last_email")
    assert [o["text"]["text"] for o in overflow_options(flag, "og_last_email")] == [
        "Show the last email",
        "Draft a personal note",
    ]
    assert flag["text"].endswith(line.format(when=when(flagged)))


def test_og_undo_of_a_pause_gives_the_same_flag_its_buttons_back(flagged: Flagged) -> None:
    sent = the_flag(flagged)
    pause(flagged)
    paused_line = lines(the_flag(flagged))[0]

    assert flagged.command("undo C1", user="U0ADMIN") == 200

    flag = the_flag(flagged)
    assert buttons(flag) == buttons(sent)
    assert flag["blocks"][:3] == sent["blocks"][:3]
    paused_at = paused_line.split(" · ")[1].split(" — ")[0]
    undone = f"↩️ <@U0ADMIN> undid the pause by <@U0DANA> ({paused_at})"
    assert lines(flag) == [paused_line, f"{undone} · {when(flagged)}"]
    (answer,) = flagged.fake.responses()
    assert answer["text"].startswith(f"✅ C1: {undone}")
    assert "U0DANA" not in answer["text"].replace("<@U0DANA>", "")  # a mention, not an id
    # The buttons work again: Done finishes her.
    assert flagged.click(action_id="og_done") == 200
    assert flagged.row()["finished"] == "TRUE"


def test_og_undo_on_the_command_line_gives_the_flag_its_buttons_back(flagged: Flagged) -> None:
    sent = the_flag(flagged)
    pause(flagged)
    flagged.open_home("U0ADMIN")

    ran = og(
        flagged.ws,
        "undo",
        "C1",
        "--by",
        "U0ADMIN",
        SLACK_BOT_TOKEN=flagged.fake.token,
        SLACK_API_URL=flagged.fake.url,
        OG_FLAG_CHANNEL=CHANNEL,
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("undid paused by U0DANA")
    flag = the_flag(flagged)
    assert buttons(flag) == buttons(sent)
    assert lines(flag)[-1].startswith("↩️ <@U0ADMIN> undid the pause by <@U0DANA>")
    assert flagged.row()["paused"] == ""
    # The command line's guide, wired from the environment, republished the actor's Home tab.
    homes = [call.params["user_id"] for call in flagged.fake.calls_to("views.publish")]
    assert homes == ["U0ADMIN", "U0ADMIN"]


def test_resume_from_the_digest_keeps_the_details_and_the_flag_asks_again(
    flagged: Flagged,
) -> None:
    """Resumed, she is stuck on the same step, and the tick never flags a step twice: the flag
    is hers to act on again."""
    sent = the_flag(flagged)
    pause(flagged)

    flagged.command("resume C1")

    flag = the_flag(flagged)
    assert flag["blocks"][:3] == sent["blocks"][:3]
    assert [line.split(" · ")[0] for line in lines(flag)] == [
        "⏸ Paused by <@U0DANA>",
        "▶️ Resumed by <@U0DANA>",
    ]
    assert buttons(flag) == buttons(sent)


def test_resume_guide_from_the_hand_off_ping_keeps_the_details(flagged: Flagged) -> None:
    sent = the_flag(flagged)
    hand_off(flagged)
    ((dm_channel, dm_ts),) = [key for key in flagged.fake.messages if key[0] == "D0SAM"]

    flagged.click("U0SAM", action_id="og_hand_back", on=(dm_channel, dm_ts))

    flag = the_flag(flagged)
    assert flag["blocks"][:3] == sent["blocks"][:3]
    assert [line.split(" · ")[0] for line in lines(flag)] == [
        "🤝 Handed off to <@U0SAM> by <@U0DANA>",
        "▶️ Back with the guide by <@U0SAM>",
    ]
    ping = json.dumps(flagged.fake.messages[(dm_channel, dm_ts)]["blocks"], ensure_ascii=False)
    assert "▶️ Back with the guide by <@U0SAM> · <!date^" in ping


def test_every_flag_of_the_journey_changes(flagged: Flagged) -> None:
    """Two flags of one journey (welcome, then setup): a pause reaches both."""
    for day in range(6, 12):
        tick(flagged.guide, DAY0 + timedelta(days=day))
    flags = [key for key, m in flagged.fake.messages.items() if key[0] == CHANNEL]
    assert len(flags) == 2

    pause(flagged)

    for key in flags:
        flag = flagged.fake.messages[key]
        assert lines(flag)[0].startswith("⏸ Paused by <@U0DANA>") and buttons(flag) == []
    assert any("setup" in message_texts(flagged.fake.messages[k]["blocks"])[0] for k in flags)
