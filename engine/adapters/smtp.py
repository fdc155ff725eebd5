"""A mailer that hands each message to an SMTP server (a relay, Mailgun, Postmark, SES...).

It opens one connection per message. A tick sends a handful of emails a day, so reusing a
connection would save nothing worth the trouble it brings: servers drop idle connections,
and a half-dead one would have to be detected and reopened mid-tick. A fresh connection per
send also means one failure can never leave the next send in an odd protocol state.
"""

from __future__ import annotations

import smtplib
import ssl

from engine.adapters.email_message import (
    build_message,
    parse_sender,
)
from engine.outcomes import OutgoingEmail
from engine.ports import SendError


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` replaces the system's trusted certificates for STARTTLS (a private
        relay's own CA, or a test server's self-signed certificate)."""
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.username = username
        self._password = password
        self.timeout = timeout
        self._ssl_context = ssl_context
        sender_address = parse_sender(sender)
        self._envelope_sender = sender_address.addr_spec
        self._message_id_domain = sender_address.domain

    def __repr__(self) -> str:
        return (
            f"SmtpMailer({self.host!r}, {self.port}, {self.sender!r}, "
            f"starttls={self.starttls}, username={self.username!r})"
        )

    def send(self, email: OutgoingEmail) -> str:
        message = build_message(email, self.sender, self._message_id_domain)
        # The envelope names the one checked recipient rather than letting smtplib collect
        # addresses from the headers. And the message is serialised here because
        # smtplib.send_message would rewrite body lines starting "From " to ">From ".
        recipient = message.recipient
        where = f"{self.host}:{self.port}"
        client: smtplib.SMTP | None = None
        try:
            # Connecting in the constructor also records the host STARTTLS checks the
            # certificate against.
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                client.starttls(context=self._ssl_context or ssl.create_default_context())
            if self.username is not None:
                client.login(self.username, self._password or "")
            client.sendmail(self._envelope_sender, [recipient], message.as_bytes())
        except smtplib.SMTPRecipientsRefused as error:
            reasons = "; ".join(
                f"{address}: {code} {_text(reply)}"
                for address, (code, reply) in error.recipients.items()
            )
            raise SendError(f"{where} refused the recipient ({reasons})") from error
        except smtplib.SMTPAuthenticationError as error:
            raise SendError(
                f"{where} refused the login for {self.username!r}: "
                f"{error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except smtplib.SMTPResponseException as error:
            raise SendError(
                f"{where} answered {error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            # OSError covers refused and timed-out connections, DNS and TLS failures.
            raise SendError(f"cannot send through {where}: {error}") from error
        finally:
            if client is not None:
                _close_quietly(client)
        return message.message_id

    def flush(self) -> None:
        """Nothing to do: a message is the server's once it answered the DATA command."""


def _close_quietly(client: smtplib.SMTP) -> None:
    # Once the server accepted the message, a failed goodbye must not turn the send into a
    # failure: the claim would be released and the customer emailed twice.
    try:
        if client.sock is not None:
            client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
