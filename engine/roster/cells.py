"""Reading single roster cells: text, dates and yes/no flags, as people type them.

A cell comes from CSV as text or from Google Sheets (UNFORMATTED_VALUE) as text, a number or
a boolean. Parsers accept every form that means one thing only and refuse anything that could
be read two ways, saying how to write it instead.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from engine.models import CellValue

# Google Sheets (like Lotus and Excel after it) counts days from 1899-12-30.
SHEETS_EPOCH = date(1899, 12, 30)
# Serial 1 is 1899-12-31, serial 2958465 is 9999-12-31, the last day `date` can hold.
MIN_SERIAL = 1
MAX_SERIAL = 2_958_465

_MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    _MONTHS[_name] = _number
    _MONTHS[_name[:3]] = _number
_MONTHS["sept"] = 9

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS: dict[str, int] = {}
for _number, _name in enumerate(name.lower() for name in _WEEKDAY_NAMES):
    _WEEKDAYS[_name] = _number
    _WEEKDAYS[_name[:3]] = _number
_WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_ISO_DATE_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")
_SERIAL_TEXT = re.compile(r"\d+(?:\.\d+)?")
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})")
_WORD_SEPARATORS = re.compile(r"[\s,/-]+")
_ORDINAL_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")

_HOW_TO_WRITE = "write it as year-month-day or with the month's name"
_TRUE_WORDS = frozenset({"true", "yes", "1", "x"})
_FALSE_WORDS = frozenset({"false", "no", "0", ""})


def cell_text(value: CellValue) -> str:
    """A cell as text, stripped. Sheets hands over numbers typed into text columns as numbers;
    whole ones are written without a trailing `.0` so an id 123 stays `123`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: CellValue) -> date:
    """A calendar date from an ISO date (or datetime), a Sheets serial number or a written date
    with the month's name. Raises ValueError saying what is wrong and how to write it."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no value, not a date")
    if isinstance(value, int | float):
        return _from_serial(value, repr(value))
    if value is None or not value.strip():
        raise ValueError("a date is required")
    text = value.strip()
    if _ISO_DATE_PREFIX.match(text):
        return _from_iso(text)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), repr(text))
    if year_first := _YEAR_FIRST.fullmatch(text):
        return _from_parts(text, int(year_first[1]), int(year_first[3]), int(year_first[4]))
    if numeric := _NUMERIC_DATE.fullmatch(text):
        raise ValueError(_ambiguous_message(text, numeric[1], numeric[2], numeric[3]))
    return _from_words(text)


def parse_bool(value: CellValue) -> bool:
    """TRUE/FALSE, yes/no, 1/0 or x/blank, in any case. Raises ValueError otherwise."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError(f"{value!r} is not a yes/no value; use TRUE or FALSE")
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{value.strip()!r} is not a yes/no value; use TRUE or FALSE")


def parse_date_or_flag(value: CellValue) -> date | bool:
    """A cell that holds a yes/no or a date (`unsubscribed`): False for no or blank, True for
    a yes, else the date. A yes/no word wins, so `1` is yes, not a Sheets serial. Raises
    ValueError saying how to write it."""
    try:
        return parse_bool(value)
    except ValueError:
        pass
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(
            f"{cell_text(value)!r} is neither a date nor a yes/no value; write the date, or TRUE"
        ) from None


def serial_number(day: date) -> int:
    """A date as a Sheets serial number (days since SHEETS_EPOCH): what `parse_date` reads
    back as the same day."""
    return (day - SHEETS_EPOCH).days


def _from_serial(serial: float, shown: str) -> date:
    if not math.isfinite(serial) or not MIN_SERIAL <= serial < MAX_SERIAL + 1:
        raise ValueError(
            f"{shown} is not a date: as a spreadsheet date number it must be between "
            f"{MIN_SERIAL} and {MAX_SERIAL}; {_HOW_TO_WRITE}, e.g. 2026-11-02"
        )
    # The fraction is the time of day, which a calendar date drops.
    return SHEETS_EPOCH + timedelta(days=math.floor(serial))


def _from_iso(text: str) -> date:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        # `Z` is accepted by fromisoformat from 3.11 on; a datetime's own date is what the
        # person typed, so no zone conversion.
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date; e.g. 2026-11-02") from None


def _from_parts(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a valid date ({error})") from None


def _ambiguous_message(text: str, first: str, second: str, third: str) -> str:
    if len(third) != 4:
        return f"{text!r} is ambiguous (numbers only); {_HOW_TO_WRITE}, e.g. 2026-11-02"
    readings: list[date] = []
    year = int(third)
    for day, month in ((int(first), int(second)), (int(second), int(first))):
        try:
            reading = date(year, month, day)
        except ValueError:
            continue
        if reading not in readings:
            readings.append(reading)
    if not readings:
        return f"{text!r} is not a date we can read; {_HOW_TO_WRITE}, e.g. 2026-11-02"
    example = readings[0]
    suggestion = f"{_HOW_TO_WRITE}, e.g. {example.isoformat()} or {_written(example)}"
    if len(readings) == 1:
        # Refused even though only one reading is valid: accepting it would make the column
        # look readable while its 03/04-style neighbours are guesses.
        return f"{text!r} uses numbers only, which reads day-first or month-first; {suggestion}"
    options = " or ".join(_written(reading) for reading in readings)
    return f"{text!r} is ambiguous ({options}?); {suggestion}"


def _written(day: date) -> str:
    return f"{day.day} {_MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def _from_words(text: str) -> date:
    """`2 Nov 2026`, `Nov 2, 2026`, `Monday, 2 November 2026`, `2nd Nov 2026`: the month
    is named, so the order of day and year cannot be mistaken."""
    tokens = [t.rstrip(".") for t in _WORD_SEPARATORS.split(text.lower()) if t]
    weekday: int | None = None
    if tokens and tokens[0] in _WEEKDAYS:
        weekday = _WEEKDAYS[tokens.pop(0)]
    month: int | None = None
    day: int | None = None
    year: int | None = None
    for token in tokens:
        if month is None and token in _MONTHS:
            month = _MONTHS[token]
        elif year is None and len(token) == 4 and token.isdigit():
            year = int(token)
        elif day is None and (ordinal := _ORDINAL_DAY.fullmatch(token)):
            day = int(ordinal[1])
        else:
            month = None
            break
    if month is None or day is None or year is None:
        raise ValueError(f"{text!r} is not a date we can read; {_HOW_TO_WRITE}, e.g. 2026-11-02")
    parsed = _from_parts(text, year, month, day)
    if weekday is not None and parsed.weekday() != weekday:
        raise ValueError(
            f"{text!r} does not add up: {_written(parsed)} is a {_WEEKDAY_NAMES[parsed.weekday()]}"
        )
    return parsed


def column_letter(position: int) -> str:
    """The spreadsheet name of a column: `A` for position 0, `Z` for 25, `AA` for 26."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
