"""Every error a rep can make, with the message they see and the line it points at."""

from engine.plans import RulesError
from engine.rules import parse_rules

DEFAULTS = "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"
WINDOW_HINT = (
    "A window reads 'Nudge after 2 days, flag after 3 more days.' (or '<Step>: nudge after ...')"
)
PLAN_EXAMPLE = "'Starter plan: welcome on day 0, setup on day 2, check-in on day 6.'"
MESSAGES_A = (
    "## Messages\n"
    "### A\nSubject: s {first_name}\n\nbody {done_link}\n"
    "### Nudge\nSubject: Re: {original_subject}\n\nbody\n"
    "### Wrap-up\nSubject: done\n\nbody\n"
)


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_rules(text)
    assert isinstance(result, list), "expected errors, the doc parsed"
    return [(e.line, e.message) for e in result]


def only_error(text: str) -> tuple[int, str]:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def test_no_plans() -> None:
    assert only_error(DEFAULTS + MESSAGES_A) == (
        1,
        f"the doc has no plans: add a sentence like {PLAN_EXAMPLE}",
    )


def test_empty_doc() -> None:
    assert errors("") == [
        (1, f"the doc has no plans: add a sentence like {PLAN_EXAMPLE}"),
        (
            1,
            'the doc has no "## Messages" section: add one, with a "### <Step>" message for '
            'every step, a "### Nudge" and a "### Wrap-up"',
        ),
    ]


def test_duplicate_plan() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\n\nstarter plan: a on day 1.\n" + MESSAGES_A
    assert only_error(text) == (
        5,
        "the starter plan is already described at line 3: describe each plan once",
    )


def test_duplicate_step_in_a_plan() -> None:
    text = DEFAULTS + "Starter plan: a on day 0,\nA on day 1.\n" + MESSAGES_A
    assert only_error(text) == (
        4,
        'the Starter plan lists the step "A" twice: each step appears once per plan',
    )


def test_days_out_of_order() -> None:
    text = DEFAULTS + "Starter plan: a on day 0, b on day 3,\nc on day 2.\n"
    text += MESSAGES_A.replace(
        "### Nudge", "### B\nSubject: s\n\nb\n### C\nSubject: s\n\nb\n### Nudge"
    )
    assert only_error(text) == (
        4,
        'step "c" is on day 2, before "b" on day 3: list the steps in day order',
    )


def test_negative_day() -> None:
    text = DEFAULTS + "Starter plan: a on day -1.\n" + MESSAGES_A
    assert only_error(text) == (3, 'step "a" is on day -1: days start at 0, the signup day')


def test_window_of_zero_days() -> None:
    text = "Owner: D <@U1>.\nNudge after 0 days, flag after 3 more days.\n"
    text += "Starter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        2,
        "nudge after 0 days: the wait before a nudge must be at least 1 day",
    )


def test_step_window_of_negative_days() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\nA: nudge after 1 day, flag after -2 more days.\n"
    assert only_error(text + MESSAGES_A) == (
        4,
        "flag after -2 more days: the wait before a flag must be at least 1 day",
    )


def test_step_with_no_window_and_no_default() -> None:
    text = "Owner: D <@U1>.\nStarter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        2,
        'step "a" of the Starter plan has no window: add '
        "'Nudge after 2 days, flag after 3 more days.' at the top of the doc",
    )


def test_no_owner() -> None:
    text = "Nudge after 2 days, flag after 3 more days.\n\nStarter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        3,
        "the Starter plan has no owner to flag: add 'Owner: Dana Reyes <@U0DANA>.' at the top "
        "of the doc, or right after the plan",
    )


def test_an_owner_in_another_plans_section_does_not_count() -> None:
    text = (
        "Nudge after 2 days, flag after 3 more days.\n## Pro\nPro plan: a on day 0.\n"
        "Owner: Sam <@U0SAM>.\n## Starter\nStarter plan: a on day 0.\n" + MESSAGES_A
    )
    assert only_error(text)[:1] == (6,)


def test_unparseable_rule_sentences() -> None:
    text = DEFAULTS + (
        "Nudge after two days.\n"
        "Flag after 3 days.\n"
        "Welcome on day 3.\n"
        "Starter plan: a on day 0, b day 2.\n"
        "Starter plan: a on day 0.\n"
        "A: nudge after 1 day.\n"
    )
    assert errors(text + MESSAGES_A) == [
        (3, f'could not read this rule: "Nudge after two days". {WINDOW_HINT}'),
        (4, f'could not read this rule: "Flag after 3 days". {WINDOW_HINT}'),
        (
            5,
            'could not read this rule: "Welcome on day 3". Steps and days belong in a plan '
            f"sentence: {PLAN_EXAMPLE}",
        ),
        (
            6,
            'could not read this rule: "Starter plan: a on day 0, b day 2". A plan reads '
            f"{PLAN_EXAMPLE}",
        ),
        (8, f'could not read this rule: "A: nudge after 1 day". {WINDOW_HINT}'),
    ]


