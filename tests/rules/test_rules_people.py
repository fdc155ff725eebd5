"""Owners and hand-off owners named the way reps know them: by Slack member id or by work email.
A handle or a bare name is refused, and every such error says what to write instead and where
a member id comes from."""

from __future__ import annotations

import pytest

from engine.compose import owner_for
from engine.models import Customer
from engine.plans import Person, Rules
from engine.rules import parse_rules
from engine.rules.people import MEMBER_ID_HOWTO, email_address

DEFAULTS = "Nudge after 2 days, flag after 3 more days.\n"
PLAN = "Starter plan: a on day 0.\n"
MESSAGES = (
    "\n## Messages\n### A\nSubject: a\n\nb\n### Nudge\nSubject: Re: {original_subject}\n\nb\n"
    "### Wrap-up\nSubject: done\n\nb\n"
)


def ok(text: str) -> Rules:
    result = parse_rules(text)
    assert isinstance(result, Rules), result
    return result


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_rules(text)
    assert isinstance(result, list), "expected errors, the doc parsed"
    return [(e.line, e.message) for e in result]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Sam Rivera <sam@acme.com>", Person(name="Sam Rivera", email="sam@acme.com")),
        ("sam@acme.com", Person(name="sam@acme.com", email="sam@acme.com")),
        ("<sam@acme.com>", Person(name="sam@acme.com", email="sam@acme.com")),
        (
            "Sam Rivera (Sam.Rivera@Acme.co.uk)",
            Person(name="Sam Rivera", email="Sam.Rivera@Acme.co.uk"),
        ),
        # Pasted from Slack, an address arrives as a mailto link.
        ("Sam <mailto:sam@acme.com|sam@acme.com>", Person(name="Sam", email="sam@acme.com")),
        ("Sam Rivera <@U024BE7LH>", Person(name="Sam Rivera", slack_id="U024BE7LH")),
        ("Sam Rivera <@U024BE7LH|sam>", Person(name="Sam Rivera", slack_id="U024BE7LH")),
        ("Rivera, Sam <sam@acme.com>", Person(name="Rivera, Sam", email="sam@acme.com")),
    ],
)
def test_an_owner_by_email_or_member_id(written: str, expected: Person) -> None:
    rules = ok(DEFAULTS + f"Owner: {written}.\n" + PLAN + MESSAGES)
    assert rules.plans["starter"].owner == expected.model_copy(update={"line": 2})


def test_hand_off_owners_mix_ids_and_emails_each_with_its_own_line() -> None:
    text = (
        "Owner: Dana Reyes <dana@acme.com>\n"
        "Hand-off owners: Lee Wong <@U0LEE>,\n"
        "Kim Park <kim@acme.com> and\n"
        "ray@acme.com\n" + DEFAULTS + PLAN + MESSAGES
    )
    rules = ok(text)
    assert rules.hand_off_owners == (
        Person(name="Lee Wong", slack_id="U0LEE", line=2),
        Person(name="Kim Park", email="kim@acme.com", line=3),
        Person(name="ray@acme.com", email="ray@acme.com", line=4),
    )
    assert [p.key for p in rules.people()] == [
        "dana@acme.com",
        "U0LEE",
        "kim@acme.com",
        "ray@acme.com",
    ]


def test_a_bare_name_says_exactly_what_to_write_instead() -> None:
    (error,) = errors(DEFAULTS + "Owner: Sam Rivera.\n" + PLAN + MESSAGES)[:1]
    assert error == (
        2,
        'could not read this owner: "Owner: Sam Rivera": "Sam Rivera" has no member id or '
        "email, and Slack cannot find someone by name. Name them with their work email, as "
        "'Owner: Sam Rivera <sam@your-company.com>.', or with their Slack member id, as "
        "'Owner: Sam Rivera <@MEMBERID>.' (in Slack: the person's profile → ⋮ → Copy member ID)",
    )


def test_a_handle_is_refused_with_what_to_write_instead() -> None:
    (error,) = errors(DEFAULTS + "Owner: @sam.\n" + PLAN + MESSAGES)[:1]
    assert error == (
        2,
        'could not read this owner: "Owner: @sam": Slack cannot look up "@sam", as a display '
        "name can change and two people can share one. Name them with their work email, as "
        "'Owner: sam <sam@your-company.com>.', or with their Slack member id, as "
        "'Owner: sam <@MEMBERID>.' (in Slack: the person's profile → ⋮ → Copy member ID)",
    )


def test_a_hand_off_owner_without_an_id_is_named_in_the_error() -> None:
    text = "Hand-off owners: Lee Wong <@U0LEE>, Kim Park, Ray <@U0RAY>.\nOwner: Dana <@U0D>.\n"
    ((line, message),) = errors(text + DEFAULTS + PLAN + MESSAGES)
    assert line == 1
    assert message.startswith(
        'could not read these hand-off owners: "Hand-off owners: Lee Wong <@U0LEE>, Kim Park, '
        'Ray <@U0RAY>": "Kim Park" has no member id or email'
    )
    assert "as 'Kim Park <kim@your-company.com>', or with their Slack member id, as " in message
    assert "'Kim Park <@MEMBERID>'" in message


