"""Slack settings from the environment, under the names Slack's own tooling uses
(`SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`) plus the guide's `OG_*` ones."""

from __future__ import annotations

import os
from typing import Annotated
from urllib.error import URLError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

# Each retry waits for Slack's Retry-After; two keeps a tick from stalling on a busy workspace.
RATE_LIMIT_RETRIES = 2


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    bot_token: SecretStr = Field(validation_alias="SLACK_BOT_TOKEN")
    signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    flag_channel: str | None = Field(default=None, validation_alias="OG_FLAG_CHANNEL")
    """Where flags go; when unset each flag is a direct message to its owner."""
    digest_channel: str | None = Field(default=None, validation_alias="OG_DIGEST_CHANNEL")
    allowed_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="OG_ALLOWED_USERS"
    )
    """Slack user ids who may act; written comma-separated."""
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="OG_ADMINS"
    )
    app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    """An app-level `xapp-` token with `connections:write`: only for `og serve --socket-mode`."""
    api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")
    """The Web API base URL; only tests point it elsewhere (slack.com when unset)."""

    @field_validator("allowed_users", "admins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("flag_channel", "digest_channel", "api_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `OG_FLAG_CHANNEL=` in an env file means "no channel", not a channel named "".
        if isinstance(value, str) and not value.strip():
            return None
        return value


def slack_settings() -> SlackSettings | None:
    """The Slack settings from the environment; None when no bot token is set (a blank one
    counts as none). Raises ValueError naming what is wrong otherwise."""
    if not os.environ.get("SLACK_BOT_TOKEN", "").strip():
        return None
    try:
        return SlackSettings()
    except ValidationError as error:
        raise ValueError(f"bad Slack settings: {error}") from error


def web_client(settings: SlackSettings) -> WebClient:
    """A Web API client that waits out rate limits and tries again a connection that failed
    before the request went out (urllib's URLError). slack_sdk's default also retries a
    connection reset or closed after the request went out, which posts a message twice when
    Slack had taken it; those reach the caller (see slack_notifier.slack_send_errors)."""
    handlers = [
        ConnectionErrorRetryHandler(error_types=[URLError]),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]
    token = settings.bot_token.get_secret_value()
    if settings.api_url is None:
        return WebClient(token=token, retry_handlers=handlers)
    # The client joins method names onto the base URL, which drops a last segment without "/".
    base_url = settings.api_url if settings.api_url.endswith("/") else settings.api_url + "/"
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers)