def test_unreadable_owner_hand_off_and_sending() -> None:
    text = "Owner: Dana Reyes.\nHand-off owners: Sam, Lee.\nSend on Mondays.\n"
    text += DEFAULTS + "Starter plan: a on day 0.\n" + MESSAGES_A
    assert errors(text) == [
        (
            1,
            'could not read this owner: "Owner: Dana Reyes": "Dana Reyes" has no member id or '
            "email, and Slack cannot find someone by name. Name them with their work email, as "
            "'Owner: Dana Reyes <dana@your-company.com>.', or with their Slack member id, as "
            "'Owner: Dana Reyes <@MEMBERID>.' (in Slack: the person's profile → ⋮ → Copy "
            "member ID)",
        ),
        (
            2,
            'could not read these hand-off owners: "Hand-off owners: Sam, Lee": "Sam" has no '
            "member id or email, and Slack cannot find someone by name. Name them with their "
            "work email, as 'Sam <sam@your-company.com>', or with their Slack member id, as "
            "'Sam <@MEMBERID>' (in Slack: the person's profile → ⋮ → Copy member ID)",
        ),
        (
            3,
            'could not read this rule: "Send on Mondays". Write '
            "'Send on weekdays only.' or 'Send every day.'",
        ),
    ]


def test_step_window_for_a_step_the_plan_lacks() -> None:
    text = DEFAULTS + "Starter plan: a on day 0.\nB: nudge after 1 day, flag after 1 more day.\n"
    assert only_error(text + MESSAGES_A) == (
        4,
        'the Starter plan has no step "B" (its steps: a). Check the spelling, or move this '
        "sentence to the plan it is for",
    )


def test_doc_level_step_window_for_a_step_no_plan_has() -> None:
    text = "Setup: nudge after 1 day, flag after 1 more day.\n" + DEFAULTS
    text += "Starter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (1, 'no plan has a step "Setup": check the spelling')


def test_unknown_holidays_country() -> None:
    text = DEFAULTS + "Holidays: XX.\nStarter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        3,
        'unknown holidays country "XX": use a country code such as US, GB, DE or FR',
    )


def test_holidays_must_be_a_code() -> None:
    text = DEFAULTS + "Holidays: United States.\nStarter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        3,
        'could not read this rule: "Holidays: United States". Write a country code, like '
        "'Holidays: US.'",
    )


def test_rules_set_twice_in_one_scope() -> None:
    text = DEFAULTS + (
        "Owner: X <@U2>.\n"
        "Nudge after 1 day, flag after 1 more day.\n"
        "Send every day. Send on weekdays only.\n"
        "Starter plan: a on day 0.\n"
        "A: nudge after 1 day, flag after 1 more day.\n"
        "A: nudge after 2 days, flag after 2 more days.\n"
    )
    assert errors(text + MESSAGES_A + "### A\nSubject: again\n\nb\n") == [
        (3, "the default owner is already set at line 2: keep only one"),
        (4, "the default window is already set at line 1: keep only one"),
        (5, "which days to send on is already set at line 5: keep only one"),
        (8, 'the window of step "A" is already set at line 7: keep only one'),
        (22, 'a second message for "A" (the first is at line 10): keep only one'),
    ]


def test_reserved_and_empty_step_names() -> None:
    text = DEFAULTS + "Starter plan: a on day 0, wrap-up on day 3, nudge on day 4, !!! on day 5.\n"
    reserved = "cannot be a step name: the guide uses it for its own emails. Pick another name"
    assert errors(text + MESSAGES_A) == [
        (3, f'"wrap-up" {reserved}'),
        (3, f'"nudge" {reserved}'),
        (3, 'the step name "!!!" needs at least one letter or digit'),
    ]


def test_all_errors_are_reported_sorted_by_line() -> None:
    text = (
        "## Messages\n### Ghost\nSubject: {oops}\n\nb\n"  # lines 1-5
        "## Plans\n"
        "Starter plan: a on day 2, b on day 1.\n"  # line 7
        "Flag them.\n"  # line 8
    )
    result = parse_rules(text)
    assert isinstance(result, list)
    assert all(isinstance(e, RulesError) for e in result)
    lines = [e.line for e in result]
    assert lines == sorted(lines)
    assert {2, 3, 7, 8} <= set(lines)


def test_a_plan_window_written_like_a_step_window_gets_a_hint() -> None:
    hint = (
        "To give a plan its own window, write 'Nudge after N days, flag after M more days.' "
        "right after the plan's sentence"
    )
    sentence = "Starter plan: nudge after 1 day, flag after 1 more day.\n"
    text = DEFAULTS + "Starter plan: a on day 0.\n" + sentence + MESSAGES_A
    assert only_error(text) == (
        4,
        'the Starter plan has no step "Starter plan" (its steps: a). Check the spelling, or '
        f"move this sentence to the plan it is for. {hint}",
    )
    text = sentence + DEFAULTS + "Starter plan: a on day 0.\n" + MESSAGES_A
    assert only_error(text) == (
        1,
        f'no plan has a step "Starter plan": check the spelling. {hint}',
    )
