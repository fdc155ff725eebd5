"""The onboarding list's text as rows (engine.roster.csv_text): one bad row costs that row."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.models import CellProblem
from engine.roster.csv_encoding import decode
from engine.roster.csv_formulas import formula_safe
from engine.roster.csv_text import CELL_LIMIT, CsvTable, parse, render, show_as_typed

HEADER = "customer_id,name,email,plan,signup_date\n"


def row(customer_id: str, name: str | None = None) -> str:
    name = name if name is not None else f"Name {customer_id}"
    return f"{customer_id},{name},{customer_id.lower()}@example.com,pro,2026-11-02\n"


def table_of(text: str) -> CsvTable:
    return parse(text, "UTF-8", escaped=False)


def read(text: str) -> CsvTable:
    table = table_of(text)
    show_as_typed(table, text)
    return table


def ids(table: CsvTable) -> list[str]:
    return [cells[0] if cells else "" for cells in table.rows[1:]]


def test_a_plain_list_is_every_record_and_no_problem() -> None:
    text = HEADER + row("C1") + "\n" + row("C2")
    table = read(text)
    assert table.rows[0] == HEADER.strip().split(",")
    assert ids(table) == ["C1", "", "C2"]
    assert table.problems == {} and table.raw == {}


@pytest.mark.parametrize(
    "text",
    [
        HEADER + 'C1,"Ada\nLovelace",c1@example.com,pro,2026-11-02\n' + row("C2"),
        HEADER + row("C1")[:-1] + ',"12 Main St,\nSpringfield, IL, 62701\nUSA"\n' + row("C2"),
        HEADER + 'C1,Ada,c1@example.com,pro,2026-11-02,"said ""hi""\nthen left"\n' + row("C2"),
        HEADER + 'C1,Ada,c1@example.com,pro,2026-11-02,"one\r\ntwo"\r\n' + row("C2"),
        # A line inside the cell looks like a row, but the row it starts in does not.
        HEADER
        + 'C1,"Ada\nC9,Bo,c9@example.com,pro,2026-11-02",c1@example.com,pro,2026\n'
        + row("C2"),
    ],
)
def test_a_quoted_cell_over_several_lines_is_one_cell(text: str) -> None:
    table = read(text)
    assert ids(table) == ["C1", "C2"]
    assert table.problems == {}
    assert render(table) == text.replace("\r\n", "\n").replace("one\ntwo", "one\r\ntwo")


@pytest.mark.parametrize(
    "text",
    [
        # A row pasted into the last cell: every line reads as a row, but the row is well formed.
        HEADER.replace("\n", ",notes\n")
        + 'C1,Ada,c1@example.com,pro,2026-11-02,"was:\nC9,Bo,c9@example.com,pro,2026-11-02"\n'
        + row("C2"),
        # Found by the property test below: a formula-safe CR in a list of two columns.
        'customer_id,notes\nC1,"\'\r0,"\nC2,x\n',
    ],
)
def test_a_well_formed_row_is_never_cut(text: str) -> None:
    table = read(text)
    assert ids(table) == ["C1", "C2"]
    assert table.problems == {}


def test_a_stray_quote_costs_its_own_row_only() -> None:
    text = HEADER + row("C-1") + row("C-2", '"Bob') + row("C-3") + row("C-4") + row("C-5")
    table = read(text)
    assert ids(table) == ["C-1", "C-2", "C-3", "C-4", "C-5"]
    assert table.problems == {
        2: CellProblem(
            column="name",
            value='"Bob,c-2@example.com,pro,2026-11-02',
            message='a quote (") opens this cell and is never closed, so rows 4–6 (C-3, C-4, '
            "C-5) would have been read into it; remove the quote or close it",
        )
    }
    # The row is still found by its id, with the quote taken as a plain character.
    assert table.rows[2] == ["C-2", '"Bob', "c-2@example.com", "pro", "2026-11-02"]
    assert table.rows[3] == ["C-3", "Name C-3", "c-3@example.com", "pro", "2026-11-02"]


def test_rows_after_a_stray_quote_are_read_even_when_a_later_quote_closed_it() -> None:
    # The csv module closes the stray quote at C4's opening quote and from there reads every
    # quote the wrong way round; each row after the stray quote must still be itself.
    lines = [
        row("C1", '"Bob'),
        row("C2"),
        'C3,Cy,c3@example.com,pro,2026-11-02,"note line 1\nline 2"\n',
        row("C4", '"Dee'),
        'C5,"Ed, Jr.",c5@example.com,pro,2026-11-02\n',
        row("C6"),
    ]
    table = read(HEADER.replace("\n", ",notes\n") + "".join(lines))
    assert ids(table) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert sorted(table.problems) == [1, 4]
    assert "rows 3–4 (C2, C3)" in table.problems[1].message
    assert "so row 6 (C5) would have been read into it" in table.problems[4].message
    assert table.rows[3][5] == "note line 1\nline 2"
    assert table.rows[5][1] == "Ed, Jr."


def test_a_stray_quote_closed_by_a_quote_ending_a_later_cell_costs_its_row_only() -> None:
    # The quote after 55 closes the stray one as a well-formed cell would end: the row the
    # csv module makes is well formed, but has two cells, not six.
    header = HEADER.replace("\n", ",notes\n")
    text = header + row("C1", '"Bob') + row("C2")[:-1] + ',TV 55"\n' + row("C3")
    table = read(text)
    assert ids(table) == ["C1", "C2", "C3"]
    assert table.problems.keys() == {1}
    assert table.rows[2][5] == 'TV 55"'


def test_a_row_that_is_not_well_formed_reads_as_the_csv_module_reads_it() -> None:
    table = read(HEADER + 'C1,"Ada" Lovelace,c1@example.com,pro,2026-11-02\n' + row("C2"))
    assert table.rows[1][1] == "Ada Lovelace"
    assert ids(table) == ["C1", "C2"] and table.problems == {}


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", ""])
def test_a_quote_never_closed_on_the_last_row_is_its_problem(ending: str) -> None:
    last = row("C2", '"Bob')[:-1] + ending
    table = read(HEADER + row("C1") + last)
    assert ids(table) == ["C1", "C2"]
    assert table.raw == {2: last}
    assert table.problems[2].message == (
        'a quote (") opens this cell and is never closed; remove the quote or close it'
    )


@pytest.mark.parametrize("stray", ['"\n', '"\r\n\r\n', 'C9,"Bo\n', '",,\n'])
def test_a_line_that_is_only_a_stray_quote_costs_that_line_only(stray: str) -> None:
    # Its own line holds no row to tell it by, but a quote open to the end of the file is
    # never a cell over several lines: the rows after it are rows.
    table = read(HEADER + stray + row("C1") + "\n" + row("C2") + row("C3"))
    assert [name for name in ids(table) if name.startswith("C")][-3:] == ["C1", "C2", "C3"]
    assert len(table.problems) == 1
    assert "is never closed, so rows" in next(iter(table.problems.values())).message


@pytest.mark.parametrize("stray", ['"\n', '"\r\n\r\n', '",,\n'])
def test_a_stray_quote_closed_by_a_later_quoted_cell_still_costs_its_line_only(
    stray: str,
) -> None:
    # Found by the mutated-lists property: the stray quote is closed by the opening quote of
    # a later, rightly quoted cell, so the row it makes is not well formed: never a cell over
    # several lines, though its own line holds no row to tell it by.
    later = '"C2\nbis",Name,c2@example.com,pro,2026-11-02\n'
    table = read(HEADER + stray + row("C1") + "\n" + later + row("C3"))
    assert "C1" in ids(table) and "C3" in ids(table)
    assert len(table.problems) == 1
    assert "is never closed, so rows" in next(iter(table.problems.values())).message


def test_many_swallowed_rows_are_counted_not_all_named() -> None:
    text = HEADER + row("C0", '"Bob') + "".join(row(f"C{n}") for n in range(1, 31))
    table = read(text)
    assert len(table.rows) == 32 and table.problems.keys() == {1}
    assert "rows 3–32 (C1, C2, C3, C4, C5 and 25 more)" in table.problems[1].message


def test_a_multi_line_note_whose_lines_have_no_id_is_one_cell() -> None:
    text = HEADER + 'C1,"Ada\n,a, b, c, d, e, f\n",c1@example.com,pro,2026-11-02\n' + row("C2")
    assert ids(read(text)) == ["C1", "C2"]


def test_a_stray_quote_in_the_header_is_the_header_s_problem() -> None:
    table = read('customer_id,"name,email,plan,signup_date\n' + row("C1") + row("C2"))
    assert table.problems[0].column == "B"
    assert "rows 2–3 (C1, C2)" in table.problems[0].message
    assert ids(table) == ["C1", "C2"]


def test_rows_with_problems_are_rendered_exactly_as_they_were() -> None:
    bad = 'C2,"Bob,c2@example.com, pro ,2026-11-02\r\n'
    text = HEADER + row("C1") + bad + row("C3") + row("C4", '"Dee')[:-1]
    table = table_of(text)
    table.rows[1][1] = "Ada"
    table.changed.add(1)  # a write says which rows it changed: the others keep their text
    assert render(table) == (HEADER + row("C1", "Ada") + bad + row("C3") + row("C4", '"Dee')[:-1])


@pytest.mark.parametrize(("ending", "other"), [("\n", "\r"), ("\r", "\n"), ("\r\n", "\r")])
def test_a_cell_holding_a_line_break_is_quoted_whatever_the_line_ending(
    ending: str, other: str
) -> None:
    table = table_of(f"customer_id,notes{ending}C1,{ending}C2,x{ending}")
    table.rows[1][1] = f"one{other}two"
    text = render(table)
    assert text == f'customer_id,notes{ending}C1,"one{other}two"{ending}C2,x{ending}'
    assert read(text).rows == [["customer_id", "notes"], ["C1", f"one{other}two"], ["C2", "x"]]


@pytest.mark.parametrize("rows_before", [0, 1, 997, 3000])
def test_an_oversized_cell_costs_its_row_only(rows_before: int) -> None:
    essay = "x" * (CELL_LIMIT + 1)
    before = "".join(row(f"B{n}") for n in range(rows_before))
    text = HEADER + before + row("C1") + row("C2", essay) + row("C3")
    table = read(text)
    assert ids(table)[rows_before:] == ["C1", "C2", "C3"]
    problem = table.problems[rows_before + 2]
    assert (problem.column, problem.value) == ("name", essay)
    assert problem.message == (
        f"the cell holds {CELL_LIMIT + 1:,} characters, more than the {CELL_LIMIT:,} "
        "a cell may hold"
    )
    assert render(table) == text


def test_a_cell_of_exactly_the_limit_is_fine() -> None:
    table = read(HEADER + row("C1", "x" * CELL_LIMIT))
    assert table.problems == {}


def test_an_oversized_cell_over_several_lines_costs_its_row_only() -> None:
    essay = "\n".join(["y" * 1000] * (CELL_LIMIT // 1000 + 1))
    text = HEADER + row("C1", f'"{essay}"') + row("C2")
    table = read(text)
    assert ids(table) == ["C1", "C2"]
    assert table.problems.keys() == {1}
    assert table.problems[1].value == essay


def test_an_oversized_header_cell_is_the_header_s_problem() -> None:
    table = read("customer_id," + "h" * (CELL_LIMIT + 1) + "\n" + row("C1"))
    assert table.problems.keys() == {0}


def test_undecodable_bytes_cost_their_row_and_show_escaped() -> None:
    data = (HEADER.replace("name", "Nom\x81") + row("C1", "José") + row("C2", "B\x81ob")).encode(
        "latin-1"
    )
    decoded = decode(data, "roster.csv")
    table = parse(decoded.text, decoded.encoding.label, escaped=decoded.escaped)
    show_as_typed(table, decoded.text)
    assert table.rows[0][1] == "Nom\\x81"  # the header shows the byte but reads on
    assert table.rows[1][1] == "José"
    assert table.problems == {
        2: CellProblem(
            column="Nom\\x81",
            value="B\\x81ob",
            message="the cell holds bytes that are not Windows-1252 (cp1252) text "
            "(shown as \\x..); retype it, or save the list as CSV UTF-8",
        )
    }


def test_a_problem_names_a_column_past_the_header_by_its_letter() -> None:
    table = read('customer_id,name\nC1,Ann,"x\n' + "C2,Bo\n")
    assert table.problems[1].column == "C"


# No commas: a line of a quoted cell must not be taken for a row here (see the tests above).
cells = st.text(alphabet=st.sampled_from("'=+-@\t\rab \"\nx"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5))
def test_formula_safe_values_read_back_as_written(values: list[list[str]]) -> None:
    rows = [[f"#{n}", *cells_of] for n, cells_of in enumerate(values)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["customer_id", "a", "b", "c", "d"], *[[r[0], *map(formula_safe, r[1:])] for r in rows]]
    )
    text = buffer.getvalue()
    table = read(text)
    assert table.problems == {}
    assert table.rows[1:] == rows
