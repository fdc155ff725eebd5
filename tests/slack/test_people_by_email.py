"""Owners named by work email in the rules doc: looked up with `users.lookupByEmail` on the fake
Slack Web API over HTTP, remembered in the state store, and an address Slack does not know
reported with its line by every tick and by `og rules check`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from builders import a_notice, an_unconfirmed_notice
from fake_slack import GOOD_TOKEN, FakeSlack, message_texts
from slack_flow import DAY0, SECRET, Flagged, InlineExecutor
from workspace import RULES, Workspace, og, row

from bot.app import create_app
from bot.slack.context import SlackContext
from bot.slack.notifier import SlackNotifier
from bot.slack.people import KNOWN_FOR, UNKNOWN_FOR, LookupFailed, SlackPeople, UnknownMember
from bot.slack.settings import SlackSettings
from bot.wiring import open_store
from engine.plans import Person
from engine.ports import SendError, StateStore
from engine.tick import TickReport, tick

BY_EMAIL = RULES.replace(
    "Owner: Dana Reyes <@U0DANA>.", "Owner: Dana Reyes <dana@acme.test>."
).replace(
    "Hand-off owners: Sam Ortiz <@U0SAM>.",
    "Hand-off owners: Sam Ortiz <sam@acme.test>, Kim Park <kim@acme.test>.",
)
OWNER_LINE, HAND_OFF_LINE = 5, 6
KIM_UNKNOWN = (
    "Slack knows no member with the email kim@acme.test: check the address, or write them "
    "with their member id, as Kim Park <@MEMBERID> (in Slack: the person's profile → ⋮ → "
    "Copy member ID)"
)


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    """Dana and Sam are members; nobody has kim@acme.test."""
    fake_slack.add_user("U0DANA", "Dana Reyes", email="dana@acme.test")
    fake_slack.add_user("U0SAM", "Sam Ortiz", email="Sam@Acme.test")
    return fake_slack


def lookups(fake: FakeSlack) -> list[str]:
    return [str(call.params["email"]) for call in fake.calls_to("users.lookupByEmail")]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    yield open_store(f"sqlite:///{tmp_path / 'og.db'}")


# --- the lookup ----------------------------------------------------------------------------


def test_an_address_is_looked_up_with_users_lookup_by_email(
    slack: FakeSlack, store: StateStore
) -> None:
    people = SlackPeople(slack.client(), store)

    assert people.member_id("dana@acme.test") == "U0DANA"
    assert people.member_id("sam@acme.test") == "U0SAM"  # Slack ignores the case
    assert people.member_id("kim@acme.test") is None

    calls = slack.calls_to("users.lookupByEmail")
    assert [(c.params, c.error) for c in calls] == [
        ({"email": "dana@acme.test"}, None),
        ({"email": "sam@acme.test"}, None),
        ({"email": "kim@acme.test"}, "users_not_found"),
    ]


def test_a_deactivated_member_is_not_found(slack: FakeSlack, store: StateStore) -> None:
    slack.users["U0DANA"]["deleted"] = True

    assert SlackPeople(slack.client(), store).member_id("dana@acme.test") is None


def test_an_answer_is_remembered_in_the_store_across_processes(
    slack: FakeSlack, store: StateStore
) -> None:
    clock = Clock()
    SlackPeople(slack.client(), store, clock).member_id("dana@acme.test")
    SlackPeople(slack.client(), store, clock).member_id("kim@acme.test")

    again = SlackPeople(slack.client(), store, clock)
    assert again.member_id("Dana@Acme.test") == "U0DANA"
    assert again.member_id("kim@acme.test") is None
    assert lookups(slack) == ["dana@acme.test", "kim@acme.test"]
    assert json.loads(store.get_meta("slack.member.dana@acme.test") or "") == {
        "id": "U0DANA",
        "at": "2026-11-02T09:00:00+00:00",
    }


def test_a_member_is_asked_about_again_after_a_day_and_an_unknown_address_after_an_hour(
    slack: FakeSlack, store: StateStore
) -> None:
    clock = Clock()
    people = SlackPeople(slack.client(), store, clock)
    people.member_id("dana@acme.test"), people.member_id("kim@acme.test")

    clock.now += UNKNOWN_FOR - timedelta(seconds=1)
    people.member_id("dana@acme.test"), people.member_id("kim@acme.test")
    assert lookups(slack) == ["dana@acme.test", "kim@acme.test"]

    slack.add_user("U0KIM", "Kim Park", email="kim@acme.test")  # invited meanwhile
    clock.now += timedelta(seconds=1)
    assert people.member_id("kim@acme.test") == "U0KIM"
    assert people.member_id("dana@acme.test") == "U0DANA"
    assert lookups(slack) == ["dana@acme.test", "kim@acme.test", "kim@acme.test"]

    slack.users["U0DANA"]["deleted"] = True  # Dana left
    clock.now += KNOWN_FOR
    assert people.member_id("dana@acme.test") is None
    assert lookups(slack)[-1] == "dana@acme.test"


def test_og_rules_check_asks_afresh(slack: FakeSlack, store: StateStore) -> None:
    people = SlackPeople(slack.client(), store)
    people.member_id("kim@acme.test")
    slack.add_user("U0KIM", "Kim Park", email="kim@acme.test")

    assert people.member_id("kim@acme.test") is None  # remembered for an hour
    assert people.member_id("kim@acme.test", fresh=True) == "U0KIM"


def test_when_slack_cannot_be_asked_an_older_answer_is_used(
    slack: FakeSlack, store: StateStore
) -> None:
    clock = Clock()
    people = SlackPeople(slack.client(), store, clock)
    people.member_id("dana@acme.test")
    clock.now += KNOWN_FOR * 3
    slack.fail("users.lookupByEmail", "ratelimited", times=None)

    assert people.member_id("dana@acme.test") == "U0DANA"
    with pytest.raises(LookupFailed, match=re.escape("could not ask Slack who sam@acme.test is")):
        people.member_id("sam@acme.test")


def test_a_missing_scope_says_which_scope_to_add(slack: FakeSlack, store: StateStore) -> None:
    slack.fail("users.lookupByEmail", "missing_scope")

    with pytest.raises(LookupFailed, match=re.escape("lacks the users:read.email scope")):
        SlackPeople(slack.client(), store).member_id("dana@acme.test")


def test_a_failed_lookup_is_not_remembered(slack: FakeSlack, store: StateStore) -> None:
    people = SlackPeople(slack.client(), store)
    slack.fail("users.lookupByEmail", "internal_error")
    with pytest.raises(LookupFailed):
        people.member_id("dana@acme.test")

    assert people.member_id("dana@acme.test") == "U0DANA"


def test_people_named_by_id_are_never_looked_up(slack: FakeSlack, store: StateStore) -> None:
    people = SlackPeople(slack.client(), store)
    sam = Person(name="Sam", slack_id="U0SAM", email="sam@acme.test")

    assert people.resolve(sam) is sam
    assert people.unknown([sam, Person(name="Lee", slack_id="U0LEE")]) == []
    assert lookups(slack) == []


# --- flags and unconfirmed sends -----------------------------------------------------------


def test_the_unconfirmed_send_message_reaches_an_owner_named_by_email(slack: FakeSlack) -> None:
    owner = Person(name="Dana Reyes", email="dana@acme.test")
    reference = SlackNotifier(slack.client(), None).unconfirmed(an_unconfirmed_notice(owner=owner))

    assert reference.startswith("D0DANA:")
    (posted,) = slack.posted()
    assert "<@U0DANA>" in json.dumps(posted["blocks"])


def test_a_dm_to_an_email_slack_does_not_know_is_a_send_error_tried_next_tick(
    slack: FakeSlack,
) -> None:
    owner = Person(name="Kim Park", email="kim@acme.test")
    unknown = re.escape("Slack knows no member with the email kim@acme.test")
    with pytest.raises(UnknownMember, match=unknown):
        SlackNotifier(slack.client(), None).flag(a_notice(owner=owner))
    assert slack.posted() == []
    assert issubclass(UnknownMember, SendError)


def test_a_channel_flag_for_an_email_slack_does_not_know_still_goes_out_by_name(
    slack: FakeSlack,
) -> None:
    owner = Person(name="Kim Park", email="kim@acme.test")
    SlackNotifier(slack.client(), "C0FLAGS").flag(a_notice(owner=owner))

    (posted,) = slack.posted()
    assert posted["channel"] == "C0FLAGS"
    assert "Kim Park" in posted["text"] and "<@" not in posted["text"]


# --- the default set-up, end to end --------------------------------------------------------


class FlaggedByEmail(Flagged):
    """Flagged (tests/support/slack_flow.py) with the owners named by email and each flag a
    direct message to its owner: the README's default set-up. Each tick builds its own
    notifier, as each run does, so only the state store remembers what Slack said."""

    def __init__(self, tmp_path: Path, fake: FakeSlack, *, flag_channel: str | None = None):
        self.ws = Workspace(tmp_path, [row("C1")], rules=BY_EMAIL)
        self.fake = fake
        settings = SlackSettings(
            bot_token=fake.token,
            signing_secret=SECRET,
            flag_channel=flag_channel,
            admins=["U0ADMIN"],
            api_url=fake.url,
        )
        self.guide = self.ws.guide()
        self.reports: list[TickReport] = []
        for day in range(8):  # C1 never acts: welcome is flagged on day 7, a Monday
            people = SlackPeople(fake.client(), self.guide.store)
            self.guide.notifier = SlackNotifier(fake.client(), flag_channel, people)
            self.reports.append(tick(self.guide, DAY0 + timedelta(days=day)))
        ((self.channel, self.ts),) = fake.messages
        self.app = create_app(
            SlackContext(guide=self.guide, settings=settings, clock=self.app_clock),
            listener_executor=InlineExecutor(),
        )
        self.transport = self.through_bolt
        self.last_body = ""


@pytest.fixture
def flagged(tmp_path: Path, slack: FakeSlack) -> FlaggedByEmail:
    return FlaggedByEmail(tmp_path, slack)


def test_a_flag_for_an_owner_named_by_email_arrives_in_their_dm_and_they_act_on_it(
    flagged: FlaggedByEmail,
) -> None:
    assert flagged.channel == "D0DANA"
    (posted,) = flagged.fake.posted()
    assert posted["text"].startswith("<@U0DANA>")
    assert '"o":"U0DANA"' in json.dumps(posted["blocks"]).replace('\\"', '"')

    assert flagged.click("U0DANA") == 200

    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", "U0DANA")


def test_six_ticks_and_a_flag_ask_slack_about_each_address_once(flagged: FlaggedByEmail) -> None:
    assert sorted(lookups(flagged.fake)) == ["dana@acme.test", "kim@acme.test", "sam@acme.test"]


def test_every_tick_reports_an_email_slack_does_not_know_with_its_line(
    flagged: FlaggedByEmail,
) -> None:
    expected = f"{flagged.ws.rules_path}:{HAND_OFF_LINE}: {KIM_UNKNOWN}"
    assert [report.rules_problems for report in flagged.reports] == [[expected]] * 8
    assert all(report.ran and not report.rules_fallback for report in flagged.reports)


def test_a_hand_off_owner_named_by_email_may_act_and_nobody_else(
    flagged: FlaggedByEmail,
) -> None:
    assert flagged.click("U0EVE") == 200
    assert flagged.row().get("finished") in ("", None)

    assert flagged.click("U0SAM") == 200
    assert (flagged.row()["finished"], flagged.row()["finished_by"]) == ("TRUE", "U0SAM")


def _pick(value: str) -> dict[str, object]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {
        "owner": {"owner": {"type": "static_select", "selected_option": option}},
        "note": {"note": {"type": "plain_text_input", "value": None}},
    }


def test_hand_off_to_an_owner_named_by_email_pings_them(flagged: FlaggedByEmail) -> None:
    assert flagged.click("U0DANA", action_id="og_hand_off") == 200
    (view,) = flagged.fake.views.values()
    values = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert values == ["sam@acme.test", "kim@acme.test"]

    assert flagged.submit(view, _pick("kim@acme.test")) == 200
    assert json.loads(flagged.last_body)["response_action"] == "errors"
    assert "Slack knows no member with the email kim@acme.test" in flagged.last_body
    assert flagged.guide.store.audit_trail("C1") == []

    assert flagged.submit(view, _pick("sam@acme.test")) == 200
    assert flagged.row()["handed_off_to"] == "Sam Ortiz"
    flag = flagged.fake.messages[(flagged.channel, flagged.ts)]
    assert "Handed off to <@U0SAM> by <@U0DANA>" in flag["text"]
    assert [p for p in flagged.fake.posted() if p["channel"] == "U0SAM"]


# --- og rules check ------------------------------------------------------------------------


def test_og_rules_check_reports_an_email_slack_does_not_know_with_its_line(
    tmp_path: Path, slack: FakeSlack
) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=BY_EMAIL)

    checked = og(ws, "rules", "check", SLACK_BOT_TOKEN=GOOD_TOKEN, SLACK_API_URL=slack.url)

    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [f"{ws.rules_path}:{HAND_OFF_LINE}: {KIM_UNKNOWN}"]
    assert sorted(lookups(slack)) == ["dana@acme.test", "kim@acme.test", "sam@acme.test"]

    slack.add_user("U0KIM", "Kim Park", email="kim@acme.test")
    checked = og(ws, "rules", "check", SLACK_BOT_TOKEN=GOOD_TOKEN, SLACK_API_URL=slack.url)
    assert checked.returncode == 0
    assert "owner=Dana Reyes <dana@acme.test>" in checked.stdout


def test_og_rules_check_without_slack_says_in_one_line_it_could_not_check_emails(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=BY_EMAIL)

    checked = og(ws, "rules", "check", SLACK_BOT_TOKEN="")

    assert checked.returncode == 0
    assert checked.stderr.splitlines() == [
        f"{ws.rules_path}: the 3 email addresses naming owners could not be checked: only "
        "Slack knows them, and SLACK_BOT_TOKEN is not set"
    ]
    assert "plan=Starter" in checked.stdout


def test_the_home_tab_of_an_owner_named_by_email_shows_their_flag(
    flagged: FlaggedByEmail,
) -> None:
    assert flagged.open_home("U0DANA") == 200
    view = flagged.fake.homes["U0DANA"]
    shown = "\n".join(message_texts(view["blocks"]))
    assert "Your open flags* (1)" in shown and "is stuck on *welcome*" in shown
