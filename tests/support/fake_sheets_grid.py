"""The grid behind `fake_sheets`: typed cells, worksheets with a size, and A1 ranges.

A cell holds what Sheets holds: text, a number (a date is a number with a date format), a
boolean, or a formula with its value, and its number format. How values are written (RAW or
USER_ENTERED) and read (the value and date render options) follows the API's documented rules;
writing a value keeps the cell's format, as in Sheets. Date patterns are shown with their date
tokens (d, m, y, quoted text); time tokens are not implemented.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

SHEETS_EPOCH = date(1899, 12, 30)
ISO_DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
"""What Sheets gives a cell when `2026-11-02` is typed into it."""
_DEFAULT_DATE_PATTERN = "m/d/yyyy"  # a DATE format without a pattern, in the en_US locale
_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|y+|m+|d+|.', re.IGNORECASE)
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
    value: str | int | float | bool | None
    """The effective value: what UNFORMATTED_VALUE answers; None for a cell that has a format
    and no value."""
    formula: str | None = None
    number_format: dict[str, str] | None = None
    """userEnteredFormat.numberFormat, as the API has it: {"type": "DATE", "pattern": ...}."""

    @property
    def is_date(self) -> bool:
        return self.number_format is not None and self.number_format.get("type") == "DATE"

    def formatted(self) -> str:
        """The cell as Sheets shows it (FORMATTED_VALUE)."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if self.is_date and isinstance(value, int | float):
            assert self.number_format is not None
            return format_date(value, self.number_format.get("pattern", _DEFAULT_DATE_PATTERN))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


def date_cell(day: date) -> Cell:
    """A date typed into a cell: Sheets holds it as a serial number with a date format."""
    return Cell((day - SHEETS_EPOCH).days, number_format=dict(ISO_DATE_FORMAT))


def format_date(serial: float, pattern: str) -> str:
    """A serial number shown through a date pattern (`yyyy-mm-dd`, `d mmm yyyy`, ...)."""
    day = SHEETS_EPOCH + timedelta(days=math.floor(serial))
    shown = []
    for token in date_tokens(pattern):
        kind, width = token[0].lower(), len(token)
        if kind == '"':
            shown.append(token[1:-1])
        elif kind == "\\":
            shown.append(token[1:])
        elif kind == "y":
            shown.append(f"{day.year % 100:02d}" if width <= 2 else f"{day.year:04d}")
        elif kind == "m":
            month = day.strftime("%B")
            shown.append(
                (str(day.month), f"{day.month:02d}", month[:3], month)[width - 1]
                if width <= 4
                else month[0]
            )
        elif kind == "d":
            weekday = day.strftime("%A")
            shown.append(
                (str(day.day), f"{day.day:02d}", weekday[:3])[width - 1] if width <= 3 else weekday
            )
        else:
            shown.append(token)
    return "".join(shown)


def date_tokens(pattern: str) -> list[str]:
    """A date pattern's tokens. Raises ValueError for a letter the fake cannot show (time)."""
    tokens: list[str] = _DATE_TOKEN.findall(pattern)
    for token in tokens:
        if token.isalpha() and token[0].lower() not in "ymd":
            raise ValueError(f"fake: the date pattern token {token!r} is not implemented")
    return tokens


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
        """A written value (None clears it). The cell keeps its number format, as in Sheets: a
        serial written into a date-formatted cell shows a date. Only a cell without one takes
        the format the value came with (a date typed USER_ENTERED)."""
        kept = self.get(row, column)
        number_format = kept.number_format if kept is not None else None
        if cell is None:
            self._store(
                row, column, Cell(None, number_format=number_format) if number_format else None
            )
        else:
            self._store(
                row, column, replace(cell, number_format=number_format or cell.number_format)
            )

    def format(self, row: int, column: int, number_format: dict[str, str] | None) -> None:
        """A cell's number format set (None: cleared), its value kept."""
        kept = self.get(row, column)
        if kept is not None:
            self._store(row, column, replace(kept, number_format=number_format))
        elif number_format is not None:
            self._store(row, column, Cell(None, number_format=dict(number_format)))

    def _store(self, row: int, column: int, cell: Cell | None) -> None:
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
    if cell is None or cell.value is None:
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
