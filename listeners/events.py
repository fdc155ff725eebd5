"""Events from Slack's Events API: `app_home_opened`, when a person opens the app's Home tab
(or its Messages tab, which the guide leaves alone). The tab is published lazily: it reads
what the digest reads, and Slack waits only 3 seconds for the acknowledgement."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.context import SlackContext
from bot.slack.home import HomeTab

HOME_OPENED = "app_home_opened"


def acknowledge(ack: Ack) -> None:
    ack()


def register(app: App, context: SlackContext) -> None:
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        on_home_opened(context, event, client)

    app.event(HOME_OPENED)(ack=acknowledge, lazy=[home_opened])


def on_home_opened(context: SlackContext, event: dict[str, Any], client: WebClient) -> None:
    if event.get("tab") != "home":
        return
    HomeTab(context, client).opened(event["user"])
