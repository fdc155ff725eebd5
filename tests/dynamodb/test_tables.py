"""`OG_STATE=dynamodb://...`: the URL, `og tables create|check`, and `og` itself on DynamoDB
Local."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dynamodb_local import CREDENTIALS, REGION, client_for
from workspace import Workspace, row

from bot.cli import main
from bot.wiring import open_store
from engine.adapters.dynamodb_store import DynamoDbStore
from engine.adapters.dynamodb_tables import DynamoDbSettings, delete_tables, parse_dynamodb_url


@pytest.mark.parametrize(
    ("url", "settings"),
    [
        ("dynamodb://", DynamoDbSettings()),
        ("dynamodb://?region=eu-west-1", DynamoDbSettings(region="eu-west-1")),
        (
            "dynamodb://?prefix=acme-og.&region=eu-west-1&endpoint_url=http://127.0.0.1:8000"
            "&segments=8",
            DynamoDbSettings("acme-og.", "eu-west-1", "http://127.0.0.1:8000", 8),
        ),
        ("dynamodb:///?prefix=&segments=auto", DynamoDbSettings(prefix="")),
    ],
)
def test_dynamodb_urls(url: str, settings: DynamoDbSettings) -> None:
    assert parse_dynamodb_url(url) == settings


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("dynamodb://tables?region=x", "not a DynamoDB state URL"),
        ("sqlite:///og.db", "not a DynamoDB state URL"),
        ("dynamodb://?table=og", "unknown DynamoDB setting table"),
        ("dynamodb://?region=a&region=b", "setting region given twice"),
        ("dynamodb://?prefix=og/", "table prefix 'og/'"),
        ("dynamodb://?segments=0", "segments='0'"),
        ("dynamodb://?segments=many", "segments='many'"),
    ],
)
def test_bad_dynamodb_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_dynamodb_url(url)


def test_the_state_setting_opens_a_dynamodb_store() -> None:
    store = open_store("dynamodb://?prefix=acme-&region=eu-west-1&segments=4")
    assert isinstance(store, DynamoDbStore)
    assert (store.prefix, store.segments) == ("acme-", 4)
    assert store.client.meta.region_name == "eu-west-1"
    with pytest.raises(ValueError, match="expected sqlite:///PATH or dynamodb://"):
        open_store("postgres://db")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `og` finds in a deployment's environment (restored after the test)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", CREDENTIALS["aws_session_token"])


@pytest.fixture
def prefix(dynamodb_local: str) -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:12]}-"
    yield name
    delete_tables(client_for(dynamodb_local), name)


def test_og_tables_create_makes_the_five_tables_once_and_check_agrees(
    aws_env: None, dynamodb_local: str, prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    state = f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={dynamodb_local}"
    assert main(["tables", "check", "--state", state]) == 1
    assert capsys.readouterr().err.count("missing (og tables create makes it)") == 5

    assert main(["tables", "create", "--state", state]) == 0
    created = capsys.readouterr().out.splitlines()
    assert created == [
        f"{prefix}sends: created (live sends, on-demand)",
        f"{prefix}state: created (customer state and meta values, on-demand)",
        f"{prefix}sends-archive: created (finished journeys' sends, on-demand)",
        f"{prefix}audit: created (audit rows, on-demand)",
        f"{prefix}memos: created (change counts and the tick's memos, on-demand)",
    ]
    assert main(["tables", "create", "--state", state]) == 0  # again: nothing to do
    assert "created" not in capsys.readouterr().out
    assert main(["tables", "check", "--state", state]) == 0
    assert capsys.readouterr().out.count(": ok (") == 5

    client = client_for(dynamodb_local)
    keys = {}
    for table in ("sends", "state", "sends-archive", "audit", "memos"):
        described = client.describe_table(TableName=f"{prefix}{table}")["Table"]
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        keys[table] = [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]]
    assert keys == {
        "sends": [("customer_id", "HASH"), ("sk", "RANGE")],
        "state": [("customer_id", "HASH")],
        "sends-archive": [("customer_id", "HASH"), ("sk", "RANGE")],
        "audit": [("customer_id", "HASH"), ("id", "RANGE")],
        "memos": [("customer_id", "HASH")],
    }
    # The tables serve the store the URL opens.
    store = open_store(state)
    assert store.add_meta_if_absent("k", "v") == "v" and store.load().states == {}


def test_og_tables_check_names_a_table_whose_keys_are_wrong(
    aws_env: None, dynamodb_local: str, prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    state = f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={dynamodb_local}"
    client = client_for(dynamodb_local)
    client.create_table(
        TableName=f"{prefix}audit",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert main(["tables", "create", "--state", state]) == 1
    printed = capsys.readouterr()
    assert printed.out.count(": created (") == 4
    assert printed.err.strip() == (
        f"{prefix}audit: key schema is id (partition), the store needs "
        "customer_id (partition), id (sort)"
    )
    assert main(["tables", "check", "--state", state]) == 1
    assert "audit: key schema is id (partition)" in capsys.readouterr().err


def test_og_tables_wants_a_dynamodb_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "check", "--state", "sqlite:///og.db"]) == 2
    assert "set OG_STATE (or --state) to dynamodb://" in capsys.readouterr().err
    assert main(["tables", "create", "--state", "dynamodb://?segments=x"]) == 2
    assert "segments='x'" in capsys.readouterr().err


def test_og_runs_on_a_dynamodb_state_set_in_the_environment(
    tmp_path: Path, dynamodb_local: str, prefix: str
) -> None:
    ws = Workspace(tmp_path, [row("C1"), row("C2", plan="Pro")])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OG_"))},
        **ws.env(),
        "OG_STATE": f"dynamodb://?prefix={prefix}&region={REGION}&endpoint_url={dynamodb_local}",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        **{name.upper(): value for name, value in CREDENTIALS.items()},
    }

    def og(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ws.root,
            timeout=120,
        )

    assert og("tables", "create").returncode == 0
    ticked = og("tick", "--now", "2026-11-02", "--json")
    assert ticked.returncode == 0, ticked.stderr
    assert [json.loads(line)["move"] for line in ticked.stdout.splitlines()] == ["step", "step"]
    again = og("tick", "--now", "2026-11-02T15:00:00+00:00", "--json")
    assert [json.loads(line)["move"] for line in again.stdout.splitlines()] == ["on_track"] * 2
    assert ws.sent() == [("C1", "welcome", "step"), ("C2", "welcome", "step")]
    assert not (ws.root / "og.db").exists()  # nothing went to SQLite
    paused = og("pause", "C1", "--note", "migrating", "--by", "dana", "--now", "2026-11-03")
    assert paused.returncode == 0, paused.stderr
    store = DynamoDbStore(client_for(dynamodb_local), prefix)
    assert [(e.action, e.actor, e.note) for e in store.audit_trail("C1")] == [
        ("paused", "dana", "migrating")
    ]
    assert store.load_one("C1").states["C1"].paused
