"""Paragraphs of the rules doc split into sentences, each with a map back to its lines.

Reps write the doc like a note, so a rule may wrap across lines and a line may hold several
rules. A paragraph's lines are joined with spaces and split at every period followed by a
space or the paragraph's end.

Everything here is linear in the paragraph's length: the joined text is built once, and
every sentence shares one map of line starts, searched by bisection.
"""

from __future__ import annotations

import re

from engine.rules.sentences import LineMap, Sentence

_SENTENCE_END_RE = re.compile(r"\.(?=\s|$)")


class Paragraph:
    def __init__(self) -> None:
        self._parts: list[str] = []
        self._numbers: list[int] = []
        self._offsets: list[int] = []
        self._length = 0
        """Length of the joined text so far, with the space before the next line."""

    def __bool__(self) -> bool:
        return bool(self._parts)

    def add(self, number: int, line: str) -> None:
        part = line.strip()
        self._parts.append(part)
        self._numbers.append(number)
        self._offsets.append(self._length)
        self._length += len(part) + 1

    def sentences(self) -> list[Sentence]:
        joined = " ".join(self._parts)
        lines = LineMap(tuple(self._offsets), tuple(self._numbers))
        found: list[Sentence] = []
        begin = 0
        for end in [m.start() for m in _SENTENCE_END_RE.finditer(joined)] + [len(joined)]:
            chunk = joined[begin:end]
            text = chunk.strip()
            if text and text != ".":
                lead = len(chunk) - len(chunk.lstrip())
                found.append(Sentence(text, begin + lead, lines))
            begin = end + 1
        return found
