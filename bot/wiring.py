"""Turn settings into adapters: one place knows which backend a URL names."""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.slack.context import SlackContext
from bot.slack.home import HomeTab
from bot.slack.notifier import SlackNotifier
from bot.slack.people import SlackPeople
from bot.slack.settings import slack_settings, web_client
from engine.adapters.console_notifier import ConsoleNotifier
from engine.adapters.csv_roster import CsvRoster
from engine.adapters.email_message import parse_sender
from engine.adapters.file_rules import FileRulesSource
from engine.adapters.mailer_url import open_mailer
from engine.adapters.row_memory import StoreRowMemory
from engine.adapters.sqlite_store import SqliteStore
from engine.guide import Guide, GuideConfig
from engine.ports import (
    Commentator,
    Mailer,
    NoteDrafter,
    Notifier,
    Roster,
    RulesSource,
    StateStore,
)
from engine.settings import Settings

LINK_SECRET_KEY = "link.secret"


def open_roster(spec: str, store: StateStore | None = None) -> Roster:
    """`gsheet://SPREADSHEET_ID/WORKSHEET_TITLE`, or a CSV path. A Google Sheet remembers
    where each customer's row is in `store`, so a click in a fresh process reads one row."""
    if spec.startswith("gsheet://"):
        # Imported here: the Google libraries take a noticeable part of a second to load,
        # which every command on the CSV default would otherwise pay.
        from engine.adapters.gsheet_roster import GoogleSheetRoster, gsheet_url, parse_gsheet_url

        memory = None
        if store is not None:
            memory = StoreRowMemory(store, gsheet_url(*parse_gsheet_url(spec)))
        return GoogleSheetRoster.from_url(spec, memory=memory)
    return CsvRoster(Path(spec))


def open_store(spec: str) -> StateStore:
    if spec.startswith("sqlite:"):
        return SqliteStore.from_url(spec)
    if spec.startswith("dynamodb:"):
        from engine.adapters.dynamodb_store import DynamoDbStore  # boto3 only when asked for

        return DynamoDbStore.from_url(spec)
    raise ValueError(
        f"unknown state store {spec!r} (expected sqlite:///PATH or dynamodb://?region=REGION)"
    )


def open_notifier(spec: str, store: StateStore | None = None) -> Notifier:
    """`console`, `slack`, or `auto`: Slack when SLACK_BOT_TOKEN is set, else the console.
    `store` remembers the member ids of owners named by email (bot/slack/people.py)."""
    if spec not in ("auto", "console", "slack"):
        raise ValueError(f"unknown notifier {spec!r} (expected auto, console or slack)")
    slack = slack_settings() if spec != "console" else None
    if slack is not None:
        client = web_client(slack)
        return SlackNotifier(client, slack.flag_channel, SlackPeople(client, store))
    if spec == "slack":
        raise ValueError("the slack notifier needs SLACK_BOT_TOKEN set")
    return ConsoleNotifier()


def open_rules_source(spec: str) -> RulesSource:
    """`gdoc://DOCUMENT_ID`, or a file path."""
    if spec.startswith("gdoc://"):
        from engine.adapters.gdoc_rules import GoogleDocRulesSource  # see open_roster

        return GoogleDocRulesSource.from_url(spec)
    return FileRulesSource(spec)


def open_commentator(spec: str) -> Commentator | None:
    """`bedrock://MODEL_ID[?region=REGION]`, or "" for none."""
    if not spec:
        return None
    from engine.adapters.bedrock_commentary import BedrockCommentator

    return BedrockCommentator.from_url(spec)


def open_note_drafter(spec: str) -> NoteDrafter | None:
    """Who drafts a personal note in Slack: the summary model (`bedrock://MODEL_ID`), or ""
    for nobody (the owner writes the note from an empty one)."""
    if not spec:
        return None
    from engine.adapters.bedrock_commentary import BedrockCommentator

    return BedrockCommentator.from_url(spec)


def link_secret(settings: Settings, store: StateStore) -> str:
    """The configured secret, or on the embedded default one generated once and kept in state,
    so a fresh install signs links without any set-up and they survive restarts."""
    if settings.link_secret is not None:
        return settings.link_secret.get_secret_value()
    return store.add_meta_if_absent(LINK_SECRET_KEY, secrets.token_urlsafe(32))


def reply_address(settings: Settings) -> str:
    """Replies go where they are read: OG_REPLY_TO, else the From address once an inbox reads
    it; with neither, nowhere we read (no Reply-To at all)."""
    if settings.reply_to:
        return parse_sender(settings.reply_to).addr_spec
    return parse_sender(settings.mail_from).addr_spec if settings.inbox else ""


def build_guide(settings: Settings, *, mailer: Mailer | None = None) -> Guide:
    store = open_store(settings.state)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    guide = Guide(
        roster=open_roster(settings.roster, store),
        store=store,
        mailer=mailer
        or open_mailer(
            settings.mailer,
            sender=settings.mail_from,
            smtp_username=settings.smtp_username,
            smtp_password=password,
        ),
        notifier=open_notifier(settings.notifier, store),
        rules_source=open_rules_source(settings.rules),
        config=GuideConfig(
            team_timezone=settings.timezone,
            base_url=settings.base_url,
            link_secret=link_secret(settings, store),
            send_concurrency=settings.send_concurrency,
            reply_address=reply_address(settings),
            summary_model=settings.summary_model,
        ),
    )
    if isinstance(guide.notifier, SlackNotifier):
        show_home_tabs(guide, guide.notifier)
    return guide


def show_home_tabs(guide: Guide, notifier: SlackNotifier) -> None:
    """After every action the Slack notifier republishes the actor's Home tab, read from
    `guide` (which holds the notifier, so it is set once both exist)."""
    slack = slack_settings()
    if slack is not None:
        notifier.home = HomeTab(SlackContext(guide=guide, settings=slack), notifier.client).refresh
