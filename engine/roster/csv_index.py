"""Every customer id of a CSV list, indexed once per text, so that one customer's rows cost a
look-up and one record parsed rather than a search of the whole text.

Built from a text whose every record is where its quotes say (`TextLayout.fully_trusted`):
the records are then its lines but for those that a quoted cell runs on over, and the id cell
of nearly every record is the text of its first line up to the id column's comma. Only an id
cell that is quoted, formula-safe, spaced, holding an undecodable byte, or after a quote on
its line is read by the csv module to know its id. A look-up gives the records that may hold
the id; the caller parses them, and keeps those whose id it is.

A process that writes the list (engine.roster.csv_one.splice) carries the index over to the
text it wrote, the records after the changed one moved by the change in its length.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from engine.roster.cells import cell_text
from engine.roster.columns import column_key
from engine.roster.csv_encoding import has_undecodable, visible
from engine.roster.csv_formulas import as_typed
from engine.roster.csv_scan import Record, TextLayout, cells_of
from engine.roster.csv_text import cell_problem

# Where str.splitlines breaks a line and the csv module (and io) do not.
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class IdIndex:
    header: Record
    id_position: int
    starts: list[int]
    """The offset of every record's first character, the header's (0) first."""
    ids: dict[str, int]
    """A record that may hold each id; `repeated` has every one for an id in several."""
    repeated: dict[str, list[int]]
    encoding_label: str

    @classmethod
    def build(cls, layout: TextLayout, escaped: bool) -> IdIndex | None:
        """The index of `layout`'s text (`escaped`: it holds undecodable bytes); None when its
        records cannot be told from its lines."""
        header = layout.header
        if not layout.fully_trusted or header is None:
            return None
        keys = [column_key(cell) for cell in header.cells]
        if "customer_id" not in keys:
            return None
        id_position = keys.index("customer_id")
        text = layout.text
        if any(character in text for character in _OTHER_BREAKS):
            lines = io.StringIO(text, newline="").readlines()
        else:
            lines = text.splitlines(keepends=True)
        line_starts = [0, *accumulate(map(len, lines))][:-1]
        records = _record_lines(layout, line_starts)
        starts = [line_starts[line] for line in records] if records is not None else line_starts
        first_lines = [lines[line] for line in records] if records is not None else lines
        candidates = [_id_cell(line, id_position) for line in first_lines]
        numbers = list(range(len(starts)))
        keys, at = [], []
        for number, cell in zip(numbers[1:], candidates[1:], strict=True):
            if cell is None or _special(cell, escaped):
                end = starts[number + 1] if number + 1 < len(starts) else len(text)
                cells = cells_of(text[starts[number] : end]) or []
                raw = cells[id_position] if id_position < len(cells) else ""
                for key in {cell_text(as_typed(raw)), cell_text(visible(raw))}:
                    keys.append(key)
                    at.append(number)
            else:
                keys.append(cell)
                at.append(number)
        ids = dict(zip(keys, at, strict=True))
        repeated: dict[str, list[int]] = {}
        if len(ids) < len(keys):
            twice = {key for key, seen in Counter(keys).items() if seen > 1}
            for key, number in zip(keys, at, strict=True):
                if key in twice and number not in repeated.get(key, ()):
                    repeated.setdefault(key, []).append(number)
        return cls(header, id_position, starts, ids, repeated, layout.encoding_label)

    def records(self, text: str, customer_id: str) -> list[Record]:
        """The records that may hold `customer_id` (stripped), parsed, in order."""
        numbers = self.repeated.get(customer_id)
        if numbers is None:
            number = self.ids.get(customer_id)
            numbers = [] if number is None else [number]
        return [self._record(text, number) for number in numbers]

    def _record(self, text: str, number: int) -> Record:
        start = self.starts[number]
        after = self.starts[number + 1] if number + 1 < len(self.starts) else len(text)
        end = after
        if text.startswith("\r\n", after - 2) and after - 2 >= start:
            end = after - 2
        elif after > start and text[after - 1] in "\r\n":
            end = after - 1
        cells = cells_of(text[start:after]) or []
        problem = cell_problem(self.header.cells, cells, self.encoding_label, bytes_count=True)
        return Record(index=number, start=start, end=end, cells=cells, problem=problem)

    def spliced(self, record: Record, cells: list[str], written: str) -> IdIndex | None:
        """The index of the text in which `record` now holds `cells`, written as `written`
        (its line break kept), every other record as it was; None when the change may move
        ids or records: its id cell changed, it holds a NUL, or a row shorter than the header
        now runs over several lines (which `csv_text` may cut)."""
        position = self.id_position
        old = record.cells[position] if position < len(record.cells) else ""
        new = cells[position] if position < len(cells) else ""
        several_lines = "\n" in written or "\r" in written
        if (
            old != new
            or "\x00" in written
            or (several_lines and len(cells) < len(self.header.cells))
        ):
            return None
        delta = len(written) - (record.end - record.start)
        after = record.index + 1
        starts = self.starts[:after] + [start + delta for start in self.starts[after:]]
        return IdIndex(self.header, position, starts, self.ids, self.repeated, self.encoding_label)


def _record_lines(layout: TextLayout, line_starts: list[int]) -> list[int] | None:
    """The lines that start a record, when some do not (a quoted cell runs on over them)."""
    cells = layout.multi_line_cells
    if not cells:
        return None
    skipped: set[int] = set()
    for opening, closing in cells:
        first, last = bisect_right(line_starts, opening), bisect_right(line_starts, closing)
        skipped.update(range(first, last))
    return [line for line in range(len(line_starts)) if line not in skipped]


def _id_cell(line: str, position: int) -> str | None:
    """The id cell's text on a record's first line; None when a quote comes before it."""
    if not position:
        return line.partition(",")[0]
    pieces = line.split(",", position + 1)
    if any('"' in piece for piece in pieces[:position]):
        return None
    return pieces[position] if len(pieces) > position else ""


def _special(cell: str, escaped: bool) -> bool:
    """Whether the id read from `cell` may differ from its text: quoted, formula-safe, with
    spaces or a line break around it, holding an undecodable byte, or empty."""
    return (
        not cell or cell[0] in "\"'" or cell != cell.strip() or (escaped and has_undecodable(cell))
    )
