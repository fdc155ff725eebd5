"""An in-process Google Sheets API v4: a real grid of typed cells behind the HTTP shapes of
spreadsheets.get, spreadsheets.batchUpdate and spreadsheets.values get / batchGet / update /
batchUpdate, as gspread sends them (`fake_google.FakeGoogle` routes requests here).

What it keeps faithfully, because the adapter's correctness depends on it: A1 ranges (quoted
sheet titles, whole rows and columns, open-ended ranges) and the grid's size (writing past it
is the API's 400 "exceeds grid limits"); the value render options (FORMATTED_VALUE,
UNFORMATTED_VALUE, FORMULA) and date render options; the value input options (RAW stores text
as text; USER_ENTERED turns `=...` into a formula, `0042` into 42, `TRUE` into a boolean and
`2026-11-02` into a date); trailing empty cells and rows left out of answers; nulls in written
values skipped; a batch applied all or nothing; the `fields` mask of spreadsheets.get.
What it does not: formulas are stored, never evaluated (their value reads `#NAME?`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from fake_sheets_grid import (
    ApiError,
    Box,
    Cell,
    Spreadsheet,
    Worksheet,
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
        by_id = {sheet.sheet_id: sheet for sheet in spreadsheet.sheets}
        for request in body.get("requests", []):
            update = request.get("updateSheetProperties")
            if update is None:
                raise ApiError(400, f"fake: unsupported request {sorted(request)}")
            sheet = by_id.get(update["properties"]["sheetId"])
            if sheet is None:
                raise ApiError(400, "Invalid requests[0].updateSheetProperties: no sheet")
            grid = update["properties"].get("gridProperties", {})
            for mask in update["fields"].split(","):
                if mask == "gridProperties.columnCount":
                    sheet.column_count = grid["columnCount"]
                elif mask == "gridProperties.rowCount":
                    sheet.row_count = grid["rowCount"]
                else:
                    raise ApiError(400, f"fake: unsupported field {mask}")
        replies = [{} for _ in body.get("requests", [])]
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}


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
    }


def _a1(sheet: Worksheet, box: Box) -> str:
    return (
        f"{sheet.a1_title()}!{letters_of(box.left)}{box.top + 1}:"
        f"{letters_of(box.right - 1)}{box.bottom}"
    )


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
