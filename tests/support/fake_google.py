"""Google in-process, as a `requests` transport: mounted on the adapters' session, it answers
every HTTPS request they make, so gspread's and google-auth's own code runs unchanged.

- oauth2.googleapis.com/token: the service-account token exchange. The JWT assertion is
  verified against the public half of a key made here, and access tokens are issued per scope.
- sheets.googleapis.com: the Sheets v4 API of `fake_sheets`, which needs a token with the
  spreadsheets scope.
- www.googleapis.com/drive/v3/files/ID/export: Drive's export of a Google Doc as plain text,
  with the byte-order mark and CRLF line ends Drive's text export has.
- iamcredentials.googleapis.com: the "allowed locations" lookup that recent google-auth
  releases may make in the background after a token refresh.

Tests can make the next answers fail (429, 500 ...), run an edit right after a given call (a
person sorting rows between the tick's read and its write), and count calls per API.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_sheets import ApiError, FakeSheets, cells_moved
from google.auth import jwt
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from engine.adapters.google_auth import (
    RetryingSession,
    RetryPolicy,
    google_session,
    load_credentials,
)

TOKEN_URI = "https://oauth2.googleapis.com/token"
SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
DRIVE_SCOPES = (
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.readonly",
)
ACCOUNT = "onboarding-guide@og-test.iam.gserviceaccount.com"
_TEMPORARY = {
    429: (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute "
        "per user' of service 'sheets.googleapis.com'",
        "RESOURCE_EXHAUSTED",
    ),
    500: ("Internal error encountered.", "INTERNAL"),
    503: ("The service is currently unavailable.", "UNAVAILABLE"),
}


@functools.cache
def _private_key_pem() -> str:
    # One key per test process: generating RSA keys is the slow part of signing in.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_info(email: str = ACCOUNT) -> dict[str, str]:
    """A service-account key file's contents, shaped like the ones Google hands out."""
    return {
        "type": "service_account",
        "project_id": "og-test",
        "private_key_id": "0123456789abcdef",
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
    }


def no_wait_retries(waits: list[float] | None = None, attempts: int = 5) -> RetryPolicy:
    """The real policy, recording its waits instead of sleeping."""
    return RetryPolicy(attempts=attempts, sleep=(waits if waits is not None else []).append)


@dataclass
class Call:
    method: str
    host: str
    path: str
    kind: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0
    cells: int = 0
    """Cells read or written (fake_sheets.cells_moved)."""


@dataclass
class Document:
    text: str
    shared_with: set[str] | None = None


@dataclass
class _Fault:
    host: str
    status: int
    times: int
    retry_after: str | None
    body: dict[str, Any] | None


