"""The paused customer's whole loop in Slack: flag -> Pause -> modal with a note -> the weekly
digest lists her with the note -> Resume in the digest -> the next tick carries on."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fake_slack import FakeSlack
from slack_flow import DAY0, Flagged
from workspace import row

from bot.runtime import digest_poster
from bot.slack.settings import SlackSettings
from engine.tick import tick

DIGEST_CHANNEL = "C0DIGEST"


def pause_with_note(flagged: Flagged, note: str) -> None:
    flagged.click(action_id="og_pause")
    (view,) = flagged.fake.views.values()
    flagged.submit(view, {"note": {"note": {"type": "plain_text_input", "value": note}}})


def post_digest(flagged: Flagged, days: int) -> list[tuple[str, str]]:
    slack = SlackSettings(
        bot_token=flagged.fake.token, digest_channel=DIGEST_CHANNEL, api_url=flagged.fake.url
    )
    before = set(flagged.fake.messages)
    digest_poster(flagged.guide, slack)(DAY0 + timedelta(days=days))
    return [key for key in flagged.fake.messages if key not in before]


def test_paused_from_a_flag_listed_in_the_digest_and_resumed_from_it(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    pause_with_note(flagged, "on leave until the 20th")
    assert tick(flagged.guide, DAY0 + timedelta(days=9)).results[0].reason.startswith("paused")

    (digest,) = post_digest(flagged, days=14)
    message = flagged.fake.messages[digest]
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Name C1" in text and "on leave until the 20th" in text and "paused 6 days" in text
    (button,) = [
        b["accessory"] for b in message["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert button["action_id"] == "og_resume_0"

    assert flagged.click(action_id="og_resume_0", on=digest) == 200

    assert flagged.row()["paused"] == ""
    latest = flagged.guide.store.audit_trail("C1")[0]
    assert (latest.action, latest.actor) == ("resumed", "U0DANA")
    updated = flagged.fake.messages[digest]
    assert "og_resume_0" not in json.dumps(updated["blocks"])
    assert "Resumed by <@U0DANA>" in json.dumps(updated["blocks"])
    assert "on leave until the 20th" in json.dumps(updated["blocks"])  # her line stays
    # The journey carries on: the next tick acts on her again.
    result = tick(flagged.guide, DAY0 + timedelta(days=8)).results[0]
    assert not result.reason.startswith("paused")
    assert result.move in {"step", "nudge", "flag", "on_track"}

    # A second click on the same (stale) digest button changes nothing.
    flagged.click(action_id="og_resume_0", on=digest)
    assert flagged.ephemerals()[-1] == "C1 is not paused"
    assert flagged.guide.store.audit_trail("C1")[0].id == latest.id


def test_a_sixty_customer_digest_is_split_into_a_thread(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    flagged = Flagged(tmp_path, fake_slack)
    flagged.ws.write_rows(
        [row("C1"), *(row(f"P{n:02}", paused="TRUE", paused_note=f"note {n}") for n in range(60))]
    )
    tick(flagged.guide, DAY0 + timedelta(days=6))

    posted = post_digest(flagged, days=7)

    assert len(posted) > 1
    first, *rest = (flagged.fake.messages[key] for key in posted)
    assert "thread_ts" not in first
    assert all(reply["thread_ts"] == first["ts"] for reply in rest)
    assert all(len(message["blocks"]) <= 50 for message in (first, *rest))
    buttons = [
        b["accessory"]["value"]
        for m in (first, *rest)
        for b in m["blocks"]
        if b.get("accessory", {}).get("type") == "button"
    ]
    assert sorted(json.loads(v)["c"] for v in buttons) == [f"P{n:02}" for n in range(60)]

    # Resume the last one, in a thread reply: only that line of that message changes.
    last_key = posted[-1]
    last = flagged.fake.messages[last_key]
    (action_id, customer) = next(
        (b["accessory"]["action_id"], json.loads(b["accessory"]["value"])["c"])
        for b in reversed(last["blocks"])
        if b.get("accessory", {}).get("type") == "button"
    )
    flagged.click(action_id=action_id, on=last_key)
    paused = {r["customer_id"]: r["paused"] for r in flagged.ws.read_rows()}
    assert paused[customer] == "" and sum(v == "TRUE" for v in paused.values()) == 59
