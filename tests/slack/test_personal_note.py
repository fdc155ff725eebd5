"""The flag's "Draft a personal note", end to end: a real flag posted through the Slack notifier;
the menu's option picked, and the modal submitted, in requests signed with a real signing
secret and sent through Bolt; Slack's Web API answered by the fake Slack over HTTP; the draft
written by boto3's real `bedrock-runtime` client against the Converse stand-in on loopback;
the note sent to the workspace's outbox, recorded in SQLite, and the next tick checked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from bedrock_standin import BedrockStandIn, bedrock_stand_in
from fake_slack import FakeSlack, message_texts
from moto_ses import fake_aws_credentials
from slack_flow import DAY0, Flagged
from workspace import text_part

from bot.wiring import open_note_drafter
from engine.adapters.bedrock_commentary import BedrockCommentator, parse_bedrock_url
from engine.models import SendKind, SendStatus
from engine.note_draft import NOTE_INSTRUCTIONS
from engine.tick import tick
from engine.unsubscribe import unsubscribe

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
DRAFTED = (
    "Subject: Stuck on the welcome?\n\n"
    "Hi Name,\n\nI noticed the welcome step is still open. Want a hand? A quick reply is "
    "enough.\n\nDana"
)
NOTE = "note"  # the menu's second option
TODAY = date(2026, 11, 10)  # the app's clock: the day after the flag


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    fake_aws_credentials(monkeypatch)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with bedrock_stand_in() as stand_in:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", stand_in.url)
        stand_in.words = DRAFTED
        yield stand_in


@pytest.fixture
def flagged(tmp_path: Path, fake_slack: FakeSlack, bedrock: BedrockStandIn) -> Flagged:
    drafter = BedrockCommentator(parse_bedrock_url(f"bedrock://{MODEL}"), read_timeout=0.5)
    flagged = Flagged(tmp_path, fake_slack, drafter=drafter)
    # Replies come back to the guide's inbox, as with OG_INBOX set.
    flagged.guide.config = replace(flagged.guide.config, reply_address="guide@example.test")
    return flagged


def choose_note(flagged: Flagged, user: str = "U0DANA") -> int:
    return flagged.choose(user=user, option=1)


def the_view(flagged: Flagged) -> dict[str, Any]:
    (view,) = flagged.fake.views.values()
    return view


def inputs(view: dict[str, Any]) -> dict[str, Any]:
    """Each input's initial value, by block id."""
    return {
        block["block_id"]: block["element"].get("initial_value")
        for block in view["blocks"]
        if block["type"] == "input"
    }


def said(view: dict[str, Any]) -> str:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "said"]
    return str(block["elements"][0]["text"])


def typed(subject: str | None, body: str | None) -> dict[str, Any]:
    return {
        "note_subject": {"subject": {"type": "plain_text_input", "value": subject}},
        "note_body": {"body": {"type": "plain_text_input", "value": body}},
    }


def notes_sent(flagged: Flagged) -> list[Any]:
    return [m for m in flagged.ws.emails() if m["X-OG-Kind"] == "note"]


def stored(flagged: Flagged) -> tuple[Any, ...]:
    store = flagged.guide.store
    snapshot = store.load_one("C1")
    return snapshot.states, snapshot.sends, store.audit_trail("C1")


