"""The rules doc kept in Google Docs (`gdoc://DOCUMENT_ID`), exported as plain text through
Drive by `fake_google`, which adds the byte-order mark and CRLF line ends of Drive's export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fake_google import ACCOUNT, DRIVE_HOST, Document, FakeGoogle, no_wait_retries
from workspace import RULES, Workspace, nine_am, row

import bot.cli
from engine.adapters.file_rules import FileRulesSource
from engine.adapters.gdoc_rules import GoogleDocRulesSource, parse_gdoc_url
from engine.plans import Rules
from engine.ports import RulesSourceError
from engine.rules import parse_rules
from engine.tick import tick

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "rules.md"
DOC_ID = "1x2Y3z-RulesDoc_abc"


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


def test_the_export_parses_to_the_same_rules_as_the_file(google: FakeGoogle) -> None:
    google.documents[DOC_ID] = Document(DEMO.read_text(encoding="utf-8"))
    session = google.session()
    raw = session.get(
        f"https://www.googleapis.com/drive/v3/files/{DOC_ID}/export",
        params={"mimeType": "text/plain"},
    ).content
    assert raw.startswith("\ufeff# Onboarding rules\r\n".encode())
    assert b"\n" not in raw.replace(b"\r\n", b"")

    from_doc = parse_rules(GoogleDocRulesSource(DOC_ID, session).fetch(), "doc")
    from_file = parse_rules(FileRulesSource(DEMO).fetch(), "doc")

    assert isinstance(from_doc, Rules) and isinstance(from_file, Rules)
    assert from_doc == from_file
    # The headings survived: the Messages section and one email per heading under it.
    assert set(from_doc.messages.steps) == {
        "welcome",
        "setup",
        "connect-data",
        "feature-tour",
        "invite-team",
        "check-in",
    }
    assert from_doc.messages.wrap_up is not None


def test_a_doc_not_shared_with_the_service_account_says_whom_to_share_it_with(
    google: FakeGoogle,
) -> None:
    google.documents[DOC_ID] = Document(RULES, shared_with={"dana@example.com"})
    with pytest.raises(RulesSourceError) as raised:
        GoogleDocRulesSource(DOC_ID, google.session()).fetch()
    assert str(raised.value) == (
        f"Google Drive has no document {DOC_ID} that {ACCOUNT} may read: check the id, "
        "and share the doc with that address"
    )


def test_a_refused_export_passes_on_drives_reason(google: FakeGoogle) -> None:
    google.documents[DOC_ID] = Document(RULES)
    google.fail(
        403,
        host=DRIVE_HOST,
        body={"error": {"code": 403, "message": "Export only supports Docs Editors files."}},
    )
    with pytest.raises(RulesSourceError, match="403 Export only supports Docs Editors files"):
        GoogleDocRulesSource(DOC_ID, google.session()).fetch()


def test_a_server_error_is_retried_and_one_that_persists_is_reported(google: FakeGoogle) -> None:
    google.documents[DOC_ID] = Document(RULES)
    waits: list[float] = []
    source = GoogleDocRulesSource(DOC_ID, google.session(retry=no_wait_retries(waits)))
    google.fail(500, host=DRIVE_HOST)
    assert source.fetch() == RULES
    google.fail(500, times=5, host=DRIVE_HOST)

    with pytest.raises(RulesSourceError, match=r"answered 500 \(Internal error encountered.\)"):
        source.fetch()
    assert len(waits) == 1 + 4


@pytest.mark.parametrize("status", [403, 404, 500])
def test_a_tick_while_drive_fails_runs_on_the_last_good_rules_and_reports_it(
    tmp_path: Path, google: FakeGoogle, status: int
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2", plan="Pro")])
    guide = ws.guide()
    google.documents[DOC_ID] = Document(RULES)
    guide.rules_source = GoogleDocRulesSource(DOC_ID, google.session())
    first = tick(guide, nine_am("2026-11-02"))
    assert first.ran and not first.rules_fallback and first.rules_problems == []
    if status == 404:
        del google.documents[DOC_ID]
    else:
        google.fail(status, times=5, host=DRIVE_HOST)

    report = tick(guide, nine_am("2026-11-02") + timedelta(days=1))

    assert report.ran and report.rules_fallback
    (problem,) = report.rules_problems
    assert problem.startswith(f"gdoc://{DOC_ID}: could not read the rules doc: Google Drive ")
    assert str(status) in problem or "has no document" in problem
    assert report.counts()["step"] == 1  # C2's connect-data, from the last good rules


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(f"gdoc://{DOC_ID}", DOC_ID), (f"gdoc://{DOC_ID}/", DOC_ID)],
)
def test_the_setting_names_a_document(spec: str, expected: str) -> None:
    assert parse_gdoc_url(spec) == expected


def test_a_pasted_address_is_refused_saying_which_part_to_use() -> None:
    with pytest.raises(ValueError, match="between /d/ and /edit"):
        parse_gdoc_url(f"gdoc://docs.google.com/document/d/{DOC_ID}/edit")


def test_og_rules_check_reads_a_google_doc_and_reports_its_lines(
    google: FakeGoogle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI opens the source from its setting; only the transport is the fake's.
    monkeypatch.setattr(
        bot.cli,
        "open_rules_source",
        lambda spec: GoogleDocRulesSource(parse_gdoc_url(spec), google.session()),
    )
    spec = f"gdoc://{DOC_ID}"
    google.documents[DOC_ID] = Document(RULES)
    assert bot.cli.main(["rules", "check", spec]) == 0

    google.documents[DOC_ID] = Document("Starter plan: welcome on day 3, setup on day 1.\n")
    capsys.readouterr()
    assert bot.cli.main(["rules", "check", spec]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith(f"{spec}:") for line in lines)
    assert any(line.startswith(f"{spec}:1:") for line in lines)

    google.fail(404, host=DRIVE_HOST)
    assert bot.cli.main(["rules", "check", spec]) == 1
    assert capsys.readouterr().err.startswith(f"{spec}: ")
