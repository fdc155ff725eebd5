"""A real embedded-default workspace on disk (CSV roster, rules file, SQLite, outbox)."""

from __future__ import annotations

import csv
import email
import email.policy
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from io import StringIO
from pathlib import Path

from bot.wiring import build_guide
from engine.adapters.console_notifier import ConsoleNotifier
from engine.guide import Guide
from engine.settings import Settings

RULES = """\
# Rules for tests

Send every day.
Nudge after 2 days, flag after 3 more days.
Owner: Dana Reyes <@U0DANA>.
Hand-off owners: Sam Ortiz <@U0SAM>.

Starter plan: welcome on day 0, setup on day 2, check-in on day 6. Pro plan: welcome on day 0,
connect data on day 1, feature tour on day 3, invite team on day 5, check-in on day 9.

## Messages

### Welcome
Subject: Welcome, {first_name}!

Hi {first_name}, welcome to the {plan} plan. Done? {done_link}

### Setup
Subject: Set up {company}

Time to set up. {done_link}

### Check-in
Subject: How is it going?

Checking in, {first_name}.

### Connect data
Subject: Connect your data

Connect it. {done_link}

### Feature tour
Subject: A quick tour

Have a look around.

### Invite team
Subject: Bring your team

Invite them.

### Nudge
Subject: Re: {original_subject}

Just a gentle reminder about "{original_subject}". {done_link}

### Wrap-up
Subject: You're all set, {first_name}

Thanks from {owner_name}.
"""

HEADER = ["customer_id", "name", "company", "email", "plan", "signup_date", "notes"]
SECRET = "test-link-secret"


def row(
    cid: str, plan: str = "Starter", signup: str = "2026-11-02", **extra: str
) -> dict[str, str]:
    values = {
        "customer_id": cid,
        "name": f"Name {cid}",
        "company": f"Co {cid}",
        "email": f"{cid.lower()}@example.test",
        "plan": plan,
        "signup_date": signup,
        "notes": f"keep me {cid}",
    }
    values.update(extra)
    return values


class Workspace:
    def __init__(self, root: Path, rows: Sequence[dict[str, str]], rules: str = RULES) -> None:
        self.root = root
        self.roster_path = root / "roster.csv"
        self.rules_path = root / "rules.md"
        self.outbox = root / "outbox"
        self.db = root / "og.db"
        self.flags = StringIO()
        self.rules_path.write_text(rules, encoding="utf-8")
        self.write_rows(rows)

    def write_rows(self, rows: Sequence[dict[str, str]]) -> None:
        header = list(HEADER)
        for r in rows:
            header += [k for k in r if k not in header]
        with self.roster_path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)

    def read_rows(self) -> list[dict[str, str]]:
        with self.roster_path.open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    def settings(self, **overrides: str) -> Settings:
        values = {
            "roster": str(self.roster_path),
            "rules": str(self.rules_path),
            "state": f"sqlite:///{self.db}",
            "mailer": f"outbox:{self.outbox}",
            "timezone": "UTC",
            "base_url": "https://og.example.test",
            "link_secret": SECRET,
            "mail_from": "Guide <guide@example.test>",
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def guide(self, **overrides: str) -> Guide:
        guide = build_guide(self.settings(**overrides))
        guide.notifier = ConsoleNotifier(stream=self.flags)
        return guide

    def env(self) -> dict[str, str]:
        settings = self.settings()
        return {
            f"OG_{key.upper()}": str(value)
            for key, value in settings.model_dump().items()
            if value is not None
        } | {"OG_LINK_SECRET": SECRET}

    def emails(self) -> list[EmailMessage]:
        messages = []
        for path in sorted(self.outbox.glob("*.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            messages.append(parsed)
        return messages

    def sent(self) -> list[tuple[str, str, str]]:
        """(customer, step, kind) of every email in the outbox, in file order."""
        return sorted(
            (str(m["X-OG-Customer-Id"]), str(m["X-OG-Step"]), str(m["X-OG-Kind"]))
            for m in self.emails()
        )


def nine_am(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)


OG = [sys.executable, "-m", "bot.cli"]
"""The `og` command line, as a user runs it: its own process."""


def og(ws: Workspace, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `og ARGS` in the workspace, with its settings (and `env`) in the environment."""
    return subprocess.run(
        [*OG, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **ws.env(), **env},
        cwd=ws.root,
        timeout=120,
    )


def text_part(message: EmailMessage) -> str:
    """An email's text part, decoded, with plain line ends (every email has HTML beside it)."""
    body = message.get_body(("plain",))
    assert body is not None, "the email has no text part"
    return str(body.get_content()).replace("\r\n", "\n")
