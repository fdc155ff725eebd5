"""The Messages section: headings, Subject lines, bodies and nudges."""

from engine.plans import MessageTemplate, Rules
from engine.rules import parse_rules

HEAD = (
    "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"
    "Starter plan: welcome on day 0, connect data on day 1. Pro plan: connect data on day 0.\n"
)
WRAP_UP = "### Wrap-up\nSubject: All done\n\nThanks!\n"


def ok(text: str) -> Rules:
    result = parse_rules(text)
    assert isinstance(result, Rules), [e.render("rules.md") for e in result]
    return result


def test_bodies_are_trimmed_but_keep_their_inner_formatting() -> None:
    text = HEAD + (
        "## Messages\n"  # 4
        "### Welcome\n"  # 5
        "\n"
        "Subject:   Hello {first_name}  \n"  # 7
        "\n\n"
        "Hi {first_name},\n"  # 10
        "\n"
        "  - step one\n"
        "  - step two\n"
        "\n\n"
        "### Connect data\nSubject: Data\n\nConnect it: {done_link}\n"
        "### Nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    welcome = ok(text).messages.steps["welcome"]
    assert welcome == MessageTemplate(
        subject="Hello {first_name}",
        body="Hi {first_name},\n\n  - step one\n  - step two",
        line=5,
    )


def test_a_step_shared_by_two_plans_shares_one_message() -> None:
    text = HEAD + (
        "## Messages\n### Welcome\nSubject: Hi\n\nHello\n"
        "### Connect data\nSubject: Data\n\nConnect it\n"
        "### Nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    rules = ok(text)
    assert set(rules.messages.steps) == {"welcome", "connect-data"}
    assert rules.plans["starter"].steps[1].id == rules.plans["pro"].steps[0].id == "connect-data"


def test_a_step_nudge_overrides_the_default_nudge() -> None:
    text = HEAD + (
        "## Messages\n### Welcome\nSubject: Hi\n\nHello\n"
        "### Connect data\nSubject: Data\n\nConnect it\n"
        "### Connect data nudge\nSubject: Need a hand with your data?\n\nReply and I'll help.\n"
        "### Nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    messages = ok(text).messages
    assert set(messages.nudges) == {"connect-data"}
    own = messages.nudge_for("connect-data")
    assert own is not None and own.subject == "Need a hand with your data?"
    assert messages.nudge_for("welcome") == messages.default_nudge


def test_step_nudges_without_a_default_nudge() -> None:
    text = HEAD + (
        "## Messages\n### Welcome\nSubject: Hi\n\nHello\n"
        "### Welcome nudge\nSubject: Still there?\n\nPing\n"
        "### Connect data\nSubject: Data\n\nConnect it\n"
        "### Connect data nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    messages = ok(text).messages
    assert messages.default_nudge is None
    assert set(messages.nudges) == {"welcome", "connect-data"}


def test_a_step_whose_name_ends_in_nudge() -> None:
    text = (
        "Nudge after 2 days, flag after 3 more days.\nOwner: D <@U1>.\n"
        "Starter plan: gentle nudge on day 0.\n"
        "## Messages\n### Gentle nudge\nSubject: Hi\n\nHello\n"
        "### Gentle nudge nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    messages = ok(text).messages
    assert set(messages.steps) == {"gentle-nudge"}
    assert set(messages.nudges) == {"gentle-nudge"}


def test_section_ends_at_a_heading_of_the_same_level_and_rules_resume() -> None:
    text = (
        "Starter plan: welcome on day 0.\n"
        "## Messages\n"
        "Intro prose about the emails; nudge and flag words here are not rules.\n"
        "### Welcome\nSubject: Hi\n\nHello\n"
        "### Nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP + "## Who\n"
        "Owner: Dana <@U0DANA>. Nudge after 1 day, flag after 2 more days.\n"
    )
    rules = ok(text)
    assert rules.messages.wrap_up.body == "Thanks!"
    assert rules.plans["starter"].owner.slack_id == "U0DANA"
    assert rules.plans["starter"].steps[0].window.flag_after == 2


def test_messages_heading_is_case_insensitive() -> None:
    text = HEAD.replace(" Pro plan: connect data on day 0.", "").replace(
        ", connect data on day 1", ""
    ) + (
        "# MESSAGES:\n## welcome\nsubject: Hi\n\nHello\n"
        "## NUDGE\nSUBJECT: {original_subject}\n\nPing\n## Wrapup\nSubject: Bye\n\nBye\n"
    )
    rules = ok(text)
    assert rules.messages.wrap_up.subject == "Bye"
    assert rules.messages.default_nudge is not None


def test_placeholders_may_be_escaped_with_double_braces() -> None:
    text = HEAD + (
        "## Messages\n### Welcome\nSubject: Hi\n\nUse {{curly}} braces, {{nickname}}\n"
        "### Connect data\nSubject: Data\n\nConnect it\n"
        "### Nudge\nSubject: Re: {original_subject}\n\nPing\n" + WRAP_UP
    )
    assert ok(text).messages.steps["welcome"].body == "Use {{curly}} braces, {{nickname}}"
