"""The Notifier contract: every notifier adapter must pass every test here (`under_test`,
tests/contract/conftest.py; the unsubscribe notice: test_notifier_unsubscribed_contract.py).

The console notifier writes to a stream the tests read; the Slack notifier talks through the
real slack_sdk client to the fake Web API on localhost, and the tests read what it posted.
Slack-only behaviour (direct messages, the reference, rate limits, wiring) follows below."""

from __future__ import annotations

import pytest
from builders import a_notice, an_action_notice, an_event, an_unconfirmed_notice
from fake_slack import GOOD_TOKEN, FakeSlack, message_texts
from notifiers import FLAG_CHANNEL, NotifierUnderTest, the_one_delivery
from slack_sdk import WebClient

from bot.slack.flag import flag_message
from bot.slack.notifier import SlackNotifier
from bot.slack.settings import SlackSettings
from bot.wiring import open_notifier
from engine.plans import Person
from engine.ports import OutcomeUnknownError, SendError

SLACK_ENVIRONMENT = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "OG_FLAG_CHANNEL",
    "OG_DIGEST_CHANNEL",
    "OG_ALLOWED_USERS",
    "OG_ADMINS",
)


def test_a_flag_names_the_customer_and_step_and_mentions_the_owner(
    under_test: NotifierUnderTest,
) -> None:
    under_test.notifier.flag(a_notice())

    text = the_one_delivery(under_test)
    for expected in [
        "<@U123>",
        "Ada Lovelace",
        "cust-42",
        "Analytical Engines Ltd",
        "Connect your data",
        "12",
        "no progress 3 guide days after the nudge",
        "2025-03-05 step Connect your data (sent)",
        "2025-03-10 nudge Connect your data (sent)",
    ]:
        assert expected in text


def test_each_flag_is_delivered_once_with_its_own_reference(
    under_test: NotifierUnderTest,
) -> None:
    first = under_test.notifier.flag(a_notice())
    second = under_test.notifier.flag(a_notice(customer_id="cust-43", customer_name="Grace"))

    deliveries = under_test.delivered()
    assert len(deliveries) == 2
    assert "Ada Lovelace" in deliveries[0] and "Grace" in deliveries[1]
    assert first and second and first != second


def test_a_hostile_name_cannot_forge_lines_or_drive_the_reader(
    under_test: NotifierUnderTest,
) -> None:
    under_test.notifier.flag(
        a_notice(customer_name="Eve\nFORGED: all fine\x1b[2J\u2028TOO", history=("a\r\nFAKE",))
    )

    text = the_one_delivery(under_test)
    assert "Eve FORGED: all fine" in text
    assert not any(ch in text for ch in "\x1b\r\u2028")
    assert not any(line.strip().startswith(("FORGED", "TOO", "FAKE")) for line in text.splitlines())


def test_the_doc_people_it_can_reach_are_not_reported(under_test: NotifierUnderTest) -> None:
    """Asked by every tick about the rules doc's owners; people named by member id are always
    within reach (Slack's check of people named by email: tests/slack/test_people_by_email.py)."""
    people = [Person(name="Sam Owner", slack_id="U123", line=4), Person(name="Lee", slack_id="U9")]

    assert under_test.notifier.unknown_people(people) == []
    assert under_test.delivered() == []


def test_a_failing_backend_raises_send_error(under_test: NotifierUnderTest) -> None:
    broken = under_test.break_backend()

    with pytest.raises(SendError):
        broken.flag(a_notice())
    with pytest.raises(SendError):
        broken.unconfirmed(an_unconfirmed_notice())


def test_an_unconfirmed_send_tells_the_owner_what_and_how_to_settle_it(
    under_test: NotifierUnderTest,
) -> None:
    reference = under_test.notifier.unconfirmed(an_unconfirmed_notice())

    text = the_one_delivery(under_test)
    assert reference
    for expected in [
        "<@U123>",
        "nudge email",
        "Connect your data",
        "may or may not have reached",
        "Ada Lovelace",
        "cust-42",
        "the run sending it ended before it was confirmed",
        "og unconfirmed delivered cust-42 connect-data",
        "og unconfirmed resend cust-42 connect-data",
    ]:
        assert expected in text


def test_an_unconfirmed_notice_with_a_hostile_name_forges_no_line(
    under_test: NotifierUnderTest,
) -> None:
    under_test.notifier.unconfirmed(an_unconfirmed_notice(customer_name="Eve\nFORGED: all fine"))

    text = the_one_delivery(under_test)
    assert "Eve FORGED: all fine" in text
    assert not any(line.strip().startswith("FORGED") for line in text.splitlines())


