"""A database written by an earlier release opens in this one: the columns added since come
with their defaults, every row is kept, and its claims read as claims of unknown runs."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.adapters.sqlite_store import SqliteStore
from engine.models import SendKind, SendRecord, SendStatus

# og_sends and og_sends_archive as the first release made them, before `error`,
# `run_process` and `run_deadline`.
FIRST_RELEASE = """
CREATE TABLE og_sends (
    customer_id TEXT NOT NULL, journey INTEGER NOT NULL, step TEXT NOT NULL, kind TEXT NOT NULL,
    local_date TEXT NOT NULL, guide_day INTEGER NOT NULL, status TEXT NOT NULL,
    message_id TEXT, claimed_at TEXT NOT NULL, sent_at TEXT, tick_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (customer_id, journey, step, kind)
) WITHOUT ROWID;
CREATE TABLE og_sends_archive (
    journey_id TEXT NOT NULL, customer_id TEXT NOT NULL, journey INTEGER NOT NULL,
    step TEXT NOT NULL, kind TEXT NOT NULL, local_date TEXT NOT NULL, guide_day INTEGER NOT NULL,
    status TEXT NOT NULL, message_id TEXT, claimed_at TEXT NOT NULL, sent_at TEXT,
    tick_id TEXT NOT NULL DEFAULT '', archived_at TEXT NOT NULL,
    PRIMARY KEY (journey_id, step, kind)
) WITHOUT ROWID;
INSERT INTO og_sends VALUES ('C1', 1, 'welcome', 'step', '2026-11-02', 0, 'claimed', NULL,
    '2026-11-02T09:00:00+00:00', NULL, 'tick-old');
INSERT INTO og_sends_archive VALUES ('C2#1', 'C2', 1, 'welcome', 'step', '2026-11-01', 0,
    'sent', '<m@og>', '2026-11-01T09:00:00+00:00', '2026-11-01T09:00:01+00:00', 'tick-old',
    '2026-11-05T09:00:00+00:00');
"""


def test_a_first_release_database_opens_with_its_rows_and_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "og.db"
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_RELEASE)
    store = SqliteStore(path)
    (claim,) = store.load().sends["C1"]
    assert (claim.status, claim.tick_id, claim.run_process, claim.run_deadline, claim.error) == (
        SendStatus.CLAIMED,
        "tick-old",
        "",
        None,
        "",
    )
    (archived,) = store.archived_sends("C2")
    assert (archived.message_id, archived.run_process) == ("<m@og>", "")
    # New rows carry the run that claimed them.
    fresh = claim.model_copy(
        update={"step": "setup", "run_process": "host/boot/1/2", "claimed_at": datetime.now(UTC)}
    )
    assert store.claim(fresh)
    assert {s.step: s.run_process for s in store.load().sends["C1"]}["setup"] == "host/boot/1/2"


# og_tick_memo as memo format 2 made it, before `held_until`, `starts_at` and `ends_at`.
MEMO_FORMAT_2 = """
CREATE TABLE og_tick_memo (
    customer_id TEXT PRIMARY KEY, changes INTEGER NOT NULL, rules TEXT NOT NULL,
    row TEXT NOT NULL, zone TEXT NOT NULL, since TEXT NOT NULL, until TEXT,
    reason TEXT NOT NULL, step TEXT, held INTEGER NOT NULL, day_zero TEXT
) WITHOUT ROWID;
INSERT INTO og_tick_memo VALUES ('C1', 0, 'r2', 'w2', 'UTC', '2026-11-02', NULL, 'finished',
    NULL, 0, NULL);
"""


def test_memos_of_an_earlier_format_read_without_hours_and_new_ones_keep_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "og.db"
    with sqlite3.connect(path) as db:
        db.executescript(MEMO_FORMAT_2)
    store = SqliteStore(path)
    old = store.tick_read(lambda memo: True).memos["C1"]
    assert (old.rules, old.spell.held_until, old.spell.ends_at) == ("r2", None, None)
    opens = datetime(2026, 11, 3, 9, tzinfo=ZoneInfo("Asia/Kolkata"))
    spell = replace(old.spell, held=True, held_until=opens, starts_at=opens, ends_at=opens)
    held = replace(old, spell=spell)
    store.put_memos([held])
    assert store.tick_read(lambda memo: True).memos["C1"] == held


# A customer's state as a release before the unsubscribe link wrote it.
STATE_BEFORE_UNSUBSCRIBE = """
CREATE TABLE og_state (customer_id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL)
    WITHOUT ROWID;
INSERT INTO og_state VALUES ('C1', 3, '{"customer_id": "C1", "journey": 2, "steps_done":
    {"welcome": "2026-11-02"}, "paused": false, "finished": false, "wrap_up_pending": false,
    "version": 3, "updated_by": "dana"}');
"""


def test_a_state_from_before_unsubscribing_reads_as_subscribed_and_takes_its_claims(
    tmp_path: Path,
) -> None:
    path = tmp_path / "og.db"
    with sqlite3.connect(path) as db:
        db.executescript(STATE_BEFORE_UNSUBSCRIBE)
    store = SqliteStore(path)
    state = store.load_one("C1").states["C1"]
    assert (state.journey, state.version, state.unsubscribed, state.unsubscribed_on) == (
        2,
        3,
        False,
        None,
    )
    send = SendRecord(
        customer_id="C1",
        journey=2,
        step="setup",
        kind=SendKind.STEP,
        local_date=date(2026, 11, 4),
        guide_day=2,
        claimed_at=datetime(2026, 11, 4, 9, tzinfo=UTC),
    )
    assert store.claim(send)
    written = store.save_state(state.model_copy(update={"unsubscribed": True}))
    assert store.load_one("C1").states["C1"] == written
    assert not store.claim(send.model_copy(update={"step": "check-in"}))
