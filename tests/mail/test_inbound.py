"""Reading incoming mail (engine.inbound): a person's reply and its new words, an automatic
reply, a delivery report's bounces, and junk; whatever the bytes, an answer and never a crash."""

from __future__ import annotations

from email.message import EmailMessage
from email.mime.text import MIMEText

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.inbound import MAX_MESSAGE_BYTES, NEW_TEXT_LIMIT, InboundKind, new_words, read_inbound

SENT_ID = "<179664484523.14452.8261613522444763804@og.example>"


def a_reply(body: str, *, html: str | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <Ada@Customer.example>"
    message["To"] = "Onboarding Guide <guide+k3j2@og.example>"
    message["Subject"] = "Re: Let's get Acme set up"
    message["Message-ID"] = "<reply-1@customer.example>"
    message["In-Reply-To"] = SENT_ID
    message["References"] = f"<older@og.example> {SENT_ID}"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


GMAIL_STYLE = """Thanks! Where do I find the time zone setting? I looked under Settings
but only see the logo.

Ada

On Mon, 7 Dec 2026 at 09:00, Dana Reyes <guide@og.example> wrote:
> Hi Ada,
>
> Today's step takes about ten minutes: add your logo, pick your time zone...
"""


def test_a_reply_keeps_its_ids_its_sender_and_only_the_new_words() -> None:
    inbound = read_inbound(a_reply(GMAIL_STYLE))
    assert inbound.kind == InboundKind.REPLY
    assert inbound.refers_to == (SENT_ID, "<older@og.example>")
    assert inbound.message_id == "<reply-1@customer.example>"
    assert inbound.sender == "ada@customer.example"
    assert inbound.sent_to == ("guide+k3j2@og.example",)
    assert inbound.subject == "Re: Let's get Acme set up"
    assert inbound.new_text == (
        "Thanks! Where do I find the time zone setting? I looked under Settings but only see "
        "the logo. Ada"
    )


def test_outlook_html_only_reply_loses_its_quoted_history() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Can we push this to next "
        "week?</p><p>Thanks,<br>Ada</p><div><hr><p>From: Dana Reyes</p></div>"
        "<blockquote><p>Hi Ada, today's step...</p></blockquote></body></html>"
    )
    message = MIMEText(html, "html", "utf-8")
    message["From"] = "ada@customer.example"
    message["Subject"] = "RE: Let's get Acme set up"
    inbound = read_inbound(message.as_bytes())
    assert inbound.kind == InboundKind.REPLY
    assert inbound.new_text == "Can we push this to next week? Thanks, Ada"


def test_signatures_and_outlook_headers_end_the_new_words() -> None:
    assert new_words("Yes, done.\n-- \nAda Lovelace\nCTO") == "Yes, done."
    assert new_words("Done!\n\n-----Original Message-----\nFrom: x") == "Done!"
    assert new_words("Done!\nSent from my iPhone") == "Done!"
    long = new_words("word " * 400)
    assert len(long) <= NEW_TEXT_LIMIT and long.endswith("…")


def test_automatic_replies_are_told_apart_from_people() -> None:
    signs = [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"X_Autoreply": "yes"}, "X-Autoreply header"),
    ]
    for headers, why in signs:
        inbound = read_inbound(a_reply("I'm away until Monday.", **headers))
        assert (inbound.kind, inbound.why) == (InboundKind.AUTO_REPLY, why)
    away = read_inbound(a_reply("Back Monday.").replace(b"Re: Let's", b"Out of Office: Let's"))
    assert away.kind == InboundKind.AUTO_REPLY
    person = read_inbound(a_reply("Thanks", Auto_Submitted="no"))
    assert person.kind == InboundKind.REPLY


def delivery_report(status: str, action: str = "failed") -> bytes:
    """A DSN as Postfix writes one (RFC 3464): a note, the status fields, the message's head."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.og.example>\r\n"
        "To: guide@og.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system. I'm sorry to have to inform you...\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.og.example\r\n\r\n"
        "Final-Recipient: rfc822; ADA@customer.example\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <ada@customer.example>: Recipient address\r\n"
        " rejected: User unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {SENT_ID}\r\nSubject: Let's get Acme set up\r\n"
        "\r\n--B--\r\n"
    ).encode()


def test_a_delivery_report_is_a_bounce_hard_or_soft() -> None:
    hard = read_inbound(delivery_report("5.1.1"))
    assert hard.kind == InboundKind.BOUNCE
    (bounce,) = hard.bounces
    assert (bounce.recipient, bounce.status, bounce.permanent) == (
        "ada@customer.example",
        "5.1.1",
        True,
    )
    assert "User unknown" in bounce.diagnostic
    assert hard.refers_to == (SENT_ID,)  # the guide's email that bounced
    (soft,) = read_inbound(delivery_report("4.2.2", action="delayed")).bounces
    assert not soft.permanent
    delivered = read_inbound(delivery_report("2.0.0", action="delivered"))
    assert delivered.kind == InboundKind.JUNK  # a report, but of no bounce


def test_junk_is_said_why() -> None:
    assert read_inbound(b"x" * (MAX_MESSAGE_BYTES + 1)).why.startswith("too large")
    assert read_inbound(b"Subject: hi\n\nno sender").why == "no sender"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_are_read_without_a_crash(raw: bytes) -> None:
    inbound = read_inbound(raw)
    assert inbound.kind in InboundKind
    assert len(inbound.new_text) <= NEW_TEXT_LIMIT


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=400),
    st.sampled_from(["utf-8", "latin-1", "shift_jis", "x-unknown-charset", "utf-16"]),
)
def test_any_text_in_any_charset_reads_as_a_reply(text: str, charset: str) -> None:
    raw = (
        b"From: ada@customer.example\r\nSubject: Re: hi\r\nMIME-Version: 1.0\r\n"
        + f"Content-Type: text/plain; charset={charset}\r\n\r\n".encode()
        + text.encode("utf-8", "replace")
    )
    inbound = read_inbound(raw)
    assert inbound.kind in (InboundKind.REPLY, InboundKind.AUTO_REPLY)
