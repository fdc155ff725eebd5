"""Button clicks on flags. Each listener translates the click into an engine action and the
outcome back into Slack; no business rule lives here."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import SlackContext
from engine.actions import finish
from engine.adapters.slack_messages import ButtonTarget, escape_mrkdwn
from engine.queries import find_customer
from listeners.replies import settle
from modals.hand_off import hand_off_modal
from modals.pause import pause_modal

DONE = "og_done"
PAUSE = "og_pause"
HAND_OFF = "og_hand_off"


def register(app: App, context: SlackContext) -> None:
    @app.action(DONE)
    def done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_done(context, body, client)

    @app.action(PAUSE)
    def pause_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        # In the same request as the click: a trigger id lives 3 seconds.
        on_open_modal(context, body, client, PAUSE)

    @app.action(HAND_OFF)
    def hand_off_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(context, body, client, HAND_OFF)


def on_open_modal(
    context: SlackContext, body: dict[str, Any], client: WebClient, action: str
) -> None:
    """Pause and Hand off both open a modal about the flagged customer, if the clicker may."""
    user, channel = body["user"]["id"], body["channel"]["id"]
    target = ButtonTarget.from_value(body["actions"][0]["value"])
    refusal = refusal_for(context, target, user, client)
    if refusal is not None:
        client.chat_postEphemeral(channel=channel, user=user, text=refusal)
        return
    found = find_customer(context.guide, target.customer_id)
    if isinstance(found, str):
        client.chat_postEphemeral(channel=channel, user=user, text=escape_mrkdwn(found))
        return
    customer, rules = found
    message = f"{channel}:{body['message']['ts']}"
    names = (target.customer_id, target.journey, customer.name, customer.company)
    view = (
        pause_modal(*names, message=message)
        if action == PAUSE
        else hand_off_modal(*names, rules.hand_off_owners, message=message)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_done(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    user = body["user"]["id"]
    channel = body["channel"]["id"]
    target = ButtonTarget.from_value(body["actions"][0]["value"])
    refusal = refusal_for(context, target, user, client)
    if refusal:
        client.chat_postEphemeral(channel=channel, user=user, text=refusal)
        return
    outcome = finish(context.guide, target.customer_id, user, context.clock())
    what = f"✅ finished by <@{user}>: {escape_mrkdwn(outcome.message)}"
    flag = f"{channel}:{body['message']['ts']}"
    settle(client, flag, user, outcome, what, body["message"].get("blocks", []))


def refusal_for(
    context: SlackContext, target: ButtonTarget, user: str, client: WebClient
) -> str | None:
    """Why `user` may not act on `target` now, or None; the modals' submissions ask too."""
    if not _may_act(context, user, client):
        return "Only the onboarding team can act on flags; nothing was changed."
    store = context.guide.store
    journey = store.load_one(target.customer_id).history(target.customer_id).state.journey
    if journey != target.journey:
        return (
            f"This flag is from an earlier onboarding of {escape_mrkdwn(target.customer_id)} "
            f"(journey {target.journey}, now {journey}); nothing was changed."
        )
    return None


def _may_act(context: SlackContext, user: str, client: WebClient) -> bool:
    allowed = context.settings.allowed_users
    if allowed:
        return user in allowed
    channel = context.settings.flag_channel
    if channel is None:
        return False
    members: list[str] = client.conversations_members(channel=channel).get("members", [])
    return user in members
