"""The flag as a Slack message: Block Kit built with `slack_sdk.models`, so Slack's limits are
checked before anything is posted.

Layout, top to bottom:

- a header: "🚩 Ada Lovelace is stuck on Connect your data";
- a section whose mrkdwn text mentions the owner and gives the reason, with plain-text fields
  for customer, company, plan, the stuck step, the guide day and journey, and the owner;
- a section with the journey so far, newest lines kept when it is long ("… and N more");
- an actions block: Done (primary), Pause and Hand off, each carrying the customer and
  journey as compact JSON (`{"c":"C-1","j":1}`).

Escaping. Names, companies, steps and notes come from a sheet anyone on the team can edit, so
they must never ping (`<!channel>`), mention (`<@U…>`), link or format. Wherever Block Kit
takes `plain_text` (the header, section fields, the journey, button labels) the sheet's text
goes there as written (on one line, clipped): Slack shows plain text literally. Only the
owner's mention needs mrkdwn (the section text, and the notification fallback `text`); there
every sheet value passes through `escape_mrkdwn`, which encodes `&`, `<` and `>` as Slack
documents, so nothing in it can open a mention or link, and swaps the formatting characters
for look-alikes. Look-alikes rather than zero-width joiners: zero-width characters are the
usual trick to *force* bold mid-word, so Slack's parser evidently counts them as word
boundaries and they cannot be relied on to stop formatting, while a look-alike leaves nothing
for the parser to act on. The price: a name like `O_Neil` reads `OˍNeil` in the mention line
and the notification, and stays exact in the plain-text fields beside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from engine.adapters.email_message import one_line
from engine.models import Person
from engine.outcomes import FlagNotice, UnconfirmedNotice

DONE_ACTION_ID = "og_done"
PAUSE_ACTION_ID = "og_pause"
HAND_OFF_ACTION_ID = "og_hand_off"

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
BUTTON_VALUE_LIMIT = 2000

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

_SLACK_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_MRKDWN_REPLACEMENTS = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\u2217",  # ∗ asterisk operator
        "_": "\u02cd",  # ˍ modifier letter low macron
        "~": "\u223c",  # ∼ tilde operator
        "`": "\u02cb",  # ˋ modifier letter grave accent
    }
)


def escape_mrkdwn(text: str) -> str:
    """`text` safe inside Slack mrkdwn: shown as written (near enough), never a mention, link,
    date token or formatting. Control characters and line breaks collapse to one space, so a
    value cannot start a line of its own (`&gt;` there would be a quote)."""
    return one_line(text).translate(_MRKDWN_REPLACEMENTS)


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when longer."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mention(person: Person) -> str:
    """`<@ID>` for a well-formed Slack id; otherwise the escaped name, which pings nobody."""
    if _SLACK_ID.fullmatch(person.slack_id):
        return person.mention()
    return escape_mrkdwn(clip(person.name or person.slack_id, _OWNER_NAME_LIMIT))


@dataclass(frozen=True)
class ButtonTarget:
    """What a flag's button acts on; travels in the button's `value`."""

    customer_id: str
    journey: int

    def to_value(self) -> str:
        return json.dumps({"c": self.customer_id, "j": self.journey}, separators=(",", ":"))

    @classmethod
    def from_value(cls, value: str) -> ButtonTarget:
        """Raises ValueError for anything `to_value` did not produce."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a flag button value: {value!r}") from error
        if not isinstance(data, dict) or set(data) != {"c", "j"}:
            raise ValueError(f"not a flag button value: {value!r}")
        customer_id, journey = data["c"], data["j"]
        if not isinstance(customer_id, str) or type(journey) is not int:
            raise ValueError(f"not a flag button value: {value!r}")
        return cls(customer_id=customer_id, journey=journey)


def _plain(text: str) -> PlainTextObject:
    # emoji=False keeps `:shortcode:` in a name as typed.
    return PlainTextObject(text=text or "-", emoji=False)


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
        fields=[_plain(field) for field in fields],
    )


def _actions(notice: FlagNotice) -> ActionsBlock | SectionBlock:
    value = ButtonTarget(customer_id=notice.customer_id, journey=notice.journey).to_value()
    if len(value) > BUTTON_VALUE_LIMIT:
        # Better a flag without buttons than no flag at all.
        return SectionBlock(
            text=_plain("The customer id is too long for buttons; act with the og command.")
        )
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=_plain("Done"), action_id=DONE_ACTION_ID, value=value, style="primary"
            ),
            ButtonElement(text=_plain("Pause"), action_id=PAUSE_ACTION_ID, value=value),
            ButtonElement(text=_plain("Hand off"), action_id=HAND_OFF_ACTION_ID, value=value),
        ]
    )


def flag_message(notice: FlagNotice) -> list[Block]:
    header = (
        f"🚩 {clip(_customer(notice), _HEADER_PART_LIMIT)} is stuck on "
        f"{clip(_step(notice), _HEADER_PART_LIMIT)}"
    )
    return [
        HeaderBlock(text=_plain(clip(header, HeaderBlock.text_max_length))),
        _details(notice),
        SectionBlock(text=_plain(history_text(notice.history))),
        _actions(notice),
    ]


def flag_text(notice: FlagNotice) -> str:
    """The fallback: what notifications and screen readers get. Slack parses it as mrkdwn."""
    customer = escape_mrkdwn(clip(_customer(notice), _VALUE_LIMIT))
    company = escape_mrkdwn(clip(notice.company, _VALUE_LIMIT))
    step = escape_mrkdwn(clip(_step(notice), _VALUE_LIMIT))
    at_company = f" ({company})" if company else ""
    return (
        f"{mention(notice.owner)} {customer}{at_company} is stuck on {step} "
        f"(guide day {notice.guide_day})"
    )


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
        HeaderBlock(text=_plain(clip(header, HeaderBlock.text_max_length))),
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
            fields=[_plain(field) for field in fields],
        ),
        SectionBlock(
            text=_plain(
                clip(
                    "Check with the customer, then settle it: og unconfirmed delivered "
                    f"{command}, or og unconfirmed resend {command} to have the next tick "
                    "send it again.",
                    SECTION_TEXT_LIMIT,
                )
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


def check_message(blocks: Sequence[Block]) -> None:
    """Raise SlackObjectFormationError unless Slack would accept `blocks` as one message:
    at most 50 blocks, every block and element within its limits, action ids unique."""
    if len(blocks) > MAX_BLOCKS:
        raise SlackObjectFormationError(f"{len(blocks)} blocks; a message holds {MAX_BLOCKS}")
    action_ids: list[str] = []
    for block in blocks:
        block.validate_json()
        # to_dict validates every nested element and text object too.
        payload = block.to_dict()
        for field in payload.get("fields", []):
            if len(field["text"]) > FIELD_TEXT_LIMIT:
                raise SlackObjectFormationError(
                    f"a section field exceeds {FIELD_TEXT_LIMIT} characters"
                )
        elements = [*payload.get("elements", []), payload.get("accessory") or {}]
        action_ids += [e["action_id"] for e in elements if "action_id" in e]
    if duplicates := sorted({a for a in action_ids if action_ids.count(a) > 1}):
        raise SlackObjectFormationError(f"action ids used twice: {', '.join(duplicates)}")
