"""Modal submissions: read the view, call the engine action as the submitting user, answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import SlackContext
from engine.actions import pause
from engine.adapters.slack_messages import ButtonTarget, escape_mrkdwn
from listeners.actions import refusal_for
from modals.pause import PAUSE_CALLBACK_ID, read_pause_submission


def register(app: App, context: SlackContext) -> None:
    @app.view(PAUSE_CALLBACK_ID)
    def pause_submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = read_pause_submission(body["view"])
        user = body["user"]["id"]
        target = ButtonTarget(customer_id=submission.customer_id, journey=submission.journey)
        refusal = refusal_for(context, target, user, client)
        if refusal:
            ack(response_action="errors", errors={"note": refusal})
            return
        ack()
        outcome = pause(
            context.guide, submission.customer_id, submission.note, user, context.clock()
        )
        if submission.message is None:
            return
        channel, ts = submission.message.split(":", 1)
        if not outcome.changed:
            client.chat_postEphemeral(
                channel=channel, user=user, text=escape_mrkdwn(outcome.message)
            )
            return
        note = f" ({escape_mrkdwn(submission.note)})" if submission.note else ""
        text = f"⏸ {escape_mrkdwn(submission.customer_id)} paused by <@{user}>{note}"
        # The flag loses its buttons: what happened replaces them.
        client.chat_update(
            channel=channel,
            ts=ts,
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        )
