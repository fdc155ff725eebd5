"""The weekly digest as Slack messages: Block Kit built with `slack_sdk.models`, checked
against Slack's limits before anything is posted.

The first message opens with a header ("Weekly digest, Mon 23 Nov 2026") and a line counting
what follows, or saying that nothing needs attention. Then, each after a divider and a bold
title, the sections that have anyone in them (the count line already says which are empty):
paused customers, one section each with a Resume button; customers who wrote back and wait for
a person, the same; open flags nobody acted on, oldest first; sends that may or may not have
reached the customer; addresses the guide gave up on, with why; handed-off customers with their
owner; finished this week; the per-plan median days from a step's email to its being done;
this week's mail that matched nobody on the list; the rules doc's edits of the week, and the one
waiting for approval; how the roster was read; skipped roster rows; rules-doc problems.

A long digest becomes several messages, the rest posted as replies in the first one's thread.
Each continuation opens with "Weekly digest, Mon 23 Nov 2026, continued (2 of 3)" and repeats
the title of a section cut by the break. A block is never split. Pages leave a free block per
Resume button: a click swaps the button for a line saying who resumed (bot/slack/answers.py),
and the updated message must still fit in 50 blocks.

Resume buttons are `og_resume_<n>`, n the customer's place in `Digest.paused`, then in
`Digest.waiting` counted on from there (unique within every message; listeners match
`^og_resume`), their value the journey's `ButtonTarget`. A Resume lifts a pause and the wait
after a reply alike (engine.actions.resume).

Escaping follows slack_messages.py: every value from the sheet or the rules doc goes through
`clip` and `escape_mrkdwn`, so it can neither ping, mention, link nor format. Only a handed-off
customer's owner becomes a mention, and only when the sheet holds a Slack user id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import BUTTON_VALUE_LIMIT, MAX_BLOCKS, SECTION_TEXT_LIMIT, check_message
from bot.slack.buttons import RESUME_ACTION_PREFIX, ButtonTarget
from bot.slack.happened import who
from bot.slack.notifier import slack_send_errors
from bot.slack.text import USER_ID, clip, escape_mrkdwn, mention, plain_text
from engine.digest import Digest, PausedCustomer, RulesEdit, WaitingCustomer
from engine.plans import Person
from engine.ports import SendError

# Escaping can make text five times longer (`&` is `&amp;`); with these limits a paused
# customer's section is at most 5 * (80 + 80 + 64 + 300) + ~80 characters, within its 3000.
_NAME_LIMIT = 80
_ID_LIMIT = 64
_NOTE_LIMIT = 300
_PROBLEM_LIMIT = 300
# An owner typed as "Sam" or "UMA" shows as a name, never as a broken `<@…>`.
_USER_ID = re.compile(rf"<@({USER_ID})>|({USER_ID})")


_Section = tuple[str, list[Block]]
"""A section's title (mrkdwn, already safe) and its blocks."""


def _mrkdwn(text: str) -> MarkdownTextObject:
    # verbatim: no auto-linking of bare URLs or #channel names.
    return MarkdownTextObject(text=text, verbatim=True)


def _esc(text: str, limit: int) -> str:
    return escape_mrkdwn(clip(text, limit))


def _who(name: str, customer_id: str) -> str:
    """`*Name* (C-1)`, the customer's name in bold; the id alone when the name is blank."""
    customer = _esc(customer_id, _ID_LIMIT)
    shown = _esc(name, _NAME_LIMIT)
    return f"*{shown}* ({customer})" if shown else f"*{customer}*"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _ago(n: int) -> str:
    return "today" if n == 0 else f"{_days(n)} ago"


def _day(when: date, today: date) -> str:
    """`3 Nov`, with the year when it is not this year's."""
    return f"{when.day} {when:%b}" + (f" {when.year}" if when.year != today.year else "")


def _owner(owner: str) -> str:
    found = _USER_ID.fullmatch(owner.strip())
    slack_id = (found.group(1) or found.group(2)) if found else ""
    # With an empty slack_id `mention` falls back to the escaped, clipped name.
    return mention(Person(name=owner.strip() or "someone", slack_id=slack_id))


def _title(today: date) -> str:
    return f"Weekly digest, {today:%a %d %b %Y}"


