"""Button clicks: on flags, a reply's message and the Home tab (Done, Pause, Hand off), on the
digest and the Home tab (Resume), on a hand-off ping, a reply's message or the Home tab (Resume
guide), and a reply's Done for one step; the flag's overflow menu's Show the last email (its
Draft a personal note is listeners/notes.py's); and an announced edit of the rules doc's Apply
and Keep the old rules.
Each listener translates the click into an engine action (or a read) and the outcome back into
Slack; no business rule lives here.

Clicks that change something, and Show the last email (which reads the sheet and the rules
doc), are acknowledged at once and do their work as lazy listeners (on Lambda nothing may run
after the response, and Slack waits only 3 seconds for it). The modal buttons open their
modal inside the acknowledgement, since a trigger id lives 3 seconds: from what the button
carries, after the permission check, before any roster or state read.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.slack.access import (
    permission_refusal,
    refusal_for,
    rules_change_refusal,
    rules_now,
)
from bot.slack.answers import answer, mark_acted, tell, what_happened
from bot.slack.buttons import (
    DONE_ACTION_ID,
    HAND_BACK_ACTION_ID,
    HAND_OFF_ACTION_ID,
    LAST_EMAIL_ACTION_ID,
    NOTE_OPTION,
    PAUSE_ACTION_ID,
    RESUME_ACTION,
    RULES_APPLY_ACTION_ID,
    RULES_KEEP_ACTION_ID,
    STEP_DONE_ACTION_ID,
    ButtonTarget,
    any_numbered,
    chosen_option,
    rules_change_of,
)
from bot.slack.context import SlackContext
from bot.slack.home import HomeTab
from bot.slack.last_email import last_email_message
from engine.actions import ActionOutcome, finish, mark_done, resume, resume_guide
from engine.rules_approval import apply_rules, keep_old_rules
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

    def step_done(body: dict[str, Any], client: WebClient) -> None:
        on_step_done(context, body, client)

    def pause_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(context, body, client, PAUSE_ACTION_ID)

    def hand_off_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(context, body, client, HAND_OFF_ACTION_ID)

    def last_email_chosen(body: dict[str, Any], client: WebClient) -> None:
        on_last_email(context, body, client)

    def rules_change_clicked(body: dict[str, Any], client: WebClient) -> None:
        on_rules_change(context, body, client)

    app.action(any_numbered(DONE_ACTION_ID))(ack=acknowledge, lazy=[done])
    app.action(RESUME_ACTION)(ack=acknowledge, lazy=[resume_clicked])
    app.action(any_numbered(HAND_BACK_ACTION_ID))(ack=acknowledge, lazy=[hand_back_clicked])
    app.action(any_numbered(STEP_DONE_ACTION_ID))(ack=acknowledge, lazy=[step_done])
    app.action(any_numbered(PAUSE_ACTION_ID))(pause_clicked)
    app.action(any_numbered(HAND_OFF_ACTION_ID))(hand_off_clicked)
    # The menu's other option, "Draft a personal note", is listeners/notes.py's.
    last_email = app.action(any_numbered(LAST_EMAIL_ACTION_ID), matchers=[not_a_note])
    last_email(ack=acknowledge, lazy=[last_email_chosen])
    for rules_action in (RULES_APPLY_ACTION_ID, RULES_KEEP_ACTION_ID):
        app.action(rules_action)(ack=acknowledge, lazy=[rules_change_clicked])


def not_a_note(body: dict[str, Any]) -> bool:
    return chosen_option(body) != NOTE_OPTION


class Click:
    """Who clicked which button (or chose which overflow option), on which message (none on
    the Home tab)."""

    def __init__(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        self.user: str = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        self.channel: str | None = channel if isinstance(channel, str) else None
        message = body.get("message")
        self.message = f"{self.channel}:{message['ts']}" if self.channel and message else None
        self.blocks: list[dict[str, Any]] = message.get("blocks", []) if message else []
        self.action_id: str = action["action_id"]
        # A button carries its value; an overflow menu, the chosen option's.
        value = action["value"] if "value" in action else action["selected_option"]["value"]
        self.target = ButtonTarget.from_value(value)
        self.from_home = (body.get("view") or {}).get("type") == "home"

    def tell(self, client: WebClient, text: str, blocks: list[Block] | None = None) -> None:
        tell(client, self.user, self.channel, text, blocks)


def permitted_click(context: SlackContext, body: dict[str, Any], client: WebClient) -> Click | None:
    """The click, or None when its clicker may not act on its target (and was told why)."""
    click = Click(body)
    refusal = refusal_for(context, click.target, click.user, client)
    if refusal is not None:
        click.tell(client, refusal)
        _refresh_home(context, client, click)
        return None
    return click


def _answer(context: SlackContext, client: WebClient, click: Click, outcome: ActionOutcome) -> None:
    answer(client, click.user, click.channel, outcome)
    if not outcome.changed:
        _refresh_home(context, client, click)


def _refresh_home(context: SlackContext, client: WebClient, click: Click) -> None:
    """A Home tab clicked on something that had moved on shows how things stand now (after a
    change, the notifier republishes it)."""
    if click.from_home:
        HomeTab(context, client).publish(click.user)


def on_open_modal(
    context: SlackContext, body: dict[str, Any], client: WebClient, action: str
) -> None:
    """Pause and Hand off both open a modal about the clicked customer, if the clicker may:
    shown from the button's own name and company; the hand-off modal also lists the rules
    doc's hand-off owners. The submission checks the customer's state."""
    click = Click(body)
    target = click.target
    rules = rules_now(context) if action == HAND_OFF_ACTION_ID else None
    refusal = permission_refusal(context, target, click.user, client, rules=rules)
    if refusal is not None:
        click.tell(client, refusal)
        return
    shown = (target.customer_id, target.journey, target.name, target.company)
    message, owner = click.message, target.owner
    view = (
        pause_modal(*shown, message=message, owner=owner)
        if action == PAUSE_ACTION_ID
        else hand_off_modal(
            *shown, rules.hand_off_owners if rules else (), message=message, owner=owner
        )
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_last_email(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """The flag's "Show the last email": told only to the clicker, if they may act on the
    customer. A read changes nothing, so the customer's state is not checked first: a flag
    of an earlier journey shows the customer's last email all the same (the answer says
    which email it was and when it went)."""
    click = Click(body)
    refusal = permission_refusal(context, click.target, click.user, client)
    if refusal is not None:
        click.tell(client, refusal)
        return
    text, blocks = last_email_message(context.guide, click.target.customer_id, context.clock())
    click.tell(client, text, blocks)


def on_done(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    if (click := permitted_click(context, body, client)) is None:
        return
    outcome = finish(context.guide, click.target.customer_id, click.user, context.clock())
    _answer(context, client, click, outcome)


def on_resume(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """The digest's (or the Home tab's) Resume: only this customer's line of a digest changes."""
    if (click := permitted_click(context, body, client)) is None:
        return
    outcome = resume(context.guide, click.target.customer_id, click.user, context.clock())
    _mark(context, client, click, outcome, f"▶️ Resumed by <@{click.user}>")


