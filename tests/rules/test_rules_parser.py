import hashlib
from datetime import time
from pathlib import Path

import pytest

from engine.plans import Person, Rules, RulesError, SendHours, SendingPolicy, Window
from engine.rules import parse_rules

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "rules.md"

DEFAULTS = "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"


def messages(*steps: str) -> str:
    """A Messages section with a message for each step, a default nudge and a wrap-up."""
    parts = ["## Messages", ""]
    for step in steps:
        parts += [f"### {step}", "Subject: {step} for {first_name}", "", "Go: {done_link}", ""]
    parts += ["### Nudge", "Subject: Re: {original_subject}", "", "Still there?", ""]
    parts += ["### Wrap-up", "Subject: Done, {first_name}", "", "All set.", ""]
    return "\n".join(parts)


def ok(text: str) -> Rules:
    result = parse_rules(text)
    assert isinstance(result, Rules), [e.render("rules.md") for e in result]
    return result


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def days(rules: Rules, plan: str) -> list[tuple[str, int]]:
    return [(s.id, s.day) for s in rules.plans[plan].steps]


def windows(rules: Rules, plan: str) -> dict[str, tuple[int, int]]:
    return {s.id: (s.window.nudge_after, s.window.flag_after) for s in rules.plans[plan].steps}


TWO_PLANS = """\
    Starter plan: welcome on day 0, setup on day 2, check-in on day 6. Pro plan: welcome on day 0,
    connect data on day 1, feature tour on day 3, invite team on day 5, check-in on day 9.
"""
ALL_STEPS = ("Welcome", "Setup", "Check-in", "Connect data", "Feature tour", "Invite team")


def test_verbatim_two_plan_paragraph_with_indentation_and_line_break() -> None:
    text = DEFAULTS + "\n" + TWO_PLANS + "\n" + messages(*ALL_STEPS)
    rules = ok(text)
    assert list(rules.plans) == ["starter", "pro"]
    assert days(rules, "starter") == [("welcome", 0), ("setup", 2), ("check-in", 6)]
    assert days(rules, "pro") == [
        ("welcome", 0),
        ("connect-data", 1),
        ("feature-tour", 3),
        ("invite-team", 5),
        ("check-in", 9),
    ]
    starter, pro = rules.plans["starter"], rules.plans["pro"]
    assert (starter.name, pro.name) == ("Starter", "Pro")
    assert [s.name for s in pro.steps][:3] == ["welcome", "connect data", "feature tour"]
    # Both plans start on line 4; Pro's steps after the line break are on line 5.
    assert (starter.line, pro.line) == (4, 4)
    assert [s.line for s in pro.steps] == [4, 5, 5, 5, 5]
    assert [s.line for s in starter.steps] == [4, 4, 4]


@pytest.mark.parametrize(
    "sentence",
    [
        "Starter plan: a on day 0, b on day 2 and c on day 4.",
        "Starter plan: a on day 0, b on day 2, and c on day 4.",
        "Starter plan: a on day 0 and b on day 2 and c on day 4.",
    ],
)
def test_and_before_the_last_step(sentence: str) -> None:
    rules = ok(DEFAULTS + sentence + "\n" + messages("a", "b", "c"))
    assert days(rules, "starter") == [("a", 0), ("b", 2), ("c", 4)]


def test_step_names_may_contain_and() -> None:
    rules = ok(DEFAULTS + "Starter plan: sign and send on day 1.\n" + messages("Sign and send"))
    assert days(rules, "starter") == [("sign-and-send", 1)]


def test_equal_days_are_allowed() -> None:
    rules = ok(DEFAULTS + "Starter plan: a on day 1, b on day 1.\n" + messages("a", "b"))
    assert days(rules, "starter") == [("a", 1), ("b", 1)]


def test_sentences_are_case_insensitive() -> None:
    text = (
        "NUDGE AFTER 1 DAY, FLAG AFTER 1 MORE DAY. owner: Dana <@U0DANA>. SEND EVERY DAY.\n"
        "STARTER PLAN: Welcome ON DAY 0, Set Up On Day 3.\n"
        "SET UP: Nudge After 4 Days, Flag After 5 More Days.\n" + messages("welcome", "set up")
    )
    rules = ok(text)
    assert rules.plans["starter"].name == "STARTER"
    assert [s.name for s in rules.plans["starter"].steps] == ["Welcome", "Set Up"]
    assert windows(rules, "starter") == {"welcome": (1, 1), "set-up": (4, 5)}
    assert rules.sending.weekdays_only is False


