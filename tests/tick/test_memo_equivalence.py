"""The tick that skips quiet customers (engine.memo) makes exactly the moves of the tick that
decides every customer in full, every day, whatever happens in between.

Two guides live side by side on the same list, rules and clock: one keeps memos, one (its
store drops them) decides everyone every tick. Random histories drive both alike: days
passing with ticks at any hour, done links, pauses and resumes, hand-offs, finishes, undos,
unsubscribes (by link, or typed in the sheet),
emails whose answer never comes (unconfirmed) and a person settling them either way,
edits of any column of the sheet (bad values too), rows added, removed and doubled, rules doc
changes (windows, steps, weekends, holidays), and customers in zones around the world. After
every tick the two reports (every customer's move and reason), the emails and flags sent, and
every action's answer must be equal. The same runs, fewer and shorter, keep the memos in
DynamoDB (on DynamoDB Local, reading the customers without a memo both ways it can).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dynamodb_local import store_on
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from workspace import RULES

from engine import actions, unconfirmed
from engine.adapters.dynamodb_memos import BY_KEY_SHARE
from engine.adapters.memory import RecordingMailer, RecordingNotifier
from engine.adapters.sqlite_store import SqliteStore
from engine.guide import Guide, GuideConfig
from engine.memo import TickMemo, TickRead
from engine.models import RawRow, RosterGrid, RosterSnapshot, RowUpdate
from engine.outcomes import OutgoingEmail
from engine.ports import OutcomeUnknownError, StateStore
from engine.roster.grid import grid_from_snapshot, one_customer
from engine.tick import TickReport, tick
from engine.undo import undo
from engine.unsubscribe import unsubscribe

START = datetime(2026, 12, 17, tzinfo=UTC)  # a Thursday, a week before Christmas
IDS = [f"C{i}" for i in range(6)]
ZONES = ["", "UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "Europe/London"]
STEPS = ["welcome", "setup", "check-in", "connect-data", "feature-tour", "invite-team", "nope"]
# Long quiet stretches between moves, so memos have days to be trusted on.
SLOW_RULES = (
    RULES.replace("Nudge after 2 days, flag after 3 more", "Nudge after 4 days, flag after 5 more")
    .replace("setup on day 2, check-in on day 6", "setup on day 7, check-in on day 16")
    .replace(
        "feature tour on day 3, invite team on day 5", "feature tour on day 8, invite team on day 9"
    )
)
RULES_DOCS = [
    SLOW_RULES,
    SLOW_RULES.replace("Send every day.\n", "Holidays: US.\n"),
    RULES,
    "this is not a rules doc",
]
CELLS: dict[str, list[str]] = {
    "name": ["Ada Lovelace", "", "  Grace  "],
    "company": ["Acme", "Other Co"],
    "email": ["a@example.test", "not an email", "b@example.test"],
    "plan": ["Starter", "Pro", "starter", "Gold"],
    "plan_override": ["", "Pro", "Starter", "Gold"],
    "signup_date": ["2026-12-10", "2026-12-16", "2026-12-20", "2026-11-01", "yesterday"],
    "timezone": [*ZONES, "Mars/Olympus"],
    "owner": ["", "<@U0DANA>", "<@U0SAM>"],
    "paused": ["", "TRUE", "FALSE", "maybe"],
    "paused_note": ["", "on holiday", "busy"],
    "finished": ["", "TRUE", "FALSE"],
    "finished_date": ["", "2026-12-18", "soon"],
    "handed_off_to": ["", "Sam Ortiz", "<@U0SAM>"],
    "unsubscribed": ["", "TRUE", "2026-12-18", "FALSE", "never"],
    "notes": ["", "anything", "more"],
}
HEADER = ("customer_id", "name", "company", "email", "plan", "signup_date", "timezone", "notes")


class Sheet:
    """The onboarding list both guides read: rows as cells, edited by the test and the ticks."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.header = list(HEADER)
        self.rows = rows

    def read(self) -> RosterSnapshot:
        return RosterSnapshot(
            header=tuple(self.header),
            rows=tuple(
                RawRow(row_number=n, values={h: r.get(h, "") for h in self.header})
                for n, r in enumerate(self.rows, start=2)
            ),
        )

    def read_grid(self) -> RosterGrid:
        return grid_from_snapshot(self.read())

    def read_one(self, customer_id: str) -> RosterSnapshot:
        return one_customer(self.read(), customer_id)

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        missing = []
        for update in updates:
            found = [r for r in self.rows if r.get("customer_id", "").strip() == update.customer_id]
            if not found:
                missing.append(update.customer_id)
            for column, value in update.values.items():
                if column not in self.header:
                    self.header.append(column)
                for r in found[:1]:
                    r[column] = value
        return missing


class Rules:
    def __init__(self) -> None:
        self.text = SLOW_RULES

    @property
    def name(self) -> str:
        return "rules.md"

    def fetch(self) -> str:
        return self.text


