"""The weekly digest and what came back from the guide's email: who wrote back and waits for a
person (with Resume guide, clicked through Bolt), whose address was given up, replies and soft
bounces counted, and the week's mail that matched nobody."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from fake_slack import FakeSlack, message_texts
from slack_flow import DAY0, Flagged
from workspace import Workspace, og, row

from bot.runtime import digest_poster
from bot.slack.blocks import check_message
from bot.slack.digest import digest_messages, digest_text
from bot.slack.settings import SlackSettings
from engine.actions import pause, resume_guide
from engine.digest import (
    Digest,
    PausedCustomer,
    UndeliverableCustomer,
    UnmatchedMail,
    WaitingCustomer,
    build_digest,
)
from engine.guide import Guide
from engine.heard import hear
from engine.inbound import Bounce, Inbound, InboundKind
from engine.inbox import Inbox
from engine.tick import tick
from engine.undo import undo

HOSTILE = "<!channel> *now* <http://x|y>"


def _reply(customer_id: str) -> Inbound:
    sender = f"{customer_id.lower()}@example.test"
    return Inbound(kind=InboundKind.REPLY, sender=sender, subject="Re: hi", new_text="a question")


def _bounce(customer_id: str, permanent: bool) -> Inbound:
    to = f"{customer_id.lower()}@example.test"
    bounce = Bounce(to, "5.1.1" if permanent else "4.2.2", permanent=permanent)
    return Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,))


def _heard(guide: Guide, customer_id: str, inbound: Inbound, at: datetime) -> None:
    """`hear` at `at`, its audit row stamped then too (the digest counts the week's rows)."""
    guide.wall_clock = lambda: at
    hear(guide, customer_id, inbound, at)


def _stranger(subject: str) -> Inbound:
    return Inbound(kind=InboundKind.REPLY, sender="stranger@elsewhere.test", subject=subject)


def test_the_digest_lists_the_waiting_the_undeliverable_and_the_unmatched(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row(cid) for cid in ("WROTE", "OLD", "GONE", "SOFT", "QUIET")])
    guide = ws.guide()
    for day in range(9):  # the silent ones are flagged on day 7, a Monday
        if day == 2:
            _heard(guide, "OLD", _reply("OLD"), DAY0 + timedelta(days=2))
        tick(guide, DAY0 + timedelta(days=day))
    now = DAY0 + timedelta(days=10)
    _heard(guide, "WROTE", _reply("WROTE"), now - timedelta(days=1))
    _heard(guide, "GONE", _bounce("GONE", permanent=True), now)
    _heard(guide, "SOFT", _bounce("SOFT", permanent=False), now)
    Inbox(guide, now - timedelta(days=8)).take("k-old", _stranger("last month's"))
    Inbox(guide, now - timedelta(hours=2)).take("k-new", _stranger(HOSTILE))

    digest = build_digest(guide, now)

    waiting = [(w.customer_id, w.since, w.days) for w in digest.waiting]
    assert waiting == [("OLD", date(2026, 11, 4), 8), ("WROTE", date(2026, 11, 11), 1)]
    # WROTE's flag waits with it; OLD wrote back before any.
    assert {f.customer_id for f in digest.open_flags} == {"GONE", "SOFT", "QUIET"}
    assert digest.undeliverable == [
        UndeliverableCustomer(
            customer_id="GONE",
            name="Name GONE",
            email="gone@example.test",
            reason="bounced for good (5.1.1)",
        )
    ]
    assert (digest.replied_this_week, digest.soft_bouncing) == (1, 1)
    assert [(u.sender, u.subject) for u in digest.unmatched] == [
        ("stranger@elsewhere.test", HOSTILE)
    ]


def test_og_digest_prints_them(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("WROTE"), row("GONE")])
    guide = ws.guide()
    tick(guide, DAY0)
    _heard(guide, "WROTE", _reply("WROTE"), DAY0 + timedelta(days=1))
    _heard(guide, "GONE", _bounce("GONE", permanent=True), DAY0 + timedelta(days=1))
    Inbox(guide, DAY0 + timedelta(days=1)).take("k", _stranger("[/oops] who is this?"))

    printed = og(ws, "digest", "--now", "2026-11-04")

    assert printed.returncode == 0, printed.stderr
    assert "Wrote back, waiting for a person (1)" in printed.stdout
    assert "wrote back=2026-11-03" in printed.stdout
    assert "why=bounced for good (5.1.1)" in printed.stdout
    assert "subject=[/oops] who is this?" in printed.stdout
    assert "replies this week: 1; soft-bouncing addresses: 0" in printed.stdout


