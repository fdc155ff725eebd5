"""Rule sentences: prose paragraphs split into sentences, each sentence read as one rule.

Reps write the doc like a note, so a rule may wrap across lines and a line may hold several
rules. Paragraphs are joined, split on a period followed by a space, and every sentence keeps
a map back to the lines it came from so errors can point at the right line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.models import Person, RulesError

# Bounded so a pasted wall of digits can never hit Python's int-parsing limit.
_NUM = r"(-?[0-9]{1,6})"
_WINDOW = (
    rf"nudge\s+after\s+{_NUM}\s+days?\s*(?:,\s*|\s+)(?:and\s+)?(?:then\s+)?"
    rf"flag\s+after\s+{_NUM}\s+more\s+days?"
)
_WINDOW_RE = re.compile(rf"^{_WINDOW}$", re.IGNORECASE)
_STEP_WINDOW_RE = re.compile(rf"^(?P<step>[^:]+?)\s*:\s*{_WINDOW}$", re.IGNORECASE)
_PLAN_RE = re.compile(r"^(?P<name>[^:]+?)\s+plan\s*:\s*(?P<steps>.*)$", re.IGNORECASE)
# A step name runs up to the first "on day N" that is followed by a separator, so a name may
# itself contain "and" ("sign and send on day 3").
_STEP_ITEM_RE = re.compile(
    rf"(?P<name>(?:(?!\bon\s+day\b).)+?)\s+on\s+day\s+{_NUM}"
    r"\s*(?P<sep>,\s*(?:and\s+)?|and\s+|$)",
    re.IGNORECASE,
)
_OWNER_RE = re.compile(r"^owner\s*:\s*(?P<who>.*)$", re.IGNORECASE)
_HAND_OFF_RE = re.compile(r"^hand[\s-]?off\s+owners?\s*:\s*(?P<who>.*)$", re.IGNORECASE)
_MENTION_RE = re.compile(r"<@(?P<id>[A-Za-z0-9]+)(?:\|[^>]*)?>")
_LIST_SEP_RE = re.compile(r"^(?:,\s*)?(?:and\s+)?", re.IGNORECASE)
_WEEKDAYS_RE = re.compile(
    r"^send\s+(?:only\s+)?on\s+weekdays(?:\s+only)?$|^send\s+weekdays\s+only$", re.IGNORECASE
)
_EVERY_DAY_RE = re.compile(r"^send\s+(?:on\s+)?(?:every\s+day|daily)$", re.IGNORECASE)
_SEND_ATTEMPT_RE = re.compile(
    r"^send\s+(?:only\s+|on\s+|every\s+|daily\b|weekdays\b)", re.IGNORECASE
)
_HOLIDAYS_RE = re.compile(r"^holidays\s*:\s*(?P<code>.*)$", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2,3}$")

# What makes an unreadable sentence an error rather than commentary.
_RULE_WORDS_RE = re.compile(r"\bday\s+-?\d+|\bnudge\b|\bflag\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"\.(?=\s|$)")

# Unicode-aware, so a step named in any language keeps its letters.
_SLUG_GAP_RE = re.compile(r"[\W_]+")

WINDOW_EXAMPLE = "Nudge after 2 days, flag after 3 more days."
PLAN_EXAMPLE = "Starter plan: welcome on day 0, setup on day 2, check-in on day 6."
OWNER_EXAMPLE = "Owner: Dana Reyes <@U0DANA>."


def slugify(name: str) -> str:
    """The id of a plan or step: "Connect data" -> "connect-data"."""
    return _SLUG_GAP_RE.sub("-", name.lower()).strip("-")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    """Offset of `text` in its joined paragraph."""
    line_starts: tuple[tuple[int, int], ...]
    """(offset in the joined paragraph, line number) for each of the paragraph's lines."""

    def line_at(self, index: int = 0) -> int:
        pos = self.start + index
        line = self.line_starts[0][1]
        for offset, number in self.line_starts:
            if offset > pos:
                break
            line = number
        return line

    @property
    def line(self) -> int:
        return self.line_at(0)


