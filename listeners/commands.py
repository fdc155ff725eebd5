"""The `/og` slash command: `status`, `why`, `resume`, `undo` (admins only) and `help`.

Every answer is ephemeral. The command is acknowledged at once — with the answer itself when
it needs no reading (help, a typo, a refusal) — and the rest answers through the response
URL from a lazy listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.slack.access import command_refusal
from bot.slack.context import SlackContext
from bot.slack.happened import event_line
from bot.slack.replies import HELP, status_blocks, why_blocks
from bot.slack.text import escape_mrkdwn
from engine.actions import ActionOutcome, resume_guide
from engine.queries import rule_lines, timeline, view_customer
from engine.undo import undo

COMMAND = "/og"
SUBCOMMANDS = ("status", "why", "resume", "undo")
FORCE = "--force"


@dataclass(frozen=True)
class Request:
    subcommand: str
    customer_id: str
    force: bool = False


def parse(text: str) -> Request | str:
    """The request in `/og TEXT`, or what to answer instead (help, or why it is not one)."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return HELP
    subcommand = words[0].lower()
    if subcommand not in SUBCOMMANDS:
        return f"`/og` does not know “{escape_mrkdwn(words[0])}”.\n{HELP}"
    force = FORCE in words[1:]
    customer_id = " ".join(w for w in words[1:] if w != FORCE)
    if not customer_id:
        return f"Which customer? `/og {subcommand} CUSTOMER`"
    if force and subcommand != "undo":
        return f"`{FORCE}` only goes with `/og undo`."
    return Request(subcommand=subcommand, customer_id=customer_id, force=force)


def refusal(context: SlackContext, request: Request, user: str, client: WebClient) -> str | None:
    return command_refusal(context, user, client, undo=request.subcommand == "undo")


def register(app: App, context: SlackContext) -> None:
    def is_request(command: dict[str, Any]) -> bool:
        return isinstance(parse(command.get("text", "")), Request)

    def check(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        request = parse(command.get("text", ""))
        assert isinstance(request, Request)  # the matcher let only requests through
        denied = refusal(context, request, command["user_id"], client)
        if denied:
            ack(text=denied)
            return
        ack()

    def answer(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request = parse(command.get("text", ""))
        user = command["user_id"]
        if not isinstance(request, Request) or refusal(context, request, user, client):
            return  # answered in the acknowledgement
        text, blocks = run(context, request, user)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def help_or_usage(ack: Ack, command: dict[str, Any]) -> None:
        """Help and typos need no reading: answered in the acknowledgement, no lazy work."""
        ack(text=str(parse(command.get("text", ""))))

    app.command(COMMAND, matchers=[is_request])(ack=check, lazy=[answer])
    app.command(COMMAND)(help_or_usage)


def run(context: SlackContext, request: Request, user: str) -> tuple[str, list[Block] | None]:
    """The answer to one request as (text, blocks); blocks None for a one-line answer."""
    guide, now, customer_id = context.guide, context.clock(), request.customer_id
    if request.subcommand in ("status", "why"):
        view = view_customer(guide, customer_id, now)
        if isinstance(view, str):
            return escape_mrkdwn(view), None
        if request.subcommand == "status":
            return f"Status of {escape_mrkdwn(customer_id)}", status_blocks(view, timeline(view))
        return f"Why {escape_mrkdwn(customer_id)}", why_blocks(view, rule_lines(view))
    if request.subcommand == "resume":
        return _said(resume_guide(guide, customer_id, user, now)), None
    outcome = undo(guide, customer_id, user, now, force=request.force)
    notice = outcome.notice
    if notice is None:
        return _said(outcome), None
    # Said with the people in it as mentions, as the flags say it.
    detail = f"\n{escape_mrkdwn(notice.detail)}" if notice.detail else ""
    said = f"✅ {escape_mrkdwn(customer_id)}: {event_line(notice.event)}{detail}"
    return said + _warned(outcome), None


def _said(outcome: ActionOutcome) -> str:
    mark = "✅" if outcome.changed else ("ℹ️" if outcome.ok else "⚠️")
    return f"{mark} {escape_mrkdwn(outcome.message)}" + _warned(outcome)


def _warned(outcome: ActionOutcome) -> str:
    return f"\n⚠️ {escape_mrkdwn(outcome.warning)}" if outcome.warning else ""
