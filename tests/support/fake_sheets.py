"""An in-process Google Sheets API v4: a real grid of typed cells behind the HTTP shapes of
spreadsheets.get, spreadsheets.batchUpdate and spreadsheets.values get / batchGet / update /
batchUpdate, as gspread sends them (`fake_google.FakeGoogle` routes requests here).

What it keeps faithfully, because the adapter's correctness depends on it: A1 ranges (quoted
sheet titles, whole rows and columns, open-ended ranges) and the grid's size (writing past it
is the API's 400 "exceeds grid limits"); the value render options (FORMATTED_VALUE,
UNFORMATTED_VALUE, FORMULA) and date render options; the value input options (RAW stores text
as text; USER_ENTERED turns `=...` into a formula, `0042` into 42, `TRUE` into a boolean and
`2026-11-02` into a date); values written as JSON booleans and numbers kept as booleans and
numbers; a written value keeping its cell's number format; trailing empty cells and rows left
out of answers; nulls in written values skipped; a batch applied all or nothing, its requests in
order (a repeatCell may format columns an earlier request of the batch added); the `fields`
mask of spreadsheets.get. spreadsheets.batchUpdate knows updateSheetProperties (the grid's size),
repeatCell of a number format (a FORMATTED_VALUE read shows a date through its pattern) and
updateCells of values and number formats.
What it does not: formulas are stored, never evaluated (their value reads `#NAME?`).

`cells_moved` counts the cells a call carried, for the tests' and benchmarks' budgets: the
values in a read's answer (every cell up to each row's last value, as the API sends them), the
values a write sends, the cells a repeatCell formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from fake_sheets_grid import (
    ApiError,
    Box,
    Cell,
    Spreadsheet,
    Worksheet,
    date_tokens,
    entered,
    letters_of,
    render,
    trim,
)


class FakeSheets:
    """The API's state (spreadsheets by id) and its request handling."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.value_input_options: list[str] = []
        """Every valueInputOption a write asked for, in order."""

    def add_spreadsheet(self, spreadsheet_id: str, **kwargs: Any) -> Spreadsheet:
        spreadsheet = Spreadsheet(spreadsheet_id, **kwargs)
        self.spreadsheets[spreadsheet_id] = spreadsheet
        return spreadsheet

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, caller: str
    ) -> tuple[str, dict[str, Any]]:
        """(the method's name, as the call log shows it, and the JSON answer)."""
        match = re.fullmatch(
            r"/v4/spreadsheets/([^/:]+)(:batchUpdate|/values(?::(\w+)|/(.+)))?", path
        )
        if match is None:
            raise ApiError(404, "Method not found.")
        spreadsheet = self.spreadsheets.get(match[1])
        if spreadsheet is None:
            raise ApiError(404, "Requested entity was not found.")
        if spreadsheet.shared_with is not None and caller not in spreadsheet.shared_with:
            raise ApiError(403, "The caller does not have permission")
        one = {name: values[-1] for name, values in query.items()}
        if match[2] is None and method == "GET":
            return "spreadsheets.get", self._get(spreadsheet, query.get("ranges", []), one)
        if match[2] == ":batchUpdate" and method == "POST":
            return "spreadsheets.batchUpdate", self._structure(spreadsheet, body)
        if match[3] == "batchGet" and method == "GET":
            ranges = [self._values(spreadsheet, text, one) for text in query.get("ranges", [])]
            return "values.batchGet", {"spreadsheetId": match[1], "valueRanges": ranges}
        if match[3] == "batchUpdate" and method == "POST":
            data = body.get("data", [])
            return "values.batchUpdate", self._write(
                spreadsheet, data, body.get("valueInputOption")
            )
        if match[4] and method == "GET":
            return "values.get", self._values(spreadsheet, unquote(match[4]), one)
        if match[4] and method == "PUT":
            data = [{**body, "range": unquote(match[4])}]
            return "values.update", self._write(spreadsheet, data, one.get("valueInputOption"))
        raise ApiError(404, "Method not found.")

    def _values(
        self, spreadsheet: Spreadsheet, text: str, options: dict[str, str]
    ) -> dict[str, Any]:
        sheet, box = spreadsheet.resolve(text)
        value_render = options.get("valueRenderOption", "FORMATTED_VALUE")
        dates = options.get("dateTimeRenderOption", "SERIAL_NUMBER")
        grid = [
            [render(sheet.get(r, c), value_render, dates) for c in range(box.left, box.right)]
            for r in range(box.top, box.bottom)
        ]
        major = options.get("majorDimension", "ROWS")
        if major == "COLUMNS":
            grid = [list(column) for column in zip(*grid, strict=True)]
        answer: dict[str, Any] = {"range": _a1(sheet, box), "majorDimension": major}
        values = [trim(row, "") for row in trim(grid, [""] * len(grid[0]) if grid else [])]
        if values:
            answer["values"] = values
        return answer

    def _write(
        self, spreadsheet: Spreadsheet, data: list[Any], option: str | None
    ) -> dict[str, Any]:
        self.value_input_options.append(str(option))
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "Invalid valueInputOption: 'valueInputOption' is required")
        planned: list[tuple[Worksheet, int, int, Any]] = []
        for value_range in data:
            sheet, box = spreadsheet.resolve(value_range["range"])
            rows = value_range.get("values", [])
            if value_range.get("majorDimension", "ROWS") == "COLUMNS":
                rows = [list(row) for row in zip(*rows, strict=True)]
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    if box.top + i >= box.bottom or box.left + j >= box.right:
                        raise ApiError(
                            400,
                            f"Requested writing within range [{value_range['range']}], but "
                            f"tried writing to row [{box.top + i + 1}] column [{box.left + j + 1}]",
                        )
                    if value is not None:  # the API skips nulls
                        planned.append((sheet, box.top + i, box.left + j, value))
        # All checked before anything is written: a batch is applied all or nothing.
        for sheet, row, column, value in planned:
            sheet.put(row, column, entered(value, option))
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "totalUpdatedCells": len(planned),
            "responses": [{"updatedRange": value_range["range"]} for value_range in data],
        }

    def _get(self, spreadsheet: Spreadsheet, ranges: list[str], options: dict[str, str]) -> Any:
        boxes: dict[int, tuple[Worksheet, list[Box]]] = {}
        for text in ranges:
            sheet, box = spreadsheet.resolve(text)
            boxes.setdefault(sheet.sheet_id, (sheet, []))[1].append(box)
        if not ranges:
            for sheet in spreadsheet.sheets:
                boxes[sheet.sheet_id] = (sheet, [Box(0, 0, sheet.row_count, sheet.column_count)])
        sheets = []
        for sheet, sheet_boxes in boxes.values():
            entry: dict[str, Any] = {
                "properties": {
                    "sheetId": sheet.sheet_id,
                    "title": sheet.title,
                    "index": spreadsheet.sheets.index(sheet),
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": sheet.row_count,
                        "columnCount": sheet.column_count,
                    },
                }
            }
            # The API ignores includeGridData when a field mask is given: the mask decides.
            if options.get("includeGridData") == "true" or "fields" in options:
                entry["data"] = [_grid_data(sheet, box) for box in sheet_boxes]
            sheets.append(entry)
        answer = {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "properties": {"title": spreadsheet.title, "locale": "en_US", "timeZone": "Etc/GMT"},
            "sheets": sheets,
        }
        return _masked(answer, _parse_mask(options["fields"])) if "fields" in options else answer

    def _structure(self, spreadsheet: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        requests = body.get("requests", [])
        if not requests:
            raise ApiError(400, "Must specify at least one request.")
        # Every request is checked against the grid as the requests before it leave it, and
        # nothing is applied until all are: a batch is applied all or nothing.
        sizes = {
            sheet.sheet_id: [sheet.row_count, sheet.column_count] for sheet in spreadsheet.sheets
        }
        by_id = {sheet.sheet_id: sheet for sheet in spreadsheet.sheets}
        changes: list[Callable[[], None]] = []
        for index, request in enumerate(requests):
            if "updateSheetProperties" in request:
                changes.append(
                    _sheet_properties(request["updateSheetProperties"], index, by_id, sizes)
                )
            elif "repeatCell" in request:
                changes.append(_repeat_cell(request["repeatCell"], index, by_id, sizes))
            elif "updateCells" in request:
                changes.append(_update_cells(request["updateCells"], index, by_id, sizes))
            else:
                raise ApiError(400, f"fake: unsupported request {sorted(request)}")
        for change in changes:
            change()
        replies: list[dict[str, Any]] = [{} for _ in requests]
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}


