"""The onboarding list's text as rows of cells and back, so that one bad row costs that row only.

`parse` reads text as the csv module's default dialect does (commas, double quotes, a quoted
cell may hold line breaks), and guarantees:

- Rows are numbered as a spreadsheet app shows them: records, not text lines; the header is 1.
- A quote that opens a cell and is not closed on its row (a name typed as `"Bob`) does not
  swallow the rows after it. When a quoted cell runs on over a later line that reads alone as
  a row of the list (a customer_id, and as many cells as the header or an email address in
  the email column), the row where the quote opened reads as a row too when that quote is
  taken as a plain character, and the row as the csv module read it is not a well-formed row
  of as many cells as the header, that row gets a problem naming the rows it would have
  swallowed, and the lines from there on are read as the rows they are (`csv_quotes`). A
  quote still open at the end of the file is its row's problem too. A quoted cell whose later
  lines do not read as rows (an address, a note), or that is part of a well-formed row as wide
  as the header, is one cell.
- A cell of more than CELL_LIMIT characters, or holding bytes that are not text (see
  `csv_encoding`), is a problem of its row; every other row is still read.
- A row with a problem keeps its exact text, and `render` writes that text back as it was: a
  row the guide cannot read is never "repaired". Every other row is written by the csv module:
  the same cells, quoted minimally.

`show_as_typed` then turns stored cells into what people typed (`csv_formulas`).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import Protocol

from engine.models import CellProblem
from engine.roster.cells import column_letter
from engine.roster.csv_encoding import has_undecodable, undecodable_offsets, visible
from engine.roster.csv_formulas import as_typed, escaped_offsets
from engine.roster.csv_quotes import RowShape, id_position, literal_cells

CELL_LIMIT = 131_072
"""The most characters a cell may hold: the csv module's own default limit."""

# The csv module enforces its limit by aborting the whole read, naming no row. It is raised
# once, for the whole process (it is a global setting), past anything a real cell holds;
# `parse` applies CELL_LIMIT itself, to the row that breaks it. 2**31 - 1 fits a C long on
# every platform.
csv.field_size_limit(2**31 - 1)

_SHOWN_IDS = 5