@pytest.mark.parametrize(
    ("owner", "why"),
    [
        ("Owner: Sam Rivera", '"Sam Rivera" has no member id or email'),
        ("Owner: @sam", 'Slack cannot look up "@sam"'),
        ("Owner: Sam Rivera @sam", 'Slack cannot look up "@sam"'),
        ("Owner: sam@acme", '"sam@acme" is not a whole email address'),
        ("Owner: Sam <sam>", '"<sam>" is neither <@MEMBERID> nor <an email address>'),
        ("Owner: Sam <#C0FLAGS>", '"<#C0FLAGS>" is neither'),
        ("Owner: Sam <@U024BE7LH", '"<@U024BE7LH" has no closing >'),
        ("Owner: Sam <@MEMBERID>", "put the person's own member id in place of MEMBERID"),
        ("Owner: Sam <@U1> and Lee <@U2>", "A plan has one owner"),
        ("Owner: ,", "Name them with their work email, as 'Owner: Sam Rivera <sam@"),
        ("Hand-off owners: Lee, Kim", '"Lee" has no member id or email'),
        ("Hand-off owners: Lee and Kim <@U0KIM>", '"Lee" has no member id or email'),
        ("Hand-off owners: Lee <@U0LEE>, @kim", 'Slack cannot look up "@kim"'),
        ("Hand-off owners: Lee <@U0LEE> > Kim <@U0KIM>", '">" is neither'),
        ("Hand-off owners:", "Write them as 'Hand-off owners: Lee Wong <lee@"),
    ],
)
def test_every_unreadable_owner_says_how_to_copy_a_member_id(owner: str, why: str) -> None:
    rest = "" if owner.startswith("Owner") else "Owner: Dana <@U0DANA>\n"
    # A default owner that cannot be read also leaves the plan without one (line 4 or 5).
    (message,) = [
        m for line, m in errors(f"{owner}\n{rest}" + DEFAULTS + PLAN + MESSAGES) if line == 1
    ]
    assert why in message
    assert message.endswith(f"({MEMBER_ID_HOWTO})") or "A plan has one owner" in message


def test_a_long_name_is_clipped_in_the_error() -> None:
    name = "Sam " * 20_000
    message = errors(f"Owner: {name}\n" + DEFAULTS + PLAN + MESSAGES)[0][1]
    assert len(message) < 1_000


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("sam@acme.com", "sam@acme.com"),
        ("(sam@acme.com)", "sam@acme.com"),
        ('"sam@acme.com";', "sam@acme.com"),
        ("mailto:sam@acme.com", "sam@acme.com"),
        ("sam@acme.com.", "sam@acme.com"),
        ("sam@acme", None),
        ("@sam", None),
        ("sam@@acme.com", None),
        ("a@b@acme.com", None),
        ("sam@.acme.com", None),
        ("sam@acme..com", None),
        ("s" * 250 + "@acme.com", None),
    ],
)
def test_what_reads_as_an_email_address(word: str, expected: str | None) -> None:
    assert email_address(word) == expected


def test_a_roster_owner_cell_may_name_someone_by_email() -> None:
    rules = ok(
        "Owner: Dana <@U0DANA>\nHand-off owners: Kim Park <kim@acme.com>\n"
        + DEFAULTS
        + PLAN
        + MESSAGES
    )
    plan = rules.plans["starter"]

    def owner(cell: str) -> Person:
        customer = Customer.model_validate(
            {
                "customer_id": "C1",
                "email": "c1@example.test",
                "plan": "Starter",
                "signup_date": "2026-11-02",
                "owner": cell,
                "row_number": 2,
            }
        )
        return owner_for(customer, plan, rules)

    assert owner("Ray <ray@acme.com>") == Person(name="Ray", email="ray@acme.com")
    assert owner("ray@acme.com") == Person(name="ray@acme.com", email="ray@acme.com")
    assert owner("Ray <@U0RAY>") == Person(name="Ray", slack_id="U0RAY")
    assert owner("kim park") == rules.hand_off_owners[0]
    assert owner("@ray") == plan.owner


def test_an_unreadable_hand_off_owner_is_reported_at_their_own_line() -> None:
    text = (
        "Owner: Dana <@U0DANA>\n"
        "Hand-off owners: Lee Wong <@U0LEE>,\n"
        "Kim Park <kim@acme.com>,\n"
        "@ray\n" + DEFAULTS + PLAN + MESSAGES
    )
    ((line, message),) = errors(text)
    assert line == 4
    assert 'Slack cannot look up "@ray"' in message