def test_an_action_on_a_flag_is_told_with_what_who_and_the_note(
    under_test: NotifierUnderTest,
) -> None:
    reference = under_test.notifier.flag(a_notice())

    under_test.notifier.acted(an_action_notice(reference))

    text = under_test.reads_now()
    for expected in ["cust-42", "U0DANA", "on leave until the 20th", "Ada Lovelace"]:
        assert expected in text
    assert "paused" in text.lower()


def test_an_undo_is_told_with_who_undid_what(under_test: NotifierUnderTest) -> None:
    reference = under_test.notifier.flag(a_notice())
    pause = an_event()
    undo = an_event(action="undo", actor="U0ADMIN", note="", undid=pause)

    under_test.notifier.acted(an_action_notice(reference, pause, undo, open=True))

    text = under_test.reads_now()
    assert "U0ADMIN" in text and "undid" in text and "U0DANA" in text


def test_a_hostile_note_cannot_forge_lines(under_test: NotifierUnderTest) -> None:
    reference = under_test.notifier.flag(a_notice())

    under_test.notifier.acted(an_action_notice(reference, an_event(note="ok\nFORGED: fine\x1b")))

    text = under_test.reads_now()
    assert "ok FORGED: fine" in text and "\x1b" not in text
    assert not any(line.strip().startswith("FORGED") for line in text.splitlines())


def test_an_action_on_a_flag_another_notifier_sent_is_no_error(
    under_test: NotifierUnderTest,
) -> None:
    """A reference this notifier never gave (the console's, a preview's) changes nothing."""
    under_test.notifier.acted(an_action_notice("preview-flag-1"))


def test_a_failing_backend_raises_send_error_when_told_of_an_action(
    under_test: NotifierUnderTest,
) -> None:
    reference = under_test.notifier.flag(a_notice())
    broken = under_test.break_backend()

    with pytest.raises(SendError):
        broken.acted(an_action_notice(reference))


# --- Slack only ----------------------------------------------------------------------------


def test_slack_posts_the_checked_blocks_and_a_fallback_to_the_flag_channel(
    fake_slack: FakeSlack,
) -> None:
    notice = a_notice()

    reference = SlackNotifier(fake_slack.client(), FLAG_CHANNEL).flag(notice)

    (posted,) = fake_slack.posted()
    assert posted["channel"] == FLAG_CHANNEL
    assert posted["text"].startswith("<@U123> Ada Lovelace")
    assert posted["blocks"] == [block.to_dict() for block in flag_message(notice)]
    channel, ts = reference.split(":")
    assert channel == FLAG_CHANNEL and (channel, ts) in fake_slack.messages
    assert [call.method for call in fake_slack.calls] == ["chat.postMessage"]


