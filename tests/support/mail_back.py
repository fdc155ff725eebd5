"""Mail that comes back to the guide, as mail clients and servers write it: a customer's reply
to one of the guide's emails (quoted history and signature below the new words), an
out-of-office, a DSN hard bounce, junk and a stranger's message. Bytes with CRLF line ends,
ready for IMAP APPEND."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from workspace import nine_am


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _answering(sent: EmailMessage, sender: str, subject: str) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(sent["Reply-To"])
    reply["Subject"] = subject
    reply["Date"] = format_datetime(nine_am("2026-11-02"))
    reply["Message-ID"] = make_msgid(domain="customer.example")
    reply["In-Reply-To"] = str(sent["Message-ID"])
    reply["References"] = str(sent["Message-ID"])
    return reply


def a_reply(sent: EmailMessage, new_words: str) -> bytes:
    """What Gmail sends back: the new words, a signature, then the email quoted."""
    reply = _answering(sent, str(sent["To"]), f"Re: {sent['Subject']}")
    quoted = "\n".join(f"> {line}" for line in _text(sent).splitlines())
    reply.set_content(
        f"{new_words}\n\n-- \nAda Lovelace\nCTO, Acme\n\n"
        f"On Mon, 2 Nov 2026 at 09:00, Guide <guide@example.test> wrote:\n{quoted}\n"
    )
    return crlf(reply.as_bytes())


def an_html_reply(sent: EmailMessage, new_words: str) -> bytes:
    """What Outlook sends back: HTML only, the email quoted under a rule."""
    reply = _answering(sent, str(sent["To"]), f"RE: {sent['Subject']}")
    reply.set_content(
        f"<html><body><p>{new_words}</p><p>Thanks,<br>Ada</p><div><hr>"
        f"<p>From: Guide</p></div><blockquote><p>{sent['Subject']}</p></blockquote>"
        "</body></html>",
        subtype="html",
    )
    return crlf(reply.as_bytes())


def a_latin1_reply(sent: EmailMessage, new_words: str) -> bytes:
    """A reply in ISO-8859-1, sent as 8-bit bytes (as older clients do)."""
    head = (
        f"From: {sent['To']}\r\nTo: {sent['Reply-To']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"Message-ID: {make_msgid(domain='customer.example')}\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("ascii") + f"{new_words}\r\n\r\n> {sent['Subject']}\r\n".encode("latin-1")


def an_out_of_office(sent: EmailMessage) -> bytes:
    reply = _answering(sent, str(sent["To"]), f"Out of office: {sent['Subject']}")
    reply["Auto-Submitted"] = "auto-replied"
    reply.set_content("I am away until 16 November with no access to email.")
    return crlf(reply.as_bytes())


def a_hard_bounce(sent: EmailMessage) -> bytes:
    """A DSN as Postfix writes one (RFC 3464), returning the headers of the email."""
    recipient = sent["To"].addresses[0].addr_spec
    returned = "".join(
        f"{name}: {sent[name]}\r\n" for name in ("From", "To", "Subject", "Message-ID")
    )
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n"
        "To: guide@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\r\n'
        "\r\n--DSN\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system. I'm sorry to have to inform you that your message could\r\n"
        "not be delivered to one or more recipients.\r\n"
        "\r\n--DSN\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:\r\n"
        " User unknown\r\n"
        f"\r\n--DSN\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned}"
        "\r\n--DSN--\r\n"
    ).encode()


def a_strangers_message() -> bytes:
    message = EmailMessage()
    message["From"] = "Someone Else <someone@elsewhere.example>"
    message["To"] = "guide@example.test"
    message["Subject"] = "Partnership opportunity"
    message["Message-ID"] = "<stranger-1@elsewhere.example>"
    message.set_content("Hello, we would like to offer you a partnership.")
    return crlf(message.as_bytes())


JUNK = b"\x00\xff\xfe garbage \x80\x81 with no head at all\r\n\r\n\xc3\x28\xa0\xa1"
"""Bytes that are no message: no header, invalid UTF-8, a NUL."""

BROKEN_MIME = (
    b"From: broken@elsewhere.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
    b"--never-closed\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!! not base64 !!!\r\n"
)


def a_large_message(size: int) -> bytes:
    """`size` bytes or a little more: a head, then lines of filler (an attachment, say)."""
    head = b"From: big@elsewhere.example\r\nSubject: big\r\n\r\n"
    line = b"x" * 998 + b"\r\n"
    return head + line * (size // len(line) + 1)


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())