def _counts(digest: Digest) -> list[str]:
    counted = [
        (len(digest.paused), "paused", "paused"),
        (len(digest.waiting), "waiting after a reply", "waiting after a reply"),
        (len(digest.open_flags), "open flag", "open flags"),
        (len(digest.unconfirmed), "unconfirmed send", "unconfirmed sends"),
        (len(digest.undeliverable), "undeliverable address", "undeliverable addresses"),
        (len(digest.handed_off), "handed off", "handed off"),
        (len(digest.finished_this_week), "finished this week", "finished this week"),
        (digest.replied_this_week, "reply this week", "replies this week"),
        (digest.soft_bouncing, "soft-bouncing address", "soft-bouncing addresses"),
        (len(digest.unmatched), "email matched nobody", "emails matched nobody"),
        (_waiting_edits(digest), "rules edit waiting for Apply", "rules edits waiting for Apply"),
        (len(digest.skipped_rows), "roster row skipped", "roster rows skipped"),
        (len(digest.rules_problems), "rules doc problem", "rules doc problems"),
    ]
    return [f"{n} {one if n == 1 else many}" for n, one, many in counted if n]


def _needs_attention(digest: Digest) -> bool:
    return bool(
        digest.paused
        or digest.waiting
        or digest.open_flags
        or digest.unconfirmed
        or digest.undeliverable
        or digest.unmatched
        or _waiting_edits(digest)
        or digest.skipped_rows
        or digest.roster_warnings
        or digest.rules_problems
    )


def _waiting_edits(digest: Digest) -> int:
    return sum(1 for edit in digest.rules_edits if edit.waiting)


def _edit_line(edit: RulesEdit, today: date) -> str:
    """`rules.md, change 5, 2 Nov: waits for Apply — the email of setup: …`"""
    if edit.waiting:
        standing = "*waits for Apply* (on its announcement)"
    elif edit.settled == "in_force":
        standing = "in force at once"
    elif edit.settled == "applied":
        standing = f"applied by {who(edit.settled_by)}"
    else:
        standing = f"the old rules kept by {who(edit.settled_by)}"
    changes = "; ".join(_esc(line, _PROBLEM_LIMIT) for line in edit.summary[:2])
    more = f" (and {len(edit.summary) - 2} more)" if len(edit.summary) > 2 else ""
    what = f" — {changes}{more}" if changes else " — nobody's moves change"
    return (
        f"{_esc(edit.source, _NAME_LIMIT)}, change {edit.change_id}, "
        f"{_day(edit.announced_on, today)}: {standing}{what}"
    )


def digest_text(digest: Digest) -> str:
    """The fallback `text`: what notifications and screen readers get. No sheet values."""
    counts = ", ".join(_counts(digest))
    if _needs_attention(digest):
        return f"{_title(digest.today)}: {counts}"
    quiet = f"{_title(digest.today)}: nothing needs attention"
    return f"{quiet} ({counts})" if counts else quiet


def _summary(digest: Digest) -> Block:
    if _needs_attention(digest):
        return ContextBlock(elements=[plain_text(" · ".join(_counts(digest)))])
    text = (
        "Nothing needs attention this week: nobody is paused or waiting after a reply, no "
        "flag is waiting, every address takes mail, and the roster and the rules doc read "
        "cleanly."
    )
    if counts := _counts(digest):
        text += f" ({', '.join(counts)})"
    return SectionBlock(text=plain_text(text))


def _paused_block(index: int, paused: PausedCustomer, today: date) -> Block:
    company = f" · {_esc(paused.company, _NAME_LIMIT)}" if paused.company.strip() else ""
    if paused.since is None:
        how_long = "paused (since when is not recorded)"
    elif not paused.days:
        how_long = "paused today"
    else:
        how_long = f"paused {_days(paused.days)} (since {_day(paused.since, today)})"
    lines = [f"{_who(paused.name, paused.customer_id)}{company}", how_long]
    if paused.note.strip():
        lines.append(f">{_esc(paused.note, _NOTE_LIMIT)}")
    value = ButtonTarget(customer_id=paused.customer_id, journey=paused.journey).to_value()
    if len(value) > BUTTON_VALUE_LIMIT:
        lines.append("_The customer id is too long for a button; resume with the og command._")
        return SectionBlock(text=_mrkdwn("\n".join(lines)))
    button = ButtonElement(
        text=plain_text("Resume"), action_id=f"{RESUME_ACTION_PREFIX}_{index}", value=value
    )
    return SectionBlock(text=_mrkdwn("\n".join(lines)), accessory=button)


