"""Paragraphs of the rules doc split into sentences, each with a map back to its lines.

Reps write the doc like a note, so a rule may wrap across lines and a line may hold several
rules. A paragraph's lines are joined with spaces and split at every period followed by a
space or the paragraph's end. Reps also list rules one per line with no periods at all, so a
line that begins like a rule (`rule_start`) starts a sentence of its own: whatever the lines
before it left unfinished ends there. Two kinds of line break are read the old way instead:

- "<Step>:" at the end of a line, then "nudge after ..." on the next: one step window;
- a line that ends in the first words of a sentence begun after a period on that same line,
  when those words are no rule: a sentence that starts mid-line wraps wherever it has to, so
  "... check-in on day 6. Getting" + "started plan: ..." is the Getting started plan.

Everything here is linear in the paragraph's length: the joined text is built once, and
every sentence shares one map of line starts, searched by bisection.
"""

from __future__ import annotations

import re

from engine.rules.sentences import LineMap, Sentence, read_sentence, rule_start

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

    def ends_before(self, line: str) -> bool:
        """Whether `line`, coming next, starts a new sentence although the paragraph's last
        line did not end one."""
        if not self._parts:
            return False
        start = rule_start(line)
        if start is None:
            return False
        last = self._parts[-1]
        if start == "window" and last.endswith(":"):
            return False
        ends = list(_SENTENCE_END_RE.finditer(last))
        if not ends:
            return True
        tail = last[ends[-1].end() :].strip()
        if not tail:
            return True
        begun = Sentence(tail, 0, LineMap((0,), (self._numbers[-1],)))
        return read_sentence(begun) is not None

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
