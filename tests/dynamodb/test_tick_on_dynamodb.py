"""The real tick and actions with their state in DynamoDB: what they send and record matches
the SQLite store day by day, a tick reads the tables in pages (never a request per customer),
and eight ticks racing on DynamoDB Local send every message exactly once."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dynamodb_local import client_for, store_on
from racing import START, customers, race_for_days, workspace
from request_counter import RequestCounter
from workspace import Workspace

from engine.actions import finish, mark_done, pause, reenroll, resume
from engine.adapters.dynamodb_store import DynamoDbStore
from engine.guide import Guide
from engine.memo import TickMemo, TickRead
from engine.ports import StateStore
from engine.tick import tick
from engine.tick_send import FIRST_BATCH
from engine.undo import undo


def guide_on(ws: Workspace, store: StateStore) -> Guide:
    guide = ws.guide()
    guide.store = store
    return guide


# --- the same story as on SQLite -------------------------------------------------------------


Action = Callable[[Guide, datetime], object]
STEPS = ("welcome", "setup", "check-in")

STORY: dict[int, list[Action]] = {
    1: [lambda g, now: mark_done(g, "C0001", "welcome", now, actor="customer")],
    2: [lambda g, now: pause(g, "C0002", "migrating", "dana", now)],
    3: [
        lambda g, now: finish(g, "C0003", "dana", now),
        lambda g, now: mark_done(g, "C0004", "welcome", now, actor="customer"),
        lambda g, now: mark_done(g, "C0004", "setup", now, actor="customer"),
        lambda g, now: mark_done(g, "C0004", "check-in", now, actor="customer"),
        *(lambda g, now, s=s: mark_done(g, "C0005", s, now, "customer") for s in STEPS),
    ],
    5: [
        lambda g, now: resume(g, "C0002", "dana", now),
        lambda g, now: undo(g, "C0003", "sam", now),
        lambda g, now: undo(g, "C0005", "sam", now),  # the tick's own finish
    ],
    6: [lambda g, now: reenroll(g, "C0004", "Pro", "dana", now)],
    8: [lambda g, now: reenroll(g, "C0001", "Pro", "dana", now, reset=True)],
}


def run_story(guide: Guide, days: int = 12) -> list[object]:
    seen: list[object] = []
    for day in range(days):
        now = START + timedelta(days=day)
        for action in STORY.get(day, []):
            outcome = action(guide, now)
            message = _without_clock(getattr(outcome, "message", ""))
            seen.append((day, getattr(outcome, "ok", None), message))
        report = tick(guide, now)
        seen.append(
            (day, [(r.customer_id, r.move, r.step, r.reason, r.error) for r in report.results])
        )
    return seen


def test_ticks_and_actions_on_dynamodb_do_what_they_do_on_sqlite(tmp_path: Path) -> None:
    on_sqlite = workspace(tmp_path / "sqlite", 8)
    on_dynamodb = workspace(tmp_path / "dynamodb", 8)
    with store_on(None) as store:
        expected = run_story(on_sqlite.guide())
        # moto in-process is not thread-safe (two finishes at once can break its backend's
        # dicts), so this guide makes its moves one at a time; DynamoDB Local races below.
        one_at_a_time = guide_on(on_dynamodb, store)
        one_at_a_time.config = replace(one_at_a_time.config, send_concurrency=1)
        kept = _counting_memos(store)
        assert run_story(one_at_a_time) == expected
        assert sum(kept) > 0  # the DynamoDB ticks took quiet customers from their memos
        assert on_dynamodb.sent() == on_sqlite.sent()
        assert on_dynamodb.read_rows() == on_sqlite.read_rows()
        sqlite = on_sqlite.guide().store
        for cid in (f"C{n:04d}" for n in range(8)):
            assert _journey(store, cid) == _journey(sqlite, cid)
            assert _archived(store, cid) == _archived(sqlite, cid)
            assert _actions(store, cid) == _actions(sqlite, cid)
    # the story did take the paths that archive and restore journeys
    assert [a[0] for a in _actions(sqlite, "C0003")] == ["undo", "finished"]
    # C0005's finish, undone, was made again by the next tick without a second wrap-up
    assert [a[0] for a in _actions(sqlite, "C0005")][:3] == ["finished", "undo", "finished"]
    assert on_dynamodb.sent().count(("C0005", "wrap-up", "finish")) == 1
    assert {a[0] for a in _archived(sqlite, "C0001")} == {1}
    assert {a[0] for a in _archived(sqlite, "C0004")} == {1}


def _counting_memos(store: DynamoDbStore) -> list[int]:
    """How many customers each tick took from their memos, as it reads them."""
    kept: list[int] = []
    read = store.tick_read

    def counted(keep: Callable[[TickMemo], bool]) -> TickRead:
        found = read(keep)
        kept.append(len(found.memos))
        return found

    store.tick_read = counted  # type: ignore[method-assign]
    return kept


def _journey(store: StateStore, cid: str) -> tuple[object, ...]:
    """A customer's state and sends, without what the wall clock stamps."""
    history = store.load_one(cid).history(cid)
    return (
        history.state.model_dump(exclude={"updated_at"}),
        sorted(
            (s.journey, s.step, s.kind, s.status, s.local_date, s.guide_day) for s in history.sends
        ),
    )