_NUMBER_FORMAT_FIELDS = ("userEnteredFormat.numberFormat", "userEnteredFormat")


def _sheet_properties(
    update: dict[str, Any], index: int, by_id: dict[int, Worksheet], sizes: dict[int, list[int]]
) -> Callable[[], None]:
    where = f"Invalid requests[{index}].updateSheetProperties"
    sheet = by_id.get(update["properties"].get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}: No grid with id: {update['properties'].get('sheetId')}")
    grid = update["properties"].get("gridProperties", {})
    counts: dict[str, int] = {}
    for mask in update["fields"].split(","):
        if mask == "gridProperties.columnCount":
            counts["column_count"] = grid["columnCount"]
            sizes[sheet.sheet_id][1] = grid["columnCount"]
        elif mask == "gridProperties.rowCount":
            counts["row_count"] = grid["rowCount"]
            sizes[sheet.sheet_id][0] = grid["rowCount"]
        else:
            raise ApiError(400, f"fake: unsupported field {mask}")

    def apply() -> None:
        for name, count in counts.items():
            setattr(sheet, name, count)

    return apply


def _repeat_cell(
    repeat: dict[str, Any], index: int, by_id: dict[int, Worksheet], sizes: dict[int, list[int]]
) -> Callable[[], None]:
    """A number format for every cell of a GridRange (end indexes exclusive; a bound left out
    is the grid's edge), their values kept."""
    where = f"Invalid requests[{index}].repeatCell"
    grid_range = repeat.get("range", {})
    sheet = by_id.get(grid_range.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}: No grid with id: {grid_range.get('sheetId')}")
    rows, columns = sizes[sheet.sheet_id]
    box = Box(
        top=grid_range.get("startRowIndex", 0),
        left=grid_range.get("startColumnIndex", 0),
        bottom=grid_range.get("endRowIndex", rows),
        right=grid_range.get("endColumnIndex", columns),
    )
    if not (0 <= box.top < box.bottom and 0 <= box.left < box.right):
        raise ApiError(400, f"{where}: the range {grid_range} is empty or inverted")
    if box.bottom > rows or box.right > columns:
        raise ApiError(
            400,
            f"{where}: Range ({sheet.a1_title()}!{_a1_corner(box)}) exceeds grid limits. "
            f"Max rows: {rows}, max columns: {columns}",
        )
    fields = repeat.get("fields", "")
    if fields not in _NUMBER_FORMAT_FIELDS:
        raise ApiError(400, f"fake: unsupported repeatCell fields {fields!r}")
    cell_format = repeat.get("cell", {}).get("userEnteredFormat", {})
    if sorted(cell_format) not in ([], ["numberFormat"]):
        raise ApiError(400, f"fake: unsupported cell format {sorted(cell_format)}")
    number_format = cell_format.get("numberFormat")
    if number_format is not None:
        if number_format.get("type") != "DATE":
            raise ApiError(400, f"fake: unsupported number format {number_format}")
        try:
            date_tokens(number_format.get("pattern", ""))
        except ValueError as error:
            raise ApiError(400, str(error)) from None

    def apply() -> None:
        for row in range(box.top, box.bottom):
            for column in range(box.left, box.right):
                sheet.format(row, column, number_format)

    return apply