@dataclass
class CsvTable:
    rows: list[list[str]]
    """Every record's cells as the file holds them, the header first. A row whose quote never
    closes has the cells of its text with that quote taken as a plain character."""
    problems: dict[int, CellProblem]
    """Why a row cannot be read, by its index in `rows` (its row number less one)."""
    raw: dict[int, str]
    """The exact text of each row with a problem, written back as it is."""
    line_terminator: str
    text: str = field(repr=False)
    ends: list[int] = field(repr=False)
    """For each row, the index of the first text line after it."""
    changed: set[int] = field(default_factory=set, repr=False)
    """The rows a write changed (their indexes in `rows`); the others keep their text."""

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, as the csv module is given them; made only when a row needs them
        (a plain list is read without)."""
        return io.StringIO(self.text, newline="").readlines()

    def rows_at(self, offsets: Sequence[int]) -> list[int]:
        """The indexes of the rows holding these offsets of the text, in order, once each."""
        if not offsets:
            return []
        line_ends = list(accumulate(map(len, self.lines)))
        found = {bisect_right(self.ends, bisect_right(line_ends, offset)) for offset in offsets}
        return sorted(index for index in found if index < len(self.ends))


def parse(text: str, encoding_label: str, *, escaped: bool) -> CsvTable:
    """`text` as rows (see the module docstring). `escaped` says whether it holds undecodable
    bytes, named in problems as not `encoding_label` text."""
    return _Parser(text, encoding_label, escaped).parse()


def show_as_typed(table: CsvTable, text: str) -> None:
    """Turn the cells of `table` (parsed from `text`) into what people typed, in place: the
    quote that made a value formula-safe taken away, and every undecodable byte of the header
    and of rows with problems shown as `\\xNN`. The header is never unescaped: the guide
    writes only plain column names."""
    rows = table.rows
    for index in table.rows_at(escaped_offsets(text)):
        if index and index not in table.problems:
            rows[index] = [as_typed(cell) for cell in rows[index]]
    for index in table.problems:
        rows[index] = [visible(cell) for cell in rows[index]]
    if rows and any(map(has_undecodable, rows[0])):
        rows[0] = [visible(cell) for cell in rows[0]]


def render(table: CsvTable) -> str:
    """The table as CSV text: rows with problems exactly as they were read."""
    buffer = io.StringIO()
    _write_rows(table, buffer, table.line_terminator, buffer.write)
    text = buffer.getvalue()
    other_break = {"\n": "\r", "\r": "\n"}.get(table.line_terminator)
    if other_break is None or other_break not in text:
        return text
    # The csv module quotes a cell for the line breaks of its own terminator only, so a cell
    # holding the other one would be written bare and split its row when read. Written with
    # "\r\n", which quotes both, and each row's ending then swapped for the file's.
    rows = _RowsEndingWith(table.line_terminator)
    _write_rows(table, rows, "\r\n", rows.parts.append)
    return "".join(rows.parts)


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def _write_rows(
    table: CsvTable, file: _Writable, terminator: str, write_raw: Callable[[str], object]
) -> None:
    writer = csv.writer(file, lineterminator=terminator)
    if not table.raw:
        writer.writerows(table.rows)
        return
    # Rows the write left alone keep their exact text: how a stray quote reads depends on the
    # text after it, which a row written anew (quoted otherwise) could change.
    raw, lines = table.raw, table.lines
    for index, row in enumerate(table.rows):
        text = raw.get(index)
        if text is not None:
            write_raw(text)
        elif index in table.changed:
            writer.writerow(row)
        else:
            write_raw("".join(lines[table.ends[index - 1] if index else 0 : table.ends[index]]))


class _RowsEndingWith:
    """A file for a csv writer that ends each row it is given ("\r\n"-ended) with `ending`."""

    def __init__(self, ending: str) -> None:
        self.ending = ending
        self.parts: list[str] = []

    def write(self, row: str) -> int:
        self.parts.append(row[:-2] + self.ending)
        return len(row)


@dataclass
class _OpenQuote:
    """A row cut short where a quote opened and never closed."""

    index: int
    column: str
    value: str
    went_on_to: int
    """The line up to which the csv module had read the quoted cell."""


class _Parser:
    def __init__(self, text: str, encoding_label: str, escaped: bool) -> None:
        self.text = text
        self.encoding_label = encoding_label
        self.escaped = escaped
        self.table = CsvTable([], {}, {}, _first_line_terminator(text), text, [])
        self.rows, self.ends = self.table.rows, self.table.ends
        self.problems, self.raw = self.table.problems, self.table.raw
        self.open_quotes: list[_OpenQuote] = []
        self.multi_line: list[int] = []
        self.shape: RowShape | None = None

    @property
    def lines(self) -> list[str]:
        return self.table.lines

    def parse(self) -> CsvTable:
        start: int | None = 0
        while start is not None:
            start = self._read_from(start)
        self._check_cells()
        for quote in self.open_quotes:
            self.problems[quote.index] = self._quote_problem(quote)
        return self.table

    def _read_from(self, start: int) -> int | None:
        """Read rows from text line `start` on; returns the line to read on from after a row
        that needed a closer look, or None at the end of the text."""
        # The common case is one pass of the csv module's reader over the text; noting where
        # each row ends is the only work added per row. Strict, the reader stops at a row that
        # is not well formed (a quote closed by more text, or never closed): only such a row,
        # or one over several lines with fewer cells than the header, can hide a stray quote.
        if start == 0:
            source: Iterator[str] = io.StringIO(self.text, newline="")
        else:
            lines = self.lines
            source = map(lines.__getitem__, range(start, len(lines)))
        reader = csv.reader(source, strict=True)
        add_row, add_end = self.rows.append, self.ends.append
        previous = 0
        try:
            for cells in reader:
                count = reader.line_num
                if count - previous > 1:
                    if not self._full_row(cells):
                        begin = start + previous
                        resume = self._cut_open_quote(begin, start + count, malformed=False)
                        if resume is not None:
                            return resume
                    self.multi_line.append(len(self.rows))
                add_row(cells)
                add_end(start + count)
                previous = count
        except csv.Error:
            return self._read_leniently(start + previous)
        return None

    def _full_row(self, cells: list[str]) -> bool:
        return bool(self.rows) and len(cells) >= self._shape(self.rows[0]).width

    def _read_leniently(self, begin: int) -> int | None:
        """Read the row at text line `begin` as the csv module reads it by default; returns
        the line to read on from, or None at the end of the text."""
        lines = self.lines
        reader = csv.reader(map(lines.__getitem__, range(begin, len(lines))))
        cells = next(reader)
        end = begin + reader.line_num
        if end - begin > 1:
            resume = self._cut_open_quote(begin, end, malformed=True)
            if resume is not None:
                return resume
            self.multi_line.append(len(self.rows))
        self.rows.append(cells)
        self.ends.append(end)
        if end < len(lines):
            return end
        raw = "".join(lines[begin:end])
        literal = literal_cells(raw)  # only the end of the text leaves a quote open
        if literal is not None:
            self._open_quote_row(len(self.rows) - 1, raw, literal, end)
        return None

    def _cut_open_quote(self, begin: int, end: int, *, malformed: bool) -> int | None:
        """For a row read from lines `begin` to `end`: when one of its later lines reads as a
        row of the list, and either the row is `malformed` (its quote closed by more text or
        by the end of the text, as no cell over several lines is written) or the line where it
        starts reads as a row with its open quote taken as a plain character, the row is cut
        short before that later line (which is returned, to read on from); otherwise it is
        one row with a cell over several lines."""
        lines = self.lines
        if self.rows:
            shape = self._shape(self.rows[0])
        else:
            first = literal_cells(lines[begin])
            shape = RowShape.of(first[0] if first else [])
        if shape.width < 2:
            return None
        resume = next((j for j in range(begin + 1, end) if shape.fits(lines[j])), None)
        if resume is None:
            return None
        raw = "".join(lines[begin:resume])
        literal = literal_cells(raw)
        if literal is None:  # the csv module read on past `raw`, so a quote is open at its end
            return None
        if not malformed and not shape.fits_cells(literal[0]):
            # A well-formed cell over several lines, some of which look like rows; a stray
            # quote leaves the rest of its own row on its line.
            return None
        self.rows.append([])
        self.ends.append(resume)
        self._open_quote_row(len(self.rows) - 1, raw, literal, end)
        return resume

    def _shape(self, header: list[str]) -> RowShape:
        if self.shape is None:
            self.shape = RowShape.of(header)
        return self.shape

    def _open_quote_row(
        self, index: int, raw: str, literal: tuple[list[str], int, int], went_on_to: int
    ) -> None:
        """Row `index` (text `raw`) has a quote that never closes; the csv module read it up
        to line `went_on_to`."""
        cells, position, offset = literal
        self.rows[index] = cells
        self.raw[index] = raw
        # A header with an open quote is named by letters: its own cells are in question.
        column = _column_name(self.rows[0], position) if index else column_letter(position)
        value = raw[offset:].rstrip("\r\n")
        self.open_quotes.append(_OpenQuote(index, column, value, went_on_to))

    def _check_cells(self) -> None:
        """Problems of single cells, looked for only in rows that can have them."""
        candidates: set[int] = set()
        if self.escaped:
            candidates.update(self.table.rows_at(undecodable_offsets(self.text)))
        if len(self.text) > CELL_LIMIT:  # else no cell can be longer
            if _may_have_long_lines(self.text):
                lines = self.lines
                long_lines = [line for line, text in enumerate(lines) if len(text) > CELL_LIMIT]
                candidates.update(bisect_right(self.ends, line) for line in long_lines)
            rows = self.rows
            candidates.update(i for i in self.multi_line if max(map(len, rows[i])) > CELL_LIMIT)
        header = self.rows[0] if self.rows else []
        for index in sorted(candidates):
            if index in self.raw or index >= len(self.rows):
                continue
            problem = cell_problem(
                header, self.rows[index], self.encoding_label, bytes_count=index > 0
            )
            if problem is not None:
                self.problems[index] = problem
                begin = self.ends[index - 1] if index else 0
                self.raw[index] = "".join(self.lines[begin : self.ends[index]])

    def _quote_problem(self, quote: _OpenQuote) -> CellProblem:
        swallowed = []
        index = quote.index + 1
        while index < len(self.rows) and self.ends[index - 1] < quote.went_on_to:
            swallowed.append(index)
            index += 1
        message = 'a quote (") opens this cell and is never closed'
        if swallowed:
            at = id_position(self.rows[0])
            ids = [
                visible(cells[at].strip())
                for cells in (self.rows[i] for i in swallowed)
                if at < len(cells) and cells[at].strip()
            ]
            first, last = swallowed[0] + 1, swallowed[-1] + 1
            rows = f"row {first}" if first == last else f"rows {first}–{last}"
            named = ", ".join(ids[:_SHOWN_IDS])
            if len(ids) > _SHOWN_IDS:
                named += f" and {len(ids) - _SHOWN_IDS:,} more"
            message += f", so {rows}{f' ({named})' if named else ''} would have been read into it"
        return CellProblem(
            column=quote.column,
            value=visible(quote.value),
            message=message + "; remove the quote or close it",
        )


def cell_problem(
    header: Sequence[str], cells: Sequence[str], encoding_label: str, *, bytes_count: bool
) -> CellProblem | None:
    """The first cell from the left that is too long or holds undecodable bytes (not
    `encoding_label` text). In the header only length counts: a column name with a stray
    byte simply names no column."""
    for position, cell in enumerate(cells):
        if len(cell) > CELL_LIMIT:
            return CellProblem(
                column=_column_name(header, position),
                value=visible(cell),
                message=f"the cell holds {len(cell):,} characters, more than the "
                f"{CELL_LIMIT:,} a cell may hold",
            )
        if bytes_count and has_undecodable(cell):
            return CellProblem(
                column=_column_name(header, position),
                value=visible(cell),
                message=f"the cell holds bytes that are not {encoding_label} text "
                "(shown as \\x..); retype it, or save the list as CSV UTF-8",
            )
    return None


def _may_have_long_lines(text: str) -> bool:
    """Whether a line of `text` may be longer than CELL_LIMIT, found without splitting it: such
    a line holds a whole stretch of CELL_LIMIT // 2 characters, starting at a multiple of that,
    without a line break; one search per stretch stops at the first break in it."""
    step = CELL_LIMIT // 2
    for start in range(0, len(text) - step + 1, step):
        end = start + step
        if text.find("\n", start, end) < 0 and text.find("\r", start, end) < 0:
            return True
    return False


def _column_name(header: Sequence[str], position: int) -> str:
    """A column as a person finds it: its header, or its letter when it has none."""
    name = header[position].strip() if position < len(header) else ""
    return visible(name) if name else column_letter(position)


def _first_line_terminator(text: str) -> str:
    end = text.find("\n")
    if end > 0 and text[end - 1] == "\r":
        return "\r\n"
    if end >= 0:
        return "\n"
    return "\r" if "\r" in text else "\r\n"
