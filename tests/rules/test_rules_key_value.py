"""Rules written one a line, without periods: a line that starts like a rule is a rule of its
own, and a rule still wraps onto the lines after it that do not."""

from pathlib import Path

import pytest

from engine.plans import Person, Rules
from engine.rules import parse_rules

WINDOW_HINT = (
    "A window reads 'Nudge after 2 days, flag after 3 more days.' (or '<Step>: nudge after ...')"
)


def messages(*steps: str) -> str:
    parts = ["", "## Messages", ""]
    for step in steps:
        parts += [f"### {step}", "Subject: {step}", "", "Go: {done_link}", ""]
    parts += ["### Nudge", "Subject: Re: {original_subject}", "", "Still there?", ""]
    parts += ["### Wrap-up", "Subject: Done", "", "All set.", ""]
    return "\n".join(parts)


def ok(text: str) -> Rules:
    result = parse_rules(text)
    assert isinstance(result, Rules), [e.render("rules.md") for e in result]
    return result


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_rules(text)
    assert isinstance(result, list), "expected errors, the doc parsed"
    return [(e.line, e.message) for e in result]


def test_the_qa_example_one_rule_a_line() -> None:
    text = (
        "Owner: Sam Rivera <@U024BE7LH>\n"
        "Hand-off owners: Lee Wong <@U0LEE>, Kim Park <@U0KIM>\n"
        "Nudge after 2 days, flag after 3 more days\n"
        "Starter plan: welcome on day 0\n" + messages("welcome")
    )
    rules = ok(text)
    assert rules.plans["starter"].owner == Person(name="Sam Rivera", slack_id="U024BE7LH", line=1)
    assert rules.hand_off_owners == (
        Person(name="Lee Wong", slack_id="U0LEE", line=2),
        Person(name="Kim Park", slack_id="U0KIM", line=2),
    )


# Every keyword, each on its own line, in a paragraph with no blank line.
KEY_LINES = [
    "Send every day",
    "Holidays: GB",
    "Nudge after 2 days, flag after 3 more days",
    "Owner: Sam Rivera <@U024BE7LH>",
    "Hand-off owners: Lee Wong <@U0LEE>, Kim Park <@U0KIM>",
    "Starter plan: welcome on day 0, setup on day 2",
    "Setup: nudge after 1 day, flag after 2 more days",
    "Owner: Kim Park <@U0KIM>",
    "Pro plan: welcome on day 0",
    "Nudge after 4 days, flag after 5 more days",
]


@pytest.mark.parametrize(
    "periods",
    [
        pytest.param([False] * len(KEY_LINES), id="no periods"),
        pytest.param([True] * len(KEY_LINES), id="all periods"),
        pytest.param([i % 2 == 0 for i in range(len(KEY_LINES))], id="every other"),
        pytest.param([i % 3 == 1 for i in range(len(KEY_LINES))], id="some"),
    ],
)
def test_each_keyword_with_and_without_a_period(periods: list[bool]) -> None:
    lines = [
        line + ("." if period else "") for line, period in zip(KEY_LINES, periods, strict=True)
    ]
    rules = ok("\n".join(lines) + "\n" + messages("welcome", "setup"))
    assert rules.sending.weekdays_only is False
    assert rules.sending.holidays_country == "GB"
    assert rules.sending.line == 1
    assert [p.slack_id for p in rules.hand_off_owners] == ["U0LEE", "U0KIM"]
    starter, pro = rules.plans["starter"], rules.plans["pro"]
    assert (starter.line, pro.line) == (6, 9)
    assert starter.owner.slack_id == "U0KIM"  # line 8 follows the Starter plan: its owner
    assert pro.owner.slack_id == "U024BE7LH"
    assert [(s.id, s.window.nudge_after, s.window.line) for s in starter.steps] == [
        ("welcome", 2, 3),
        ("setup", 1, 7),
    ]
    assert [(s.id, s.window.nudge_after, s.window.line) for s in pro.steps] == [("welcome", 4, 10)]


@pytest.mark.parametrize(
    "line",
    [
        "Send on weekdays only",
        "Send only on weekdays",
        "Send weekdays only",
        "send on weekdays",
        "Send daily",
        "Send on every day",
        "SEND EVERY DAY.",
    ],
)
def test_every_spelling_of_the_sending_rule_is_a_line_of_its_own(line: str) -> None:
    text = "Owner: Sam <@U1>\n" + line + "\nNudge after 2 days, flag after 3 more days\n"
    rules = ok(text + "Starter plan: a on day 0\n" + messages("a"))
    assert rules.sending.weekdays_only is ("week" in line.lower())
    assert rules.sending.line == 2


