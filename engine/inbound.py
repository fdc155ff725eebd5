"""What an incoming message is, read from its bytes: a person's reply, an automatic one
(out-of-office, RFC 3834), a delivery report (a DSN, RFC 3464: a bounce), or junk; with what
matching it to a customer needs (its ids, its sender, the addresses it was sent to) and, for a
reply, the new words only (the quoted history and the signature cut).

Pure and defensive: mail from outside is anything. Whatever the bytes, this returns an
`Inbound` (junk, with the reason, when it cannot be read) and never raises; it never opens an
attachment, and reads at most `MAX_MESSAGE_BYTES` of a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from html.parser import HTMLParser

MAX_MESSAGE_BYTES = 1_000_000
"""Past this a message is junk, unread: a reply to an onboarding email is a few kilobytes,
and a 10 MB message is an attachment nobody asked for."""
NEW_TEXT_LIMIT = 500
"""How much of a reply's new words are kept: enough for the owner to see what was asked."""


class InboundKind(StrEnum):
    REPLY = "reply"
    AUTO_REPLY = "auto-reply"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    """The reader marked an email as spam (an ARF feedback report, or SES's complaint)."""
    JUNK = "junk"


@dataclass(frozen=True)
class Bounce:
    """One recipient's line of a delivery report."""

    recipient: str
    status: str
    """The enhanced status code (RFC 3463), e.g. 5.1.1."""
    permanent: bool
    """A hard bounce: the action failed with a 5.x.x status. Otherwise soft (4.x.x, delayed)."""
    diagnostic: str = ""


@dataclass(frozen=True)
class Inbound:
    kind: InboundKind
    message_id: str = ""
    refers_to: tuple[str, ...] = ()
    """In-Reply-To first, then References newest first: the guide's own Message-IDs among
    them name the email replied to."""
    sender: str = ""
    """The From address, lower-cased."""
    sent_to: tuple[str, ...] = ()
    """Every To and Cc address, lower-cased (a plus address names the journey)."""
    subject: str = ""
    new_text: str = ""
    bounces: tuple[Bounce, ...] = field(default=())
    tokens: tuple[str, ...] = ()
    """Reply tokens vouched for by where the message came from (the tags SES keeps with a
    bounce or complaint event), not read from the message."""
    why: str = ""
    """For junk and auto-replies: what gave it away."""


def read_inbound(raw: bytes) -> Inbound:
    if len(raw) > MAX_MESSAGE_BYTES:
        return too_large(len(raw))
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return _read(message)
    except Exception as error:  # broken beyond the parser's own repairs: junk, said why
        return Inbound(InboundKind.JUNK, why=f"unreadable: {type(error).__name__}")


def too_large(size: int) -> Inbound:
    """A message over `MAX_MESSAGE_BYTES`, as junk: for a mailbox that tells the size before
    the message is downloaded (IMAP's RFC822.SIZE), so it never is."""
    return Inbound(InboundKind.JUNK, why=f"too large ({size:,} bytes)")


def _read(message: EmailMessage) -> Inbound:
    ids = _ids(_header(message, "In-Reply-To")) + tuple(
        reversed(_ids(_header(message, "References")))
    )
    heard = Inbound(
        InboundKind.REPLY,
        message_id=next(iter(_ids(_header(message, "Message-ID"))), ""),
        refers_to=tuple(dict.fromkeys(ids)),
        sender=parseaddr(_header(message, "From"))[1].lower(),
        sent_to=tuple(
            address.lower()
            for _, address in getaddresses(
                [_header(message, "To"), _header(message, "Cc"), _header(message, "Delivered-To")]
            )
            if address
        ),
        subject=" ".join(_header(message, "Subject").split()),
    )
    if message.get_content_type() == "multipart/report":
        if message.get_param("report-type", "").lower() == "feedback-report":  # type: ignore[union-attr]
            # RFC 5965: the reader's mail provider reports "this is spam".
            returned = _returned_ids(message)
            whose = _returned_recipient(message)
            return replace(
                heard, kind=InboundKind.COMPLAINT, refers_to=returned, sender=whose, why="abuse"
            )
        bounces = _delivery_report(message)
        if bounces:
            returned = _returned_ids(message)
            return replace(heard, kind=InboundKind.BOUNCE, bounces=bounces, refers_to=returned)
        return replace(heard, kind=InboundKind.JUNK, why="a report that is not a delivery report")
    automatic = auto_reply_sign(message, heard.subject)
    if automatic:
        return replace(heard, kind=InboundKind.AUTO_REPLY, why=automatic)
    if not heard.sender:
        return replace(heard, kind=InboundKind.JUNK, why="no sender")
    return replace(heard, new_text=new_words(_body_text(message)))


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of is as good as absent
        return ""
    return "" if value is None else str(value)


_ID = re.compile(r"<([^<>\s]+)>")


def _ids(text: str) -> tuple[str, ...]:
    return tuple(f"<{found}>" for found in _ID.findall(text))


