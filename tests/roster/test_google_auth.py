"""OG_GOOGLE_CREDENTIALS (a key file's path or its JSON), the wiring of `gsheet://` and
`gdoc://` settings, and the session's retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from fake_google import (
    ACCOUNT,
    DRIVE_HOST,
    Document,
    FakeGoogle,
    no_wait_retries,
    service_account_info,
)

from bot.wiring import open_roster, open_rules_source
from engine.adapters.gdoc_rules import GoogleDocRulesSource
from engine.adapters.google_auth import (
    CREDENTIALS_VARIABLE,
    RetryPolicy,
    credentials_from_environment,
    load_credentials,
)
from engine.adapters.gsheet_roster import GoogleSheetRoster
from engine.adapters.row_memory import StoreRowMemory
from engine.adapters.sqlite_store import SqliteStore

KEY_JSON = json.dumps(service_account_info(), indent=2)


def test_the_key_may_be_given_as_json_or_as_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "og-key.json"
    key_file.write_text(KEY_JSON, encoding="utf-8")

    from_text = load_credentials(f"\n  {KEY_JSON}\n")
    from_file = load_credentials(str(key_file))

    assert from_text.service_account_email == from_file.service_account_email == ACCOUNT
    assert "https://www.googleapis.com/auth/spreadsheets" in (from_file.scopes or [])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty"),
        ("/nonexistent/og-key.json", "cannot read the key file /nonexistent/og-key.json"),
        ('{"type": "service_account",', "is not JSON"),
        ('{"type": "authorized_user"}', "is not a service-account key"),
        ('{"type": "service_account", "private_key": "x"}', "missing fields"),
    ],
)
def test_an_unusable_key_is_refused_saying_why(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_credentials(value)


def test_a_broken_private_key_is_refused_without_showing_it() -> None:
    info = service_account_info() | {"private_key": "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n"}
    with pytest.raises(ValueError) as raised:
        load_credentials(json.dumps(info))
    assert "private key is unreadable" in str(raised.value)
    assert "c2VjcmV0" not in str(raised.value)


def test_without_the_variable_the_google_adapters_say_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CREDENTIALS_VARIABLE, raising=False)
    with pytest.raises(ValueError, match=CREDENTIALS_VARIABLE):
        credentials_from_environment()
    with pytest.raises(ValueError, match=CREDENTIALS_VARIABLE):
        open_roster("gsheet://1SheetId/Roster")


def test_the_settings_pick_the_google_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CREDENTIALS_VARIABLE, KEY_JSON)

    roster = open_roster("gsheet://1SheetId/Onboarding%20list")
    rules = open_rules_source("gdoc://1DocId")

    assert isinstance(roster, GoogleSheetRoster)
    assert (roster.spreadsheet_id, roster.worksheet_title) == ("1SheetId", "Onboarding list")
    assert isinstance(rules, GoogleDocRulesSource) and rules.name == "gdoc://1DocId"
    assert open_roster("roster.csv").__class__.__name__ == "CsvRoster"
    assert open_rules_source("rules.md").name == "rules.md"


def test_the_sheet_remembers_its_rows_in_the_state_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a fresh process (a Lambda environment) finds them, however the URL is spelt."""
    monkeypatch.setenv(CREDENTIALS_VARIABLE, KEY_JSON)
    store = SqliteStore(":memory:")
    StoreRowMemory(store, "gsheet://1SheetId/Onboarding list").remember({"C1": [5]})

    roster = open_roster("gsheet://1SheetId/Onboarding%20list", store)

    assert isinstance(roster, GoogleSheetRoster)
    assert roster._memory.rows_of("C1") == (5,)


def test_waits_grow_exponentially_with_jitter_up_to_a_cap() -> None:
    low = RetryPolicy(base_delay=1, max_delay=32, jitter=lambda: 0.0)
    high = RetryPolicy(base_delay=1, max_delay=32, jitter=lambda: 1.0)
    assert [low.delay(n, None) for n in range(7)] == [0.5, 1, 2, 4, 8, 16, 16]
    assert [high.delay(n, None) for n in range(7)] == [1, 2, 4, 8, 16, 32, 32]
    assert low.delay(0, 10) == 10  # Retry-After is a floor ...
    assert low.delay(0, 3600) == 32  # ... within the cap


def test_a_retry_after_date_is_honoured() -> None:
    google = FakeGoogle()
    google.documents["1Doc"] = Document("Send every day.\n")
    waits: list[float] = []
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    google.fail(503, host=DRIVE_HOST, retry_after=later)

    text = GoogleDocRulesSource("1Doc", google.session(retry=no_wait_retries(waits))).fetch()

    assert text == "Send every day.\n"
    assert len(waits) == 1 and 18 <= waits[0] <= 20


def test_a_refused_connection_is_retried() -> None:
    google = FakeGoogle()
    google.documents["1Doc"] = Document("Send every day.\n")
    waits: list[float] = []
    google.fail(0, times=2, host=DRIVE_HOST)

    source = GoogleDocRulesSource("1Doc", google.session(retry=no_wait_retries(waits)))

    assert source.fetch() == "Send every day.\n"
    assert len(waits) == 2


def test_a_connection_refused_every_time_raises_after_the_last_try() -> None:
    google = FakeGoogle()
    session = google.session(retry=no_wait_retries(attempts=3))
    google.fail(0, times=3, host=DRIVE_HOST)
    with pytest.raises(requests.ConnectionError):
        session.get("https://www.googleapis.com/drive/v3/files/1Doc/export")
    assert google.kinds(DRIVE_HOST) == ["fault"] * 3


def test_drive_rate_limits_answered_with_403_are_retried_and_other_403s_are_not() -> None:
    google = FakeGoogle()
    google.documents["1Doc"] = Document("Send every day.\n")
    session = google.session()
    rate_limited = {
        "error": {
            "code": 403,
            "message": "User Rate Limit Exceeded.",
            "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}],
        }
    }
    forbidden = {
        "error": {
            "code": 403,
            "message": "The user does not have sufficient permissions for this file.",
            "errors": [{"domain": "global", "reason": "insufficientFilePermissions"}],
        }
    }
    url = "https://www.googleapis.com/drive/v3/files/1Doc/export"
    google.fail(403, host=DRIVE_HOST, body=rate_limited)
    assert session.get(url, params={"mimeType": "text/plain"}).status_code == 200
    google.fail(403, host=DRIVE_HOST, body=forbidden)
    assert session.get(url, params={"mimeType": "text/plain"}).status_code == 403
    assert google.kinds(DRIVE_HOST) == ["fault", "drive.export", "fault"]
