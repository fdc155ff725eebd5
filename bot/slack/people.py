"""Who the rules doc's people are in Slack: the member id behind a work email.

The doc may name an owner or a hand-off owner by email (`Sam Rivera <sam@acme.com>`). Slack's
`users.lookupByEmail` (scope `users:read.email`) gives their member id, and the answer is
remembered in the state store's meta, one key per address with when Slack was asked, so a
tick, a flag or a click asks Slack about an address at most about once a day:

- A member found is kept for `KNOWN_FOR` (a day). The first use after that asks again, so a
  person who left (Slack answers `users_not_found` for a deactivated member) or an address
  that moved to someone else is noticed within a day. When Slack cannot be asked just then
  (a rate limit, the network), the older answer is used.
- An address Slack does not know is kept for `UNKNOWN_FOR` (an hour): every tick still reports
  it with its line, and inviting the person to Slack is seen within the hour. Fixing the doc
  gives a different address, which is asked about at once. `og rules check` always asks
  afresh (`fresh=True`).
- A failed lookup is not remembered: the next use asks again.

Where it is used: the Slack notifier (a flag or an unconfirmed-send message to an owner named
by email, and the tick's check of the doc's people), who may act (bot/slack/access.py), the
hand-off modal's pick and its ping, and `og rules check`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from engine.models import clip
from engine.plans import Person, Rules
from engine.ports import SendError, StateStore
from engine.rules.people import MEMBER_ID_HOWTO, MEMBER_ID_PLACEHOLDER

KEY_PREFIX = "slack.member."
KNOWN_FOR = timedelta(days=1)
UNKNOWN_FOR = timedelta(hours=1)
# What Slack answers for an address it has no (active) member for; older docs spell it
# `user_not_found`.
_NOT_FOUND = ("users_not_found", "user_not_found")

_log = logging.getLogger("og.slack")


class LookupFailed(SendError):
    """Slack could not be asked who an address is (and nothing is remembered for it)."""


class UnknownMember(SendError):
    """Slack knows no member with the address; the message says what to write instead."""


@dataclass(frozen=True)
class Lookup:
    member_id: str | None
    """None: Slack knows no member with the address."""
    at: datetime

    def fresh(self, now: datetime) -> bool:
        kept_for = KNOWN_FOR if self.member_id else UNKNOWN_FOR
        return now - self.at < kept_for


def unknown_message(person: Person) -> str:
    name = clip(" ".join(person.name.split())) if person.name != person.email else "Name"
    return (
        f"Slack knows no member with the email {person.email}: check the address, or write "
        f"them with their member id, as {name} <@{MEMBER_ID_PLACEHOLDER}> ({MEMBER_ID_HOWTO})"
    )


class SlackPeople:
    """Looks up and remembers the member ids behind email addresses. `store` None: kept in
    this object only (a notifier built without a state store)."""

    def __init__(
        self,
        client: WebClient,
        store: StateStore | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._memory: dict[str, Lookup] = {}
        # One lookup at a time, so flags sent side by side ask about an address once.
        self._lock = threading.Lock()

    def member_id(self, email: str, *, fresh: bool = False) -> str | None:
        """The member id Slack has for `email`, None when Slack knows no member with it.
        Raises LookupFailed when Slack cannot be asked and no earlier answer is kept."""
        key = KEY_PREFIX + email.strip().casefold()
        with self._lock:
            now = self._clock()
            kept = None if fresh else self._recall(key)
            if kept is not None and kept.fresh(now):
                return kept.member_id
            try:
                found = self._ask(email.strip())
            except LookupFailed:
                if kept is not None and kept.member_id:
                    return kept.member_id
                raise
            self._remember(key, Lookup(member_id=found, at=now))
            return found

    def resolve(self, person: Person) -> Person:
        """`person` with their member id: as written, or looked up from their email. Raises
        UnknownMember or LookupFailed (both SendError: a flag is tried again next tick)."""
        if person.slack_id or not person.email:
            return person
        found = self.member_id(person.email)
        if found is None:
            raise UnknownMember(unknown_message(person))
        return person.model_copy(update={"slack_id": found})

    def member_id_of(self, key: str) -> str | None:
        """A hand-off pick's value (`Person.key`: a member id or an email) as a member id."""
        return self.member_id(key) if "@" in key else key

    def unknown(self, people: Sequence[Person], *, fresh: bool = False) -> list[tuple[Person, str]]:
        """The people named by an email Slack does not know, or could not be asked about,
        each with what to do."""
        found: list[tuple[Person, str]] = []
        for person in people:
            if person.slack_id or not person.email:
                continue
            try:
                if self.member_id(person.email, fresh=fresh) is None:
                    found.append((person, unknown_message(person)))
            except LookupFailed as error:
                found.append((person, str(error)))
        return found

    def identified(self, person: Person) -> Person:
        """`person` with their member id where Slack knows it; one Slack does not know, or
        that cannot be looked up now, keeps an empty id (and is logged)."""
        try:
            return self.resolve(person)
        except SendError as error:
            _log.warning("rules doc person %s left out: %s", person.email, error)
            return person

    def resolved_rules(self, rules: Rules) -> Rules:
        """`rules` with every person named by email given their member id where Slack knows
        it (who may act needs ids)."""
        plans = {
            plan_id: plan.model_copy(update={"owner": self.identified(plan.owner)})
            for plan_id, plan in rules.plans.items()
        }
        hand_off = tuple(self.identified(person) for person in rules.hand_off_owners)
        return rules.model_copy(update={"plans": plans, "hand_off_owners": hand_off})

    def _ask(self, email: str) -> str | None:
        try:
            answer = self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if code in _NOT_FOUND:
                return None
            raise LookupFailed(_failure(email, code)) from error
        except (URLError, SlackClientError, OSError, HTTPException) as error:
            raise LookupFailed(f"could not ask Slack who {email} is: {error}") from error
        user = answer.get("user") or {}
        member_id = user.get("id") if isinstance(user, dict) else None
        if not member_id or user.get("deleted"):
            return None
        return str(member_id)

    def _recall(self, key: str) -> Lookup | None:
        if self._store is None:
            return self._memory.get(key)
        try:
            stored = self._store.get_meta(key)
            if stored is None:
                return None
            value = json.loads(stored)
            return Lookup(member_id=value["id"] or None, at=datetime.fromisoformat(value["at"]))
        except Exception as error:  # an unreadable entry is asked about again
            _log.warning("cannot read the remembered lookup %s: %s", key, error)
            return None

    def _remember(self, key: str, lookup: Lookup) -> None:
        if self._store is None:
            self._memory[key] = lookup
            return
        value = json.dumps({"id": lookup.member_id or "", "at": lookup.at.isoformat()})
        try:
            self._store.put_meta(key, value)
        except Exception as error:  # the answer still serves this use
            _log.warning("cannot remember the lookup %s: %s", key, error)


def _failure(email: str, code: str) -> str:
    if code == "missing_scope":
        return (
            f"could not ask Slack who {email} is: the app lacks the users:read.email scope; "
            "add users:read and users:read.email (as manifest.yml does) and reinstall the app"
        )
    return f"could not ask Slack who {email} is: {code}"