# --- automatic replies ------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?(reply|response)|out of (the )?office|autoreply|abwesenheit|"
    r"r[ée]ponse automatique|i am (currently )?out|on vacation)",
    re.IGNORECASE,
)


def auto_reply_sign(message: Message, subject: str = "") -> str:
    """What shows a message was sent by a machine, not a person; "" when nothing does."""
    submitted = _header(message, "Auto-Submitted").strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"  # RFC 3834
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(message, name):
            return f"{name} header"
    if _AUTO_SUBJECT.match(subject):
        return f"the subject ({subject[:60]})"
    return ""


# --- delivery reports (RFC 3464) --------------------------------------------------------


def _delivery_report(message: EmailMessage) -> tuple[Bounce, ...]:
    if message.get_param("report-type", "").lower() != "delivery-status":  # type: ignore[union-attr]
        return ()
    bounces: list[Bounce] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _status_groups(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "").split(" ")[0]
            recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
            if not recipient or action not in ("failed", "delayed"):
                continue
            bounces.append(
                Bounce(
                    recipient=recipient.split(";")[-1].strip().lower(),
                    status=status,
                    permanent=action == "failed" and status.startswith("5"),
                    diagnostic=" ".join(fields.get("diagnostic-code", "").split())[:300],
                )
            )
    return tuple(bounces)


def _returned_ids(message: EmailMessage) -> tuple[str, ...]:
    """The Message-ID of the email that bounced, from the head of it the report returns."""
    for part in message.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            payload = part.get_payload()
            text = str(payload[0]) if isinstance(payload, list) else str(payload)
            found = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
            if found:
                return (found.group(1),)
    return ()


def _returned_recipient(message: EmailMessage) -> str:
    """Who the reported email was to: the feedback report's Original-Rcpt-To, else the To of
    the head it returns."""
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            for fields in _status_groups(part):
                if rcpt := fields.get("original-rcpt-to", ""):
                    return parseaddr(rcpt)[1].lower()
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            payload = part.get_payload()
            text = str(payload[0]) if isinstance(payload, list) else str(payload)
            found = re.search(r"^To:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
            if found:
                return parseaddr(found.group(1))[1].lower()
    return ""


def _status_groups(part: Message) -> list[dict[str, str]]:
    """The delivery-status part's field groups (the message's, then one per recipient). The
    email package gives them as sub-messages; their text is read here either way."""
    payload = part.get_payload()
    texts = (
        [str(block) for block in payload]
        if isinstance(payload, list)
        else [part.get_payload(decode=True).decode("utf-8", "replace")]  # type: ignore[union-attr]
    )
    groups: list[dict[str, str]] = []
    for text in texts:
        for block in re.split(r"\r?\n\s*\r?\n", text):
            fields: dict[str, str] = {}
            for line in re.sub(r"\r?\n[ \t]+", " ", block).splitlines():
                name, colon, value = line.partition(":")
                if colon:
                    fields[name.strip().lower()] = value.strip()
            if fields:
                groups.append(fields)
    return groups


# --- a reply's new words ----------------------------------------------------------------


def _body_text(message: EmailMessage) -> str:
    """The plain text a person wrote: the text part, else the HTML part's words. Parts that
    are attachments are never read."""
    body = message.get_body(("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except Exception:  # an unknown charset or a broken transfer encoding
        data = body.get_payload(decode=True)
        content = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
    if body.get_content_type() == "text/html":
        return _html_words(str(content))
    return str(content)


class _Words(HTMLParser):
    _BREAKS = frozenset({"p", "div", "br", "li", "tr", "blockquote", "h1", "h2", "h3"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self._hidden += 1
        if tag == "blockquote":  # the history a client quotes below a reply
            self._quoted += 1
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head") and self._hidden:
            self._hidden -= 1
        if tag == "blockquote" and self._quoted:
            self._quoted -= 1

    def handle_data(self, data: str) -> None:
        if not (self._hidden or self._quoted):
            self.parts.append(data)


def _html_words(html: str) -> str:
    words = _Words()
    words.feed(html)
    words.close()
    return "".join(words.parts)


_QUOTE_STARTS = (
    re.compile(r"^On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^Le .{0,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^Am .{0,200}schrieb .{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above "From: … Sent: …"
    re.compile(r"^From:\s.+$"),  # a forwarded or quoted header block
    re.compile(r"^Sent from my \w+", re.IGNORECASE),
)
_SIGNATURE = re.compile(r"^(-- ?|—)$")


def new_words(text: str) -> str:
    """What the person wrote above the quoted history and their signature, on one line, cut
    to NEW_TEXT_LIMIT characters."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or _SIGNATURE.match(stripped):
            break
        if any(pattern.match(stripped) for pattern in _QUOTE_STARTS):
            break
        kept.append(stripped)
    words = " ".join(" ".join(kept).split())
    if len(words) > NEW_TEXT_LIMIT:
        words = words[: NEW_TEXT_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return words
