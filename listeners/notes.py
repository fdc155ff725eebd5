"""The flag menu's "Draft a personal note" and its modal's submission.

Choosing the option opens the modal inside the acknowledgement, as Pause and Hand off do (a
trigger id lives 3 seconds), after the permission check and before any other read: with a
drafter, a "Drafting…" view; without one, the empty note saying no model is set. The draft is
written by a lazy listener (the model may take many seconds, and on Lambda nothing may run
after the response), which asks again who chose it, reads the journey, asks the model and
puts the draft in place of "Drafting…" (`views.update` by the modal's external id).

A submission is checked inside the acknowledgement (who sends; the customer's stored state:
another journey, unsubscribed, replied, finished; an empty field), with errors on the modal;
the note is sent by a lazy listener, and the flags get their line through the notifier.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.access import permission_refusal
from bot.slack.answers import answer, tell
from bot.slack.buttons import LAST_EMAIL_ACTION_ID, NOTE_OPTION, ButtonTarget, any_numbered
from bot.slack.buttons import chosen_option as chosen
from bot.slack.context import SlackContext
from engine.note_draft import draft_note
from engine.note_send import send_note, why_no_note
from modals.note import (
    BODY_BLOCK,
    NO_MODEL,
    NOTE_CALLBACK_ID,
    NoteSubmission,
    drafted_by,
    drafting_modal,
    no_draft,
    note_errors,
    note_external_id,
    note_modal,
    read_note_submission,
)

_log = logging.getLogger("og.slack")


def register(app: App, context: SlackContext) -> None:
    def note_chosen(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_note_chosen(context, body, client)

    def draft_wanted(body: dict[str, Any], client: WebClient) -> None:
        on_draft_wanted(context, body, client)

    def check_note(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_note_submission(body["view"]), body["user"]["id"]
        errors = _errors(context, submission, user, client)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    def note_submitted(body: dict[str, Any], client: WebClient) -> None:
        submission, user = read_note_submission(body["view"]), body["user"]["id"]
        if _errors(context, submission, user, client):
            return  # the modal said why and stayed open
        outcome = send_note(
            context.guide,
            submission.customer_id,
            submission.journey,
            submission.subject,
            submission.body,
            user,
            context.clock(),
        )
        answer(client, user, _channel(submission.message), outcome)

    def is_note(body: dict[str, Any]) -> bool:
        return chosen(body) == NOTE_OPTION

    menu = app.action(any_numbered(LAST_EMAIL_ACTION_ID), matchers=[is_note])
    menu(ack=note_chosen, lazy=[draft_wanted])
    app.view(NOTE_CALLBACK_ID)(ack=check_note, lazy=[note_submitted])


class _Chosen:
    """Who chose the note, about whom, from which flag."""

    def __init__(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        self.user: str = body["user"]["id"]
        self.target = ButtonTarget.from_value(action["selected_option"]["value"])
        channel = (body.get("channel") or {}).get("id")
        self.channel: str | None = channel if isinstance(channel, str) else None
        ts = (body.get("message") or {}).get("ts")
        self.message = f"{self.channel}:{ts}" if self.channel and ts else None
        self.external_id = note_external_id(body["trigger_id"], str(action.get("action_ts", "")))

    def shown(self) -> dict[str, Any]:
        """What both views show and carry, from the option's own value."""
        target = self.target
        return {
            "customer_id": target.customer_id,
            "journey": target.journey,
            "customer_name": target.name,
            "company": target.company,
            "external_id": self.external_id,
            "message": self.message,
            "owner": target.owner,
        }


def on_note_chosen(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """Open the note's modal at once, if the chooser may act on the customer."""
    chose = _Chosen(body)
    refusal = permission_refusal(context, chose.target, chose.user, client)
    if refusal is not None:
        tell(client, chose.user, chose.channel, refusal)
        return
    if context.drafter is None:
        view = note_modal(**chose.shown(), subject="", body="", said=NO_MODEL)
    else:
        view = drafting_modal(**chose.shown(), drafter=context.drafter.name)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_draft_wanted(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """The draft in place of "Drafting…": the model's note, or an empty one saying why."""
    drafter = context.drafter
    chose = _Chosen(body)
    if drafter is None or permission_refusal(context, chose.target, chose.user, client):
        return  # no draft to wait for; or the chooser was told why not, and saw no modal
    draft = draft_note(context.guide, chose.target.customer_id, context.clock(), drafter)
    said = drafted_by(draft.drafted_by) if draft.drafted_by else no_draft(draft.problem)
    view = note_modal(**chose.shown(), subject=draft.subject, body=draft.body, said=said)
    try:
        client.views_update(external_id=chose.external_id, view=view)
    except SlackApiError as error:  # closed meanwhile, most likely: nobody waits for it
        _log.info("the note's draft for %s was not shown: %s", chose.user, error)


def _errors(
    context: SlackContext, submission: NoteSubmission, user: str, client: WebClient
) -> dict[str, str]:
    """Who sends, then the customer's stored state (one read of one customer), then the
    fields; keyed by the input they show under."""
    target = ButtonTarget(submission.customer_id, submission.journey, owner=submission.owner)
    refusal = permission_refusal(context, target, user, client)
    if refusal is None:
        store = context.guide.store
        state = store.load_one(target.customer_id).history(target.customer_id).state
        refusal = why_no_note(state, target.journey)
    return {BODY_BLOCK: refusal} if refusal else note_errors(submission)


def _channel(message: str | None) -> str | None:
    """Where the modal was opened: the flag's channel, or None from the Home tab."""
    return message.split(":", 1)[0] if message else None
