"""The DynamoDB store's month reads (`StateStore.sends_between`, `audit_between`): a Scan with
a filter of each table they need. No index answers them, and none is kept for them: a Scan
reads (and bills) the whole table, which is fine for a report run once a month and would not
be for the tick, which never calls these."""

from __future__ import annotations

from datetime import date, datetime
from itertools import chain

from engine.adapters.dynamodb_items import audit_from_item, send_from_item
from engine.adapters.dynamodb_reads import Filter, Reader
from engine.adapters.month_reads import audit_in, each_send_once
from engine.audit import audit_ids_between
from engine.models import AuditEntry, SendRecord


def sends_between(
    reader: Reader, sends: str, archive: str, first: date, last: date
) -> tuple[SendRecord, ...]:
    """The live table, then the archive: a send an action archives between the two Scans is
    read in both and kept once (archived). One an undo puts back between them is missed, as
    no two Scans make one moment."""
    where = Filter(
        "#day BETWEEN :first AND :last",
        {"#day": "local_date"},
        {":first": {"S": first.isoformat()}, ":last": {"S": last.isoformat()}},
    )
    items = chain(reader.scan(sends, where=where), reader.scan(archive, where=where))
    return each_send_once(send_from_item(item) for item in items)


def audit_between(
    reader: Reader, audit: str, start: datetime, end: datetime
) -> tuple[AuditEntry, ...]:
    lo, hi = audit_ids_between(start, end)
    where = Filter("#id BETWEEN :lo AND :hi", {"#id": "id"}, {":lo": {"S": lo}, ":hi": {"S": hi}})
    return audit_in((audit_from_item(item) for item in reader.scan(audit, where=where)), start, end)
