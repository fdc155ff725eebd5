"""The README's default set-up, end to end: no OG_FLAG_CHANNEL (each flag is a direct message
to its owner) and no OG_ALLOWED_USERS. The tick sends the owner a DM; the owner clicks Done in
it and the customer is finished; anyone else's click is refused, told only to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_flow import Flagged, buttons_on
from workspace import row


@pytest.mark.parametrize(
    ("owner", "owner_cell"),
    [("U0DANA", None), ("U0KIM", "Kim Lee <@U0KIM>")],
    ids=["the plan's owner", "an owner the rules doc does not name"],
)
def test_the_owner_finishes_a_customer_from_the_flag_in_their_direct_messages(
    tmp_path: Path, fake_slack: FakeSlack, owner: str, owner_cell: str | None
) -> None:
    customer = row("C1", owner=owner_cell) if owner_cell else row("C1")
    flagged = Flagged(
        tmp_path, fake_slack, allowed=(), admins=(), flag_channel=None, customer=customer
    )

    # The tick flagged C1 in the owner's DM with the app.
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == owner
    assert flagged.channel == "D" + owner[1:]

    assert flagged.click(user="U0MALLORY") == 200
    assert flagged.row().get("finished") in ("", None)
    assert flagged.guide.store.audit_trail("C1") == []
    (refusal,) = fake_slack.calls_to("chat.postEphemeral")
    assert refusal.params["user"] == "U0MALLORY" and refusal.params["channel"] == flagged.channel
    assert refusal.params["text"].startswith("Only the onboarding team can act on customers")

    assert flagged.click(user=owner) == 200

    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", owner)
    flag = fake_slack.messages[(flagged.channel, flagged.ts)]
    assert buttons_on(flag) == []
    assert f"✅ Finished by <@{owner}>" in json.dumps(flag["blocks"], ensure_ascii=False)


def test_an_owner_only_the_roster_names_pauses_from_the_modal_of_their_dm_flag(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """The modal carries whom the flag was for, so its submission lets them as the click did."""
    customer = row("C1", owner="Kim Lee <@U0KIM>")
    flagged = Flagged(
        tmp_path, fake_slack, allowed=(), admins=(), flag_channel=None, customer=customer
    )

    flagged.click(user="U0KIM", action_id="og_pause")
    (view,) = fake_slack.views.values()
    note = {"note": {"note": {"type": "plain_text_input", "value": "back in March"}}}
    assert flagged.submit(view, note, user="U0KIM") == 200

    assert flagged.last_body == ""  # accepted: the modal closes
    assert (flagged.row()["paused"], flagged.row()["paused_note"]) == ("TRUE", "back in March")
    flagged.submit(view, note, user="U0MALLORY")  # the same modal's body, someone else's
    assert "Only the onboarding team" in json.loads(flagged.last_body)["errors"]["note"]