def test_one_and_several_days_and_then() -> None:
    text = (
        "Nudge after 1 day and then flag after 1 more day.\nOwner: D <@U1>.\n"
        "Starter plan: a on day 0.\n" + messages("a")
    )
    assert windows(ok(text), "starter") == {"a": (1, 1)}


def test_several_rules_on_one_line_and_one_rule_over_several_lines() -> None:
    text = (
        "Owner: Dana <@U0DANA>. Nudge after 2\ndays, flag after 3 more days. Starter plan:\n"
        "a on day 0.\n" + messages("a")
    )
    rules = ok(text)
    assert windows(rules, "starter") == {"a": (2, 3)}
    assert rules.plans["starter"].steps[0].window.line == 1
    assert rules.plans["starter"].line == 2
    assert rules.plans["starter"].steps[0].line == 3


def test_commentary_is_ignored() -> None:
    text = (
        "Our plan: make every customer happy. Call Dana if you are unsure.\n\n"
        + DEFAULTS
        + "Starter plan: a on day 0.\n"
        + messages("a")
    )
    assert list(ok(text).plans) == ["starter"]


def test_bullets_are_rules_of_their_own() -> None:
    text = (
        "- Nudge after 2 days, flag after 3 more days\n"
        "- Owner: Dana <@U0DANA>\n"
        "* Starter plan: a on day 0\n" + messages("a")
    )
    rules = ok(text)
    assert windows(rules, "starter") == {"a": (2, 3)}
    assert rules.plans["starter"].line == 3


def test_window_and_owner_after_a_plan_apply_to_that_plan_only() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0. Pro plan: a on day 0.\n"
        + "Nudge after 5 days, flag after 6 more days. Owner: Sam <@U0SAM>.\n"
        + messages("a")
    )
    rules = ok(text)
    assert windows(rules, "starter") == {"a": (2, 3)}
    assert windows(rules, "pro") == {"a": (5, 6)}
    assert rules.plans["starter"].owner == Person(name="Dana Reyes", slack_id="U0DANA", line=2)
    assert rules.plans["pro"].owner == Person(name="Sam", slack_id="U0SAM", line=4)


def test_a_heading_ends_the_plan_scope() -> None:
    text = (
        "## Starter\nStarter plan: a on day 0.\nOwner: Sam <@U0SAM>.\n"
        "## Defaults\nNudge after 2 days, flag after 3 more days. Owner: Dana <@U0DANA>.\n"
        "## Pro\nPro plan: a on day 0.\nNudge after 5 days, flag after 6 more days.\n"
        + messages("a")
    )
    rules = ok(text)
    assert rules.plans["starter"].owner.slack_id == "U0SAM"
    assert rules.plans["pro"].owner.slack_id == "U0DANA"
    assert windows(rules, "starter") == {"a": (2, 3)}
    assert windows(rules, "pro") == {"a": (5, 6)}


def test_heading_levels_and_closing_hashes() -> None:
    text = (
        "# Rules #\n" + DEFAULTS + "### Plans\nStarter plan: a on day 0.\n"
        "# Messages\n## A\nSubject: s\n\nb\n## Nudge\nSubject: {original_subject}\n\nb\n"
        "## Wrap up\nSubject: s\n\nb\n"
    )
    rules = ok(text)
    assert set(rules.messages.steps) == {"a"}
    assert rules.messages.wrap_up.line == line_of(text, "## Wrap up")


def test_doc_level_step_window_may_come_before_the_plans() -> None:
    text = (
        "Setup: nudge after 1 day, flag after 1 more day.\n"
        + DEFAULTS
        + "Starter plan: welcome on day 0, setup on day 2. Pro plan: setup on day 1.\n"
        + messages("welcome", "setup")
    )
    rules = ok(text)
    assert windows(rules, "starter") == {"welcome": (2, 3), "setup": (1, 1)}
    assert windows(rules, "pro") == {"setup": (1, 1)}
    assert rules.plans["pro"].steps[0].window.line == 1


