"""template.yaml's monthly summary commentary: the model a deployment names reaches the
function's settings, and the function may invoke that model alone, and nothing of Bedrock
when none is named."""

from __future__ import annotations

from typing import Any

import pytest
from sam_template import (
    SAMPLE,
    Resolver,
    environment,
    granted,
    load_template,
    resources,
)

from engine.adapters.bedrock_commentary import BedrockCommentator
from engine.settings import Settings

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def bedrock_grants(template: dict[str, Any], model: str) -> dict[str, list[Any]]:
    """The Bedrock actions a deployment with `SummaryModel=model` grants the function, with
    their resources resolved: the role's own policies and those attached to it that the
    deployment makes (their Condition holds)."""
    resolve = Resolver(template, **SAMPLE, SummaryModel=model)
    role = template["Resources"]["GuideFunctionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for policy in resources(template, "AWS::IAM::Policy").values():
        made = "Condition" not in policy or resolve.condition(policy["Condition"])
        if made and {"Ref": "GuideFunctionRole"} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return {action: resolve(on) for action, on in granted(statements, "bedrock:").items()}


def test_a_named_model_reaches_the_settings_and_only_it_may_be_invoked(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(template, SummaryModel=MODEL)
    assert env["OG_SUMMARY_MODEL"] == f"bedrock://{MODEL}"
    monkeypatch.setenv("OG_SUMMARY_MODEL", env["OG_SUMMARY_MODEL"])
    commentator = BedrockCommentator.from_url(Settings().summary_model)
    assert commentator is not None

    assert bedrock_grants(template, MODEL) == {
        "bedrock:InvokeModel": [f"arn:aws:bedrock:eu-west-1::foundation-model/{MODEL}"]
    }


def test_no_model_no_setting_and_no_bedrock_at_all(template: dict[str, Any]) -> None:
    assert "OG_SUMMARY_MODEL" not in environment(template)
    assert bedrock_grants(template, "") == {}
