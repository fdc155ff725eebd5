"""Settings from the environment (`OG_*`); command-line flags override them."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.adapters.bedrock_commentary import parse_bedrock_url
from engine.calendar import canonical_timezone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OG_", extra="ignore")

    roster: str = "roster.csv"
    """A CSV path (the embedded default)."""
    rules: str = "rules.md"
    state: str = "sqlite:///og.db"
    mailer: str = "outbox:outbox"
    """`outbox:DIR` or `smtp://host:port[?starttls=1]`."""
    notifier: str = "auto"
    """Where flags go: `slack`, `console`, or `auto` (Slack when SLACK_BOT_TOKEN is set)."""
    timezone: str = "UTC"
    """The team's time zone: ticks run at 09:00 here, and rows without a zone use it."""
    base_url: str = "http://localhost:8080"
    link_secret: SecretStr | None = None
    """Signs done links; when unset the embedded default keeps a generated one in state."""
    mail_from: str = "Onboarding Guide <guide@localhost>"
    send_concurrency: int = Field(default=8, ge=1, le=64)
    """Sends a tick carries out side by side (mail servers answer slowly, one by one)."""
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    inbox: str = ""
    """Where replies and bounces arrive on one machine: `imaps://user@host[:port]/INBOX`
    (`imap://` for a server on loopback), read by `og inbox` and `og serve`."""
    inbox_password: SecretStr | None = None
    reply_to: str = ""
    """The address replies go to, as a plus address naming the customer; by default the
    From address, once an inbox (or, on AWS, SES receiving) reads it."""
    summary_model: str = ""
    """`bedrock://MODEL_ID[?region=REGION]`: Amazon Bedrock adds a paragraph of commentary
    above the month's summary, and drafts a personal note when an owner asks for one in Slack
    (never on the tick's path); "" for the figures alone and notes written from empty."""

    @field_validator("summary_model")
    @classmethod
    def _bedrock_model(cls, value: str) -> str:
        value = value.strip()
        if value:
            parse_bedrock_url(value)  # a ValueError names what is wrong
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        name = canonical_timezone(value)
        if name is None:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Paris")
        return name
