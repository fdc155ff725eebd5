"""engine.rules_log: entry n written once of two writers, and a head left behind by a writer
killed between its two writes moved on by the next one."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.adapters.sqlite_store import SqliteStore
from engine.rules_log import Decision, Entry, Standing, entries, record, standing

AT = datetime(2026, 11, 3, 9, tzinfo=UTC)


def seen(text_hash: str) -> Decision:
    return Decision("seen", Standing(in_force="a", approval=False, seen=text_hash))


def test_a_writer_that_loses_entry_n_works_its_change_out_again_after_it() -> None:
    store = SqliteStore(":memory:")
    record(store, lambda before, n: seen("a"), actor="guide", at=AT)
    asked: list[tuple[str | None, int]] = []

    def second(before: Standing | None, n: int) -> Decision | None:
        asked.append((before.seen if before else None, n))
        if len(asked) == 1:  # another writer takes entry 2 meanwhile
            record(store, lambda b, m: seen("b"), actor="U0DANA", at=AT)
        return seen("c")

    written = record(store, second, actor="guide", at=AT)

    assert asked == [("a", 2), ("b", 3)]
    assert isinstance(written, Entry) and written.n == 3
    assert [e.after.seen for e in entries(store)] == ["c", "b", "a"]


def test_a_head_left_behind_is_moved_on_by_the_next_writer() -> None:
    store = SqliteStore(":memory:")
    record(store, lambda before, n: seen("a"), actor="guide", at=AT)
    # A writer killed after its entry, before the head: readers still see entry 1.
    lost = Entry(n=2, action="seen", actor="guide", at=AT, after=seen("b").after)
    store.add_meta_if_absent("rules.log.2", lost.model_dump_json())
    assert (found := standing(store)) is not None and found.seen == "a"

    written = record(
        store, lambda before, n: seen(f"{before.seen if before else ''}+"), actor="guide", at=AT
    )

    assert isinstance(written, Entry) and (written.n, written.after.seen) == (3, "b+")
    assert (found := standing(store)) is not None and found.seen == "b+"
