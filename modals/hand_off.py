"""The hand-off modal: pick a hand-off owner from the rules doc, read the pick back from Slack's
view_submission, and say what is missing in the `response_action: errors` shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from engine.models import Frozen
from engine.plans import Person
from modals.parts import (
    customer_section,
    expect_callback,
    note_input,
    pack_metadata,
    read_note,
    state_values,
    unpack_metadata,
    user_text,
)

HAND_OFF_CALLBACK_ID = "og_hand_off_submit"
OWNER_BLOCK = "owner"
OWNER_ACTION = "owner"
OPTION_TEXT_LIMIT = 75


class HandOffSubmission(Frozen):
    customer_id: str
    journey: int
    owner_id: str | None
    """The picked owner as the rules doc names them (`Person.key`: a Slack member id, or an
    email the bot looks up), which `engine.actions.hand_off` accepts as `to`."""
    note: str
    """Trimmed; "" when the person left it empty."""
    message: str | None = None
    """The message it was opened from, as `channel:ts`; None from the Home tab."""
    owner: str = ""
    """Whom the flag it was opened from was for (see `modals.parts.CustomerRef.o`)."""


def hand_off_modal(
    customer_id: str,
    journey: int,
    customer_name: str,
    company: str,
    owners: Sequence[Person],
    message: str | None = None,
    owner: str = "",
) -> View:
    customer = customer_section("Hand off onboarding for", customer_id, customer_name, company)
    if not owners:
        # Slack rejects a select with no options, and with nobody to pick there is nothing to
        # submit: the modal only says how to fix the rules doc.
        return View(
            type="modal",
            callback_id=HAND_OFF_CALLBACK_ID,
            title="Hand off",
            close="Close",
            private_metadata=pack_metadata(customer_id, journey, message, owner),
            blocks=[customer, _no_owners_section()],
        )
    blocks: list[Block] = [
        customer,
        InputBlock(
            block_id=OWNER_BLOCK,
            label="Who takes over?",
            hint="The guide stays quiet while they own the customer.",
            element=StaticSelectElement(
                action_id=OWNER_ACTION,
                placeholder="Choose a hand-off owner",
                options=[
                    Option(text=user_text(p.name, OPTION_TEXT_LIMIT), value=p.key) for p in owners
                ],
            ),
        ),
        note_input("Note for the new owner (optional)", "Wants a call about SSO before go-live"),
    ]
    return View(
        type="modal",
        callback_id=HAND_OFF_CALLBACK_ID,
        title="Hand off",
        submit="Hand off",
        close="Cancel",
        private_metadata=pack_metadata(customer_id, journey, message, owner),
        blocks=blocks,
    )


def _no_owners_section() -> SectionBlock:
    return SectionBlock(
        block_id="no_owners",
        text=MarkdownTextObject(
            text=(
                "The rules doc names no hand-off owners, so there is nobody to pick. "
                "Add a line like this to it, then try again:\n"
                "`Hand-off owners: Name &lt;@MEMBERID&gt;, Name &lt;@MEMBERID&gt;`"
            )
        ),
    )


def read_hand_off_submission(view_payload: Mapping[str, Any]) -> HandOffSubmission:
    """`view_payload` is the `view` object of a view_submission payload (Bolt's `view`)."""
    expect_callback(view_payload, HAND_OFF_CALLBACK_ID)
    customer = unpack_metadata(view_payload)
    picked = state_values(view_payload).get(OWNER_BLOCK, {}).get(OWNER_ACTION, {})
    selected = picked.get("selected_option") or {}
    owner_id = selected.get("value") or None
    return HandOffSubmission(
        customer_id=customer.c,
        journey=customer.j,
        owner_id=owner_id,
        note=read_note(view_payload),
        message=customer.m,
        owner=customer.o or "",
    )


def hand_off_errors(submission: HandOffSubmission) -> dict[str, str]:
    """Errors keyed by input block_id, for `ack(response_action="errors", errors=...)`."""
    if submission.owner_id is None:
        return {OWNER_BLOCK: "Pick who takes over."}
    return {}
