"""The flag as a Slack message: Block Kit built with `slack_sdk.models`, so Slack's limits are
checked before anything is posted.

Layout, top to bottom:

- a header: "🚩 Ada Lovelace is stuck on Connect your data";
- a section whose mrkdwn text mentions the owner and gives the reason, with plain-text fields
  for customer, company, plan, the stuck step, the guide day and journey, and the owner;
- a section with the journey so far, newest lines kept when it is long ("… and N more");
- after any action, a section with one line per action since (bot/slack/happened.py);
- an actions block: while the flag is open, Done (primary), Pause and Hand off, each carrying
  what the button acts on (bot/slack/buttons.py). An action takes them away; its undo (or a
  resume) gives them back (engine/flags.py says when a flag is open). After them, open or
  not, an overflow menu: "Show the last email" answers only the clicker with the customer's
  last email (after a pause, a hand-off or a finish it is still what the customer last read);
  "Draft a personal note" opens a note to edit and send (listeners/notes.py, modals/note.py).
  An option's value holds 150 characters, not a button's 2000, so it carries what the buttons
  do less the name and company when they do not fit (the listeners need only the customer and
  owner), and an option (or the menu) is left out for an id too long for that.

Escaping: every value from the sheet or the rules doc goes through bot/slack/text.py, plain
text (`plain`) and mrkdwn (`escape_mrkdwn`) alike; only the owner's mention is mrkdwn on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.slack.blocks import BUTTON_VALUE_LIMIT, OPTION_VALUE_LIMIT, SECTION_TEXT_LIMIT
from bot.slack.buttons import (
    DONE_ACTION_ID,
    HAND_OFF_ACTION_ID,
    LAST_EMAIL_ACTION_ID,
    NOTE_OPTION,
    PAUSE_ACTION_ID,
    ButtonTarget,
)
from bot.slack.happened import event_line, events_text
from bot.slack.text import clip, escape_mrkdwn, mention, plain_text
from engine.outcomes import ActionEvent, FlagNotice, UnconfirmedNotice, UnsubscribedNotice

# Generous for any real name. Escaping can make mrkdwn text five times longer (`&` is
# `&amp;`), and the mrkdwn section holds the owner's mention (or name), the customer and the
# reason: at worst 500 + 1000 + 1250 characters, within its 3000.
_VALUE_LIMIT = 200
_OWNER_NAME_LIMIT = 100
_REASON_LIMIT = 250
_HEADER_PART_LIMIT = 60
_HISTORY_LINE_LIMIT = 200
# A flag is read at a glance: past this the oldest events are summarised, whatever the room.
_HISTORY_MAX_LINES = 25
_HISTORY_TITLE = "Journey so far"
EVENTS_BLOCK_ID = "og_events"
"""The section of what was done since the flag was sent, one line each."""


def _customer(notice: FlagNotice) -> str:
    return notice.customer_name.strip() or notice.customer_id


def _step(notice: FlagNotice) -> str:
    return notice.step_name.strip() or notice.step


def history_text(history: Sequence[str]) -> str:
    """The journey as bullet lines within a section's limit, keeping the newest events."""
    if not history:
        return f"{_HISTORY_TITLE}: nothing recorded yet."
    lines = [f"• {clip(event, _HISTORY_LINE_LIMIT)}" for event in history]
    # Room for the title and the "… and N more" line, whatever N is.
    budget = SECTION_TEXT_LIMIT - len(_HISTORY_TITLE) - 64
    kept: list[str] = []
    for line in reversed(lines[-_HISTORY_MAX_LINES:]):
        if sum(len(k) + 1 for k in kept) + len(line) + 1 > budget:
            break
        kept.append(line)
    kept.reverse()
    dropped = len(lines) - len(kept)
    head = [_HISTORY_TITLE] + ([f"… and {dropped} more before these"] if dropped else [])
    return "\n".join(head + kept)


