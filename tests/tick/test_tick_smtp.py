"""The tick end to end over real SMTP: CSV roster, rules file, SQLite, and the shared aiosmtpd
server from tests/conftest.py in place of the outbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from smtp_servers import SmtpServer
from workspace import Workspace, nine_am, row, text_part

from engine.tick import tick

ROSTER_CUSTOMERS = ["C1", "C2", "C3"]


def welcomes(server: SmtpServer) -> list[tuple[str, str, str]]:
    """(customer, step, kind) of every message the server accepted, in arrival order."""
    return [
        (str(m["X-OG-Customer-Id"]), str(m["X-OG-Step"]), str(m["X-OG-Kind"]))
        for m in (r.message for r in server.handler.received)
    ]


def test_a_refused_recipient_fails_alone_and_is_sent_once_the_row_is_fixed(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    ws = Workspace(
        tmp_path, [row("C1"), row("C2", email=smtp_server.rejected_recipient), row("C3")]
    )
    guide = ws.guide(mailer=smtp_server.url)

    report = tick(guide, nine_am("2026-11-02"))

    assert report.ran
    assert report.counts() == {"step": 3}
    # Sends run side by side, so they arrive in any order.
    assert sorted(welcomes(smtp_server)) == [("C1", "welcome", "step"), ("C3", "welcome", "step")]
    arrived = sorted(smtp_server.handler.received, key=lambda r: str(r.message["X-OG-Customer-Id"]))
    for received, cid in zip(arrived, ["C1", "C3"], strict=True):
        message = received.message
        assert received.mail_from == "guide@example.test"
        assert received.recipients == [f"{cid.lower()}@example.test"]
        assert message["To"] == f"Name {cid} <{cid.lower()}@example.test>"
        assert message["From"] == "Guide <guide@example.test>"
        assert message["Subject"] == "Welcome, Name!"
        assert message["X-OG-Journey"] == "1"
        assert "welcome to the Starter plan" in text_part(message)
    results = {r.customer_id: r for r in report.results}
    assert results["C1"].error is None and results["C3"].error is None
    c2_error = results["C2"].error
    assert c2_error and c2_error.startswith("SendError: ")
    assert "550 5.1.1 No such user here" in c2_error
    (failure,) = report.failures
    assert failure.startswith("C2: step failed: ")
    assert "nobody@example.com" in failure
    sends = guide.store.load().sends
    assert "C2" not in sends  # the claim was released, so the next tick tries again
    assert set(sends) == {"C1", "C3"}

    ws.write_rows([row("C1"), row("C2"), row("C3")])
    retry = tick(guide, nine_am("2026-11-02") + timedelta(hours=1))

    assert retry.failures == []
    assert retry.counts() == {"step": 1, "on_track": 2}
    assert {r.reason for r in retry.results if r.customer_id != "C2"} == {
        "already moved today (step welcome)"
    }
    assert len(smtp_server.handler.received) == 3
    last = smtp_server.handler.received[-1]
    assert welcomes(smtp_server)[-1] == ("C2", "welcome", "step")
    assert last.recipients == ["c2@example.test"]
    assert last.message["To"] == "Name C2 <c2@example.test>"
    assert set(guide.store.load().sends) == {"C1", "C2", "C3"}


def test_an_unreachable_server_fails_every_send_and_leaves_no_claims(
    tmp_path: Path, unused_port: int
) -> None:
    ws = Workspace(tmp_path, [row(cid) for cid in ROSTER_CUSTOMERS])
    guide = ws.guide(mailer=f"smtp://127.0.0.1:{unused_port}")

    report = tick(guide, nine_am("2026-11-02"))

    assert report.ran
    assert report.counts() == {"step": 3}
    assert sorted(f.partition(":")[0] for f in report.failures) == ROSTER_CUSTOMERS
    for failure in report.failures:
        assert f"cannot send through 127.0.0.1:{unused_port}" in failure
    assert all(r.error and r.error.startswith("SendError: ") for r in report.results)
    assert guide.store.load().sends == {}
