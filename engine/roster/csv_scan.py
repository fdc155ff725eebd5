"""One customer's records in a CSV list's text, found without parsing the whole list.

`csv_text.parse` reads every record of the list (a fifth of a second at 100,000 rows, before
any model is built); a click or a done link needs the rows of one customer. A `TextLayout`
finds them by searching the text for the id and parsing only the records that hold it. What
tells where a record starts and ends is where the csv module's quotes open and close, which
the layout learns with string operations that run at C speed (the text split at its quotes;
line breaks counted), never a Python step per row.

That knowledge is exact for a list whose quotes all stand at the edges of cells, as any
program that writes CSV puts them: a quote opens a cell as its first character and closes it
followed by a comma, a line break or the end of the text, and two quotes inside stand for
one. A quote anywhere else (a stray `"Bob`, `5'3"` typed into a cell, `"a"b`), a quoted cell
over several lines in a row with fewer cells than the header (which `csv_text` may cut, see
`csv_quotes`), a header over several lines, a NUL, or an id that cannot be searched for, and
the layout says it cannot be sure (`None`) for any record from there on: the caller then
reads the whole list. What it finds is what `parse` would: the same records, cells, row
numbers and cell problems.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, count
from operator import add

from engine.models import CellProblem
from engine.roster.csv_text import cell_problem

_BREAKS = "\r\n"
_EDGES = ",\r\n"
# Where a text shown with `visible` differs from the file's: an undecodable byte as `\xNN`.
_NOT_IN_FILE = re.compile(r'"|\\x[0-9a-f]{2}')
_SHORTEST_NEEDLE = 2
MOST_OCCURRENCES = 5_000
MOST_CANDIDATES = 500
"""Occurrences of the id text looked at, and records holding it parsed, before the search
gives up (a short id that is also a common cell value): reading the whole list costs less."""


@dataclass(frozen=True)
class Record:
    """One record of the list as the csv module reads it."""

    index: int
    """Its place among the records: 0 is the header; its row number is one more."""
    start: int
    end: int
    """Where its text starts and ends in the list's text, its line break left out."""
    cells: list[str]
    problem: CellProblem | None
    """A cell too long or holding undecodable bytes, as `csv_text` finds it."""


