"""Slack's actions, modal submissions, `/og` and events (the Home tab), each kind in its own
module, and the personal note's menu option and modal in one of their own (notes.py), each
with a `register(app, context)` that wires ids to plain functions; they translate Slack to
engine actions and back, hold no rule, and never import each other."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import SlackContext
from listeners import actions, commands, events, notes, views


def register(app: App, context: SlackContext) -> None:
    actions.register(app, context)
    views.register(app, context)
    commands.register(app, context)
    events.register(app, context)
    notes.register(app, context)
