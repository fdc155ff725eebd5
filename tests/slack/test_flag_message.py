"""The flag as a Slack message: what it says, what its buttons carry, that nothing from the
sheet can ping, mention or format, and that every message stays within Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from builders import a_notice
from fake_slack import message_texts
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.blocks import check_message
from bot.slack.buttons import ButtonTarget
from bot.slack.flag import flag_message, flag_text
from bot.slack.text import escape_mrkdwn
from engine.outcomes import FlagNotice
from engine.plans import Person

OWNER = Person(name="Sam Owner", slack_id="U123")


def built(notice: FlagNotice) -> list[dict[str, Any]]:
    """The message as Slack receives it, checked against Slack's limits first."""
    blocks = flag_message(notice)
    check_message(blocks)
    return [block.to_dict() for block in blocks]


def of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of the one actions block, without its overflow menu."""
    (actions,) = of_type(blocks, "actions")
    return [element for element in actions["elements"] if element["type"] == "button"]


def mrkdwn_texts(notice: FlagNotice) -> list[str]:
    """Everything Slack parses for mentions and formatting: mrkdwn objects and the fallback."""
    blocks = built(notice)
    return [*message_texts(blocks, "mrkdwn"), flag_text(notice)]


def plain_texts(notice: FlagNotice) -> list[str]:
    return message_texts(built(notice), "plain_text")


# --- content -------------------------------------------------------------------------------


def test_the_header_names_the_customer_and_the_stuck_step() -> None:
    (header,) = of_type(built(a_notice()), "header")

    assert header["text"] == {
        "type": "plain_text",
        "text": "🚩 Ada Lovelace is stuck on Connect your data",
        "emoji": False,
    }


def test_the_details_mention_the_owner_and_give_every_fact() -> None:
    details = of_type(built(a_notice()), "section")[0]

    assert details["text"]["type"] == "mrkdwn"
    assert details["text"]["text"] == (
        "<@U123> *Ada Lovelace* needs a person: no progress 3 guide days after the nudge"
    )
    assert [f["text"] for f in details["fields"]] == [
        "Customer: Ada Lovelace (cust-42)",
        "Company: Analytical Engines Ltd",
        "Plan: Pro",
        "Stuck on: Connect your data (connect-data)",
        "Guide day: 12 (journey 2)",
        "Owner: Sam Owner",
    ]


def test_the_journey_so_far_lists_every_event_oldest_first() -> None:
    journey = of_type(built(a_notice()), "section")[1]

    assert journey["text"]["text"].splitlines() == [
        "Journey so far",
        "• 2025-03-03 step Welcome (sent)",
        "• 2025-03-04 done Welcome",
        "• 2025-03-05 step Connect your data (sent)",
        "• 2025-03-10 nudge Connect your data (sent)",
    ]


def test_a_journey_with_no_events_says_so() -> None:
    journey = of_type(built(a_notice(history=())), "section")[1]

    assert journey["text"]["text"] == "Journey so far: nothing recorded yet."


def test_done_pause_and_hand_off_carry_the_customer_and_journey() -> None:
    elements = buttons(built(a_notice()))

    assert [(b["action_id"], b["text"]["text"], b.get("style")) for b in elements] == [
        ("og_done", "Done", "primary"),
        ("og_pause", "Pause", None),
        ("og_hand_off", "Hand off", None),
    ]
    for button in elements:
        # The owner the flag was sent to may act on it, whoever else may; the name and
        # company shown let a modal open from the click alone.
        assert json.loads(button["value"]) == {
            "c": "cust-42",
            "j": 2,
            "o": "U123",
            "n": "Ada Lovelace",
            "co": "Analytical Engines Ltd",
        }
        assert ButtonTarget.from_value(button["value"]) == ButtonTarget(
            "cust-42", 2, "U123", name="Ada Lovelace", company="Analytical Engines Ltd"
        )


def test_the_fallback_text_mentions_the_owner_and_names_customer_company_and_step() -> None:
    assert flag_text(a_notice()) == (
        "<@U123> Ada Lovelace (Analytical Engines Ltd) is stuck on Connect your data (guide day 12)"
    )
    assert flag_text(a_notice(company="")) == (
        "<@U123> Ada Lovelace is stuck on Connect your data (guide day 12)"
    )


def test_a_customer_without_a_name_or_a_step_without_a_name_is_shown_by_id() -> None:
    (header,) = of_type(built(a_notice(customer_name=" ", step_name="")), "header")

    assert header["text"]["text"] == "🚩 cust-42 is stuck on connect-data"


# --- escaping ------------------------------------------------------------------------------


def test_escape_mrkdwn_encodes_control_characters_and_defuses_formatting() -> None:
    assert escape_mrkdwn("<!channel> & <@U999> *b* _i_ ~s~ `c`") == (
        "&lt;!channel&gt; &amp; &lt;@U999&gt; ∗b∗ ˍiˍ ∼s∼ ˋcˋ"
    )
    assert escape_mrkdwn("two\nlines\r\n> quoted") == "two lines &gt; quoted"


@pytest.mark.parametrize("field", ["customer_name", "company", "step_name", "reason"])
@pytest.mark.parametrize(
    ("hostile", "shown_in_mrkdwn"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U999>", "&lt;@U999&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("*bold*", "∗bold∗"),
        ("_it_ ~gone~ `code`", "ˍitˍ ∼gone∼ ˋcodeˋ"),
        ("Smith & Sons", "Smith &amp; Sons"),
    ],
)
def test_sheet_text_cannot_ping_mention_link_or_format(
    field: str, hostile: str, shown_in_mrkdwn: str
) -> None:
    notice = a_notice(**{field: hostile})

    mrkdwn = mrkdwn_texts(notice)
    # The owner's mention is the one live token in the whole message.
    assert all(text.replace("<@U123>", "").count("<") == 0 for text in mrkdwn)
    assert all(hostile not in text for text in mrkdwn)
    assert any(shown_in_mrkdwn in text for text in mrkdwn)
    if field != "reason":  # the reason is only in the mrkdwn section
        # Plain text formats nothing, but Slack asks for `&`, `<`, `>` as entities in every
        # text object (it shows them as the characters): the one escape, everywhere.
        entities = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert any(entities in text for text in plain_texts(notice))
        assert all(text.count("<") == 0 for text in plain_texts(notice))


def test_an_owner_id_that_is_not_a_slack_id_is_shown_as_a_name_and_pings_nobody() -> None:
    notice = a_notice(owner=Person(name="Eve <!here>", slack_id="U1> <!channel"))

    for text in mrkdwn_texts(notice):
        assert "<" not in text
        assert "Eve &lt;!here&gt;" in text


def test_line_breaks_in_sheet_text_cannot_fake_lines_or_fields() -> None:
    notice = a_notice(customer_name="Eve\nPlan: Free\x1b[2J", history=("2025-03-03\r\nFake: line",))

    texts = [*message_texts(built(notice)), flag_text(notice)]
    assert not any("\x1b" in text or "\r" in text for text in texts)
    assert "Customer: Eve Plan: Free [2J (cust-42)" in texts
    assert not any(line.startswith("Fake") for text in texts for line in text.splitlines())


# --- limits --------------------------------------------------------------------------------


def test_a_long_journey_keeps_the_newest_events_and_counts_the_rest() -> None:
    history = tuple(f"2025-01-01  nudge Step number {n} (sent)" for n in range(500))

    journey = of_type(built(a_notice(history=history)), "section")[1]["text"]["text"]

    lines = journey.splitlines()
    shown = len(lines) - 2
    assert len(journey) <= 3000
    assert lines[:2] == ["Journey so far", f"… and {500 - shown} more before these"]
    assert lines[-1] == "• 2025-01-01 nudge Step number 499 (sent)"
    assert 0 < shown < 500


def test_a_journey_of_very_long_lines_stays_within_the_section_limit() -> None:
    history = tuple("x" * 5000 for _ in range(500))

    journey = of_type(built(a_notice(history=history)), "section")[1]["text"]["text"]

    assert len(journey) <= 3000
    assert "more before these" in journey


@pytest.mark.parametrize("filler", ["W", "&"], ids=["letters", "ampersands"])
def test_enormous_sheet_values_are_clipped_to_fit(filler: str) -> None:
    # Ampersands are the worst case: escaping makes each one five characters.
    huge = filler * 20_000
    owner = Person(name=huge, slack_id="U" * 100)

    blocks = built(
        a_notice(
            customer_name=huge,
            company=huge,
            plan=huge,
            step_name=huge,
            reason=huge,
            step=huge,
            owner=owner,
        )
    )

    (header,) = of_type(blocks, "header")
    assert len(header["text"]["text"]) <= 150 and header["text"]["text"].count("…") == 2
    assert len(flag_text(a_notice(customer_name=huge, step_name=huge, owner=owner))) < 5000


def test_a_customer_id_too_long_for_a_button_value_leaves_the_buttons_out() -> None:
    blocks = built(a_notice(customer_id="C" * 2500))

    assert of_type(blocks, "actions") == []
    assert "act with the og command" in blocks[-1]["text"]["text"]


def test_check_message_refuses_more_than_fifty_blocks() -> None:
    with pytest.raises(SlackObjectFormationError, match="51 blocks"):
        check_message([DividerBlock() for _ in range(51)])


def test_check_message_refuses_the_same_action_id_twice() -> None:
    blocks: list[Block] = [
        ActionsBlock(elements=[ButtonElement(text="A", action_id="og_done", value="1")]),
        ActionsBlock(elements=[ButtonElement(text="B", action_id="og_done", value="2")]),
    ]

    with pytest.raises(SlackObjectFormationError, match="og_done"):
        check_message(blocks)


def test_check_message_counts_section_buttons_among_the_action_ids() -> None:
    button = ButtonElement(text="Resume", action_id="og_resume_0", value="1")
    blocks: list[Block] = [
        SectionBlock(text=PlainTextObject(text="a"), accessory=button),
        ActionsBlock(elements=[ButtonElement(text="B", action_id="og_resume_0", value="2")]),
    ]

    with pytest.raises(SlackObjectFormationError, match="og_resume_0"):
        check_message(blocks)


@pytest.mark.parametrize(
    "block",
    [
        SectionBlock(text=PlainTextObject(text="x" * 3001)),
        SectionBlock(fields=[PlainTextObject(text="x" * 2001)]),
        ActionsBlock(elements=[ButtonElement(text="A", action_id="a", value="v" * 2001)]),
        ActionsBlock(elements=[ButtonElement(text="x" * 76, action_id="a", value="v")]),
    ],
    ids=["section text", "section field", "button value", "button label"],
)
def test_check_message_refuses_text_over_slacks_limits(block: Block) -> None:
    with pytest.raises(SlackObjectFormationError):
        check_message([block])


@pytest.mark.parametrize("value", ["", "nope", "[1]", '{"c": 1, "j": 1}', '{"c": "a", "j": true}'])
def test_a_button_value_the_guide_did_not_write_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a flag button value"):
        ButtonTarget.from_value(value)


# --- properties ----------------------------------------------------------------------------

HOSTILE_PIECES = ["<!channel>", "<!here>", "<@U999>", "<#C1>", "&", "*", "_", "~", "`", ">", "\n"]
sheet_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=30)), max_size=12
).map("".join)


@given(
    name=sheet_text,
    company=sheet_text,
    step_name=sheet_text,
    reason=sheet_text,
    owner_name=sheet_text,
    customer_id=st.text(min_size=1, max_size=40),
    journey=st.integers(min_value=1, max_value=10_000),
    history=st.lists(sheet_text, max_size=60),
)
def test_any_sheet_text_gives_a_valid_message_that_pings_only_the_owner(
    name: str,
    company: str,
    step_name: str,
    reason: str,
    owner_name: str,
    customer_id: str,
    journey: int,
    history: list[str],
) -> None:
    notice = a_notice(
        customer_id=customer_id,
        customer_name=name,
        company=company,
        step_name=step_name,
        reason=reason,
        owner=Person(name=owner_name, slack_id="U123"),
        journey=journey,
        history=tuple(history),
    )

    for text in mrkdwn_texts(notice):  # mrkdwn_texts runs check_message
        assert "<!" not in text and "<@" not in text.replace("<@U123>", "", 1)
        assert text.replace("<@U123>", "", 1).count("<") == 0
    (actions,) = of_type(built(notice), "actions")
    values = [e["value"] for e in actions["elements"] if e["type"] == "button"]
    (menu,) = [e for e in actions["elements"] if e["type"] == "overflow"]
    options = [option["value"] for option in menu["options"]]
    assert len(values) == 3 and all(len(value) <= 2000 for value in values)
    assert len(options) == 2 and all(len(value) <= 150 for value in options)
    for value in [*values, *options]:
        target = ButtonTarget.from_value(value)
        assert (target.customer_id, target.journey, target.owner) == (customer_id, journey, "U123")