def _archived(store: StateStore, cid: str) -> list[tuple[object, ...]]:
    return sorted((s.journey, s.step, s.kind, s.status) for s in store.archived_sends(cid))


def _actions(store: StateStore, cid: str) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor, _without_clock(e.note)) for e in store.audit_trail(cid)]


_WALL_CLOCK_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _without_clock(text: str) -> str:
    """An undo names when the undone action was taken, by the wall clock: two runs of the
    story a minute apart differ there and nowhere else."""
    return _WALL_CLOCK_MINUTE.sub("<when> UTC", text)


# --- requests per tick ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [30, 120])
def test_a_tick_reads_in_pages_and_by_key_never_a_request_per_customer_it_keeps(
    tmp_path: Path, count: int
) -> None:
    ws = Workspace(tmp_path, customers(count))
    with store_on(None, segments=1) as store:
        guide = guide_on(ws, store)
        tick(guide, START)
        counter = RequestCounter(store.client)
        report = tick(guide, START + timedelta(days=1))
        busy = Counter(counter.calls)
        busy_requests = list(counter.requests)
        ticks = {}
        for hour, happening in enumerate(("moved", "quiet", "new column", "paused"), start=1):
            now = START + timedelta(days=1, hours=hour)
            if happening == "new column":  # the first pause adds its columns to the list
                assert pause(guide, "C0002", "migrating", "dana", now).ok
            if happening == "paused":
                assert pause(guide, "C0001", "migrating", "dana", now).ok
            counter.reset()
            tick(guide, now + timedelta(minutes=1))
            ticks[happening] = Counter(counter.calls)
    moves = sum(n for move, n in report.counts().items() if move != "on_track")
    quiet = report.counts()["on_track"]
    assert count // 10 < moves < count
    # The busy tick keeps few memos (everyone moved the day before): it reads the memos table
    # and scans the sends and state tables, a page each (under 1 MB), and the rules log's
    # head (which doc is in force), for 30 customers as for 120. Moves go in batches, each a
    # transaction of claims, a BatchGetItem of their journeys and a transaction of
    # confirmations, each customer's change count bumped in the transaction of their write:
    # never a request per move.
    batches = busy["BatchGetItem"]
    assert batches <= math.ceil(moves / FIRST_BATCH) < moves
    assert busy - Counter(TransactWriteItems=busy["TransactWriteItems"]) == {
        "Scan": 3,
        "GetItem": 1,
        "BatchGetItem": batches,
    }
    assert busy["TransactWriteItems"] <= 2 * (batches + math.ceil(2 * moves / 100)) + 1
    written = Counter(
        (
            kind,
            item[kind]["TableName"].removeprefix(store.prefix),
            item[kind].get("UpdateExpression", "")[:3],
        )
        for op, params in busy_requests
        if op == "TransactWriteItems"
        for item in params["TransactItems"]
        for kind, write in item.items()
    )
    assert written == {
        ("Put", "sends", ""): moves,  # the claims
        ("Update", "sends", "SET"): moves,  # their confirmations
        ("Update", "memos", "ADD"): 2 * moves,  # the change counts, with each
        ("Update", "memos", "SET"): quiet,  # a memo of each customer left on track
    }
    # An hour later, most customers have no memo yet (they moved): read as the busy tick read
    # them, and remembered, a transaction per 100.
    assert ticks["moved"] == {"Scan": 3, "GetItem": 1, "TransactWriteItems": math.ceil(moves / 100)}
    # Then every customer is taken from their memo: the memos table alone is read.
    assert ticks["quiet"] == {"Scan": 1, "GetItem": 1}
    # The pause adds its columns to the list, blank in every other row: a memo reads only the
    # cells validation reads, blank ones left out, so every other customer is still taken from
    # theirs, and the paused one is read alone, by key.
    assert ticks["new column"] == {
        "Scan": 1,
        "GetItem": 1,
        "BatchGetItem": 1,
        "Query": 1,
        "TransactWriteItems": 1,
    }
    # A person's action changes one customer: the tick reads them alone, by key, and
    # remembers them again.
    assert ticks["paused"] == {
        "Scan": 1,
        "GetItem": 1,
        "BatchGetItem": 1,
        "Query": 1,
        "TransactWriteItems": 1,
    }


