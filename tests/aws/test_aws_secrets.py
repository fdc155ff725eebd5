"""The deployment's secrets from Secrets Manager (moto in-process), copied into the settings'
environment at cold start; errors name what is wrong and never a value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from fake_slack import FakeSlack
from lambda_events import FakeContext, http_event
from moto import mock_aws
from moto_ses import REGION, fake_aws_credentials
from slack_flow import signed_headers
from workspace import Workspace, row

from bot.aws_lambda import make_handler, slack_from_env
from bot.aws_secrets import load_secrets
from bot.cli import main

TOKEN = "xoxb-from-the-secret"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        yield


def a_secret(value: object) -> str:
    client = boto3.client("secretsmanager", region_name=REGION)
    text = value if isinstance(value, str) else json.dumps(value)
    return str(client.create_secret(Name="og-secrets", SecretString=text)["ARN"])


def test_the_secrets_values_fill_the_environment_but_never_override_it(aws: None) -> None:
    key = {"type": "service_account", "client_email": "og@project.iam.gserviceaccount.com"}
    arn = a_secret(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": "",  # not filled in yet: stays unset
            "OG_LINK_SECRET": "from-the-secret",
            "OG_GOOGLE_CREDENTIALS": key,  # pasted as an object
        }
    )
    environ = {"OG_SECRETS_ARN": arn, "OG_LINK_SECRET": "set-by-hand"}

    assert load_secrets(environ) == ["OG_GOOGLE_CREDENTIALS", "SLACK_BOT_TOKEN"]

    assert environ["SLACK_BOT_TOKEN"] == TOKEN
    assert json.loads(environ["OG_GOOGLE_CREDENTIALS"]) == key
    assert environ["OG_LINK_SECRET"] == "set-by-hand"
    assert "SLACK_SIGNING_SECRET" not in environ


def test_without_an_arn_nothing_is_read() -> None:
    environ = {"OG_SECRETS_ARN": "  "}
    assert load_secrets(environ) == []
    assert environ == {"OG_SECRETS_ARN": "  "}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"SLACK_BOT_TOKEN": TOKEN, "AWS_SECRET": "hunter2"}, "unknown keys AWS_SECRET"),
        ("not json at all hunter2", "is not a JSON object"),
        (["hunter2"], "is not a JSON object"),
        ({"SLACK_BOT_TOKEN": ["hunter2"]}, "SLACK_BOT_TOKEN must be text"),
    ],
    ids=["unknown key", "not json", "not an object", "not text"],
)
def test_a_malformed_secret_is_refused_naming_the_problem_not_the_value(
    aws: None, value: object, message: str
) -> None:
    environ = {"OG_SECRETS_ARN": a_secret(value)}
    with pytest.raises(ValueError, match=message) as refused:
        load_secrets(environ)
    assert "hunter2" not in str(refused.value)
    assert set(environ) == {"OG_SECRETS_ARN"}


def test_a_missing_secret_or_a_bad_arn_is_a_clear_error(aws: None) -> None:
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:og-gone-AbCdEf"
    with pytest.raises(ValueError, match=r"cannot read the secret .*ResourceNotFoundException"):
        load_secrets({"OG_SECRETS_ARN": missing})
    with pytest.raises(ValueError, match="not a Secrets Manager secret ARN"):
        load_secrets({"OG_SECRETS_ARN": "og-secrets"})


def test_og_on_a_workstation_reads_the_secret_first_and_says_when_it_cannot(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:og-gone-AbCdEf"
    monkeypatch.setenv("OG_SECRETS_ARN", missing)
    assert main(["rules", "check", "rules.md"]) == 1
    assert "cannot read the secret" in capsys.readouterr().err


def test_the_lambda_handler_reads_the_secret_at_cold_start(
    aws: None, tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path, [row("C1")])
    for name, value in ws.env().items():
        monkeypatch.setenv(name, value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        # Set, then removed: monkeypatch then also removes what load_secrets writes into the
        # process's environment, which would otherwise reach every later test.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    secret = "signing-secret-from-aws"
    arn = a_secret({"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": secret})
    monkeypatch.setenv("OG_SECRETS_ARN", arn)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    handler = make_handler(slack=slack_from_env)

    body = urlencode({"command": "/og", "text": "help", "user_id": "U0DANA", "team_id": "T0"})
    event = http_event("POST", "/slack/events", body, headers=signed_headers(body, secret=secret))
    answer = handler(event, FakeContext())

    assert answer["statusCode"] == 200 and "/og status" in answer["body"]
