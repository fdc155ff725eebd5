"""docs/cost.md is benchmarks/cost.py's arithmetic over the committed measured figures: the page
must not drift from them when a price, an assumption or the figures change."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import cost  # noqa: E402 - a script of benchmarks/, not a package

FIGURES = ROOT / "docs" / "cost-figures.json"
DOC = ROOT / "docs" / "cost.md"


def test_the_cost_page_shows_the_arithmetic_over_the_committed_figures() -> None:
    figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    page = DOC.read_text(encoding="utf-8").splitlines()
    generated = [line for line in cost.report(figures) if line]
    missing = [line for line in generated if line not in page]
    assert not missing, (
        "docs/cost.md differs from `python benchmarks/cost.py docs/cost-figures.json`: "
        + "\n".join(missing[:5])
    )
    assert [s["customers"] for s in figures["sizes"]] == [1_000, 10_000, 100_000]


def test_each_size_costs_more_than_the_smaller_and_every_line_adds_up() -> None:
    figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    totals = []
    for size in figures["sizes"]:
        lines = cost.month(size)
        assert {line.service for line in lines} >= {
            "DynamoDB reads",
            "DynamoDB writes",
            "Lambda duration",
            "SES",
            "EventBridge Scheduler",
        }
        assert all(line.dollars >= 0 for line in lines)
        totals.append(sum(line.dollars for line in lines))
        # SES is billed per email, and every step, nudge and wrap-up is one.
        moves = size["day"]["dynamodb"]["day"]["moves"]
        emails = sum(moves.get(kind, 0) for kind in cost.EMAIL_MOVES) * cost.DAYS_A_MONTH
        (ses,) = [line for line in lines if line.service == "SES"]
        assert abs(ses.dollars - emails * 0.10 / 1000) < 1e-9
    assert totals == sorted(totals) and totals[0] < totals[-1]
