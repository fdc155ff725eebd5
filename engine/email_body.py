"""An email's words, read once from the rules doc's message and written two ways: as text for
the plain part and as blocks for the HTML part (engine.email_html). One source, so the two
parts always say the same thing.

A message stays plain prose in the rules doc. A blank line separates paragraphs and single line
breaks inside one are joined, so a rep's hard-wrapped lines reflow on a phone instead of showing
as ragged half-lines; a paragraph of short lines only (a sign-off, "Talk soon,\n{owner_name}")
keeps its breaks. Lines starting `- `, `* ` or `• ` are bullets; `*a few words*` is
emphasis; `{done_link}` becomes the step's "Mark … as done" button (in text: the link on a line
of its own). The markup is read from the rep's text only, before the placeholders are filled:
a name from the sheet is always just text, whatever characters it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from engine.rules.templates import render

TEXT_WIDTH = 72
"""Where the text part wraps: readable in a terminal mail client, and under the 78 a line
should keep to (RFC 5322)."""

SHORT_LINE = 40
"""A paragraph whose lines (but its last) are all shorter than this keeps its line breaks:
hard-wrapped prose runs longer, a sign-off or an address does not."""
_BULLET = re.compile(r"^\s*[-*•]\s+")
_DONE_LINK = re.compile(r"(?<!\{)\{done_link\}(?!\})")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")


@dataclass(frozen=True)
class Run:
    """Words of one style, placeholders filled."""

    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[tuple[Run, ...], ...]
    """Most often one: its lines joined."""


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Run, ...], ...]


@dataclass(frozen=True)
class DoneButton:
    url: str
    label: str
    """What the button says: "Mark Setup as done"."""


Block = Paragraph | Bullets | DoneButton


def blocks_of(template: str, values: Mapping[str, str], *, done_label: str) -> list[Block]:
    """The message `template` (a rules doc message body) as blocks, its placeholders filled
    from `values`; `{done_link}` becomes a DoneButton of `values["done_link"]`."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", template.replace("\r\n", "\n")):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        prose: list[str] = []
        items: list[list[str]] = []
        for line in lines:
            if _BULLET.match(line):
                items.append([_BULLET.sub("", line, count=1)])
            elif items:
                items[-1].append(line)  # a bullet's words carried onto the next line
            else:
                prose.append(line)
        if prose and _keeps_breaks(prose):
            blocks.append(Paragraph(tuple(_runs(line, values) for line in prose)))
        elif prose:
            blocks += _prose(" ".join(prose), values, done_label)
        if items:
            blocks.append(Bullets(tuple(_runs(" ".join(item), values) for item in items)))
    return blocks


def _keeps_breaks(lines: list[str]) -> bool:
    return (
        len(lines) > 1
        and all(len(line) < SHORT_LINE for line in lines[:-1])
        and not any(_DONE_LINK.search(line) for line in lines)
    )


def _prose(text: str, values: Mapping[str, str], done_label: str) -> list[Block]:
    """A paragraph, split where the done link stands: the button is a block of its own."""
    blocks: list[Block] = []
    pieces = _DONE_LINK.split(text)
    for index, piece in enumerate(pieces):
        if piece.strip():
            blocks.append(Paragraph((_runs(piece.strip(), values),)))
        if index < len(pieces) - 1:
            blocks.append(DoneButton(url=values.get("done_link", ""), label=done_label))
    return blocks


def _runs(text: str, values: Mapping[str, str]) -> tuple[Run, ...]:
    runs: list[Run] = []
    at = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > at:
            runs.append(Run(render(text[at : match.start()], values)))
        runs.append(Run(render(match.group(1), values), emphasis=True))
        at = match.end()
    if at < len(text):
        runs.append(Run(render(text[at:], values)))
    return tuple(run for run in runs if run.text)


def as_text(blocks: list[Block]) -> str:
    """The plain part: paragraphs wrapped at TEXT_WIDTH, bullets hanging, the done link alone
    on its line (never wrapped: a broken URL is a dead link)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append("\n".join(_wrap(_plain(line)) for line in block.lines))
        elif isinstance(block, Bullets):
            out.append("\n".join(_wrap(_plain(item), "- ", "  ") for item in block.items))
        else:
            out.append(block.url)
    return "\n\n".join(out) + "\n"


def _plain(runs: tuple[Run, ...]) -> str:
    return "".join(f"*{run.text}*" if run.emphasis else run.text for run in runs)


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """Words filled into lines of TEXT_WIDTH, a word longer than that (a URL) on a line of
    its own, never broken: textwrap's, without its regex work (a tick wraps every email)."""
    if not text.strip():
        return ""
    lines: list[str] = []
    line, empty = first, True
    for word in text.split():
        if not empty and len(line) + 1 + len(word) > TEXT_WIDTH:
            lines.append(line)
            line, empty = rest + word, False
        else:
            line, empty = (line + word if empty else f"{line} {word}"), False
    lines.append(line)
    return "\n".join(lines)


def has_done_link(template: str) -> bool:
    return _DONE_LINK.search(template) is not None
