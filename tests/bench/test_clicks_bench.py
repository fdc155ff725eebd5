"""benchmarks/clicks.py stays runnable as `make bench` calls it (`rows`, a section of its table)
and standalone: end to end at small sizes, its lines in order, and the Google Sheets counts of
each click and link within their aim. Times are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click_labels import CLICK_LABELS

ROOT = Path(__file__).resolve().parents[2]
CLICKS = ROOT / "benchmarks" / "clicks.py"
LABEL_WIDTH = 48

pytestmark = pytest.mark.slow


def test_the_clicks_benchmark_prints_its_table(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, CLICKS, "--sizes", "150,300", "--requests", "1", "--together", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    title, *lines = result.stdout.splitlines()
    assert title.split()[-2:] == ["150", "300"]
    table = {line[:LABEL_WIDTH].strip(): line[LABEL_WIDTH:].split() for line in lines}
    assert list(table) == CLICK_LABELS
    for link in ("Done click", "done link GET", "done link POST", "the next GET"):
        calls, _, cells, *_ = table[f"Sheets calls / cells: {link}"]
        assert int(calls) <= 2 and int(cells) <= 100