def test_plan_level_step_window_applies_to_that_plan_only() -> None:
    text = (
        DEFAULTS
        + "Starter plan: welcome on day 0, setup on day 2.\n"
        + "Setup: nudge after 1 day, flag after 1 more day.\n\n"
        + "Pro plan: setup on day 1.\n"
        + messages("welcome", "setup")
    )
    rules = ok(text)
    assert windows(rules, "starter") == {"welcome": (2, 3), "setup": (1, 1)}
    assert windows(rules, "pro") == {"setup": (2, 3)}


def test_window_precedence() -> None:
    text = (
        "Nudge after 1 day, flag after 1 more day.\n"  # doc default
        "A: nudge after 2 days, flag after 2 more days.\n"  # doc-level step window
        "B: nudge after 2 days, flag after 2 more days.\n"
        "Owner: Dana <@U0DANA>.\n\n"
        "Pro plan: a on day 0, b on day 1, c on day 2.\n"
        "Nudge after 3 days, flag after 3 more days.\n"  # plan window
        "B: nudge after 4 days, flag after 4 more days.\n\n"  # plan-level step window
        "Starter plan: a on day 0, c on day 1.\n" + messages("a", "b", "c")
    )
    rules = ok(text)
    # plan-level step window > doc-level step window > plan window > doc default
    assert windows(rules, "pro") == {"a": (2, 2), "b": (4, 4), "c": (3, 3)}
    assert windows(rules, "starter") == {"a": (2, 2), "c": (1, 1)}
    assert rules.plans["pro"].steps[1].window == Window(nudge_after=4, flag_after=4, line=8)


def test_sending_policy_defaults_to_weekdays_without_holidays() -> None:
    rules = ok(DEFAULTS + "Starter plan: a on day 0.\n" + messages("a"))
    assert rules.sending == SendingPolicy(weekdays_only=True, holidays_country=None, line=0)


@pytest.mark.parametrize(
    ("sentence", "weekdays_only"),
    [
        ("Send on weekdays only.", True),
        ("Send only on weekdays.", True),
        ("Send every day.", False),
        ("Send daily.", False),
    ],
)
def test_sending_days(sentence: str, weekdays_only: bool) -> None:
    rules = ok(sentence + "\n" + DEFAULTS + "Starter plan: a on day 0.\n" + messages("a"))
    assert rules.sending.weekdays_only is weekdays_only
    assert rules.sending.line == 1


def test_holidays_country_is_read_and_uppercased() -> None:
    text = DEFAULTS + "Holidays: gb.\nStarter plan: a on day 0.\n" + messages("a")
    assert ok(text).sending == SendingPolicy(weekdays_only=True, holidays_country="GB", line=3)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hand-off owners: Sam Ortiz <@U0SAM>, Priya Nair <@U0PRIYA> and Lee Wong <@U0LEE>.",
        "Hand-off owners: Sam Ortiz <@U0SAM>, Priya Nair <@U0PRIYA>, and Lee Wong <@U0LEE>.",
        "hand off owners: Sam Ortiz <@U0SAM>, Priya Nair <@U0PRIYA>, Lee Wong <@U0LEE>.",
    ],
)
def test_hand_off_owners(sentence: str) -> None:
    rules = ok(sentence + "\n" + DEFAULTS + "Starter plan: a on day 0.\n" + messages("a"))
    assert rules.hand_off_owners == (
        Person(name="Sam Ortiz", slack_id="U0SAM", line=1),
        Person(name="Priya Nair", slack_id="U0PRIYA", line=1),
        Person(name="Lee Wong", slack_id="U0LEE", line=1),
    )


def test_owner_without_a_name_is_named_by_id() -> None:
    text = (
        "Owner: <@U0DANA>. Nudge after 1 day, flag after 1 more day.\nStarter plan: a on day 0.\n"
    )
    rules = ok(text + messages("a"))
    assert rules.plans["starter"].owner == Person(name="U0DANA", slack_id="U0DANA", line=1)


