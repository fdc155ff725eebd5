"""`template.yaml` as the template tests read it: decoded with cfn-lint's own decoder (it
knows `!Ref`, `!Sub`, `!GetAtt`, ...) into plain dicts, the resources by type, the IAM
statements a role is granted, and a small resolver that evaluates the intrinsic functions the
template uses for one deployment's parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
STACK_UUID = "51af3dc0-da77-11e4-872e-1234567db123"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/og/{STACK_UUID}"
SAMPLE = {
    "TeamTimezone": "Europe/Berlin",
    "RosterUrl": "gsheet://1AbCdEfGhIjKlMnOp/Onboarding list",
    "RulesUrl": "gdoc://1QrStUvWxYz",
    "MailFrom": "Onboarding Guide <guide@example.com>",
    "SesIdentity": "example.com",
}
"""A deployment's answers to the parameters without a default."""


def load_template() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert decoded is not None
    plain: dict[str, Any] = json.loads(json.dumps(decoded))  # the decoder's nodes as dicts
    return plain


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def function(template: dict[str, Any]) -> dict[str, Any]:
    (found,) = resources(template, "AWS::Serverless::Function").values()
    return found


def function_name(template: dict[str, Any]) -> str:
    (name,) = resources(template, "AWS::Serverless::Function")
    return name


def get_att(name: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


# --- a resolver for the intrinsic functions the template uses --------------------------------

_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class Resolver:
    """Evaluates Ref, Fn::Sub (both forms), Fn::If, Fn::Not, Fn::Equals, Fn::GetAtt,
    Fn::Select and Fn::Split for one deployment. References to resources come out as `<Name>`
    / `<Name.Attribute>`."""

    def __init__(self, template: dict[str, Any], **parameters: str) -> None:
        self.template = template
        declared = template["Parameters"]
        unknown = set(parameters) - set(declared)
        assert not unknown, f"no such parameters: {unknown}"
        self.values = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::StackName": "og",
            "AWS::StackId": STACK_ID,
        }
        for name, spec in declared.items():
            if name in parameters:
                self.values[name] = parameters[name]
            elif "Default" in spec:
                self.values[name] = str(spec["Default"])
            else:
                raise AssertionError(f"parameter {name} has no default: give it")

    def condition(self, name: str) -> bool:
        value = self(self.template["Conditions"][name])
        assert isinstance(value, bool)
        return value

    def _lookup(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if "." in name:
            return f"<{name}>"
        assert name in self.template["Resources"], f"unknown reference {name}"
        return f"<{name}>"

    def __call__(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return _NO_VALUE if value == "AWS::NoValue" else self._lookup(value)
            if key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                given = {name: str(self(v)) for name, v in variables.items()}
                return _SUB_VARIABLE.sub(
                    lambda m: given.get(m.group(1)) or self._lookup(m.group(1)), text
                )
            if key == "Fn::Select":
                index, items = value
                return self(items)[int(index)]
            if key == "Fn::Split":
                separator, text = value
                return str(self(text)).split(separator)
            if key == "Fn::If":
                name, then, otherwise = value
                return self(then if self.condition(name) else otherwise)
            if key == "Fn::Not":
                (inner,) = value
                return not self(inner)
            if key == "Fn::Equals":
                left, right = value
                return self(left) == self(right)
            if key == "Fn::GetAtt":
                return f"<{value[0]}.{value[1]}>"
            assert not key.startswith("Fn::"), f"the resolver does not know {key}"
        if isinstance(node, dict):
            resolved = {k: self(v) for k, v in node.items()}
            return {k: v for k, v in resolved.items() if v is not _NO_VALUE}
        if isinstance(node, list):
            return [v for v in map(self, node) if v is not _NO_VALUE]
        return node


def environment(template: dict[str, Any], **parameters: str) -> dict[str, str]:
    resolve = Resolver(template, **(SAMPLE | parameters))
    variables = resolve(function(template)["Properties"]["Environment"]["Variables"])
    return {name: str(value) for name, value in variables.items()}


def role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement granted to `role`: its inline policies and AWS::IAM::Policy resources
    attached to it."""
    found = [
        statement
        for policy in template["Resources"][role]["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(statements: list[dict[str, Any]], prefix: str) -> dict[str, list[Any]]:
    """Action -> resources, for the actions starting with `prefix`."""
    actions: dict[str, list[Any]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if action.startswith(prefix):
                actions.setdefault(action, []).extend(as_list(statement["Resource"]))
    return actions
