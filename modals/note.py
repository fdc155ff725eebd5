"""The personal note's modal: "Drafting…" while the model writes, then the note (subject and
words, both editable) with a line saying who drafted it or why it is empty; read back from
Slack's view_submission, and what is missing said in the `response_action: errors` shape.

Both views carry the same `external_id`, made from the click that asked, so the draft
replaces the "Drafting…" view (`views.update`) from a lazy listener, after the click's trigger
id has done its one job of opening it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from engine.models import Frozen
from engine.note_send import BODY_LIMIT, SUBJECT_LIMIT
from modals.parts import (
    customer_section,
    expect_callback,
    pack_metadata,
    state_values,
    unpack_metadata,
)

NOTE_CALLBACK_ID = "og_note_submit"
SUBJECT_BLOCK = "note_subject"
SUBJECT_ACTION = "subject"
BODY_BLOCK = "note_body"
BODY_ACTION = "body"
TITLE = "Personal note"
NO_MODEL = (
    "No model is set for drafting (OG_SUMMARY_MODEL), so the note starts empty: write it yourself."
)
_SAID_LIMIT = 2000
_EXTERNAL_ID_LIMIT = 255


class NoteSubmission(Frozen):
    customer_id: str
    journey: int
    subject: str
    body: str
    """As typed; "" when left empty."""
    message: str | None = None
    """The flag it was opened from, as `channel:ts`; None from the Home tab."""
    owner: str = ""
    """Whom the flag was for (see `modals.parts.CustomerRef.o`)."""


def note_external_id(trigger_id: str, action_ts: str) -> str:
    """The modal's id of our own, the same for its "Drafting…" view and its draft."""
    return f"og_note:{trigger_id}:{action_ts}"[:_EXTERNAL_ID_LIMIT]


def drafting_modal(
    customer_id: str,
    journey: int,
    customer_name: str,
    company: str,
    drafter: str,
    *,
    external_id: str,
    message: str | None = None,
    owner: str = "",
) -> View:
    """What shows while `drafter` writes: no inputs and nothing to send yet."""
    return View(
        type="modal",
        callback_id=NOTE_CALLBACK_ID,
        external_id=external_id,
        title=TITLE,
        close="Cancel",
        private_metadata=pack_metadata(customer_id, journey, message, owner),
        blocks=[
            customer_section("A personal note to", customer_id, customer_name, company),
            _context(f"✍️ {drafter} is drafting a note from the journey so far…"),
        ],
    )


def note_modal(
    customer_id: str,
    journey: int,
    customer_name: str,
    company: str,
    *,
    subject: str,
    body: str,
    said: str,
    external_id: str | None = None,
    message: str | None = None,
    owner: str = "",
) -> View:
    """The note to edit, `subject` and `body` filled in (a draft, or empty), and `said` about
    it: who drafted it, or why there is no draft."""
    blocks: list[Block] = [
        customer_section("A personal note to", customer_id, customer_name, company),
        _context(said),
        InputBlock(
            block_id=SUBJECT_BLOCK,
            label="Subject",
            element=PlainTextInputElement(
                action_id=SUBJECT_ACTION,
                max_length=SUBJECT_LIMIT,
                initial_value=subject[:SUBJECT_LIMIT] or None,
            ),
        ),
        InputBlock(
            block_id=BODY_BLOCK,
            label="Note",
            hint=(
                "Sent from the guide's address, with its unsubscribe link; it is the "
                "customer's move for today, so the guide sends them nothing else today."
            ),
            element=PlainTextInputElement(
                action_id=BODY_ACTION,
                multiline=True,
                max_length=BODY_LIMIT,
                initial_value=body[:BODY_LIMIT] or None,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=NOTE_CALLBACK_ID,
        external_id=external_id,
        title=TITLE,
        submit="Send",
        close="Cancel",
        private_metadata=pack_metadata(customer_id, journey, message, owner),
        blocks=blocks,
    )


def drafted_by(name: str) -> str:
    return f"Drafted by {name} from the journey so far: read it, edit it, then send it or not."


def no_draft(why: str) -> str:
    return f"No draft: {why.strip().rstrip('.')}. Write the note yourself."


def read_note_submission(view_payload: Mapping[str, Any]) -> NoteSubmission:
    """`view_payload` is the `view` object of a view_submission payload (Bolt's `view`)."""
    expect_callback(view_payload, NOTE_CALLBACK_ID)
    customer = unpack_metadata(view_payload)
    values = state_values(view_payload)

    def typed(block: str, action: str) -> str:
        value = values.get(block, {}).get(action, {}).get("value")
        return value if isinstance(value, str) else ""

    return NoteSubmission(
        customer_id=customer.c,
        journey=customer.j,
        subject=typed(SUBJECT_BLOCK, SUBJECT_ACTION),
        body=typed(BODY_BLOCK, BODY_ACTION),
        message=customer.m,
        owner=customer.o or "",
    )


def note_errors(submission: NoteSubmission) -> dict[str, str]:
    """Errors keyed by input block_id, for `ack(response_action="errors", errors=...)`."""
    errors = {}
    if not submission.subject.strip():
        errors[SUBJECT_BLOCK] = "Give the note a subject."
    if not submission.body.strip():
        errors[BODY_BLOCK] = "Write the note."
    return errors


def _context(text: str) -> ContextBlock:
    # Plain text: a reason may quote an error, and a name may hold anything.
    return ContextBlock(
        block_id="said",
        elements=[PlainTextObject(text=text[:_SAID_LIMIT] or " ", emoji=False)],
    )