def test_text_hash_and_source() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\n" + messages("a")
    rules = parse_rules(text, source="docs/team-rules.md")
    assert isinstance(rules, Rules)
    assert rules.text == text
    assert rules.text_hash == hashlib.sha256(text.encode()).hexdigest()
    assert rules.source == "docs/team-rules.md"


def test_bom_and_crlf_from_a_google_docs_export() -> None:
    text = DEMO.read_text(encoding="utf-8")
    exported = "\ufeff" + text.replace("\n", "\r\n")
    plain, crlf = ok(text), ok(exported)
    assert crlf.plans == plain.plans
    assert crlf.messages == plain.messages
    assert crlf.messages.steps["welcome"].body == plain.messages.steps["welcome"].body
    assert "\r" not in crlf.messages.steps["welcome"].body
    assert crlf.text == exported


def test_bom_and_crlf_keep_error_lines() -> None:
    text = "\ufeffStarter plan: a on day 0.\r\nOwner: D <@U1>.\r\nflag it.\r\n"
    result = parse_rules(text)
    assert isinstance(result, list)
    assert (
        RulesError(
            line=3,
            message='could not read this rule: "flag it". A window reads '
            "'Nudge after 2 days, flag after 3 more days.' (or '<Step>: nudge "
            "after ...')",
        )
        in result
    )


# --- the demo doc ---------------------------------------------------------------------------


def test_demo_rules_doc_parses() -> None:
    rules = ok(DEMO.read_text(encoding="utf-8"))
    assert list(rules.plans) == ["starter", "pro"]
    assert days(rules, "starter") == [("welcome", 0), ("setup", 2), ("check-in", 6)]
    assert days(rules, "pro") == [
        ("welcome", 0),
        ("connect-data", 1),
        ("feature-tour", 3),
        ("invite-team", 5),
        ("check-in", 9),
    ]
    assert windows(rules, "starter") == {"welcome": (2, 3), "setup": (2, 3), "check-in": (2, 3)}
    assert windows(rules, "pro") == {
        "welcome": (3, 4),
        "connect-data": (1, 2),
        "feature-tour": (3, 4),
        "invite-team": (3, 4),
        "check-in": (3, 4),
    }
    assert rules.plans["starter"].owner == Person(name="Dana Reyes", slack_id="U0DANA", line=6)
    assert rules.plans["pro"].owner == Person(name="Sam Ortiz", slack_id="U0SAM", line=16)
    assert [p.slack_id for p in rules.hand_off_owners] == ["U0SAM", "U0PRIYA", "U0LEE"]
    assert rules.sending == SendingPolicy(
        weekdays_only=True,
        holidays_country="US",
        line=3,
        hours=SendHours(start=time(9), end=time(17), line=4),
        team_hours=SendHours(start=time(9), end=time(17, 30), line=4),
    )


def test_demo_rules_doc_messages() -> None:
    text = DEMO.read_text(encoding="utf-8")
    rules = ok(text)
    msgs = rules.messages
    assert set(msgs.steps) == {
        "welcome",
        "setup",
        "check-in",
        "connect-data",
        "feature-tour",
        "invite-team",
    }
    assert msgs.steps["welcome"].subject == "Welcome aboard, {first_name}!"
    assert msgs.steps["welcome"].body.startswith("Hi {first_name},\n\nWelcome to the team!")
    assert msgs.steps["welcome"].line == line_of(text, "### Welcome")
    assert msgs.default_nudge is not None
    assert msgs.default_nudge.subject == "Re: {original_subject}"
    assert msgs.nudges == {}
    assert msgs.nudge_for("setup") == msgs.default_nudge
    assert msgs.wrap_up.subject == "You're all set, {first_name}"
    assert msgs.wrap_up.body.endswith("Warmly,\n{owner_name}")
    # Inner formatting (bullets, blank lines) is kept.
    assert "\n\n- Saved views, so the team" in msgs.steps["feature-tour"].body


def test_the_guide_shows_the_demo_doc_as_its_complete_example() -> None:
    guide = (DEMO.parents[2] / "docs" / "rules-doc.md").read_text(encoding="utf-8")
    example = guide.split("````markdown\n", 1)[1].split("````", 1)[0]
    assert example == DEMO.read_text(encoding="utf-8")