class FullEvaluation(SqliteStore):
    """A store that keeps no memo: every tick decides every customer."""

    def put_memos(self, memos: Sequence[TickMemo]) -> None:
        pass


class UnsureMailer(RecordingMailer):
    """Delivers every email but those whose (customer, step) the story picks: for those, no
    answer comes back (the send is unconfirmed until a person settles it)."""

    def __init__(self) -> None:
        super().__init__()
        self.unsure: set[tuple[str, str]] = set()

    def send(self, email: OutgoingEmail) -> str:
        if (email.customer_id, email.step) in self.unsure:
            raise OutcomeUnknownError("the connection closed before the answer")
        return super().send(email)


class Side:
    """One guide, with what it sent."""

    def __init__(self, store: StateStore, clock: list[datetime]) -> None:
        self.sheet = Sheet([])
        self.rules = Rules()
        self.mailer = UnsureMailer()
        self.notifier = RecordingNotifier()
        self.store = store
        self.kept = 0
        self.kept_held = 0
        self.guide = Guide(
            roster=self.sheet,
            store=store,
            mailer=self.mailer,
            notifier=self.notifier,
            rules_source=self.rules,
            config=GuideConfig(
                team_timezone="America/New_York",
                base_url="https://og.test",
                link_secret="s",
                send_concurrency=1,
                # A rules edit is announced without working out its impact: that is two
                # simulated weeks of ticks per edit, per side, which here would only cost
                # time (tests/tick/test_rules_watch.py checks it).
                rules_impact_days=0,
            ),
            wall_clock=lambda: clock[0],
        )


def _row(cid: str, zone: str, signup: str, plan: str) -> dict[str, str]:
    return {
        "customer_id": cid,
        "name": f"Name {cid}",
        "company": "Co",
        "email": f"{cid.lower()}@example.test",
        "plan": plan,
        "signup_date": signup,
        "timezone": zone,
        "notes": "",
    }


customers = st.lists(
    st.tuples(
        st.sampled_from(ZONES),
        st.sampled_from(["2026-12-10", "2026-12-14", "2026-12-17", "2026-12-19"]),
        st.sampled_from(["Starter", "Pro"]),
    ),
    min_size=1,
    max_size=len(IDS),
)
who = st.sampled_from(IDS)
done = st.tuples(st.just("done"), who, st.sampled_from(STEPS))
happenings = st.one_of(
    done,
    done,
    done,
    st.tuples(st.just("pause"), who),
    st.tuples(st.just("resume"), who),
    st.tuples(st.just("hand_off"), who),
    st.tuples(st.just("take_back"), who),
    st.tuples(st.just("finish"), who),
    st.tuples(st.just("undo"), who),
    st.tuples(st.just("unsubscribe"), who),
    st.tuples(st.just("unsure"), who, st.sampled_from(STEPS)),
    st.tuples(st.just("delivered"), who, st.sampled_from(STEPS)),
    st.tuples(st.just("resend"), who, st.sampled_from(STEPS)),
    st.tuples(st.just("edit"), who, st.sampled_from(sorted(CELLS)), st.integers(0, 9)),
    st.tuples(st.just("add"), who),
    st.tuples(st.just("drop"), who),
    st.tuples(st.just("double"), who),
    st.tuples(st.just("rules"), st.integers(0, len(RULES_DOCS) - 1)),
)
days = st.tuples(
    st.integers(0, 3),  # days since the last
    st.lists(st.integers(0, 23), min_size=1, max_size=3),  # the hours of its ticks
    st.lists(happenings, max_size=3),  # after its first tick
)


def _happen(side: Side, what: tuple[Any, ...], now: datetime, fresh: dict[str, str]) -> str:
    guide, kind = side.guide, what[0]
    if kind == "done":
        return actions.mark_done(guide, what[1], what[2], now, "customer").message
    if kind == "pause":
        return actions.pause(guide, what[1], "on leave", "U0DANA", now).message
    if kind == "resume":
        return actions.resume(guide, what[1], "U0DANA", now).message
    if kind == "hand_off":
        return actions.hand_off(guide, what[1], "Sam Ortiz", "", "U0DANA", now).message
    if kind == "take_back":
        return actions.clear_hand_off(guide, what[1], "U0DANA", now).message
    if kind == "finish":
        return actions.finish(guide, what[1], "U0DANA", now).message
    if kind == "undo":
        return undo(guide, what[1], "U0DANA", now).message
    if kind == "unsubscribe":
        return unsubscribe(guide, what[1], 1, now).outcome.message
    if kind == "unsure":
        side.mailer.unsure ^= {(what[1], what[2])}
        return ""
    if kind == "delivered":
        return unconfirmed.mark_delivered(guide, what[1], what[2], None, "U0DANA", now).message
    if kind == "resend":
        return unconfirmed.send_again(guide, what[1], what[2], None, "U0DANA", now).message
    rows = side.sheet.rows
    mine = [r for r in rows if r["customer_id"] == what[1]] if len(what) > 1 else []
    if kind == "edit" and mine:
        values = CELLS[what[2]]
        mine[0][what[2]] = values[what[3] % len(values)]
        if what[2] not in side.sheet.header:
            side.sheet.header.append(what[2])
    elif kind == "add" and not mine:
        rows.append(dict(fresh))
    elif kind == "drop" and mine:
        rows.remove(mine[-1])
    elif kind == "double" and mine:
        rows.append(dict(mine[0]))
    elif kind == "rules":
        side.rules.text = RULES_DOCS[what[1]]
    return ""


