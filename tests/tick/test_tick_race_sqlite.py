"""Eight ticks racing on one SQLite file, as eight `og tick` processes would: each message is
sent once, a journey finished mid-race included (its archived sends are not claimed again)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from racing import race_for_days, workspace

from engine.adapters.sqlite_store import SqliteStore


def test_eight_ticks_racing_on_one_sqlite_file_send_each_message_once(tmp_path: Path) -> None:
    reference = workspace(tmp_path / "reference", 16)
    racing = workspace(tmp_path / "racing", 16)
    guides = []
    for _ in range(8):
        guide = racing.guide()
        guide.store = SqliteStore(racing.db)  # a connection of its own, like a process
        guides.append(guide)

    outcome = race_for_days(reference, racing, guides)

    assert [m for m, n in Counter(outcome.sent).items() if n > 1] == []
    assert outcome.sent == outcome.reference
    assert ("C0001", "wrap-up", "finish") in outcome.sent
    # They did race: all eight decided each day's moves before any claimed (racing.ClaimTogether),
    # so each email was sent by one tick and found sent by the seven others (flags lost too).
    assert outcome.lost >= 7 * len(outcome.sent)
