"""`og email CUSTOMER [STEP] [--kind step|nudge|finish] [--html FILE]`: print an email as it
would go out now (its headers and text part, from the configured sender), and write its HTML
part to a file to open in a browser."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot import output
from engine.adapters.email_message import build_message, parse_sender
from engine.email_preview import email_to_show
from engine.guide import Guide
from engine.models import SendKind
from engine.ports import SendError


def add_parser(commands: argparse._SubParsersAction, *parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    email = commands.add_parser(
        "email", parents=list(parents), help="an email as it would go out now"
    )
    email.add_argument("customer")
    email.add_argument("step", nargs="?", help="a step id or name (default: the next email)")
    email.add_argument("--kind", choices=["step", "nudge", "finish"])
    email.add_argument("--html", type=Path, metavar="FILE", help="also write the HTML part here")


def run(args: argparse.Namespace, guide: Guide, now: datetime, sender: str) -> int:
    kind = SendKind(args.kind) if args.kind else None
    email = email_to_show(guide, args.customer, now, args.step, kind)
    if isinstance(email, str):
        output.error(email)
        return 1
    try:
        built = build_message(email, sender, parse_sender(sender).domain)
    except (SendError, ValueError) as error:
        output.error(f"this email could not go out: {error}")
        return 1
    message = built.message
    for name, value in message.items():
        print(f"{name}: {value}")
    print()
    print(email.body, end="")
    if args.html:
        args.html.write_text(email.html, encoding="utf-8")
        # On stderr: stdout is the email alone, to pipe or save.
        print(f"the HTML part is in {args.html}", file=sys.stderr)
    return 0
