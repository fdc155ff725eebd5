"""How every listener answers after an engine action.

A change is told through the notifier, whatever it came from: the engine hands it the change
(`ActionNotice`) and the Slack notifier rewrites every flag of the journey and the actor's Home
tab (bot/slack/notifier.py). So a listener changes only the message that was clicked when it
is not a flag (a digest's line, a hand-off ping), and tells the person who acted what the
flags cannot: that nothing changed, and why, or that the flags could not be updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.slack.happened import event_line
from bot.slack.text import escape_mrkdwn
from engine.actions import ActionOutcome


def tell(
    client: WebClient,
    user: str,
    channel: str | None,
    text: str,
    blocks: Sequence[Block] | None = None,
) -> None:
    """Only to `user`: ephemerally in `channel`, or, from the Home tab or a modal opened there
    (no channel), in the app's direct messages with them. With `blocks`, `text` is what
    notifications show."""
    if channel is not None:
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    else:
        client.chat_postMessage(channel=user, text=text, blocks=blocks)


def answer(client: WebClient, user: str, channel: str | None, outcome: ActionOutcome) -> None:
    """Nothing for a change the flags now show; what stood in the way otherwise."""
    if not outcome.changed:
        tell(client, user, channel, escape_mrkdwn(outcome.message))
    elif outcome.warning:
        tell(
            client,
            user,
            channel,
            f"✅ {escape_mrkdwn(outcome.message)}, but {escape_mrkdwn(outcome.warning)}",
        )


def what_happened(outcome: ActionOutcome, fallback: str) -> str:
    """The change as one line (bot/slack/happened.py): who, what and when."""
    return event_line(outcome.notice.event) if outcome.notice is not None else fallback


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
