"""The onboarding list's columns: which the guide knows, how a header cell names one, and how
a row's customer id is read. What `engine.roster.validate` checks rows against, and what every
reader of the list (the CSV's own scans, the Google Sheet's cells, the tick) finds columns by."""

from __future__ import annotations

from collections.abc import Sequence

from engine.models import CellValue, RawRow
from engine.ports import RosterError
from engine.roster.cells import cell_text, column_letter

REQUIRED_COLUMNS = ("customer_id", "email", "plan", "signup_date")
OPTIONAL_COLUMNS = (
    "name",
    "company",
    "plan_override",
    "timezone",
    "country",
    "owner",
    "paused",
    "paused_note",
    "finished",
    "finished_date",
    "finished_by",
    "handed_off_to",
    "unsubscribed",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# How the guide writes these (RowUpdate holds text): a flag is "TRUE" or "" (no), a date is
# ISO text. A roster that types its cells (a Google Sheet) writes them as booleans and dates.
FLAG_COLUMNS = ("paused", "finished")
DATE_COLUMNS = ("signup_date", "finished_date")
# The guide writes the day; a person may type a yes (TRUE, a checkbox) as well.
FLAG_OR_DATE_COLUMNS = ("unsubscribed",)


def column_key(name: str) -> str:
    """How a header cell is matched to a column name: case and surrounding spaces don't count."""
    return name.strip().lower()


def find_columns(header: Sequence[str]) -> dict[str, str]:
    """The header cell for each known column present. Raises RosterError when a required column
    is missing or a known column appears twice (which of the two is meant cannot be guessed)."""
    found: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = column_key(cell)
        if key not in KNOWN_COLUMNS:
            continue
        if key in found:
            raise RosterError(
                f"the onboarding list has two {key} columns "
                f"({column_letter(positions[key])} and {column_letter(position)}); "
                "remove or rename one"
            )
        found[key] = cell
        positions[key] = position
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        plural = "column" if len(missing) == 1 else "columns"
        raise RosterError(
            f"the onboarding list has no {', '.join(missing)} {plural} "
            f"(header row: {', '.join(repr(cell) for cell in header) or 'empty'})"
        )
    return found


def row_id(row: RawRow, id_key: str) -> str:
    """The customer id of a row as validation reads it (`id_key`: the header's id cell)."""
    return id_text(row.values.get(id_key))


def cell_id(cells: Sequence[CellValue], at: int) -> str:
    """The customer id in a row's cells (`at`: the id column's position), as `row_id` reads
    it from the row modelled."""
    return id_text(cells[at]) if at < len(cells) else ""


def id_text(raw: CellValue) -> str:
    """A cell as an id or any text is read: stripped text."""
    return raw.strip() if type(raw) is str else cell_text(raw)
