"""Turn an OutgoingEmail into an RFC 5322 message every mailer adapter sends as is.

Names, subjects and ids come from a spreadsheet anyone on the team can edit, so nothing from
it reaches a header unchecked: line breaks and other control characters are collapsed to a
space (a name can't start a new header), and a recipient address must be one plain
`local@domain` or the send is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from engine.models import OutgoingEmail
from engine.ports import SendError

# SMTP line endings, and a 7-bit body (quoted-printable or base64 when the text needs it):
# the message then needs neither 8BITMIME nor SMTPUTF8 from whatever server relays it.
OUTGOING_POLICY = policy.SMTP.clone(cte_type="7bit")

# C0 and C1 controls plus the Unicode line and paragraph separators, which some mail
# clients also treat as line breaks.
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Characters that end or split an address in a header (`a,b@x` is two recipients).
_ADDRESS_SPECIALS = frozenset('<>()[]\\,;:"')
_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
_NAMED_ADDRESS = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>")


class InvalidAddress(ValueError):
    pass


def one_line(text: str) -> str:
    """`text` with every run of control characters (CR and LF included) turned into one
    space, and surrounding whitespace trimmed: safe to put in a header or a log line."""
    return " ".join(_CONTROL_RUN.sub(" ", text).split())


def checked_address(address: str) -> Address:
    """A single `local@domain` address, its domain in IDNA (punycode) form.

    Raises InvalidAddress rather than guessing: a doubtful address is better refused than
    sent somewhere unintended."""
    if not address:
        raise InvalidAddress("the address is empty")
    if any(ch.isspace() or _CONTROL_RUN.match(ch) for ch in address):
        raise InvalidAddress(f"{address!r} contains whitespace or control characters")
    if address.count("@") != 1:
        raise InvalidAddress(f"{address!r} must contain exactly one @")
    if bad := sorted(_ADDRESS_SPECIALS.intersection(address)):
        raise InvalidAddress(f"{address!r} contains {''.join(bad)!r}")
    local, domain = address.split("@")
    if not local or not domain:
        raise InvalidAddress(f"{address!r} is missing the part before or after the @")
    if not local.isascii():
        # Would need SMTPUTF8 end to end, which most relays still lack.
        raise InvalidAddress(f"{address!r} has a non-ASCII local part, which is not supported")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidAddress(f"{address!r} has an invalid domain: {error}") from error
    return Address(username=local, domain=ascii_domain)


@lru_cache(maxsize=16)
def parse_sender(sender: str) -> Address:
    """The From address from configuration: `guide@example.com` or
    `Onboarding Guide <guide@example.com>`. Raises ValueError (a setup mistake)."""
    # Parsed by hand: email.utils.parseaddr silently drops whatever follows a comma.
    if named := _NAMED_ADDRESS.fullmatch(sender.strip()):
        name, address = named["name"].strip().strip('"'), named["address"]
    else:
        name, address = "", sender.strip()
    try:
        plain = checked_address(address)
    except InvalidAddress as error:
        raise ValueError(f"sender {sender!r}: {error}") from error
    return Address(display_name=one_line(name), username=plain.username, domain=plain.domain)


def build_message(email: OutgoingEmail, sender: str, message_id_domain: str) -> EmailMessage:
    """Raises SendError when the recipient address is unusable, ValueError when the sender or
    message id domain (configuration) is."""
    from_address = parse_sender(sender)
    try:
        to_address = checked_address(email.to_email)
    except InvalidAddress as error:
        raise SendError(f"cannot send to {one_line(email.to_email)!r}: {error}") from error
    if not _PLAIN_DOMAIN.fullmatch(message_id_domain):
        raise ValueError(f"message id domain {message_id_domain!r} is not a plain domain")

    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = from_address
    message["To"] = Address(
        display_name=one_line(email.to_name),
        username=to_address.username,
        domain=to_address.domain,
    )
    message["Subject"] = one_line(email.subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message["X-OG-Customer-Id"] = one_line(email.customer_id)
    message["X-OG-Journey"] = str(email.journey)
    message["X-OG-Step"] = one_line(email.step)
    message["X-OG-Kind"] = email.kind.value
    message.set_content(email.body, subtype="plain", charset="utf-8")
    return message


def recipient_address(message: EmailMessage) -> str:
    """The one envelope recipient: the To address build_message checked."""
    return str(message["To"].addresses[0].addr_spec)
