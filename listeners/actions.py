"""Button clicks: on flags (Done, Pause, Hand off), on the digest (Resume) and on a hand-off
ping (Resume guide). Each listener translates the click into an engine action and the outcome
back into Slack; no business rule lives here.

Clicks that change something are acknowledged at once and do their work as lazy listeners
(on Lambda nothing may run after the response, and Slack waits only 3 seconds for it); the
modal buttons open their modal inside the acknowledgement, since a trigger id lives 3 seconds.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.access import refusal_for
from bot.slack.answers import mark_acted, settle
from bot.slack.buttons import (
    DONE_ACTION_ID,
    HAND_BACK_ACTION_ID,
    HAND_OFF_ACTION_ID,
    PAUSE_ACTION_ID,
    RESUME_ACTION,
    ButtonTarget,
)
from bot.slack.context import SlackContext
from bot.slack.text import escape_mrkdwn
from engine.actions import ActionOutcome, clear_hand_off, finish, resume
from engine.queries import find_customer
from modals.hand_off import hand_off_modal
from modals.pause import pause_modal

_log = logging.getLogger("og.slack")


def acknowledge(ack: Ack) -> None:
    ack()


def register(app: App, context: SlackContext) -> None:
    def done(body: dict[str, Any], client: WebClient) -> None:
        on_done(context, body, client)

    def resume_clicked(body: dict[str, Any], client: WebClient) -> None:
        on_resume(context, body, client)

    def hand_back_clicked(body: dict[str, Any], client: WebClient) -> None:
        on_hand_back(context, body, client)

    def pause_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(context, body, client, PAUSE_ACTION_ID)

    def hand_off_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(context, body, client, HAND_OFF_ACTION_ID)

    app.action(DONE_ACTION_ID)(ack=acknowledge, lazy=[done])
    app.action(RESUME_ACTION)(ack=acknowledge, lazy=[resume_clicked])
    app.action(HAND_BACK_ACTION_ID)(ack=acknowledge, lazy=[hand_back_clicked])
    app.action(PAUSE_ACTION_ID)(pause_clicked)
    app.action(HAND_OFF_ACTION_ID)(hand_off_clicked)


class Click:
    """Who clicked which button on which message."""

    def __init__(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        self.user: str = body["user"]["id"]
        self.channel: str = body["channel"]["id"]
        self.message = f"{self.channel}:{body['message']['ts']}"
        self.blocks: list[dict[str, Any]] = body["message"].get("blocks", [])
        self.action_id: str = action["action_id"]
        self.target = ButtonTarget.from_value(action["value"])

    def tell(self, client: WebClient, text: str) -> None:
        client.chat_postEphemeral(channel=self.channel, user=self.user, text=text)


def permitted_click(context: SlackContext, body: dict[str, Any], client: WebClient) -> Click | None:
    """The click, or None when its clicker may not act on its target (and was told why)."""
    click = Click(body)
    refusal = refusal_for(context, click.target, click.user, client)
    if refusal is not None:
        click.tell(client, refusal)
        return None
    return click


def on_open_modal(
    context: SlackContext, body: dict[str, Any], client: WebClient, action: str
) -> None:
    """Pause and Hand off both open a modal about the flagged customer, if the clicker may."""
    if (click := permitted_click(context, body, client)) is None:
        return
    found = find_customer(context.guide, click.target.customer_id)
    if isinstance(found, str):
        click.tell(client, escape_mrkdwn(found))
        return
    customer, rules = found
    names = (click.target.customer_id, click.target.journey, customer.name, customer.company)
    view = (
        pause_modal(*names, message=click.message)
        if action == PAUSE_ACTION_ID
        else hand_off_modal(*names, rules.hand_off_owners, message=click.message)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_done(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    if (click := permitted_click(context, body, client)) is None:
        return
    outcome = finish(context.guide, click.target.customer_id, click.user, context.clock())
    what = f"✅ finished by <@{click.user}>: {escape_mrkdwn(outcome.message)}"
    settle(client, click.message, click.user, outcome, what, click.blocks)


def on_resume(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """The digest's Resume: only this customer's line in the digest changes."""
    if (click := permitted_click(context, body, client)) is None:
        return
    outcome = resume(context.guide, click.target.customer_id, click.user, context.clock())
    _mark(client, click, outcome, f"▶️ resumed by <@{click.user}>")


def on_hand_back(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """The hand-off ping's Resume guide: the guide takes the customer back."""
    if (click := permitted_click(context, body, client)) is None:
        return
    now = context.clock()
    outcome = clear_hand_off(context.guide, click.target.customer_id, click.user, now)
    _mark(client, click, outcome, f"▶️ back with the guide, by <@{click.user}>")


def _mark(client: WebClient, click: Click, outcome: ActionOutcome, what: str) -> None:
    if not outcome.changed:
        click.tell(client, escape_mrkdwn(outcome.message))
        return
    channel, ts = click.message.split(":", 1)
    blocks = mark_acted(click.blocks, click.action_id, what)
    client.chat_update(channel=channel, ts=ts, text=escape_mrkdwn(outcome.message), blocks=blocks)
