"""Signing in to Google as a service account, and the HTTP session both Google adapters use.

`OG_GOOGLE_CREDENTIALS` holds the service account's JSON key: either the path of the key file
or the JSON text itself (what a secrets manager or a Lambda environment hands over). The
spreadsheet and the rules doc are shared with the account's `client_email`, like with a person.

The session retries what Google asks clients to retry (429, 5xx, and Drive's 403 rate-limit
answers) with exponential backoff and jitter: a shared quota is exceeded by many clients at
once, and retrying all of them in lockstep would exceed it again.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

CREDENTIALS_VARIABLE = "OG_GOOGLE_CREDENTIALS"
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    # Read-only: the guide exports the rules doc and never changes it.
    "https://www.googleapis.com/auth/drive.readonly",
)
# Connect and read timeouts (seconds). gspread sends none by default, and a request that
# never returns would hold the tick forever.
DEFAULT_TIMEOUT = (10.0, 120.0)
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def load_credentials(value: str) -> service_account.Credentials:
    """Service-account credentials from a key file's path or its JSON text. Raises ValueError
    naming what is wrong, never echoing the key."""
    text = value.strip()
    if not text:
        raise ValueError(f"{CREDENTIALS_VARIABLE} is empty: set it to a key file or its JSON")
    if text.startswith("{"):
        where = f"the JSON in {CREDENTIALS_VARIABLE}"
    else:
        where = f"the key file {text}"
        try:
            text = Path(text).expanduser().read_text(encoding="utf-8-sig")
        except OSError as error:
            raise ValueError(f"cannot read {where}: {error.strerror or error}") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not JSON (line {error.lineno})") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ValueError(f"{where} is not a service-account key (its type must be service_account)")
    try:
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=SCOPES
            )
        )
    except ValueError as error:
        # The library's message names missing fields; other errors are about the private key,
        # and are summarised so that nothing of the key can reach a log.
        detail = str(error) if "missing fields" in str(error) else "its private key is unreadable"
        raise ValueError(f"{where} is not a usable service-account key: {detail}") from None
    return credentials


def credentials_from_environment() -> service_account.Credentials:
    value = os.environ.get(CREDENTIALS_VARIABLE)
    if value is None:
        raise ValueError(
            f"the Google adapters need {CREDENTIALS_VARIABLE}: a service account's key file "
            "or its JSON text"
        )
    return load_credentials(value)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait. Tests pass a `sleep` that records instead of waiting."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 32.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds before retry number `retry` (0 for the first): half of an exponentially
        growing step plus a random part of the other half, so waits grow for sure and clients
        that failed together spread out. A server's Retry-After is a floor."""
        step = min(self.max_delay, self.base_delay * 2.0**retry)
        wait = step / 2 + self.jitter() * step / 2
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


class RetryingSession(AuthorizedSession):
    """An authorised session that retries answers Google documents as temporary."""

    def __init__(
        self,
        credentials: service_account.Credentials,
        *,
        retry: RetryPolicy,
        auth_request: Request | None = None,
    ) -> None:
        super().__init__(credentials, auth_request=auth_request)  # type: ignore[no-untyped-call]
        self.retry = retry

    @property
    def account(self) -> str:
        """Who the guide acts as: the address to share the sheet and the doc with."""
        email = getattr(self.credentials, "service_account_email", None)
        return str(email) if email else "the service account"

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT
        retry = 0
        while True:
            last_try = retry + 1 >= self.retry.attempts
            try:
                response: requests.Response = super().request(  # type: ignore[no-untyped-call]
                    method, url, *args, **kwargs
                )
            except requests.ConnectionError:
                # Nothing answered: as temporary as a 503. Every request the guide makes is
                # safe to repeat (reads, and writes of fixed values to fixed cells).
                if last_try:
                    raise
                self.retry.sleep(self.retry.delay(retry, None))
                retry += 1
                continue
            if last_try or not _is_temporary(response):
                return response
            self.retry.sleep(self.retry.delay(retry, _retry_after(response.headers)))
            retry += 1


def google_session(
    credentials: service_account.Credentials,
    *,
    retry: RetryPolicy | None = None,
    transport: requests.adapters.BaseAdapter | None = None,
) -> RetryingSession:
    """The session for Sheets (through gspread) and Drive. `transport` replaces the network
    for every request, the token exchange included (tests mount an in-process Google)."""
    auth_request: Request | None = None
    if transport is not None:
        token_session = requests.Session()
        token_session.mount("https://", transport)
        auth_request = Request(token_session)
    session = RetryingSession(credentials, retry=retry or RetryPolicy(), auth_request=auth_request)
    if transport is not None:
        session.mount("https://", transport)
    return session


def error_message(response: requests.Response) -> str:
    """Google's own words for a failed request, or the HTTP reason when it gave none."""
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = None
    return str(message or response.reason or "no reason given")


def _is_temporary(response: requests.Response) -> bool:
    status = response.status_code
    if status == 429 or status >= 500:
        return True
    # Drive says "rate limit exceeded" with a 403, distinguishable only by its reason.
    return status == 403 and bool(_RATE_LIMIT_REASONS & _error_reasons(response))


def _error_reasons(response: requests.Response) -> set[str]:
    try:
        errors = response.json()["error"].get("errors", [])
        return {str(e.get("reason")) for e in errors if isinstance(e, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
