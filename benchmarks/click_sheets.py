"""Benchmark: the Google Sheets calls and cells of one click or link, at 1k and 100k rows.

    python benchmarks/click_sheets.py [--sizes 1000,100000]

For each size, an N-row worksheet in the in-process Sheets API the tests use (gspread's own
code over it), read whole once as the morning tick reads it, which remembers every customer's
row in the state store (SQLite). Then each request runs as a fresh process (a new Lambda
environment) would: a new roster over a new store connection, knowing only what the store
remembers, on a customer spread over the list:

- a Pause click (its modal is built from the button: no Sheets call) and the Pause form
  submitted (the pause: the customer read, their row written);
- a Done click (it finishes the customer: read, then the row's flag and date written);
- a done link GET and POST (the customer read; the step is state only);
- a done link GET right after a person sorted the sheet (the remembered row is someone else's:
  the id column is read and remembered anew), and the one after it.

Each is counted in Sheets API calls and cells moved (fake_sheets.cells_moved). Aim for a click
or link: at most 2 calls and 100 cells, at any size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from done_site import done_path
from fake_google import FakeGoogle
from workspace import HEADER, Workspace, nine_am, row

from engine.actions import finish, pause
from engine.adapters.gsheet_roster import GoogleSheetRoster, gsheet_url
from engine.adapters.row_memory import StoreRowMemory
from engine.adapters.sqlite_store import SqliteStore
from engine.guide import Guide
from engine.web.done_link import HttpRequest, handle_done_link

SHEET_ID = "1BenchClicks"
TITLE = "Roster"
NOW = nine_am("2026-11-20")
SORTED = "GET, sheet just sorted"
KINDS = (
    "Pause click",
    "Pause form submitted",
    "Done click",
    "done link GET",
    "done link POST",
    SORTED,
    "the next GET",
)


def measure(size: int, directory: Path, each: int = 3) -> dict[str, tuple[int, int]]:
    """(most calls, most cells) of `each` requests of every kind."""
    rows = [row(f"C{n:06d}") for n in range(size)]
    directory.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(directory, rows)
    google = FakeGoogle()
    sheet = google.sheets.add_spreadsheet(SHEET_ID).add_worksheet(TITLE, columns=len(HEADER))
    sheet.fill([HEADER, *([r[c] for c in HEADER] for r in rows)])
    url = gsheet_url(SHEET_ID, TITLE)
    guide = workspace.guide()

    def fresh() -> Guide:
        """The guide of a fresh process: what it knows of the sheet is in the store."""
        store = SqliteStore(workspace.db)
        roster = GoogleSheetRoster(SHEET_ID, TITLE, google.session(), StoreRowMemory(store, url))
        guide.store, guide.roster = store, roster
        return guide

    fresh().roster.read()  # the morning tick
    step = max(1, size // (4 * each + 3))
    customers = iter(rows[step::step])

    def link(method: str) -> Callable[[Guide, str], Any]:
        def visit(guide: Guide, customer_id: str) -> None:
            response = handle_done_link(guide, HttpRequest(method, done_path(customer_id, "setup")))
            assert response.status == 200, response.body

        return visit

    requests: dict[str, Callable[[Guide, str], Any]] = {
        "Pause form submitted": lambda g, c: pause(g, c, "back in Q1", "U0DANA", NOW),
        "Done click": lambda g, c: finish(g, c, "U0DANA", NOW),
        "done link GET": link("GET"),
        "done link POST": link("POST"),
    }
    counted: dict[str, tuple[int, int]] = {"Pause click": (0, 0)}
    for kind, request in requests.items():
        for _ in range(each):
            customer_id = next(customers)["customer_id"]
            guide = fresh()
            google.calls.clear()
            request(guide, customer_id)
            calls = len(google.kinds())
            most_calls, most_cells = counted.get(kind, (0, 0))
            counted[kind] = (max(most_calls, calls), max(most_cells, google.cells()))
    # A person sorts the sheet: the next look finds the row by the id column, once.
    sheet.reorder_rows(2, list(range(size + 1, 1, -1)))
    for kind in (SORTED, "the next GET"):
        guide = fresh()
        google.calls.clear()
        requests["done link GET"](guide, next(customers)["customer_id"])
        counted[kind] = (len(google.kinds()), google.cells())
    return counted


def rows(sizes: list[int]) -> list[tuple[str, list[str], str]]:
    """(what, one cell per size, aim): the Sheets lines of the benchmark's table."""
    with tempfile.TemporaryDirectory(prefix="og-bench-click-sheets-") as scratch:
        figures = [measure(size, Path(scratch) / str(size)) for size in sizes]
    return [
        (
            f"Sheets calls / cells: {kind}",
            [f"{f[kind][0]} / {f[kind][1]}" for f in figures],
            "" if kind in ("Pause form submitted", SORTED) else "<= 2 / 100",
        )
        for kind in KINDS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'Sheets, most of 3 requests each':<48}" + "".join(f"{s:>14,}" for s in sizes))
    for what, cells, aim in rows(sizes):
        print(f"{what:<48}" + "".join(f"{c:>14}" for c in cells) + f"  {aim}".rstrip())


if __name__ == "__main__":
    main()
