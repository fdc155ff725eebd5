"""The deployment's secrets, read from AWS Secrets Manager when a process starts.

On AWS the function's environment holds only `OG_SECRETS_ARN`: the ARN of one secret whose
value is a JSON object with the guide's secrets. Keeping them out of the environment keeps them
out of `lambda:GetFunctionConfiguration` (which read-only roles can call) and out of Lambda's
4 KB environment limit (a service-account key alone is half of it). They are copied into this
process's environment, where the settings classes read them like any other setting; a value
the environment already has wins, so a person can still override one locally.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

SECRETS_ARN = "OG_SECRETS_ARN"
SECRET_KEYS = frozenset(
    {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OG_LINK_SECRET", "OG_GOOGLE_CREDENTIALS"}
)


def load_secrets(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Copy the secret named by OG_SECRETS_ARN into `environ`; returns the keys set. Does
    nothing without OG_SECRETS_ARN. Raises ValueError naming what is wrong, never a value."""
    arn = environ.get(SECRETS_ARN, "").strip()
    if not arn:
        return []
    values = _parse(arn, _fetch(arn))
    set_here = []
    for key, value in sorted(values.items()):
        # An empty value is a secret not filled in yet: unset, not a blank token.
        if value and not environ.get(key, "").strip():
            environ[key] = value
            set_here.append(key)
    return set_here


def _fetch(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 7 or parts[:3] != ["arn", "aws", "secretsmanager"]:
        raise ValueError(f"{SECRETS_ARN} is not a Secrets Manager secret ARN: {arn!r}")
    try:
        client = boto3.client("secretsmanager", region_name=parts[3])
        answer = client.get_secret_value(SecretId=arn)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "unknown")
        raise ValueError(f"cannot read the secret {arn}: {code}") from None
    except BotoCoreError as error:
        raise ValueError(f"cannot read the secret {arn}: {type(error).__name__}") from None
    secret = answer.get("SecretString")
    if not isinstance(secret, str):
        raise ValueError(f"the secret {arn} holds no text (SecretString)")
    return secret


def _parse(arn: str, text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"the secret {arn} is not a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError(f"the secret {arn} is not a JSON object")
    unknown = sorted(set(data) - SECRET_KEYS)
    if unknown:
        raise ValueError(
            f"the secret {arn} has unknown keys {', '.join(map(str, unknown))} "
            f"(expected {', '.join(sorted(SECRET_KEYS))})"
        )
    values: dict[str, str] = {}
    for key, value in data.items():
        if key == "OG_GOOGLE_CREDENTIALS" and isinstance(value, dict):
            value = json.dumps(value)  # the key file's JSON, pasted in as an object
        if not isinstance(value, str):
            raise ValueError(f"the secret {arn}: {key} must be text")
        values[key] = value.strip()
    return values
