"""Pick a mailer from one setting:

    outbox:DIR                          write .eml files into DIR
    smtp://HOST:PORT                    plain SMTP (a local relay)
    smtp://HOST:PORT?starttls=1         SMTP upgraded with STARTTLS (port 587 usually)
    ses://REGION                        Amazon SES (API v2) in that region, e.g. ses://eu-west-1
        ?from=ADDRESS                   the sender, instead of the mail_from setting
        &configuration_set=NAME         an SES configuration set (event publishing etc.)
        &endpoint_url=URL               an SES look-alike (moto, LocalStack) instead of AWS
        &max_send_rate=N                the account's sending quota (emails a second): sends
                                        are spaced to keep to it instead of being throttled

SMTP credentials are separate settings, never part of the spec, so the spec can be logged; SES
takes AWS credentials from the usual chain (environment, profile, the Lambda's role).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from engine.adapters.email_message import parse_sender
from engine.adapters.outbox import OutboxMailer
from engine.adapters.smtp import SmtpMailer
from engine.ports import Mailer

if TYPE_CHECKING:
    from engine.adapters.ses_mailer import SesMailer

_EXAMPLES = (
    "outbox:./outbox, smtp://mail.example.com:587?starttls=1 "
    "or ses://eu-west-1?from=guide@example.com"
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def open_mailer(
    spec: str,
    *,
    sender: str,
    smtp_username: str | None = None,
    smtp_password: str | None = None,
) -> Mailer:
    """Raises ValueError, saying what is wrong, for a spec it cannot use."""
    spec = spec.strip()
    scheme, _, rest = spec.partition(":")
    scheme = scheme.lower()
    if scheme == "outbox":
        if not rest:
            raise ValueError(f"mailer {spec!r} needs a folder, e.g. outbox:./outbox")
        return OutboxMailer(Path(rest).expanduser(), sender)
    if scheme == "smtp":
        return _open_smtp(spec, sender, smtp_username, smtp_password)
    if scheme == "ses":
        return _open_ses(spec, sender)
    raise ValueError(f"unknown mailer {spec!r}; expected {_EXAMPLES}")


def _open_smtp(spec: str, sender: str, username: str | None, password: str | None) -> SmtpMailer:
    if not spec.lower().startswith("smtp://"):
        raise ValueError(f"mailer {spec!r} should look like smtp://HOST:PORT")
    parts = urlsplit(spec)
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"mailer {_without_userinfo(spec)!r} has credentials in it; "
            "put them in the SMTP username and password settings instead"
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"mailer {spec!r} should be smtp://HOST:PORT with nothing after it")
    if not parts.hostname:
        raise ValueError(f"mailer {spec!r} has no host; expected smtp://HOST:PORT")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"mailer {spec!r} has an invalid port: {error}") from error
    if port is None or port == 0:
        raise ValueError(
            f"mailer {spec!r} needs a port, e.g. smtp://{parts.hostname}:587?starttls=1 "
            "(587 with STARTTLS for most providers, 25 for a local relay)"
        )
    starttls = False
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls":
            raise ValueError(f"mailer {spec!r}: unknown option {key!r} (only starttls is known)")
        if value.lower() in _TRUE:
            starttls = True
        elif value.lower() in _FALSE:
            starttls = False
        else:
            raise ValueError(f"mailer {spec!r}: starttls must be 1 or 0, got {value!r}")
    return SmtpMailer(
        parts.hostname,
        port,
        sender,
        starttls=starttls,
        username=username,
        password=password,
    )


# us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, cn-north-1 ...
_AWS_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
# SES: configuration set names are letters, digits, `_` and `-`, at most 64.
_CONFIGURATION_SET = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SES_OPTIONS = ("from", "configuration_set", "endpoint_url", "max_send_rate")


def _open_ses(spec: str, sender: str) -> SesMailer:
    # Imported here: only an SES spec needs boto3, and importing it slows every `og` command.
    from engine.adapters.ses_mailer import SesMailer

    if not spec.lower().startswith("ses://"):
        raise ValueError(f"mailer {spec!r} should look like ses://REGION?from=ADDRESS")
    parts = urlsplit(spec)
    if "@" in parts.netloc:
        raise ValueError(
            f"mailer {_without_userinfo(spec)!r} has credentials in it; SES takes AWS "
            "credentials from the environment, a profile or the Lambda's role"
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"mailer {spec!r} should be ses://REGION?OPTIONS with nothing else")
    region = parts.netloc.lower()
    if not _AWS_REGION.fullmatch(region):
        raise ValueError(
            f"mailer {spec!r} needs an AWS region, e.g. ses://eu-west-1?from=guide@example.com"
        )
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _SES_OPTIONS:
            raise ValueError(
                f"mailer {spec!r}: unknown option {key!r} (known: {', '.join(_SES_OPTIONS)})"
            )
        if key in options:
            raise ValueError(f"mailer {spec!r}: option {key!r} is given twice")
        if not value.strip():
            raise ValueError(f"mailer {spec!r}: option {key!r} is empty")
        options[key] = value.strip()
    configuration_set = options.get("configuration_set")
    if configuration_set is not None and not _CONFIGURATION_SET.fullmatch(configuration_set):
        raise ValueError(
            f"mailer {spec!r}: configuration_set {configuration_set!r} is not an SES "
            "configuration set name (letters, digits, _ and -, at most 64)"
        )
    endpoint_url = options.get("endpoint_url")
    if endpoint_url is not None:
        endpoint = urlsplit(endpoint_url)
        if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
            raise ValueError(
                f"mailer {spec!r}: endpoint_url {endpoint_url!r} should be http(s)://HOST[:PORT]"
            )
    sender = options.get("from", sender)
    try:
        domain = parse_sender(sender).domain
    except ValueError as error:
        raise ValueError(f"mailer {spec!r}: {error}") from error
    if "." not in domain:
        # SES sends only from a verified address or domain, and it cannot verify `localhost`.
        raise ValueError(
            f"mailer {spec!r}: SES cannot send from {sender!r}; set from= in the spec or "
            "the mail_from setting to an address SES has verified"
        )
    rate = options.get("max_send_rate")
    try:
        max_send_rate = float(rate) if rate is not None else None
    except ValueError:
        max_send_rate = -1.0
    if max_send_rate is not None and not 0 < max_send_rate <= 100_000:
        raise ValueError(
            f"mailer {spec!r}: max_send_rate {rate!r} should be the account's sending quota, "
            "emails a second (SES console: Account dashboard)"
        )
    return SesMailer(
        region,
        sender,
        configuration_set=configuration_set,
        endpoint_url=endpoint_url,
        max_send_rate=max_send_rate,
    )


def _without_userinfo(spec: str) -> str:
    scheme, _, rest = spec.partition("://")
    return f"{scheme}://…@{rest.rpartition('@')[2]}"
