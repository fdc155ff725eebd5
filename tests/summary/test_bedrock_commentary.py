"""The month's commentary by Amazon Bedrock, through boto3's real `bedrock-runtime` client and
its `converse` call, against a stand-in of the Converse API on loopback (tests/support/
bedrock_standin.py): the request is the one AWS documents (signed, to `/model/{id}/converse`,
with `system`, `messages` and `inferenceConfig`) and holds aggregates only; a timeout, a
failure of the service, an answer that is not JSON or one cut short each leave the figures
alone, after one try; and the tick never asks."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from bedrock_standin import WORDS, BedrockStandIn, bedrock_stand_in
from month_story import NOVEMBER, NOVEMBER_TEXT, month_rows, run_month
from moto_ses import fake_aws_credentials
from workspace import Workspace, og

from bot.wiring import open_commentator
from engine.adapters.bedrock_commentary import BedrockCommentator, BedrockModel, parse_bedrock_url
from engine.guide import Guide
from engine.month_report import month_report
from engine.month_text import COMMENTARY_INSTRUCTIONS
from engine.settings import Settings

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
SPEC = f"bedrock://{MODEL}"
REGION = "us-east-1"


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    """The stand-in, and an environment in which boto3 finds it, dummy credentials and a
    region, and nothing of this machine's AWS set-up."""
    fake_aws_credentials(monkeypatch)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with bedrock_stand_in() as stand_in:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", stand_in.url)
        yield stand_in


@pytest.fixture(scope="module")
def november(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The known November (tests/support/month_story.py), ticked once for the module: the
    tests here only read it."""
    ws = Workspace(tmp_path_factory.mktemp("month"), month_rows())
    run_month(ws)
    return ws


def _guide(ws: Workspace) -> Guide:
    return ws.guide(summary_model=SPEC)


def test_the_commentary_comes_from_converse_as_aws_documents_it(
    bedrock: BedrockStandIn, november: Workspace
) -> None:
    guide = _guide(november)

    report = month_report(guide, NOVEMBER, open_commentator(guide.config.summary_model))

    assert (report.commentary, report.commentary_by) == (WORDS, f"Amazon Bedrock ({MODEL})")
    (request,) = bedrock.requests
    assert request.method == "POST"
    # The model id is one path segment, its ":" percent-encoded.
    assert request.path == f"/model/{quote(MODEL, safe='')}/converse"
    assert request.body == {
        "system": [{"text": COMMENTARY_INSTRUCTIONS}],
        "messages": [{"role": "user", "content": [{"text": NOVEMBER_TEXT}]}],
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.2},
    }
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    # Signed with SigV4 for Bedrock in the region, with the environment's credentials.
    authorization = headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert f"/{REGION}/bedrock/aws4_request, SignedHeaders=" in authorization
    assert "Signature=" in authorization and headers["x-amz-date"]


def test_the_prompt_holds_aggregates_and_no_customer(
    bedrock: BedrockStandIn, november: Workspace
) -> None:
    guide = _guide(november)
    month_report(guide, NOVEMBER, open_commentator(guide.config.summary_model))

    (request,) = bedrock.requests
    sent = json.dumps(request.body)
    for customer in month_rows():
        for column in ("customer_id", "name", "company", "email"):
            assert customer[column] not in sent, (column, customer[column])
    assert "@" not in sent
    # What it does hold: the month's counts and rates, and the doc's plan and step names.
    assert "Started: 7 (Starter 6, Pro 1)" in sent and "check-in  3     2 (67%)" in sent


def test_og_summary_prints_the_commentary_above_the_figures(
    bedrock: BedrockStandIn, november: Workspace
) -> None:
    done = og(november, "summary", "--month", "2026-11", OG_SUMMARY_MODEL=SPEC)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"{WORDS}\n(commentary by Amazon Bedrock ({MODEL}); the figures below are the guide's "
        f"own)\n\n{NOVEMBER_TEXT}\n"
    )
    assert len(bedrock.requests) == 1


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("slow", "ReadTimeoutError"),
        ("error", "InternalServerException"),
        ("malformed", "ValueError: the answer held no message"),
        ("cut", "the model stopped before it finished (max_tokens)"),
    ],
)
def test_a_timeout_or_an_error_leaves_the_figures_alone_after_one_try(
    bedrock: BedrockStandIn,
    november: Workspace,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    why: str,
) -> None:
    bedrock.mode = mode
    commentator = BedrockCommentator(parse_bedrock_url(SPEC), read_timeout=0.5)
    caplog.set_level(logging.WARNING, logger="og.summary")

    started = time.monotonic()
    report = month_report(_guide(november), NOVEMBER, commentator)

    assert time.monotonic() - started < 2.5  # the stand-in would have answered after 3 s
    assert (report.commentary, report.commentary_by) == ("", "")
    assert len(bedrock.requests) == 1  # never retried
    (record,) = caplog.records
    assert record.getMessage().startswith(
        f"no commentary from Amazon Bedrock ({MODEL}) on 2026-11, the figures go alone: "
    )
    assert why in record.getMessage(), record.getMessage()


def test_the_client_waits_a_bounded_time_and_never_retries(bedrock: BedrockStandIn) -> None:
    config = BedrockCommentator(parse_bedrock_url(SPEC)).client().meta.config
    assert (config.connect_timeout, config.read_timeout) == (5.0, 30.0)
    assert config.retries["total_max_attempts"] == 1


def test_the_tick_never_asks_for_commentary(bedrock: BedrockStandIn, tmp_path: Path) -> None:
    guide = run_month(Workspace(tmp_path, month_rows()), summary_model=SPEC)
    assert guide.config.summary_model == SPEC
    assert bedrock.requests == []


def test_the_summary_model_setting() -> None:
    assert parse_bedrock_url(SPEC) == BedrockModel(MODEL)
    arn = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku"
    assert parse_bedrock_url(f"bedrock://{arn}?region=eu-west-1") == BedrockModel(arn, "eu-west-1")
    assert Settings(summary_model=f" {SPEC} ").summary_model == SPEC
    assert Settings().summary_model == "" and open_commentator("") is None
    for bad, message in [
        ("anthropic.claude", "expected bedrock://MODEL_ID"),
        ("bedrock://", "names no model"),
        (f"{SPEC}?temperature=1", "unknown option temperature"),
    ]:
        with pytest.raises(ValueError, match=message):
            Settings(summary_model=bad)
