"""What comes back from the guide's email, taken in (engine.inbox) and acted on (engine.heard):
a reply holds the guide and tells the owner, an out-of-office changes nothing, a bounce for
good stops the mail until the sheet's email changes, three soft ones count as one, a complaint
unsubscribes; each taken in once, whatever is delivered twice; what matches nobody is kept."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from workspace import Workspace, nine_am, row

from engine.actions import finish, resume_guide
from engine.adapters.memory import RecordingNotifier
from engine.guide import Guide
from engine.inbound import Bounce, Inbound, InboundKind
from engine.inbox import Inbox, Taken, unmatched_messages
from engine.models import CustomerState
from engine.ports import SendError
from engine.queries import view_customer
from engine.tick import tick
from engine.undo import undo

DAY0 = nine_am("2026-11-02")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2"), row("C3")])


def guide_of(ws: Workspace) -> tuple[Guide, RecordingNotifier]:
    guide = ws.guide(reply_to="guide@example.test")
    notifier = RecordingNotifier()
    guide.notifier = notifier
    return guide, notifier


def sent_to(ws: Workspace, customer_id: str) -> EmailMessage:
    return next(m for m in reversed(ws.emails()) if m["X-OG-Customer-Id"] == customer_id)


def reply_to(original: EmailMessage, text: str, **headers: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = str(original["To"])
    reply["To"] = str(original["Reply-To"])
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = "<reply-1@customer.example>"
    reply["In-Reply-To"] = str(original["Message-ID"])
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content(f"{text}\n\nOn Mon, 2 Nov 2026, Guide wrote:\n> Hi, welcome!\n")
    return bytes(reply)


def moves(guide: Guide, day: str) -> dict[str, str]:
    report = tick(guide, nine_am(day))
    return {r.customer_id: f"{r.move}: {r.reason}" for r in report.results}


def state(guide: Guide, customer_id: str) -> CustomerState:
    return guide.store.load_one(customer_id).history(customer_id).state


def test_a_reply_holds_the_guide_tells_the_owner_and_resume_goes_on_where_it_stopped(
    ws: Workspace,
) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    welcome = sent_to(ws, "C1")
    assert str(welcome["Reply-To"]).startswith("guide+")
    raw = reply_to(welcome, "Quick question: can we use SSO?\n\n-- \nAda, CTO")

    arrival = Inbox(guide, DAY0 + timedelta(hours=2)).take_message("test:1", raw)

    assert arrival.taken == Taken.ACTED and arrival.customer_id == "C1"
    assert "message id" in arrival.message
    (told,) = notifier.heard_back
    assert (told.kind, told.customer_id, told.step) == ("reply", "C1", "welcome")
    assert told.text == "Quick question: can we use SSO?"
    assert told.subject == "Re: Welcome, Name!"
    assert state(guide, "C1").replied_on is not None
    # Days later: no nudge, no setup email, while the others go on.
    for day in ("2026-11-04", "2026-11-05", "2026-11-06"):
        today = moves(guide, day)
        assert today["C1"] == "on_track: replied on 2 Nov: waiting for a person"
    assert ("C1", "setup", "step") not in ws.sent() and ("C2", "setup", "step") in ws.sent()
    assert [e.action for e in guide.store.audit_trail("C1")][:1] == ["replied"]

    resumed = resume_guide(guide, "C1", "U0DANA", nine_am("2026-11-07"))
    assert resumed.changed
    # The clock stood still for the five days of waiting: it is guide day 0 again, and the
    # welcome's nudge comes two days on, as it would have.
    assert moves(guide, "2026-11-07")["C1"] == (
        "on_track: guide day 0: next is nudge welcome on guide day 2"
    )
    assert moves(guide, "2026-11-09")["C1"].startswith("nudge: ")


def test_an_out_of_office_is_noted_and_changes_nothing_not_even_for_undo(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    before = state(guide, "C2")
    raw = reply_to(sent_to(ws, "C2"), "I am away until Monday.", Auto_Submitted="auto-replied")

    arrival = Inbox(guide, DAY0).take_message("test:ooo", raw)

    assert arrival.taken == Taken.ACTED and arrival.kind == "auto-reply"
    assert notifier.heard_back == []
    assert state(guide, "C2").replied_on is None
    assert state(guide, "C2").model_dump(exclude={"version", "updated_at", "updated_by"}) == (
        before.model_dump(exclude={"version", "updated_at", "updated_by"})
    )
    assert guide.store.audit_trail("C2")[0].action == "auto_reply_noted"
    assert undo(guide, "C2", "U0DANA", DAY0).message == "nothing to undo for C2"


def hard_bounce(address: str) -> Inbound:
    bounce = Bounce(recipient=address, status="5.1.1", permanent=True, diagnostic="no such user")
    return Inbound(InboundKind.BOUNCE, bounces=(bounce,))


def soft_bounce(address: str) -> Inbound:
    bounce = Bounce(recipient=address, status="4.2.2", permanent=False, diagnostic="mailbox full")
    return Inbound(InboundKind.BOUNCE, bounces=(bounce,))


def test_a_hard_bounce_stops_the_mail_until_the_sheet_has_a_new_address(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)

    Inbox(guide, DAY0).take("test:bounce", hard_bounce("c3@example.test"))

    (told,) = notifier.heard_back
    assert told.kind == "undeliverable" and "5.1.1 no such user" in told.text
    assert moves(guide, "2026-11-04")["C3"].startswith("on_track: undeliverable: bounced for good")
    assert ("C3", "setup", "step") not in ws.sent()
    view = view_customer(guide, "C3", nine_am("2026-11-04"))
    assert not isinstance(view, str) and view.move.reason.startswith("undeliverable")

    rows = ws.read_rows()
    rows[2]["email"] = "c3@new.example"
    ws.write_rows(rows)
    assert moves(guide, "2026-11-05")["C3"].startswith("nudge: welcome was sent")
    assert sent_to(ws, "C3")["To"].addresses[0].addr_spec == "c3@new.example"


def test_three_soft_bounces_in_a_row_count_as_hard_and_a_reply_starts_the_count_again(
    ws: Workspace,
) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    inbox = Inbox(guide, DAY0)
    for n in (1, 2):
        inbox.take(f"test:soft{n}", soft_bounce("c2@example.test"))
    assert state(guide, "C2").soft_bounces == 2 and notifier.heard_back == []
    inbox.take_message("test:reply", reply_to(sent_to(ws, "C2"), "Got it, thanks"))
    assert state(guide, "C2").soft_bounces == 0
    for n in (3, 4, 5):
        inbox.take(f"test:soft{n}", soft_bounce("c2@example.test"))

    assert [n.kind for n in notifier.heard_back] == ["reply", "undeliverable"]
    assert state(guide, "C2").undeliverable.startswith("3 soft bounces in a row")
    assert [e.action for e in guide.store.audit_trail("C2")][:3] == [
        "bounced",
        "soft_bounced",
        "soft_bounced",
    ]


def test_a_bounce_for_an_old_address_changes_nothing(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    arrival = Inbox(guide, DAY0).take("test:old", hard_bounce("c1@old.example"))
    # Matched by nobody: the list no longer has that address.
    assert arrival.taken == Taken.UNMATCHED and notifier.heard_back == []


def test_a_complaint_unsubscribes_and_tells_the_owner(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    complaint = Inbound(InboundKind.COMPLAINT, sender="c1@example.test")

    Inbox(guide, DAY0).take("test:complaint", complaint)

    assert [n.kind for n in notifier.heard_back] == ["complaint"]
    assert state(guide, "C1").unsubscribed
    assert guide.store.audit_trail("C1")[0].action == "complained"
    assert ws.read_rows()[0]["unsubscribed"] == "2026-11-02"
    assert moves(guide, "2026-11-04")["C1"].startswith("on_track: unsubscribed")


def test_each_arrival_is_taken_in_once_and_a_dead_claim_is_taken_again(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    raw = reply_to(sent_to(ws, "C1"), "Hello?")
    inbox = Inbox(guide, DAY0)

    assert inbox.take_message("test:twice", raw).taken == Taken.ACTED
    assert inbox.take_message("test:twice", raw).taken == Taken.ALREADY
    assert len(notifier.heard_back) == 1

    # A run that died after claiming: its claim is taken over once it is old enough.
    claim = json.dumps({"state": "taking", "at": DAY0.isoformat()})
    guide.store.put_meta("inbound:seen:test:died", claim)
    assert Inbox(guide, DAY0 + timedelta(minutes=5)).take_message("test:died", raw).taken == (
        Taken.ALREADY
    )
    later = Inbox(guide, DAY0 + timedelta(minutes=11)).take_message("test:died", raw)
    assert later.taken == Taken.ACTED and len(notifier.heard_back) == 2


def test_strangers_forgeries_and_junk_touch_nobody_and_strangers_are_kept(
    ws: Workspace,
) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    forged = EmailMessage()
    forged["From"] = "mallory@evil.example"
    forged["To"] = "guide+aaaaaaaaaaaaaaaa@example.test"
    forged["Subject"] = "Re: Welcome"
    forged["In-Reply-To"] = "<og.bbbbbbbbbbbbbbbb.0011@example.test>"
    forged.set_content("Stop everything for C1.")
    before = guide.store.load()
    inbox = Inbox(guide, DAY0)

    assert inbox.take_message("test:forged", bytes(forged)).taken == Taken.UNMATCHED
    assert inbox.take_message("test:junk", b"\x00\xff" * 10).taken == Taken.JUNK
    assert inbox.take_message("test:big", b"x" * 2_000_000).taken == Taken.JUNK

    assert notifier.heard_back == [] and guide.store.load() == before
    (kept,) = unmatched_messages(guide, since=DAY0)
    assert (kept.sender, kept.subject) == ("mallory@evil.example", "Re: Welcome")
    assert unmatched_messages(guide, since=DAY0 + timedelta(seconds=1)) == []


def test_a_reply_is_undone_like_any_action_and_the_clock_never_stopped(ws: Workspace) -> None:
    guide, _ = guide_of(ws)
    tick(guide, DAY0)
    Inbox(guide, DAY0).take_message("test:r", reply_to(sent_to(ws, "C1"), "Wrong person, sorry"))
    assert state(guide, "C1").offline_since is not None

    undone = undo(guide, "C1", "U0DANA", nine_am("2026-11-03"))

    assert undone.changed and "replied by customer" in undone.message
    after = state(guide, "C1")
    assert (after.replied_on, after.offline_since, after.offline_days) == (None, None, 0)
    assert moves(guide, "2026-11-04")["C1"].startswith("nudge: welcome")


def test_a_reply_after_the_journey_finished_is_told_and_holds_nothing(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    finish(guide, "C2", "U0DANA", DAY0)
    tick(guide, DAY0 + timedelta(days=1))  # the wrap-up goes

    raw = reply_to(sent_to(ws, "C2"), "Thanks for everything!")
    arrival = Inbox(guide, DAY0 + timedelta(days=1)).take_message("test:late", raw)

    assert "finished" in arrival.message and [n.kind for n in notifier.heard_back] == ["reply"]
    assert state(guide, "C2").replied_on is None and state(guide, "C2").offline_since is None
    assert guide.store.audit_trail("C2")[0].action == "replied"


def test_a_reply_whose_row_cannot_be_read_is_kept_for_a_person(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)
    raw = reply_to(sent_to(ws, "C3"), "Hello?")
    rows = ws.read_rows()
    rows[2]["signup_date"] = "someday"
    ws.write_rows(rows)

    arrival = Inbox(guide, DAY0).take_message("test:bad-row", raw)

    assert arrival.taken == Taken.REFUSED and notifier.heard_back == []
    (kept,) = unmatched_messages(guide)
    assert kept.kind.startswith("reply for C3, not recorded:") and kept.sender == "c3@example.test"


def test_a_reply_stands_when_the_owner_cannot_be_told(ws: Workspace) -> None:
    guide, notifier = guide_of(ws)
    tick(guide, DAY0)

    def deaf(notice: object) -> str:
        raise SendError("Slack is down")

    notifier.heard = deaf  # type: ignore[method-assign]
    arrival = Inbox(guide, DAY0).take_message("test:deaf", reply_to(sent_to(ws, "C1"), "Hi?"))

    assert arrival.taken == Taken.ACTED
    assert "it is done, but the owner was not told: Slack is down" in arrival.message
    assert state(guide, "C1").replied_on is not None
