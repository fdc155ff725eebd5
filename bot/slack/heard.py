"""What came back from the guide's email, told to the owner (engine.heard), laid out like a flag
(bot/slack/flag.py):

- **a reply**: "✉️ Ada Lovelace replied", who wrote and when, the subject and the new words
  quoted, then the buttons: Done for the first step not done (when one is left), Pause, Hand
  off, and Resume guide, which lifts the wait the reply started (and any pause or hand-off);
- **an address given up**: the reason and "correct the email in the onboarding list", with
  Pause and Hand off, as no mail can help;
- **a complaint**: a plain notice.

The buttons carry what the flag's do (bot/slack/buttons.py), so the same listeners handle
them; this message is no flag the notifier updates, so each click marks its own button.
Escaping: everything the customer wrote, like everything from the sheet, goes through
bot/slack/text.py; only the owner's mention is mrkdwn on purpose.
"""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import BUTTON_VALUE_LIMIT
from bot.slack.buttons import (
    HAND_BACK_ACTION_ID,
    HAND_OFF_ACTION_ID,
    PAUSE_ACTION_ID,
    STEP_DONE_ACTION_ID,
    ButtonTarget,
)
from bot.slack.text import clip, escape_mrkdwn, mention, plain_text
from engine.outcomes import HeardKind, HeardNotice

# Escaping keeps the length of clipped text (entities are counted by `clip`, the look-alikes
# are one character each), so the reply's section is at most 200 + 2000 + a few characters.
_VALUE_LIMIT = 150
_SUBJECT_LIMIT = 200
_TEXT_LIMIT = 2000
_REASON_LIMIT = 300
_LABEL_LIMIT = 60
_HEADLINES = {
    HeardKind.REPLY: ("✉️", "{who} replied"),
    HeardKind.UNDELIVERABLE: ("📭", "Mail to {who} cannot be delivered"),
    HeardKind.COMPLAINT: ("🚫", "{who} marked an onboarding email as spam"),
}
_TOO_LONG = "The customer id is too long for buttons; act with the og command."


def _who(notice: HeardNotice) -> str:
    return clip(notice.customer_name.strip() or notice.customer_id, 100)


def heard_message(notice: HeardNotice) -> list[Block]:
    icon, headline = _HEADLINES[notice.kind]
    header = f"{icon} {headline.format(who=_who(notice))}"
    blocks: list[Block] = [
        HeaderBlock(text=plain_text(header, HeaderBlock.text_max_length)),
        SectionBlock(
            # verbatim: no auto-linking of bare URLs or #channel names; `<@ID>` still mentions.
            text=MarkdownTextObject(text=_lead(notice), verbatim=True),
            fields=[plain_text(field) for field in _fields(notice)],
        ),
    ]
    if notice.kind == HeardKind.REPLY:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_quoted(notice), verbatim=True)))
    if notice.kind == HeardKind.COMPLAINT:
        blocks.append(
            ContextBlock(
                elements=[
                    plain_text(
                        "Only if they ask to hear from the guide again: "
                        f"og undo {clip(notice.customer_id, _VALUE_LIMIT)}."
                    )
                ]
            )
        )
    elif (actions := _actions(notice)) is not None:
        blocks.append(actions)
    return blocks


def _fields(notice: HeardNotice) -> list[str]:
    who = _who(notice)
    fields = [
        f"Customer: {who} ({clip(notice.customer_id, _VALUE_LIMIT)})",
        f"Company: {clip(notice.company, _VALUE_LIMIT) or '-'}",
        f"{'From' if notice.kind == HeardKind.REPLY else 'Address'}: "
        f"{clip(notice.address, _VALUE_LIMIT) or '-'}",
        f"On: {notice.on:%a %d %b %Y}",
    ]
    if notice.step:
        step = clip(notice.step_name.strip() or notice.step, _VALUE_LIMIT)
        fields.append(f"Next step: {step} (journey {notice.journey})")
    return fields


def _lead(notice: HeardNotice) -> str:
    owner = mention(notice.owner)
    if notice.kind == HeardKind.REPLY:
        return (
            f"{owner} they wrote back, so the guide waits for you: no nudges, and their clock "
            "is stopped until you resume the guide."
        )
    if notice.kind == HeardKind.UNDELIVERABLE:
        return (
            f"{owner} {escape_mrkdwn(clip(notice.text, _REASON_LIMIT))}. The guide mails them "
            "nothing until their email is corrected in the onboarding list."
        )
    return f"{owner} the guide emails them nothing more. What they still need comes from you."


def _quoted(notice: HeardNotice) -> str:
    """The subject in bold, then the reply's new words as a quote, line by line: each line
    escaped, so nothing the customer wrote can ping, link, format or end the quote."""
    subject = escape_mrkdwn(clip(notice.subject, _SUBJECT_LIMIT)) or "(no subject)"
    said = clip(notice.text, _TEXT_LIMIT, lines=True)
    lines = [escape_mrkdwn(line) for line in said.split("\n")]
    quote = "\n".join(f">{line}" for line in lines if line) or (
        "_Nothing new above the quoted email._"
    )
    return f"*{subject}*\n{quote}"


def _actions(notice: HeardNotice) -> ActionsBlock | SectionBlock | None:
    """A reply's Done (for its step), Pause, Hand off and Resume guide; an undeliverable
    address's Pause and Hand off."""
    target = ButtonTarget(
        customer_id=notice.customer_id,
        journey=notice.journey,
        owner=notice.owner.slack_id,
        name=notice.customer_name,
        company=notice.company,
    )
    value = target.to_value()
    if len(value) > BUTTON_VALUE_LIMIT:
        return SectionBlock(text=plain_text(_TOO_LONG))
    reply = notice.kind == HeardKind.REPLY
    done = _done_button(notice, target) if reply else None
    elements = [
        *([done] if done is not None else []),
        ButtonElement(text=plain_text("Pause"), action_id=PAUSE_ACTION_ID, value=value),
        ButtonElement(text=plain_text("Hand off"), action_id=HAND_OFF_ACTION_ID, value=value),
    ]
    if reply:
        resume = plain_text("Resume guide")
        elements.append(ButtonElement(text=resume, action_id=HAND_BACK_ACTION_ID, value=value))
    return ActionsBlock(elements=elements)


def _done_button(notice: HeardNotice, target: ButtonTarget) -> ButtonElement | None:
    """Done for the first step not done, the step in its value; none when none is left."""
    value = replace(target, step=notice.step).to_value()
    if not notice.step or len(value) > BUTTON_VALUE_LIMIT:
        return None
    step = clip(notice.step_name.strip() or notice.step, _LABEL_LIMIT)
    return ButtonElement(
        text=plain_text(f"Done: {step}", ButtonElement.text_max_length),
        action_id=STEP_DONE_ACTION_ID,
        value=value,
        style="primary",
    )


def heard_text(notice: HeardNotice) -> str:
    """The fallback for notifications and screen readers; Slack parses it as mrkdwn."""
    _, headline = _HEADLINES[notice.kind]
    return f"{mention(notice.owner)} " + headline.format(who=escape_mrkdwn(_who(notice)))
