"""What every `RulesSource` promises, run against the file and the Google Doc (exported through
the Drive API of `fake_google`): the text as the rep wrote it, a clear error when it cannot be
fetched, and, through the rulebook, the last good rules when that happens."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pytest
from fake_google import Document, FakeGoogle
from workspace import RULES

from engine.adapters.file_rules import FileRulesSource
from engine.adapters.gdoc_rules import GoogleDocRulesSource
from engine.adapters.sqlite_store import SqliteStore
from engine.ports import RulesSource, RulesSourceError
from engine.rulebook import load_rules


class RulesSourceUnderTest(Protocol):
    source: RulesSource

    def save(self, text: str) -> None:
        """The rep saves the doc with this text."""
        ...

    def lose(self) -> None:
        """The doc can no longer be fetched (deleted, or no longer shared)."""
        ...


class FileUnderTest:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.source: RulesSource = FileRulesSource(path)

    def save(self, text: str) -> None:
        self.path.write_text(text, encoding="utf-8")

    def lose(self) -> None:
        self.path.unlink()


class GoogleDocUnderTest:
    def __init__(self) -> None:
        self.google = FakeGoogle()
        self.source: RulesSource = GoogleDocRulesSource("1RulesDoc", self.google.session())

    def save(self, text: str) -> None:
        self.google.documents["1RulesDoc"] = Document(text)

    def lose(self) -> None:
        del self.google.documents["1RulesDoc"]


@pytest.fixture(params=["file", "gdoc"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> RulesSourceUnderTest:
    if request.param == "file":
        return FileUnderTest(tmp_path / "rules.md")
    return GoogleDocUnderTest()


def test_fetch_gives_the_text_as_written(subject: RulesSourceUnderTest) -> None:
    text = "# Rules\n\nSend every day. Café, naïve, “quotes” — and 🎉.\n\n\n- a bullet\n"
    subject.save(text)
    assert subject.source.fetch() == text


def test_a_doc_that_cannot_be_fetched_raises_rules_source_error(
    subject: RulesSourceUnderTest,
) -> None:
    subject.save(RULES)
    subject.lose()
    with pytest.raises(RulesSourceError):
        subject.source.fetch()


def test_errors_name_the_doc_and_the_line(subject: RulesSourceUnderTest, tmp_path: Path) -> None:
    subject.save(RULES.replace("Send every day.", "Send every day. Flag never."))
    outcome = load_rules(subject.source, SqliteStore(tmp_path / "og.db"))
    assert outcome.rules is None
    assert outcome.problems[0].startswith(f"{subject.source.name}:3: ")


def test_when_the_doc_cannot_be_fetched_the_last_good_rules_are_used_and_it_is_reported(
    subject: RulesSourceUnderTest, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "og.db")
    subject.save(RULES)
    good = load_rules(subject.source, store)
    subject.lose()

    outcome = load_rules(subject.source, store)

    assert good.rules is not None and outcome.rules is not None
    assert outcome.fallback
    assert outcome.rules.plans == good.rules.plans
    (problem,) = outcome.problems
    assert problem.startswith(f"{subject.source.name}: could not read the rules doc: ")
