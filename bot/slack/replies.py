"""Slack messages other than the flag and the digest: the hand-off ping and the `/og` answers.

Every value from the sheet passes through `escape_mrkdwn` (see slack_messages.py for why), and
every message is checked against Slack's limits before it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import SECTION_TEXT_LIMIT, check_message
from bot.slack.buttons import HAND_BACK_ACTION_ID, ButtonTarget
from bot.slack.flag import history_text
from bot.slack.text import clip, escape_mrkdwn, plain_text
from engine.queries import CustomerView, standing

_NAME_LIMIT = 200
_NOTE_LIMIT = 1000
_LINE_LIMIT = 300

HELP = "\n".join(
    [
        "*/og* — the onboarding guide. Answers are only shown to you.",
        "• `/og status CUSTOMER` — where the customer stands and today's move",
        "• `/og why CUSTOMER` — the rules doc lines behind today's move",
        "• `/og resume CUSTOMER` — lift a pause or a hand-off; the guide carries on",
        "• `/og undo CUSTOMER` — restore the state before the last action (admins only;"
        " add `--force` if the customer changed since); `/og undo _rules` undoes the last"
        " Apply or Keep the old rules of an edit of the rules doc",
        "• `/og help` — this list",
    ]
)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def who(name: str, company: str, customer_id: str) -> str:
    """`Ada Lovelace (Analytical Engines)`, escaped for mrkdwn."""
    shown = clip(name.strip() or customer_id, _NAME_LIMIT)
    at = f" ({clip(company, _NAME_LIMIT)})" if company.strip() else ""
    return escape_mrkdwn(shown + at)


def hand_off_ping(
    view: CustomerView, by: str, note: str, lines: Sequence[str]
) -> tuple[str, list[Block]]:
    """The new owner's DM: who handed whom over, the note, the whole journey so far, and a
    button to give the customer back to the guide. Returns (fallback text, blocks)."""
    customer = view.customer
    name = who(customer.name, customer.company, customer.customer_id)
    said = f"\n> {escape_mrkdwn(clip(note, _NOTE_LIMIT))}" if note.strip() else ""
    intro = (
        f"<@{by}> handed *{name}* ({escape_mrkdwn(clip(customer.customer_id, _NAME_LIMIT))}, "
        f"{escape_mrkdwn(view.plan.name)} plan, guide day {view.guide_day}) over to you. "
        f"The guide sends nothing more until you give them back.{said}"
    )
    target = ButtonTarget(customer_id=customer.customer_id, journey=view.history.state.journey)
    blocks: list[Block] = [
        _section(intro),
        SectionBlock(text=plain_text(history_text(lines), SECTION_TEXT_LIMIT)),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=plain_text("Resume guide"),
                    action_id=HAND_BACK_ACTION_ID,
                    value=target.to_value(),
                    style="primary",
                )
            ]
        ),
    ]
    check_message(blocks)
    return f"{name} is yours now", blocks


def status_blocks(view: CustomerView, lines: Sequence[str]) -> list[Block]:
    """`/og status`: the customer, their plan and standing, the journey, and today's move."""
    customer, state = view.customer, view.history.state
    stands = standing(customer, state)
    move = view.move
    head = (
        f"*{who(customer.name, customer.company, customer.customer_id)}* "
        f"({escape_mrkdwn(clip(customer.customer_id, _NAME_LIMIT))}): "
        f"{escape_mrkdwn(view.plan.name)} plan, journey {state.journey}, "
        f"guide day {view.guide_day}"
        + (f" — {escape_mrkdwn(clip(', '.join(stands), _LINE_LIMIT))}" if stands else "")
        + f"\nToday: *{move.kind.value.replace('_', ' ')}*"
        + (f" {escape_mrkdwn(move.step)}" if move.step else "")
    )
    blocks: list[Block] = [
        _section(head),
        SectionBlock(text=plain_text(history_text(lines), SECTION_TEXT_LIMIT)),
    ]
    check_message(blocks)
    return blocks


def why_blocks(view: CustomerView, lines: Sequence[str]) -> list[Block]:
    """`/og why`: today's move, its reason, and the rules doc lines behind it."""
    move = view.move
    head = (
        f"*{escape_mrkdwn(clip(view.customer.customer_id, _NAME_LIMIT))}*: "
        f"{move.kind.value.replace('_', ' ')}"
        + (f" {escape_mrkdwn(move.step)}" if move.step else "")
        + f"\nbecause {escape_mrkdwn(clip(move.reason, _LINE_LIMIT))}"
    )
    rules = "\n".join(f"• {escape_mrkdwn(clip(line, _LINE_LIMIT))}" for line in lines)
    text = head + (f"\n{rules}" if rules else "")
    blocks: list[Block] = [_section(clip_lines(text, SECTION_TEXT_LIMIT))]
    check_message(blocks)
    return blocks


def clip_lines(text: str, limit: int) -> str:
    """`text` cut at a line break so it fits `limit`, saying how much was left out."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    lines = text.split("\n")
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 40 > limit:
            break
        kept.append(line)
    return "\n".join([*kept, f"… and {len(lines) - len(kept)} more lines"])
