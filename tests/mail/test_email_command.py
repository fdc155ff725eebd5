"""`og email`: a rep sees an email exactly as the tick would send it, before it goes out; the
HTML part lands in a file to open in a browser. Run as a user runs it (a real process)."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from workspace import Workspace, og, row


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", plan="Pro")])


def test_the_next_email_is_shown_as_the_tick_then_sends_it(ws: Workspace) -> None:
    shown = og(ws, "email", "C1", "--now", "2026-11-02", "--html", str(ws.root / "c1.html"))
    assert shown.returncode == 0, shown.stderr
    headers, _, text = shown.stdout.partition("\n\n")
    assert "X-OG-Step: welcome" in headers and "X-OG-Kind: step" in headers
    assert "Content-Type: multipart/alternative" in headers
    html = (ws.root / "c1.html").read_text(encoding="utf-8")
    assert 'class="button"' in html and "Mark welcome as done" in html
    assert not ws.outbox.exists()  # nothing was sent
    # The tick sends the same words (the link's expiry and the message id aside).
    assert og(ws, "tick", "--now", "2026-11-02").returncode == 0
    sent = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in ws.outbox.iterdir()]
    (message,) = [m for m in sent if m["X-OG-Customer-Id"] == "C1"]
    body = message.get_body(("plain",))
    assert body is not None
    sent_text = body.get_content().replace("\r\n", "\n")
    assert _without_links(sent_text) == _without_links(text)
    assert message["Subject"] in headers


def _without_links(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if "/done/" not in line and "/unsubscribe/" not in line
    ]


def test_a_named_step_a_nudge_and_the_wrap_up_can_each_be_seen(ws: Workspace) -> None:
    setup = og(ws, "email", "C1", "setup", "--kind", "nudge", "--now", "2026-11-02")
    assert setup.returncode == 0, setup.stderr
    assert "X-OG-Kind: nudge" in setup.stdout and "X-OG-Step: setup" in setup.stdout
    wrap_up = og(ws, "email", "C1", "--kind", "finish", "--now", "2026-11-02")
    assert wrap_up.returncode == 0 and "X-OG-Kind: finish" in wrap_up.stdout


def test_a_step_the_plan_lacks_or_a_customer_not_on_the_list_is_said_plainly(
    ws: Workspace,
) -> None:
    missing_step = og(ws, "email", "C1", "nope", "--now", "2026-11-02")
    assert missing_step.returncode == 1
    assert "has no step 'nope'" in missing_step.stderr and "welcome" in missing_step.stderr
    nobody = og(ws, "email", "C9", "--now", "2026-11-02")
    assert nobody.returncode == 1 and "C9" in nobody.stderr