@pytest.mark.parametrize(
    "line", ["Hand-off owners:", "hand off owner:", "Handoff owners :", "HAND-OFF OWNERS:"]
)
def test_every_spelling_of_hand_off_owners_is_a_line_of_its_own(line: str) -> None:
    text = f"Owner: Sam <@U1>\n{line} Lee <@U2>\nNudge after 2 days, flag after 3 more days\n"
    rules = ok(text + "Starter plan: a on day 0\n" + messages("a"))
    assert rules.hand_off_owners == (Person(name="Lee", slack_id="U2", line=2),)


def test_a_rule_wraps_onto_lines_that_do_not_start_like_a_rule() -> None:
    text = (
        "Owner: Sam <@U1>\n"
        "Hand-off owners: Lee Wong <@U0LEE>,\n"
        "Kim Park <@U0KIM>\n"
        "Starter plan: welcome on day 0, setup on day 2,\n"
        "check-in on\n"
        "day 6\n"
        "Nudge after 2 days,\n"
        "flag after 3 more days\n" + messages("welcome", "setup", "check-in")
    )
    rules = ok(text)
    assert [(p.slack_id, p.line) for p in rules.hand_off_owners] == [("U0LEE", 2), ("U0KIM", 3)]
    starter = rules.plans["starter"]
    assert [(s.id, s.line) for s in starter.steps] == [
        ("welcome", 4),
        ("setup", 4),
        ("check-in", 5),
    ]
    assert starter.steps[0].window.line == 7


def test_key_lines_mixed_with_wrapped_prose() -> None:
    text = (
        "These are the defaults for every plan\n"  # prose without a period: ends here
        "Owner: Dana <@U0DANA>\n"
        "Nudge after 2 days, flag after 3 more days. We write gently, and only once,\n"
        "before a person takes over. Send\n"
        "every day. The Starter plan is for small teams.\n"
        "Starter plan: welcome on day 0,\n"
        "setup on day 2\n"
        "Our plan: keep every email short.\n"
        "Pro plan: welcome on day 0 and setup on day 1\n" + messages("welcome", "setup")
    )
    rules = ok(text)
    assert rules.plans["starter"].owner.slack_id == "U0DANA"
    assert rules.sending.weekdays_only is False
    assert rules.sending.line == 4
    assert [s.line for s in rules.plans["starter"].steps] == [6, 7]
    assert rules.plans["pro"].line == 9


def test_error_lines_in_a_key_value_doc() -> None:
    text = (
        "Nudge after 2 days, flag after 3 more days\n"
        "Owner: Sam Rivera\n"
        "Starter plan: welcome on day 0, setup on day 2,\n"
        "check-in on day 1\n"
        "Holidays: XX\n"
        "Setup: nudge after 0 days, flag after 1 more day\n"
        "Send every day\n"
        "Send every day.\n"
        "Flag after 3 days\n" + messages("welcome", "setup", "check-in")
    )
    assert errors(text) == [
        (
            2,
            'could not read this owner: "Owner: Sam Rivera": "Sam Rivera" has no member id or '
            "email, and Slack cannot find someone by name. Name them with their work email, as "
            "'Owner: Sam Rivera <sam@your-company.com>.', or with their Slack member id, as "
            "'Owner: Sam Rivera <@MEMBERID>.' (in Slack: the person's profile → ⋮ → Copy "
            "member ID)",
        ),
        (
            3,
            "the Starter plan has no owner to flag: add 'Owner: Dana Reyes <@U0DANA>.' at "
            "the top of the doc, or right after the plan",
        ),
        (4, 'step "check-in" is on day 1, before "setup" on day 2: list the steps in day order'),
        (5, 'unknown holidays country "XX": use a country code such as US, GB, DE or FR'),
        (6, "nudge after 0 days: the wait before a nudge must be at least 1 day"),
        (8, "which days to send on is already set at line 7: keep only one"),
        (9, f'could not read this rule: "Flag after 3 days". {WINDOW_HINT}'),
    ]


def test_a_wrong_rule_line_is_reported_at_its_own_line() -> None:
    text = (
        "Owner: Sam <@U1>\n"
        "Hand-off owners: Lee, Kim\n"
        "Nudge after two days, flag after 3 more days\n"
        "Starter plan: a on day 0, b day 2\n"
    )
    # Line 1 is "the doc has no plans": the only plan sentence is the broken one.
    assert [line for line, _ in errors(text + messages("a"))] == [1, 2, 3, 4]


def test_a_step_label_on_its_own_line_keeps_its_window() -> None:
    text = (
        "Owner: Sam <@U1>\n"
        "Nudge after 2 days, flag after 3 more days\n"
        "Starter plan: welcome on day 0, connect data on day 1\n"
        "Connect data:\n"
        "nudge after 1 day, flag after 2 more days\n" + messages("welcome", "connect data")
    )
    rules = ok(text)
    assert [(s.id, s.window.nudge_after, s.window.line) for s in rules.plans["starter"].steps] == [
        ("welcome", 2, 2),
        ("connect-data", 1, 4),
    ]


