"""November 2026 in a real workspace, ticked every morning from 26 October to 2 December, with
people's actions and the customers' replies on chosen days, so each figure of the month is
known (tests/summary/test_month_story.py says why each is what it is).

- OLDIE (Starter, signed up 26 Oct) does each step the day after its email; the check-in of
  1 Nov done on 2 Nov, it finishes that day, after 7 days.
- FAST (Starter, 2 Nov) does the same: finishes on 10 Nov, after 8 days.
- STUCK (Starter, 2 Nov) never does anything: nudged and flagged on every step.
- PAUSED is paused, HANDED handed off, WROTE writes back and BOUNCY's mail bounces for good,
  all on 3 Nov, the day after their welcome.
- LATE (Pro, 30 Nov) gets its welcome on the month's last day, its next step in December.

The guide's clock is the story's, so every audit row is dated on its day.
"""

from __future__ import annotations

from datetime import date, timedelta

from workspace import Workspace, nine_am, row

from engine.actions import hand_off, mark_done, pause
from engine.guide import Guide
from engine.heard import hear
from engine.inbound import Bounce, Inbound, InboundKind
from engine.tick import tick

NOVEMBER = date(2026, 11, 1)
FIRST_DAY = nine_am("2026-10-26")
DAYS = 38  # to 2 December
CUSTOMERS = ("OLDIE", "FAST", "STUCK", "PAUSED", "HANDED", "WROTE", "BOUNCY", "LATE")
DONE = {
    "2026-10-27": [("OLDIE", "welcome")],
    "2026-10-29": [("OLDIE", "setup")],
    "2026-11-02": [("OLDIE", "check-in")],
    "2026-11-03": [("FAST", "welcome")],
    "2026-11-05": [("FAST", "setup")],
    "2026-11-10": [("FAST", "check-in")],
}


def month_rows() -> list[dict[str, str]]:
    return [
        row("OLDIE", signup="2026-10-26"),
        *(row(cid) for cid in CUSTOMERS[1:-1]),
        row("LATE", plan="Pro", signup="2026-11-30"),
    ]


def run_month(ws: Workspace, **settings: str) -> Guide:
    """The story, on a guide of the workspace with these settings overridden."""
    guide = ws.guide(**settings)
    for n in range(DAYS):
        now = FIRST_DAY + timedelta(days=n)
        guide.wall_clock = lambda now=now: now  # type: ignore[misc]
        for customer_id, step in DONE.get(now.date().isoformat(), []):
            assert mark_done(guide, customer_id, step, now, "customer").changed
        if now.date() == date(2026, 11, 3):
            assert pause(guide, "PAUSED", "migrating", "dana", now).changed
            assert hand_off(guide, "HANDED", "Sam Ortiz", "big account", "dana", now).changed
            reply = Inbound(
                kind=InboundKind.REPLY, sender="wrote@example.test", subject="Re: hi", new_text="?"
            )
            assert hear(guide, "WROTE", reply, now).changed
            bounce = Bounce("bouncy@example.test", "5.1.1", permanent=True)
            bounced = Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,))
            assert hear(guide, "BOUNCY", bounced, now).changed
        tick(guide, now)
    return guide


NOVEMBER_TEXT = """\
November 2026 in one message

Started: 7 (Starter 6, Pro 1)
Finished: 2 (Starter 2)
Days to finish, median: Starter 7.5
Emails sent: 17; flags to owners: 3
Paused: 1; handed off: 1
Replies: 1; bounces: 1; soft bounces: 0; complaints: 0; unsubscribes: 0
Unconfirmed sends: 0

Where customers stall: the step emails of November, and what came of them by its end
plan     step      sent  done     nudged   flagged
Starter  welcome   6     1 (17%)  1 (17%)  1 (17%)
Starter  setup     2     1 (50%)  1 (50%)  1 (50%)
Starter  check-in  3     2 (67%)  1 (33%)  1 (33%)
Pro      welcome   1     0 (0%)   0 (0%)   0 (0%)"""
"""What November's figures are, worked out by hand in tests/summary/test_month_story.py."""
