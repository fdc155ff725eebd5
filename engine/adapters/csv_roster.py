"""The onboarding list as a CSV file: the local stand-in for the Google Sheet.

People edit this file by hand (or in a spreadsheet app) while the guide runs, so a write
never trusts what it read earlier: it re-reads the file under a lock, finds each row by its
customer_id, changes only the cells it was asked to, and swaps the new file in atomically.

How bytes become text (UTF-8, a byte-order mark, or Windows-1252 with a warning) is
`engine.roster.csv_encoding`; how text becomes rows, so that one bad row costs only that row,
is `engine.roster.csv_text`; how written values stay text in a spreadsheet app is
`engine.roster.csv_formulas`.

What a write keeps: every other cell's text, column order, rows (including blank lines and
ragged rows), the exact text of rows that cannot be read, the file's encoding and byte-order
mark (and so every byte it could not decode), the line terminator of the first line (`\\r\\n`
when the file has none) and the file's permission bits. What it may change: quoting, which
is normalised to the csv module's minimal quoting (the same cell text, spelled differently);
and the encoding when a value to write has a character it lacks (a name in Japanese in a
Windows-1252 file): the file is then saved as UTF-8 with a byte-order mark, which Excel reads.

A write killed before its rename leaves a temporary copy (`.<name>.<random>.tmp`) beside the
list; creating a `CsvRoster` removes such copies once they are a few minutes old.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.adapters.leftovers import find_leftovers, remove_leftovers
from engine.bulk import cyclic_gc_paused
from engine.models import RosterGrid, RosterSnapshot, RowUpdate, clip
from engine.ports import RosterError
from engine.roster.csv_encoding import CannotKeepBytesError, DecodedText, decode, encode
from engine.roster.csv_one import (
    ID_COLUMN,
    CsvText,
    column_positions,
    rows_of,
    set_cells,
    splice,
    write_id,
)
from engine.roster.csv_text import CsvTable, parse, render, show_as_typed
from engine.roster.grid import grid_snapshot, one_customer


@dataclass
class _CsvFile:
    decoded: DecodedText
    table: CsvTable


class CsvRoster:
    """A `Roster` backed by one CSV file; `<name>.lock` next to it serialises writers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        # The list as last read or written by this process, and where its records are: while
        # its bytes stay the same, a click reads and compares them, and looks the id up.
        self._last: CsvText | None = None
        self._remove_leftovers()

    def read(self) -> RosterSnapshot:
        with cyclic_gc_paused():
            return grid_snapshot(self._grid(self._text()))

    def read_grid(self) -> RosterGrid:
        with cyclic_gc_paused():
            return self._grid(self._text())

    def read_one(self, customer_id: str) -> RosterSnapshot:
        """The text searched for the id (engine.roster.csv_scan): only the records that hold
        it are parsed; the whole list when the search cannot be sure."""
        csv_text = self._text()
        found = rows_of(csv_text, customer_id)
        if found is not None:
            return found
        with cyclic_gc_paused():
            return one_customer(grid_snapshot(self._grid(csv_text)), customer_id)

    def _grid(self, csv_text: CsvText) -> RosterGrid:
        csv_file = self._load(csv_text.decoded)
        table = csv_file.table
        show_as_typed(table, csv_file.decoded.text)
        rows = table.rows
        problems = {index + 1: problem for index, problem in table.problems.items()}
        warning = csv_file.decoded.warning
        return RosterGrid(tuple(rows[0]), rows[1:], problems, (warning,) if warning else ())

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        """One customer's row is found by searching the text (engine.roster.csv_scan) and
        spliced in, every other byte kept; updates of several customers, or a list the search
        cannot be sure of, go through the whole table."""
        if not updates:
            return []
        if not self.path.exists():
            # Checked before locking so a mistyped path leaves no stray lock file behind.
            raise _missing(self.path)
        with self._lock():
            csv_text = self._text()
            if len({update.customer_id.strip() for update in updates}) == 1:
                spliced = splice(csv_text, updates, self.path)
                if spliced is not None:
                    if spliced.text is not None:
                        data = self._replace(spliced.text, csv_text.decoded)
                        # Known now, the next read (a link's page after a click) costs a
                        # compare of the bytes, not a decode and a new index.
                        decoded = decode(data, self.path.name)
                        carried = spliced.index if decoded.text == spliced.text else None
                        self._last = CsvText(data, decoded, carried)
                    return spliced.not_found
            csv_file = self._load(csv_text.decoded)
            not_found, changed = _apply(csv_file.table, updates, self.path)
            if changed:
                self._replace(render(csv_file.table), csv_file.decoded)
        return not_found

    @contextlib.contextmanager
    def _lock(self, *, wait: bool = True) -> Iterator[bool]:
        """The writers' lock; yields whether it is held (only False when not `wait`ing)."""
        # The lock lives in its own file because the CSV itself is replaced on every write, and
        # a lock held on a replaced file guards nothing. The lock file is left behind on
        # purpose: deleting it would let two writers lock two different files.
        with open(self.lock_path, "a") as lock_file:
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                held = True
            except BlockingIOError:
                held = False
            try:
                yield held
            finally:
                if held:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _text(self) -> CsvText:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise _missing(self.path) from None
        except OSError as error:
            raise RosterError(f"cannot read the onboarding list {self.path}: {error}") from None
        last = self._last
        if last is not None and last.data == data:
            return last
        self._last = CsvText(data, decode(data, self.path.name))
        return self._last

    def _load(self, decoded: DecodedText) -> _CsvFile:
        table = parse(decoded.text, decoded.encoding.label, escaped=decoded.escaped)
        if not table.rows:
            raise RosterError(f"the onboarding list {self.path} is empty")
        header_problem = table.problems.get(0)
        if header_problem is not None:
            raise RosterError(
                f"cannot read the onboarding list {self.path}: row 1 (the header), column "
                f"{header_problem.column} ({clip(header_problem.value)!r}): "
                f"{header_problem.message}"
            )
        if not any(cell.strip() for cell in table.rows[0]):
            raise RosterError(f"the onboarding list {self.path} has no header row (row 1 is blank)")
        return _CsvFile(decoded=decoded, table=table)

    def _replace(self, text: str, decoded: DecodedText) -> bytes:
        """Write a complete new file beside the old one and rename it over it: readers and a
        crash mid-write see either the old file or the new one, never half of one."""
        try:
            data, _ = encode(text, decoded.encoding)
        except CannotKeepBytesError as error:
            raise RosterError(
                f"cannot update the onboarding list {self.path}: {error}; retype the cells "
                "shown with \\x.. in the skipped rows, or save the list as CSV UTF-8"
            ) from None
        mode = stat.S_IMODE(self.path.stat().st_mode)
        descriptor, temp_name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with open(descriptor, "wb") as temp_file:
                temp_file.write(data)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.chmod(temp_name, mode)
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(self.path.parent)
        return data

    def _remove_leftovers(self) -> None:
        """Remove the temporary copies that killed writes left beside the list: only names of
        this roster's own pattern (`tempfile.mkstemp`'s eight random characters), only copies
        a few minutes old, and only while no write is under way (a write holds the lock from
        before its copy exists until after the rename)."""
        own_copies = f".{glob.escape(self.path.name)}.{'?' * 8}.tmp"
        leftovers = find_leftovers(self.path.parent, own_copies)
        if not leftovers:
            return  # no lock file made for nothing
        with contextlib.suppress(OSError), self._lock(wait=False) as held:
            if held:
                remove_leftovers(leftovers)


