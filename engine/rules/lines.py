"""The rules doc as lines: line ends made plain, headings and bullets told apart.

Like the sentence patterns, these run in time linear in the line: a heading may be a pasted
run of spaces or of `#`s, and is taken apart with string methods rather than a pattern that
would try every split of such a run.
"""

from __future__ import annotations

import re

_HEADING_RE = re.compile(r"\s*+(#{1,6})(?:\s(.*))?$")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+")


def doc_lines(text: str) -> list[str]:
    # Google Docs' plain-text export starts with a BOM and ends lines with CRLF.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def heading(line: str) -> tuple[int, str] | None:
    """(level, title) of a `#`..`######` heading; closing `#`s are not part of the title."""
    m = _HEADING_RE.match(line)
    if m is None:
        return None
    title = (m.group(2) or "").strip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1].isspace()):
        title = bare.rstrip()
    return len(m.group(1)), title


def unbulleted(line: str) -> str | None:
    """The line without its `- `, `* ` or `+ ` bullet, or None when it has none."""
    m = _BULLET_RE.match(line)
    return None if m is None else line[m.end() :]
