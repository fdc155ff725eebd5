"""`template.yaml`, the AWS SAM deployment: what it must hold, checked against the code it
deploys rather than against a copy of it.

- the five tables are exactly the adapter's (`TABLES`, `table_definition`): created in moto from
  the template's own definitions, `og tables check`'s `check_tables` passes on them;
- the function's environment, resolved for a sample deployment, is read by the real settings,
  state URL and mailer parsers; it holds no secret, only the secret's ARN;
- every IAM statement names its actions and resources; the state actions are exactly the
  DynamoDB operations the store's code calls;
- the schedules (tick, digest, the month's summary) deliver what `bot.aws_lambda` expects, in
  the team's zone, disabled until the done links have a base URL;
- cfn-lint has nothing to say.

The template is read with cfn-lint's own decoder, and a small resolver evaluates the intrinsic
functions the template uses for given parameters (tests/support/sam_template.py). What it sets
up for mail coming back is checked in test_template_mail.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs
from dynamodb_local import client_for
from moto import mock_aws
from sam_template import (
    REGION,
    ROOT,
    SAMPLE,
    TEMPLATE,
    Resolver,
    as_list,
    environment,
    function,
    function_name,
    get_att,
    granted,
    load_template,
    resources,
    role_statements,
)

from bot.aws_lambda import SCHEDULER_KEY
from bot.scheduled import SCHEDULED_KINDS
from bot.slack.settings import SlackSettings
from engine.adapters.dynamodb_items import TABLES
from engine.adapters.dynamodb_tables import check_tables, parse_dynamodb_url, table_definition
from engine.adapters.mailer_url import open_mailer
from engine.adapters.ses_mailer import SesMailer
from engine.settings import Settings

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
SECRET_VARIABLES = {
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "OG_LINK_SECRET",
    "OG_GOOGLE_CREDENTIALS",
}
"""What the function reads from the secret named by OG_SECRETS_ARN."""
NEVER_IN_ENVIRONMENT = SECRET_VARIABLES | {"SLACK_APP_TOKEN", "OG_SMTP_PASSWORD"}
FUNCTION_URL = "https://abcdefghij.lambda-url.eu-west-1.on.aws/"
LAMBDA_ENVIRONMENT_LIMIT = 4096
"""Bytes of all keys and values together (Lambda's quota)."""
OWN_CONFIGURATION_SET = "GuideConfigurationSet"
INBOUND_OBJECTS = {"Fn::Sub": "${InboundMailBucket.Arn}/inbound/*"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


# --- lint -----------------------------------------------------------------------------------


def test_cfn_lint_finds_nothing_not_even_informational() -> None:
    matches = lint_file(TEMPLATE, ManualArgs(include_checks=["I"]))
    assert [str(m) for m in matches] == []


# --- the tables -----------------------------------------------------------------------------


def test_the_tables_are_the_adapters_five_on_demand_with_point_in_time_recovery(
    template: dict[str, Any],
) -> None:
    resolve = Resolver(template, **SAMPLE, TablePrefix="acme-og-")
    tables = {
        resolve(t["Properties"]["TableName"]): t
        for t in resources(template, "AWS::DynamoDB::Table").values()
    }
    assert set(tables) == {spec.name("acme-og-") for spec in TABLES}
    for spec in TABLES:
        table = tables[spec.name("acme-og-")]
        properties = table["Properties"]
        wanted = table_definition(spec, "acme-og-")
        assert properties["KeySchema"] == wanted["KeySchema"], spec
        assert properties["AttributeDefinitions"] == wanted["AttributeDefinitions"], spec
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        # The guide's state outlives the stack: deleting or replacing it keeps the data.
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert properties["DeletionProtectionEnabled"] is True


def test_og_tables_check_passes_on_tables_made_from_the_template(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    resolve = Resolver(template, **SAMPLE, TablePrefix="tmpl-og-")
    # The prefix the function uses is the one in its OG_STATE, not merely the parameter.
    state = parse_dynamodb_url(environment(template, TablePrefix="tmpl-og-")["OG_STATE"])
    with mock_aws():
        client = client_for(None)
        for table in resources(template, "AWS::DynamoDB::Table").values():
            properties = resolve(table["Properties"])
            client.create_table(
                TableName=properties["TableName"],
                KeySchema=properties["KeySchema"],
                AttributeDefinitions=properties["AttributeDefinitions"],
                BillingMode=properties["BillingMode"],
            )
        checks = check_tables(client, state.prefix)
    assert [check.render() for check in checks if not check.ok] == []
    assert {check.billing for check in checks} == {"PAY_PER_REQUEST"}
    assert len(checks) == len(TABLES)


# --- the function -------------------------------------------------------------------------


def test_the_function_is_the_image_built_from_the_dockerfile(template: dict[str, Any]) -> None:
    fn = function(template)
    assert fn["Properties"]["PackageType"] == "Image"
    assert fn["Metadata"]["DockerContext"] == "."
    assert (ROOT / fn["Metadata"]["DockerContext"] / fn["Metadata"]["Dockerfile"]).is_file()
    assert fn["Properties"]["Timeout"] == 900  # Lambda's maximum, for a 100k-customer tick
    assert 2048 <= fn["Properties"]["MemorySize"] <= 3008


def test_the_function_url_is_public(template: dict[str, Any]) -> None:
    # Slack's requests and done links prove themselves with their own signatures. SAM's
    # transform adds the public permissions (InvokeFunctionUrl, InvokeFunction via the URL);
    # nothing else may invoke the function from outside.
    assert function(template)["Properties"]["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert resources(template, "AWS::Lambda::Permission") == {}


def test_asynchronous_invocations_are_never_retried_and_failures_are_kept(
    template: dict[str, Any],
) -> None:
    config = function(template)["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 0
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    (queue,) = on_failure["Destination"]["Fn::GetAtt"][:1]
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"
    assert {"Action": "sqs:SendMessage", "Resource": get_att(queue)} in [
        {"Action": s["Action"], "Resource": s["Resource"]}
        for s in role_statements(template, "GuideFunctionRole")
    ]


def test_the_environment_is_what_the_settings_read(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(
        template,
        BaseUrl=FUNCTION_URL,
        FlagChannel="C0FLAGS",
        DigestChannel="C0DIGEST",
        AllowedUsers="U0DANA,U0SAM",
        Admins="U0DANA",
        SesConfigurationSet="og-events",
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.roster == SAMPLE["RosterUrl"]
    assert settings.rules == SAMPLE["RulesUrl"]
    assert settings.timezone == "Europe/Berlin"
    assert settings.base_url == FUNCTION_URL
    assert settings.mail_from == SAMPLE["MailFrom"]
    assert settings.send_concurrency == 8
    assert settings.link_secret is None  # from the secret, never the environment
    state = parse_dynamodb_url(settings.state)
    assert (state.prefix, state.region, state.endpoint_url) == ("og-", REGION, None)
    mailer = open_mailer(settings.mailer, sender=settings.mail_from)
    assert isinstance(mailer, SesMailer)
    assert (mailer.region, mailer.configuration_set) == (REGION, "og-events")
    assert mailer.max_send_rate == 14
    assert mailer.sender == SAMPLE["MailFrom"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "from-the-secret")
    slack = SlackSettings()
    assert (slack.flag_channel, slack.digest_channel) == ("C0FLAGS", "C0DIGEST")
    assert (slack.allowed_users, slack.admins) == (["U0DANA", "U0SAM"], ["U0DANA"])


def test_optional_parameters_left_empty_leave_their_settings_unset(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(template)
    assert "OG_BASE_URL" not in env  # no base URL yet: the schedules stay off (below)
    assert "OG_REPLY_TO" not in env  # no Reply-To: replies go to MailFrom's mailbox
    # No configuration set given: the stack's own, which publishes bounces and complaints.
    own = f"<{OWN_CONFIGURATION_SET}>"
    assert env["OG_MAILER"] == f"ses://{REGION}?max_send_rate=14&configuration_set={own}"
    generated = "og-GuideConfigurationSet-1A2B3C4D5E6F"  # as CloudFormation names it
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace(own, generated))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "from-the-secret")
    slack = SlackSettings()
    assert (slack.flag_channel, slack.digest_channel) == (None, None)
    assert (slack.allowed_users, slack.admins) == ([], [])
    mailer = open_mailer(Settings().mailer, sender=Settings().mail_from)
    assert isinstance(mailer, SesMailer)
    assert mailer.configuration_set == generated


# --- secrets --------------------------------------------------------------------------------


def test_no_secret_is_in_the_environment_only_the_secrets_arn(template: dict[str, Any]) -> None:
    variables = function(template)["Properties"]["Environment"]["Variables"]
    assert not NEVER_IN_ENVIRONMENT & set(variables)
    # A dynamic reference ({{resolve:...}}) would put the value itself into the environment.
    assert "{{resolve:" not in json.dumps(variables)
    (secret_name,) = resources(template, "AWS::SecretsManager::Secret")
    assert variables["OG_SECRETS_ARN"] == {"Ref": secret_name}


def test_the_secret_holds_the_four_values_generating_the_link_key(
    template: dict[str, Any],
) -> None:
    (secret,) = resources(template, "AWS::SecretsManager::Secret").values()
    generate = secret["Properties"]["GenerateSecretString"]
    placeholders = json.loads(generate["SecretStringTemplate"])
    assert set(placeholders) | {generate["GenerateStringKey"]} == SECRET_VARIABLES
    assert generate["GenerateStringKey"] == "OG_LINK_SECRET"
    assert set(placeholders.values()) == {""}  # filled in after deploying, never here
    assert "SecretString" not in secret["Properties"]


def test_nothing_in_the_template_looks_like_a_secret(template: dict[str, Any]) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    for pattern in (r"xox[abposre]-", r"xapp-", r"-----BEGIN", r"private_key", r"AKIA[0-9A-Z]{12}"):
        assert not re.search(pattern, text), pattern
    secretive = re.compile(r"token|secret|password|credential|key", re.IGNORECASE)
    assert [name for name in template["Parameters"] if secretive.search(name)] == []


def test_the_environment_fits_lambdas_limit_with_room_to_spare(template: dict[str, Any]) -> None:
    env = environment(
        template,
        BaseUrl=FUNCTION_URL,
        FlagChannel="C0123456789",
        DigestChannel="C0123456789",
        AllowedUsers=",".join(f"U0{n:09d}" for n in range(20)),
        Admins=",".join(f"U0{n:09d}" for n in range(5)),
    )
    size = sum(len(k) + len(v) for k, v in env.items())
    # A service account key alone is ~2.3 KB: one reason the secrets are not in here.
    assert size < LAMBDA_ENVIRONMENT_LIMIT / 2


# --- IAM ----------------------------------------------------------------------------------


def test_every_statement_names_its_actions_and_resources(template: dict[str, Any]) -> None:
    roles = resources(template, "AWS::IAM::Role")
    assert set(roles) == {"GuideFunctionRole", "SchedulerRole"}
    for role in roles:
        for statement in role_statements(template, role):
            assert statement["Effect"] == "Allow"
            assert "NotAction" not in statement and "NotResource" not in statement
            for action in as_list(statement["Action"]):
                assert "*" not in action, (role, action)
            for resource in as_list(statement["Resource"]):
                # S3 names objects under a prefix only so (test_template_mail.py).
                if resource != INBOUND_OBJECTS:
                    assert "*" not in json.dumps(resource), (role, resource)
        assert "ManagedPolicyArns" not in roles[role]["Properties"]
    assert function(template)["Properties"]["Role"] == get_att("GuideFunctionRole")


def dynamodb_operations_of_the_store() -> set[str]:
    """The IAM actions the store's code needs: each low-level client call in its modules, and
    each kind of item in its transactions (a transaction is authorised per item). Creating
    and checking the tables (dynamodb_tables.py) is a person's `og tables`, not the function's."""
    adapters = ROOT / "engine" / "adapters"
    source = "\n".join(
        module.read_text(encoding="utf-8")
        for module in sorted(adapters.glob("dynamodb_*.py"))
        if module.name != "dynamodb_tables.py"
    )
    operations = boto3.client(
        "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    ).meta.method_to_api_mapping
    called = {operations[m] for m in re.findall(r"\bclient\.(\w+)", source) if m in operations}
    assert "Scan" in called and "TransactWriteItems" in called  # the pattern still finds them
    items = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
    items["ConditionCheck"] = "ConditionCheckItem"
    in_transactions = {
        items[kind] for kind in re.findall(r'\{\s*"(\w+)": ', source) if kind in items
    }
    return {f"dynamodb:{op}" for op in (called - {"TransactWriteItems"}) | in_transactions}


def test_the_function_may_use_exactly_the_stores_operations_on_the_five_tables(
    template: dict[str, Any],
) -> None:
    tables = [get_att(name) for name in resources(template, "AWS::DynamoDB::Table")]
    actions = granted(role_statements(template, "GuideFunctionRole"), "dynamodb:")
    assert set(actions) == dynamodb_operations_of_the_store()
    for action, on in actions.items():
        assert sorted(map(json.dumps, on)) == sorted(map(json.dumps, tables)), action


def test_the_function_sends_mail_as_the_one_identity(template: dict[str, Any]) -> None:
    statements = role_statements(template, "GuideFunctionRole")
    actions = granted(statements, "ses:")
    assert set(actions) == {"ses:SendEmail", "ses:SendRawEmail"}
    for with_set, expected in [
        (
            "",
            [
                "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
                f"arn:aws:ses:eu-west-1:123456789012:configuration-set/<{OWN_CONFIGURATION_SET}>",
            ],
        ),
        (
            "og-events",
            [
                "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
                "arn:aws:ses:eu-west-1:123456789012:configuration-set/og-events",
            ],
        ),
    ]:
        resolve = Resolver(template, **SAMPLE, SesConfigurationSet=with_set)
        for action, on in actions.items():
            assert resolve(on) == expected, action


def test_the_function_reads_its_secret_writes_its_logs_and_invokes_itself(
    template: dict[str, Any],
) -> None:
    statements = role_statements(template, "GuideFunctionRole")
    (secret,) = resources(template, "AWS::SecretsManager::Secret")
    (log_group,) = resources(template, "AWS::Logs::LogGroup")
    assert granted(statements, "secretsmanager:") == {
        "secretsmanager:GetSecretValue": [{"Ref": secret}]
    }
    assert granted(statements, "logs:") == {
        "logs:CreateLogStream": [get_att(log_group)],
        "logs:PutLogEvents": [get_att(log_group)],
    }
    assert function(template)["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": log_group}
    # Bolt's lazy listeners: the function invokes itself, and nothing else.
    assert granted(statements, "lambda:") == {
        "lambda:InvokeFunction": [get_att(function_name(template))]
    }
    every_service = {a.split(":")[0] for s in statements for a in as_list(s["Action"])}
    assert every_service == {
        "dynamodb",
        "ses",
        "secretsmanager",
        "logs",
        "sqs",
        "lambda",
        "s3",
        "bedrock",  # only with a SummaryModel (test_template_summary.py)
    }


def test_the_scheduler_may_invoke_only_the_function(template: dict[str, Any]) -> None:
    role = template["Resources"]["SchedulerRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = role_statements(template, "SchedulerRole")
    (dead_letters,) = {
        json.dumps(s["Target"]["DeadLetterConfig"]["Arn"])
        for s in (r["Properties"] for r in resources(template, "AWS::Scheduler::Schedule").values())
    }
    assert granted(statements, "") == {
        "lambda:InvokeFunction": [get_att(function_name(template))],
        "sqs:SendMessage": [json.loads(dead_letters)],
    }


# --- the schedules ------------------------------------------------------------------------


def test_three_schedules_tick_hourly_digest_mondays_and_summary_on_the_first_at_nine(
    template: dict[str, Any],
) -> None:
    schedules = {
        json.loads(s["Properties"]["Target"]["Input"])[SCHEDULER_KEY]: s["Properties"]
        for s in resources(template, "AWS::Scheduler::Schedule").values()
    }
    assert set(schedules) == set(SCHEDULED_KINDS)
    assert schedules["tick"]["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert schedules["digest"]["ScheduleExpression"] == "cron(0 9 ? * MON *)"
    assert schedules["summary"]["ScheduleExpression"] == "cron(0 9 1 * ? *)"
    timezone = function(template)["Properties"]["Environment"]["Variables"]["OG_TIMEZONE"]
    assert timezone == {"Ref": "TeamTimezone"}
    # The digest on the team's Monday morning, the month on the morning of the team's 1st; the
    # hourly tick in UTC, where no hour repeats.
    assert schedules["digest"]["ScheduleExpressionTimezone"] == timezone
    assert schedules["summary"]["ScheduleExpressionTimezone"] == timezone
    assert schedules["tick"]["ScheduleExpressionTimezone"] == "UTC"
    for kind, schedule in schedules.items():
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        target = schedule["Target"]
        assert json.loads(target["Input"]) == {
            SCHEDULER_KEY: kind,
            "scheduled_time": SCHEDULED_TIME,
        }
        assert target["Arn"] == get_att(function_name(template))
        assert target["RoleArn"] == get_att("SchedulerRole")
        retry = target["RetryPolicy"]
        assert 1 <= retry["MaximumRetryAttempts"] <= 185
        assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
        (queue,) = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][:1]
        assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_the_schedules_stay_disabled_until_done_links_have_a_base_url(
    template: dict[str, Any],
) -> None:
    for base_url, state in [("", "DISABLED"), (FUNCTION_URL, "ENABLED")]:
        resolve = Resolver(template, **SAMPLE, BaseUrl=base_url)
        for schedule in resources(template, "AWS::Scheduler::Schedule").values():
            assert resolve(schedule["Properties"]["State"]) == state


def test_the_outputs_name_the_slack_request_url(template: dict[str, Any]) -> None:
    resolve = Resolver(template, **SAMPLE)
    outputs = {name: resolve(o["Value"]) for name, o in template["Outputs"].items()}
    url = f"<{function_name(template)}Url.FunctionUrl>"
    assert outputs["FunctionUrl"] == url
    # The Function URL ends with "/", and manifest.yml's URLs end with /slack/events.
    assert outputs["SlackRequestUrl"] == f"{url}slack/events"
    assert outputs["StateUrl"] == environment(template)["OG_STATE"]
