"""Rule sentences: each sentence of the doc read as one rule, or as commentary.

How lines become sentences is engine/rules/paragraphs.py; this module knows what rules look
like. Every pattern here runs in time linear in its text: a name may hold a run of a
hundred thousand spaces, so no two quantifiers may take turns at the same run (the names
end at a non-space and the runs after them are possessive).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal, cast

from engine.plans import Person, RulesError
from engine.rules.hours import HOURS_START, HoursRule, read_hours
from engine.rules.people import Unreadable, people_error, read_people
from engine.rules.wording import quote

# Bounded so a pasted wall of digits can never hit Python's int-parsing limit.
_NUM = r"(-?[0-9]{1,6})"
_WINDOW = (
    rf"nudge\s+after\s+{_NUM}\s+days?(?:\s*+,\s*+|\s++)(?:and\s+)?(?:then\s+)?"
    rf"flag\s+after\s+{_NUM}\s+more\s+days?"
)
# A name before a colon or a keyword: no colon, no sentence end (". "), and it ends at a
# non-space. Sentences hold no sentence end anyway; `rule_start` reads whole lines.
_NAME = r"(?:[^:.]|\.(?!\s))*?(?:[^:\s.]|\.(?!\s))"
_WINDOW_RE = re.compile(rf"^{_WINDOW}$", re.IGNORECASE)
_STEP_WINDOW_RE = re.compile(rf"^(?P<step>{_NAME})\s*+:\s*+{_WINDOW}$", re.IGNORECASE)
_PLAN_RE = re.compile(rf"^(?P<name>{_NAME})\s++plan\s*+:\s*(?P<steps>.*)$", re.IGNORECASE)
# A step name runs up to the first "on day N" that is followed by a separator, so a name may
# itself contain "and" ("sign and send on day 3").
_NOT_ON_DAY = r"(?!\bon\s+day\b)"
_STEP_ITEM_RE = re.compile(
    rf"(?P<name>(?:{_NOT_ON_DAY}.)*?{_NOT_ON_DAY}\S)\s++on\s+day\s+{_NUM}"
    r"\s*+(?P<sep>,\s*+(?:and\s+)?|and\s+|$)",
    re.IGNORECASE,
)
_OWNER = r"owner\s*:"
_HAND_OFF = r"hand[\s-]?off\s+owners?\s*:"
_HOLIDAYS = r"holidays\s*:"
_OWNER_RE = re.compile(rf"^{_OWNER}\s*(?P<who>.*)$", re.IGNORECASE)
_HAND_OFF_RE = re.compile(rf"^{_HAND_OFF}\s*(?P<who>.*)$", re.IGNORECASE)
_WEEKDAYS = r"send\s+(?:only\s+)?on\s+weekdays(?:\s+only)?|send\s+weekdays\s+only"
_EVERY_DAY = r"send\s+(?:on\s+)?(?:every\s+day|daily)"
_WEEKDAYS_RE = re.compile(rf"^(?:{_WEEKDAYS})$", re.IGNORECASE)
_EVERY_DAY_RE = re.compile(rf"^(?:{_EVERY_DAY})$", re.IGNORECASE)
_SEND_ATTEMPT_RE = re.compile(
    r"^send\s+(?:only\s+|on\s+|every\s+|daily\b|weekdays\b)", re.IGNORECASE
)
_HOURS_START_RE = re.compile(rf"^{HOURS_START}", re.IGNORECASE)
_HOLIDAYS_RE = re.compile(rf"^{_HOLIDAYS}\s*(?P<code>.*)$", re.IGNORECASE)
_APPROVAL = r"rules?\s+changes\s+need\s+approval"
_APPROVAL_RE = re.compile(rf"^{_APPROVAL}$", re.IGNORECASE)
# A sentence about approving rule changes that is not the rule: an error, never commentary,
# or a team would believe its edits wait for Apply when they do not.
_APPROVAL_ATTEMPT_RE = re.compile(r"^rules?\s+changes?\b.*\bapprov", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2,3}$")

# What makes an unreadable sentence an error rather than commentary.
_RULE_WORDS_RE = re.compile(r"\bday\s+-?\d+|\bnudge\b|\bflag\b", re.IGNORECASE)
_WINDOW_WORDS_RE = re.compile(r"\bnudge\b|\bflag\b", re.IGNORECASE)

# How a line that is a rule of its own begins (see `rule_start`). A sending rule is a fixed
# phrase and counts only when it ends there, since "send" also begins plain prose. A line
# that is only "<Step>:" begins a step window whose "nudge after" is on the next line.
_RULE_START_RE = re.compile(
    rf"""\s*+(?:
        (?P<owner>{_OWNER})
      | (?P<hand_off>{_HAND_OFF})
      | (?P<holidays>{_HOLIDAYS})
      | (?P<sending>(?:{_WEEKDAYS}|{_EVERY_DAY})\s*(?:\.(?!\S)|$))
      | (?P<approval>{_APPROVAL}\s*(?:\.(?!\S)|$))
      | (?P<hours>{HOURS_START})
      | (?P<window>nudge\s+after\b)
      | (?P<step_window>{_NAME}\s*+:\s*+(?:nudge\s+after\b|$))
      | (?P<plan>{_NAME}\s++plan\s*+:)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
RuleStart = Literal[
    "owner", "hand_off", "holidays", "sending", "approval", "hours", "window", "step_window", "plan"
]

# Unicode-aware, so a step named in any language keeps its letters.
_SLUG_GAP_RE = re.compile(r"[\W_]+")

APPROVAL_EXAMPLE = "Rule changes need approval."
WINDOW_EXAMPLE = "Nudge after 2 days, flag after 3 more days."
PLAN_EXAMPLE = "Starter plan: welcome on day 0, setup on day 2, check-in on day 6."
OWNER_EXAMPLE = "Owner: Dana Reyes <@U0DANA>."


def slugify(name: str) -> str:
    """The id of a plan or step: "Connect data" -> "connect-data"."""
    return _SLUG_GAP_RE.sub("-", name.lower()).strip("-")


def rule_start(line: str) -> RuleStart | None:
    """Which rule a line begins with, if it begins like one: `Owner:`, `Hand-off owners:`,
    `Holidays:`, a sending rule, `Send between`, `Nudge after`, `<Step>: nudge after` (or
    `<Step>:` alone) or `<Name> plan:`."""
    m = _RULE_START_RE.match(line)
    return None if m is None else cast(RuleStart, m.lastgroup)


@dataclass(frozen=True)
class LineMap:
    """Where each line of a paragraph starts in the paragraph's joined text."""

    offsets: tuple[int, ...]
    numbers: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        return self.numbers[max(bisect_right(self.offsets, offset) - 1, 0)]


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    """Offset of `text` in its joined paragraph."""
    lines: LineMap
    """Shared by every sentence of the paragraph."""

    def line_at(self, index: int = 0) -> int:
        return self.lines.line_at(self.start + index)

    @property
    def line(self) -> int:
        return self.line_at(0)


@dataclass(frozen=True)
class StepItem:
    name: str
    day: int
    line: int


@dataclass(frozen=True)
class PlanRule:
    name: str
    steps: tuple[StepItem, ...]
    line: int


@dataclass(frozen=True)
class WindowRule:
    nudge_after: int
    flag_after: int
    line: int
    step: str | None = None
    """The step as written, for a step window; None for a plan or default window."""


@dataclass(frozen=True)
class OwnerRule:
    person: Person
    line: int


@dataclass(frozen=True)
class HandOffRule:
    people: tuple[Person, ...]
    line: int


@dataclass(frozen=True)
class SendingRule:
    weekdays_only: bool
    line: int


@dataclass(frozen=True)
class HolidaysRule:
    code: str
    line: int


@dataclass(frozen=True)
class ApprovalRule:
    """`Rule changes need approval.`"""

    line: int


Rule = (
    PlanRule
    | WindowRule
    | OwnerRule
    | HandOffRule
    | SendingRule
    | HolidaysRule
    | HoursRule
    | ApprovalRule
)


def read_sentence(sentence: Sentence) -> Rule | RulesError | None:
    """The rule a sentence states, an error if it looks like a rule but can't be read, or
    None for commentary."""
    text = sentence.text
    line = sentence.line
    if m := _WINDOW_RE.match(text):
        return WindowRule(int(m.group(1)), int(m.group(2)), line)
    if m := _STEP_WINDOW_RE.match(text):
        return WindowRule(int(m.group(2)), int(m.group(3)), line, m.group("step").strip())
    if m := _OWNER_RE.match(text):
        owner = _people(sentence, m, one=True)
        if isinstance(owner, Unreadable):
            return _error(owner.line, people_error(owner, text, hand_off=False))
        return OwnerRule(owner[0], line)
    if m := _HAND_OFF_RE.match(text):
        people = _people(sentence, m, one=False)
        if isinstance(people, Unreadable):
            # At the line of the person it is about: a list may wrap over several.
            return _error(people.line, people_error(people, text, hand_off=True))
        return HandOffRule(people, line)
    if _WEEKDAYS_RE.match(text):
        return SendingRule(True, line)
    if _EVERY_DAY_RE.match(text):
        return SendingRule(False, line)
    if _HOURS_START_RE.match(text):
        return read_hours(text, line)
    if _APPROVAL_RE.match(text):
        return ApprovalRule(line)
    if _APPROVAL_ATTEMPT_RE.match(text):
        return _error(line, f"could not read this rule: {quote(text)}. Write '{APPROVAL_EXAMPLE}'")
    if _SEND_ATTEMPT_RE.match(text):
        return _error(
            line,
            f"could not read this rule: {quote(text)}. "
            "Write 'Send on weekdays only.' or 'Send every day.'",
        )
    if m := _HOLIDAYS_RE.match(text):
        code = m.group("code").strip()
        if not _COUNTRY_RE.match(code):
            return _error(
                line,
                f"could not read this rule: {quote(text)}. "
                "Write a country code, like 'Holidays: US.'",
            )
        return HolidaysRule(code.upper(), line)
    if m := _PLAN_RE.match(text):
        plan = _plan(sentence, m)
        if plan is not None:
            return plan
        if _RULE_WORDS_RE.search(text):
            return _error(
                line, f"could not read this rule: {quote(text)}. A plan reads '{PLAN_EXAMPLE}'"
            )
        return None
    if _RULE_WORDS_RE.search(text):
        if _WINDOW_WORDS_RE.search(text):
            hint = f"A window reads '{WINDOW_EXAMPLE}' (or '<Step>: nudge after ...')"
        else:
            hint = f"Steps and days belong in a plan sentence: '{PLAN_EXAMPLE}'"
        return _error(line, f"could not read this rule: {quote(text)}. {hint}")
    return None


def _plan(sentence: Sentence, match: re.Match[str]) -> PlanRule | None:
    steps_text = match.group("steps")
    base = match.start("steps")
    items: list[StepItem] = []
    pos = 0
    while pos < len(steps_text):
        m = _STEP_ITEM_RE.match(steps_text, pos)
        if m is None:
            return None
        items.append(
            StepItem(m.group("name").strip(), int(m.group(2)), sentence.line_at(base + pos))
        )
        pos = m.end()
    if not items:
        return None
    return PlanRule(match.group("name").strip(), tuple(items), sentence.line)


def _people(
    sentence: Sentence, match: re.Match[str], *, one: bool
) -> tuple[Person, ...] | Unreadable:
    base = match.start("who")
    return read_people(
        match.group("who"), one=one, line_at=lambda offset: sentence.line_at(base + offset)
    )


def _error(line: int, message: str) -> RulesError:
    return RulesError(line=line, message=message)
