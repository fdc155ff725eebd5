"""The personal note's modal: views Slack takes whatever the sheet, the model or an error put in
them, and the submission read back as Slack sends it."""

from __future__ import annotations

from typing import Any

import pytest

from modals.limits import check_view
from modals.note import (
    NO_MODEL,
    NoteSubmission,
    drafted_by,
    drafting_modal,
    no_draft,
    note_errors,
    note_external_id,
    note_modal,
    read_note_submission,
)

HOSTILE = ["<!channel> *bold*", "<@U0BOSS>", "Fish & Chips <Ltd>", "Zoë :tada: 🚀", ""]
EXTERNAL = note_external_id("1337.42.abcdef", "1700000000.123456")


@pytest.mark.parametrize("name", HOSTILE)
def test_both_views_are_views_slack_takes(name: str) -> None:
    drafting = drafting_modal("C1", 1, name, name, "Amazon Bedrock (m)", external_id=EXTERNAL)
    drafted = note_modal(
        "C1",
        1,
        name,
        name,
        subject=name * 100,
        body="word " * 2000,
        said=no_draft("x" * 5000),
        external_id=EXTERNAL,
        message="C0FLAGS:1.2",
        owner="U0DANA",
    )
    for view in (drafting, drafted):
        check_view(view)  # raises when Slack would refuse it
        assert view.external_id == EXTERNAL
    inputs = [b for b in drafted.to_dict()["blocks"] if "element" in b]
    values = {b["block_id"]: b["element"].get("initial_value", "") for b in inputs}
    assert len(values["note_subject"]) == min(200, 100 * len(name))
    assert len(values["note_body"]) == 3000


def test_what_the_modal_says_about_its_draft() -> None:
    assert drafted_by("Amazon Bedrock (m)").startswith("Drafted by Amazon Bedrock (m) from")
    assert no_draft("it timed out.") == "No draft: it timed out. Write the note yourself."
    assert "OG_SUMMARY_MODEL" in NO_MODEL


def submitted(subject: Any, body: Any) -> dict[str, Any]:
    view = note_modal("C1", 2, "Ada", "Engines", subject="", body="", said=NO_MODEL).to_dict()
    view["state"] = {
        "values": {
            "note_subject": {"subject": {"type": "plain_text_input", "value": subject}},
            "note_body": {"body": {"type": "plain_text_input", "value": body}},
        }
    }
    return view


def test_the_submission_is_read_back_with_its_errors() -> None:
    read = read_note_submission(submitted("Hi", "Hello\nthere"))
    assert read == NoteSubmission(customer_id="C1", journey=2, subject="Hi", body="Hello\nthere")
    assert note_errors(read) == {}
    empty = read_note_submission(submitted(None, "  "))
    assert note_errors(empty) == {
        "note_subject": "Give the note a subject.",
        "note_body": "Write the note.",
    }


def test_an_external_id_stays_within_slacks_255_characters() -> None:
    assert len(note_external_id("t" * 300, "1.2")) == 255
