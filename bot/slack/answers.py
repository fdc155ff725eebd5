"""How every listener answers after an engine action."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.text import escape_mrkdwn
from engine.actions import ActionOutcome


def settle(
    client: WebClient,
    message: str | None,
    user: str,
    outcome: ActionOutcome,
    what: str,
    original_blocks: list[dict[str, Any]] | None = None,
) -> None:
    """A change replaces the flag's buttons with what happened (keeping the flag's details when
    the click brought them); anything else is told only to the person who acted.
    `message` is the flag as `channel:ts`."""
    if message is None:
        return
    channel, ts = message.split(":", 1)
    if not outcome.changed:
        client.chat_postEphemeral(channel=channel, user=user, text=escape_mrkdwn(outcome.message))
        return
    kept = [b for b in original_blocks or [] if b.get("type") != "actions"]
    happened = {"type": "section", "text": {"type": "mrkdwn", "text": what}}
    client.chat_update(channel=channel, ts=ts, text=what, blocks=[*kept, happened])


def mark_acted(blocks: list[dict[str, Any]], action_id: str, what: str) -> list[dict[str, Any]]:
    """`blocks` with the button `action_id` gone and `what` said in its place, leaving every
    other line of the message (a digest's other customers, say) as it was."""
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": what}]}
    marked: list[dict[str, Any]] = []
    for block in blocks:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            marked += [{k: v for k, v in block.items() if k != "accessory"}, note]
            continue
        elements = block.get("elements", [])
        clicked = any(e.get("action_id") == action_id for e in elements)
        if block.get("type") == "actions" and clicked:
            rest = [e for e in elements if e.get("action_id") != action_id]
            marked += ([{**block, "elements": rest}] if rest else []) + [note]
            continue
        marked.append(block)
    return marked
