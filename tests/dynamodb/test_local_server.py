"""Starting DynamoDB Local for the tests: where it cannot run, the tests fail and say why."""

from __future__ import annotations

from pathlib import Path

import dynamodb_local as support
import pytest
from dynamodb_local import DynamoDbLocalUnavailable, client_for


def test_without_java_the_tests_say_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run there
    with pytest.raises(DynamoDbLocalUnavailable, match="java is not installed"):
        support._start_dynamodb_local()


def test_without_the_jar_the_tests_say_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(support, "EMULATOR_DIR", tmp_path)
    with pytest.raises(DynamoDbLocalUnavailable, match=r"run `make dynamodb-local`"):
        support._start_dynamodb_local()


def test_the_server_answers_on_the_loopback_address(dynamodb_local: str) -> None:
    assert dynamodb_local.startswith("http://127.0.0.1:")
    assert "TableNames" in client_for(dynamodb_local).list_tables(Limit=1)