def test_slack_reference_names_the_channel_id_so_the_flag_can_be_updated(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.channels["og-flags"] = FLAG_CHANNEL

    reference = SlackNotifier(fake_slack.client(), "#og-flags").flag(a_notice())

    channel, ts = reference.split(":")
    assert channel == FLAG_CHANNEL
    fake_slack.client().chat_update(channel=channel, ts=ts, text="Done by Sam")
    assert fake_slack.messages[(channel, ts)]["text"] == "Done by Sam"


def test_slack_without_a_flag_channel_sends_the_owner_a_direct_message(
    fake_slack: FakeSlack,
) -> None:
    reference = SlackNotifier(fake_slack.client(), None).flag(a_notice())

    opened, posted = fake_slack.calls
    assert (opened.method, opened.params, opened.ok) == (
        "conversations.open",
        {"users": "U123"},
        True,
    )
    assert (posted.method, posted.params["channel"], posted.ok) == (
        "chat.postMessage",
        "D123",
        True,
    )
    assert reference.startswith("D123:")


def test_slack_direct_message_that_cannot_be_opened_is_a_send_error(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.fail("conversations.open", "user_not_found")

    with pytest.raises(SendError, match="user_not_found"):
        SlackNotifier(fake_slack.client(), None).flag(a_notice())
    assert fake_slack.posted() == []


def test_slack_refusal_carries_slacks_error_code(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", "channel_not_found")

    with pytest.raises(SendError, match="channel_not_found"):
        SlackNotifier(fake_slack.client(), "C0GONE").flag(a_notice())


def test_slack_with_a_wrong_token_is_a_send_error(fake_slack: FakeSlack) -> None:
    with pytest.raises(SendError, match="invalid_auth"):
        SlackNotifier(fake_slack.client(token="xoxb-wrong"), FLAG_CHANNEL).flag(a_notice())


def test_slack_out_of_reach_is_a_send_error(unused_port: int) -> None:
    client = WebClient(token=GOOD_TOKEN, base_url=f"http://127.0.0.1:{unused_port}/api/")

    with pytest.raises(SendError, match="cannot reach Slack"):
        SlackNotifier(client, FLAG_CHANNEL).flag(a_notice())


def test_slack_that_took_the_flag_but_never_answered_is_an_unknown_outcome_posted_once(
    slack_environment: FakeSlack,
) -> None:
    """The connection closed after Slack posted the flag: posting again would flag twice."""
    slack_environment.hang_up("chat.postMessage")

    with pytest.raises(OutcomeUnknownError, match="may have posted the flag"):
        open_notifier("slack").flag(a_notice())

    assert len(slack_environment.posted()) == 1


def test_slack_direct_message_channel_lost_on_the_way_is_retried_next_tick(
    slack_environment: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the DM is not the flag: nothing was posted, so the next tick tries again."""
    monkeypatch.setenv("OG_FLAG_CHANNEL", "")
    slack_environment.hang_up("conversations.open")

    with pytest.raises(SendError) as caught:
        open_notifier("slack").flag(a_notice())

    assert not isinstance(caught.value, OutcomeUnknownError)
    assert slack_environment.posted() == []


def test_slack_hostile_sheet_text_arrives_escaped_and_pings_only_the_owner(
    fake_slack: FakeSlack,
) -> None:
    SlackNotifier(fake_slack.client(), FLAG_CHANNEL).flag(
        a_notice(customer_name="<!channel> *Eve*", company="<@U999> & Co", step_name="_x_")
    )

    (posted,) = fake_slack.posted()
    parsed = message_texts(posted["blocks"], "mrkdwn")
    for text in [*parsed, posted["text"]]:
        assert text.replace("<@U123>", "", 1).count("<") == 0
    assert "&lt;!channel&gt; ∗Eve∗" in posted["text"]
    assert "&lt;@U999&gt; &amp; Co" in posted["text"]


# --- Slack wiring --------------------------------------------------------------------------


@pytest.fixture
def slack_environment(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> FakeSlack:
    """The environment `og` reads with OG_NOTIFIER=slack, pointed at the fake."""
    for name in SLACK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url.removesuffix("/"))
    monkeypatch.setenv("OG_FLAG_CHANNEL", FLAG_CHANNEL)
    return fake_slack


def test_wiring_opens_a_slack_notifier_from_the_environment(
    slack_environment: FakeSlack,
) -> None:
    notifier = open_notifier("slack")

    notifier.flag(a_notice())
    assert [p["channel"] for p in slack_environment.posted()] == [FLAG_CHANNEL]


def test_wiring_without_a_flag_channel_sends_direct_messages(
    slack_environment: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OG_FLAG_CHANNEL", "")

    open_notifier("slack").flag(a_notice())

    assert [p["channel"] for p in slack_environment.posted()] == ["D123"]


def test_wiring_waits_out_one_rate_limit_and_posts_once(slack_environment: FakeSlack) -> None:
    slack_environment.fail("chat.postMessage", "ratelimited")

    open_notifier("slack").flag(a_notice())

    attempts = slack_environment.calls_to("chat.postMessage")
    assert [call.error for call in attempts] == ["ratelimited", None]
    assert len(slack_environment.posted()) == 1


def test_wiring_gives_up_after_two_rate_limit_retries(slack_environment: FakeSlack) -> None:
    slack_environment.fail("chat.postMessage", "ratelimited", times=3)

    with pytest.raises(SendError, match="ratelimited"):
        open_notifier("slack").flag(a_notice())
    assert len(slack_environment.calls_to("chat.postMessage")) == 3


def test_wiring_names_the_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        open_notifier("slack")


def test_slack_settings_read_lists_comma_separated_and_blank_as_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SLACK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("OG_ALLOWED_USERS", " U1, U2,,U3 ")
    monkeypatch.setenv("OG_DIGEST_CHANNEL", "  ")

    settings = SlackSettings()

    assert settings.bot_token.get_secret_value() == "xoxb-1"
    assert settings.signing_secret is not None
    assert settings.signing_secret.get_secret_value() == "shh"
    assert settings.allowed_users == ["U1", "U2", "U3"]
    assert settings.admins == []
    assert settings.flag_channel is None and settings.digest_channel is None
    assert settings.api_url is None
    assert "xoxb-1" not in repr(settings)


def test_an_unconfirmed_notice_in_slack_pings_only_the_owner(fake_slack: FakeSlack) -> None:
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)
    notifier.unconfirmed(
        an_unconfirmed_notice(customer_name="<!channel> *Eve*", step_name="<@U999>")
    )
    (posted,) = fake_slack.posted()
    mrkdwn = [posted["text"]] + [
        block["text"]["text"]
        for block in posted["blocks"]
        if block.get("text", {}).get("type") == "mrkdwn"
    ]
    for text in mrkdwn:
        assert "<!channel>" not in text and "<@U999>" not in text and "*Eve*" not in text
    assert all(text.startswith("<@U123> ") for text in mrkdwn)


# --- Slack: the flag after an action ------------------------------------------------------


def test_slack_rewrites_the_same_flag_keeping_its_details_with_a_line_and_no_buttons(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)
    channel, ts = notifier.flag(a_notice()).split(":")
    sent = fake_slack.messages[(channel, ts)]["blocks"]

    notifier.acted(an_action_notice(f"{channel}:{ts}"))

    (update,) = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (channel, ts)
    blocks = fake_slack.messages[(channel, ts)]["blocks"]
    assert blocks[:3] == sent[:3]  # header, details, journey: as they were
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "actions"]
    # No buttons: only the overflow menu (Show the last email) stays.
    assert [e["type"] for e in blocks[4]["elements"]] == ["overflow"]
    assert blocks[4]["elements"][0] == sent[-1]["elements"][-1]
    (line,) = message_texts(blocks[3:4])
    epoch = int(an_event().at.timestamp())
    assert line.startswith(f"⏸ Paused by <@U0DANA> · <!date^{epoch}^{{date_short_pretty}}")
    assert line.endswith("|2026-11-08 09:30 UTC> — “on leave until the 20th”")
    assert "Paused by <@U0DANA>" in fake_slack.messages[(channel, ts)]["text"]


def test_slack_gives_an_open_flag_its_buttons_back(fake_slack: FakeSlack) -> None:
    notifier = SlackNotifier(fake_slack.client(), None)
    reference = notifier.flag(a_notice())
    sent = fake_slack.messages[tuple(reference.split(":"))]["blocks"]
    pause = an_event()

    notifier.acted(an_action_notice(reference, pause))
    notifier.acted(
        an_action_notice(reference, pause, an_event(action="undo", undid=pause), open=True)
    )

    blocks = fake_slack.messages[tuple(reference.split(":"))]["blocks"]
    assert reference.startswith("D123:")  # a direct message's flag changes as well
    assert blocks[-1] == sent[-1] and blocks[-1]["type"] == "actions"
    lines = message_texts([blocks[-2]])[0].splitlines()
    assert lines[0].startswith("⏸ Paused by <@U0DANA>")
    assert lines[1].startswith("↩️ <@U0DANA> undid the pause by <@U0DANA>")


def test_slack_republishes_the_home_tab_of_a_slack_user_who_acted(fake_slack: FakeSlack) -> None:
    published: list[str] = []
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL, home=published.append)
    reference = notifier.flag(a_notice())

    notifier.acted(an_action_notice(reference))
    notifier.acted(an_action_notice(reference, an_event(actor="dana")))  # og pause --by dana

    assert published == ["U0DANA"]


def test_slack_updates_every_flag_it_can_and_names_the_one_it_could_not(
    fake_slack: FakeSlack,
) -> None:
    notifier = SlackNotifier(fake_slack.client(), FLAG_CHANNEL)
    first, second = notifier.flag(a_notice()), notifier.flag(a_notice(step="setup"))
    fake_slack.fail("chat.update", "message_not_found")
    told = an_action_notice(first)
    both = told.model_copy(
        update={"flags": (*told.flags, told.flags[0].model_copy(update={"reference": second}))}
    )

    with pytest.raises(SendError, match=f"the flag {first} was not updated: .*message_not_found"):
        notifier.acted(both)

    assert [call.ok for call in fake_slack.calls_to("chat.update")] == [False, True]
    second_key = tuple(second.split(":"))
    assert "Paused by" in fake_slack.messages[second_key]["text"]
