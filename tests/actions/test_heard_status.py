"""What came back from the guide's email, as `og status` and `og why` tell it: a reply and an
automatic reply, soft bounces counted, an address given up and cleared by a new email in the
list, a complaint; from the audit, or from the state alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from workspace import Workspace, nine_am, og, row

from engine.actions import resume
from engine.guide import Guide
from engine.heard import hear
from engine.inbound import Bounce, Inbound, InboundKind
from engine.queries import standing, timeline, view_customer
from engine.tick import tick
from engine.undo import undo

DAY0 = nine_am("2026-11-02")


def _guide(ws: Workspace, days: int = 3) -> Guide:
    guide = ws.guide()
    for day in range(days):
        tick(guide, DAY0 + timedelta(days=day))
    return guide


def _hear(guide: Guide, inbound: Inbound, at: datetime) -> None:
    """`inbound` heard at `at`, which is when its audit row says it was (the guide's clock)."""
    guide.wall_clock = lambda: at
    assert hear(guide, "C1", inbound, at).ok


def _reply(
    subject: str = "Re: Welcome, Name!", text: str = "Where is the invite button?"
) -> Inbound:
    return Inbound(kind=InboundKind.REPLY, sender="c1@example.test", subject=subject, new_text=text)


def _bounce(permanent: bool, status: str = "5.1.1", to: str = "c1@example.test") -> Inbound:
    bounce = Bounce(to, status, permanent=permanent, diagnostic="mailbox unavailable")
    return Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,))


def _lines(guide: Guide, on: int) -> list[str]:
    view = view_customer(guide, "C1", DAY0 + timedelta(days=on))
    assert not isinstance(view, str), view
    return timeline(view)


def test_og_status_and_why_tell_the_reply_and_the_wait(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    auto = Inbound(
        kind=InboundKind.AUTO_REPLY, subject="Out of office", why="Auto-Submitted: auto-replied"
    )
    _hear(guide, auto, DAY0 + timedelta(days=2, hours=1))
    _hear(guide, _reply(), DAY0 + timedelta(days=2, hours=2))

    status = og(ws, "status", "C1", "--now", "2026-11-05")
    why = og(ws, "why", "C1", "--now", "2026-11-05")

    assert status.returncode == 0, status.stderr
    assert "(waiting for a person since their reply of 2026-11-04)" in status.stdout
    lines = [line.strip() for line in status.stdout.splitlines()]
    at = lines.index("2026-11-04  nudge welcome (sent)")
    assert lines[at + 1 : at + 3] == [
        "2026-11-04  automatic reply noted, nothing changed: Out of office (Auto-Submitted: "
        "auto-replied)",
        "2026-11-04  replied: Re: Welcome, Name!: Where is the invite button?",
    ]
    assert why.returncode == 0, why.stderr
    assert "replied on 4 Nov: waiting for a person" in why.stdout


def test_a_resumed_reply_stays_in_the_journey_and_the_standing_clears(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    _hear(guide, _reply(), DAY0 + timedelta(days=2, hours=2))
    guide.wall_clock = lambda: DAY0 + timedelta(days=3)
    resume(guide, "C1", "dana", DAY0 + timedelta(days=3))

    view = view_customer(guide, "C1", DAY0 + timedelta(days=3))
    assert not isinstance(view, str)
    assert "2026-11-04  replied: Re: Welcome, Name!: Where is the invite button?" in timeline(view)
    assert standing(view.customer, view.history.state) == []


def test_an_undone_reply_says_so(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    _hear(guide, _reply(), DAY0 + timedelta(days=2, hours=2))
    guide.wall_clock = lambda: DAY0 + timedelta(days=2, hours=3)
    undo(guide, "C1", "dana", DAY0 + timedelta(days=2, hours=3))
    assert "2026-11-04  replied: Re: Welcome, Name!: Where is the invite button? (undone)" in (
        _lines(guide, 3)
    )


def test_soft_bounces_are_counted_then_the_address_given_up(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    for hour in (1, 2):
        _hear(guide, _bounce(False, "4.2.2"), DAY0 + timedelta(days=2, hours=hour))
    view = view_customer(guide, "C1", DAY0 + timedelta(days=2, hours=3))
    assert not isinstance(view, str)
    assert standing(view.customer, view.history.state) == ["2 soft bounces in a row"]
    assert timeline(view)[-2:] == [
        "2026-11-04  soft bounce (1 in a row): 4.2.2 mailbox unavailable",
        "2026-11-04  soft bounce (2 in a row): 4.2.2 mailbox unavailable",
    ]

    _hear(guide, _bounce(False, "4.2.2"), DAY0 + timedelta(days=3))
    status = og(ws, "status", "C1", "--now", "2026-11-06")
    assert (
        "undeliverable: 3 soft bounces in a row (last: 4.2.2 mailbox unavailable)"
        in status.stdout.splitlines()[1]
    )
    assert (
        "2026-11-05  c1@example.test undeliverable: 3 soft bounces in a row (last: 4.2.2 "
        "mailbox unavailable)"
    ) in status.stdout
    why = og(ws, "why", "C1", "--now", "2026-11-06")
    assert "no mail until the sheet's email changes" in why.stdout


def test_a_new_email_in_the_list_clears_the_undeliverable_address(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    _hear(guide, _bounce(True), DAY0 + timedelta(days=2, hours=1))
    bounced = "2026-11-04  c1@example.test undeliverable: bounced for good (5.1.1 mailbox "
    assert f"{bounced}unavailable)" in _lines(guide, 3)

    ws.write_rows([row("C1", email="ada@new.example")])

    view = view_customer(guide, "C1", DAY0 + timedelta(days=3))
    assert not isinstance(view, str)
    assert f"{bounced}unavailable); cleared: the email changed" in timeline(view)
    assert standing(view.customer, view.history.state) == []


def test_a_complaint_is_told(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    _hear(guide, Inbound(kind=InboundKind.COMPLAINT), DAY0 + timedelta(days=2, hours=1))
    lines = _lines(guide, 3)
    assert "2026-11-04  marked an email as spam: no more guide mail" in lines
    assert lines[-1] == "2026-11-04  unsubscribed: no more guide mail"


def test_without_its_audit_row_the_state_still_tells(tmp_path: Path) -> None:
    """A state written some other way (say, restored from a backup) still reads."""
    ws = Workspace(tmp_path, [row("C1")])
    guide = _guide(ws)
    state = guide.store.load_one("C1").history("C1").state
    held = state.model_copy(
        update={
            "replied_on": date(2026, 11, 4),
            "undeliverable": "bounced for good",
            "undeliverable_email": "c1@example.test",
        }
    )
    guide.store.save_state(held)
    lines = _lines(guide, 3)
    assert "2026-11-04  replied" in lines
    assert lines[-1] == "(undated)  undeliverable: bounced for good"
