"""Taking in what arrives by mail (issue 16), wherever it arrives: an IMAP mailbox on one
machine (bot.inbox), SES receiving and SES's bounce and complaint events on AWS.

Each arrival has a key of its own (its mailbox, UIDVALIDITY and UID; its S3 object; its SNS
message), and is taken in once: the key is claimed in the store before anything is done, and
its outcome written after. A second delivery of the same key is passed over; one whose claim
is older than `RETAKE_AFTER` (its run died mid-way), or whose taking failed (the store or the
list could not be read), is taken in again. What matches no
customer is kept (the newest `UNMATCHED_KEPT`) for the weekly digest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from engine.guide import Guide
from engine.heard import hear
from engine.inbound import Inbound, InboundKind, read_inbound
from engine.inbound_match import Directory, match_inbound
from engine.models import clip

RETAKE_AFTER = timedelta(minutes=10)
UNMATCHED_KEPT = 100
UNMATCHED_KEY = "inbound:unmatched"
_KEY_PREFIX = "inbound:seen:"

_log = logging.getLogger("og.inbox")


class Taken(StrEnum):
    ACTED = "acted"
    """Matched and acted on (or found already so: a second reply the same day)."""
    REFUSED = "refused"
    """Matched, but the customer could not be acted on (say, their row is unreadable)."""
    UNMATCHED = "unmatched"
    JUNK = "junk"
    ALREADY = "already taken in"


@dataclass(frozen=True)
class Arrival:
    """What became of one arrival, for the log and the command line."""

    key: str
    taken: Taken
    kind: str
    customer_id: str = ""
    message: str = ""


@dataclass(frozen=True)
class Unmatched:
    """A message nobody on the list could be found for, or whose customer could not be acted
    on (their row unreadable): listed in the digest."""

    at: datetime
    kind: str
    sender: str
    subject: str


class Inbox:
    """One batch of arrivals, read with one look at the list (made on the first that needs
    it): an hourly handful of replies costs one read, a quiet poll none."""

    def __init__(self, guide: Guide, now: datetime) -> None:
        self.guide = guide
        self.now = now
        self._directory: Directory | None = None

    def take_message(self, key: str, raw: bytes) -> Arrival:
        return self.take(key, read_inbound(raw))

    def take(self, key: str, inbound: Inbound) -> Arrival:
        """Never raises for what the message holds; a store or list that cannot be read
        raises, and the arrival is taken in again by the next run."""
        if not self._claim(key):
            return Arrival(key, Taken.ALREADY, inbound.kind.value)
        try:
            arrival = self._act(key, inbound)
        except Exception:
            self._release(key)
            raise
        self.guide.store.put_meta(_KEY_PREFIX + key, _record("done", self.now, arrival))
        log = _log.info if arrival.taken == Taken.ACTED else _log.warning
        log("%s: %s %s %s", key, arrival.taken.value, arrival.kind, arrival.message)
        return arrival

    def settled(self, key: str) -> bool:
        """Whether the arrival under `key` was taken in to the end: a run that finds it
        "already taken in" may then put the message away. One merely claimed (a run is taking
        it in, or died doing so) is left where it is, to be taken in again after
        `RETAKE_AFTER`."""
        try:
            seen = json.loads(self.guide.store.get_meta(_KEY_PREFIX + key) or "{}")
            return bool(seen.get("state") == "done")
        except (ValueError, AttributeError):
            return False

    def _act(self, key: str, inbound: Inbound) -> Arrival:
        kind = inbound.kind.value
        if inbound.kind == InboundKind.JUNK:
            return Arrival(key, Taken.JUNK, kind, message=inbound.why)
        matched = match_inbound(inbound, self._known())
        if matched is None:
            _keep_unmatched(self.guide, Unmatched(self.now, kind, inbound.sender, inbound.subject))
            return Arrival(key, Taken.UNMATCHED, kind, message=f"from {inbound.sender or '?'}")
        outcome = hear(self.guide, matched.customer_id, inbound, self.now)
        said = outcome.message + (f" ({outcome.warning})" if outcome.warning else "")
        if not outcome.ok:  # kept for a person, as the unmatched are: nothing is lost unseen
            what = f"{kind} for {matched.customer_id}, not recorded: {outcome.message}"
            _keep_unmatched(self.guide, Unmatched(self.now, what, inbound.sender, inbound.subject))
        taken = Taken.ACTED if outcome.ok else Taken.REFUSED
        return Arrival(key, taken, kind, matched.customer_id, f"by {matched.by}: {said}")

    def _known(self) -> Directory:
        if self._directory is None:
            roster = self.guide.roster.read()
            emails = {
                str(row.values.get("customer_id") or "").strip(): str(row.values.get("email") or "")
                for row in roster.rows
            }
            emails.pop("", None)
            self._directory = Directory(self.guide.config.link_secret, emails)
        return self._directory

    def _claim(self, key: str) -> bool:
        mine = _record("taking", self.now)
        found = self.guide.store.add_meta_if_absent(_KEY_PREFIX + key, mine)
        if found == mine:
            return True
        try:
            seen = json.loads(found)
            stale = seen["state"] == "failed" or (
                seen["state"] == "taking"
                and self.now - datetime.fromisoformat(seen["at"]) > RETAKE_AFTER
            )
        except (ValueError, KeyError, TypeError):
            stale = False
        if stale:
            self.guide.store.put_meta(_KEY_PREFIX + key, mine)
        return stale

    def _release(self, key: str) -> None:
        """A taking that raised gives its claim up, so a retry (Lambda's, the next poll's)
        takes the arrival in at once rather than after `RETAKE_AFTER`."""
        try:
            self.guide.store.put_meta(_KEY_PREFIX + key, _record("failed", self.now))
        except Exception as error:  # the store is what failed: the claim lapses by age instead
            _log.warning("%s: its claim stays until it is stale: %s", key, error)


def _record(state: str, at: datetime, arrival: Arrival | None = None) -> str:
    record = {"state": state, "at": at.isoformat()}
    if arrival is not None:
        record |= {"taken": arrival.taken.value, "customer": arrival.customer_id}
    return json.dumps(record)


def _keep_unmatched(guide: Guide, unmatched: Unmatched) -> None:
    kept = unmatched_messages(guide)
    kept.append(unmatched)
    guide.store.put_meta(
        UNMATCHED_KEY,
        json.dumps(
            [
                {
                    "at": u.at.isoformat(),
                    "kind": u.kind,
                    "sender": clip(u.sender, 200),
                    "subject": clip(u.subject, 200),
                }
                for u in kept[-UNMATCHED_KEPT:]
            ]
        ),
    )


def unmatched_messages(guide: Guide, since: datetime | None = None) -> list[Unmatched]:
    """The messages nobody on the list was found for, oldest first (since `since`)."""
    try:
        kept: Sequence[dict[str, str]] = json.loads(guide.store.get_meta(UNMATCHED_KEY) or "[]")
        found = [
            Unmatched(datetime.fromisoformat(u["at"]), u["kind"], u["sender"], u["subject"])
            for u in kept
        ]
    except (ValueError, KeyError, TypeError):
        _log.warning("the list of unmatched mail is unreadable; starting it again")
        return []
    return [u for u in found if since is None or u.at >= since]
