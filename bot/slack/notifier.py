"""A notifier that posts flags to Slack: in the flag channel when one is set, otherwise as a
direct message to the owner (which needs the `im:write` scope besides `chat:write`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.slack.blocks import check_message
from bot.slack.flag import flag_message, flag_text, unconfirmed_message, unconfirmed_text
from bot.slack.people import SlackPeople
from engine.models import Person
from engine.outcomes import FlagNotice, UnconfirmedNotice
from engine.ports import OutcomeUnknownError, SendError


@contextmanager
def slack_send_errors(what: str, *, posts: bool = True) -> Iterator[None]:
    """Slack's refusals and lost connections while posting `what`, as SendError.

    urllib wraps what goes wrong while connecting and sending in URLError: Slack did not get
    the request. What goes wrong after it went out (the connection closed or timed out before
    the reply) comes unwrapped, and then Slack may have posted `what` already: when the call
    `posts`, that is an OutcomeUnknownError, so it is not posted a second time."""
    try:
        yield
    except SlackApiError as error:
        raise SendError(f"Slack refused {what}: {error.response.get('error')}") from error
    except (URLError, SlackClientError) as error:
        raise SendError(f"cannot reach Slack for {what}: {error}") from error
    except (OSError, HTTPException) as error:
        if posts:
            raise OutcomeUnknownError(
                f"Slack may have posted {what}: the request went out and no answer came ({error})"
            ) from error
        raise SendError(f"cannot reach Slack for {what}: {error}") from error


class SlackNotifier:
    def __init__(
        self, client: WebClient, flag_channel: str | None, people: SlackPeople | None = None
    ) -> None:
        self._client = client
        self._flag_channel = flag_channel or None
        # An owner named by email is looked up (and remembered; see bot/slack/people.py).
        self._people = people or SlackPeople(client, None)

    def unknown_people(self, people: Sequence[Person]) -> list[tuple[Person, str]]:
        return self._people.unknown(people)

    def flag(self, notice: FlagNotice) -> str:
        """Returns `CHANNEL_ID:TS`, what `chat.update` needs to change the message later."""
        notice = notice.model_copy(update={"owner": self._owner(notice.owner)})
        return self._post(
            f"the flag for {notice.customer_id}",
            notice.owner,
            flag_message(notice),
            flag_text(notice),
        )

    def unconfirmed(self, notice: UnconfirmedNotice) -> str:
        notice = notice.model_copy(update={"owner": self._owner(notice.owner)})
        return self._post(
            f"the unconfirmed-send message for {notice.customer_id}",
            notice.owner,
            unconfirmed_message(notice),
            unconfirmed_text(notice),
        )

    def _owner(self, owner: Person) -> Person:
        """The owner with their member id. One named by an email Slack does not know (or
        cannot be asked about now) still gets a channel's flag, by name; a DM cannot go."""
        try:
            return self._people.resolve(owner)
        except SendError:
            if self._flag_channel is None:
                raise
            return owner

    def _post(self, what: str, owner: Person, blocks: list[Block], text: str) -> str:
        try:
            check_message(blocks)
        except SlackObjectFormationError as error:
            raise SendError(f"{what} is not a valid message: {error}") from error
        with slack_send_errors("the owner's direct message channel", posts=False):
            channel = self._flag_channel or self._open_dm(owner.slack_id)
        with slack_send_errors(what):
            posted = self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        return f"{posted['channel']}:{posted['ts']}"

    def _open_dm(self, user_id: str) -> str:
        opened = self._client.conversations_open(users=user_id)
        return str(opened["channel"]["id"])
