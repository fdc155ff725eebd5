"""The grid behind `fake_sheets`: typed cells, worksheets with a size, and A1 ranges.

A cell holds what Sheets holds: text, a number (a date is a number with a date format), a
boolean, or a formula with its value. How values are written (RAW or USER_ENTERED) and read
(the value and date render options) follows the API's documented rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

SHEETS_EPOCH = date(1899, 12, 30)
_TITLE_NEEDS_NO_QUOTES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REF = re.compile(r"([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        code = _STATUS_NAMES.get(self.status, "UNKNOWN")
        return {"error": {"code": self.status, "message": self.message, "status": code}}


@dataclass
class Cell:
    value: str | int | float | bool
    """The effective value: what UNFORMATTED_VALUE answers."""
    formula: str | None = None
    is_date: bool = False

    def formatted(self) -> str:
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        if self.is_date:
            return (SHEETS_EPOCH + timedelta(days=int(self.value))).isoformat()
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


def date_cell(day: date) -> Cell:
    """A date typed into a date-formatted cell: Sheets holds it as a serial number."""
    return Cell((day - SHEETS_EPOCH).days, is_date=True)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def letters_of(column: int) -> str:
    """`A` for column 0."""
    text, number = "", column + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        text = chr(ord("A") + remainder) + text
    return text


@dataclass
class Box:
    """Zero-based, end exclusive."""

    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Worksheet:
    title: str
    sheet_id: int
    row_count: int = 1000
    column_count: int = 26
    rows: list[list[Cell | None]] = field(default_factory=list)

    def get(self, row: int, column: int) -> Cell | None:
        if row < len(self.rows) and column < len(self.rows[row]):
            return self.rows[row][column]
        return None

    def put(self, row: int, column: int, cell: Cell | None) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        cells = self.rows[row]
        cells.extend([None] * (column + 1 - len(cells)))
        cells[column] = cell

    # What a person does in the browser.

    def fill(self, table: list[list[Any]]) -> None:
        """Replace every cell. Strings become text cells (as in a column formatted as plain
        text), numbers numbers, booleans checkboxes; a Cell is taken as it is."""
        self.rows = [[typed(value) for value in row] for row in table]
        self.row_count = max(self.row_count, len(table))
        self.column_count = max([self.column_count, *map(len, table)])

    def insert_row(self, row_number: int, values: list[Any]) -> None:
        self.rows.insert(row_number - 1, [typed(value) for value in values])
        self.row_count += 1

    def reorder_rows(self, first_row: int, order: list[int]) -> None:
        """Rows from `first_row` on, rearranged: `order` lists their old row numbers."""
        moved = [self.rows[number - 1] if number <= len(self.rows) else [] for number in order]
        self.rows[first_row - 1 : first_row - 1 + len(order)] = moved

    def displayed(self) -> list[list[str]]:
        """Every row as shown, trailing empty cells left out."""
        shown = [[cell.formatted() if cell else "" for cell in row] for row in self.rows]
        return [trim(row, "") for row in trim(shown, [])]

    def cell(self, a1: str) -> Cell | None:
        match = re.fullmatch(r"([A-Z]+)(\d+)", a1)
        assert match, a1
        return self.get(int(match[2]) - 1, column_number(match[1]) - 1)

    def a1_title(self) -> str:
        if _TITLE_NEEDS_NO_QUOTES.fullmatch(self.title):
            return self.title
        return "'" + self.title.replace("'", "''") + "'"


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str = "Onboarding"
    sheets: list[Worksheet] = field(default_factory=list)
    shared_with: set[str] | None = None
    """Service accounts that may open it; None: everyone."""

    def add_worksheet(self, title: str, rows: int = 1000, columns: int = 26) -> Worksheet:
        # As in Sheets: the first tab's id is 0, others are arbitrary numbers.
        sheet = Worksheet(title, sheet_id=len(self.sheets) * 1_234_567, row_count=rows)
        sheet.column_count = columns
        self.sheets.append(sheet)
        return sheet

    def resolve(self, text: str) -> tuple[Worksheet, Box]:
        """A1 notation to a sheet and a box inside its grid. Raises ApiError like the API."""
        sheet, ref = self._split(text)
        if sheet is None:
            raise ApiError(400, f"Unable to parse range: {text}")
        whole = Box(0, 0, sheet.row_count, sheet.column_count)
        if not ref:
            return sheet, whole
        match = _REF.fullmatch(ref)
        if match is None or not any(match.groups()):
            raise ApiError(400, f"Unable to parse range: {text}")
        c1, r1, c2, r2 = match.groups()
        if match[0].find(":") < 0:
            c2, r2 = c1, r1
        box = Box(
            top=int(r1) - 1 if r1 else 0,
            left=column_number(c1) - 1 if c1 else 0,
            bottom=int(r2) if r2 else whole.bottom,
            right=column_number(c2) if c2 else whole.right,
        )
        if box.bottom > whole.bottom or box.right > whole.right:
            corner = f"{letters_of(box.right - 1)}{box.bottom}"
            raise ApiError(
                400,
                f"Range ({sheet.a1_title()}!{corner}) exceeds grid limits. Max rows: "
                f"{sheet.row_count}, max columns: {sheet.column_count}",
            )
        return sheet, box

    def _split(self, text: str) -> tuple[Worksheet | None, str]:
        titles = {sheet.title: sheet for sheet in self.sheets}
        quoted = re.fullmatch(r"'((?:[^']|'')+)'(?:!(.*))?", text)
        if quoted:
            return titles.get(quoted[1].replace("''", "'")), quoted[2] or ""
        name, bang, ref = text.partition("!")
        if bang:
            return titles.get(name), ref
        if text in titles:
            return titles[text], ""
        return (self.sheets[0] if self.sheets else None), text


def typed(value: Any) -> Cell | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Cell) else Cell(value)


def entered(value: Any, option: str) -> Cell | None:
    """A written value as Sheets stores it."""
    if not isinstance(value, str):
        return Cell(value)
    if value == "":
        return None
    if option == "RAW":
        return Cell(value)
    if value.startswith("="):
        return Cell("#NAME?", formula=value)
    if value.startswith("'"):
        return Cell(value[1:])
    if _NUMBER.fullmatch(value):
        number = float(value)
        return Cell(int(number) if number.is_integer() else number)
    if value.upper() in ("TRUE", "FALSE"):
        return Cell(value.upper() == "TRUE")
    if _ISO_DATE.fullmatch(value):
        return date_cell(date.fromisoformat(value))
    return Cell(value)


def render(cell: Cell | None, render: str, dates: str) -> Any:
    if cell is None:
        return ""
    if render == "FORMULA" and cell.formula:
        return cell.formula
    if render == "FORMATTED_VALUE" or (cell.is_date and dates == "FORMATTED_STRING"):
        return cell.formatted()
    value = cell.value
    # JSON has one number type; Sheets writes whole numbers without a fraction.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def trim(items: list[Any], empty: Any) -> list[Any]:
    end = len(items)
    while end and items[end - 1] in (empty, None):
        end -= 1
    return items[:end]
