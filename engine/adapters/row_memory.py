"""Where a Google Sheet roster remembers each customer's rows (engine.ports.RowMemory).

A click on AWS may land in a fresh Lambda environment, which knows nothing of the tick that read
the whole sheet that morning; so the rows are kept where every environment and `og serve`
find them: in the state store's meta values, next to the link secret and the last good rules
doc. The whole map would be one value of megabytes at 100,000 rows (a DynamoDB item holds
400 KB), so it is cut in BUCKETS by a hash of the id: a click reads the one value that holds
its customer (about 10 KB compressed at 100,000 rows), and a whole read writes only the values
that changed, which a directory value (a digest per bucket) tells without reading them.

What is remembered is a hint: the roster checks a remembered row's id before trusting it, and
a row that moved is found again by reading the id column (then remembered anew). A value that
cannot be read or written, or that two processes wrote at once, costs that check, never a
wrong row.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import zlib
from collections.abc import Mapping, Sequence

from engine.ports import StateStore

BUCKETS = 64
KEY = "roster.rows."

_log = logging.getLogger(__name__)


class InProcessRowMemory:
    """Rows remembered in this process only: what a roster without a store uses. It keeps the
    mapping it is given, uncopied (a whole read's, at 100,000 rows): its giver lets it be."""

    def __init__(self) -> None:
        self._rows: Mapping[str, Sequence[int]] = {}

    def rows_of(self, customer_id: str) -> tuple[int, ...]:
        return tuple(self._rows.get(customer_id, ()))

    def remember(self, rows: Mapping[str, Sequence[int]]) -> None:
        self._rows = rows


class StoreRowMemory:
    """Rows remembered in a state store's meta values, under a name of their own (the sheet's
    URL), and in this process, whose own last look is asked first."""

    def __init__(self, store: StateStore, name: str) -> None:
        self._store = store
        self._prefix = KEY + hashlib.sha256(name.encode()).hexdigest()[:16]
        self._local = InProcessRowMemory()
        self._last: Mapping[str, Sequence[int]] | None = None
        self._lock = threading.Lock()

    def rows_of(self, customer_id: str) -> tuple[int, ...]:
        found = self._local.rows_of(customer_id)
        if found:
            return found
        try:
            value = self._store.get_meta(f"{self._prefix}.{_bucket(customer_id)}")
            return _decoded(value).get(customer_id, ()) if value else ()
        except Exception as error:  # a hint: the roster finds the row another way
            _log.warning("cannot read the remembered rows of the roster: %s", error)
            return ()

    def remember(self, rows: Mapping[str, Sequence[int]]) -> None:
        with self._lock:
            self._local.remember(rows)
            if rows == self._last:  # a whole read that found every row where it was
                return
            try:
                self._write(rows)
                self._last = rows
            except Exception as error:  # a hint: the next look tries again
                _log.warning("cannot remember the rows of the roster: %s", error)

    def _write(self, rows: Mapping[str, Sequence[int]]) -> None:
        buckets: list[dict[str, list[int]]] = [{} for _ in range(BUCKETS)]
        for customer_id, numbers in rows.items():
            buckets[_bucket(customer_id)][customer_id] = list(numbers)
        values = [_encoded(bucket) for bucket in buckets]
        digests = [hashlib.sha256(value.encode()).hexdigest()[:16] for value in values]
        known = _directory(self._store.get_meta(self._prefix))
        changed = [n for n in range(BUCKETS) if known[n] != digests[n]]
        if not changed:
            return
        # The directory goes first, so a write cut short leaves it saying nothing rather than
        # vouching for a bucket it never reached.
        self._store.put_meta(self._prefix, "[]")
        for number in changed:
            self._store.put_meta(f"{self._prefix}.{number}", values[number])
        self._store.put_meta(self._prefix, json.dumps(digests))


def _bucket(customer_id: str) -> int:
    return zlib.crc32(customer_id.encode("utf-8", "surrogatepass")) % BUCKETS


def _encoded(bucket: dict[str, list[int]]) -> str:
    text = json.dumps(bucket, sort_keys=True, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8", "surrogatepass"), 6)).decode()


def _decoded(value: str) -> dict[str, tuple[int, ...]]:
    """Raises ValueError for a value that is not one `_encoded` made."""
    try:
        text = zlib.decompress(base64.b64decode(value, validate=True))
        decoded = json.loads(text.decode("utf-8", "surrogatepass"))
        return {
            str(customer_id): tuple(_row_number(n) for n in numbers)
            for customer_id, numbers in decoded.items()
        }
    except (zlib.error, UnicodeDecodeError, AttributeError, TypeError, ValueError) as error:
        raise ValueError(f"not a remembered bucket: {error}") from error


def _row_number(value: object) -> int:
    if type(value) is not int or value < 2:
        raise ValueError(f"not a row number: {value!r}")
    return value


def _directory(value: str | None) -> list[str]:
    """The digest of each bucket as last written; "" for those not known."""
    try:
        digests = json.loads(value or "[]")
    except ValueError:
        digests = []
    if not isinstance(digests, list) or len(digests) != BUCKETS:
        return [""] * BUCKETS
    return [digest if isinstance(digest, str) else "" for digest in digests]
