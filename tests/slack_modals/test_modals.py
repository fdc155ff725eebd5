"""The pause and hand-off modals: what Slack is sent, and what comes back on submit.

Submissions are built in the shape Slack documents for `view_submission` (and Bolt's own tests
use): the whole view echoed back with Slack's fields added, and the inputs under
`view.state.values[block_id][action_id]`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt import Ack, App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.text import plain
from engine.plans import Person
from modals.hand_off import (
    HAND_OFF_CALLBACK_ID,
    HandOffSubmission,
    hand_off_errors,
    hand_off_modal,
    read_hand_off_submission,
)
from modals.limits import check_view
from modals.pause import PauseSubmission, pause_modal, read_pause_submission

HOSTILE_NAMES = [
    "<!channel> *bold*",
    "<!here|here> _x_",
    "<@U0BOSS>",
    "<https://evil.example|click me>",
    "Fish & Chips <Ltd>",
    "&lt;already escaped&gt;",
    "Zoë :tada: 🚀",
    "",
]
OWNERS = (
    Person(name="Sam Ortiz", slack_id="U0SAM"),
    Person(name="Priya <!channel> Nair", slack_id="U0PRIYA"),
    Person(name="Lee & Wong", slack_id="U0LEE"),
)


def owners(count: int) -> tuple[Person, ...]:
    return tuple(Person(name=f"Owner {n} <@U{n}>", slack_id=f"U0OWNER{n}") for n in range(count))


def as_json(view: View) -> dict[str, Any]:
    check_view(view)
    return view.to_dict()


def block(view_json: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in view_json["blocks"] if b.get("block_id") == block_id)
    return found


def every_text(node: object) -> list[str]:
    """Every `text` string anywhere in the view: what a person reads."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in every_text(value)]
    if isinstance(node, list):
        return [t for item in node for t in every_text(item)]
    return []


# --- view_submission payloads, as Slack sends them -------------------------------------------


