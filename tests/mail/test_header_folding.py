"""Messages are built with compat32 and a shortcut for short plain headers
(engine.adapters.email_message): the bytes on the wire must be exactly what compat32 alone
writes, whatever a header holds (text from the sheet: any length, spacing or script)."""

from __future__ import annotations

from email import policy
from email.header import Header
from email.message import Message

from hypothesis import given
from hypothesis import strategies as st

from engine.adapters.email_message import _WIRE_POLICY

COMPAT32 = policy.compat32.clone(mangle_from_=False, linesep="\r\n")

TEXT = st.text(
    st.sampled_from([*"abcXYZ019 -_=?:;,.<>@\"'()[]\\\t", "é", "日", "\u00a0"]), max_size=120
)


def with_header(name: str, value: str | Header) -> Message[str, str | Header]:
    message: Message[str, str | Header] = Message()
    message[name] = value
    message.set_payload("body\n")
    return message


@given(st.sampled_from(["Subject", "X-OG-Customer-Id", "X-OG-Step"]), TEXT)
def test_a_header_is_written_as_compat32_writes_it(name: str, text: str) -> None:
    # The builder sets an ASCII text as a plain str, which compat32 used to be given as a
    # us-ascii Header: both must come out as compat32 wrote the Header.
    before = Header(text, "us-ascii" if text.isascii() else "utf-8", header_name=name)
    expected = with_header(name, before).as_bytes(policy=COMPAT32)
    assert with_header(name, before).as_bytes(policy=_WIRE_POLICY) == expected
    if text.isascii():
        assert with_header(name, text).as_bytes(policy=_WIRE_POLICY) == expected


def test_short_plain_headers_take_the_shortcut_and_long_ones_still_fold() -> None:
    short = with_header("Subject", "Welcome to Acme").as_bytes(policy=_WIRE_POLICY)
    assert short.startswith(b"Subject: Welcome to Acme\r\n")
    long_text = " ".join(["word"] * 30)
    folded = with_header("Subject", long_text).as_bytes(policy=_WIRE_POLICY)
    assert folded == with_header("Subject", long_text).as_bytes(policy=COMPAT32)
    assert b"\r\n word" in folded
