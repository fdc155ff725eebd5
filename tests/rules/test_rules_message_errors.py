"""Every error a rep can make in the Messages section, with the message they see and the
line it points at."""

from engine.rules import parse_rules

DEFAULTS = "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"
MESSAGES_A = (
    "## Messages\n"
    "### A\nSubject: s {first_name}\n\nbody {done_link}\n"
    "### Nudge\nSubject: Re: {original_subject}\n\nbody\n"
    "### Wrap-up\nSubject: done\n\nbody\n"
)
KNOWN = (
    "{company}, {done_link}, {first_name}, {name}, {original_subject}, {owner_name}, {plan}, {step}"
)


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_rules(text)
    assert isinstance(result, list), "expected errors, the doc parsed"
    return [(e.line, e.message) for e in result]


def only_error(text: str) -> tuple[int, str]:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def test_no_messages_section() -> None:
    assert only_error(DEFAULTS + "Starter plan: a on day 0.\n") == (
        1,
        'the doc has no "## Messages" section: add one, with a "### <Step>" message for '
        'every step, a "### Nudge" and a "### Wrap-up"',
    )


def test_step_with_no_message() -> None:
    text = DEFAULTS + "Starter plan: a on day 0,\nfeature tour on day 1.\n" + MESSAGES_A
    assert only_error(text) == (
        4,
        'step "feature tour" has no message: add a "### feature tour" heading under Messages',
    )


def test_step_with_no_nudge() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\n" + MESSAGES_A.replace("### Nudge", "### A nudge")
    assert parse_rules(text) != []  # its own nudge is enough
    text = DEFAULTS + "Starter plan: a on day 0.\n"
    text += "## Messages\n### A\nSubject: s\n\nb\n### Wrap-up\nSubject: s\n\nb\n"
    assert only_error(text) == (
        3,
        'step "a" has no nudge: add a "### Nudge" message for every step, or a "### a nudge"',
    )


def test_message_for_a_step_no_plan_has() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A
        + "### Kickoff call\nSubject: s\n\nb\n"
    )
    assert only_error(text) == (
        17,
        'message "Kickoff call" matches no step in any plan (the steps are: a). Rename the '
        "heading to a step name, or add the step to a plan",
    )


def test_nudge_for_a_step_no_plan_has() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\n" + MESSAGES_A + "### B nudge\nSubject: s\n\nb\n"
    assert only_error(text)[0] == 17


def test_unknown_placeholders_point_at_their_line() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace(
            "body {done_link}", "Hi {nickname},\n\n{name.__class__} {x[0]} { name }"
        )
    )
    assert errors(text) == [
        (8, f'unknown placeholder {{nickname}} in "A": use one of {KNOWN}'),
        (10, f'unknown placeholder {{name.__class__}} in "A": use one of {KNOWN}'),
        (10, f'unknown placeholder {{x[0]}} in "A": use one of {KNOWN}'),
        (10, f'unknown placeholder {{ name }} in "A": use one of {KNOWN}'),
    ]


def test_unknown_placeholder_in_a_subject() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("s {first_name}", "{firstname}")
    )
    assert only_error(text) == (6, f'unknown placeholder {{firstname}} in "A": use one of {KNOWN}')


def test_original_subject_outside_a_nudge() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("s {first_name}", "{original_subject}")
    )
    assert only_error(text) == (
        6,
        '{original_subject} in "A" only works in a nudge, where it is the subject of the '
        "email being followed up",
    )


def test_done_link_and_step_in_the_wrap_up() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("Subject: done\n\nbody", "Subject: {step} done\n\n{done_link}")
    )
    reason = "it is sent after the last step, so there is no step to name or mark done"
    assert errors(text) == [
        (14, f"{{step}} does not work in the Wrap-up: {reason}"),
        (16, f"{{done_link}} does not work in the Wrap-up: {reason}"),
    ]


def test_default_nudge_must_name_the_original_message() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("Re: {original_subject}", "Hello again")
    )
    assert only_error(text) == (
        9,
        'the "Nudge" message must name the email it follows up on: put {original_subject} in '
        "its subject or body, e.g. 'Subject: Re: {original_subject}'",
    )


def test_rule_words_inside_messages_are_not_rules() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("body {done_link}", "On day 3 we flag and nudge {done_link}")
    )
    assert not isinstance(parse_rules(text), list)


def test_missing_subject_line() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("Subject: s {first_name}\n", "")
    )
    assert only_error(text) == (
        5,
        'message "A" has no Subject line: the first line under the heading must be '
        "'Subject: ...'",
    )


def test_empty_subject_and_empty_body() -> None:
    text = (
        DEFAULTS
        + "Starter plan: a on day 0.\n"
        + MESSAGES_A.replace("Subject: done\n\nbody\n", "Subject:\n")
    )
    assert errors(text) == [
        (13, 'message "Wrap-up" has no body'),
        (14, 'message "Wrap-up" has an empty subject'),
    ]


def test_missing_wrap_up() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\n\n" + MESSAGES_A.split("### Wrap-up")[0]
    assert only_error(text) == (
        5,
        'the Messages section has no "### Wrap-up" message: add the email that congratulates '
        "a customer who finished",
    )
