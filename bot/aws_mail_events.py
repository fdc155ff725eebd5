"""Mail coming back on AWS (issue 16), as Lambda hands it to the function:

- **S3 event notifications** (`Records[].eventSource == "aws:s3"`): SES receiving's receipt rule
  stores each email sent to the reply address in the inbound bucket (OG_INBOUND_BUCKET), and S3
  tells the function. A record for any other bucket is refused; an object over
  `MAX_MESSAGE_BYTES` is taken in as junk without being downloaded; otherwise it is read (at
  most that many bytes) and taken in as `s3:<bucket>/<key>`.
- **SNS notifications** (`Records[].EventSource == "aws:sns"`) carrying SES's bounce and
  complaint events (engine.ses_events), each taken in as `sns:<MessageId>`: SNS keeps the id
  when it delivers a message again.

Each record is handled on its own, and the invocation answers with a summary. A record that
could not be read (a malformed message, an object gone) is logged and skipped; one that failed
for a reason a retry can mend (the store, the list or S3 unreadable) makes the invocation raise
once every record has had its turn, so the batch can be delivered again: what was taken in is
then passed over by its key (engine.inbox).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from engine.guide import Guide
from engine.inbound import MAX_MESSAGE_BYTES, too_large
from engine.inbox import Inbox
from engine.ses_events import Ignored, MalformedEvent, read_ses_event

RECORDS_KEY = "Records"
S3_SOURCE = "aws:s3"
SNS_SOURCE = "aws:sns"
BUCKET_VARIABLE = "OG_INBOUND_BUCKET"
SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION"
"""What SES writes into the bucket when a receipt rule with an S3 action is created."""
_GONE = {"NoSuchKey", "404", "NotFound"}

_log = logging.getLogger("og.mail_events")

S3Client = Any
"""boto3's S3 client (untyped)."""


class MailEventsFailed(RuntimeError):
    """Some records could not be taken in for now; raised after the others were."""


def record_source(record: object) -> str:
    """`aws:s3` (S3 spells it eventSource), `aws:sns` (SNS: EventSource), or ""."""
    if not isinstance(record, Mapping):
        return ""
    return str(record.get("eventSource") or record.get("EventSource") or "")


def is_mail_event(event: Mapping[str, Any]) -> bool:
    records = event.get(RECORDS_KEY)
    return (
        isinstance(records, list)
        and bool(records)
        and all(record_source(r) in (S3_SOURCE, SNS_SOURCE) for r in records)
    )


class MailEvents:
    """Takes one invocation's records in; holds the S3 client between invocations."""

    def __init__(self, guide: Guide, bucket: str, s3: Callable[[], S3Client]) -> None:
        """`bucket`: the one bucket read (empty: none). `s3`: makes the S3 client, on the
        first S3 record (credentials and endpoint from boto3's usual chain)."""
        self.guide = guide
        self.bucket = bucket
        self._make_s3 = s3
        self._s3: S3Client | None = None

    @classmethod
    def from_env(cls, guide: Guide) -> MailEvents:
        def s3() -> S3Client:
            # Made on the first S3 record, not by every cold start.
            import boto3  # type: ignore[import-untyped, unused-ignore]

            return boto3.session.Session().client("s3")

        return cls(guide, os.environ.get(BUCKET_VARIABLE, "").strip(), s3)

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            self._s3 = self._make_s3()
        return self._s3

    def __call__(self, event: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        inbox = Inbox(self.guide, now)
        outcomes: Counter[str] = Counter()
        failed: list[str] = []
        for number, record in enumerate(event[RECORDS_KEY]):
            source = record_source(record)
            try:
                if source == S3_SOURCE:
                    outcome = self._s3_record(inbox, record)
                else:
                    outcome = self._sns_record(inbox, record)
            except Exception as error:
                _log.exception("record %d (%s) failed; to be tried again", number, source)
                failed.append(f"record {number} ({source}): {type(error).__name__}: {error}")
                outcome = "failed"
            outcomes[outcome] += 1
        summary = {"records": len(event[RECORDS_KEY]), "outcomes": dict(outcomes)}
        if failed:
            raise MailEventsFailed(f"{len(failed)} of {summary['records']}: " + "; ".join(failed))
        return summary

    # --- S3: an email SES received -------------------------------------------------------

    def _s3_record(self, inbox: Inbox, record: Mapping[str, Any]) -> str:
        try:
            name = str(record.get("eventName", ""))
            bucket = str(record["s3"]["bucket"]["name"])
            key = unquote_plus(str(record["s3"]["object"]["key"]))
            size = record["s3"]["object"].get("size")
        except (KeyError, TypeError) as error:
            _log.warning("an S3 record without its bucket and key (%r): skipped", error)
            return "malformed"
        where = f"s3:{bucket}/{key}"
        if not name.startswith("ObjectCreated:"):
            _log.info("%s: %s, not a new email: ignored", where, name or "no event name")
            return "ignored"
        if not self.bucket or bucket != self.bucket:
            _log.warning(
                "%s: refused: only the inbound bucket %s (%s) is read",
                where,
                repr(self.bucket) if self.bucket else "(not set)",
                BUCKET_VARIABLE,
            )
            return "other bucket"
        if key.rsplit("/", 1)[-1] == SES_SETUP_OBJECT:
            _log.info("%s: SES's note that the receipt rule can write here: ignored", where)
            return "ignored"
        if isinstance(size, int) and size > MAX_MESSAGE_BYTES:
            return self._too_large(inbox, where, size)
        try:
            body = self._download(bucket, key)
        except Exception as error:
            if _error_code(error) in _GONE:
                _log.warning("%s: the object is gone (%s): skipped", where, error)
                return "gone"
            raise
        if len(body) > MAX_MESSAGE_BYTES:  # replaced by a larger one since the event
            return self._too_large(inbox, where, len(body))
        return inbox.take_message(where, body).taken.value

    def _download(self, bucket: str, key: str) -> bytes:
        """The object's first MAX_MESSAGE_BYTES + 1 bytes: enough to tell one too large."""
        response = self.s3.get_object(Bucket=bucket, Key=key)
        stream = response["Body"]
        try:
            return bytes(stream.read(MAX_MESSAGE_BYTES + 1))
        finally:
            stream.close()

    @staticmethod
    def _too_large(inbox: Inbox, where: str, size: int) -> str:
        return inbox.take(where, too_large(size)).taken.value

    # --- SNS: SES's bounce and complaint events ------------------------------------------

    @staticmethod
    def _sns_record(inbox: Inbox, record: Mapping[str, Any]) -> str:
        sns = record.get("Sns")
        message_id = sns.get("MessageId") if isinstance(sns, Mapping) else None
        if not isinstance(message_id, str) or not message_id:
            _log.warning("an SNS record without Sns.MessageId: skipped")
            return "malformed"
        where = f"sns:{message_id}"
        message = sns.get("Message") if isinstance(sns, Mapping) else None
        try:
            read = read_ses_event(message if isinstance(message, str) else "")
        except MalformedEvent as error:
            _log.warning("%s: not an SES event the guide can read (%s): skipped", where, error)
            return "malformed"
        if isinstance(read, Ignored):
            _log.info("%s: SES %s event: ignored", where, read.what)
            return "ignored"
        return inbox.take(where, read).taken.value


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return ""
    return str(response.get("Error", {}).get("Code", ""))
