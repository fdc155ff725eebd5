"""A notifier that posts flags to Slack: in the flag channel when one is set, otherwise as a
direct message to the owner (which needs the `im:write` scope besides `chat:write`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError

from engine.adapters.slack_messages import check_message, flag_message, flag_text
from engine.models import FlagNotice
from engine.ports import SendError


@contextmanager
def slack_send_errors(what: str) -> Iterator[None]:
    """Slack's refusals and lost connections while posting `what`, as SendError."""
    try:
        yield
    except SlackApiError as error:
        raise SendError(f"Slack refused {what}: {error.response.get('error')}") from error
    except (SlackClientError, OSError, HTTPException) as error:
        # OSError covers URLError (refused, DNS) and timeouts; HTTPException a cut reply.
        raise SendError(f"cannot reach Slack for {what}: {error}") from error


class SlackNotifier:
    def __init__(self, client: WebClient, flag_channel: str | None) -> None:
        self._client = client
        self._flag_channel = flag_channel or None

    def flag(self, notice: FlagNotice) -> str:
        """Returns `CHANNEL_ID:TS`, what `chat.update` needs to change the message later."""
        blocks = flag_message(notice)
        try:
            check_message(blocks)
        except SlackObjectFormationError as error:
            raise SendError(
                f"the flag for {notice.customer_id} is not a valid message: {error}"
            ) from error
        with slack_send_errors("the flag"):
            channel = self._flag_channel or self._open_dm(notice.owner.slack_id)
            posted = self._client.chat_postMessage(
                channel=channel,
                text=flag_text(notice),
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        return f"{posted['channel']}:{posted['ts']}"

    def _open_dm(self, user_id: str) -> str:
        opened = self._client.conversations_open(users=user_id)
        return str(opened["channel"]["id"])