def test_the_menu_opens_drafting_then_the_draft_which_is_sent_as_edited(
    flagged: Flagged, bedrock: BedrockStandIn
) -> None:
    assert bedrock.requests == []  # eight ticks, a flag among them: the model never asked
    before = len(flagged.fake.calls)

    assert choose_note(flagged) == 200

    # "Drafting…" opened with the click's trigger id, then the draft put in its place.
    methods = [c.method for c in flagged.fake.calls[before:] if c.method.startswith("views.")]
    assert methods == ["views.open", "views.update"]
    (opened,) = flagged.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "1337.42.abcdef"
    drafting = opened.params["view"]
    assert "submit" not in drafting and inputs(drafting) == {}
    assert f"Amazon Bedrock ({MODEL}) is drafting" in said(drafting)
    (updated,) = flagged.fake.calls_to("views.update")
    assert updated.params["external_id"] == drafting["external_id"]
    view = the_view(flagged)
    assert view["submit"]["text"] == "Send" and view["callback_id"] == "og_note_submit"
    assert message_texts(view["blocks"])[0] == "A personal note to Name C1 at Co C1 (C1)."
    assert inputs(view) == {
        "note_subject": "Stuck on the welcome?",
        "note_body": "Hi Name,\n\nI noticed the welcome step is still open. Want a hand? A "
        "quick reply is enough.\n\nDana",
    }
    assert said(view).startswith(f"Drafted by Amazon Bedrock ({MODEL})")

    # The prompt: the journey, the stuck step and its message; no email address at all.
    (request,) = bedrock.requests
    assert request.path == f"/model/{quote(MODEL, safe='')}/converse"
    assert request.body["system"] == [{"text": NOTE_INSTRUCTIONS}]
    assert request.body["inferenceConfig"] == {"maxTokens": 700, "temperature": 0.5}
    ((message,),) = [m["content"] for m in request.body["messages"]]
    prompt = message["text"]
    assert "First name: Name" in prompt and "Company: Co C1" in prompt
    assert "Stuck on: welcome" in prompt
    assert "Hi Name, welcome to the Starter plan. Done? [their done link]" in prompt
    assert "- setup (due on day 2): email sent Thu 5 Nov, nudged Sat 7 Nov, not done" in prompt
    assert "c1@example.test" not in json.dumps(request.body) and "@" not in prompt
    assert flagged.guide.store.audit_trail("C1") == []  # a draft changes nothing

    edited = "Hi Name,\n\nThe welcome is one click. Shall we do it together on a call?\n\nDana"
    assert flagged.submit(view, typed("Welcome, {first_name}?", edited)) == 200

    (email,) = notes_sent(flagged)
    assert str(email["Subject"]) == "Welcome, {first_name}?"  # the owner's words, as written
    assert str(email["From"]) == "Guide <guide@example.test>"
    assert str(email["To"]) == "Name C1 <c1@example.test>"
    assert str(email["Reply-To"]).startswith("guide+") and email["List-Unsubscribe"]
    text = text_part(email)
    assert text.startswith("Hi Name,\n\nThe welcome is one click. Shall we do it together")
    assert "/unsubscribe/" in text and "/done/" not in text
    html = email.get_body(("html",))
    assert html is not None and "Shall we do it together on a call?" in html.get_content()

    (send,) = [s for s in stored(flagged)[1]["C1"] if s.kind == SendKind.NOTE]
    assert (send.step, send.local_date, send.status) == ("note-2026-11-10", TODAY, SendStatus.SENT)
    (audit, *_) = flagged.guide.store.audit_trail("C1")
    assert (audit.action, audit.actor, audit.note) == (
        "note_sent",
        "U0DANA",
        "Welcome, {first_name}?",
    )
    flag = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert "💌 Personal note sent by <@U0DANA>" in flag["text"]

    # The day's move is made: the tick that would flag setup today sends nothing more.
    messages, emails = len(flagged.fake.messages), len(flagged.ws.emails())
    (result,) = tick(flagged.guide, DAY0 + timedelta(days=8)).results
    assert result.move == "on_track"
    assert result.reason == "already moved today (note note-2026-11-10)"
    assert (len(flagged.fake.messages), len(flagged.ws.emails())) == (messages, emails)
    assert len(bedrock.requests) == 1  # and the tick asked no model


def test_without_the_note_that_tick_would_have_flagged_setup(flagged: Flagged) -> None:
    (result,) = tick(flagged.guide, DAY0 + timedelta(days=8)).results
    assert (result.move, result.step) == ("flag", "setup")


def test_a_second_note_the_same_day_is_refused(flagged: Flagged) -> None:
    choose_note(flagged)
    view = the_view(flagged)
    flagged.submit(view, typed("One", "First note."))
    kept = stored(flagged)

    flagged.submit(view, typed("Two", "Second note."))

    assert len(notes_sent(flagged)) == 1 and stored(flagged) == kept
    assert flagged.ephemerals()[-1].startswith("A personal note already went to C1 today")


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("slow", "did not draft it: no answer within 0.5 seconds."),
        ("error", "(InternalServerException)"),
        ("cut", "the model stopped before it finished (max_tokens)"),
    ],
)
def test_no_draft_still_opens_the_modal_empty_saying_why(
    flagged: Flagged, bedrock: BedrockStandIn, mode: str, why: str
) -> None:
    bedrock.mode = mode

    started = time.monotonic()
    assert choose_note(flagged) == 200

    assert time.monotonic() - started < 2.5  # the stand-in would have answered after 3 s
    view = the_view(flagged)
    assert inputs(view) == {"note_subject": None, "note_body": None}
    assert said(view).startswith(f"No draft: Amazon Bedrock ({MODEL}) did not draft it: ")
    assert why in said(view) and said(view).endswith("Write the note yourself.")
    assert len(bedrock.requests) == 1  # one try
    # Written by hand, it goes all the same.
    flagged.submit(view, typed("Hello", "Written by hand."))
    assert len(notes_sent(flagged)) == 1


