"""The pause modal: who is paused and why, read back from Slack's view_submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import ContextBlock, PlainTextObject
from slack_sdk.models.views import View

from engine.models import Frozen
from modals.parts import (
    customer_section,
    expect_callback,
    note_input,
    pack_metadata,
    read_note,
    unpack_metadata,
)

PAUSE_CALLBACK_ID = "og_pause_submit"


class PauseSubmission(Frozen):
    customer_id: str
    journey: int
    note: str
    """Trimmed; "" when the person left it empty."""
    message: str | None = None
    """The message it was opened from, as `channel:ts`; None from the Home tab."""
    owner: str = ""
    """Whom the flag it was opened from was for (see `modals.parts.CustomerRef.o`)."""


def pause_modal(
    customer_id: str,
    journey: int,
    customer_name: str,
    company: str,
    message: str | None = None,
    owner: str = "",
) -> View:
    return View(
        type="modal",
        callback_id=PAUSE_CALLBACK_ID,
        title="Pause onboarding",
        submit="Pause",
        close="Cancel",
        private_metadata=pack_metadata(customer_id, journey, message, owner),
        blocks=[
            customer_section("Pause onboarding for", customer_id, customer_name, company),
            ContextBlock(
                block_id="effect",
                elements=[
                    PlainTextObject(
                        text="The guide sends nothing until someone resumes; "
                        "the days paused do not count toward the next step."
                    )
                ],
            ),
            note_input("Why pause? (optional)", "Team of one, revisit after Q3"),
        ],
    )


def read_pause_submission(view_payload: Mapping[str, Any]) -> PauseSubmission:
    """`view_payload` is the `view` object of a view_submission payload (Bolt's `view`)."""
    expect_callback(view_payload, PAUSE_CALLBACK_ID)
    customer = unpack_metadata(view_payload)
    return PauseSubmission(
        customer_id=customer.c,
        journey=customer.j,
        note=read_note(view_payload),
        message=customer.m,
        owner=customer.o or "",
    )
