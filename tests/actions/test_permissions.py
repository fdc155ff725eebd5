"""Who may act on a customer, as one table: every listener, modal, Home tab and `/og` asks this."""

from __future__ import annotations

import pytest

from engine.permissions import Team, may_act, may_undo
from engine.plans import Messages, MessageTemplate, Person, Plan, Rules, Step, Window

TEAM = Team(
    admins=frozenset({"UADMIN"}),
    allowed=frozenset({"UALLOWED"}),
    owners=frozenset({"UOWNER", "UHANDOFF"}),
    flag_channel="C0FLAGS",
)
MEMBERS = {"UMEMBER"}


def in_channel(channel: str, person: str) -> bool:
    assert channel == "C0FLAGS"
    return person in MEMBERS


@pytest.mark.parametrize(
    ("person", "flag_owner", "team", "allowed"),
    [
        ("UADMIN", None, TEAM, True),
        ("UALLOWED", None, TEAM, True),
        ("UOWNER", None, TEAM, True),  # a plan's owner in the rules doc
        ("UHANDOFF", None, TEAM, True),  # a hand-off owner in the rules doc
        ("UMEMBER", None, TEAM, True),  # a member of the flag channel
        ("USTRANGER", None, TEAM, False),
        ("", None, TEAM, False),
        # The default set-up: flags are DMs, nobody listed. The owner a flag was sent to acts.
        ("UDM", "UDM", Team(), True),
        ("USTRANGER", "UDM", Team(), False),
        ("UMEMBER", None, Team(), False),  # no flag channel: its members mean nothing
        # A Home tab entry is the viewer's own flag.
        ("UHOME", "UHOME", TEAM, True),
    ],
)
def test_who_may_act(person: str, flag_owner: str | None, team: Team, allowed: bool) -> None:
    assert may_act(person, team, flag_owner=flag_owner, in_flag_channel=in_channel) is allowed


def test_the_flag_channel_is_asked_only_when_nothing_cheaper_decided() -> None:
    asked: list[str] = []

    def counting(channel: str, person: str) -> bool:
        asked.append(person)
        return False

    for person in ("UADMIN", "UALLOWED", "UOWNER"):
        assert may_act(person, TEAM, in_flag_channel=counting)
    assert asked == []
    assert not may_act("USTRANGER", TEAM, in_flag_channel=counting)
    assert asked == ["USTRANGER"]


def test_only_admins_may_undo() -> None:
    assert may_undo("UADMIN", TEAM)
    assert not any(may_undo(p, TEAM) for p in ("UALLOWED", "UOWNER", "UMEMBER", ""))


def test_the_rules_doc_names_the_owners() -> None:
    window = Window(nudge_after=2, flag_after=3)
    plan = Plan(
        id="starter",
        name="Starter",
        steps=(Step(id="welcome", name="welcome", day=0, window=window),),
        owner=Person(name="Dana", slack_id="U0DANA"),
    )
    template = MessageTemplate(subject="s", body="b")
    rules = Rules(
        plans={"starter": plan},
        messages=Messages(steps={"welcome": template}, wrap_up=template),
        hand_off_owners=(Person(name="Sam", slack_id="U0SAM"),),
    )
    team = Team(admins=frozenset({"UADMIN"})).with_rules(rules)
    assert team.owners == {"U0DANA", "U0SAM"} and team.admins == {"UADMIN"}
    assert Team().with_rules(None) == Team()
