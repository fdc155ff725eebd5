"""Pick a mailer from one setting:

    outbox:DIR                          write .eml files into DIR
    smtp://HOST:PORT                    plain SMTP (a local relay)
    smtp://HOST:PORT?starttls=1         SMTP upgraded with STARTTLS (port 587 usually)

SMTP credentials are separate settings, never part of the spec, so the spec can be logged.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from engine.adapters.outbox import OutboxMailer
from engine.adapters.smtp import SmtpMailer
from engine.ports import Mailer

_EXAMPLES = "outbox:./outbox or smtp://mail.example.com:587?starttls=1"
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


def _without_userinfo(spec: str) -> str:
    scheme, _, rest = spec.partition("://")
    return f"{scheme}://…@{rest.rpartition('@')[2]}"