@dataclass
class FakeGoogle(BaseAdapter):
    sheets: FakeSheets = field(default_factory=FakeSheets)
    documents: dict[str, Document] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    tokens: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    _faults: list[_Fault] = field(default_factory=list)
    _after: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        super().__init__()

    def session(self, *, retry: RetryPolicy | None = None, email: str = ACCOUNT) -> RetryingSession:
        """What the adapters get in production, with this fake as the network."""
        credentials = load_credentials(json.dumps(service_account_info(email)))
        return google_session(credentials, retry=retry or no_wait_retries(), transport=self)

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        host: str = SHEETS_HOST,
        retry_after: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` requests to `host` with `status` (token requests aside);
        status 0 refuses the connection instead."""
        self._faults.append(_Fault(host, status, times, retry_after, body))

    def after_next(self, kind: str, action: Callable[[], None]) -> None:
        """Run `action` once, right after answering the next call of `kind` (`values.get`),
        before the client sees the answer."""
        self._after.append((kind, action))

    def kinds(self, host: str = SHEETS_HOST) -> list[str]:
        return [call.kind for call in self.calls if call.host == host]

    def cells(self) -> int:
        """Cells read or written by the Sheets calls so far."""
        return sum(call.cells for call in self.calls if call.host == SHEETS_HOST)

    # The transport.

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        with self._lock:
            return self._send(request)

    def close(self) -> None:
        pass

    def _send(self, request: requests.PreparedRequest) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        call = Call(
            method=request.method or "GET",
            host=parts.hostname or "",
            path=parts.path,
            kind="?",
            query=parse_qs(parts.query, keep_blank_values=True),
            body=body,
        )
        self.calls.append(call)
        status, headers, content = self._answer(call, request.headers)
        call.status = status
        for index, (kind, action) in enumerate(self._after):
            if kind == call.kind and status == 200:
                del self._after[index]
                action()
                break
        response = requests.Response()
        response.status_code = status
        response.reason = HTTPStatus(status).phrase
        response.headers = CaseInsensitiveDict(headers)
        response._content = content
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def _answer(
        self, call: Call, headers: CaseInsensitiveDict[str]
    ) -> tuple[int, dict[str, str], bytes]:
        if call.host == "oauth2.googleapis.com" and call.path == "/token":
            call.kind = "token"
            return self._token(parse_qs(call.body or ""))
        if call.host == "iamcredentials.googleapis.com":
            call.kind = "allowedLocations"
            return _json(200, {"locations": [], "encodedLocations": "0x0"})
        for fault in self._faults:
            if fault.host == call.host and fault.times > 0:
                fault.times -= 1
                call.kind = "fault"
                if fault.status == 0:
                    raise requests.ConnectionError(f"fake: {call.host} refused the connection")
                message, code = _TEMPORARY.get(fault.status, ("Fault injected.", "UNKNOWN"))
                answer = fault.body or {
                    "error": {"code": fault.status, "message": message, "status": code}
                }
                status, extra, content = _json(fault.status, answer)
                if fault.retry_after is not None:
                    extra["Retry-After"] = fault.retry_after
                return status, extra, content
        caller = self._caller(headers.get("Authorization", ""))
        if call.host == SHEETS_HOST:
            return self._sheets(call, caller)
        if call.host == DRIVE_HOST and call.path.startswith("/drive/v3/files/"):
            return self._export(call, caller)
        return _json(404, {"error": {"code": 404, "message": f"fake: no {call.host}{call.path}"}})

    def _caller(self, authorization: str) -> tuple[str, set[str]] | None:
        scheme, _, token = authorization.partition(" ")
        return self.tokens.get(token) if scheme == "Bearer" else None

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return _json(400, {"error": "unsupported_grant_type"})
        public_pem = self._public_key_pem()
        try:
            claims = jwt.decode(form["assertion"][0], certs=public_pem, audience=TOKEN_URI)
        except (KeyError, ValueError) as error:
            return _json(400, {"error": "invalid_grant", "error_description": str(error)})
        token = f"ya29.fake-{len(self.tokens) + 1}"
        self.tokens[token] = (claims["iss"], set(claims.get("scope", "").split()))
        return _json(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    @staticmethod
    def _public_key_pem() -> str:
        key = serialization.load_pem_private_key(_private_key_pem().encode(), password=None)
        return (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def _sheets(
        self, call: Call, caller: tuple[str, set[str]] | None
    ) -> tuple[int, dict[str, str], bytes]:
        if caller is None or SHEETS_SCOPE not in caller[1]:
            call.kind = "unauthenticated"
            return _json(
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Request had invalid authentication credentials.",
                        "status": "UNAUTHENTICATED",
                    }
                },
            )
        try:
            body = json.loads(call.body) if call.body else {}
            call.kind, answer = self.sheets.handle(
                call.method, call.path, call.query, body, caller[0]
            )
        except ApiError as error:
            return _json(error.status, error.body())
        call.cells = cells_moved(call.kind, body, answer)
        return _json(200, answer)

    def _export(
        self, call: Call, caller: tuple[str, set[str]] | None
    ) -> tuple[int, dict[str, str], bytes]:
        call.kind = "drive.export"
        if caller is None or not set(DRIVE_SCOPES) & caller[1]:
            return _json(401, {"error": {"code": 401, "message": "Invalid Credentials"}})
        document_id, _, action = unquote(call.path.removeprefix("/drive/v3/files/")).partition("/")
        document = self.documents.get(document_id)
        if (
            action != "export"
            or document is None
            or (document.shared_with is not None and caller[0] not in document.shared_with)
        ):
            message = f"File not found: {document_id}."
            errors = [{"message": message, "domain": "global", "reason": "notFound"}]
            return _json(404, {"error": {"code": 404, "message": message, "errors": errors}})
        if call.query.get("mimeType") != ["text/plain"]:
            return _json(400, {"error": {"code": 400, "message": "Export format not supported."}})
        exported = "\ufeff" + document.text.replace("\n", "\r\n")
        return 200, {"Content-Type": "text/plain"}, exported.encode("utf-8")


def _json(status: int, answer: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(answer).encode()
