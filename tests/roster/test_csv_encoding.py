"""The onboarding list's bytes as text and back (engine.roster.csv_encoding)."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.roster.csv_encoding import (
    UTF8_WITH_MARK,
    CannotKeepBytesError,
    FileEncoding,
    decode,
    encode,
    has_undecodable,
    text_only,
    visible,
)

TEXT = "customer_id,name\nC1,José Müller\n"


def test_utf8_is_read_as_utf8_without_a_warning() -> None:
    decoded = decode(TEXT.encode(), "roster.csv")
    assert (decoded.text, decoded.encoding, decoded.escaped, decoded.warning) == (
        TEXT,
        FileEncoding("utf-8"),
        False,
        None,
    )


def test_a_windows_1252_file_is_read_as_such_with_one_warning_naming_it() -> None:
    decoded = decode(TEXT.encode("cp1252"), "roster.csv")
    assert decoded.text == TEXT
    assert decoded.encoding == FileEncoding("cp1252")
    assert decoded.warning == (
        "roster.csv is not UTF-8: read as Windows-1252 (cp1252); "
        "save it as CSV UTF-8 to be sure of every character"
    )


@pytest.mark.parametrize(
    ("codec", "mark"),
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        # FF FE 00 00 also starts with the UTF-16 LE mark FF FE.
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_a_byte_order_mark_names_the_encoding(codec: str, mark: bytes) -> None:
    decoded = decode(mark + TEXT.encode(codec), "roster.csv")
    assert (decoded.text, decoded.encoding, decoded.warning) == (
        TEXT,
        FileEncoding(codec, mark),
        None,
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_mark_is_recognised_and_said(codec: str) -> None:
    decoded = decode(TEXT.encode(codec), "roster.csv")
    assert decoded.text == TEXT
    assert decoded.encoding == FileEncoding(codec)
    assert decoded.warning is not None
    assert "roster.csv looks like UTF-16 without a byte-order mark" in decoded.warning


def test_a_utf8_file_with_one_damaged_byte_stays_utf8() -> None:
    # Many good UTF-8 characters and one stray Windows-1252 byte: reading all of it as
    # Windows-1252 would turn every é into Ã©.
    data = "customer_id,name\nC1,José\nC2,Zoë\n".encode() + b"C3,Ren\xe9\n"
    decoded = decode(data, "roster.csv")
    assert decoded.encoding == FileEncoding("utf-8")
    assert decoded.warning is None and decoded.escaped
    assert "José" in decoded.text and "Zoë" in decoded.text
    assert visible(decoded.text).endswith("C3,Ren\\xe9\n")


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"a,B\x81ob\n", "a,B\\x81ob\n"),  # undefined in Windows-1252
        (codecs.BOM_UTF16_LE + "a,b".encode("utf-16-le") + b"\x00\xd8", "a,b\\x00\\xd8"),
        (codecs.BOM_UTF16_BE + "a".encode("utf-16-be") + b"\xdc\x00" + b"\x00b", "a\\xdc\\x00b"),
        (codecs.BOM_UTF8 + b"a,\xff\n", "a,\\xff\n"),
        (codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"c", "ab\\x63"),  # cut mid-unit
    ],
)
def test_undecodable_bytes_are_kept_and_shown_escaped(data: bytes, shown: str) -> None:
    decoded = decode(data, "roster.csv")
    assert decoded.escaped and has_undecodable(decoded.text)
    assert visible(decoded.text) == shown
    assert encode(decoded.text, decoded.encoding) == (data, decoded.encoding)


def junk_inside(text: str, codec: str, junk: bytes, at: int) -> bytes:
    encoded = text.encode(codec)
    return encoded[:at] + junk + encoded[at:]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_written_back_as_they_were(data: bytes) -> None:
    decoded = decode(data, "roster.csv")
    assert encode(decoded.text, decoded.encoding) == (data, decoded.encoding)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60),
    st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp1252"]),
    st.booleans(),
    st.binary(max_size=5),
    st.integers(0, 300),
)
def test_text_with_junk_in_any_encoding_is_written_back_as_it_was(
    text: str, codec: str, marked: bool, junk: bytes, at: int
) -> None:
    encodable = text.encode(codec, "replace").decode(codec, "replace").replace("\ufffd", "")
    marks = {
        "utf-8": codecs.BOM_UTF8,
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }
    mark = marks.get(codec, b"") if marked else b""
    data = mark + junk_inside(encodable, codec, junk, at)
    decoded = decode(data, "roster.csv")
    assert encode(decoded.text, decoded.encoding) == (data, decoded.encoding)


def test_a_character_the_encoding_lacks_makes_the_file_utf8_with_a_mark() -> None:
    data, used = encode("C1,José,日本\n", FileEncoding("cp1252"))
    assert used == UTF8_WITH_MARK
    assert data == codecs.BOM_UTF8 + "C1,José,日本\n".encode()


def test_undecodable_bytes_cannot_follow_a_switch_to_utf8() -> None:
    text = decode(b"C1,B\x81ob\n", "roster.csv").text
    with pytest.raises(CannotKeepBytesError, match="Windows-1252 \\(cp1252\\) has no '日本'"):
        encode(text + "C2,日本\n", FileEncoding("cp1252"))


def test_a_value_to_write_loses_its_lone_surrogates() -> None:
    assert text_only("plain é") == "plain é"
    assert text_only("a\udc81b\ud800") == "a\ufffdb\ufffd"
