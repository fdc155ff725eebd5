"""parse_rules is fed whatever a rep types: it must never raise, and every error must point
at a line that exists. `og rules check` on the same docs exits 0 or 1, never with a
traceback."""

import re
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from workspace import RULES

import bot.cli
from engine.plans import Rules, RulesError
from engine.rules import parse_rules

DEMO = (Path(__file__).resolve().parents[2] / "bot" / "demo" / "rules.md").read_text(
    encoding="utf-8"
)
DEMO_LINES = DEMO.splitlines()
KEY_VALUE = """\
Owner: Sam Rivera <@U024BE7LH>
Hand-off owners: Lee Wong <@U0LEE>, Kim Park <@U0KIM>
Nudge after 2 days, flag after 3 more days
Send every day
Holidays: US
Starter plan: welcome on day 0, setup on day 2,
check-in on day 6
Setup: nudge after 1 day, flag after 2 more days

## Messages
### Welcome
Subject: Hi {first_name}

Start here: {done_link}
### Setup
Subject: Setup

Go: {done_link}
### Check-in
Subject: How is it going?

Tell me: {done_link}
### Nudge
Subject: Re: {original_subject}

Still there?
### Wrap-up
Subject: Done

All set.
"""
GOOD_DOCS = [DEMO, RULES, KEY_VALUE]

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


# --- mutated good docs ----------------------------------------------------------------------

STRAY = ["#", "##", "#######", "# Messages #", "### ", "###### x ######", "## Messages", "-", "* "]
ODD = ["\u2028", "\x0b", "\x0c", "\x1c", "\x85", "\u00a0", "\u200b", "\ufeff", "\t", "\r", "."]
HUGE = ["99999999999999999999", "-0", "1" * 5000, "٣", "１", "0x10", "-999999"]
NUMBER = re.compile(r"-?[0-9]+")


def _insert_line(lines: list[str], data: st.DataObject) -> None:
    line = data.draw(
        st.one_of(
            st.sampled_from(FRAGMENTS + DEMO_LINES + STRAY),
            st.text(max_size=40),
            st.lists(st.sampled_from(ODD + HUGE + [" ", ":", "<@U1>"]), max_size=6).map("".join),
        )
    )
    lines.insert(data.draw(st.integers(0, len(lines))), line)


def _delete_line(lines: list[str], data: st.DataObject) -> None:
    if lines:
        del lines[data.draw(st.integers(0, len(lines) - 1))]


def _duplicate_lines(lines: list[str], data: st.DataObject) -> None:
    if lines:
        start = data.draw(st.integers(0, len(lines) - 1))
        end = data.draw(st.integers(start + 1, min(len(lines), start + 5)))
        lines[end:end] = lines[start:end]


def _edit_characters(lines: list[str], data: st.DataObject) -> None:
    if not lines:
        return
    index = data.draw(st.integers(0, len(lines) - 1))
    line = lines[index]
    at = data.draw(st.integers(0, len(line)))
    to = data.draw(st.integers(at, min(len(line), at + 8)))
    kind = data.draw(st.sampled_from(["insert", "delete", "duplicate", "huge"]))
    if kind == "insert":
        extra = data.draw(st.one_of(st.text(min_size=1, max_size=5), st.sampled_from(ODD)))
        lines[index] = line[:at] + extra + line[at:]
    elif kind == "delete":
        lines[index] = line[:at] + line[to:]
    elif kind == "duplicate":
        lines[index] = line[:to] + line[at:to] + line[to:]
    else:
        huge = data.draw(st.sampled_from(HUGE))
        lines[index] = NUMBER.sub(huge, line, count=1)


MUTATIONS = [_insert_line, _delete_line, _duplicate_lines, _edit_characters]


@st.composite
def mutated_docs(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(GOOD_DOCS)).split("\n")
    data = draw(st.data())
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=8)):
        mutate(lines, data)
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def test_the_good_docs_are_good() -> None:
    assert all(isinstance(parse_rules(doc), Rules) for doc in GOOD_DOCS)


@settings(max_examples=400, deadline=None)
@given(mutated_docs())
def test_never_raises_on_a_mutated_good_doc(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(mutated_docs())
def test_og_rules_check_exits_0_or_1_on_a_mutated_good_doc(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.md"
        path.write_bytes(text.encode("utf-8"))
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = bot.cli.main(["rules", "check", str(path)])
    assert err.getvalue() == ""
    # Not splitlines(): a quoted sentence may hold a character it would split at.
    lines = out.getvalue().removesuffix("\n").split("\n")
    if code == 0:
        assert lines[0].startswith(f"{path}: ") and "plan" in lines[0]
        return
    assert code == 1
    found = [re.match(rf"{re.escape(str(path))}:(\d+): \S", line) for line in lines]
    assert lines and all(found), lines
    assert all(1 <= int(m.group(1)) <= line_count(text) for m in found if m)