_UPDATE_CELLS_FIELDS = {"userEnteredValue", "userEnteredFormat.numberFormat"}


def _update_cells(
    update: dict[str, Any], index: int, by_id: dict[int, Worksheet], sizes: dict[int, list[int]]
) -> Callable[[], None]:
    """Cells from `start` on set to the CellData given, as far as `fields` says: a field the
    CellData leaves out clears it (as the API does); a value is stored as it is (a
    stringValue is text, never a formula)."""
    where = f"Invalid requests[{index}].updateCells"
    start = update.get("start", {})
    sheet = by_id.get(start.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}: No grid with id: {start.get('sheetId')}")
    fields = set(update.get("fields", "").split(","))
    if not fields <= _UPDATE_CELLS_FIELDS:
        raise ApiError(400, f"fake: unsupported updateCells fields {sorted(fields)}")
    rows, columns = sizes[sheet.sheet_id]
    planned: list[tuple[int, int, dict[str, Any]]] = []
    for i, row in enumerate(update.get("rows", [])):
        for j, data in enumerate(row.get("values", [])):
            at = (start.get("rowIndex", 0) + i, start.get("columnIndex", 0) + j)
            if at[0] >= rows or at[1] >= columns:
                raise ApiError(
                    400,
                    f"{where}: Range ({sheet.a1_title()}!{letters_of(at[1])}{at[0] + 1}) "
                    f"exceeds grid limits. Max rows: {rows}, max columns: {columns}",
                )
            planned.append((*at, data))

    def apply() -> None:
        for row_index, column_index, data in planned:
            if "userEnteredValue" in fields:
                sheet.put(row_index, column_index, _stored(data.get("userEnteredValue")))
            if "userEnteredFormat.numberFormat" in fields:
                number_format = data.get("userEnteredFormat", {}).get("numberFormat")
                sheet.format(row_index, column_index, number_format)

    return apply


