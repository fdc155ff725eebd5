"""The rules doc as a Google Doc: `OG_RULES=gdoc://DOCUMENT_ID`.

The document id is the part of the doc's address between `/d/` and `/edit`. The doc is
exported as plain text through Drive (`files.export`, `text/plain`) with the service account
of `OG_GOOGLE_CREDENTIALS`, so it must be shared with the account's address (viewer is
enough). The export starts with a byte-order mark and ends lines with CRLF; both are removed
here, so the doc reads exactly like the same text in a file. Google's heading styles do not
survive a plain-text export: headings are typed as `#`, `##`, `###` (see docs/rules-doc.md).

A doc that cannot be fetched raises RulesSourceError, which the rulebook reports while the
guide runs on the last good rules.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import requests
from google.auth.exceptions import GoogleAuthError

from engine.adapters.google_auth import (
    DEFAULT_TIMEOUT,
    RetryingSession,
    credentials_from_environment,
    error_message,
    google_session,
)
from engine.ports import RulesSourceError

SCHEME = "gdoc://"
DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
_DOCUMENT_ID = re.compile(r"[A-Za-z0-9_-]+")


def parse_gdoc_url(spec: str) -> str:
    """The document id of `gdoc://DOCUMENT_ID`. Raises ValueError."""
    document_id = spec.strip().removeprefix(SCHEME).rstrip("/")
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise ValueError(
            f"rules doc {spec!r}: {document_id!r} is not a document id; use "
            "gdoc://DOCUMENT_ID with the id from the doc's address (between /d/ and /edit)"
        )
    return document_id


class GoogleDocRulesSource:
    def __init__(self, document_id: str, session: RetryingSession) -> None:
        self.document_id = document_id
        self._session = session

    @classmethod
    def from_url(cls, spec: str, session: RetryingSession | None = None) -> GoogleDocRulesSource:
        return cls(parse_gdoc_url(spec), session or google_session(credentials_from_environment()))

    @property
    def name(self) -> str:
        return f"{SCHEME}{self.document_id}"

    def __repr__(self) -> str:
        return f"GoogleDocRulesSource({self.name!r})"

    def fetch(self) -> str:
        account = self._session.account
        try:
            response = self._session.get(
                f"{DRIVE_FILES_URL}/{quote(self.document_id, safe='')}/export",
                params={"mimeType": "text/plain"},
                timeout=DEFAULT_TIMEOUT,
            )
        except GoogleAuthError as error:
            raise RulesSourceError(f"cannot sign in to Google as {account}: {error}") from error
        except requests.RequestException as error:
            raise RulesSourceError(f"Google Drive did not answer ({error})") from error
        if not response.ok:
            raise RulesSourceError(self._explain(response, account))
        try:
            text = response.content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RulesSourceError(f"the export is not UTF-8 text ({error.reason})") from error
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _explain(self, response: requests.Response, account: str) -> str:
        status = response.status_code
        message = error_message(response)
        if status == 404:
            # Drive answers 404 both for a wrong id and for a doc not shared with the caller.
            return (
                f"Google Drive has no document {self.document_id} that {account} may read: "
                "check the id, and share the doc with that address"
            )
        if status == 429 or status >= 500:
            tries = self._session.retry.attempts
            return f"Google Drive answered {status} ({message}) to all {tries} tries"
        return f"Google Drive refused the export: {status} {message}"