def submitted(view: View, values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The whole body of a `view_submission` for `view` with `values` in its state."""
    opened = view.to_dict()
    return {
        "type": "view_submission",
        "team": {"id": "T0TEAM", "domain": "acme-cs"},
        "user": {"id": "U0ACTOR", "username": "dana", "name": "dana", "team_id": "T0TEAM"},
        "api_app_id": "A0GUIDE",
        "token": "verification-token",
        "trigger_id": "1111.2222.abcd",
        "view": {
            "id": "V0MODAL",
            "team_id": "T0TEAM",
            **opened,
            "state": {"values": values},
            "hash": "1596530361.3wRYuk3R",
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": "V0MODAL",
            "app_id": "A0GUIDE",
            "external_id": "",
            "app_installed_team_id": "T0TEAM",
            "bot_id": "B0GUIDE",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def note_state(value: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    return {"note": {"note": {"type": "plain_text_input", "value": value}}}


def owner_state(picked: Person | None) -> dict[str, dict[str, dict[str, Any]]]:
    selected = (
        None
        if picked is None
        else {
            # Slack echoes the option as it was sent, its text escaped.
            "text": {"type": "plain_text", "text": plain(picked.name, 75), "emoji": False},
            "value": picked.slack_id,
        }
    )
    return {"owner": {"owner": {"type": "static_select", "selected_option": selected}}}


# --- the pause modal ------------------------------------------------------------------------


def test_pause_modal_has_the_callback_buttons_and_an_optional_note() -> None:
    view = as_json(pause_modal("C-1", 1, "Ana Lima", "Lima Labs"))

    assert view["type"] == "modal"
    assert view["callback_id"] == "og_pause_submit"
    assert view["title"]["text"] == "Pause onboarding"
    assert view["submit"]["text"] == "Pause"
    assert view["close"]["text"] == "Cancel"
    assert json.loads(view["private_metadata"]) == {"c": "C-1", "j": 1}
    assert block(view, "customer")["text"] == {
        "type": "plain_text",
        "text": "Pause onboarding for Ana Lima at Lima Labs (C-1).",
        "emoji": False,
    }
    note = block(view, "note")
    assert note["type"] == "input"
    assert note["optional"] is True
    assert note["element"]["type"] == "plain_text_input"
    assert note["element"]["action_id"] == "note"
    assert note["element"]["multiline"] is True
    assert note["element"]["max_length"] == 500
    assert note["element"]["placeholder"]["text"] == "Team of one, revisit after Q3"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_pause_modal_quotes_hostile_names_so_they_ping_and_format_nothing(name: str) -> None:
    view = as_json(pause_modal("C-7", 2, name, name))

    dumped = json.dumps(view, ensure_ascii=False)
    assert "<" not in dumped
    assert ">" not in dumped
    section = block(view, "customer")["text"]
    assert section["type"] == "plain_text"
    if name:
        assert html.unescape(section["text"]) == f"Pause onboarding for {name} at {name} (C-7)."


def test_pause_modal_without_a_name_names_the_customer_id() -> None:
    view = as_json(pause_modal("C-9", 1, "  ", ""))

    assert block(view, "customer")["text"]["text"] == "Pause onboarding for C-9."


def test_escaping_does_not_swallow_text_that_looks_escaped() -> None:
    view = as_json(pause_modal("C-1", 1, "&lt;b&gt;", ""))

    assert (
        block(view, "customer")["text"]["text"] == "Pause onboarding for &amp;lt;b&amp;gt; (C-1)."
    )


def test_pause_modal_cuts_a_long_company_name_to_fit_a_section() -> None:
    company = "Very Long Holdings & Subsidiaries <International> " * 100

    view = as_json(pause_modal("C-1", 1, "Ana", company))

    text = block(view, "customer")["text"]["text"]
    assert len(text) < 3000
    assert "…" in text
    assert "<" not in text


def test_cutting_never_splits_an_entity() -> None:
    for limit in range(1, 20):
        cut = plain("&" * 50, limit)
        assert len(cut) <= limit
        assert cut.removesuffix("…").replace("&amp;", "") == ""


def test_private_metadata_round_trips_through_a_submission() -> None:
    view = pause_modal("C-42", 3, "Ana", "Lima Labs")

    body = submitted(view, note_state("Team of one, revisit after Q3"))

    assert body["view"]["private_metadata"] == '{"c":"C-42","j":3}'
    assert read_pause_submission(body["view"]) == PauseSubmission(
        customer_id="C-42", journey=3, note="Team of one, revisit after Q3"
    )


def test_an_empty_note_arrives_as_null_and_reads_as_empty() -> None:
    body = submitted(pause_modal("C-1", 1, "Ana", ""), note_state(None))

    assert read_pause_submission(body["view"]).note == ""


def test_a_note_is_trimmed_and_keeps_its_lines() -> None:
    body = submitted(pause_modal("C-1", 1, "Ana", ""), note_state("  On leave.\nBack in May. \n"))

    assert read_pause_submission(body["view"]).note == "On leave.\nBack in May."


def test_the_pause_reader_refuses_another_modal_and_broken_metadata() -> None:
    hand_off = submitted(hand_off_modal("C-1", 1, "Ana", "", OWNERS), owner_state(None))
    with pytest.raises(ValueError, match="expected a og_pause_submit view"):
        read_pause_submission(hand_off["view"])

    broken = submitted(pause_modal("C-1", 1, "Ana", ""), note_state(None))
    broken["view"]["private_metadata"] = "C-1"
    with pytest.raises(ValueError, match="private_metadata is not a customer"):
        read_pause_submission(broken["view"])


# --- the hand-off modal ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3, 30])
def test_hand_off_modal_offers_each_owner_by_name_with_their_slack_id(count: int) -> None:
    people = OWNERS[:count] if count <= len(OWNERS) else owners(count)

    view = as_json(hand_off_modal("C-1", 1, "Ana Lima", "Lima Labs", people))

    assert view["callback_id"] == "og_hand_off_submit"
    assert view["submit"]["text"] == "Hand off"
    assert view["close"]["text"] == "Cancel"
    assert [b["block_id"] for b in view["blocks"]] == ["customer", "owner", "note"]
    owner = block(view, "owner")
    assert owner["type"] == "input"
    assert "optional" not in owner  # Slack itself asks for a pick before it submits
    select = owner["element"]
    assert select["type"] == "static_select"
    assert select["action_id"] == "owner"
    assert [(html.unescape(o["text"]["text"]), o["value"]) for o in select["options"]] == [
        (p.name, p.slack_id) for p in people
    ]
    assert all(o["text"]["type"] == "plain_text" for o in select["options"])
    assert "<" not in json.dumps(view)
    assert block(view, "note")["element"]["action_id"] == "note"


def test_hand_off_modal_cuts_a_long_owner_name_to_an_options_75_characters() -> None:
    person = Person(name="Alexandra & " * 20, slack_id="U0ALEX")

    view = as_json(hand_off_modal("C-1", 1, "Ana", "", [person]))

    [option] = block(view, "owner")["element"]["options"]
    assert len(option["text"]["text"]) <= 75
    assert option["value"] == "U0ALEX"


def test_with_no_hand_off_owners_the_modal_explains_the_rules_doc_instead_of_a_select() -> None:
    view = as_json(hand_off_modal("C-1", 1, "Ana", "Lima Labs", []))

    assert view["callback_id"] == "og_hand_off_submit"
    assert "submit" not in view
    assert view["close"]["text"] == "Close"
    assert [b["block_id"] for b in view["blocks"]] == ["customer", "no_owners"]
    assert "static_select" not in json.dumps(view)
    explanation = block(view, "no_owners")["text"]["text"]
    assert "no hand-off owners" in explanation
    assert "Hand-off owners: Name &lt;@MEMBERID&gt;, Name &lt;@MEMBERID&gt;" in explanation


def test_a_picked_owner_reads_as_their_slack_id() -> None:
    view = hand_off_modal("C-5", 2, "Ana", "Lima Labs", OWNERS)
    body = submitted(view, {**owner_state(OWNERS[1]), **note_state("Wants SSO first")})

    submission = read_hand_off_submission(body["view"])

    assert submission == HandOffSubmission(
        customer_id="C-5", journey=2, owner_id="U0PRIYA", note="Wants SSO first"
    )
    assert hand_off_errors(submission) == {}


def test_no_pick_arrives_as_a_null_option_and_asks_for_one() -> None:
    view = hand_off_modal("C-5", 2, "Ana", "Lima Labs", OWNERS)
    body = submitted(view, {**owner_state(None), **note_state(None)})

    submission = read_hand_off_submission(body["view"])

    assert submission.owner_id is None
    assert submission.note == ""
    assert hand_off_errors(submission) == {"owner": "Pick who takes over."}
    # The error is keyed by the block_id of an input block: the only place Slack shows it.
    assert block(as_json(view), "owner")["type"] == "input"


def test_a_bolt_listener_answers_a_missing_pick_with_response_action_errors() -> None:
    """The wiring the Slack listeners use, through Bolt's own request handling."""
    app = App(
        signing_secret="not-checked",
        request_verification_enabled=False,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T0TEAM", bot_token="xoxb-test", bot_user_id="U0BOT"
        ),
    )
    seen: list[HandOffSubmission] = []

    @app.view(HAND_OFF_CALLBACK_ID)
    def on_submit(ack: Ack, view: dict[str, Any]) -> None:
        submission = read_hand_off_submission(view)
        seen.append(submission)
        errors = hand_off_errors(submission)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    modal = hand_off_modal("C-5", 2, "Ana", "", OWNERS)

    def dispatch(values: dict[str, dict[str, dict[str, Any]]]) -> tuple[int, str]:
        raw = "payload=" + quote(json.dumps(submitted(modal, values)))
        headers: dict[str, str | Sequence[str]] = {
            "content-type": ["application/x-www-form-urlencoded"]
        }
        response = app.dispatch(BoltRequest(body=raw, headers=headers))
        return response.status, response.body

    status, body = dispatch({**owner_state(None), **note_state(None)})
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"owner": "Pick who takes over."},
    }

    status, body = dispatch({**owner_state(OWNERS[0]), **note_state(None)})
    assert (status, body) == (200, "")
    assert [s.owner_id for s in seen] == [None, "U0SAM"]