def sentences(paragraph: list[tuple[int, str]]) -> list[Sentence]:
    """Split a paragraph, given as (line number, text) pairs, into its sentences."""
    parts = [text.strip() for _, text in paragraph]
    starts: list[tuple[int, int]] = []
    offset = 0
    for (number, _), part in zip(paragraph, parts, strict=True):
        starts.append((offset, number))
        offset += len(part) + 1
    joined = " ".join(parts)
    found: list[Sentence] = []
    begin = 0
    for end in [m.start() for m in _SENTENCE_END_RE.finditer(joined)] + [len(joined)]:
        chunk = joined[begin:end]
        text = chunk.strip()
        if text and text != ".":
            lead = len(chunk) - len(chunk.lstrip())
            found.append(Sentence(text, begin + lead, tuple(starts)))
        begin = end + 1
    return found


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


Rule = PlanRule | WindowRule | OwnerRule | HandOffRule | SendingRule | HolidaysRule


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
        person = _person(m.group("who"))
        if person is None:
            return _error(
                line, f"could not read this owner: {_quote(text)}. Write it as '{OWNER_EXAMPLE}'"
            )
        return OwnerRule(person, line)
    if m := _HAND_OFF_RE.match(text):
        people = _people(m.group("who"))
        if people is None:
            return _error(
                line,
                f"could not read these hand-off owners: {_quote(text)}. "
                "Write them as 'Hand-off owners: Sam Ortiz <@U0SAM>, "
                "Lee Wong <@U0LEE>.'",
            )
        return HandOffRule(people, line)
    if _WEEKDAYS_RE.match(text):
        return SendingRule(True, line)
    if _EVERY_DAY_RE.match(text):
        return SendingRule(False, line)
    if _SEND_ATTEMPT_RE.match(text):
        return _error(
            line,
            f"could not read this rule: {_quote(text)}. "
            "Write 'Send on weekdays only.' or 'Send every day.'",
        )
    if m := _HOLIDAYS_RE.match(text):
        code = m.group("code").strip()
        if not _COUNTRY_RE.match(code):
            return _error(
                line,
                f"could not read this rule: {_quote(text)}. "
                "Write a country code, like 'Holidays: US.'",
            )
        return HolidaysRule(code.upper(), line)
    if m := _PLAN_RE.match(text):
        plan = _plan(sentence, m)
        if plan is not None:
            return plan
        if _RULE_WORDS_RE.search(text):
            return _error(
                line, f"could not read this rule: {_quote(text)}. A plan reads '{PLAN_EXAMPLE}'"
            )
        return None
    if _RULE_WORDS_RE.search(text):
        if re.search(r"\bnudge\b|\bflag\b", text, re.IGNORECASE):
            hint = f"A window reads '{WINDOW_EXAMPLE}' (or '<Step>: nudge after ...')"
        else:
            hint = f"Steps and days belong in a plan sentence: '{PLAN_EXAMPLE}'"
        return _error(line, f"could not read this rule: {_quote(text)}. {hint}")
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


def _person(text: str) -> Person | None:
    people = _people(text)
    if people is None or len(people) != 1:
        return None
    return people[0]


def _people(text: str) -> tuple[Person, ...] | None:
    """People written as 'Name <@ID>', separated by commas and/or a final "and"."""
    people: list[Person] = []
    pos = 0
    for m in _MENTION_RE.finditer(text):
        between = text[pos : m.start()].strip()
        if people:
            sep = _LIST_SEP_RE.match(between)
            between = between[sep.end() if sep else 0 :].strip()
        elif between.lower().startswith("and "):
            return None
        if "<" in between or ">" in between:
            return None
        slack_id = m.group("id")
        people.append(Person(name=between or slack_id, slack_id=slack_id))
        pos = m.end()
    if not people or text[pos:].strip():
        return None
    return tuple(people)


def _quote(text: str) -> str:
    return f'"{text if len(text) <= 80 else text[:77] + "..."}"'


def _error(line: int, message: str) -> RulesError:
    return RulesError(line=line, message=message)
