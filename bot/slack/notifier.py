"""A notifier that posts flags to Slack: in the flag channel when one is set, otherwise as a
direct message to the owner (which needs the `im:write` scope besides `chat:write`). An edit of
the rules doc goes the same way: to the flag channel, or to each owner of the doc in force.

After every action it changes each flag of the journey to read as the engine says
(`chat.update` of the message whose `CHANNEL:TS` the flag's send keeps), and republishes the
Home tab of the person who acted; after a reply or a bounce, the owner's."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.slack.blocks import check_message
from bot.slack.flag import (
    flag_message,
    flag_text,
    unconfirmed_message,
    unconfirmed_text,
    unsubscribed_message,
    unsubscribed_text,
)
from bot.slack.heard import heard_message, heard_text
from bot.slack.people import SlackPeople
from bot.slack.rules_change import rules_change_message, rules_change_text
from bot.slack.text import is_user_id
from engine.outcomes import (
    ActionEvent,
    ActionNotice,
    FlagNotice,
    HeardNotice,
    RulesChangeNotice,
    UnconfirmedNotice,
    UnsubscribedNotice,
)
from engine.plans import Person
from engine.ports import OutcomeUnknownError, SendError

_log = logging.getLogger("og.slack")

_MESSAGE = re.compile(r"([CDG][A-Z0-9]+):(\d+\.\d+)")
"""A flag's reference as `flag` returns it; a console or preview reference is not one."""


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
        self,
        client: WebClient,
        flag_channel: str | None,
        people: SlackPeople | None = None,
        *,
        home: Callable[[str], None] | None = None,
    ) -> None:
        self._client = client
        self._flag_channel = flag_channel or None
        # An owner named by email is looked up (and remembered; see bot/slack/people.py).
        self._people = people or SlackPeople(client, None)
        self.home = home
        """Publishes a person's Home tab (bot/slack/home.py); the composition root sets it
        once the guide it reads exists."""

    @property
    def client(self) -> WebClient:
        return self._client

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

    def unsubscribed(self, notice: UnsubscribedNotice) -> str:
        notice = notice.model_copy(update={"owner": self._owner(notice.owner)})
        return self._post(
            f"the unsubscribe of {notice.customer_id}",
            notice.owner,
            unsubscribed_message(notice),
            unsubscribed_text(notice),
        )

    def heard(self, notice: HeardNotice) -> str:
        """Posted like a flag; then the owner's Home tab, where the customer now waits, is
        republished (when they ever opened it). The message is told either way."""
        notice = notice.model_copy(update={"owner": self._owner(notice.owner)})
        posted = self._post(
            f"the {notice.kind.value} of {notice.customer_id}",
            notice.owner,
            heard_message(notice),
            heard_text(notice),
        )
        owner = notice.owner.slack_id
        if self.home is not None and is_user_id(owner):
            try:
                self.home(owner)
            except Exception as error:  # the Home tab waits for its next opening
                _log.warning("the Home tab of %s was not republished: %s", owner, error)
        return posted

    def _owner(self, owner: Person) -> Person:
        """The owner with their member id. One named by an email Slack does not know (or
        cannot be asked about now) still gets a channel's flag, by name; a DM cannot go."""
        try:
            return self._people.resolve(owner)
        except SendError:
            if self._flag_channel is None:
                raise
            return owner

    def _with_member_ids(self, event: ActionEvent) -> ActionEvent:
        """The event with whoever it was handed to as a mention, when the rules doc names them
        by an email Slack knows; by name otherwise."""
        update: dict[str, object] = {}
        if event.handed_to is not None and not event.handed_to.slack_id:
            with suppress(SendError):
                update["handed_to"] = self._people.resolve(event.handed_to)
        if event.undid is not None:
            update["undid"] = self._with_member_ids(event.undid)
        return event.model_copy(update=update) if update else event

    def acted(self, notice: ActionNotice) -> None:
        """Every flag of the journey changed to read as `notice.flags` say, then the actor's
        Home tab republished. Each is tried; what failed is raised together as SendError."""
        problems: list[str] = []
        for flag in notice.flags:
            where = _MESSAGE.fullmatch(flag.reference)
            if where is None:
                continue
            events = tuple(self._with_member_ids(event) for event in flag.events)
            blocks = flag_message(flag.notice, events, open=flag.open)
            try:
                check_message(blocks)
                with slack_send_errors(f"the flag for {notice.customer_id}", posts=False):
                    self._client.chat_update(
                        channel=where[1],
                        ts=where[2],
                        text=flag_text(flag.notice, events),
                        blocks=blocks,
                    )
            except (SendError, SlackObjectFormationError) as error:
                problems.append(f"the flag {flag.reference} was not updated: {error}")
        actor = notice.event.actor
        if self.home is not None and is_user_id(actor):
            try:
                self.home(actor)
            except Exception as error:  # the flags are told; the Home tab waits for its opening
                problems.append(f"the Home tab of {actor} was not republished: {error}")
        if problems:
            raise SendError("; ".join(problems))

    def rules_changed(self, notice: RulesChangeNotice) -> str:
        """The flag channel's message, or one per owner (`CHANNEL:TS` each, space-separated).
        An owner who cannot be reached is logged, the others told; none reached raises."""
        what = f"the announcement of change {notice.change_id} of the rules doc"
        blocks, text = rules_change_message(notice), rules_change_text(notice)
        if self._flag_channel is not None:
            return self._post(what, Person(name="the team"), blocks, text)
        posted: list[str] = []
        failed: SendError = SendError(f"{what}: the doc in force names no owner to tell")
        for owner in notice.owners:
            try:
                posted.append(self._post(what, self._owner(owner), blocks, text))
            except SendError as error:
                _log.warning("%s did not reach %s: %s", what, owner.key or owner.name, error)
                if not isinstance(failed, OutcomeUnknownError):
                    failed = error
        if not posted:
            raise failed
        return " ".join(posted)

    def rules_settled(self, reference: str, notice: RulesChangeNotice) -> None:
        """Every message of the announcement rewritten; what failed raised together."""
        blocks, text = rules_change_message(notice), rules_change_text(notice)
        problems: list[str] = []
        for each in reference.split():
            where = _MESSAGE.fullmatch(each)
            if where is None:
                continue
            try:
                check_message(blocks)
                with slack_send_errors("the rules doc's announcement", posts=False):
                    self._client.chat_update(
                        channel=where[1], ts=where[2], text=text, blocks=blocks
                    )
            except (SendError, SlackObjectFormationError) as error:
                problems.append(f"the announcement {each} was not updated: {error}")
        if problems:
            raise SendError("; ".join(problems))

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