def test_a_name_wrapped_after_a_sentence_that_began_mid_line_stays_whole() -> None:
    # An editor that wraps at 80 columns breaks a sentence that began mid-line anywhere,
    # even inside the name it starts with.
    text = (
        "Owner: Sam <@U1>. Nudge after 2 days, flag after 3 more days. Getting\n"
        "started plan: welcome on day 0, connect data on day 1. Connect\n"
        "data: nudge after 1 day, flag after 2 more days.\n" + messages("welcome", "connect data")
    )
    plan = ok(text).plans["getting-started"]
    assert (plan.name, plan.line) == ("Getting started", 1)
    assert [(s.id, s.window.line) for s in plan.steps] == [("welcome", 1), ("connect-data", 2)]


def test_words_before_a_rule_line_that_are_a_rule_end_there() -> None:
    text = (
        "Owner: Sam <@U1>. Nudge after 2 days, flag after 3 more days. Send every day\n"
        "Starter plan: a on day 0. Holidays: US\n"
        "Pro plan: a on day 1\n" + messages("a")
    )
    rules = ok(text)
    assert rules.sending.weekdays_only is False
    assert rules.sending.holidays_country == "US"
    assert list(rules.plans) == ["starter", "pro"]


@pytest.mark.parametrize(
    "prose",
    [
        # Lines that begin with a rule's first word, but not like the rule.
        "If a customer is stuck, talk to the account\nowner first, then the team.",
        "The guide will\nsend every reminder on time, and\nsend daily digests to the team.",
        "We\nsend on Mondays only when asked, and\nholidays are up to each rep.",
        "Our Pro\nplan: a tour, then a call.",
        "The Pro team\nplans: welcome, tour.",
    ],
)
def test_prose_that_starts_a_line_with_a_rule_word_is_still_prose(prose: str) -> None:
    base = "Owner: Sam <@U1>\nNudge after 2 days, flag after 3 more days\n"
    rules = ok(base + "\n" + prose + "\n\nStarter plan: a on day 0\n" + messages("a"))
    assert rules.sending.weekdays_only is True
    assert rules.hand_off_owners == ()


def test_a_message_body_line_that_starts_like_a_rule_stays_in_the_body() -> None:
    text = (
        "Owner: Sam <@U1>\nNudge after 2 days, flag after 3 more days\n"
        "Starter plan: a on day 0\n" + messages("a")
    ).replace("Go: {done_link}", "Go: {done_link}\nOwner: Sam <@U1>\nSend every day")
    rules = ok(text)
    assert rules.messages.steps["a"].body == "Go: {done_link}\nOwner: Sam <@U1>\nSend every day"
    assert rules.sending.weekdays_only is True


def test_bullets_and_key_lines_mix() -> None:
    text = (
        "- Owner: Sam <@U1>\n"
        "Nudge after 2 days, flag after 3 more days\n"
        "* Starter plan: a on day 0,\n"
        "b on day 1\n"
        "Holidays: US\n" + messages("a", "b")
    )
    rules = ok(text)
    assert [s.line for s in rules.plans["starter"].steps] == [3, 4]
    assert rules.sending.line == 5


def test_the_guides_example_reads_like_the_same_rules_with_periods() -> None:
    guide = Path(__file__).resolve().parents[2] / "docs" / "rules-doc.md"
    section = guide.read_text(encoding="utf-8").split("**One rule a line.**", 1)[1]
    example = section.split("  ```\n", 2)[1]
    assert example.startswith("  Owner: Sam Rivera <@U024BE7LH>\n")
    with_periods = (
        "Owner: Sam Rivera <@U024BE7LH>. Hand-off owners: Lee Wong <@U0LEE>, Kim Park "
        "<@U0KIM>.\nNudge after 2 days, flag after 3 more days. Send every day. Starter plan:\n"
        "welcome on day 0, setup on day 2, check-in on day 6.\n"
    )
    steps = ("welcome", "setup", "check-in")
    doc, same = ok(example + messages(*steps)), ok(with_periods + messages(*steps))
    assert doc.plans.keys() == same.plans.keys() == {"starter"}
    assert [(p.name, p.slack_id) for p in doc.hand_off_owners] == [
        (p.name, p.slack_id) for p in same.hand_off_owners
    ]
    assert doc.sending.weekdays_only is same.sending.weekdays_only is False
    assert [(s.id, s.day, s.window.nudge_after) for s in doc.plans["starter"].steps] == [
        (s.id, s.day, s.window.nudge_after) for s in same.plans["starter"].steps
    ]
    assert [s.line for s in doc.plans["starter"].steps] == [5, 5, 6]
