"""The Sheets API calls of one worksheet, through gspread's HTTP client over the retrying session
of `google_auth`, each failure told as a RosterError that says what to do about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError

from engine.adapters.google_auth import RetryingSession
from engine.models import CellValue
from engine.ports import RosterError
from engine.roster.cells import column_letter

READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
}
# Only what is used: without a field mask, Sheets sends every cell's formats too.
ID_FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "data(rowData(values(effectiveValue))))"
)
ROW_FIELDS = ID_FIELDS.replace("values(effectiveValue)", "values(effectiveValue,formattedValue)")
"""For whole rows: an error's effective value is no value; the values API gives its text."""

T = TypeVar("T")


class BeyondGridError(RosterError):
    """A range past the worksheet's last row or column: Sheets refuses it (400) rather than
    answer it empty, so a remembered row from before rows were deleted can name one."""


class SheetsApi:
    """One worksheet of one spreadsheet; `url` names it in errors."""

    def __init__(
        self, spreadsheet_id: str, worksheet_title: str, session: RetryingSession, url: str
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.worksheet_title = worksheet_title
        self.url = url
        self._session = session
        # gspread uses the session as given (auth and all); the credentials argument is only
        # for its own log-in path, which an injected session bypasses.
        self._http = gspread.Client(session.credentials, session=session).http_client
        self.a1_sheet = "'" + worksheet_title.replace("'", "''") + "'"

    def values(self) -> list[list[CellValue]]:
        """Every row of the worksheet, in one `values.get`."""
        payload = self._call(
            "read",
            lambda: self._http.values_get(
                self.spreadsheet_id, self.a1_sheet, params=dict(READ_OPTIONS)
            ),
        )
        values: list[list[CellValue]] = payload.get("values", [])
        return values

    def batch_values(self, ranges: list[str]) -> list[list[list[CellValue]]]:
        """The rows of each of `ranges` (A1, within the worksheet), in one `values.batchGet`."""
        whole = [f"{self.a1_sheet}!{r}" for r in ranges]
        payload = self._call(
            "read",
            lambda: self._http.values_batch_get(
                self.spreadsheet_id, whole, params=dict(READ_OPTIONS)
            ),
        )
        answers = [answer.get("values", []) for answer in payload.get("valueRanges", [])]
        if len(answers) != len(ranges):
            raise RosterError(f"{self.url}: Google Sheets answered {len(answers)} ranges")
        return answers

    def column(self, position: int, doing: str) -> list[CellValue]:
        """The cells of one column, row 1 first."""
        letter = column_letter(position)
        payload = self._call(
            doing,
            lambda: self._http.values_get(
                self.spreadsheet_id,
                f"{self.a1_sheet}!{letter}:{letter}",
                params={**READ_OPTIONS, "majorDimension": "COLUMNS"},
            ),
        )
        values: list[list[CellValue]] = payload.get("values", [])
        return values[0] if values else []

    def grid(
        self, ranges: list[str], fields: str, doing: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The worksheet's properties and the GridData of each of `ranges`, in one
        `spreadsheets.get`."""
        params: dict[str, Any] = {
            "ranges": [f"{self.a1_sheet}!{r}" for r in ranges],
            "includeGridData": "true",
            "fields": fields,
        }
        payload = self._call(
            doing, lambda: self._http.fetch_sheet_metadata(self.spreadsheet_id, params)
        )
        # Picked by title: which other sheets come along when ranges are given is not ours
        # to rely on.
        sheet = next(
            (s for s in payload["sheets"] if s["properties"]["title"] == self.worksheet_title),
            None,
        )
        if sheet is None:
            raise RosterError(f"{self.url}: Google Sheets answered without the worksheet")
        # One GridData per requested range, in the order requested.
        data = sheet.get("data", [])
        if len(data) != len(ranges):
            raise RosterError(
                f"{self.url}: Google Sheets answered {len(data)} ranges, not {len(ranges)}"
            )
        return sheet["properties"], data

    def change(self, requests: list[dict[str, Any]]) -> None:
        """One `spreadsheets.batchUpdate`: applied all or nothing."""
        self._call(
            "update",
            lambda: self._http.batch_update(self.spreadsheet_id, {"requests": requests}),
        )

    def write_values(self, data: list[dict[str, Any]]) -> None:
        """One `values.batchUpdate`, RAW: text stays text."""
        body = {"valueInputOption": "RAW", "data": data}
        self._call("update", lambda: self._http.values_batch_update(self.spreadsheet_id, body=body))

    def _call(self, doing: str, request: Callable[[], T]) -> T:
        account = self._session.account
        try:
            return request()
        except APIError as error:
            explained = f"{self.url}: {self._explain(doing, error, account)}"
            if error.code == 400 and "exceeds grid limits" in str(error.error.get("message")):
                raise BeyondGridError(explained) from error
            raise RosterError(explained) from error
        except GoogleAuthError as error:
            raise RosterError(
                f"{self.url}: cannot sign in to Google as {account}: {error}"
            ) from error
        except requests.RequestException as error:
            raise RosterError(
                f"{self.url}: cannot {doing} the sheet, Google Sheets did not answer ({error})"
            ) from error

    def _explain(self, doing: str, error: APIError, account: str) -> str:
        code = error.code
        message = str(error.error.get("message", "")) or "no reason given"
        if code == 404:
            return (
                f"there is no spreadsheet {self.spreadsheet_id}: check the id in OG_ROSTER "
                "(the part of the sheet's address between /d/ and /edit)"
            )
        if code == 403:
            return (
                f"{account} may not {doing} this spreadsheet ({message}): share the sheet with "
                "that address as an editor"
            )
        if code == 400 and message.startswith("Unable to parse range"):
            return f"the spreadsheet has no worksheet (tab) named {self.worksheet_title!r}"
        if code == 429 or code >= 500:
            tries = self._session.retry.attempts
            return f"Google Sheets answered {code} ({message}) to all {tries} tries to {doing} it"
        return f"Google Sheets refused to {doing} the sheet: {code} {message}"