def test_a_tick_follows_the_pages_and_nothing_else_grows(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, customers(55))
    with store_on(None, segments=1, page_limit=10) as store:
        guide = guide_on(ws, store)
        tick(guide, START)
        live_sends = sum(len(s) for s in store.load().sends.values())
        counter = RequestCounter(store.client)
        tick(guide, START + timedelta(hours=1))
        calls = Counter(counter.calls)
        counter.reset()
        tick(guide, START + timedelta(hours=2))
        remembered = Counter(counter.calls)
    assert live_sends == 55  # everyone was welcomed on the first day
    # The memos table (55 change counts) in six pages of up to 10, the sends in six, the state
    # (one meta value) in one; then the 55 customers remembered in one transaction.
    assert calls == {"Scan": 6 + 6 + 1, "GetItem": 1, "TransactWriteItems": 1}
    # All taken from their memos: the memos table's pages alone.
    assert remembered == {"Scan": 6, "GetItem": 1}


def test_the_capacity_a_tick_consumes_is_counted_as_dynamodb_bills_it(
    tmp_path: Path, dynamodb_local: str
) -> None:
    ws = Workspace(tmp_path, customers(40))
    with store_on(dynamodb_local, segments=1) as store:
        counter = RequestCounter(store.client, capacity=True)
        store.put_meta("probe", "x" * 3000)  # 3 KB: three write units
        assert (counter.read_units, counter.write_units) == (0, 3)
        assert store.get_meta("probe") == "x" * 3000  # a consistent read under 4 KB: one unit
        assert (counter.read_units, counter.write_units) == (1, 3)
        guide = guide_on(ws, store)
        counter.reset()
        report = tick(guide, START)
    moves = sum(n for move, n in report.counts().items() if move != "on_track")
    assert moves == 40  # everyone welcomed
    # Each move: a claim and its confirmation, in transactions (two units an item, items
    # well under 1 KB), each with the bump of the customer's change count (two more); and
    # this first tick keeps the rules doc's last good copy (1-2 KB: two units) and, under a
    # key of its own, its hash (one unit); and records it as the doc in force in the rules
    # log (engine.rules_log): its text under its hash (two units), the first entry and the
    # log's head (one each). Later ticks write none of these while the doc stays the same.
    assert counter.calls["PutItem"] == 5
    assert counter.units["TransactWriteItems"] == 2 * 2 * 2 * moves
    assert counter.write_units == 8 * moves + 3 + 4
    # The Scans of three small tables, the rules' last good copy and log; the claims' journey
    # checks
    # find no state yet (these customers never acted), which DynamoDB Local counts as nothing.
    assert counter.units["BatchGetItem"] == 0
    assert 2 <= counter.read_units < 10


# --- eight ticks at once --------------------------------------------------------------------------


def test_eight_ticks_racing_on_dynamodb_local_send_each_message_once(
    tmp_path: Path, dynamodb_local: str
) -> None:
    reference = workspace(tmp_path / "reference", 16)
    racing = workspace(tmp_path / "racing", 16)
    with store_on(dynamodb_local) as store:
        # Each tick as its own process would have it: a guide and a client of its own.
        guides = [
            guide_on(racing, DynamoDbStore(client_for(dynamodb_local), store.prefix))
            for _ in range(8)
        ]
        outcome = race_for_days(reference, racing, guides)
        live = store.load()
    assert [m for m, n in Counter(outcome.sent).items() if n > 1] == []
    assert outcome.sent == outcome.reference
    assert ("C0001", "wrap-up", "finish") in outcome.sent
    assert len(outcome.sent) > 3 * 16
    claims = [(s.customer_id, s.step, s.kind) for sends in live.sends.values() for s in sends]
    assert len(claims) == len(set(claims))
    assert live.states["C0001"].finished
    # They did race: all eight decided each day's moves before any claimed (racing.ClaimTogether),
    # so each email was sent by one tick and found sent by the seven others (flags lost too).
    assert outcome.lost >= 7 * len(outcome.sent)
