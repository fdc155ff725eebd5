from __future__ import annotations

import io

import pytest
from builders import a_notice as shared_notice

from engine.adapters.console_notifier import ConsoleNotifier
from engine.outcomes import FlagNotice
from engine.ports import SendError

HISTORY = ("day 0: sent kickoff", "day 5: sent connect-data", "day 9: nudged")


def a_notice(**changes: object) -> FlagNotice:
    """The shared notice, with a plan id and a history these tests read line by line."""
    return shared_notice(**{"plan": "pro", "history": HISTORY, **changes})


def test_prints_everything_a_person_needs_to_act() -> None:
    stream = io.StringIO()

    ConsoleNotifier(stream).flag(a_notice())

    text = stream.getvalue()
    for expected in [
        "<@U123>",
        "Sam Owner",
        "Ada Lovelace",
        "cust-42",
        "Analytical Engines Ltd",
        "pro",
        "Connect your data",
        "connect-data",
        "journey 2",
        "guide day: 12",
        "no progress 3 guide days after the nudge",
    ]:
        assert expected in text
    lines = text.splitlines()
    history_at = lines.index("  history:")
    assert lines[history_at + 1 : history_at + 4] == [
        "    - day 0: sent kickoff",
        "    - day 5: sent connect-data",
        "    - day 9: nudged",
    ]


def test_returns_a_reference_to_the_flag() -> None:
    reference = ConsoleNotifier(io.StringIO()).flag(a_notice())

    assert reference == "console:cust-42:connect-data"


def test_says_so_when_there_is_no_history() -> None:
    stream = io.StringIO()

    ConsoleNotifier(stream).flag(a_notice(history=()))

    assert "history:   (none)" in stream.getvalue()


def test_control_characters_from_the_roster_cannot_fake_lines_or_drive_the_terminal() -> None:
    stream = io.StringIO()

    ConsoleNotifier(stream).flag(
        a_notice(
            customer_name="Eve\n  reason:    all fine\x1b[2J",
            history=("day 1\r\nday 2: finished",),
        )
    )

    text = stream.getvalue()
    assert "\x1b" not in text and "\r" not in text
    assert sum(line.startswith("  reason:") for line in text.splitlines()) == 1
    assert "    - day 1 day 2: finished" in text.splitlines()


def test_writes_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleNotifier().flag(a_notice())

    captured = capsys.readouterr()
    assert "Ada Lovelace" in captured.err and captured.out == ""


def test_a_closed_stream_raises_send_error() -> None:
    stream = io.StringIO()
    stream.close()

    with pytest.raises(SendError):
        ConsoleNotifier(stream).flag(a_notice())
