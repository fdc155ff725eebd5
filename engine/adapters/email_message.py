"""Turn an OutgoingEmail into an RFC 5322 message every mailer adapter sends as is.

Names, subjects and ids come from a spreadsheet anyone on the team can edit, so nothing from
it reaches a header unchecked: line breaks and other control characters are collapsed to a
space (a name can't start a new header), and a recipient address must be one plain
`local@domain` or the send is refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.utils import format_datetime, formataddr, make_msgid
from functools import lru_cache

from engine.inbound_match import message_id_with
from engine.outcomes import OutgoingEmail
from engine.ports import SendError

# A short header of plain ASCII words folds to itself. compat32 still builds a Header and
# splits it to find that out, about half of building a message; this says so at once.
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*")


class _WirePolicy(policy.Compat32):
    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        limit = self.max_line_length or 78
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= limit
            and _PLAIN_HEADER.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


# compat32 would rewrite body lines starting "From " to ">From "; mail servers don't need it.
_WIRE_POLICY = _WirePolicy(mangle_from_=False, linesep="\r\n")

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


@dataclass(frozen=True)
class BuiltMessage:
    message: Message[str, str | Header]
    recipient: str
    """The one envelope recipient: the To address `build_message` checked."""
    message_id: str

    def as_bytes(self, linesep: str = "\r\n") -> bytes:
        """SMTP wants CRLF; a file on disk reads better with the platform's line ends."""
        return self.message.as_bytes(policy=_WIRE_POLICY.clone(linesep=linesep))


def build_message(email: OutgoingEmail, sender: str, message_id_domain: str) -> BuiltMessage:
    """Raises SendError when the recipient address is unusable, ValueError when the sender or
    message id domain (configuration) is.

    Built with the email package's compat32 API: the modern one re-parses every header it is
    given and cost ~1 ms a message, most of a big tick's time. Every value is already checked
    or made one line here, which is what the modern API's parsing would have guarded."""
    from_address = parse_sender(sender)
    try:
        to_address = checked_address(email.to_email)
    except InvalidAddress as error:
        raise SendError(f"cannot send to {one_line(email.to_email)!r}: {error}") from error
    if not _PLAIN_DOMAIN.fullmatch(message_id_domain):
        raise ValueError(f"message id domain {message_id_domain!r} is not a plain domain")

    if email.reply_token:
        message_id = message_id_with(email.reply_token, message_id_domain)
    else:
        message_id = make_msgid(domain=message_id_domain)
    message: Message[str, str | Header] = Message()
    message["From"] = _named_address(from_address.display_name, from_address.addr_spec)
    message["To"] = _named_address(one_line(email.to_name), to_address.addr_spec)
    message["Subject"] = _text_header(one_line(email.subject), "Subject")
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    if email.reply_to:
        try:
            message["Reply-To"] = checked_address(email.reply_to).addr_spec
        except InvalidAddress as error:
            raise ValueError(f"reply address {email.reply_to!r}: {error}") from error
    message["X-OG-Customer-Id"] = _text_header(one_line(email.customer_id), "X-OG-Customer-Id")
    message["X-OG-Journey"] = str(email.journey)
    message["X-OG-Step"] = _text_header(one_line(email.step), "X-OG-Step")
    message["X-OG-Kind"] = email.kind.value
    if email.unsubscribe_url:
        # One-click unsubscribe (RFC 8058): a mail client POSTs to the link, no page between.
        message["List-Unsubscribe"] = f"<{_checked_url(email.unsubscribe_url)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    if email.html:
        # Text first, HTML last: a client shows the last part it can (RFC 2046 5.1.4).
        # A boundary of our own: left to the generator, it compiles a new regex per message
        # to check its random one against the text. 96 random bits never occur in a part.
        message["Content-Type"] = f'multipart/alternative; boundary="=og-{secrets.token_hex(12)}"'
        message.attach(_part(email.body, _body_charset(email.body), "plain"))
        message.attach(_part(email.html, _HTML_CHARSET, "html"))
    else:
        message.set_payload(email.body, _body_charset(email.body))
    return BuiltMessage(message=message, recipient=to_address.addr_spec, message_id=message_id)


def _named_address(name: str, addr_spec: str) -> str:
    # formataddr quotes a name with specials and RFC 2047-encodes a non-ASCII one.
    return formataddr((name, addr_spec), charset="utf-8")


def _text_header(text: str, name: str) -> str | Header:
    if text.isascii():
        return text  # compat32 makes it the same us-ascii Header when it must fold it
    return Header(text, "utf-8", header_name=name)


def _checked_url(url: str) -> str:
    """An https (or, for a local guide, http) URL with nothing that could end the header's
    `<...>` or start another header."""
    if not re.fullmatch(r"https?://[!-~]+", url) or any(c in url for c in "<>,\"'"):
        raise ValueError(f"the unsubscribe link {url!r} is not a plain URL")
    return url


# The HTML part in base64: its lines are long and often not ASCII, and the email package's
# quoted-printable, pure Python line by line, made a message ten times slower to build.
_HTML_CHARSET = Charset("utf-8")
_HTML_CHARSET.body_encoding = BASE64


def _part(text: str, charset: Charset, subtype: str) -> Message[str, str | Header]:
    part: Message[str, str | Header] = Message()
    part.set_payload(text, charset)  # says text/plain, with the charset and the encoding
    if subtype != "plain":
        part.replace_header("Content-Type", f'text/{subtype}; charset="{charset.output_charset}"')
    del part["MIME-Version"]  # the message's own says it
    return part


def _body_charset(body: str) -> Charset:
    """7bit for short-lined ASCII text, so it reads as written; quoted-printable otherwise,
    so the message needs neither 8BITMIME nor SMTPUTF8 from a relay."""
    if body.isascii() and "\0" not in body and all(len(line) <= 78 for line in body.splitlines()):
        return Charset("us-ascii")
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return charset
