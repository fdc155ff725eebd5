"""`template.yaml`'s part in mail coming back (issue 16): SES receiving stores replies in a
private bucket that only SES (for this account's rule) may write and only the function may
read; the configuration set every send names publishes bounces and complaints to a topic the
function is subscribed to; and the function's environment names what bot.aws_mail_events
reads. Least privilege throughout, and no dependency cycle once SAM wires the events."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sam_template import (
    ACCOUNT,
    REGION,
    SAMPLE,
    STACK_UUID,
    Resolver,
    environment,
    function,
    function_name,
    granted,
    load_template,
    resources,
    role_statements,
)

from bot.aws_mail_events import BUCKET_VARIABLE
from bot.wiring import reply_address
from engine.adapters.mailer_url import open_mailer
from engine.adapters.ses_mailer import SesMailer
from engine.settings import Settings

PREFIX = "inbound/"
INBOUND_OBJECTS = {"Fn::Sub": "${InboundMailBucket.Arn}/inbound/*"}
REPLY_TO = "guide@replies.example.com"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def one(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    ((name, found),) = resources(template, kind).items()
    return name, found


def events(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = function(template)["Properties"]["Events"].values()
    return [e["Properties"] for e in found if e["Type"] == kind]


# --- the inbound bucket -------------------------------------------------------------------


def test_the_inbound_bucket_is_private_encrypted_and_forgets_mail_after_30_days(
    template: dict[str, Any],
) -> None:
    _, bucket = one(template, "AWS::S3::Bucket")
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", 30)
    assert "Prefix" not in rule and "Filter" not in rule  # every object


def test_the_function_is_told_the_buckets_name_without_depending_on_it(
    template: dict[str, Any],
) -> None:
    name, bucket = one(template, "AWS::S3::Bucket")
    resolve = Resolver(template, **SAMPLE)
    bucket_name = resolve(bucket["Properties"]["BucketName"])
    assert bucket_name == f"og-inbound-{STACK_UUID}"
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket_name)  # S3's rules
    assert environment(template)[BUCKET_VARIABLE] == bucket_name
    variables = function(template)["Properties"]["Environment"]["Variables"]
    assert name not in json.dumps(variables)


def test_only_ses_writes_mail_there_for_this_accounts_rule_and_only_over_tls(
    template: dict[str, Any],
) -> None:
    bucket, _ = one(template, "AWS::S3::Bucket")
    _, policy = one(template, "AWS::S3::BucketPolicy")
    assert policy["Properties"]["Bucket"] == {"Ref": bucket}
    allow, deny = policy["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == INBOUND_OBJECTS
    resolve = Resolver(template, **SAMPLE, ReplyTo=REPLY_TO)
    condition = resolve(allow["Condition"])
    assert condition == {
        "StringEquals": {"AWS:SourceAccount": ACCOUNT, "AWS:SourceArn": receipt_rule_arn(template)}
    }
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def receipt_rule_arn(template: dict[str, Any]) -> str:
    """The ARN SES gives the receipt rule, made from the template's rule set and rule."""
    resolve = Resolver(template, **SAMPLE, ReplyTo=REPLY_TO)
    _, rule_set = one(template, "AWS::SES::ReceiptRuleSet")
    _, rule = one(template, "AWS::SES::ReceiptRule")
    set_name = resolve(rule_set["Properties"]["RuleSetName"])
    return (
        f"arn:aws:ses:{REGION}:{ACCOUNT}:receipt-rule-set/{set_name}"
        f":receipt-rule/{rule['Properties']['Rule']['Name']}"
    )


# --- SES receiving ------------------------------------------------------------------------


def test_the_receipt_rule_stores_mail_to_the_reply_address_in_the_bucket(
    template: dict[str, Any],
) -> None:
    bucket, _ = one(template, "AWS::S3::Bucket")
    rule_set_name, rule_set = one(template, "AWS::SES::ReceiptRuleSet")
    _, rule = one(template, "AWS::SES::ReceiptRule")
    policy, _ = one(template, "AWS::S3::BucketPolicy")
    assert rule["Properties"]["RuleSetName"] == {"Ref": rule_set_name}
    assert rule["DependsOn"] == policy  # SES checks it may write when the rule is made
    spec = rule["Properties"]["Rule"]
    assert spec["Enabled"] is True and spec["ScanEnabled"] is True
    assert spec["Recipients"] == [{"Ref": "ReplyTo"}]  # and its plus forms, SES matches
    assert spec["Actions"] == [
        {"S3Action": {"BucketName": {"Ref": bucket}, "ObjectKeyPrefix": PREFIX}}
    ]
    # Without a reply address there is nothing to receive: neither exists.
    for given, exists in [("", False), (REPLY_TO, True)]:
        resolve = Resolver(template, **SAMPLE, ReplyTo=given)
        assert resolve.condition(rule["Condition"]) is exists
        assert resolve.condition(rule_set["Condition"]) is exists