def on_hand_back(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """Resume guide, on a hand-off ping, a reply's message or the Home tab: as `/og resume`,
    whatever holds the guide back (a hand-off, a pause, the wait after a reply) is lifted."""
    if (click := permitted_click(context, body, client)) is None:
        return
    now = context.clock()
    outcome = resume_guide(context.guide, click.target.customer_id, click.user, now)
    _mark(context, client, click, outcome, f"▶️ Back with the guide by <@{click.user}>")


def on_step_done(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """A reply's Done: the step its button names marked done, in the clicker's name."""
    if (click := permitted_click(context, body, client)) is None:
        return
    target = click.target
    outcome = mark_done(context.guide, target.customer_id, target.step, context.clock(), click.user)
    _mark(context, client, click, outcome, f"☑️ Marked done by <@{click.user}>")


def _mark(
    context: SlackContext, client: WebClient, click: Click, outcome: ActionOutcome, fallback: str
) -> None:
    """A digest or a ping is no flag, so the notifier does not know it: the clicked line says
    what happened here. The Home tab is republished by the notifier."""
    if outcome.changed and click.message is not None:
        channel, ts = click.message.split(":", 1)
        what = what_happened(outcome, fallback)
        blocks = mark_acted(click.blocks, click.action_id, what)
        client.chat_update(channel=channel, ts=ts, text=what, blocks=blocks)
    _answer(context, client, click, outcome)


def on_rules_change(context: SlackContext, body: dict[str, Any], client: WebClient) -> None:
    """Apply, or Keep the old rules, on an announced edit of the rules doc, if the clicker may:
    the announcement itself is rewritten by the notifier; the clicker is told only what it
    cannot show (nothing changed, and why)."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    action = body["actions"][0]
    refusal = rules_change_refusal(context, user, client)
    if refusal is not None:
        tell(client, user, channel, refusal)
        return
    decide = apply_rules if action["action_id"] == RULES_APPLY_ACTION_ID else keep_old_rules
    change_id = rules_change_of(action["value"])
    answer(client, user, channel, decide(context.guide, change_id, user, context.clock()))
