"""What came back from the guide's email, told to the owner (engine.heard): the customer's
reply with its words, an address given up, a complaint."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.slack.blocks import SECTION_TEXT_LIMIT
from bot.slack.text import clip, escape_mrkdwn, mention, plain_text
from engine.outcomes import HeardKind, HeardNotice

_VALUE_LIMIT = 150
_HEADLINES = {
    HeardKind.REPLY: "✉️ {who} replied",
    HeardKind.UNDELIVERABLE: "📭 Mail to {who} cannot be delivered",
    HeardKind.COMPLAINT: "🚫 {who} marked an onboarding email as spam",
}


def heard_message(notice: HeardNotice) -> list[Block]:
    who = clip(notice.customer_name.strip() or notice.customer_id, 100)
    header = _HEADLINES[notice.kind].format(who=who)
    fields = [
        f"Customer: {who} ({clip(notice.customer_id, _VALUE_LIMIT)})",
        f"Company: {clip(notice.company, _VALUE_LIMIT) or '-'}",
        f"Address: {clip(notice.address, _VALUE_LIMIT)}",
        f"On: {notice.on:%a %d %b %Y}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=plain_text(header, HeaderBlock.text_max_length)),
        SectionBlock(
            text=MarkdownTextObject(text=_lead(notice), verbatim=True),
            fields=[plain_text(field) for field in fields],
        ),
    ]
    if notice.kind == HeardKind.REPLY:
        said = notice.text or "(nothing new above the quoted email)"
        quoted = f"*{escape_mrkdwn(clip(notice.subject, 200))}*\n>{escape_mrkdwn(said)}"
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=quoted[:SECTION_TEXT_LIMIT], verbatim=True))
        )
    return blocks


def _lead(notice: HeardNotice) -> str:
    owner = mention(notice.owner)
    if notice.kind == HeardKind.REPLY:
        return (
            f"{owner} they wrote back, so the guide waits for you: no nudges, and their clock "
            "is stopped until you resume the guide."
        )
    if notice.kind == HeardKind.UNDELIVERABLE:
        return (
            f"{owner} {escape_mrkdwn(clip(notice.text, 300))}. The guide mails them nothing "
            "until their email is corrected in the onboarding list."
        )
    return f"{owner} the guide emails them nothing more. What they still need comes from you."


def heard_text(notice: HeardNotice) -> str:
    """The fallback for notifications and screen readers."""
    who = escape_mrkdwn(clip(notice.customer_name.strip() or notice.customer_id, 100))
    return f"{mention(notice.owner)} " + _HEADLINES[notice.kind].format(who=who)[2:]