def _details(notice: FlagNotice) -> SectionBlock:
    customer = clip(_customer(notice), _VALUE_LIMIT)
    reason = clip(notice.reason, _REASON_LIMIT)
    fields = [
        f"Customer: {customer} ({clip(notice.customer_id, _VALUE_LIMIT)})",
        f"Company: {clip(notice.company, _VALUE_LIMIT) or '-'}",
        f"Plan: {clip(notice.plan, _VALUE_LIMIT)}",
        f"Stuck on: {clip(_step(notice), _VALUE_LIMIT)} ({clip(notice.step, _VALUE_LIMIT)})",
        f"Guide day: {notice.guide_day} (journey {notice.journey})",
        f"Owner: {clip(notice.owner.name, _VALUE_LIMIT)}",
    ]
    return SectionBlock(
        # verbatim: no auto-linking of bare URLs or #channel names; `<@ID>` still mentions.
        text=MarkdownTextObject(
            text=(
                f"{mention(notice.owner)} *{escape_mrkdwn(customer)}* needs a person: "
                f"{escape_mrkdwn(reason)}"
            ),
            verbatim=True,
        ),
        fields=[plain_text(field) for field in fields],
    )


def _actions(notice: FlagNotice, *, open: bool) -> ActionsBlock | SectionBlock | None:
    """The buttons (while `open`) and the overflow menu; None for a closed flag whose customer
    id is too long even for the menu."""
    target = ButtonTarget(
        customer_id=notice.customer_id,
        journey=notice.journey,
        owner=notice.owner.slack_id,
        name=notice.customer_name,
        company=notice.company,
    )
    elements: list[InteractiveElement] = []
    if open:
        value = target.to_value()
        if len(value) > BUTTON_VALUE_LIMIT:
            # Better a flag without buttons than no flag at all.
            return SectionBlock(
                text=plain_text("The customer id is too long for buttons; act with the og command.")
            )
        elements += [
            ButtonElement(
                text=plain_text("Done"), action_id=DONE_ACTION_ID, value=value, style="primary"
            ),
            ButtonElement(text=plain_text("Pause"), action_id=PAUSE_ACTION_ID, value=value),
            ButtonElement(text=plain_text("Hand off"), action_id=HAND_OFF_ACTION_ID, value=value),
        ]
    note = replace(target, option=NOTE_OPTION)
    options = [
        Option(text=plain_text(label), value=value)
        for label, value in (
            ("Show the last email", target.to_value(OPTION_VALUE_LIMIT)),
            ("Draft a personal note", note.to_value(OPTION_VALUE_LIMIT)),
        )
        if len(value) <= OPTION_VALUE_LIMIT
    ]
    if options:
        elements.append(OverflowMenuElement(action_id=LAST_EMAIL_ACTION_ID, options=options))
    return ActionsBlock(elements=elements) if elements else None


def flag_message(
    notice: FlagNotice, events: Sequence[ActionEvent] = (), *, open: bool = True
) -> list[Block]:
    """The flag as sent (no events, open), or as it reads after actions: the same details, a
    line per action, its buttons only while it is `open`, and its overflow menu always."""
    header = (
        f"🚩 {clip(_customer(notice), _HEADER_PART_LIMIT)} is stuck on "
        f"{clip(_step(notice), _HEADER_PART_LIMIT)}"
    )
    blocks: list[Block] = [
        HeaderBlock(text=plain_text(header, HeaderBlock.text_max_length)),
        _details(notice),
        SectionBlock(text=plain_text(history_text(notice.history), SECTION_TEXT_LIMIT)),
    ]
    if events:
        # verbatim: the lines' mentions and date tokens are written out; nothing else links.
        text = MarkdownTextObject(text=events_text(events), verbatim=True)
        blocks.append(SectionBlock(block_id=EVENTS_BLOCK_ID, text=text))
    if (actions := _actions(notice, open=open)) is not None:
        blocks.append(actions)
    return blocks


def flag_text(notice: FlagNotice, events: Sequence[ActionEvent] = ()) -> str:
    """The fallback: what notifications and screen readers get, with the latest action. Slack
    parses it as mrkdwn."""
    customer = escape_mrkdwn(clip(_customer(notice), _VALUE_LIMIT))
    company = escape_mrkdwn(clip(notice.company, _VALUE_LIMIT))
    step = escape_mrkdwn(clip(_step(notice), _VALUE_LIMIT))
    at_company = f" ({company})" if company else ""
    text = (
        f"{mention(notice.owner)} {customer}{at_company} is stuck on {step} "
        f"(guide day {notice.guide_day})"
    )
    return f"{text}: {event_line(events[-1])}" if events else text