class TextLayout:
    """Where the records of one CSV text are, learnt once and asked many times."""

    def __init__(self, text: str, encoding_label: str) -> None:
        self.text = text
        self.encoding_label = encoding_label

    # --- what the text's quotes say ----------------------------------------------------

    @cached_property
    def _quotes(self) -> list[int]:
        """The offset of every quote, in order."""
        parts = self._parts
        return list(map(add, accumulate(map(len, parts[:-1])), count()))

    @cached_property
    def _parts(self) -> list[str]:
        """The text split at its quotes: even parts lie outside quoted cells, odd ones inside
        (two quotes standing for one leave an empty even part between two odd ones)."""
        return self.text.split('"')

    @cached_property
    def trusted_until(self) -> int:
        """The offset of the first quote that is not at the edge of a cell (or the end of the
        text): the records before it are where the quotes say. No record is trusted in a
        text holding a NUL."""
        text, parts, quotes = self.text, self._parts, self._quotes
        if "\x00" in text:
            return 0
        last = len(parts) - 1
        # An odd number of quotes: the last one opens a cell that never closes.
        trusted = quotes[-1] if last % 2 else len(text) + 1
        for index in range(0, last + 1, 2):
            part = parts[index]
            if not part:
                continue  # two quotes for one, or a quote at the very start or end
            if index and part[0] not in _EDGES:
                return min(trusted, quotes[index - 1])  # a closing quote, then more of a cell
            if index < last and part[-1] not in _EDGES:
                return min(trusted, quotes[index])  # a quote inside an unquoted cell
        return trusted

    @cached_property
    def multi_line_cells(self) -> list[tuple[int, int]]:
        """(opening quote, closing quote) of every quoted piece of a cell that holds a line
        break (two quotes for one split a cell in pieces), in order."""
        parts, quotes = self._parts, self._quotes
        inside = parts[1 : len(quotes) : 2]  # the pieces whose closing quote is there
        joined = "".join(inside)
        if "\n" not in joined and "\r" not in joined:
            return []
        return [
            (quotes[2 * number], quotes[2 * number + 1])
            for number, part in enumerate(inside)
            if "\n" in part or "\r" in part
        ]

    @cached_property
    def _breaks_inside(self) -> tuple[list[int], list[int]]:
        """For each quoted piece holding line breaks: where it ends, and how many line breaks
        such pieces hold up to there."""
        ends: list[int] = []
        totals: list[int] = []
        total = 0
        for opening, closing in self.multi_line_cells:
            total += _count_breaks(self.text, opening, closing)
            ends.append(closing)
            totals.append(total)
        return ends, totals

    @cached_property
    def fully_trusted(self) -> bool:
        """Whether every record is where the quotes say, read alone as among the others, under
        a header of one line that `csv_text` reads without a problem."""
        beyond = len(self.text)
        header = self.header
        return (
            self.trusted_until > beyond
            and self._cut_risk_from > beyond
            and header is not None
            and header.problem is None
            and any(cell.strip() for cell in header.cells)
        )

    # --- records -----------------------------------------------------------------------

    @cached_property
    def header(self) -> Record | None:
        """The first record; None when it is not where the quotes say (a header over several
        lines, say)."""
        start, end, after = self._bounds(0)
        if start != 0 or after > self.trusted_until or _holds_break(self.text, start, end):
            return None
        return self._parsed(0, start, end, after)

    def records_holding(self, needle: str, *, whole: bool) -> list[Record] | None:
        """Every record after the header whose text holds `needle` (when `whole`, only
        where it may be a whole cell: see `_stands_alone`), in order; None when that cannot
        be told for sure."""
        text, width = self.text, len(needle)
        header = self.header
        if header is None or not width:
            return None
        seen: set[int] = set()
        found: list[Record] = []
        at, occurrences = text.find(needle, header.end), 0
        while at >= 0:
            occurrences += 1
            if occurrences > MOST_OCCURRENCES:
                return None
            if not whole or _stands_alone(text, at, at + width):
                start, end, after = self._bounds(at)
                if start not in seen:
                    seen.add(start)
                    if len(seen) > MOST_CANDIDATES:
                        return None
                    record = self._record(start, end, after)
                    if record is None:
                        return None
                    found.append(record)
            at = text.find(needle, at + width)
        return found

    def _record(self, start: int, end: int, after: int) -> Record | None:
        """The record from `start` to `end`, parsed; None when it may not be where the quotes
        say, or `csv_text` may read it otherwise among the others than alone."""
        if after > self.trusted_until or start >= self._cut_risk_from:
            return None
        record = self._parsed(self._records_before(start), start, end, after)
        return None if record is None or record.index == 0 else record

    def _parsed(self, index: int, start: int, end: int, after: int) -> Record | None:
        cells = cells_of(self.text[start:after])
        if cells is None:
            return None
        header = self.header.cells if index and self.header else cells
        problem = cell_problem(header, cells, self.encoding_label, bytes_count=index > 0)
        return Record(index=index, start=start, end=end, cells=cells, problem=problem)

    @cached_property
    def _cut_risk_from(self) -> int:
        """Where the first record starts that has a quoted cell over several lines and fewer
        cells than the header: `csv_text` may cut such a row short where one of its lines
        reads as a row of the list (csv_quotes), and number the rows after it otherwise."""
        ends, _ = self._breaks_inside
        header = self.header
        for cell_end in ends:
            start, _, after = self._bounds(cell_end)
            if after > self.trusted_until:
                break  # nothing from there on is trusted anyway
            cells = cells_of(self.text[start:after])
            if header is None or start == 0 or cells is None or len(cells) < len(header.cells):
                return start
        return len(self.text) + 1

    def _bounds(self, at: int) -> tuple[int, int, int]:
        """(start, end, after) of the record holding offset `at`: its first character, the
        offset of the line break that ends it, and the offset after that break (past the
        end of the text when a quoted cell in it never closes)."""
        text, quotes = self.text, self._quotes
        quote = bisect_right(quotes, at)
        # Backwards to the last line break outside quotes, jumping over quoted cells.
        if quote % 2:
            back, before = quotes[quote - 1], quote - 1
        else:
            back, before = at, quote
        while True:
            floor = quotes[before - 1] + 1 if before else 0
            found = max(text.rfind("\n", floor, back), text.rfind("\r", floor, back))
            if found >= 0:
                start = found + 1
                break
            if not before:
                start = 0
                break
            back, before = quotes[before - 2], before - 2
        # Forwards to the first line break outside quotes.
        if quote % 2:
            if quote >= len(quotes):
                return start, len(text), len(text) + 1
            ahead, following = quotes[quote] + 1, quote + 1
        else:
            ahead, following = at, quote
        while True:
            ceiling = quotes[following] if following < len(quotes) else len(text)
            end = _first_break(text, ahead, ceiling)
            if end >= 0:
                return start, end, end + (2 if text.startswith("\r\n", end) else 1)
            if following >= len(quotes):
                return start, len(text), len(text)
            if following + 1 >= len(quotes):
                return start, len(text), len(text) + 1
            ahead, following = quotes[following + 1] + 1, following + 2

    def _records_before(self, start: int) -> int:
        """How many records end before offset `start` (a record's first character)."""
        ends, totals = self._breaks_inside
        cells = bisect_left(ends, start)
        return _count_breaks(self.text, 0, start) - (totals[cells - 1] if cells else 0)