def _apply(table: CsvTable, updates: Sequence[RowUpdate], path: Path) -> tuple[list[str], bool]:
    """Set the updated cells in `table` in place, each value formula-safe. Returns the ids not
    found and whether any cell changed. A row that cannot be read is never written to (it is
    kept as it was), so an update for it counts as not found."""
    rows = table.rows
    header = rows[0]
    columns = column_positions(header, path)
    id_position = columns[ID_COLUMN]
    # The first row with an id is the customer, as validation skips later duplicates; the id
    # as the guide reads it.
    row_by_id: dict[str, int] = {}
    for row_index in range(1, len(rows)):
        id_cells = rows[row_index]
        if id_position < len(id_cells) and (customer_id := write_id(id_cells[id_position])):
            row_by_id.setdefault(customer_id, row_index)
    not_found: list[str] = []
    width = len(header)
    for update in updates:
        index = row_by_id.get(update.customer_id.strip())
        if index is None or index in table.raw:
            if update.customer_id not in not_found:
                not_found.append(update.customer_id)
            continue
        if set_cells(header, columns, rows[index], update):
            table.changed.add(index)
    if table.changed and len(header) != width:  # a column added for a cell written
        table.changed.add(0)
    return not_found, bool(table.changed)


def _missing(path: Path) -> RosterError:
    return RosterError(f"the onboarding list {path} does not exist")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every file system lets a directory be synced."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
