"""A doc over 1 MB (1,000,000 bytes of UTF-8) is refused with one error at line 1, before it
is read: by `parse_rules`, by `og rules check` (exit 1) and by the tick, which runs on the
last good doc."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from workspace import RULES, Workspace, nine_am, row

from engine.plans import Rules, RulesError
from engine.rules import parse_rules
from engine.tick import tick

LIMIT = 1_000_000


def padded(doc: str, size: int, letter: str = "x") -> str:
    """`doc` followed by a commentary line of `letter`s, `size` UTF-8 bytes in all."""
    room = size - len(doc.encode()) - 3  # a line end, the period and the final line end
    width = len(letter.encode())
    assert room >= 0 and room % width == 0, "pick a size the letter fills exactly"
    text = f"{doc}\n{letter * (room // width)}.\n"
    assert len(text.encode()) == size
    return text


def too_big(size: int) -> list[RulesError]:
    mb = f"{size / 1e6:.1f}"
    return [
        RulesError(
            line=1,
            message=f"the rules doc is {mb} MB ({size:,} bytes); the guide reads docs up to "
            "1 MB (1,000,000 bytes): look for text pasted in by mistake, or move long notes "
            "to another doc",
        )
    ]


def test_a_doc_of_exactly_1_mb_is_read() -> None:
    # The padding is commentary before the Messages section: it changes nothing.
    doc = RULES.replace("## Messages", "PADDING\n\n## Messages")
    head, tail = doc.split("PADDING")
    text = padded(head, LIMIT - len(tail.encode())) + tail
    assert len(text.encode()) == LIMIT
    rules = parse_rules(text)
    assert isinstance(rules, Rules), rules
    assert list(rules.plans) == ["starter", "pro"]


def test_one_byte_more_is_refused_with_one_error_at_line_1() -> None:
    text = padded(RULES, LIMIT + 1)
    assert parse_rules(text) == too_big(LIMIT + 1)


def test_the_message_gives_the_size() -> None:
    assert parse_rules(padded(RULES, 1_300_000)) == too_big(1_300_000)


def test_the_limit_counts_utf8_bytes_not_characters() -> None:
    # Half a million two-byte letters: far fewer characters than bytes.
    text = padded("", LIMIT + 1, letter="é")
    assert len(text) == 500_002
    assert parse_rules(text) == too_big(LIMIT + 1)
    # Four bytes a character, the most UTF-8 takes: just at the limit, and just over it.
    assert [e.line for e in _as_errors(parse_rules("😀" * (LIMIT // 4)))] == [1, 1]
    assert parse_rules("😀" * (LIMIT // 4 + 1)) == too_big(LIMIT + 4)


def _as_errors(result: Rules | list[RulesError]) -> list[RulesError]:
    assert isinstance(result, list)
    assert all("1 MB" not in e.message for e in result), result
    return result


def test_even_a_doc_of_only_errors_gets_only_the_size_error() -> None:
    text = "Flag them on day 3.\n" * (LIMIT // 20 + 1)
    size = len(text.encode())
    assert size > LIMIT
    assert parse_rules(text) == too_big(size)


def test_og_rules_check_prints_it_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "rules.md"
    path.write_text(padded(RULES, LIMIT + 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "rules", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == f"{path}:1: {too_big(LIMIT + 1)[0].message}\n"
    assert "Traceback" not in result.stderr

    path.write_text(padded(RULES, LIMIT - 2), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "rules", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1"), row("C2", plan="Pro")])


def test_the_tick_runs_on_the_last_good_doc_and_reports_the_size(ws: Workspace) -> None:
    guide = ws.guide()
    tick(guide, nine_am("2026-11-02"))
    ws.rules_path.write_text(padded(RULES, LIMIT + 1), encoding="utf-8")
    report = tick(guide, nine_am("2026-11-03"))
    assert report.ran and report.rules_fallback
    assert report.rules_problems == [f"{ws.rules_path}:1: {too_big(LIMIT + 1)[0].message}"]
    assert report.counts()["step"] == 1  # C2's connect-data, from the last good rules
