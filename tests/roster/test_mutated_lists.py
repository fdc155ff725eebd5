"""Property: whatever a person (or Excel) does to the onboarding list, `og tick` never shows a
traceback, exits 0, 1 or 2 only, handles every good row, and names every row it skips.

Lists start good (one row per customer, every customer due a welcome) and are then mutated
the way lists go wrong: a cell replaced by something hostile or malformed, a stray quote, a
cell saved in another encoding, an oversized cell, a row cut short or doubled, blank lines.
The tick runs in-process through the command line's `main`, on a fresh workspace each time.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from roster_lists import mutated_list
from workspace import RULES

from bot.cli import main


def run_tick(folder: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "tick",
        "--now",
        "2026-11-02",
        "--json",
        "--roster",
        str(folder / "roster.csv"),
        "--rules",
        str(folder / "rules.md"),
        "--state",
        f"sqlite:///{folder / 'og.db'}",
        "--mailer",
        f"outbox:{folder / 'outbox'}",
        "--notifier",
        "console",
        "--timezone",
        "UTC",
    ]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_list())
# Found in CI: rows 2 and 4 each begin with a stray quote, which pair into one well-formed cell
# holding row 3 (C1); every row after is still read and moved.
@example(
    (
        b"customer_id,name,email,plan,signup_date,timezone,paused_note\r\n"
        b'",Name 0,c0@example.test,Starter,2026-11-02,,\r\n\r\n'
        b"C1,Name 1,c1@example.test,Starter,2026-11-02,,\r\n\r\n"
        b'",Name 2,c2@example.test,Starter,2026-11-02,,\r\n\r\n'
        + b"".join(
            f"C{n},Name {n},c{n}@example.test,Starter,2026-11-02,,\r\n\r\n".encode()
            for n in range(3, 8)
        ),
        {"C3", "C4", "C5", "C6", "C7"},
    )
)
def test_a_mutated_list_costs_only_its_bad_rows(case: tuple[bytes, set[str]]) -> None:
    data, untouched = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "roster.csv").write_bytes(data)
        (root / "rules.md").write_text(RULES, encoding="utf-8")
        code, out, err = run_tick(root)
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1, 2)
    assert code == 0, err  # the header is whole: the list as a whole is always readable
    rows = [row for row in map(json.loads, out.splitlines()) if "move" in row]
    moved = {row["customer_id"] for row in rows if row["move"] != "skipped"}
    assert untouched <= moved, err
    for skipped in (row for row in rows if row["move"] == "skipped"):
        assert skipped["error"].startswith("row "), skipped
