"""Modal submissions: read the view, call the engine action as the submitting user, answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import SlackContext
from engine.actions import hand_off, pause
from engine.adapters.slack_messages import ButtonTarget, escape_mrkdwn
from engine.queries import timeline, view_customer
from listeners.actions import refusal_for
from listeners.replies import settle
from modals.hand_off import HAND_OFF_CALLBACK_ID, hand_off_errors, read_hand_off_submission
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
        note = f" ({escape_mrkdwn(submission.note)})" if submission.note else ""
        what = f"⏸ {escape_mrkdwn(submission.customer_id)} paused by <@{user}>{note}"
        settle(client, submission.message, user, outcome, what)

    @app.view(HAND_OFF_CALLBACK_ID)
    def hand_off_submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission = read_hand_off_submission(body["view"])
        user = body["user"]["id"]
        target = ButtonTarget(customer_id=submission.customer_id, journey=submission.journey)
        errors = hand_off_errors(submission)
        refusal = refusal_for(context, target, user, client)
        if refusal:
            errors = {"owner": refusal}
        if errors or submission.owner_id is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        now = context.clock()
        outcome = hand_off(
            context.guide, submission.customer_id, submission.owner_id, submission.note, user, now
        )
        owner = submission.owner_id
        what = f"🤝 {escape_mrkdwn(submission.customer_id)} handed off to <@{owner}> by <@{user}>"
        settle(client, submission.message, user, outcome, what)
        if outcome.changed:
            _ping_new_owner(context, client, submission.customer_id, owner, user, submission.note)


def _ping_new_owner(
    context: SlackContext, client: WebClient, customer_id: str, owner: str, by: str, note: str
) -> None:
    """The new owner gets the whole journey so far, so they do not start cold."""
    view = view_customer(context.guide, customer_id, context.clock())
    if isinstance(view, str):
        return
    customer = view.customer
    name = customer.name or customer.customer_id
    who = escape_mrkdwn(f"{name} ({customer.company})" if customer.company else name)
    lines = "\n".join(f"• {escape_mrkdwn(line)}" for line in timeline(view))
    said = f"\n> {escape_mrkdwn(note)}" if note else ""
    text = f"<@{by}> handed {who} over to you. The guide stays quiet now.{said}\n{lines}"
    client.chat_postMessage(
        channel=owner,
        text=f"{who} is yours now",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
    )
