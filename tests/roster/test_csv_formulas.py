"""Formula-safe cells (engine.roster.csv_formulas): written so no spreadsheet app runs them,
read back as typed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.roster.csv_formulas import TRIGGERS, as_typed, escaped_offsets, formula_safe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("'=already quoted", "''=already quoted"),
        ("''-2", "'''-2"),
        ("'quoted", "'quoted"),
        ("'", "'"),
        ("", ""),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("0042", "0042"),
    ],
)
def test_a_formula_is_written_as_text_and_read_as_typed(value: str, written: str) -> None:
    assert formula_safe(value) == written
    assert as_typed(written) == value


@pytest.mark.parametrize("cell", ["'quoted", "''", "'", "It's", "'a=b", "'0042"])
def test_a_quote_before_anything_else_is_kept(cell: str) -> None:
    assert as_typed(cell) == cell


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab ,\"\n"), max_size=8) | st.text())
def test_reading_gives_back_what_was_written(value: str) -> None:
    written = formula_safe(value)
    assert as_typed(written) == value
    assert written[:1] not in TRIGGERS or written == ""


def test_escaped_offsets_find_cells_that_start_with_a_quote_and_a_trigger() -> None:
    text = "'=a,b'=c,'x,\"''-d\"\n'+e,It's '-' here\n"
    assert escaped_offsets(text) == [0, 13, 19]