def cells_of(record: str) -> list[str] | None:
    """The cells of one record's text, as the csv module reads them among the others; None
    when it does not read as one well-formed record."""
    try:
        read = list(csv.reader(io.StringIO(record, newline=""), strict=True))
    except csv.Error:
        return None
    return read[0] if len(read) == 1 else [] if not read else None


def _first_break(text: str, start: int, end: int) -> int:
    found = [b for b in (text.find("\n", start, end), text.find("\r", start, end)) if b >= 0]
    return min(found, default=-1)


def _holds_break(text: str, start: int, end: int) -> bool:
    return text.find("\n", start, end) >= 0 or text.find("\r", start, end) >= 0


def _count_breaks(text: str, start: int, end: int) -> int:
    """Line breaks in text[start:end], as `\\n`, `\\r\\n` or `\\r`: how the csv module and
    `io` split lines."""
    breaks = text.count("\n", start, end)
    if text.find("\r", start, end) < 0:
        return breaks
    return breaks + text.count("\r", start, end) - text.count("\r\n", start, end)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] may be a whole cell but for surrounding spaces, the quotes of a
    quoted cell, or the `'` that makes a value formula-safe."""
    before = text[start - 1] if start else ","
    after = text[end] if end < len(text) else ","
    return (before in ",\r\n\"'" or before.isspace()) and (after in ',\r\n"' or after.isspace())


def needle_for(customer_id: str) -> tuple[str, bool] | None:
    """What to search the text for to find a cell whose value is `customer_id` (stripped):
    the id itself, whole, or the longest piece of it that stands as it is in the file (a quote
    is two there, and an undecodable byte is one character); None when nothing long enough."""
    wanted = customer_id.strip()
    pieces = _NOT_IN_FILE.split(wanted)
    needle = max(pieces, key=len)
    if len(needle) < min(_SHORTEST_NEEDLE, len(wanted)) or not needle:
        return None
    return needle, needle == wanted
