"""`Rule changes need approval.`: the sentence that makes an edit of the rules doc wait for
Apply (issue 17), read like every rule, a near miss an error rather than commentary, and shown
by `og rules check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from workspace import RULES, Workspace, og, row

from engine.plans import Rules
from engine.rules import parse_rules

AFTER = "Send every day."


def with_sentence(sentence: str) -> str:
    assert RULES.count(AFTER) == 1
    return RULES.replace(AFTER, f"{AFTER}\n{sentence}")


def problems(text: str) -> list[str]:
    parsed = parse_rules(text)
    assert isinstance(parsed, list), "the doc parsed"
    return [error.render("rules.md") for error in parsed]


def test_without_it_edits_need_no_approval() -> None:
    parsed = parse_rules(RULES)
    assert isinstance(parsed, Rules) and parsed.changes_need_approval is False


@pytest.mark.parametrize(
    "sentence",
    [
        "Rule changes need approval.",
        "rule changes need approval.",
        "RULES CHANGES NEED APPROVAL.",
        "Rule changes need approval",  # a line of its own needs no period
        "- Rule changes need approval",
        "Rule changes need approval. Owners review every edit first.",
    ],
)
def test_the_sentence_makes_edits_wait_for_approval(sentence: str) -> None:
    parsed = parse_rules(with_sentence(sentence))
    assert isinstance(parsed, Rules), parsed
    assert parsed.changes_need_approval is True


def test_it_ends_an_unfinished_line_before_it_like_any_rule_of_its_own() -> None:
    text = RULES.replace("Send every day.", "Send every day\nRule changes need approval")
    parsed = parse_rules(text)
    assert isinstance(parsed, Rules) and parsed.changes_need_approval


@pytest.mark.parametrize(
    "sentence",
    [
        "Rule changes needs approval.",
        "Rule change need approval.",
        "Rules changes must be approved.",
        "Rule changes need an approval from Dana.",
    ],
)
def test_a_near_miss_is_an_error_at_its_line_never_a_comment(sentence: str) -> None:
    line = with_sentence(sentence).splitlines().index(sentence) + 1

    (problem,) = problems(with_sentence(sentence))

    assert problem.startswith(f"rules.md:{line}: could not read this rule")
    assert "Write 'Rule changes need approval.'" in problem


def test_saying_it_twice_is_an_error_at_the_second() -> None:
    text = with_sentence("Rule changes need approval.\nRule changes need approval.")
    (problem,) = problems(text)
    assert problem == (
        "rules.md:5: the approval of rule changes is already set at line 4: keep only one"
    )


def test_prose_about_approval_elsewhere_is_commentary() -> None:
    parsed = parse_rules(with_sentence("Dana signs off on campaign approvals."))
    assert isinstance(parsed, Rules) and not parsed.changes_need_approval


def test_og_rules_check_says_edits_need_approval(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row("C1")], rules=with_sentence("Rule changes need approval."))

    checked = og(ws, "rules", "check")

    assert checked.returncode == 0, checked.stderr
    assert "Rule changes need approval: an edit of this doc waits" in checked.stdout

    ws.rules_path.write_text(with_sentence("Rule changes needs approval."), encoding="utf-8")
    broken = og(ws, "rules", "check")
    assert broken.returncode == 1
    assert f"{ws.rules_path}:4: could not read this rule" in broken.stdout
