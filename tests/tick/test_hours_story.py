"""The story of the sending hours, through `og tick --now`: a New York team, customers in
Tokyo, New York, Kolkata and Kiritimati, 48 hourly ticks. Each welcome goes at the customer's
own 09:00 (09:30 in Kolkata, whose clock is half an hour off the hourly ticks); the flags of a
customer stuck since before the weekend go to the team on Monday from 09:00, New York time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from workspace import Workspace, og, row

from bot import cli
from engine.calendar import zone

ZONES = {
    "TOKYO": "Asia/Tokyo",
    "NEWYORK": "America/New_York",
    "KOLKATA": "Asia/Kolkata",
    "KIRITIMATI": "Pacific/Kiritimati",
    "STUCK": "Asia/Tokyo",
}
TEAM = "America/New_York"


def test_each_welcome_at_its_own_nine_and_the_flags_in_new_york_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    signups = {cid: "2027-01-05" for cid in ZONES} | {"STUCK": "2026-12-28"}
    rows = [row(cid, signup=signups[cid], timezone=zone_name) for cid, zone_name in ZONES.items()]
    ws = Workspace(tmp_path, rows)
    for name, value in {**ws.env(), "OG_TIMEZONE": TEAM, "OG_NOTIFIER": "console"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ws.root)

    def og_tick(at: datetime) -> list[dict[str, object]]:
        assert cli.main(["tick", "--now", at.isoformat(), "--json"]) == 0
        lines = capsys.readouterr().out.splitlines()
        return [json.loads(line) for line in lines if line.startswith('{"customer_id"')]

    # STUCK never acts: a week of daily ticks at 10:00 in Tokyo brings their welcome's flag
    # due on Saturday the 2nd, when the team is away; meanwhile their own moves go on.
    for day in range(7):
        og_tick(datetime(2026, 12, 28, 1, tzinfo=UTC) + timedelta(days=day))

    made: list[tuple[datetime, str, str, str]] = []
    first = datetime(2027, 1, 4, 12, tzinfo=UTC)  # Monday, 07:00 in New York
    for hour in range(48):
        at = first + timedelta(hours=hour)
        for result in og_tick(at):
            if result["move"] not in ("on_track", "skipped"):
                made.append(
                    (at, str(result["customer_id"]), str(result["move"]), str(result["step"]))
                )

    def local(at: datetime, where: str) -> str:
        return at.astimezone(zone(where)).strftime("%a %H:%M")

    welcomes = {
        cid: local(at, ZONES[cid]) for at, cid, move, _ in made if move == "step" and cid != "STUCK"
    }
    assert welcomes == {
        "KIRITIMATI": "Tue 09:00",
        "TOKYO": "Tue 09:00",
        "KOLKATA": "Tue 09:30",
        "NEWYORK": "Tue 09:00",
    }
    flags = [(local(at, TEAM), step) for at, _, move, step in made if move == "flag"]
    assert flags == [("Mon 09:00", "welcome"), ("Mon 10:00", "setup")]
    for at, cid, move, _ in made:  # and every email in the customer's own hours
        if move in ("step", "nudge", "finish"):
            assert 9 <= at.astimezone(zone(ZONES[cid])).hour < 17, (at, cid, move)
    assert len(made) == len(set(made))  # each once

    # A tick run once a day, at 09:00 in New York, says most of the world is waiting.
    (tmp_path / "fresh").mkdir()
    fresh = Workspace(tmp_path / "fresh", [row(cid, timezone=z) for cid, z in ZONES.items()])
    shown = og(fresh, "tick", "--now", "2026-11-02T14:00:00+00:00", OG_TIMEZONE=TEAM)
    assert shown.returncode == 0, shown.stderr
    assert "4 held until their hours open; the first at 09:00 Pacific/Kiritimati (in 5 h)" in (
        " ".join(shown.stdout.split())
    )