def test_s3_tells_the_function_of_new_mail_under_the_prefix_which_it_alone_reads(
    template: dict[str, Any],
) -> None:
    bucket, _ = one(template, "AWS::S3::Bucket")
    (s3_event,) = events(template, "S3")
    assert s3_event["Bucket"] == {"Ref": bucket}
    assert s3_event["Events"] == "s3:ObjectCreated:*"
    assert s3_event["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": PREFIX}]}}
    statements = role_statements(template, "GuideFunctionRole")
    assert granted(statements, "s3:") == {"s3:GetObject": [INBOUND_OBJECTS]}


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("", True),
        (REPLY_TO, True),
        ("guide+x@replies.example.com", False),  # the guide makes the plus forms
        ("Guide <guide@replies.example.com>", False),
        ("replies.example.com", False),
    ],
)
def test_the_reply_address_is_a_plain_address(
    template: dict[str, Any], address: str, allowed: bool
) -> None:
    pattern = template["Parameters"]["ReplyTo"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, address)) is allowed


def test_the_environment_gives_the_reply_address_the_guide_uses(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment(template, ReplyTo=REPLY_TO).items():
        monkeypatch.setenv(name, value)
    assert reply_address(Settings()) == REPLY_TO


# --- bounces and complaints -----------------------------------------------------------------


def test_the_configuration_set_publishes_bounces_and_complaints_to_the_functions_topic(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    topic, _ = one(template, "AWS::SNS::Topic")
    own, own_set = one(template, "AWS::SES::ConfigurationSet")
    _, destination = one(template, "AWS::SES::ConfigurationSetEventDestination")
    spec = destination["Properties"]["EventDestination"]
    assert spec["Enabled"] is True
    assert sorted(spec["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert spec["SnsDestination"] == {"TopicARN": {"Ref": topic}}
    assert events(template, "SNS") == [{"Topic": {"Ref": topic}}]
    # The destination is on the set every send names: the one given, else the stack's own.
    for given, expected in [("og-events", "og-events"), ("", f"<{own}>")]:
        resolve = Resolver(template, **SAMPLE, SesConfigurationSet=given)
        assert resolve(destination["Properties"]["ConfigurationSetName"]) == expected
        assert resolve.condition(own_set["Condition"]) is (given == "")
        mailer_url = environment(template, SesConfigurationSet=given)["OG_MAILER"]
        assert mailer_url.endswith(f"&configuration_set={expected}")
    monkeypatch.setenv(
        "OG_MAILER", environment(template, SesConfigurationSet="og-events")["OG_MAILER"]
    )
    mailer = open_mailer(Settings().mailer, sender=SAMPLE["MailFrom"])
    assert isinstance(mailer, SesMailer) and mailer.configuration_set == "og-events"


def test_only_ses_publishes_to_the_topic_for_this_account(template: dict[str, Any]) -> None:
    topic, _ = one(template, "AWS::SNS::Topic")
    _, policy = one(template, "AWS::SNS::TopicPolicy")
    assert policy["Properties"]["Topics"] == [{"Ref": topic}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sns:Publish")
    assert statement["Resource"] == {"Ref": topic}
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    # The function is handed the events; it may publish nothing itself.
    assert granted(role_statements(template, "GuideFunctionRole"), "sns:") == {}


# --- no cycle -------------------------------------------------------------------------------


def references(node: Any) -> set[str]:
    """The resources and parameters a node refers to (Ref, GetAtt, Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= references(value[1:] if isinstance(value, list) else [])
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def test_no_resource_depends_on_itself_once_sam_wires_the_s3_event(
    template: dict[str, Any],
) -> None:
    """SAM's S3 event makes the bucket's notification name the function: the bucket depends
    on the function, so nothing the function needs may depend on the bucket."""
    names = set(template["Resources"])
    graph = {}
    for name, resource in template["Resources"].items():
        # A function's Events become resources of their own (permissions, subscriptions).
        properties = {k: v for k, v in resource.get("Properties", {}).items() if k != "Events"}
        depends = set(_as_list(resource.get("DependsOn", [])))
        graph[name] = (references(properties) | depends) & names
    for s3_event in events(template, "S3"):
        graph[s3_event["Bucket"]["Ref"]].add(function_name(template))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph[start]
        )

    assert [name for name in graph if reaches(name, name, set())] == []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