def unconfirmed_message(notice: UnconfirmedNotice) -> list[Block]:
    """Told once to the owner: a message that may or may not have reached its reader, and
    how to settle it."""
    customer = clip(notice.customer_name.strip() or notice.customer_id, _VALUE_LIMIT)
    step = clip(notice.step_name.strip() or notice.step, _VALUE_LIMIT)
    what = notice.kind.described
    header = f"⚠️ {clip(customer, _HEADER_PART_LIMIT)}: {what} may not have gone out"
    command = f"{notice.customer_id} {notice.step}"
    fields = [
        f"Customer: {customer} ({clip(notice.customer_id, _VALUE_LIMIT)})",
        f"Company: {clip(notice.company, _VALUE_LIMIT) or '-'}",
        f"Step: {step} ({what})",
        f"Tried: {notice.local_date:%a %d %b %Y}",
    ]
    return [
        HeaderBlock(text=plain_text(header, HeaderBlock.text_max_length)),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    f"{mention(notice.owner)} The {what} for *{escape_mrkdwn(step)}* may or "
                    f"may not have reached *{escape_mrkdwn(customer)}*: "
                    f"{escape_mrkdwn(clip(notice.why, _REASON_LIMIT))}. The guide will not "
                    "send it again by itself."
                ),
                verbatim=True,
            ),
            fields=[plain_text(field) for field in fields],
        ),
        SectionBlock(
            text=plain_text(
                "Check with the customer, then settle it: og unconfirmed delivered "
                f"{command}, or og unconfirmed resend {command} to have the next tick "
                "send it again.",
                SECTION_TEXT_LIMIT,
            )
        ),
    ]


def unconfirmed_text(notice: UnconfirmedNotice) -> str:
    """The fallback for notifications and screen readers."""
    customer = escape_mrkdwn(clip(notice.customer_name.strip() or notice.customer_id, 100))
    step = escape_mrkdwn(clip(notice.step_name.strip() or notice.step, 100))
    return (
        f"{mention(notice.owner)} the {notice.kind.described} for {step} may or may not "
        f"have reached {customer}"
    )


def unsubscribed_message(notice: UnsubscribedNotice) -> list[Block]:
    """Told once to the owner: the customer stopped the guide's email; what is left is theirs."""
    customer = clip(notice.customer_name.strip() or notice.customer_id, _VALUE_LIMIT)
    header = f"🔕 {clip(customer, _HEADER_PART_LIMIT)} unsubscribed from onboarding email"
    fields = [
        f"Customer: {customer} ({clip(notice.customer_id, _VALUE_LIMIT)})",
        f"Company: {clip(notice.company, _VALUE_LIMIT) or '-'}",
        f"Journey: {notice.journey}",
        f"Unsubscribed: {notice.unsubscribed_on:%a %d %b %Y}",
    ]
    return [
        HeaderBlock(text=plain_text(header, HeaderBlock.text_max_length)),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    f"{mention(notice.owner)} *{escape_mrkdwn(customer)}* unsubscribed from the "
                    "guide's emails with the link in one of them. The guide sends them nothing "
                    "more, on this journey or a later one."
                ),
                verbatim=True,
            ),
            fields=[plain_text(field) for field in fields],
        ),
        SectionBlock(
            text=plain_text(
                "Whatever their onboarding still needs comes from you now. Only if they ask to "
                f"hear from the guide again: og undo {notice.customer_id}.",
                SECTION_TEXT_LIMIT,
            )
        ),
    ]


def unsubscribed_text(notice: UnsubscribedNotice) -> str:
    """The fallback for notifications and screen readers."""
    customer = escape_mrkdwn(clip(notice.customer_name.strip() or notice.customer_id, 100))
    return f"{mention(notice.owner)} {customer} unsubscribed from the guide's emails"
