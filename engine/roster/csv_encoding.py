"""The onboarding list's bytes as text and back, losing no byte on the way.

Which encoding a file is read in:

1. a byte-order mark says it: UTF-8, UTF-16 or UTF-32, little or big endian;
2. no mark, but a NUL in every other byte of the start: UTF-16 without a mark (with a warning);
3. the bytes are valid UTF-8: UTF-8;
4. mostly valid UTF-8 (more characters beyond ASCII decode as UTF-8 than bytes fail to): UTF-8
   with a few damaged bytes, as when one line was pasted in from another program;
5. anything else: Windows-1252 (cp1252), the "ANSI" of Excel's plain "CSV" on a western
   Windows, with a warning naming the file.

Bytes the chosen encoding cannot read never stop the read: each becomes one lone surrogate
U+DC00 + byte (Python's `surrogateescape`, extended to bytes below 0x80, which a broken UTF-16
or UTF-32 unit can hold). No decoder produces lone surrogates from good bytes, so they mark
exactly the cells that hold undecodable bytes, and `encode` writes them back as those bytes.

`encode(decode(data))` gives back `data`, byte for byte, in every case above.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Captures, so that `split` keeps the runs.
_ESCAPE = re.compile("([\udc00-\udcff]+)")
_ANY_SURROGATE = re.compile("[\ud800-\udfff]")
# The five bytes Windows-1252 leaves undefined.
_CP1252_HOLES = b"\x81\x8d\x8f\x90\x9d"
_ASCII = bytes(range(128))
_ESCAPE_BYTES = "og.escape-bytes"
_SNIFF_BYTES = 4096

# Longest marks first: the UTF-32 LE mark FF FE 00 00 starts with the UTF-16 LE mark FF FE.
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LABELS = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32",
    "cp1252": "Windows-1252 (cp1252)",
}


@dataclass(frozen=True)
class FileEncoding:
    """How a file is saved: a codec without a mark of its own, and the mark before the text."""

    codec: str
    byte_order_mark: bytes = b""

    @property
    def label(self) -> str:
        return _LABELS.get(self.codec, self.codec)


UTF8 = FileEncoding("utf-8")
UTF8_WITH_MARK = FileEncoding("utf-8", codecs.BOM_UTF8)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: FileEncoding
    escaped: bool
    """Whether `text` holds undecodable bytes (as U+DC00 + byte)."""
    warning: str | None = None


class CannotKeepBytesError(ValueError):
    """Text that needs a switch to UTF-8 also holds bytes UTF-8 cannot carry."""


def _escape_bytes(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        bad = error.object[error.start : error.end]
        return "".join(chr(0xDC00 + byte) for byte in bad), error.end
    raise error


# Registered once, under a name no one else uses: Python's own `surrogateescape` refuses bytes
# below 0x80, which a broken UTF-16 unit such as 00 D8 holds.
codecs.register_error(_ESCAPE_BYTES, _escape_bytes)


def decode(data: bytes, name: str) -> DecodedText:
    """`data` as text, by the rules in the module docstring; `name` names the file in a warning."""
    for mark, codec in _MARKS:
        if data.startswith(mark):
            return _decode_as(data[len(mark) :], FileEncoding(codec, mark))
    utf16 = _utf16_without_mark(data)
    if utf16 is not None:
        decoded = _decode_as(data, FileEncoding(utf16))
        warning = (
            f"{name} looks like UTF-16 without a byte-order mark: read as {utf16.upper()}; "
            "save it as CSV UTF-8 to be sure of every character"
        )
        return DecodedText(decoded.text, decoded.encoding, decoded.escaped, warning)
    try:
        return DecodedText(data.decode("utf-8"), UTF8, escaped=False)
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return DecodedText(data.decode("utf-8", "surrogateescape"), UTF8, escaped=True)
    decoded = _decode_as(data, FileEncoding("cp1252"))
    warning = (
        f"{name} is not UTF-8: read as Windows-1252 (cp1252); "
        "save it as CSV UTF-8 to be sure of every character"
    )
    return DecodedText(decoded.text, decoded.encoding, decoded.escaped, warning)


def _mostly_utf8(data: bytes) -> bool:
    """Whether more characters beyond ASCII decode as UTF-8 than bytes fail to. Only the bytes
    beyond ASCII are looked at (a UTF-8 sequence is made of those alone), which keeps this cheap
    for a large file in Windows-1252."""
    high = data.translate(None, _ASCII).decode("utf-8", "surrogateescape")
    # Each character but a lone surrogate (an undecodable byte) is four bytes in UTF-32.
    decoded = len(high.encode("utf-32-le", "ignore")) // 4
    return decoded > len(high) - decoded


def _decode_as(data: bytes, encoding: FileEncoding) -> DecodedText:
    codec = encoding.codec
    if codec == "cp1252":
        escaped = any(byte in data for byte in _CP1252_HOLES)
        return DecodedText(data.decode(codec, "surrogateescape"), encoding, escaped)
    try:
        return DecodedText(data.decode(codec), encoding, escaped=False)
    except UnicodeDecodeError:
        return DecodedText(data.decode(codec, _ESCAPE_BYTES), encoding, escaped=True)


def _utf16_without_mark(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when the start of `data` has a NUL in every other byte, as
    UTF-16 text of mostly ASCII characters (digits, commas, addresses) has."""
    sample = data[:_SNIFF_BYTES]
    sample = sample[: len(sample) // 2 * 2]
    if not sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd * 2 >= half and even * 8 <= odd:
        return "utf-16-le"
    if even * 2 >= half and odd * 8 <= even:
        return "utf-16-be"
    return None


def encode(text: str, encoding: FileEncoding) -> tuple[bytes, FileEncoding]:
    """`text` saved as `encoding`, undecodable bytes as they were. When `encoding` cannot hold
    a character (a name in Japanese in a Windows-1252 file), the whole file becomes UTF-8
    with a byte-order mark, which Excel also reads as UTF-8; the encoding used is returned.
    Raises CannotKeepBytesError when that switch would also have to carry undecodable bytes."""
    try:
        return encoding.byte_order_mark + _encode_as(text, encoding.codec), encoding
    except UnicodeEncodeError as error:
        if _ESCAPE.search(text):
            character = error.object[error.start : error.end]
            raise CannotKeepBytesError(
                f"{encoding.label} has no {character!r}, and UTF-8 cannot keep the bytes "
                "that are not text"
            ) from None
    return UTF8_WITH_MARK.byte_order_mark + text.encode("utf-8"), UTF8_WITH_MARK


def _encode_as(text: str, codec: str) -> bytes:
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        if not _ESCAPE.search(text):
            raise
    # Piece by piece rather than through an error handler: a UTF-16 encoder refuses a handler's
    # replacement of an odd number of bytes, which a file cut off mid-unit ends with.
    pieces = _ESCAPE.split(text)
    encoded = bytearray()
    for index, piece in enumerate(pieces):
        if index % 2:
            encoded += bytes(ord(character) - 0xDC00 for character in piece)
        else:
            encoded += piece.encode(codec)
    return bytes(encoded)


def has_undecodable(text: str) -> bool:
    return _ESCAPE.search(text) is not None


def undecodable_offsets(text: str) -> list[int]:
    """Where runs of undecodable bytes start in `text`."""
    return [match.start() for match in _ESCAPE.finditer(text)]


def visible(text: str) -> str:
    """`text` with each undecodable byte shown as `\\xNN`, fit for a message."""
    return _ESCAPE.sub(
        lambda match: "".join(f"\\x{ord(c) - 0xDC00:02x}" for c in match.group()), text
    )


def text_only(value: str) -> str:
    """A value to write, with any lone surrogate (which no file encoding holds, and which here
    would pass for an undecodable byte) replaced by U+FFFD."""
    if _ANY_SURROGATE.search(value) is None:
        return value
    return _ANY_SURROGATE.sub("\ufffd", value)
