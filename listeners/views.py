"""Modal submissions: read the view, call the engine action as the submitting user, answer.

A submission is checked inside the acknowledgement against who submits and the customer's
current state (errors go back onto the modal's fields: finished, paused or handed off while it
was open); the action itself, the flags' update (through the notifier) and any ping run lazily
after it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.access import submission_refusal
from bot.slack.answers import answer
from bot.slack.buttons import ButtonTarget
from bot.slack.context import SlackContext
from bot.slack.people import LookupFailed, SlackPeople
from bot.slack.replies import hand_off_ping
from engine.actions import hand_off, pause
from engine.flags import Pending
from engine.queries import timeline, view_customer
from modals.hand_off import (
    HAND_OFF_CALLBACK_ID,
    OWNER_BLOCK,
    HandOffSubmission,
    hand_off_errors,
    read_hand_off_submission,
)
from modals.parts import NOTE_BLOCK
from modals.pause import PAUSE_CALLBACK_ID, PauseSubmission, read_pause_submission


def register(app: App, context: SlackContext) -> None:
    def check_pause(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_pause_submission(body["view"]), body["user"]["id"]
        refusal = _refusal(context, submission, user, client, "pause")
        if refusal:
            ack(response_action="errors", errors={NOTE_BLOCK: refusal})
            return
        ack()

    def pause_submitted(body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_pause_submission(body["view"]), body["user"]["id"]
        if _refusal(context, submission, user, client, "pause"):
            return  # the modal said why and stayed open
        outcome = pause(
            context.guide, submission.customer_id, submission.note, user, context.clock()
        )
        answer(client, user, _channel(submission.message), outcome)

    def check_hand_off(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_hand_off_submission(body["view"]), body["user"]["id"]
        errors = _hand_off_errors(context, submission, user, client)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    def hand_off_submitted(body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_hand_off_submission(body["view"]), body["user"]["id"]
        picked = submission.owner_id
        if _hand_off_errors(context, submission, user, client) or picked is None:
            return
        now = context.clock()
        customer_id = submission.customer_id
        outcome = hand_off(context.guide, customer_id, picked, submission.note, user, now)
        answer(client, user, _channel(submission.message), outcome)
        if outcome.changed:
            # A pick named by email was looked up by the check just above, which remembered it.
            owner = SlackPeople(client, context.guide.store).member_id_of(picked) or picked
            _ping_new_owner(context, client, customer_id, owner, user, submission.note)

    app.view(PAUSE_CALLBACK_ID)(ack=check_pause, lazy=[pause_submitted])
    app.view(HAND_OFF_CALLBACK_ID)(ack=check_hand_off, lazy=[hand_off_submitted])


def _refusal(
    context: SlackContext,
    submission: PauseSubmission | HandOffSubmission,
    user: str,
    client: WebClient,
    action: Pending,
) -> str | None:
    target = ButtonTarget(submission.customer_id, submission.journey, owner=submission.owner)
    return submission_refusal(context, target, user, client, action)


def _channel(message: str | None) -> str | None:
    """Where the modal was opened: the flag's channel, or None from the Home tab."""
    return message.split(":", 1)[0] if message else None


def _hand_off_errors(
    context: SlackContext, submission: HandOffSubmission, user: str, client: WebClient
) -> dict[str, str]:
    refusal = _refusal(context, submission, user, client, "hand_off")
    if refusal:
        return {OWNER_BLOCK: refusal}
    return hand_off_errors(submission) or _unknown_owner(context, submission, client)


def _unknown_owner(
    context: SlackContext, submission: HandOffSubmission, client: WebClient
) -> dict[str, str]:
    """The pick is named by an email Slack does not know (or cannot be asked about now)."""
    picked = submission.owner_id or ""
    try:
        if SlackPeople(client, context.guide.store).member_id_of(picked) is not None:
            return {}
    except LookupFailed as error:
        return {OWNER_BLOCK: f"{error}. Try again in a moment."}
    return {
        OWNER_BLOCK: f"Slack knows no member with the email {picked}: fix the rules doc's "
        "hand-off owners."
    }


def _ping_new_owner(
    context: SlackContext, client: WebClient, customer_id: str, owner: str, by: str, note: str
) -> None:
    """The new owner gets the whole journey so far, so they do not start cold."""
    view = view_customer(context.guide, customer_id, context.clock())
    if isinstance(view, str):
        return
    text, blocks = hand_off_ping(view, by, note, timeline(view))
    client.chat_postMessage(
        channel=owner, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
