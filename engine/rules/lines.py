"""The rules doc as text and lines: its size limit, line ends made plain, headings and
bullets told apart.

The limit is on UTF-8 bytes, the size of the file or of Google's export, so it does not
depend on how many characters the doc's script takes to write a letter. Like the sentence
patterns, the line functions run in time linear in the line: a heading may be a pasted run
of spaces or of `#`s, and is taken apart with string methods rather than a pattern that
would try every split of such a run.
"""

from __future__ import annotations

import re

from engine.plans import RulesError

MAX_DOC_BYTES = 1_000_000
_HEADING_RE = re.compile(r"\s*+(#{1,6})(?:\s(.*))?$")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+")


def size_error(text: str) -> RulesError | None:
    """The error of a doc over 1 MB, which is refused before it is read."""
    if len(text) <= MAX_DOC_BYTES // 4:
        return None  # UTF-8 takes at most 4 bytes a character
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_DOC_BYTES:
        return None
    return RulesError(
        line=1,
        message=f"the rules doc is {size / 1e6:.1f} MB ({size:,} bytes); the guide reads docs "
        f"up to 1 MB ({MAX_DOC_BYTES:,} bytes): look for text pasted in by mistake, or "
        "move long notes to another doc",
    )


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
