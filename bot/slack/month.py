"""The month in one message, as Slack Block Kit built with `slack_sdk.models` and checked
against Slack's limits before it is posted.

A header ("November 2026 in one message"); any rules-doc problem in a context line; the
commentary, when a model wrote one, with a line saying who wrote it and that the figures are
the guide's own; the month's figures as a section of fields; then where customers stall, the
step table in a code block (aligned, as `og summary` prints it), split over as many sections
as it needs. One message, whatever the month held: a table too long for it ends with a line
pointing to `og summary`, which prints it all.

Plan and step names come from the rules doc, the commentary from a model: all of it goes
through `escape_mrkdwn` (and `clip`), so none of it can ping, mention, link or format.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import FIELD_TEXT_LIMIT, MAX_BLOCKS, SECTION_TEXT_LIMIT, check_message
from bot.slack.notifier import slack_send_errors
from bot.slack.text import clip, escape_mrkdwn, plain_text
from engine.month_report import MonthReport
from engine.month_summary import MonthSummary, StepFigures
from engine.month_text import headline_lines, stall_heading, step_table, title
from engine.ports import SendError

_NAME_LIMIT = 40
_PROBLEM_LIMIT = 300
_COMMENTARY_LIMIT = 1500
_FENCE = "```"


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _esc(text: str, limit: int) -> str:
    return escape_mrkdwn(clip(text, limit))


def month_text(summary: MonthSummary) -> str:
    """The fallback `text`: what notifications and screen readers get. No doc values."""
    if not summary.figured:
        return f"{title(summary)}: no figures, the rules doc cannot be read"
    return f"{title(summary)}: {summary.started} started, {summary.finished} finished"


def month_blocks(report: MonthReport) -> list[Block]:
    summary = report.summary
    blocks: list[Block] = [HeaderBlock(text=plain_text(title(summary), 150))]
    for problem in summary.problems[:3]:
        blocks.append(ContextBlock(elements=[_mrkdwn(_esc(problem, _PROBLEM_LIMIT))]))
    if not summary.figured:
        blocks.append(SectionBlock(text=plain_text("No figures: they need a usable rules doc.")))
        return blocks
    if report.commentary:
        by = _esc(report.commentary_by, 200)
        credit = f"Commentary by {by}; the figures are the guide's own."
        blocks += [
            SectionBlock(text=_mrkdwn(_esc(report.commentary, _COMMENTARY_LIMIT))),
            ContextBlock(elements=[_mrkdwn(credit)]),
            DividerBlock(),
        ]
    blocks.append(SectionBlock(fields=[_field(line) for line in headline_lines(summary)]))
    blocks.append(SectionBlock(text=_mrkdwn(f"*{_esc(stall_heading(summary), 300)}*")))
    blocks += _table(summary.steps, room=MAX_BLOCKS - len(blocks), summary=summary)
    return blocks


def _field(line: str) -> MarkdownTextObject:
    """`Started: 12 (Starter 8, Pro 4)` as a field: its name in bold above its value."""
    name, _, value = line.partition(": ")
    return _mrkdwn(f"*{_esc(name, 100)}*\n{_esc(value, FIELD_TEXT_LIMIT - 200)}")


def _table(steps: list[StepFigures], *, room: int, summary: MonthSummary) -> list[Block]:
    """The step table in code blocks of at most SECTION_TEXT_LIMIT, in at most `room` blocks."""
    if not steps:
        return []
    short = [
        step.model_copy(update={"plan": clip(step.plan, _NAME_LIMIT), "step": clip(step.step, 60)})
        for step in steps
    ]
    header, *rows = step_table(short, escape_mrkdwn)
    sections: list[list[str]] = [[header]]
    for row in rows:
        text = "\n".join([*sections[-1], row])
        if len(text) + 2 * len(_FENCE) + 2 > SECTION_TEXT_LIMIT:
            sections.append([header])
        sections[-1].append(row)
    blocks: list[Block] = [
        SectionBlock(text=_mrkdwn(f"{_FENCE}\n{chr(10).join(lines)}\n{_FENCE}"))
        for lines in sections
    ]
    if len(blocks) > room:
        shown = sum(len(lines) - 1 for lines in sections[: room - 1])
        more = (
            f"{len(steps) - shown} more steps: `og summary --month {summary.first:%Y-%m}` "
            "prints them all."
        )
        blocks = [*blocks[: room - 1], ContextBlock(elements=[_mrkdwn(more)])]
    return blocks


def post_month(client: WebClient, channel: str, report: MonthReport) -> str:
    """Post the month to `channel` as one message; returns `CHANNEL_ID:TS`. Raises SendError
    when the message is invalid or Slack cannot be reached or refuses it."""
    what = f"the summary of {report.summary.first:%B %Y}"
    try:
        blocks = month_blocks(report)
        check_message(blocks)
    except SlackObjectFormationError as error:
        raise SendError(f"{what} is not a valid message: {error}") from error
    with slack_send_errors(what):
        answer = client.chat_postMessage(
            channel=channel,
            text=month_text(report.summary),
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    return f"{answer['channel']}:{answer['ts']}"