def _waiting_block(index: int, waiting: WaitingCustomer, today: date) -> Block:
    company = f" · {_esc(waiting.company, _NAME_LIMIT)}" if waiting.company.strip() else ""
    when = "today" if not waiting.days else f"{_ago(waiting.days)} ({_day(waiting.since, today)})"
    lines = [f"{_who(waiting.name, waiting.customer_id)}{company}", f"wrote back {when}"]
    value = ButtonTarget(customer_id=waiting.customer_id, journey=waiting.journey).to_value()
    if len(value) > BUTTON_VALUE_LIMIT:
        lines.append("_The customer id is too long for a button; resume with the og command._")
        return SectionBlock(text=_mrkdwn("\n".join(lines)))
    button = ButtonElement(
        text=plain_text("Resume guide"), action_id=f"{RESUME_ACTION_PREFIX}_{index}", value=value
    )
    return SectionBlock(text=_mrkdwn("\n".join(lines)), accessory=button)


def _packed(lines: Sequence[str]) -> list[Block]:
    """`lines` as bulleted sections, each line whole in one section within its limit."""
    blocks: list[Block] = []
    current: list[str] = []
    for line in (f"• {line}" for line in lines):
        if current and sum(len(c) + 1 for c in current) + len(line) > SECTION_TEXT_LIMIT:
            blocks.append(SectionBlock(text=_mrkdwn("\n".join(current))))
            current = []
        current.append(line)
    if current:
        blocks.append(SectionBlock(text=_mrkdwn("\n".join(current))))
    return blocks


def _sections(digest: Digest) -> list[_Section]:
    today = digest.today
    flags = [
        f"{_who(f.name, f.customer_id)} on {_esc(f.step, _NAME_LIMIT)}, flagged "
        f"{_day(f.flagged_on, today)}, {_ago(f.age_days)}"
        for f in digest.open_flags
    ]
    handed = [
        f"{_who(h.name, h.customer_id)} with {_owner(h.owner)}"
        + (f" since {_day(h.since, today)}" if h.since else "")
        for h in digest.handed_off
    ]
    finished = [
        f"{_who(f.name, f.customer_id)} finished {_day(f.finished_on, today)}, "
        f"{_days(f.days)} after signing up"
        for f in digest.finished_this_week
    ]
    medians = [
        f"{_esc(plan, _NAME_LIMIT)}: {days:g} {'day' if days == 1 else 'days'}"
        for plan, days in digest.median_days_to_done.items()
    ]
    unconfirmed = [
        f"{_who(send.name, send.customer_id)}: the {send.kind.described} for "
        f"{_esc(send.step, _NAME_LIMIT)}, tried {_day(send.tried_on, today)}"
        for send in digest.unconfirmed
    ]
    undeliverable = [
        f"{_who(u.name, u.customer_id)}: {_esc(u.email, _NAME_LIMIT)}, "
        f"{_esc(u.reason, _PROBLEM_LIMIT)}"
        for u in digest.undeliverable
    ]
    unmatched = [
        f"{_day(u.at.date(), today)}: {_esc(u.kind, _PROBLEM_LIMIT)} from "
        f"{_esc(u.sender or 'nobody named', _NAME_LIMIT)}, "
        f"“{_esc(u.subject, _PROBLEM_LIMIT)}”"
        for u in digest.unmatched
    ]
    after = len(digest.paused)
    skipped = [_esc(row, _PROBLEM_LIMIT) for row in digest.skipped_rows]
    warnings = [_esc(warning, _PROBLEM_LIMIT) for warning in digest.roster_warnings]
    problems = [_esc(problem, _PROBLEM_LIMIT) for problem in digest.rules_problems]
    edits = [_edit_line(edit, today) for edit in digest.rules_edits]
    candidates = [
        (
            f"*Paused ({len(digest.paused)})*",
            [_paused_block(i, p, today) for i, p in enumerate(digest.paused)],
        ),
        (
            f"*Wrote back, waiting for a person ({len(digest.waiting)})*",
            [_waiting_block(after + i, w, today) for i, w in enumerate(digest.waiting)],
        ),
        (f"*Open flags nobody acted on ({len(flags)})*, oldest first", _packed(flags)),
        (
            f"*May or may not have reached the customer ({len(unconfirmed)})*: check with "
            "them, then `og unconfirmed delivered` or `og unconfirmed resend`",
            _packed(unconfirmed),
        ),
        (
            f"*Email cannot be delivered ({len(undeliverable)})*: correct the email in the "
            "onboarding list",
            _packed(undeliverable),
        ),
        (f"*Handed off ({len(handed)})*", _packed(handed)),
        (f"*Finished this week ({len(finished)})*", _packed(finished)),
        ("*Median days from step sent to step done*", _packed(medians)),
        (f"*Mail that matched nobody on the list ({len(unmatched)})*", _packed(unmatched)),
        (f"*Rules doc edits ({len(edits)})*", _packed(edits)),
        ("*How the onboarding list was read*", _packed(warnings)),
        (f"*Roster rows skipped ({len(skipped)})*", _packed(skipped)),
        (f"*Rules doc problems ({len(problems)})*", _packed(problems)),
    ]
    return [(title, items) for title, items in candidates if items]