def _stored(value: dict[str, Any] | None) -> Cell | None:
    if not value:
        return None
    ((kind, data),) = value.items()
    if kind not in ("stringValue", "numberValue", "boolValue"):
        raise ApiError(400, f"fake: unsupported userEnteredValue {kind}")
    return Cell(data) if data != "" else None


def _grid_data(sheet: Worksheet, box: Box) -> dict[str, Any]:
    rows = []
    for r in range(box.top, box.bottom):
        cells = trim([_cell_data(sheet.get(r, c)) for c in range(box.left, box.right)], {})
        rows.append({"values": cells} if cells else {})
    data: dict[str, Any] = {"rowData": trim(rows, {})}
    # Proto3 JSON leaves out zeros, and the real answer does.
    if box.top:
        data["startRow"] = box.top
    if box.left:
        data["startColumn"] = box.left
    return data


def _cell_data(cell: Cell | None) -> dict[str, Any]:
    if cell is None:
        return {}
    cell_format = {"userEnteredFormat": {"numberFormat": cell.number_format}}
    if cell.value is None:
        return cell_format if cell.number_format else {}
    value = cell.value
    if cell.formula:
        effective: dict[str, Any] = {"errorValue": {"type": "NAME", "message": "Unknown function"}}
    elif isinstance(value, bool):
        effective = {"boolValue": value}
    elif isinstance(value, int | float):
        effective = {"numberValue": value}
    else:
        effective = {"stringValue": value}
    entered = {"formulaValue": cell.formula} if cell.formula else effective
    return {
        "userEnteredValue": entered,
        "effectiveValue": effective,
        "formattedValue": cell.formatted(),
        **(cell_format if cell.number_format else {}),
    }


def _a1(sheet: Worksheet, box: Box) -> str:
    return f"{sheet.a1_title()}!{letters_of(box.left)}{box.top + 1}:{_a1_corner(box)}"


def _a1_corner(box: Box) -> str:
    return f"{letters_of(box.right - 1)}{box.bottom}"


def _parse_mask(text: str) -> dict[str, Any]:
    """`a(b,c(d)),e` as {"a": {"b": None, "c": {"d": None}}, "e": None}."""

    def parse(at: int) -> tuple[dict[str, Any], int]:
        fields: dict[str, Any] = {}
        name = ""
        while at < len(text):
            char = text[at]
            if char == "(":
                fields[name], at = parse(at + 1)
                name = ""
            elif char == ")":
                break
            elif char == ",":
                if name:
                    fields[name] = None
                name = ""
            else:
                name += char
            at += 1
        if name:
            fields[name] = None
        return fields, at

    return parse(0)[0]


def _masked(value: Any, mask: dict[str, Any] | None) -> Any:
    if mask is None:
        return value
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: _masked(value[key], sub) for key, sub in mask.items() if key in value}
    return value


def cells_moved(kind: str, body: Any, answer: dict[str, Any]) -> int:
    """How many cells the call `kind` read or wrote (see the module's docstring)."""
    if kind == "values.get":
        return _values_cells(answer)
    if kind == "values.batchGet":
        return sum(_values_cells(value_range) for value_range in answer["valueRanges"])
    if kind == "spreadsheets.get":
        return sum(
            len(row.get("values", []))
            for sheet in answer.get("sheets", [])
            for data in sheet.get("data", [])
            for row in data.get("rowData", [])
        )
    if kind in ("values.batchUpdate", "values.update"):
        data = body.get("data", [body]) if kind == "values.batchUpdate" else [body]
        return sum(
            value is not None
            for value_range in data
            for row in value_range.get("values", [])
            for value in row
        )
    if kind == "spreadsheets.batchUpdate":
        written = sum(
            len(row.get("values", []))
            for request in body.get("requests", [])
            for row in request.get("updateCells", {}).get("rows", [])
        )
        formatted = [
            request["repeatCell"]["range"]
            for request in body.get("requests", [])
            if "repeatCell" in request
        ]
        return (
            sum(
                (r.get("endRowIndex", 0) - r.get("startRowIndex", 0))
                * (r.get("endColumnIndex", 0) - r.get("startColumnIndex", 0))
                for r in formatted
            )
            + written
        )
    return 0


def _values_cells(value_range: dict[str, Any]) -> int:
    return sum(len(row) for row in value_range.get("values", []))
