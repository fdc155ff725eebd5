"""The flag's overflow menu: "Show the last email" and "Draft a personal note", after the buttons
while the flag is open and alone once an action took them away; each option's value within an
option's 150 characters, the note's saying which it is."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from builders import a_notice, an_event
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import ActionsBlock, Block, Option, OverflowMenuElement

from bot.slack.blocks import check_message
from bot.slack.buttons import ButtonTarget
from bot.slack.flag import flag_message
from engine.outcomes import FlagNotice


def actions(notice: FlagNotice, *, open: bool = True) -> list[list[dict[str, Any]]]:
    """The elements of each actions block of the flag as Slack receives it."""
    events = () if open else (an_event(),)
    blocks = flag_message(notice, events, open=open)
    check_message(blocks)
    return [b.to_dict()["elements"] for b in blocks if b.to_dict()["type"] == "actions"]


def test_an_open_flag_offers_the_last_email_and_a_note_after_its_buttons() -> None:
    ((*buttons, menu),) = actions(a_notice())

    assert [b["action_id"] for b in buttons] == ["og_done", "og_pause", "og_hand_off"]
    assert (menu["type"], menu["action_id"]) == ("overflow", "og_last_email")
    last_email, note = menu["options"]
    assert last_email["text"] == {
        "type": "plain_text",
        "text": "Show the last email",
        "emoji": False,
    }
    assert note["text"] == {"type": "plain_text", "text": "Draft a personal note", "emoji": False}
    # Everything the buttons carry fits here: the same value; the note's says it is the note.
    assert last_email["value"] == buttons[0]["value"]
    shown = ButtonTarget(
        "cust-42", 2, "U123", name="Ada Lovelace", company="Analytical Engines Ltd"
    )
    assert ButtonTarget.from_value(last_email["value"]) == shown
    assert ButtonTarget.from_value(note["value"]) == replace(shown, option="note")


def test_after_an_action_the_flag_keeps_only_its_menu() -> None:
    ((menu,),) = actions(a_notice(), open=False)

    assert menu["action_id"] == "og_last_email"
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Show the last email",
        "Draft a personal note",
    ]


def test_names_too_long_for_an_option_leave_it_the_customer_journey_and_owner() -> None:
    notice = a_notice(customer_name="Ada " * 20, company="Engines " * 10)

    ((*buttons, menu),) = actions(notice)

    last_email, note = menu["options"]
    assert json.loads(last_email["value"]) == {"c": "cust-42", "j": 2, "o": "U123"}
    assert json.loads(note["value"]) == {"c": "cust-42", "j": 2, "o": "U123", "do": "note"}
    assert len(last_email["value"]) <= 150 and len(note["value"]) <= 150
    # The buttons, with room to spare, still carry the name and company for the modals.
    assert json.loads(buttons[1]["value"])["n"].startswith("Ada Ada")


def test_an_id_with_room_for_one_option_only_keeps_the_last_email() -> None:
    # {"c":"…","j":2,"o":"U123"} is 25 characters and the id; the note's adds 10.
    notice = a_notice(customer_id="C" * 120)

    ((*_, menu),) = actions(notice)

    assert [o["text"]["text"] for o in menu["options"]] == ["Show the last email"]


def test_a_customer_id_too_long_for_an_option_keeps_the_buttons_but_no_menu() -> None:
    notice = a_notice(customer_id="C" * 140)

    (elements,) = actions(notice)

    assert [e["type"] for e in elements] == ["button", "button", "button"]
    assert actions(notice, open=False) == []  # closed: no actions block at all


def test_slack_takes_an_option_value_of_150_characters_and_no_more() -> None:
    def menu(length: int) -> list[Block]:
        option = Option(text="x", value="v" * length)
        return [ActionsBlock(elements=[OverflowMenuElement(action_id="a", options=[option])])]

    check_message(menu(150))  # raises if refused
    with pytest.raises(SlackObjectFormationError, match="150"):
        check_message(menu(151))