def _cost(block: Block) -> int:
    """Blocks `block` may come to fill: two once its Resume button is clicked."""
    return 2 if isinstance(block, SectionBlock) and block.accessory is not None else 1


def _paginate(first: list[Block], sections: Sequence[_Section]) -> list[list[Block]]:
    """Blocks in pages costing at most MAX_BLOCKS, one block kept free on every page after
    the first for its "continued" line. A section's title never ends a page."""
    pages = [list(first)]

    def room() -> int:
        used = sum(_cost(block) for block in pages[-1])
        return MAX_BLOCKS - used - (1 if len(pages) > 1 else 0)

    for heading, items in sections:
        title = SectionBlock(text=_mrkdwn(heading))
        for i, item in enumerate(items):
            if i == 0:
                lead: list[Block] = [DividerBlock(), title] if pages[-1] else [title]
                if room() < len(lead) + _cost(item):
                    pages.append([])
                    lead = [title]
            else:
                lead = []
                if room() < _cost(item):
                    pages.append([])
                    lead = [SectionBlock(text=_mrkdwn(f"{heading}, continued"))]
            pages[-1] += [*lead, item]
    return pages


def digest_messages(digest: Digest) -> list[list[Block]]:
    """The digest as one or more messages: the first for the channel, the rest for its
    thread. Raises SlackObjectFormationError if any would not be a valid message."""
    title = _title(digest.today)
    pages = _paginate([HeaderBlock(text=plain_text(title)), _summary(digest)], _sections(digest))
    total = len(pages)
    messages = [pages[0]] + [
        [ContextBlock(elements=[plain_text(f"{title}, continued ({n} of {total})")]), *page]
        for n, page in enumerate(pages[1:], start=2)
    ]
    for blocks in messages:
        _check(blocks)
    return messages


def _check(blocks: Sequence[Block]) -> None:
    """`check_message`, and room left for every Resume click's "resumed by" line."""
    check_message(blocks)
    if sum(_cost(block) for block in blocks) > MAX_BLOCKS:
        raise SlackObjectFormationError("no room to mark the Resume buttons as clicked")


def post_digest(client: WebClient, channel: str, digest: Digest) -> list[str]:
    """Post the digest to `channel`, continuations as replies in the first message's thread.
    Returns `CHANNEL_ID:TS` for each message posted; raises SendError when a message is
    invalid or Slack cannot be reached or refuses one (those before it stay posted)."""
    try:
        messages = digest_messages(digest)
    except SlackObjectFormationError as error:
        raise SendError(f"the digest is not a valid message: {error}") from error
    posted: list[str] = []
    thread: tuple[str, str] | None = None  # the first message's channel id and ts
    for n, blocks in enumerate(messages, start=1):
        part = f"part {n} of {len(messages)} of the digest ({len(posted)} posted before it)"
        with slack_send_errors(part):
            answer = client.chat_postMessage(
                channel=thread[0] if thread else channel,
                thread_ts=thread[1] if thread else None,
                text=digest_text(digest) if n == 1 else f"{_title(digest.today)}, continued",
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        ref = (str(answer["channel"]), str(answer["ts"]))
        thread = thread or ref
        posted.append(f"{ref[0]}:{ref[1]}")
    return posted