def _report(report: TickReport) -> dict[str, Any]:
    seen = report.model_dump(exclude={"unconfirmed"})
    seen["unconfirmed"] = [u.model_dump(exclude={"tick_id"}) for u in report.unconfirmed]
    return seen


def _counting(side: Side) -> None:
    """Count the customers the side took from its memos."""
    read = side.store.tick_read

    def counted(keep: Any) -> TickRead:
        found = read(keep)
        side.kept += len(found.memos)
        side.kept_held += sum(1 for m in found.memos.values() if m.spell.held_until)
        return found

    side.store.tick_read = counted  # type: ignore[method-assign]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers,
    st.lists(days, min_size=2, max_size=25),
    st.sets(st.tuples(st.sampled_from(IDS), st.sampled_from(["welcome", "setup", "wrap-up"]))),
)
def test_the_tick_with_memos_moves_as_the_full_tick(
    start: list[tuple[str, str, str]],
    story: list[tuple[int, list[int], list[tuple[Any, ...]]]],
    unsure: set[tuple[str, str]],
) -> None:
    _both_ways(SqliteStore(":memory:"), start, story, unsure)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers,
    st.lists(days, min_size=2, max_size=10),
    st.sets(st.tuples(st.sampled_from(IDS), st.sampled_from(["welcome", "setup", "wrap-up"]))),
    st.sampled_from([BY_KEY_SHARE, 1.0]),
)
def test_the_tick_with_memos_in_dynamodb_moves_as_the_full_tick(
    dynamodb_local: str,
    start: list[tuple[str, str, str]],
    story: list[tuple[int, list[int], list[tuple[Any, ...]]]],
    unsure: set[tuple[str, str]],
    by_key_share: float,
) -> None:
    with store_on(dynamodb_local, by_key_share=by_key_share) as store:
        _both_ways(store, start, story, unsure)


def _both_ways(
    memo_store: StateStore,
    start: list[tuple[str, str, str]],
    story: list[tuple[int, list[int], list[tuple[Any, ...]]]],
    unsure: set[tuple[str, str]],
) -> None:
    """The story told to a guide keeping memos in `memo_store` and to one keeping none."""
    clock = [START]
    memo, full = Side(memo_store, clock), Side(FullEvaluation(":memory:"), clock)
    memo.mailer.unsure, full.mailer.unsure = set(unsure), set(unsure)
    _counting(memo)
    rows = [_row(IDS[i], *c) for i, c in enumerate(start)]
    spare = {cid: _row(cid, "", "2026-12-15", "Starter") for cid in IDS}
    for side in (memo, full):
        side.sheet.rows = [dict(r) for r in rows]
    day = START
    for gap, hours, happened in story:
        day += timedelta(days=gap)
        ticks = [day + timedelta(hours=hour) for hour in sorted(hours)]
        _tick_both(memo, full, clock, ticks[0])
        for what in happened:
            clock[0] += timedelta(minutes=1)
            fresh = spare.get(str(what[1]), {})
            answers = [_happen(side, what, clock[0], fresh) for side in (memo, full)]
            assert answers[0] == answers[1]
            assert memo.sheet.rows == full.sheet.rows
        for now in ticks[1:]:
            _tick_both(memo, full, clock, max(now, clock[0]))
    assert memo.mailer.sent == full.mailer.sent
    assert memo.notifier.flags == full.notifier.flags
    assert memo.notifier.unconfirmed_sends == full.notifier.unconfirmed_sends
    assert memo.notifier.unsubscribes == full.notifier.unsubscribes
    event(f"customers taken from memos: {'some' if memo.kept else 'none'}")
    event(f"held for their hours, taken from memos: {'some' if memo.kept_held else 'none'}")
    event(f"unconfirmed sends: {'some' if memo.notifier.unconfirmed_sends else 'none'}")
    unsubscribed = any(state.unsubscribed for state in memo.store.load().states.values())
    event(f"unsubscribed at the end: {'some' if unsubscribed else 'none'}")


def _tick_both(memo: Side, full: Side, clock: list[datetime], now: datetime) -> None:
    clock[0] = now
    reports = [_report(tick(side.guide, now)) for side in (memo, full)]
    assert reports[0] == reports[1], f"the ticks differ at {now}"
    assert memo.sheet.rows == full.sheet.rows