def test_each_resume_is_its_own_and_what_strangers_wrote_stays_text() -> None:
    digest = Digest(
        today=date(2026, 11, 23),
        paused=[
            PausedCustomer(
                customer_id="P1", journey=1, name="P", company="", note="", since=None, days=None
            )
        ],
        waiting=[
            WaitingCustomer(
                customer_id=f"W{n}",
                journey=2,
                name=f"W {n}",
                company="Acme",
                since=date(2026, 11, 20),
                days=3,
            )
            for n in range(2)
        ],
        undeliverable=[
            UndeliverableCustomer(customer_id="U", name="U", email="u@x", reason=HOSTILE)
        ],
        unmatched=[
            UnmatchedMail(
                at=datetime(2026, 11, 20, 9), kind="reply", sender=HOSTILE, subject=HOSTILE
            )
        ],
        replied_this_week=2,
    )

    (message,) = digest_messages(digest)

    check_message(message)
    blocks = [block.to_dict() for block in message]
    resumes = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(r["action_id"], r["text"]["text"]) for r in resumes] == [
        ("og_resume_0", "Resume"),
        ("og_resume_1", "Resume guide"),
        ("og_resume_2", "Resume guide"),
    ]
    mrkdwn = message_texts(blocks, "mrkdwn")
    assert "*W 0* (W0) · Acme\nwrote back 3 days ago (20 Nov)" in mrkdwn
    for text in mrkdwn:
        assert "<!" not in text and "<http" not in text and "*now*" not in text
    shown = "\n".join(mrkdwn)
    assert "• *U* (U): u@x, &lt;!channel&gt; ∗now∗ &lt;http://x|y&gt;" in shown
    assert "• 20 Nov: reply from &lt;!channel&gt; ∗now∗" in shown
    assert digest_text(digest) == (
        "Weekly digest, Mon 23 Nov 2026: 1 paused, 2 waiting after a reply, "
        "1 undeliverable address, 2 replies this week, 1 email matched nobody"
    )


def test_resume_guide_in_the_digest_lifts_the_wait_after_a_reply(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    now = DAY0 + timedelta(days=8)
    hear(flagged.guide, "C1", _reply("C1"), now)
    slack = SlackSettings(
        bot_token=fake_slack.token, digest_channel="C0DIGEST", api_url=fake_slack.url
    )
    before = set(fake_slack.messages)
    digest_poster(flagged.guide, slack)(DAY0 + timedelta(days=14))
    (digest,) = [key for key in fake_slack.messages if key not in before]
    assert "wrote back 6 days ago" in json.dumps(fake_slack.messages[digest]["blocks"])

    assert flagged.click(action_id="og_resume_0", on=digest) == 200

    assert flagged.guide.store.load_one("C1").history("C1").state.replied_on is None
    updated = json.dumps(fake_slack.messages[digest]["blocks"])
    assert "og_resume_0" not in updated and "Resumed by <@U0DANA>" in updated


def test_a_paused_customer_who_wrote_back_is_listed_once_and_resumed_once(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    guide = ws.guide()
    tick(guide, DAY0)
    hear(guide, "C1", _reply("C1"), DAY0 + timedelta(days=1))
    pause(guide, "C1", "on leave", "dana", DAY0 + timedelta(days=1))
    digest = build_digest(guide, DAY0 + timedelta(days=2))
    assert [p.customer_id for p in digest.paused] == ["C1"] and digest.waiting == []


def test_a_reply_already_answered_still_counts_for_its_week_and_an_undone_one_not(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("ANSWERED"), row("MISTAKE")])
    guide = ws.guide()
    tick(guide, DAY0)
    _heard(guide, "ANSWERED", _reply("ANSWERED"), DAY0 + timedelta(days=1))
    _heard(guide, "MISTAKE", _reply("MISTAKE"), DAY0 + timedelta(days=1))
    resume_guide(guide, "ANSWERED", "U0DANA", DAY0 + timedelta(days=2))
    undo(guide, "MISTAKE", "U0DANA", DAY0 + timedelta(days=2))

    digest = build_digest(guide, DAY0 + timedelta(days=3))

    assert digest.waiting == [] and digest.replied_this_week == 1
