"""parse_rules is fed whatever a rep types: it must never raise, and every error must point
at a line that exists."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.models import Rules, RulesError
from engine.rules import parse_rules

DEMO_LINES = (
    (Path(__file__).resolve().parents[2] / "bot" / "demo" / "rules.md")
    .read_text(encoding="utf-8")
    .splitlines()
)

FRAGMENTS = [
    "Starter plan: welcome on day 0, setup on day 2 and check-in on day 6.",
    "Pro plan: a on day 0,",
    "b on day -1.",
    "Nudge after 2 days, flag after 3 more days.",
    "Setup: nudge after 0 days, flag after 1 more day.",
    "Owner: Dana <@U0DANA>.",
    "Hand-off owners: <@U1> and Lee <@U2>.",
    "Holidays: US.",
    "Holidays: ZZ.",
    "Send every day.",
    "## Messages",
    "### Welcome",
    "### Nudge",
    "### Wrap-up",
    "Subject: {original_subject} {x.y}",
    "#",
    "\ufeff",
    "\r\n",
    "\r",
    "",
    ".",
    "flag",
    "day 9999999999",
]


def line_count(text: str) -> int:
    return len(text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def check(text: str) -> None:
    result = parse_rules(text)
    if isinstance(result, Rules):
        return
    assert result, "a failed parse returns at least one error"
    assert all(isinstance(e, RulesError) for e in result)
    assert all(1 <= e.line <= line_count(text) for e in result), result
    assert [e.line for e in result] == sorted(e.line for e in result)


@settings(max_examples=300)
@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    check(text)


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(FRAGMENTS + DEMO_LINES), max_size=40),
    st.sampled_from(["\n", " ", "\r\n"]),
)
def test_never_raises_on_rule_like_text(parts: list[str], sep: str) -> None:
    check(sep.join(parts))
