"""The flag's "Show the last email": the customer's last email that went out, rebuilt as it would
be built now (engine/email_preview.py, what `og email` prints), told only to whoever asked.

A read: nothing is written and nothing audited. What the store recorded of the send is shown as
recorded (which email, for which step, when it went); the email itself is built again, so its
words come from today's rules doc, its address and names from today's sheet, and its done link
is freshly signed: the answer says so, and shows the text part in a code block, where a link
is never clickable by accident (opening a done link marks the step done for the customer).
"""

from __future__ import annotations

import shlex
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.blocks import SECTION_TEXT_LIMIT, check_message
from bot.slack.happened import when
from bot.slack.text import clip, escape_code, escape_mrkdwn
from engine.email_preview import email_to_show, last_sent
from engine.guide import Guide
from engine.models import SendKind, SendRecord
from engine.outcomes import OutgoingEmail

_NAME_LIMIT = 200
_SUBJECT_LIMIT = 500
_WHY_LIMIT = 1000
# Past this the command is no use to copy: the note then names the command alone.
_COMMAND_LIMIT = 300
_FENCE = "```"


def last_email_message(guide: Guide, customer_id: str, now: datetime) -> tuple[str, list[Block]]:
    """What the clicker is told, as (fallback text, blocks): the last email as it would be
    built `now`, or plainly that there is none yet, or why it cannot be shown."""
    customer = escape_mrkdwn(clip(customer_id, _NAME_LIMIT))
    send = last_sent(guide, customer_id)
    if send is None:
        text = f"{customer} has had no email from the guide yet."
        return text, _checked([_section(text)])
    email = email_to_show(guide, customer_id, now, step_id=send.step, kind=send.kind)
    if isinstance(email, str):
        text = (
            f"The last email to {customer} was {_what(send)}; it cannot be shown as it would "
            f"be built today: {escape_mrkdwn(clip(email, _WHY_LIMIT))}."
        )
        return text, _checked([_section(text)])
    name = escape_mrkdwn(clip(email.to_name.strip() or customer_id, _NAME_LIMIT))
    to = escape_mrkdwn(clip(f"{email.to_name} <{email.to_email}>".strip(), _NAME_LIMIT * 2))
    subject = escape_mrkdwn(clip(email.subject, _SUBJECT_LIMIT))
    head = (
        f"📧 The last email to *{name}* ({customer}): {_what(send)}.\n"
        f"*To:* {to}\n*Subject:* {subject}"
    )
    blocks: list[Block] = [
        _section(head),
        _section(body_text(email.body, _command(email))),
        ContextBlock(elements=[MarkdownTextObject(text=_caveat(email), verbatim=True)]),
    ]
    return f"The last email to {name}: {subject}", _checked(blocks)


def body_text(body: str, command: str) -> str:
    """The text part in a code block within a section's limit; cut, it says how many
    characters were left out and that `command` shows them."""
    body = body.replace("\r\n", "\n").rstrip("\n")
    whole = f"{_FENCE}\n{escape_code(body)}\n{_FENCE}"
    if len(whole) <= SECTION_TEXT_LIMIT:
        return whole

    def note(left_out: int) -> str:
        return f"\n… ({left_out:,} more characters; `{escape_code(command)}` shows it whole)"

    # The note for the whole body is at least as long as the note for what is left out.
    budget = SECTION_TEXT_LIMIT - 2 * len(_FENCE) - 2 - len(note(len(body)))
    kept = width = 0
    for char in body:
        width += len(escape_code(char))
        if width > budget:
            break
        kept += 1
    return f"{_FENCE}\n{escape_code(body[:kept])}\n{_FENCE}{note(len(body) - kept)}"


def _what(send: SendRecord) -> str:
    """`the nudge email for step welcome, sent <date>`: the send as the store recorded it."""
    step = (
        ""
        if send.kind == SendKind.FINISH
        else f" for step {escape_mrkdwn(clip(send.step, _NAME_LIMIT))}"
    )
    sent = when(send.sent_at) if send.sent_at else f"{send.local_date:%a %d %b %Y}"
    return f"the {send.kind.described}{step}, sent {sent}"


def _command(email: OutgoingEmail) -> str:
    """The `og email` command that prints this email whole."""
    words = ["og", "email", shlex.quote(email.customer_id)]
    if email.kind == SendKind.FINISH:
        words += ["--kind", "finish"]
    else:
        words.append(shlex.quote(email.step))
        if email.kind == SendKind.NUDGE:
            words += ["--kind", "nudge"]
    command = " ".join(words)
    return command if len(command) <= _COMMAND_LIMIT else "og email"


def _caveat(email: OutgoingEmail) -> str:
    said = (
        "Built again now: the words are from today's rules doc and the names and address "
        "from today's sheet, so they may differ from what went out"
    )
    if email.kind == SendKind.FINISH:
        return said + "."
    return (
        said + ". A done link in it is freshly signed, not the one that was sent, and it "
        "works: opening it marks the step done for the customer."
    )


def _section(text: str) -> SectionBlock:
    # verbatim: no auto-linking of addresses or URLs; only the date token is Slack syntax.
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def _checked(blocks: list[Block]) -> list[Block]:
    check_message(blocks)
    return blocks
