"""Whether a Slack user may act on a customer now: the engine's rule (`engine.permissions`),
asked with what Slack knows, cheapest first; then the click checked against the customer's
current state (engine.flags) so a stale button or modal changes nothing."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.buttons import ButtonTarget
from bot.slack.context import SlackContext
from bot.slack.people import SlackPeople
from bot.slack.text import escape_mrkdwn
from engine.flags import Pending, why_moved_on
from engine.permissions import (
    NOT_AN_ADMIN,
    NOT_ON_THE_TEAM,
    NOT_ON_THE_TEAM_FOR_RULES,
    may_act,
    may_undo,
)
from engine.plans import Rules
from engine.rulebook import load_rules

_log = logging.getLogger("og.slack")


def refusal_for(
    context: SlackContext, target: ButtonTarget, user: str, client: WebClient
) -> str | None:
    """Why `user` may not act on `target` now, or None: who they are, then the customer's
    current journey (one read of one customer's state), so a stale button changes nothing."""
    refusal = permission_refusal(context, target, user, client)
    if refusal is not None:
        return refusal
    store = context.guide.store
    journey = store.load_one(target.customer_id).history(target.customer_id).state.journey
    if journey != target.journey:
        return (
            f"This is about an earlier onboarding of {escape_mrkdwn(target.customer_id)} "
            f"(journey {target.journey}, now {journey}); nothing was changed."
        )
    return None


def permission_refusal(
    context: SlackContext,
    target: ButtonTarget,
    user: str,
    client: WebClient,
    *,
    rules: Rules | None = None,
) -> str | None:
    """Why `user` may not act on `target` at all, or None; reads neither the roster nor the
    state, so a modal opens at once (`rules` when the caller has read them already)."""
    flag_owner = target.owner or None
    if not may_act_in_slack(context, user, client, flag_owner=flag_owner, rules=rules):
        return NOT_ON_THE_TEAM
    return None


def submission_refusal(
    context: SlackContext, target: ButtonTarget, user: str, client: WebClient, action: Pending
) -> str | None:
    """Why a modal's submission changes nothing, or None: who submits, then whether the
    customer moved on while the modal was open (finished, already paused or handed off,
    another journey) by their stored state, one read of one customer."""
    refusal = permission_refusal(context, target, user, client)
    if refusal is not None:
        return refusal
    state = context.guide.store.load_one(target.customer_id).history(target.customer_id).state
    return why_moved_on(state, target.journey, action)


def command_refusal(
    context: SlackContext, user: str, client: WebClient, *, undo: bool = False
) -> str | None:
    """Why `user` may not use `/og` (or `/og undo`), or None."""
    if undo and not may_undo(user, context.team):
        return NOT_AN_ADMIN
    if not may_act_in_slack(context, user, client):
        return NOT_ON_THE_TEAM
    return None


def rules_change_refusal(context: SlackContext, user: str, client: WebClient) -> str | None:
    """Why `user` may not apply or dismiss an edit of the rules doc, or None: the team, the
    doc in force (the approved one) naming its owners."""
    if not may_act_in_slack(context, user, client):
        return NOT_ON_THE_TEAM_FOR_RULES
    return None


def may_act_in_slack(
    context: SlackContext,
    user: str,
    client: WebClient,
    *,
    flag_owner: str | None = None,
    rules: Rules | None = None,
) -> bool:
    """The settings first (no request), then the rules doc's owners (`rules`, or the doc read
    now), then the flag channel's members (a request to Slack)."""
    team = context.team
    if may_act(user, team, flag_owner=flag_owner):
        return True
    rules = rules or rules_now(context)
    if rules is not None:
        # Owners named by email count by their member ids (looked up once, remembered).
        rules = SlackPeople(client, context.guide.store).resolved_rules(rules)
    return may_act(
        user,
        team.with_rules(rules),
        flag_owner=flag_owner,
        in_flag_channel=lambda channel, person: _is_member(client, channel, person),
    )


def rules_now(context: SlackContext) -> Rules | None:
    """The rules doc in force: the doc as it reads now, or the last good copy kept in state
    when it is broken, or the approved doc while an edit waits for approval; never the roster
    or a customer's state."""
    return load_rules(context.guide.rules_source, context.guide.store, remember=False).rules


def _is_member(client: WebClient, channel: str, user: str) -> bool:
    try:
        for page in client.conversations_members(channel=channel, limit=1000):
            if user in page.get("members", []):
                return True
    except SlackApiError as error:
        # A channel name instead of an id, or the bot not in a private channel: refuse, and
        # say why where the operator looks.
        _log.warning(
            "cannot list the members of OG_FLAG_CHANNEL %s (%s); refusing %s",
            channel,
            error.response.get("error"),
            user,
        )
    return False