def test_without_a_model_the_modal_opens_empty_and_says_so(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)

    assert choose_note(flagged) == 200

    assert fake_slack.calls_to("views.update") == []
    view = the_view(flagged)
    assert inputs(view) == {"note_subject": None, "note_body": None}
    assert said(view).startswith("No model is set for drafting (OG_SUMMARY_MODEL)")
    flagged.submit(view, typed("Hello", "Written by hand."))
    assert len(notes_sent(flagged)) == 1


def test_an_unsubscribed_customer_gets_no_note(flagged: Flagged) -> None:
    choose_note(flagged)
    view = the_view(flagged)
    unsubscribe(flagged.guide, "C1", 1, DAY0 + timedelta(days=8))
    kept, before = stored(flagged), len(flagged.fake.calls)

    assert flagged.submit(view, typed("Hello", "Still there?")) == 200

    body = json.loads(flagged.last_body)
    assert body == {
        "response_action": "errors",
        "errors": {"note_body": "C1 unsubscribed from the guide's emails; no note goes to them."},
    }
    assert notes_sent(flagged) == [] and stored(flagged) == kept
    assert [c.method for c in flagged.fake.calls[before:]] == []


def test_unsubscribed_in_the_sheet_alone_the_note_is_refused_after_the_modal(
    flagged: Flagged,
) -> None:
    choose_note(flagged)
    view = the_view(flagged)
    flagged.ws.write_rows([{**flagged.row(), "unsubscribed": "TRUE"}])
    kept = stored(flagged)

    flagged.submit(view, typed("Hello", "Still there?"))

    assert notes_sent(flagged) == [] and stored(flagged) == kept
    assert flagged.ephemerals() == [
        "C1 unsubscribed from the guide's emails; no note goes to them."
    ]


def test_someone_not_allowed_is_refused_and_nothing_is_touched(
    flagged: Flagged, bedrock: BedrockStandIn
) -> None:
    kept, before = stored(flagged), len(flagged.fake.calls)

    assert choose_note(flagged, user="U0MALLORY") == 200

    assert flagged.fake.calls_to("views.open") == [] and bedrock.requests == []
    assert flagged.ephemerals()[-1].startswith("Only the onboarding team")
    assert "chat.update" not in [c.method for c in flagged.fake.calls[before:]]

    # Nor may they send a note opened by someone who may.
    choose_note(flagged)
    flagged.submit(the_view(flagged), typed("Hi", "Words."), user="U0MALLORY")
    assert json.loads(flagged.last_body)["errors"]["note_body"].startswith("Only the onboarding")
    assert notes_sent(flagged) == [] and stored(flagged) == kept


def test_an_empty_subject_or_note_stays_on_the_modal(flagged: Flagged) -> None:
    choose_note(flagged)

    flagged.submit(the_view(flagged), typed("  ", None))

    assert json.loads(flagged.last_body)["errors"] == {
        "note_subject": "Give the note a subject.",
        "note_body": "Write the note.",
    }
    assert notes_sent(flagged) == []


def test_the_last_email_option_still_shows_the_last_email(flagged: Flagged) -> None:
    before = len(flagged.fake.calls)

    flagged.choose()

    assert flagged.fake.calls_to("views.open") == []
    assert flagged.ephemerals()[-1] == "The last email to Name C1: How is it going?"
    after = [c.method for c in flagged.fake.calls[before:] if c.method != "auth.test"]
    assert after == ["chat.postEphemeral"]


def test_the_summary_model_drafts_the_notes() -> None:
    assert open_note_drafter("") is None
    drafter = open_note_drafter(f"bedrock://{MODEL}?region=eu-west-1")
    assert drafter is not None and drafter.name == f"Amazon Bedrock ({MODEL})"
