"""The onboarding list as a CSV file: the local stand-in for the Google Sheet.

People edit this file by hand (or in a spreadsheet app) while the guide runs, so a write
never trusts what it read earlier: it re-reads the file under a lock, finds each row by its
customer_id, changes only the cells it was asked to, and swaps the new file in atomically.

What a write keeps: every other cell's text, column order, rows (including blank lines and
ragged rows), a leading UTF-8 byte-order mark, the line terminator of the first line (`\\r\\n`
when the file has none) and the file's permission bits. What it may change: quoting, which
is normalised to the csv module's minimal quoting (the same cell text, spelled differently).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import fcntl
import io
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.bulk import cyclic_gc_paused
from engine.models import RosterSnapshot, RowUpdate
from engine.ports import RosterError
from engine.roster.grid import snapshot_from_grid
from engine.roster.validate import column_key

_ID_COLUMN = "customer_id"


@dataclass
class _CsvFile:
    rows: list[list[str]]
    byte_order_mark: bool
    line_terminator: str


class CsvRoster:
    """A `Roster` backed by one CSV file; `<name>.lock` next to it serialises writers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def read(self) -> RosterSnapshot:
        with cyclic_gc_paused():
            return self._read()

    def _read(self) -> RosterSnapshot:
        rows = self._load().rows
        # Row numbers count records, not text lines: a quoted cell may span several lines.
        return snapshot_from_grid(rows[0], rows[1:])

    def write(self, updates: Sequence[RowUpdate]) -> list[str]:
        if not updates:
            return []
        if not self.path.exists():
            # Checked before locking so a mistyped path leaves no stray lock file behind.
            raise _missing(self.path)
        with self._exclusive_lock():
            csv_file = self._load()
            not_found, changed = _apply(csv_file.rows, updates, self.path)
            if changed:
                self._replace(csv_file)
        return not_found

    @contextlib.contextmanager
    def _exclusive_lock(self) -> Iterator[None]:
        # The lock lives in its own file because the CSV itself is replaced on every write, and
        # a lock held on a replaced file guards nothing. The lock file is left behind on
        # purpose: deleting it would let two writers lock two different files.
        with open(self.lock_path, "a") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _load(self) -> _CsvFile:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise _missing(self.path) from None
        except OSError as error:
            raise RosterError(f"cannot read the onboarding list {self.path}: {error}") from None
        try:
            text = data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except (UnicodeDecodeError, csv.Error) as error:
            raise RosterError(f"cannot read the onboarding list {self.path}: {error}") from None
        if not rows:
            raise RosterError(f"the onboarding list {self.path} is empty")
        if not any(cell.strip() for cell in rows[0]):
            raise RosterError(f"the onboarding list {self.path} has no header row (row 1 is blank)")
        return _CsvFile(
            rows=rows,
            byte_order_mark=data.startswith(codecs.BOM_UTF8),
            line_terminator=_first_line_terminator(text),
        )

    def _replace(self, csv_file: _CsvFile) -> None:
        """Write a complete new file beside the old one and rename it over it: readers and a
        crash mid-write see either the old file or the new one, never half of one."""
        mode = stat.S_IMODE(self.path.stat().st_mode)
        descriptor, temp_name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            encoding = "utf-8-sig" if csv_file.byte_order_mark else "utf-8"
            with open(descriptor, "w", encoding=encoding, newline="") as temp_file:
                writer = csv.writer(temp_file, lineterminator=csv_file.line_terminator)
                writer.writerows(csv_file.rows)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.chmod(temp_name, mode)
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(self.path.parent)


def _apply(
    rows: list[list[str]], updates: Sequence[RowUpdate], path: Path
) -> tuple[list[str], bool]:
    """Set the updated cells in `rows` in place. Returns the ids not found and whether any
    cell changed."""
    header = rows[0]
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        columns.setdefault(column_key(name), position)
    id_position = columns.get(_ID_COLUMN)
    if id_position is None:
        raise RosterError(f"the onboarding list {path} has no {_ID_COLUMN} column")
    # The first row with an id is the customer, as validation skips later duplicates.
    row_by_id: dict[str, int] = {}
    for row_index in range(1, len(rows)):
        id_cells = rows[row_index]
        if id_position < len(id_cells) and (customer_id := id_cells[id_position].strip()):
            row_by_id.setdefault(customer_id, row_index)
    not_found: list[str] = []
    changed = False
    for update in updates:
        index = row_by_id.get(update.customer_id.strip())
        if index is None:
            if update.customer_id not in not_found:
                not_found.append(update.customer_id)
            continue
        cells = rows[index]
        for name, value in update.values.items():
            key = column_key(name)
            if key not in columns:
                columns[key] = len(header)
                header.append(name)
            position = columns[key]
            if len(cells) <= position:
                cells.extend([""] * (position + 1 - len(cells)))
            if cells[position] != value:
                cells[position] = value
                changed = True
    return not_found, changed


def _missing(path: Path) -> RosterError:
    return RosterError(f"the onboarding list {path} does not exist")


def _first_line_terminator(text: str) -> str:
    end = text.find("\n")
    if end > 0 and text[end - 1] == "\r":
        return "\r\n"
    if end >= 0:
        return "\n"
    return "\r" if "\r" in text else "\r\n"


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every file system lets a directory be synced."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
