"""How the rules doc names people: the owners and the hand-off owners.

A person is a name and what Slack knows them by: their member id (`Sam Rivera <@U024BE7LH>`)
or their work email (`Sam Rivera <sam@acme.com>`, or the address alone). The engine only
reads them; finding the member id behind an email is the bot's job (bot/slack/people.py).
A handle (`@sam`) or a name alone is refused, with what to write instead: Slack cannot look
those up reliably (a display name can change, and two people can share one).

The text is scanned once into parts (a `<...>`, a word, a lone `<` or `>`); no pattern
backtracks, so a name of a hundred thousand spaces reads in linear time like every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from engine.plans import Person
from engine.rules.wording import clip_name, quote

MEMBER_ID_HOWTO = "in Slack: the person's profile → ⋮ → Copy member ID"
MEMBER_ID_PLACEHOLDER = "MEMBERID"
EMAIL_DOMAIN_PLACEHOLDER = "your-company.com"
EMAIL_MAX = 254

_PART_RE = re.compile(r"<[^<>]*+>|[^\s<>,]++|[<>]")
_MEMBER_RE = re.compile(r"@(?P<id>[A-Za-z0-9]+)(?:\|.*)?", re.DOTALL)
# Quotes and brackets a rep may put around an address: "(sam@acme.com)".
_EDGES = "()[]{}\"'“”‘’;:"
_LOCAL_CHARS_RE = re.compile(r"[^a-z0-9._-]+")

Why = Literal["none", "name", "handle", "email", "bracket", "unclosed", "placeholder", "several"]


@dataclass(frozen=True)
class Unreadable:
    """Why a person could not be read: what kind of mistake, the part written (as written),
    and the name written before it, if any."""

    why: Why
    part: str = ""
    name: str = ""
    line: int = 0
    """The line of the person it is about (`line_at` of their first word)."""


def email_address(word: str) -> str | None:
    """`word` as a work email address (`sam@acme.com`, `<mailto:sam@acme.com>`'s inside,
    `(sam@acme.com)`), or None. Only the shape is checked; Slack says whether it is known."""
    word = word.strip()
    if word[:7].casefold() == "mailto:":
        word = word[7:].partition("|")[0]
    word = word.strip(_EDGES).rstrip(".")
    local, at, domain = word.rpartition("@")
    if not at or not local or len(word) > EMAIL_MAX or any(c.isspace() for c in word):
        return None
    if "@" in local or "." not in domain or ".." in domain:
        return None
    if domain.startswith(".") or domain.endswith(".") or any(c in word for c in "<>,"):
        return None
    return word


def read_people(
    text: str, *, one: bool = False, line_at: Callable[[int], int] = lambda _: 0
) -> tuple[Person, ...] | Unreadable:
    """The people `text` names, each as `Name <@MEMBERID>`, `Name <email>`, `<...>` alone or
    a bare email; separated by commas and/or "and" unless `one` (then commas belong to the
    name, and a second person is a mistake). `line_at(offset)`: the doc line of an offset."""
    people: list[Person] = []
    pending: tuple[int, int] | None = None
    """The span of the name words read since the last person."""

    def name() -> str:
        return text[pending[0] : pending[1]] if pending else ""

    def failed(problem: Unreadable, at: int) -> Unreadable:
        return replace(problem, line=line_at(pending[0] if pending else at))

    pos = 0
    for match in _PART_RE.finditer(text):
        start, part = match.start(), match.group()
        gap, pos = text[pos:start], match.end()
        if not one and pending and "," in gap:
            return failed(Unreadable("name", name=name()), start)
        if part == ">":
            return failed(Unreadable("bracket", part, name()), start)
        if part == "<":
            return failed(Unreadable("unclosed", text[start : start + 40].rstrip(), name()), start)
        if part.startswith("<"):
            person = _bracketed(part[1:-1], name())
        elif (email := email_address(part)) is not None:
            person = Person(name=name() or email, email=email)
        elif part.startswith("@"):
            return failed(Unreadable("handle", part, name()), start)
        elif "@" in part:
            return failed(Unreadable("email", part, name()), start)
        elif not one and part.casefold() == "and":
            if pending:
                return failed(Unreadable("name", name=name()), start)
            continue
        else:
            pending = (pending[0] if pending else start, match.end())
            continue
        if isinstance(person, Unreadable):
            return failed(person, start)
        if one and people:
            return failed(Unreadable("several"), start)
        people.append(person.model_copy(update={"line": line_at(pending[0] if pending else start)}))
        pending = None
    if pending:
        return failed(Unreadable("name", name=name()), len(text))
    if not people:
        return Unreadable("none", line=line_at(0))
    return tuple(people)


def _bracketed(inside: str, name: str) -> Person | Unreadable:
    member = _MEMBER_RE.fullmatch(inside)
    if member is not None:
        slack_id = member["id"]
        if slack_id.upper() == MEMBER_ID_PLACEHOLDER:
            return Unreadable("placeholder", f"<{inside}>", name)
        return Person(name=name or slack_id, slack_id=slack_id)
    email = email_address(inside)
    if email is not None:
        return Person(name=name or email, email=email)
    return Unreadable("bracket", f"<{inside}>", name)


def people_error(problem: Unreadable, sentence: str, *, hand_off: bool) -> str:
    """The error for an owner (or hand-off owners) sentence that could not be read: what is
    wrong, and exactly what to write instead, with where a member id comes from."""
    what = "these hand-off owners" if hand_off else "this owner"
    head = f"could not read {what}: {quote(sentence)}"
    name = problem.name.strip()
    if problem.why in ("handle", "email"):
        name = name or problem.part.lstrip("@").partition("@")[0]
    part = quote(problem.part)
    if problem.why == "several":
        return (
            f"{head}. A plan has one owner: name one here, and the people customers can be "
            "handed to in 'Hand-off owners: ...'"
        )
    if problem.why == "none":
        if hand_off:
            return (
                f"{head}. Write them as 'Hand-off owners: Lee Wong <lee@"
                f"{EMAIL_DOMAIN_PLACEHOLDER}>, Kim Park <@{MEMBER_ID_PLACEHOLDER}>.', each with "
                f"their work email or their Slack member id ({MEMBER_ID_HOWTO})"
            )
        return f"{head}. Name them {_fix('Sam Rivera', hand_off=False)}"
    if problem.why == "handle":
        why = (
            f"Slack cannot look up {part}, as a display name can change and two people can "
            "share one"
        )
    elif problem.why == "email":
        why = f"{part} is not a whole email address"
    elif problem.why == "placeholder":
        why = f"{part} is the example: put the person's own member id in place of MEMBERID"
    elif problem.why == "unclosed":
        why = f"{part} has no closing >"
    elif problem.why == "bracket":
        why = f"{part} is neither <@MEMBERID> nor <an email address>"
    else:
        why = f"{quote(name)} has no member id or email, and Slack cannot find someone by name"
    return f"{head}: {why}. Name them {_fix(name or 'Sam Rivera', hand_off=hand_off)}"


def _fix(name: str, *, hand_off: bool) -> str:
    """ "with their work email, as 'Owner: Sam Rivera <sam@your-company.com>.', or ..."."""
    name = clip_name(" ".join(name.split()))
    before, after = ("'", "'") if hand_off else ("'Owner: ", ".'")
    local = _LOCAL_CHARS_RE.sub("", (name.split() or ["name"])[0].casefold()) or "name"
    return (
        f"with their work email, as {before}{name} <{local}@{EMAIL_DOMAIN_PLACEHOLDER}>{after}, "
        f"or with their Slack member id, as {before}{name} <@{MEMBER_ID_PLACEHOLDER}>{after} "
        f"({MEMBER_ID_HOWTO})"
    )
