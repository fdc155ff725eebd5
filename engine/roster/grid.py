"""A list as a grid of cells (a CSV file, a worksheet) turned into a `RosterSnapshot`: the one
reading of a header row that every roster adapter shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from engine.models import CellProblem, CellValue, RawRow, RosterGrid, RosterSnapshot
from engine.roster.cells import cell_text
from engine.roster.columns import cell_id, find_columns


def snapshot_from_grid(
    header: Sequence[str],
    rows: Sequence[Sequence[CellValue]],
    problems: Mapping[int, CellProblem] | None = None,
    warnings: Sequence[str] = (),
) -> RosterSnapshot:
    """`rows` (the records under the header, in order) keyed by column name. A blank header
    cell names nothing, and of two cells with one name the first counts (validation refuses
    a list where that matters). Missing trailing cells read as "" (Sheets leaves them out),
    and row numbers count records from 2, as a spreadsheet app shows them, not text lines.
    `problems` (by row number) are the rows the adapter could not read into cells; their
    cells are still keyed, so a skip can name the customer."""
    named_columns = named(header)
    raw_rows = [
        RawRow(
            row_number=row_number,
            values={
                name: cells[position] if position < len(cells) else ""
                for name, position in named_columns.items()
            },
        )
        for row_number, cells in enumerate(rows, start=2)
    ]
    # Set afterwards, so the rows without a problem (nearly all) are built as before.
    for row_number, problem in (problems or {}).items():
        raw_rows[row_number - 2] = raw_rows[row_number - 2].model_copy(update={"problem": problem})
    return RosterSnapshot(header=tuple(header), rows=tuple(raw_rows), warnings=tuple(warnings))


def grid_snapshot(grid: RosterGrid) -> RosterSnapshot:
    """The grid's rows modelled, as `Roster.read` gives them."""
    return snapshot_from_grid(grid.header, grid.rows, grid.problems, grid.warnings)


def grid_from_snapshot(snapshot: RosterSnapshot) -> RosterGrid:
    """A snapshot's rows as cells under its header (a blank or repeated column name holds the
    cell its name was read from): what an adapter holding modelled rows gives as its grid."""
    return RosterGrid(
        header=snapshot.header,
        rows=[[row.values.get(name, "") for name in snapshot.header] for row in snapshot.rows],
        problems={row.row_number: row.problem for row in snapshot.rows if row.problem},
        warnings=snapshot.warnings,
    )


def rows_where(grid: RosterGrid, wanted: Callable[[Sequence[CellValue]], bool]) -> RosterSnapshot:
    """Only the rows whose cells are `wanted`, modelled, and every row of an id that is on more
    than one row (validation judges those rows together: it refuses them all). Raises
    RosterError when the list has no customer_id column."""
    columns = named(grid.header)
    id_at = columns[find_columns(grid.header)["customer_id"]]
    counts = Counter(cell_id(cells, id_at) for cells in grid.rows)
    rows = tuple(
        raw_row(number, cells, columns, grid.problems.get(number))
        for number, cells in enumerate(grid.rows, start=2)
        if wanted(cells) or counts[cell_id(cells, id_at)] > 1
    )
    return RosterSnapshot(header=grid.header, rows=rows, warnings=grid.warnings)


def named(header: Sequence[str]) -> dict[str, int]:
    """The position of each column name of `header`, as `snapshot_from_grid` keys cells."""
    named_columns: dict[str, int] = {}
    for position, name in enumerate(header):
        if name.strip():
            named_columns.setdefault(name, position)
    return named_columns


def raw_row(
    row_number: int,
    cells: Sequence[CellValue],
    columns: Mapping[str, int],
    problem: CellProblem | None = None,
) -> RawRow:
    """One row as `snapshot_from_grid` makes it, `columns` as `named` gives them."""
    values = {name: cells[at] if at < len(cells) else "" for name, at in columns.items()}
    return RawRow(row_number=row_number, values=values, problem=problem)


def one_customer(snapshot: RosterSnapshot, customer_id: str) -> RosterSnapshot:
    """`snapshot` with only the rows whose customer_id is `customer_id` (as validation reads
    an id: stripped text), in order: what `Roster.read_one` gives. Raises RosterError when
    the list has no customer_id column."""
    id_column = find_columns(snapshot.header)["customer_id"]
    wanted = customer_id.strip()
    rows = tuple(row for row in snapshot.rows if cell_text(row.values.get(id_column)) == wanted)
    return snapshot.model_copy(update={"rows": rows})
