"""A personal note from the engine's side (engine.note_draft, engine.note_send) on the embedded
default: the prompt and what it leaves out, who gets no note and why, how a mail failure ends,
and what the journey, `og status` and `og undo` make of a note that went."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from workspace import Workspace, nine_am, og, row, text_part

from engine.actions import finish, pause, reenroll
from engine.guide import Guide
from engine.models import SendKind, SendStatus
from engine.note_draft import Draft, draft_note, journey_facts, read_draft, stuck_step
from engine.note_send import send_note
from engine.outcomes import OutgoingEmail
from engine.ports import OutcomeUnknownError, RejectedError, SendError
from engine.queries import view_customer
from engine.tick import tick
from engine.unconfirmed import send_again
from engine.undo import undo

DAY0 = nine_am("2026-11-02")
NOW = DAY0 + timedelta(days=3)  # C1 has had welcome, its nudge and setup
TODAY = date(2026, 11, 5)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path, [row("C1"), row("C2", name="ada@corp.example Byron")])
    guide = ws.guide()
    for day in range(3):
        tick(guide, DAY0 + timedelta(days=day))
    return ws


def note(guide: Guide, body: str = "Hello from Dana.", journey: int = 1) -> str:
    outcome = send_note(guide, "C1", journey, "A word", body, "U0DANA", NOW)
    return outcome.message if not outcome.ok else ""


def notes(guide: Guide) -> list[object]:
    return [s for s in guide.store.load_one("C1").sends["C1"] if s.kind == SendKind.NOTE]


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def send(self, email: OutgoingEmail) -> str:
        raise self.error

    def flush(self) -> None:
        pass


class Drafter:
    name = "a stub"

    def __init__(
        self, words: str = "Subject: Hi\n\nHello.", error: Exception | None = None
    ) -> None:
        self.words, self.error = words, error

    def draft(self, instructions: str, journey: str) -> str:
        if self.error is not None:
            raise self.error
        return self.words


def test_the_prompt_holds_the_journey_and_no_address(ws: Workspace) -> None:
    guide = ws.guide()
    view = view_customer(guide, "C2", NOW)
    assert not isinstance(view, str)

    facts = journey_facts(view)

    assert facts.splitlines()[:4] == [
        "First name: [address left out]",  # a name cell holding an address gives it not
        "Company: Co C2",
        "Plan: Starter; day 3 of the onboarding",
        "Their owner, who signs the note: Dana Reyes",
    ]
    assert "- welcome (due on day 0): email sent Mon 2 Nov, nudged Wed 4 Nov, not done" in facts
    assert "- check-in (due on day 6): not sent yet" in facts
    assert "Stuck on: welcome" in facts and "@" not in facts and "Byron" not in facts


def test_the_stuck_step_is_the_first_flagged_then_nudged_then_sent(ws: Workspace) -> None:
    view = view_customer(ws.guide(), "C1", NOW)
    assert not isinstance(view, str)
    assert stuck_step(view.plan, view.history) == view.plan.step("welcome")
    done = view.history.state.model_copy(update={"steps_done": {"welcome": TODAY}})
    history = view.history.model_copy(update={"state": done})
    assert stuck_step(view.plan, history) == view.plan.step("setup")


@pytest.mark.parametrize(
    ("words", "subject", "body"),
    [
        ("Subject: Hi there\n\nHello,\nDana", "Hi there", "Hello,\nDana"),
        ("**Subject:** Hi there**\nHello", "Hi there", "Hello"),
        ("Hello without a subject.", "", "Hello without a subject."),
    ],
)
def test_the_answer_is_read_as_a_subject_and_a_body(words: str, subject: str, body: str) -> None:
    assert read_draft(words) == (subject, body)


def test_a_drafter_that_fails_leaves_an_empty_draft_saying_why(ws: Workspace) -> None:
    drafter = Drafter(error=RuntimeError("throttled"))
    assert draft_note(ws.guide(), "C1", NOW, drafter) == Draft(
        problem="a stub did not draft it: throttled"
    )
    assert draft_note(ws.guide(), "C9", NOW, Drafter()).problem.startswith(
        "the journey could not be read: no customer 'C9'"
    )
    assert draft_note(ws.guide(), "C1", NOW, Drafter()) == Draft(
        subject="Hi", body="Hello.", drafted_by="a stub"
    )


def test_a_note_is_the_days_move_in_the_owners_words(ws: Workspace) -> None:
    guide = ws.guide()

    assert note(guide, "Use {done_link} *now*, {first_name}.") == ""

    (email,) = [m for m in ws.emails() if m["X-OG-Kind"] == "note"]
    assert text_part(email).startswith("Use {done_link} *now*, {first_name}.\n")
    (sent,) = notes(guide)
    assert (sent.step, sent.local_date, sent.status, sent.guide_day) == (
        "note-2026-11-05",
        TODAY,
        SendStatus.SENT,
        3,
    )
    (result, _) = tick(guide, NOW).results
    assert result.reason == "already moved today (note note-2026-11-05)"
    # The next day the guide carries on.
    (result, _) = tick(guide, NOW + timedelta(days=1)).results
    assert result.move != "on_track"

    status = og(ws, "status", "C1", "--now", "2026-11-06").stdout
    assert "2026-11-05  personal note (sent)" in status


def test_undo_passes_a_note_by(ws: Workspace) -> None:
    guide = ws.guide()
    pause(guide, "C1", "", "dana", NOW)
    note(guide)

    outcome = undo(guide, "C1", "sam", NOW)

    assert outcome.changed and outcome.message.startswith("undid paused by dana")
    assert len(notes(guide)) == 1


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"undeliverable": "550 no such user", "undeliverable_email": "c1@example.test"},
         "C1's address is undeliverable (550 no such user)"),
        ({"replied_on": TODAY}, "C1 replied on 5 Nov and waits for a person"),
        ({"unsubscribed": True}, "C1 unsubscribed from the guide's emails"),
    ],
)  # fmt: skip
def test_no_note_to_a_customer_the_guide_must_not_mail(
    ws: Workspace, change: dict[str, object], refusal: str
) -> None:
    guide = ws.guide()
    state = guide.store.load_one("C1").history("C1").state
    guide.store.save_state(state.model_copy(update=change))
    kept = guide.store.load_one("C1"), guide.store.audit_trail("C1"), len(ws.emails())

    assert note(guide).startswith(refusal)

    assert (guide.store.load_one("C1"), guide.store.audit_trail("C1"), len(ws.emails())) == kept


def test_no_note_on_a_finished_or_an_earlier_journey(ws: Workspace) -> None:
    guide = ws.guide()
    finish(guide, "C1", "dana", NOW)
    assert note(guide) == "C1 has finished onboarding; no note was sent."
    reenroll(guide, "C1", "Starter", "dana", NOW)
    assert note(guide) == "C1 started another onboarding meanwhile; no note was sent."
    assert note(guide, journey=2) == ""


def test_an_empty_or_overlong_note_is_refused(ws: Workspace) -> None:
    guide = ws.guide()
    assert note(guide, "  ").startswith("A note needs a subject and some words")
    assert note(guide, "x" * 3001).startswith("A note's subject holds 200 characters")
    assert notes(guide) == []


@pytest.mark.parametrize(
    ("error", "status", "said"),
    [
        (RejectedError("550 mailbox unavailable"), SendStatus.REJECTED, "refused the note"),
        (OutcomeUnknownError("read timed out"), SendStatus.UNCONFIRMED, "may or may not"),
        (SendError("connection refused"), None, "nothing was recorded"),
    ],
)
def test_a_mail_failure_ends_as_the_ticks_would(
    ws: Workspace, error: Exception, status: SendStatus | None, said: str
) -> None:
    guide = ws.guide()
    guide.mailer = Refusing(error)

    assert said in note(guide)

    assert [s.status for s in notes(guide)] == ([status] if status else [])
    assert [a.action for a in guide.store.audit_trail("C1")] == []


def test_an_unconfirmed_note_settled_as_not_sent_is_forgotten_not_resent(ws: Workspace) -> None:
    guide = ws.guide()
    guide.mailer = Refusing(OutcomeUnknownError("read timed out"))
    note(guide)

    outcome = send_again(guide, "C1", "note-2026-11-05", SendKind.NOTE, "dana", NOW)

    assert outcome.message == (
        "C1: the personal note for note-2026-11-05 is forgotten; send it again from the flag "
        "if need be"
    )
    assert notes(guide) == []
