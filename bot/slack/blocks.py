"""Slack's limits on one message, checked before anything is posted (`slack_sdk.models`
validates each block; this adds what it leaves to the caller)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
"""A Home tab (or a modal) holds twice a message's blocks."""
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
BUTTON_VALUE_LIMIT = 2000
OPTION_VALUE_LIMIT = 150
"""An option's value (of an overflow menu, say): Slack's option object takes 150 characters."""


def check_message(blocks: Sequence[Block], *, limit: int = MAX_BLOCKS) -> None:
    """Raise SlackObjectFormationError unless Slack would accept `blocks` as one message (or,
    with `limit` MAX_VIEW_BLOCKS, one Home tab): at most `limit` blocks, every block and
    element within its limits, action ids unique."""
    if len(blocks) > limit:
        raise SlackObjectFormationError(f"{len(blocks)} blocks; Slack takes at most {limit}")
    action_ids: list[str] = []
    for block in blocks:
        block.validate_json()
        # to_dict validates every nested element and text object too.
        payload = block.to_dict()
        for field in payload.get("fields", []):
            if len(field["text"]) > FIELD_TEXT_LIMIT:
                raise SlackObjectFormationError(
                    f"a section field exceeds {FIELD_TEXT_LIMIT} characters"
                )
        elements = [*payload.get("elements", []), payload.get("accessory") or {}]
        action_ids += [e["action_id"] for e in elements if "action_id" in e]
    if duplicates := sorted({a for a in action_ids if action_ids.count(a) > 1}):
        raise SlackObjectFormationError(f"action ids used twice: {', '.join(duplicates)}")