# --- check_view -----------------------------------------------------------------------------


def test_check_view_passes_every_modal_the_guide_builds() -> None:
    for name in HOSTILE_NAMES:
        for people in ((), OWNERS[:1], owners(30)):
            check_view(hand_off_modal("C-1", 1, name, name, people))
        check_view(pause_modal("C-1", 1, name, name))


def note_block(block_id: str = "note", action_id: str = "note") -> InputBlock:
    return InputBlock(
        block_id=block_id, label="Note", element=PlainTextInputElement(action_id=action_id)
    )


def modal(
    blocks: Sequence[InputBlock | SectionBlock], title: str = "Fine", metadata: str = ""
) -> View:
    return View(type="modal", title=title, submit="OK", blocks=blocks, private_metadata=metadata)


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (modal([note_block()], title="A title far too long for Slack"), "title"),
        (modal([note_block()], title=""), "title"),
        (modal([note_block(f"b{n}", f"a{n}") for n in range(101)]), "101 blocks"),
        (modal([note_block()], metadata="x" * 3001), "private_metadata has 3001"),
        (modal([note_block("one", "same"), note_block("two", "same")]), "action_id .*same"),
        (modal([note_block("same", "a"), note_block("same", "b")]), "block_id .*same"),
        (
            modal(
                [
                    InputBlock(
                        label="Owner",
                        element=StaticSelectElement(
                            action_id="owner",
                            placeholder="Pick",
                            options=[Option(text="x" * 80, value="U1")],
                        ),
                    )
                ]
            ),
            "Slack would reject this view: text attribute cannot exceed 75",
        ),
    ],
    ids=["long title", "empty title", "101 blocks", "metadata", "action_id", "block_id", "option"],
)
def test_check_view_names_the_problem(view: View, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_view(view)


# --- any name, any note ---------------------------------------------------------------------

# Slack's control sequences among ordinary text, so most examples carry something to defuse.
slack_text = st.lists(
    st.sampled_from(["<!channel>", "<!here>", "<@U1>", "<#C1>", "&", "<", ">", "*", "_", "`"])
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    max_size=8,
).map("".join)


@settings(max_examples=150)
@given(name=slack_text, company=slack_text, owner_names=st.lists(slack_text, max_size=5))
def test_any_names_give_a_valid_modal_with_nothing_unescaped(
    name: str, company: str, owner_names: list[str]
) -> None:
    people = [Person(name=n, slack_id=f"U0{i}") for i, n in enumerate(owner_names)]
    for view in (
        pause_modal("C-1", 1, name, company),
        hand_off_modal("C-1", 1, name, company, people),
    ):
        dumped = json.dumps(as_json(view), ensure_ascii=False)
        assert "<!" not in dumped
        assert all("<" not in text and ">" not in text for text in every_text(view.to_dict()))


@settings(max_examples=100)
@given(note=slack_text.filter(lambda n: len(n) <= 500), journey=st.integers(1, 1000))
def test_any_note_reads_back_as_typed(note: str, journey: int) -> None:
    pause = submitted(pause_modal("C-1", journey, "Ana", ""), note_state(note or None))
    hand_off = submitted(
        hand_off_modal("C-1", journey, "Ana", "", OWNERS),
        {**owner_state(OWNERS[2]), **note_state(note or None)},
    )

    assert read_pause_submission(pause["view"]) == PauseSubmission(
        customer_id="C-1", journey=journey, note=note.strip()
    )
    assert read_hand_off_submission(hand_off["view"]).note == note.strip()
