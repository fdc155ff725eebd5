"""What was done to a customer, as one mrkdwn line: on the flag after every action, on the
digest line or hand-off ping that was clicked, and in `/og undo`'s answer.

`⏸ Paused by <@U0DANA> · <!date^…|2026-11-08 09:00 UTC> — “on leave until the 20th”`

People are mentions when the guide recorded their Slack id, so Slack shows their name; the
guide's own moves, an edit in the sheet and a customer's own link are named as such. The time
is Slack's date token, which each reader sees in their own time zone (the text after `|` is
what notifications show). A note comes from a person's typing and is escaped like the sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.slack.blocks import SECTION_TEXT_LIMIT
from bot.slack.text import clip, escape_mrkdwn, mention, person
from engine.actions import CUSTOMER_ACTOR
from engine.heard import MAIL_ACTOR
from engine.outcomes import ActionEvent
from engine.tick_run import GUIDE_ACTOR, SHEET_ACTOR

_NOTE_LIMIT = 300
_STEP_LIMIT = 100
# A flag is read at a glance: past this the oldest lines are summarised.
_MAX_LINES = 15

_DONE = {
    "paused": "⏸ Paused",
    "resumed": "▶️ Resumed",
    "handed_off": "🤝 Handed off",
    "hand_off_cleared": "▶️ Back with the guide",
    "finished": "✅ Finished",
    "reenrolled": "🔁 Re-enrolled",
    "send_marked_delivered": "📬 A send that may not have gone out was marked delivered",
    "send_to_send_again": "📮 A send that may not have gone out will go out again",
    "unsubscribed": "🔕 Unsubscribed from the guide's emails",
    "replied": "✉️ Replied",
    "auto_reply_noted": "🏖️ An automatic reply sent",
    "bounced": "📭 The address given up, reported",
    "soft_bounced": "📭 A soft bounce reported",
    "complained": "🚫 Marked an email as spam",
    "note_sent": "💌 Personal note sent",
}
_UNDONE = {
    "paused": "the pause",
    "resumed": "the resume",
    "handed_off": "the hand-off",
    "hand_off_cleared": "the return to the guide",
    "finished": "the finish",
    "marked_done": "a step marked done",
    "reenrolled": "the re-enrolment",
    "send_marked_delivered": "a send marked delivered",
    "send_to_send_again": "a send marked to go out again",
    "unsubscribed": "the unsubscribe",
    "replied": "the wait after a reply",
    "bounced": "the undeliverable address",
    "soft_bounced": "a soft bounce",
    "complained": "the complaint",
}
_NOT_PEOPLE = {
    GUIDE_ACTOR: "the guide",
    SHEET_ACTOR: "an edit in the sheet",
    CUSTOMER_ACTOR: "the customer",
    MAIL_ACTOR: "the mail service",
}


def who(actor: str) -> str:
    """The actor as a reader knows them: a mention, or what the guide calls itself and others."""
    return _NOT_PEOPLE.get(actor) or person(actor)


def when(at: datetime) -> str:
    """Slack's date token for `at`, in the reader's zone; the UTC time as its fallback."""
    fallback = f"{at:%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def event_line(event: ActionEvent) -> str:
    """The event in one line: what, who, when, and the note."""
    if event.undid is not None:
        undone = event.undid
        line = (
            f"↩️ {who(event.actor)} undid {_UNDONE.get(undone.action, _words(undone.action))} "
            f"by {who(undone.actor)} ({when(undone.at)}) · {when(event.at)}"
        )
        return line + _note(event.note)
    if event.action == "marked_done":
        # The note of a step marked done is the step.
        step = escape_mrkdwn(clip(event.note, _STEP_LIMIT))
        return f"☑️ Step {step} marked done by {who(event.actor)} · {when(event.at)}"
    what = _DONE.get(event.action, _words(event.action).capitalize())
    if event.handed_to is not None:
        what += f" to {mention(event.handed_to)}"
    return f"{what} by {who(event.actor)} · {when(event.at)}" + _note(event.note)


def events_text(events: Sequence[ActionEvent]) -> str:
    """Every event a line, oldest first, within a section's limit: the newest kept."""
    lines = [event_line(event) for event in events]
    budget = SECTION_TEXT_LIMIT - 64
    kept: list[str] = []
    for line in reversed(lines[-_MAX_LINES:]):
        if sum(len(k) + 1 for k in kept) + len(line) > budget:
            break
        kept.append(line)
    kept.reverse()
    dropped = len(lines) - len(kept)
    return "\n".join(([f"… and {dropped} earlier"] if dropped else []) + kept)


def _note(note: str) -> str:
    return f" — “{escape_mrkdwn(clip(note, _NOTE_LIMIT))}”" if note.strip() else ""


def _words(action: str) -> str:
    return escape_mrkdwn(action.replace("_", " "))
