"""An edit of the rules doc, announced in Slack (engine.rules_watch): what it changes over the
coming days, and while it waits for approval, **Apply** and **Keep the old rules**; after a
decision, the same message with a line per decision and its buttons gone (back after an undo
that makes it wait again).

The doc's name and the summary's lines (plan and step names) are the doc's own words, so they
are clipped and escaped like the sheet's; people are mentions when the guide recorded their
Slack id (bot/slack/happened.py).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import SECTION_TEXT_LIMIT
from bot.slack.buttons import RULES_APPLY_ACTION_ID, RULES_KEEP_ACTION_ID, rules_change_value
from bot.slack.happened import when, who
from bot.slack.text import clip, escape_mrkdwn, plain_text
from engine.outcomes import RulesChangeNotice, RulesDecision

_SOURCE_LIMIT = 120
_LINE_LIMIT = 300
_DONE = {
    "applied": "✅ Applied",
    "kept": "🛑 The old rules kept",
}
_UNDONE = {"applied": "the apply", "kept": "the keeping of the old rules"}


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def rules_change_text(notice: RulesChangeNotice) -> str:
    """The fallback text: what notifications show. The doc's name only, escaped."""
    source = escape_mrkdwn(clip(notice.source, _SOURCE_LIMIT))
    changed = notice.changed_customers
    who_changes = (
        f"{changed} customer{'s' if changed != 1 else ''}' moves change"
        if changed
        else "no customer's moves change"
    )
    if notice.impact_problem:
        who_changes = "its impact was not worked out"
    waits = "; it waits for approval" if notice.open and notice.needs_approval else ""
    return f"The rules doc {source} was edited: {who_changes}{waits}"


def rules_change_message(notice: RulesChangeNotice) -> list[Block]:
    source = escape_mrkdwn(clip(notice.source, _SOURCE_LIMIT))
    days = f"{notice.days} day" + ("" if notice.days == 1 else "s")
    span = f"the {days} from {notice.since:%a %d %b}"
    if notice.impact_problem:
        problem = escape_mrkdwn(clip(notice.impact_problem, _LINE_LIMIT))
        said = f"_What it changes was not worked out: {problem}_"
    elif not notice.summary:
        said = f"No customer's moves change over {span}."
    else:
        said = f"Over {span}, for the customers on the list:\n" + _lines(notice.summary)
    blocks: list[Block] = [
        HeaderBlock(text=plain_text("The rules doc was edited", 150)),
        SectionBlock(text=_mrkdwn(f"*{source}*, change {notice.change_id}. {said}")),
        ContextBlock(elements=[_mrkdwn(_standing(notice))]),
    ]
    if notice.decisions:
        lines = "\n".join(decision_line(d) for d in notice.decisions[-10:])
        blocks.append(SectionBlock(text=_mrkdwn(lines)))
    if notice.open and notice.needs_approval:
        blocks.append(_buttons(notice.change_id))
    return blocks


def decision_line(decision: RulesDecision) -> str:
    if decision.action == "undo":
        undone = _UNDONE.get(decision.undid, escape_mrkdwn(decision.undid))
        return f"↩️ {who(decision.actor)} undid {undone} · {when(decision.at)}"
    done = _DONE.get(decision.action, escape_mrkdwn(decision.action.capitalize()))
    return f"{done} by {who(decision.actor)} · {when(decision.at)}"


def _standing(notice: RulesChangeNotice) -> str:
    if not notice.needs_approval:
        return "In force from this tick: the doc in force did not say “Rule changes need approval.”"
    if notice.open:
        return (
            "Rule changes need approval: the guide keeps the approved rules until someone "
            "applies this edit."
        )
    return "Rule changes need approval."


def _lines(summary: tuple[str, ...]) -> str:
    """A bullet per line, as many as fit the section."""
    budget = SECTION_TEXT_LIMIT - 400
    kept: list[str] = []
    for line in summary:
        bullet = f"• {escape_mrkdwn(clip(line, _LINE_LIMIT))}"
        if sum(len(k) + 1 for k in kept) + len(bullet) > budget:
            kept.append(f"• … and {len(summary) - len(kept)} more")
            break
        kept.append(bullet)
    return "\n".join(kept)


def _buttons(change_id: int) -> ActionsBlock:
    value = rules_change_value(change_id)
    confirm = ConfirmObject(
        title="Apply this edit?",
        text="The guide acts on the edited rules doc from the next tick.",
        confirm="Apply",
        deny="Not yet",
    )
    return ActionsBlock(
        block_id="og_rules_change",
        elements=[
            ButtonElement(
                text=plain_text("Apply"),
                action_id=RULES_APPLY_ACTION_ID,
                value=value,
                style="primary",
                confirm=confirm,
            ),
            ButtonElement(
                text=plain_text("Keep the old rules"),
                action_id=RULES_KEEP_ACTION_ID,
                value=value,
            ),
        ],
    )
