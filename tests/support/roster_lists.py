"""Onboarding lists as they go wrong, for properties over the CSV roster: a good list (one row
per customer, every customer due a welcome) mutated the way lists get mutated: a cell
replaced by something hostile or malformed, a stray quote, a cell saved in another encoding,
an oversized cell, a row cut short or doubled, blank lines."""

from __future__ import annotations

from hypothesis import strategies as st

HEADER = ["customer_id", "name", "email", "plan", "signup_date", "timezone", "paused_note"]
ROWS = 8


def good_row(n: int) -> list[str]:
    return [f"C{n}", f"Name {n}", f"c{n}@example.test", "Starter", "2026-11-02", "", ""]


HOSTILE_CELLS = [
    "US",
    "Europe",
    "x" * 300,
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-",
    "@SUM(A1)",
    "\tindented",
    "\x00nul",
    "03/04/2026",
    "soon",
    "Gold",
    "not an email",
    "",
    " ",
    "é",
    "日本語",
    "<!channel>",
    "🙂",
    "\ufeffbom",
    "a\r\nb",
    "line\nbreak",
    "'quoted'",
    '"',
    '"Bob',
    'Bo"b',
]


@st.composite
def mutated_list(draw: st.DrawFn) -> tuple[bytes, set[str]]:
    """The file's bytes, and the ids of the customers whose rows were left as they were."""
    rows = [good_row(n) for n in range(ROWS)]
    origin = [f"C{n}" for n in range(ROWS)]
    touched: set[str] = set()
    raw_cells: dict[int, tuple[int, bytes]] = {}
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        column = draw(st.integers(min_value=0, max_value=len(rows[index]) - 1))
        kind = draw(st.sampled_from(["cell", "cp1252", "oversized", "cut", "double"]))
        touched.add(origin[index])
        if kind == "cell":
            rows[index][column] = draw(st.sampled_from(HOSTILE_CELLS))
        elif kind == "cp1252":
            raw_cells[id(rows[index])] = (column, "Zoë Müller".encode("cp1252"))
        elif kind == "oversized":
            rows[index][column] = "y" * 140_000
        elif kind == "cut" and len(rows[index]) > 1:
            rows[index] = rows[index][: draw(st.integers(min_value=1, max_value=3))]
        elif kind == "double":
            rows.insert(index, list(rows[index]))
            origin.insert(index, origin[index])
    lines = [",".join(HEADER).encode()]
    for cells in rows:
        raw = raw_cells.get(id(cells))
        encoded = []
        for column, cell in enumerate(cells):
            if raw is not None and raw[0] == column:
                encoded.append(raw[1])
            elif any(c in cell for c in ',"\r\n') and cell not in ('"', '"Bob'):
                encoded.append(('"' + cell.replace('"', '""') + '"').encode())
            else:
                encoded.append(cell.encode())  # a lone or opening quote stays as typed
        lines.append(b",".join(encoded))
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            lines.append(b"")
    # Two stray quotes can pair into one well-formed cell over several lines: legal CSV, which
    # no reader can tell from a cell written so (the guide writes such cells, and reads its
    # own writes back whole). The rows between them are not counted as left as they were.
    stray = [i for i, cells in enumerate(rows) if any(c in ('"', '"Bob') for c in cells)]
    if len(stray) >= 2:
        touched.update(origin[stray[0] + 1 : stray[-1]])
    return b"\r\n".join(lines) + b"\r\n", set(origin) - touched
