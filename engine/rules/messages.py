"""The Messages section: one heading per email, a Subject line, then the body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.plans import Messages, MessageTemplate, RulesError
from engine.rules.sentences import slugify
from engine.rules.templates import PLACEHOLDERS, placeholders_in
from engine.rules.wording import name_list

# The subject is stripped afterwards: a lazy `(.*?)\s*$` would try every split of a space run.
_SUBJECT_RE = re.compile(r"\s*+subject\s*:(?P<subject>.*)$", re.IGNORECASE)
_KNOWN = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))


@dataclass
class MessageBlock:
    title: str
    line: int
    subject: str = ""
    subject_line: int = 0
    body: list[tuple[int, str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slugify(self.title)

    def template(self) -> MessageTemplate:
        return MessageTemplate(
            subject=self.subject, body="\n".join(text for _, text in self.body), line=self.line
        )

    def lines(self) -> list[tuple[int, str]]:
        return [(self.subject_line, self.subject), *self.body]


def read_block(title: str, line: int, content: list[tuple[int, str]]) -> MessageBlock:
    """A message from its heading and the lines up to the next heading. The Subject line is
    checked later, in `build_messages`, along with everything else."""
    block = MessageBlock(title=title, line=line)
    first, end = _skip_blank(content, 0), len(content)
    if first < end and (m := _SUBJECT_RE.match(content[first][1])):
        block.subject = m.group("subject").strip()
        block.subject_line = content[first][0]
        first += 1
    first = _skip_blank(content, first)
    while end > first and not content[end - 1][1].strip():
        end -= 1
    block.body = content[first:end]
    return block


def _skip_blank(content: list[tuple[int, str]], index: int) -> int:
    while index < len(content) and not content[index][1].strip():
        index += 1
    return index


Kind = Literal["step", "step-nudge", "nudge", "wrap-up", "unknown"]


def build_messages(
    blocks: list[MessageBlock],
    steps: Mapping[str, tuple[str, int]],
    check_steps: bool,
    section_line: int,
) -> tuple[Messages | None, list[RulesError]]:
    """Match message blocks to steps and check them.

    `steps` maps each step id to (name as written, line of its first mention). With
    `check_steps` False (the doc has no plans) messages are checked only on their own, since
    every one of them would otherwise be reported as matching no step.
    """
    errors: list[RulesError] = []
    tables: dict[Kind, dict[str, MessageBlock]] = {
        "step": {},
        "step-nudge": {},
        "nudge": {},
        "wrap-up": {},
    }
    names = name_list((name for name, _ in steps.values()), len(steps))
    for block in blocks:
        kind = _kind(block.slug, steps, check_steps)
        errors += _check_block(block, kind)
        if kind == "unknown":
            errors.append(
                _err(
                    block.line,
                    f'message "{block.title}" matches no step in any plan (the steps are: '
                    f"{names}). Rename the heading to a step name, or add the step to a plan",
                )
            )
            continue
        key = block.slug.removesuffix("-nudge") if kind == "step-nudge" else block.slug
        table = tables[kind]
        if key in table:
            errors.append(
                _err(
                    block.line,
                    f'a second message for "{block.title}" (the first is at line '
                    f"{table[key].line}): keep only one",
                )
            )
        else:
            table[key] = block

    default_nudge = next(iter(tables["nudge"].values()), None)
    wrap_up = next(iter(tables["wrap-up"].values()), None)
    if check_steps:
        for step_id, (name, line) in steps.items():
            if step_id not in tables["step"]:
                errors.append(
                    _err(
                        line,
                        f'step "{name}" has no message: add a "### {name}" heading under Messages',
                    )
                )
            if step_id not in tables["step-nudge"] and default_nudge is None:
                errors.append(
                    _err(
                        line,
                        f'step "{name}" has no nudge: add a "### Nudge" message for every step, '
                        f'or a "### {name} nudge"',
                    )
                )
    if wrap_up is None:
        errors.append(
            _err(
                section_line,
                'the Messages section has no "### Wrap-up" message: add the email that '
                "congratulates a customer who finished",
            )
        )
    if errors or wrap_up is None:
        return None, errors
    return (
        Messages(
            steps={k: b.template() for k, b in tables["step"].items()},
            nudges={k: b.template() for k, b in tables["step-nudge"].items()},
            default_nudge=default_nudge.template() if default_nudge else None,
            wrap_up=wrap_up.template(),
        ),
        [],
    )


def _kind(slug: str, steps: Mapping[str, object], check_steps: bool) -> Kind:
    if slug in {"wrap-up", "wrapup"}:
        return "wrap-up"
    if slug == "nudge":
        return "nudge"
    # A step may itself end in "nudge"; its own name wins over "<step> nudge".
    if slug in steps or (not check_steps and not slug.endswith("-nudge")):
        return "step"
    if slug.endswith("-nudge") and (slug.removesuffix("-nudge") in steps or not check_steps):
        return "step-nudge"
    return "unknown"


def _check_block(block: MessageBlock, kind: Kind) -> list[RulesError]:
    errors: list[RulesError] = []
    title = f'"{block.title}"'
    if block.subject_line == 0:
        errors.append(
            _err(
                block.line,
                f"message {title} has no Subject line: the first line under the heading must "
                "be 'Subject: ...'",
            )
        )
    elif not block.subject:
        errors.append(_err(block.subject_line, f"message {title} has an empty subject"))
    if not block.body:
        errors.append(_err(block.line, f"message {title} has no body"))
    tokens = [(line, token) for line, text in block.lines() for token in placeholders_in(text)]
    if kind == "nudge" and "original_subject" not in {token for _, token in tokens}:
        errors.append(
            _err(
                block.line,
                'the "Nudge" message must name the email it follows up on: put '
                "{original_subject} in its subject or body, e.g. "
                "'Subject: Re: {original_subject}'",
            )
        )
    for line, token in tokens:
        shown = f"{{{token}}}"
        if token not in PLACEHOLDERS:
            errors.append(
                _err(line, f"unknown placeholder {shown} in {title}: use one of {_KNOWN}")
            )
        elif token == "original_subject" and kind not in {"nudge", "step-nudge"}:
            errors.append(
                _err(
                    line,
                    f"{shown} in {title} only works in a nudge, where it is the subject of the "
                    "email being followed up",
                )
            )
        elif token in {"done_link", "step"} and kind == "wrap-up":
            errors.append(
                _err(
                    line,
                    f"{shown} does not work in the Wrap-up: it is sent after the last step, so "
                    "there is no step to name or mark done",
                )
            )
    return errors


def _err(line: int, message: str) -> RulesError:
    return RulesError(line=line, message=message)
